//! The read policy: what a signed-in person may see. Every page, list and
//! download of the web application comes through here with its [`Viewer`];
//! handlers never decide visibility themselves.
//!
//! A person sees a project when they hold a role on it, given on the project
//! (the trainee their own, a supervisor their trainees', an evaluator the
//! ones assigned) or on its cohort (the cohort's coordinators). A project
//! they may not see is reported as not found, exactly like one that does not
//! exist, so nothing leaks about it.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::{Cohort, Engine, Error, Message, Person, StoredEvent, View, Viewer};
use crate::decide::{Change, Next, PersonId};
use crate::definition::Workflow;
use crate::store::{Evidence, ProjectFilter};

/// A cohort's board: how many projects are at each stage and how many of
/// those are overdue, and one page of a list of projects (the overdue ones,
/// or those at one stage) with what each waits for. Its cost does not grow
/// with the cohort: the counts are summed by the database, and a page holds
/// at most [`BOARD_PAGE`] projects.
#[derive(Debug, Clone)]
pub struct Board {
    /// The cohort.
    pub cohort: Cohort,
    /// The workflow whose stage order and titles the board follows (the
    /// newest version any of the cohort's projects is pinned to).
    pub workflow: Option<Arc<Workflow>>,
    /// Each stage with projects, in the workflow's order (stages of older
    /// versions that the newest lacks come last).
    pub stages: Vec<StageCount>,
    /// All the cohort's projects, and how many of them are overdue.
    pub total: StageCount,
    /// The page listed.
    pub list: BoardList,
    /// Its projects, with what can be done next.
    pub projects: Vec<View>,
    /// Its number, from 1.
    pub page: u32,
    /// How many pages the list has (at least 1).
    pub pages: u32,
}

/// How many projects are at a stage, and how many of those are overdue.
#[derive(Debug, Clone, Default)]
pub struct StageCount {
    /// The stage's key (empty for the cohort's total).
    pub stage: String,
    /// Projects at it.
    pub projects: i64,
    /// Of those, the overdue ones.
    pub overdue: i64,
}

/// Which projects a board page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardList {
    /// The overdue ones, longest overdue first: what needs attention.
    Overdue,
    /// Those at one stage (by key), oldest first.
    Stage(String),
}

/// The scorecards of `view`'s project that `viewer` may read: their own,
/// and all of them when they coordinate the cohort or decide on an
/// assessment (hold a role that takes an action in a stage that has one,
/// such as a committee's chair). Evaluators do not see each other's scores,
/// so that each scores on their own; trainees and supervisors see the
/// outcome, not the scorecards.
pub fn readable_scorecards<'v>(
    view: &'v View,
    viewer: &Viewer,
) -> Vec<(i64, &'v crate::decide::Scorecard)> {
    let every = reads_every_scorecard(view, viewer);
    view.record
        .state
        .scorecards
        .iter()
        .filter(|(person, _)| every || **person == viewer.person.id)
        .map(|(person, card)| (*person, card))
        .collect()
}

/// Whether `viewer` reads every scorecard of `view`'s project (a
/// coordinator, or a role that decides on an assessment), not only their
/// own: those who see the chair's decision panel.
pub fn reads_every_scorecard(view: &View, viewer: &Viewer) -> bool {
    let roles: Vec<&str> = view
        .record
        .members
        .iter()
        .filter(|m| m.person == viewer.person.id)
        .map(|m| m.role.as_str())
        .collect();
    roles.contains(&"coordinator")
        || view
            .workflow
            .stages
            .iter()
            .filter(|s| s.assessment.is_some())
            .flat_map(|s| s.actions.iter())
            .any(|a| a.by.iter().any(|r| roles.contains(&r.as_str())))
}

/// A cohort's projects for an export, and the people named on them.
#[derive(Debug, Clone)]
pub struct Export {
    /// The cohort.
    pub cohort: Cohort,
    /// Its projects, oldest first.
    pub projects: Vec<View>,
    /// Everyone holding a role on them, by id.
    pub people: std::collections::HashMap<i64, Person>,
}

impl View {
    /// What comes next on this project at `now`: the steps its stage waits
    /// for, whose turn, by when, overdue or not, who holds which role (the
    /// core's [`crate::decide::next`]; names come from [`Engine::names_on`]).
    pub fn next(&self, now: Timestamp) -> Next {
        crate::decide::next(
            &self.workflow,
            &self.record.members,
            &self.record.state,
            &self.possible,
            now,
        )
    }
}

/// Most projects one board page lists.
pub const BOARD_PAGE: u32 = 50;

/// Most messages an outbox page lists.
pub const OUTBOX_PAGE: usize = 200;

