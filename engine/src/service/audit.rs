//! `audit verify`: proves that no event was edited, removed or reordered
//! (the hash chain) and that every project's stored stage and state are what
//! its events lead to (a replay through the decision core), and that its
//! evidence files are the ones its events record, all read from one
//! snapshot so that writers committing meanwhile raise no false alarm.

use serde::Serialize;

use super::{Engine, Error};
use crate::audit::{self, Broken};
use crate::decide::{self, Change, Event, Project, ProjectState};
use crate::store::{AuditFile, AuditRow};

/// What `audit verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Projects checked.
    pub projects: u64,
    /// Events checked.
    pub events: u64,
    /// The first break, if any.
    pub broken: Option<Broken>,
    /// Timers that ended failed (the decision core refused them on every
    /// attempt): the log is intact, but something they were to do was not
    /// done (`gradflow timers list --state failed` says which and why).
    pub failed_timers: u64,
}

impl Engine {
    /// Verifies every project's hash chain and replays its events against
    /// its stored state; reports the first break.
    pub async fn verify_audit(&self) -> Result<AuditReport, Error> {
        let rows = self.store.audit_snapshot().await?;
        let mut report = AuditReport {
            projects: 0,
            events: 0,
            broken: None,
            failed_timers: self.store.count_timers("failed").await?,
        };
        for row in &rows {
            report.projects += 1;
            report.events += row.links.len() as u64;
            if let Err(broken) = self.verify_project(row).await? {
                report.broken = Some(broken);
                break;
            }
        }
        Ok(report)
    }

    /// One project: `Ok(Err(_))` is a break found; `Err(_)` a failure to look.
    async fn verify_project(&self, row: &AuditRow) -> Result<Result<(), Broken>, Error> {
        let project = row.project;
        if let Err(broken) = audit::verify(project, &row.links, &row.head) {
            return Ok(Err(broken));
        }
        let last = row.links.last().map_or(0, |l| l.seq);
        let broken = |seq: i64, reason: String| {
            Ok(Err(Broken {
                project,
                seq,
                reason,
            }))
        };
        let mut events = Vec::with_capacity(row.links.len());
        for link in &row.links {
            let change = match Change::from_json(&link.change) {
                Ok(change) => change,
                Err(e) => return broken(link.seq, format!("its change cannot be read: {e}")),
            };
            let at = match jiff::Timestamp::from_microsecond(link.at) {
                Ok(at) => at,
                Err(e) => return broken(link.seq, format!("its time cannot be read: {e}")),
            };
            events.push(Event {
                seq: link.seq,
                at,
                actor: link.actor,
                change,
                change_json: link.change.clone(),
                prev_hash: link.prev_hash.clone(),
                hash: link.hash.clone(),
            });
        }
        let stored: ProjectState = match serde_json::from_str(&row.state) {
            Ok(state) => state,
            Err(e) => return broken(last, format!("its stored state cannot be read: {e}")),
        };
        let workflow = self.workflow(row.definition_id).await?;
        // A project migrated between versions reads each part of its log
        // against the version it ran then.
        let mut earlier = Vec::new();
        for event in &events {
            let version = match &event.change {
                Change::Migrated { from_version, .. } => *from_version,
                _ => continue,
            };
            if version != workflow.version
                && !earlier
                    .iter()
                    .any(|w: &std::sync::Arc<crate::definition::Workflow>| w.version == version)
                && let Some(stored) = self
                    .store
                    .definition_version(&workflow.key, version)
                    .await?
            {
                earlier.push(self.workflow(stored.id).await?);
            }
        }
        let earlier: Vec<&crate::definition::Workflow> = earlier.iter().map(|w| &**w).collect();
        let cohort = self.store.cohort_by_id(row.cohort_id).await?;
        let calendar = self.calendar(cohort.id, cohort.revision).await?;
        let ctx = Project {
            id: project,
            workflow: &workflow,
            calendar: &calendar,
            members: &row.members,
        };
        let replayed = match decide::replay_across(&ctx, &earlier, &events) {
            Ok(state) => state,
            Err(e) => return broken(last, format!("its events cannot be replayed: {e}")),
        };
        if row.stage != stored.stage || row.stage != replayed.stage {
            return broken(
                last,
                format!(
                    "its stored stage '{}' is not where its events lead ('{}'): the project was edited outside gradflow",
                    row.stage, replayed.stage
                ),
            );
        }
        // The column is kept to the millisecond (a database's own arithmetic
        // filled it in for projects stored before it existed).
        let millis = |t: Option<jiff::Timestamp>| t.map(|t| t.as_millisecond());
        if millis(row.overdue_since) != millis(stored.overdue_since) {
            return broken(
                last,
                "its overdue column does not match its state: the project was edited outside gradflow"
                    .into(),
            );
        }
        if let Some(field) = decide::replay_difference(&stored, &replayed) {
            return broken(
                last,
                format!(
                    "its stored {field} is not what its events lead to: the project was edited outside gradflow"
                ),
            );
        }
        if let Some((seq, reason)) = evidence_difference(&events, &row.files) {
            return broken(seq, reason);
        }
        Ok(Ok(()))
    }
}

/// Where a project's evidence rows and its log disagree, if they do: each
/// `EvidenceAdded` event has its row, as the event records it (name,
/// SHA-256, size, who), and each row that names an event is recorded by
/// it. Rows that name no event (uploaded before uploads were events) are
/// not compared.
fn evidence_difference(events: &[Event], files: &[AuditFile]) -> Option<(i64, String)> {
    for event in events {
        let Change::EvidenceAdded { name, sha256, size } = &event.change else {
            continue;
        };
        match files.iter().find(|f| f.event_seq == Some(event.seq)) {
            None => {
                return Some((
                    event.seq,
                    "the evidence file it records has no row: it was removed outside gradflow"
                        .into(),
                ));
            }
            Some(f)
                if f.name != *name
                    || f.sha256 != *sha256
                    || f.size != *size
                    || Some(f.uploader) != event.actor =>
            {
                return Some((
                    event.seq,
                    format!(
                        "evidence file {} is not what this event records: it was edited outside gradflow",
                        f.id
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let recorded = |seq: i64| {
        events
            .iter()
            .any(|e| e.seq == seq && matches!(e.change, Change::EvidenceAdded { .. }))
    };
    files.iter().find_map(|f| {
        let seq = f.event_seq?;
        (!recorded(seq)).then(|| {
            (
                seq,
                format!(
                    "evidence file {} says event {seq} recorded it, which it did not: it was added outside gradflow",
                    f.id
                ),
            )
        })
    })
}
