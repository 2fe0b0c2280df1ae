//! Extensions and calendar changes (issue 15, part 5): a coordinator of a
//! cohort (or an operator) gives trainees a new date for a deadline or a
//! milestone, or changes the cohort's named dates or holidays. Each is
//! decided by the core (`decide::extend`, `decide::recalendar`) for every
//! project it touches, and committed in one transaction with the projects'
//! timers planned again (`Store::change_dates`); a refusal for any of them
//! changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::{Engine, Error, input};
use crate::calendar::Calendar;
use crate::decide::{self, CalendarDates, Extending, Project};
use crate::definition::Workflow;
use crate::reason::{Arg, Reason};
use crate::store::{Cohort, DatesRead};

/// Most trainees (or projects) one extension names.
pub const MAX_EXTENDED: usize = 500;

/// An extension asked for: whose projects, what, to when, why, by whom.
#[derive(Debug, Clone)]
pub struct Extension {
    /// The cohort's name.
    pub cohort: String,
    /// The trainees (by email) whose open projects of the cohort are extended.
    pub trainees: Vec<String>,
    /// What is extended: the deadline of a stage, or a milestone's due date.
    pub extending: Extending,
    /// The new date: the end of this day in the cohort's zone.
    pub to: Date,
    /// Why, for the projects' logs and pages.
    pub reason: String,
    /// The coordinator (by email) who grants it; `None`: an operator.
    pub by: Option<String>,
}

/// A change of a cohort's calendar asked for.
#[derive(Debug, Clone, Default)]
pub struct CalendarEdit {
    /// The cohort's name.
    pub cohort: String,
    /// Named dates to set (each one of those the cohort has).
    pub dates: BTreeMap<String, Date>,
    /// Holidays to add.
    pub add_holidays: BTreeSet<Date>,
    /// Holidays to remove.
    pub remove_holidays: BTreeSet<Date>,
    /// Why, for the projects' logs.
    pub reason: String,
    /// The coordinator (by email) who changes it; `None`: an operator.
    pub by: Option<String>,
}

/// What an extension or a calendar change did: per project, its new
/// deadline (or the milestone's new due date).
#[derive(Debug, Clone, Serialize)]
pub struct DatesReport {
    /// The cohort's name.
    pub cohort: String,
    /// One line per project whose dates were planned again.
    pub projects: Vec<Replanned>,
    /// Finished projects left as they are (calendar changes only).
    pub left: usize,
}

/// One project whose dates were planned again.
#[derive(Debug, Clone, Serialize)]
pub struct Replanned {
    /// Project id.
    pub project: i64,
    /// The stage it is at.
    pub stage: String,
    /// Its stage's deadline now.
    pub deadline: Option<Timestamp>,
    /// Its milestones' due dates now.
    pub milestones: BTreeMap<String, Option<Timestamp>>,
    /// How many timers it has pending now.
    pub timers: usize,
}

impl Engine {
    /// Grants an extension (see [`Extension`]) to every trainee named, in
    /// one transaction: each one's open project of the cohort gets an
    /// `Extended` event and its timers planned again; no one else's project
    /// is touched. Refused whole, with nothing changed, when the one who
    /// grants it does not coordinate the cohort, a trainee has no open
    /// project there, or the core refuses any project (a date not in the
    /// future, a stage the project has left, an unknown milestone).
    pub async fn extend(&self, ext: &Extension, now: Timestamp) -> Result<DatesReport, Error> {
        let cohort = self.store.cohort(ext.cohort.trim()).await?;
        let actor = self.date_giver(&cohort, ext.by.as_deref()).await?;
        let reason = reason_text(&ext.reason)?;
        if ext.trainees.is_empty() || ext.trainees.len() > MAX_EXTENDED {
            return Err(too_many_trainees());
        }
        let mut ids = Vec::new();
        for email in &ext.trainees {
            let email = input::email(email)?;
            let person = self.store.person(&email).await?.id;
            let held = self
                .store
                .projects_held(cohort.id, person, "trainee")
                .await?;
            if held.is_empty() {
                return Err(no_project(&email, &cohort));
            }
            ids.push((email, held));
        }
        self.extend_ids(
            &cohort,
            actor,
            &ids,
            &ext.extending,
            ext.to,
            &reason,
            true,
            now,
        )
        .await
    }