impl Engine {
    /// The projects `viewer` may see, each with what can be done next,
    /// newest first: one read for all of them (a home page).
    pub async fn views_for(&self, viewer: &Viewer) -> Result<Vec<View>, Error> {
        let ids = self.store.visible_projects(viewer.person.id).await?;
        let mut views = Vec::with_capacity(ids.len());
        for record in self.store.projects_by_id(&ids).await? {
            views.push(self.view_of(record).await?);
        }
        views.sort_by_key(|v| std::cmp::Reverse(v.record.id));
        Ok(views)
    }

    /// One page of the projects `viewer` may see that `filter` asks for,
    /// oldest first, after project id `after`: at most `limit` views, and
    /// whether more follow. Only the page's projects are loaded, so a page
    /// costs the same for a coordinator of 1,000 projects as for a trainee
    /// with one. A stage key no stage could have (a NUL, which PostgreSQL
    /// refuses in text, or a key longer than any) finds nothing.
    pub async fn views_page_as(
        &self,
        viewer: &Viewer,
        filter: &ProjectFilter,
        after: Option<i64>,
        limit: u32,
        now: Timestamp,
    ) -> Result<(Vec<View>, bool), Error> {
        if filter
            .stage
            .as_deref()
            .is_some_and(|s| s.contains('\0') || s.len() > 200)
        {
            return Ok((Vec::new(), false));
        }
        let limit = limit.max(1);
        let mut ids = self
            .store
            .visible_project_page(viewer.person.id, filter, after, i64::from(limit) + 1, now)
            .await?;
        let more = ids.len() > limit as usize;
        ids.truncate(limit as usize);
        let mut views = Vec::with_capacity(ids.len());
        for record in self.store.projects_by_id(&ids).await? {
            views.push(self.view_of(record).await?);
        }
        views.sort_by_key(|v| v.record.id);
        Ok((views, more))
    }

    /// Project `project` as `viewer` sees it; not found when they may not see it.
    pub async fn view_as(&self, viewer: &Viewer, project: i64) -> Result<View, Error> {
        self.check_visible(viewer, project).await?;
        self.view(project).await
    }

    /// Why `viewer` may not score `project` now whatever they answer — the
    /// core's [`crate::decide::score_refusal`] with the committee's
    /// conflicts loaded, as the score action itself reads them — so a page
    /// says so instead of offering the form; `None` when they may, or when
    /// nothing is assessed now. Not found for a project they may not see.
    pub async fn score_refusal_as(
        &self,
        viewer: &Viewer,
        project: i64,
    ) -> Result<Option<crate::reason::Reason>, Error> {
        self.check_visible(viewer, project).await?;
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        if workflow
            .stage(&record.state.stage)
            .is_none_or(|s| s.assessment.is_none())
        {
            return Ok(None);
        }
        let conflicts = self.conflicts_for(&record.members, None).await?;
        let ctx = super::commands::decision_context(&record, &workflow, &calendar, &conflicts);
        Ok(crate::decide::score_refusal(&ctx, &record.state, viewer.person.id).map(|r| r.reason()))
    }

    /// The history of `project`, oldest first, if `viewer` may see it.
    /// A scoring event keeps its scores and remarks only for those who may
    /// read that scorecard ([`readable_scorecards`]): others read that
    /// someone scored, not what, so that evaluators score on their own.
    pub async fn history_as(
        &self,
        viewer: &Viewer,
        project: i64,
    ) -> Result<Vec<StoredEvent>, Error> {
        self.check_visible(viewer, project).await?;
        let mut history = self.history(project).await?;
        if history
            .iter()
            .any(|e| matches!(e.change, Change::Scored { .. }))
            && !reads_every_scorecard(&self.view(project).await?, viewer)
        {
            for event in &mut history {
                if let Change::Scored { scores, comment } = &mut event.change
                    && event.actor.as_deref() != Some(viewer.person.email.as_str())
                {
                    scores.clear();
                    *comment = None;
                }
            }
        }
        Ok(history)
    }

    /// What is due on `project` and when: (key, kind, instant), if `viewer` may see it.
    pub async fn due_as(
        &self,
        viewer: &Viewer,
        project: i64,
    ) -> Result<Vec<(String, String, Timestamp)>, Error> {
        self.check_visible(viewer, project).await?;
        self.pending_timers(project).await
    }

    /// The evidence files of `project`, if `viewer` may see it.
    pub async fn evidence_as(&self, viewer: &Viewer, project: i64) -> Result<Vec<Evidence>, Error> {
        self.check_visible(viewer, project).await?;
        Ok(self.store.evidence(project).await?)
    }

