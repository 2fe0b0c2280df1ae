//! Workflow versions per cohort: the version a cohort is pinned to (its new
//! projects start on it; a version published later applies to new cohorts),
//! moving that pin (`cohort pin`), and moving a cohort's running projects
//! to another version with a stage mapping (`workflow migrate`), in one
//! transaction, decided by the core (`decide::migrate`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use super::{Engine, Error, input};
use crate::decide::{self, Project, ProjectState};
use crate::definition::Workflow;
use crate::store::{Cohort, CohortPin, StoredDefinition};

/// What `workflow migrate` did, or would do (`dry_run`).
#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    /// Cohort name.
    pub cohort: String,
    /// Workflow key.
    pub workflow: String,
    /// The version the projects were moved to (and the cohort pinned to).
    pub to_version: u32,
    /// Nothing was written: this is what would happen.
    pub dry_run: bool,
    /// One line per project moved.
    pub moved: Vec<MovedProject>,
    /// Projects left as they are: already on the version, or finished.
    pub left: usize,
}

/// One project a migration moves.
#[derive(Debug, Clone, Serialize)]
pub struct MovedProject {
    /// Project id.
    pub project: i64,
    /// The version it ran.
    pub from_version: u32,
    /// The stage it was at.
    pub from_stage: String,
    /// The stage it is at afterwards (the mapped stage, or further on when
    /// an automatic action of it was taken).
    pub to_stage: String,
    /// Approvals given in the stage left, which start afresh.
    pub approvals_dropped: usize,
    /// Milestone steps (submitted, accepted, returned) of the stage left,
    /// which start afresh.
    pub milestones_dropped: usize,
    /// Scorecards given in the stage left, which start afresh.
    pub scorecards_dropped: usize,
}

impl Engine {
    /// The pins cohort `cohort` was given, oldest first.
    pub async fn cohort_pins(&self, cohort: &Cohort) -> Result<Vec<CohortPin>, Error> {
        Ok(self.store.cohort_pins(cohort.id).await?)
    }

    /// Version `version` of the workflow of `cohort`'s program, checked:
    /// published, of that workflow (`key`, when given, must be its key), and
    /// given every cohort date it uses.
    async fn version_for(
        &self,
        cohort: &Cohort,
        key: Option<&str>,
        version: u32,
    ) -> Result<(StoredDefinition, Arc<Workflow>), Error> {
        let program = self.store.program_by_id(cohort.program_id).await?;
        if let Some(key) = key
            && key.trim() != program.workflow_key
        {
            return Err(Error::invalid(format!(
                "cohort '{}' runs workflow {}, not {}; a cohort cannot change workflow",
                cohort.name,
                program.workflow_key,
                key.trim()
            )));
        }
        let Some(stored) = self
            .store
            .definition_version(&program.workflow_key, version)
            .await?
        else {
            let published: Vec<String> = self
                .store
                .definitions()
                .await?
                .into_iter()
                .filter(|d| d.key == program.workflow_key)
                .map(|d| d.version.to_string())
                .collect();
            return Err(Error::not_found(format!(
                "workflow {} has no version {version} (published: {})",
                program.workflow_key,
                published.join(", ")
            )));
        };
        let workflow = super::parse_stored(&stored)?;
        let missing = workflow.missing_cohort_dates(&cohort.dates);
        if !missing.is_empty() {
            return Err(Error::invalid(format!(
                "{} version {version} needs cohort dates that cohort '{}' does not have: {}",
                workflow.key,
                cohort.name,
                missing.join(", ")
            )));
        }
        Ok((stored, workflow))
    }

    /// Who a cohort-wide change is recorded as: `by` (an email, which must
    /// coordinate the cohort), or `operator`.
    async fn recorded_as(&self, cohort: &Cohort, by: Option<&str>) -> Result<String, Error> {
        let Some(by) = by else {
            return Ok("operator".to_owned());
        };
        let email = input::email(by)?;
        let coordinates = self
            .store
            .cohort_members(cohort.id)
            .await?
            .iter()
            .any(|(role, e)| role == "coordinator" && *e == email);
        if !coordinates {
            return Err(Error::Forbidden(crate::reason::Reason::message(format!(
                "{email} does not coordinate cohort '{}'",
                cohort.name
            ))));
        }
        Ok(email)
    }