    /// Grants an extension of project `project` on behalf of `viewer`, who
    /// must see it and coordinate its cohort (the project page's form): the
    /// same rules as [`Engine::extend`], for one project.
    pub async fn extend_as(
        &self,
        viewer: &super::Viewer,
        project: i64,
        extending: &Extending,
        to: Date,
        reason: &str,
        now: Timestamp,
    ) -> Result<DatesReport, Error> {
        let view = self.view_as(viewer, project).await?;
        let cohort = self.store.cohort_by_id(view.record.cohort_id).await?;
        let actor = self.date_giver(&cohort, Some(&viewer.person.email)).await?;
        let reason = reason_text(reason)?;
        let ids = vec![(viewer.person.email.clone(), vec![project])];
        self.extend_ids(&cohort, actor, &ids, extending, to, &reason, false, now)
            .await
    }

    /// Grants an extension on behalf of `viewer` to the trainees `trainees`
    /// (person ids) of cohort `cohort` (by id): the coordinators' web form.
    /// A cohort `viewer` does not coordinate is not found (its name is not
    /// told); otherwise the same rules as [`Engine::extend`].
    #[allow(clippy::too_many_arguments)]
    pub async fn extend_in_as(
        &self,
        viewer: &super::Viewer,
        cohort: i64,
        trainees: &[i64],
        extending: &Extending,
        to: Date,
        reason: &str,
        now: Timestamp,
    ) -> Result<DatesReport, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        if trainees.is_empty() || trainees.len() > MAX_EXTENDED {
            return Err(too_many_trainees());
        }
        // Only the cohort's trainees: anyone else is refused without a
        // word of who they are.
        for id in trainees {
            if self
                .store
                .projects_held(cohort.id, *id, "trainee")
                .await?
                .is_empty()
            {
                return Err(too_many_trainees());
            }
        }
        let people = self.store.people_by_id(trainees).await?;
        let mut emails = Vec::with_capacity(trainees.len());
        for id in trainees {
            let person = people
                .iter()
                .find(|p| p.id == *id)
                .ok_or_else(too_many_trainees)?;
            emails.push(person.email.clone());
        }
        let ext = Extension {
            cohort: cohort.name,
            trainees: emails,
            extending: extending.clone(),
            to,
            reason: reason.to_owned(),
            by: Some(viewer.person.email.clone()),
        };
        self.extend(&ext, now).await
    }

    /// Changes the calendar of cohort `cohort` (by id) on behalf of
    /// `viewer`: the coordinators' web form. A cohort `viewer` does not
    /// coordinate is not found; otherwise the same rules as
    /// [`Engine::change_calendar`] (`edit.cohort` and `edit.by` are set here).
    pub async fn change_calendar_as(
        &self,
        viewer: &super::Viewer,
        cohort: i64,
        edit: CalendarEdit,
        now: Timestamp,
    ) -> Result<DatesReport, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        let edit = CalendarEdit {
            cohort: cohort.name,
            by: Some(viewer.person.email.clone()),
            ..edit
        };
        self.change_calendar(&edit, now).await
    }

    /// The transaction of an extension: `groups` are (whose, their project
    /// ids); each group's open projects are extended (a finished one is
    /// skipped when `skip_finished`, else refused), and a group left with
    /// none is refused.
    #[allow(clippy::too_many_arguments)]
    async fn extend_ids(
        &self,
        cohort: &Cohort,
        actor: Option<i64>,
        groups: &[(String, Vec<i64>)],
        extending: &Extending,
        to: Date,
        reason: &str,
        skip_finished: bool,
        now: Timestamp,
    ) -> Result<DatesReport, Error> {
        let all: Vec<i64> = {
            let mut all: Vec<i64> = groups.iter().flat_map(|(_, h)| h.iter().copied()).collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let calendar = self.calendar(cohort.id, cohort.revision).await?;
        let due = calendar
            .end_of(to)
            .map_err(|e| Error::invalid(format!("{to}: {e}")))?;
        let workflows = self.workflows_of(cohort).await?;
        let mut report = Vec::new();
        let result: Result<_, Error> = self
            .store
            .change_dates(cohort.id, Some(&all), now, |read: &DatesRead| {
                // Planned on the dates read under the cohort's lock: a
                // calendar change committed meanwhile is not undone.
                let calendar = with_dates(&calendar, &read.calendar);
                let mut decisions = Vec::new();
                for (email, held) in groups {
                    // A trainee's finished projects are left; one open one is needed.
                    let mut open = 0;
                    for row in read.rows.iter().filter(|r| held.contains(&r.id)) {
                        let workflow = workflow_of(&workflows, row.definition_id, row.id)?;
                        if skip_finished
                            && workflow.stage(&row.state.stage).is_none_or(|s| s.terminal)
                        {
                            continue;
                        }
                        open += 1;
                        let project = Project {
                            id: row.id,
                            workflow,
                            calendar: &calendar,
                            members: &row.members,
                            conflicts: &crate::decide::committee::NO_CONFLICTS,
                        };
                        let decision = decide::extend(
                            &project, &row.state, actor, extending, due, reason, now,
                        )
                        .map_err(|r| Error::refused(r, workflow))?;
                        report.push(replanned(row.id, &decision));
                        decisions.push((row.id, decision));
                    }
                    if open == 0 {
                        return Err(no_project(email, cohort));
                    }
                }
                Ok((decisions, None))
            })
            .await?;
        result?;
        Ok(DatesReport {
            cohort: cohort.name.clone(),
            projects: report,
            left: 0,
        })
    }

    /// Changes cohort `edit.cohort`'s named dates and holidays and plans
    /// the dates and timers of every open project of the cohort again, in
    /// one transaction: each gets a `CalendarChanged` event recording the
    /// calendar before and after. Refused whole, with nothing changed, when
    /// the one who asks does not coordinate the cohort, a date is not one
    /// the cohort has, or the core refuses any project.
    pub async fn change_calendar(
        &self,
        edit: &CalendarEdit,
        now: Timestamp,
    ) -> Result<DatesReport, Error> {
        let cohort = self.store.cohort(edit.cohort.trim()).await?;
        let actor = self.date_giver(&cohort, edit.by.as_deref()).await?;
        let reason = reason_text(&edit.reason)?;
        for name in edit.dates.keys() {
            if !cohort.dates.contains_key(name) {
                return Err(Error::Invalid(Reason::new(
                    "calendar-unknown-date",
                    vec![
                        ("date", Arg::Text(name.clone())),
                        (
                            "dates",
                            Arg::List(cohort.dates.keys().cloned().map(Arg::Text).collect()),
                        ),
                    ],
                )));
            }
        }
        let base = self.calendar(cohort.id, cohort.revision).await?;
        let workflows = self.workflows_of(&cohort).await?;
        let mut report = Vec::new();
        let mut left = 0;
        let result: Result<_, Error> = self
            .store
            .change_dates(cohort.id, None, now, |read: &DatesRead| {
                let before = read.calendar.clone();
                let mut after = before.clone();
                after.dates.extend(edit.dates.clone());
                after.holidays.extend(edit.add_holidays.iter().copied());
                after.holidays.retain(|d| !edit.remove_holidays.contains(d));
                if after == before {
                    return Err(Error::Invalid(Reason::new("calendar-unchanged", vec![])));
                }
                if after.holidays.len() > crate::calendar::MAX_HOLIDAYS {
                    return Err(Error::Invalid(Reason::new(
                        "calendar-too-many-holidays",
                        vec![
                            ("holidays", Arg::count(after.holidays.len())),
                            ("limit", Arg::count(crate::calendar::MAX_HOLIDAYS)),
                        ],
                    )));
                }
                let calendar = with_dates(&base, &after);
                let mut decisions = Vec::new();
                for row in &read.rows {
                    let workflow = workflow_of(&workflows, row.definition_id, row.id)?;
                    let project = Project {
                        id: row.id,
                        workflow,
                        calendar: &calendar,
                        members: &row.members,
                        conflicts: &crate::decide::committee::NO_CONFLICTS,
                    };
                    match decide::recalendar(&project, &row.state, actor, &before, &reason, now)
                        .map_err(|r| Error::refused(r, workflow))?
                    {
                        Some(decision) => {
                            report.push(replanned(row.id, &decision));
                            decisions.push((row.id, decision));
                        }
                        None => left += 1,
                    }
                }
                Ok((decisions, (after != before).then_some(after)))
            })
            .await?;
        result?;
        Ok(DatesReport {
            cohort: cohort.name,
            projects: report,
            left,
        })
    }

    /// The person id of `by`, who must coordinate `cohort` (`None`: an
    /// operator, who acts as nobody).
    async fn date_giver(&self, cohort: &Cohort, by: Option<&str>) -> Result<Option<i64>, Error> {
        let Some(by) = by else { return Ok(None) };
        let email = input::email(by)?;
        let coordinates = self
            .store
            .cohort_members(cohort.id)
            .await?
            .iter()
            .any(|(role, e)| decide::DATE_GIVERS.contains(&role.as_str()) && *e == email);
        if !coordinates {
            return Err(Error::Forbidden(Reason::new(
                "calendar-not-coordinator",
                vec![
                    ("email", Arg::Text(email)),
                    ("cohort", Arg::Text(cohort.name.clone())),
                ],
            )));
        }
        Ok(Some(self.store.person(&email).await?.id))
    }

    /// Every published version of the workflow of `cohort`'s program, by
    /// definition id (a cohort's projects may run several).
    async fn workflows_of(&self, cohort: &Cohort) -> Result<BTreeMap<i64, Arc<Workflow>>, Error> {
        let program = self.store.program_by_id(cohort.program_id).await?;
        let mut out = BTreeMap::new();
        for stored in self.store.definitions().await? {
            if stored.key == program.workflow_key {
                out.insert(stored.id, self.workflow(stored.id).await?);
            }
        }
        Ok(out)
    }
}