    /// One evidence file of `project`, if `viewer` may see the project.
    pub async fn evidence_file_as(
        &self,
        viewer: &Viewer,
        project: i64,
        id: i64,
    ) -> Result<Evidence, Error> {
        self.evidence_as(viewer, project)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| Error::not_found(format!("project {project} has no file {id}")))
    }

    /// Runs a command on `project` as `viewer`. A project they may not see
    /// is not found (nothing said about it); on one they may see, the core
    /// decides whether they may take the action, as for any command.
    pub async fn act_as(
        &self,
        viewer: &Viewer,
        project: i64,
        request: super::Request,
        now: Timestamp,
    ) -> Result<super::Outcome, Error> {
        self.check_visible(viewer, project).await?;
        self.act(project, &viewer.person.email, request, now).await
    }

    /// Gives the person registered as `email` `role` on `project`, as
    /// `viewer`. A project they may not see is not found; on one they may
    /// see, the core decides whether they may give roles (a coordinator).
    pub async fn assign_as(
        &self,
        viewer: &Viewer,
        project: i64,
        email: &str,
        role: &str,
        now: Timestamp,
    ) -> Result<super::Outcome, Error> {
        self.check_visible(viewer, project).await?;
        self.assign(project, Some(&viewer.person.email), email, role, now)
            .await
    }

    /// The names of everyone holding a role on `views`, by person id: one
    /// query for all of them (a home page, a board page). The views are
    /// projects the viewer was allowed to see (they come from
    /// [`Engine::views_for`], [`Engine::view_as`] or [`Engine::board_as`]),
    /// so the names are those of people the viewer already shares them with.
    pub async fn names_on(&self, views: &[View]) -> Result<HashMap<PersonId, String>, Error> {
        let mut ids: Vec<i64> = views
            .iter()
            .flat_map(|v| v.record.members.iter().map(|m| m.person))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(self
            .store
            .people_by_id(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect())
    }

    /// The cohorts `viewer` coordinates.
    pub async fn cohorts_for(&self, viewer: &Viewer) -> Result<Vec<Cohort>, Error> {
        let mut out = Vec::new();
        for id in self.store.coordinated_cohorts(viewer.person.id).await? {
            out.push(self.store.cohort_by_id(id).await?);
        }
        Ok(out)
    }

    /// The board of cohort `cohort` with page `page` (from 1) of `list`,
    /// for one of its coordinators, with the projects overdue at `now`
    /// counted and listed (a deadline past counts whether or not a worker
    /// has recorded it). A page past the end is listed empty.
    pub async fn board_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        list: BoardList,
        page: u32,
        now: Timestamp,
    ) -> Result<Board, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        let counts = self.store.cohort_stage_counts(cohort.id, now).await?;
        let workflow = match counts.iter().map(|c| c.definition_id).max() {
            Some(newest) => Some(self.workflow(newest).await?),
            None => None,
        };
        let mut stages: Vec<StageCount> = Vec::new();
        let mut total = StageCount::default();
        for count in counts {
            total.projects += count.projects;
            total.overdue += count.overdue;
            match stages.iter_mut().find(|s| s.stage == count.stage) {
                Some(stage) => {
                    stage.projects += count.projects;
                    stage.overdue += count.overdue;
                }
                None => stages.push(StageCount {
                    stage: count.stage,
                    projects: count.projects,
                    overdue: count.overdue,
                }),
            }
        }
        if let Some(workflow) = &workflow {
            stages.sort_by_key(|s| {
                workflow
                    .stages
                    .iter()
                    .position(|w| w.key == s.stage)
                    .unwrap_or(usize::MAX)
            });
        }
        let listed = match &list {
            BoardList::Overdue => total.overdue,
            BoardList::Stage(key) => stages
                .iter()
                .find(|s| &s.stage == key)
                .map_or(0, |s| s.projects),
        };
        let pages = u32::try_from(
            listed
                .max(0)
                .cast_unsigned()
                .div_ceil(u64::from(BOARD_PAGE)),
        )
        .unwrap_or(u32::MAX)
        .max(1);
        let page = page.max(1);
        let stage = match &list {
            BoardList::Overdue => None,
            BoardList::Stage(key) => Some(key.as_str()),
        };
        let offset = i64::from(page - 1) * i64::from(BOARD_PAGE);
        // An empty list, a page past its end, or a key that names no stage
        // with projects (whatever bytes a visitor typed, a NUL included,
        // which PostgreSQL refuses in text) asks the database nothing.
        let ids = if offset < listed {
            self.store
                .cohort_project_page(cohort.id, stage, i64::from(BOARD_PAGE), offset, now)
                .await?
        } else {
            Vec::new()
        };
        let mut projects = Vec::with_capacity(ids.len());
        for record in self.store.projects_by_id(&ids).await? {
            projects.push(self.view_of(record).await?);
        }
        // Loaded in id order; listed in the page's order.
        projects.sort_by_key(|v| ids.iter().position(|&id| id == v.record.id));
        Ok(Board {
            cohort,
            workflow,
            stages,
            total,
            list,
            projects,
            page,
            pages,
        })
    }

    /// Every project of cohort `cohort`, oldest first, with what can be done
    /// next and the people who hold a role on them: an export for one of its
    /// coordinators.
    pub async fn export_as(&self, viewer: &Viewer, cohort: i64) -> Result<Export, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        let ids = self.store.cohort_project_ids(cohort.id).await?;
        let mut projects = Vec::with_capacity(ids.len());
        for record in self.store.projects_by_id(&ids).await? {
            projects.push(self.view_of(record).await?);
        }
        let named: std::collections::HashSet<i64> = projects
            .iter()
            .flat_map(|v| v.record.members.iter().map(|m| m.person))
            .collect();
        let people = self
            .store
            .people()
            .await?
            .into_iter()
            .filter(|p| named.contains(&p.id))
            .map(|p| (p.id, p))
            .collect();
        Ok(Export {
            cohort,
            projects,
            people,
        })
    }

    /// Each milestone's latest submitted answers on `projects` of `cohort`,
    /// for one of its coordinators (the board's cards show the improvement
    /// they measure, see [`crate::decide::measured`]); projects of other
    /// cohorts are left out.
    pub async fn milestone_answers_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        projects: &[i64],
    ) -> Result<
        std::collections::HashMap<i64, std::collections::BTreeMap<String, crate::decide::Fields>>,
        Error,
    > {
        let cohort = self.coordinated(viewer, cohort).await?;
        let mut out: std::collections::HashMap<i64, Vec<Change>> = Default::default();
        for (project, change) in self
            .store
            .milestone_submissions(cohort.id, projects)
            .await?
        {
            out.entry(project).or_default().push(change);
        }
        Ok(out
            .into_iter()
            .map(|(project, changes)| (project, crate::decide::milestone_answers(&changes)))
            .collect())
    }

    /// The newest messages about projects of `cohort`, for one of its coordinators.
    pub async fn outbox_as(&self, viewer: &Viewer, cohort: i64) -> Result<Vec<Message>, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        Ok(self
            .store
            .cohort_messages(cohort.id, OUTBOX_PAGE as i64)
            .await?)
    }

    /// Message `id` about a project of `cohort`, for one of the cohort's
    /// coordinators; not found for a message of another cohort.
    pub async fn outbox_row_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        id: i64,
    ) -> Result<Message, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        let not_found = || {
            Error::NotFound(crate::reason::Reason::new(
                "unknown-message",
                vec![("message", crate::reason::Arg::int(id))],
            ))
        };
        let message = self.store.message(id).await.map_err(|_| not_found())?;
        let record = self.store.project(message.project).await?;
        if record.cohort_id != cohort.id {
            return Err(not_found());
        }
        Ok(message)
    }

    /// What message `id` of `cohort` says (its published templates and
    /// variables, to preview it), for one of the cohort's coordinators.
    pub async fn outbox_message_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        id: i64,
    ) -> Result<super::mail::OutgoingMail, Error> {
        self.outbox_row_as(viewer, cohort, id).await?;
        self.mail_message(id).await
    }

    /// Puts a dead or failed message of `cohort` back in the queue to be
    /// sent now ([`Engine::retry_mail`]), for one of its coordinators.
    pub async fn resend_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        id: i64,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.outbox_row_as(viewer, cohort, id).await?;
        self.retry_mail(id, now).await
    }

    /// Cohort `cohort` if `viewer` coordinates it; not found otherwise.
    pub(super) async fn coordinated(&self, viewer: &Viewer, cohort: i64) -> Result<Cohort, Error> {
        if !self
            .store
            .coordinated_cohorts(viewer.person.id)
            .await?
            .contains(&cohort)
        {
            return Err(Error::not_found(format!("there is no cohort {cohort}")));
        }
        Ok(self.store.cohort_by_id(cohort).await?)
    }

    /// A loaded project with what can be done next.
    async fn view_of(&self, record: crate::store::ProjectRecord) -> Result<View, Error> {
        let (workflow, calendar) = self.context(&record).await?;
        let possible = crate::decide::possible(
            &crate::decide::Project {
                id: record.id,
                workflow: &workflow,
                calendar: &calendar,
                members: &record.members,
                conflicts: &crate::decide::committee::NO_CONFLICTS,
            },
            &record.state,
        );
        Ok(View {
            record,
            workflow,
            possible,
        })
    }

    /// Not found unless `viewer` may see `project`.
    pub(super) async fn check_visible(&self, viewer: &Viewer, project: i64) -> Result<(), Error> {
        if self.store.may_see(viewer.person.id, project).await? {
            Ok(())
        } else {
            Err(Error::not_found(format!("there is no project {project}")))
        }
    }
}