    /// Pins cohort `name` to version `version` of its workflow: its future
    /// projects start on it (running ones stay where they are; `workflow
    /// migrate` moves them). Recorded in the cohort's pin history.
    pub async fn pin_cohort(
        &self,
        name: &str,
        key: Option<&str>,
        version: u32,
        by: Option<&str>,
        now: Timestamp,
    ) -> Result<Cohort, Error> {
        let cohort = self.store.cohort(name.trim()).await?;
        let by = self.recorded_as(&cohort, by).await?;
        let (stored, _) = self.version_for(&cohort, key, version).await?;
        if cohort.definition_id == Some(stored.id) {
            return Ok(cohort);
        }
        self.store
            .pin_cohort(cohort.id, stored.id, "pin", &by, now)
            .await?;
        Ok(self.store.cohort(&cohort.name).await?)
    }

    /// Moves the running projects of cohort `name` to version `to_version`
    /// of its workflow, in one transaction: each stage a running project is
    /// at goes where `mapping` (old stage -> new stage) says, or to the
    /// stage of the same key; a mapping that leaves a project nowhere, or
    /// names a stage that does not exist, is refused whole with every
    /// problem named, and nothing changes. Each project moved gets a
    /// `Migrated` event; the cohort is pinned to the version. `dry_run`
    /// says what would move and changes nothing.
    pub async fn migrate_cohort(
        &self,
        name: &str,
        to_version: u32,
        mapping: &BTreeMap<String, String>,
        by: Option<&str>,
        dry_run: bool,
        now: Timestamp,
    ) -> Result<MigrationReport, Error> {
        let cohort = self.store.cohort(name.trim()).await?;
        let by = self.recorded_as(&cohort, by).await?;
        let (target, to) = self.version_for(&cohort, None, to_version).await?;
        let calendar = self.calendar(cohort.id, cohort.revision).await?;
        // Every version of the workflow, parsed before the transaction (the
        // core is given them; the store holds the rows meanwhile).
        let mut versions: BTreeMap<i64, Arc<Workflow>> = BTreeMap::new();
        for stored in self.store.definitions().await? {
            if stored.key == to.key && stored.id != target.id {
                versions.insert(stored.id, self.cached_or_parsed(&stored)?);
            }
        }
        let from: Vec<&Workflow> = versions.values().map(|w| &**w).collect();
        let mut left = 0;
        let mut moved = Vec::new();
        let result = self
            .store
            .migrate_cohort(&cohort, &target, &by, dry_run, now, |rows| {
                let mut running = Vec::new();
                for row in rows {
                    let Some(workflow) = versions.get(&row.definition_id) else {
                        return Err(Error::internal(format!(
                            "project {} runs a definition ({}) that is not a version of {}",
                            row.id, row.definition_id, to.key
                        )));
                    };
                    let finished = workflow.stage(&row.state.stage).is_none_or(|s| s.terminal);
                    if finished {
                        left += 1;
                    } else {
                        running.push((row, workflow));
                    }
                }
                let at: BTreeSet<String> = running
                    .iter()
                    .map(|(row, _)| row.state.stage.clone())
                    .collect();
                let resolved = decide::resolve_mapping(&to, &from, &at, mapping)
                    .map_err(|e| Error::invalid(format!("nothing was moved: {e}")))?;
                let mut decisions = Vec::with_capacity(running.len());
                for (row, workflow) in running {
                    let project = Project {
                        id: row.id,
                        workflow,
                        calendar: &calendar,
                        members: &row.members,
                        conflicts: &crate::decide::committee::NO_CONFLICTS,
                    };
                    let to_stage = &resolved[&row.state.stage];
                    let decision = decide::migrate(&project, &row.state, &to, to_stage, now)
                        .map_err(|r| {
                            Error::invalid(format!(
                                "nothing was moved: project {} cannot be moved: {r}",
                                row.id
                            ))
                        })?;
                    moved.push(moved_line(row.id, workflow, &row.state, &decision.state));
                    decisions.push((row.id, decision));
                }
                Ok(decisions)
            })
            .await?;
        result?;
        if !dry_run {
            // Committed with projects: its text is fixed from now on.
            self.workflows
                .lock()
                .expect("cache lock")
                .insert(target.id, to.clone());
        }
        Ok(MigrationReport {
            cohort: cohort.name,
            workflow: to.key.clone(),
            to_version,
            dry_run,
            moved,
            left,
        })
    }
}

/// The line a report gives a project moved from `before` to `after`.
fn moved_line(
    project: i64,
    from: &Workflow,
    before: &ProjectState,
    after: &ProjectState,
) -> MovedProject {
    MovedProject {
        project,
        from_version: from.version,
        from_stage: before.stage.clone(),
        to_stage: after.stage.clone(),
        approvals_dropped: before.approvals.values().map(Vec::len).sum(),
        milestones_dropped: before
            .milestones
            .values()
            .filter(|m| m.status != decide::MilestoneStatus::Pending)
            .count(),
        scorecards_dropped: before.scorecards.len(),
    }
}