/// Calendar `base` (zone, weekend, mail hours) with the dates and
/// holidays `dates`: those read under the cohort's lock.
fn with_dates(base: &Calendar, dates: &CalendarDates) -> Calendar {
    let mut calendar = base.clone();
    calendar.dates.clone_from(&dates.dates);
    calendar.holidays.clone_from(&dates.holidays);
    calendar
}

fn workflow_of(
    workflows: &BTreeMap<i64, Arc<Workflow>>,
    definition: i64,
    project: i64,
) -> Result<&Arc<Workflow>, Error> {
    workflows.get(&definition).ok_or_else(|| {
        Error::internal(format!(
            "project {project} runs a definition ({definition}) that is not a version of its program's workflow"
        ))
    })
}

/// The reason given: required, plain text, as long as a comment may be.
fn reason_text(text: &str) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Invalid(Reason::new(
            "extension-reason-required",
            vec![],
        )));
    }
    input::comment(text)?;
    let length = text.chars().count();
    if length > decide::MAX_COMMENT {
        return Err(decide::Rejection::CommentTooLong {
            length,
            limit: decide::MAX_COMMENT,
        }
        .into());
    }
    Ok(text.to_owned())
}

/// None, too many, or someone unknown named as the trainees to extend.
fn too_many_trainees() -> Error {
    Error::Invalid(Reason::new(
        "extension-trainees",
        vec![("limit", Arg::int(MAX_EXTENDED as i64))],
    ))
}

fn no_project(email: &str, cohort: &Cohort) -> Error {
    Error::Invalid(Reason::new(
        "extension-no-project",
        vec![
            ("email", Arg::Text(email.to_owned())),
            ("cohort", Arg::Text(cohort.name.clone())),
        ],
    ))
}

fn replanned(project: i64, decision: &decide::Decision) -> Replanned {
    let state = &decision.state;
    Replanned {
        project,
        stage: state.stage.clone(),
        deadline: state.deadline,
        milestones: state
            .milestones
            .iter()
            .map(|(k, m)| (k.clone(), m.due))
            .collect(),
        timers: decision.timers.set.len(),
    }
}
