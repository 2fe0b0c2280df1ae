//! `audit verify`: proves that no event was edited, removed or reordered
//! (the hash chain) and that every project's stored stage and state are what
//! its events lead to (a replay through the decision core), and that its
//! evidence files and roles are the ones its events record, each project
//! read whole from one snapshot so that writers committing meanwhile raise no
//! false alarm, a page of projects at a time (bounded memory: store/audit.rs);
//! and, given the evidence folder, that every file recorded is there with
//! its SHA-256 (file I/O, here at the service's edge, never in the core).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Engine, Error};
use crate::audit::{self, Broken};
use crate::decide::{self, Change, Event, Member, Project, ProjectState};
use crate::store::{AUDIT_PAGE, AuditFile, AuditRow};

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
    /// Evidence files found in the evidence folder with their SHA-256
    /// (`None` when no folder was given to check).
    pub files_checked: Option<u64>,
    /// Cohort logs checked (intake: every application change).
    pub cohorts: u64,
    /// Cohort log events checked.
    pub cohort_events: u64,
    /// The first break in a cohort's log, if any.
    pub cohort_broken: Option<CohortBroken>,
}

/// Where a cohort's log breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("cohort '{name}' (id {cohort}), log event {seq}: {reason}")]
pub struct CohortBroken {
    /// The cohort.
    pub cohort: i64,
    /// Its name.
    pub name: String,
    /// The first event that does not verify.
    pub seq: i64,
    /// What does not match, in words.
    pub reason: String,
}

impl AuditReport {
    /// Whether anything was found broken (a project's log or a cohort's).
    pub fn is_broken(&self) -> bool {
        self.broken.is_some() || self.cohort_broken.is_some()
    }
}

impl Engine {
    /// Verifies every project's hash chain and replays its events against
    /// its stored state; reports the first break.
    pub async fn verify_audit(&self) -> Result<AuditReport, Error> {
        self.verify_audit_with(None).await
    }

    /// [`Engine::verify_audit`], and, when `files` names the evidence
    /// folder, that every evidence file recorded is in it (named by its
    /// SHA-256) with those bytes: a missing or altered file is a break,
    /// named with its project and file.
    pub async fn verify_audit_with(&self, files: Option<&Path>) -> Result<AuditReport, Error> {
        let mut report = AuditReport {
            projects: 0,
            events: 0,
            broken: None,
            failed_timers: self.store.count_timers("failed").await?,
            files_checked: files.map(|_| 0),
            cohorts: 0,
            cohort_events: 0,
            cohort_broken: None,
        };
        let mut seen: HashMap<String, FileFound> = HashMap::new();
        // A page of projects at a time (store/audit.rs says what each page's
        // snapshot guarantees): memory stays that of one page, whatever the
        // number of projects.
        let mut after = None;
        'pages: loop {
            let rows = self.store.audit_page(after, AUDIT_PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.project);
            for row in &rows {
                report.projects += 1;
                report.events += row.links.len() as u64;
                if let Err(broken) = self.verify_project(row).await? {
                    report.broken = Some(broken);
                    break 'pages;
                }
                if let Some(dir) = files {
                    let last = row.links.last().map_or(0, |l| l.seq);
                    if let Some(broken) = check_files(dir, row, last, &mut seen).await? {
                        report.broken = Some(broken);
                        break 'pages;
                    }
                }
            }
        }
        if let Some(checked) = &mut report.files_checked {
            *checked = seen.len() as u64;
        }
        for cohort in self.store.cohort_audit_snapshot().await? {
            report.cohorts += 1;
            report.cohort_events += cohort.events.len() as u64;
            if let Some(broken) = verify_cohort(&cohort) {
                report.cohort_broken = Some(broken);
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
        let calendar = self.calendar(row.cohort_id, row.cohort_revision).await?;
        let ctx = Project {
            id: project,
            workflow: &workflow,
            calendar: &calendar,
            members: &row.members,
            conflicts: &crate::decide::committee::NO_CONFLICTS,
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
        if let Some(reason) = timer_difference(&replayed, &row.timers) {
            return broken(last, reason);
        }
        if let Some((seq, reason)) = evidence_difference(&events, &row.files) {
            return broken(seq, reason);
        }
        if let Some((seq, reason)) = member_difference(&events, &row.direct, last) {
            return broken(seq, reason);
        }
        Ok(Ok(()))
    }
}

/// What the evidence folder holds under one SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileFound {
    /// The file, with the bytes its name promises.
    Sound,
    /// No such file.
    Missing,
    /// A file whose bytes hash to this instead.
    Altered(String),
    /// The file cannot be read (the reason).
    Unreadable(String),
}

/// Looks at each evidence file of `row` in `dir` (each SHA-256 read once per
/// audit, `seen` remembering); the first one missing or altered, as a break.
async fn check_files(
    dir: &Path,
    row: &AuditRow,
    last: i64,
    seen: &mut HashMap<String, FileFound>,
) -> Result<Option<Broken>, Error> {
    // A file retention removed is gone on purpose: its row says when.
    for file in row.files.iter().filter(|f| !f.removed) {
        let found = match seen.get(&file.sha256) {
            Some(found) => found.clone(),
            None => {
                let path = dir.join(&file.sha256);
                let found = tokio::task::spawn_blocking(move || look_at(&path))
                    .await
                    .map_err(Error::internal)?;
                seen.insert(file.sha256.clone(), found.clone());
                found
            }
        };
        let path = dir.join(&file.sha256);
        let reason = match found {
            FileFound::Sound => continue,
            FileFound::Missing => format!(
                "evidence file '{}' (row {}) is missing: {} does not exist; restore it from a backup",
                file.name,
                file.id,
                path.display()
            ),
            FileFound::Altered(actual) => format!(
                "evidence file '{}' (row {}) was altered: {} has SHA-256 {actual}, the log records {}",
                file.name,
                file.id,
                path.display(),
                file.sha256
            ),
            FileFound::Unreadable(why) => format!(
                "evidence file '{}' (row {}) cannot be read at {}: {why}",
                file.name,
                file.id,
                path.display()
            ),
        };
        return Ok(Some(Broken {
            project: row.project,
            seq: file.event_seq.unwrap_or(last),
            reason,
        }));
    }
    Ok(None)
}

/// Hashes the file at `path` (blocking).
fn look_at(path: &PathBuf) -> FileFound {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileFound::Missing,
        Err(e) => return FileFound::Unreadable(e.to_string()),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) => return FileFound::Unreadable(e.to_string()),
        }
    }
    let actual: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expected = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if actual == expected {
        FileFound::Sound
    } else {
        FileFound::Altered(actual)
    }
}

/// Where a project's `project_members` rows and its `MemberAdded` events
/// disagree, if they do: each role an event gives has its row, and each row
/// was given by an event (a row inserted behind the engine's back is caught).
fn member_difference(events: &[Event], direct: &[Member], last: i64) -> Option<(i64, String)> {
    // Each role given and not ended since (an evaluator replaced), with
    // the event that gave it.
    let mut given: Vec<(i64, i64, &str)> = Vec::new();
    for event in events {
        match &event.change {
            Change::MemberAdded { person, role } => given.push((event.seq, *person, role)),
            Change::MemberRemoved { person, role } => {
                given.retain(|(_, p, r)| !(p == person && r == role))
            }
            _ => {}
        }
    }
    for (seq, person, role) in &given {
        if !direct
            .iter()
            .any(|m| m.person == *person && m.role == *role)
        {
            return Some((
                *seq,
                format!(
                    "the role '{role}' this event gives person {person} has no project_members row: it was removed outside gradflow"
                ),
            ));
        }
    }
    direct
        .iter()
        .find(|m| !given.iter().any(|(_, p, r)| *p == m.person && *r == m.role))
        .map(|m| {
            (
                last,
                format!(
                    "person {} holds role '{}' in project_members with no MemberAdded event giving it: it was added outside gradflow",
                    m.person, m.role
                ),
            )
        })
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

/// The first deadline or milestone timer of the current stage entry that
/// does not fall when the replayed state says (its deadline or the
/// milestone's due date, worked out from the calendar of each date's time,
/// extensions included), in words; `None` when all do. Timers of an
/// earlier entry are discarded when due, never fired, and are not compared.
fn timer_difference(
    replayed: &ProjectState,
    timers: &[crate::store::AuditTimer],
) -> Option<String> {
    for timer in timers.iter().filter(|t| t.entry == replayed.entry) {
        let expected = match timer.kind.as_str() {
            "deadline" => replayed.deadline,
            _ => timer
                .key
                .strip_prefix("milestone:")
                .and_then(|m| replayed.milestones.get(m))
                .and_then(|m| m.due),
        };
        if expected != Some(timer.at) {
            let planned = expected.map_or_else(|| "no such date".to_owned(), |t| t.to_string());
            return Some(format!(
                "its timer '{}' (row {}) fires at {}, but its events put that date at {planned}: the timer was edited outside gradflow",
                timer.key, timer.id, timer.at
            ));
        }
    }
    None
}

/// One cohort's log: its chain (the same rule as a project's, the cohort's
/// id in the project's place) up to the head on its row, each event
/// readable, and each application's stored state the one its events leave
/// it in (a row edited to `accepted` is caught).
fn verify_cohort(cohort: &crate::store::CohortAudit) -> Option<CohortBroken> {
    use crate::decide::intake::IntakeEvent;
    let broken = |seq: i64, reason: String| CohortBroken {
        cohort: cohort.cohort,
        name: cohort.name.clone(),
        seq,
        reason,
    };
    let links: Vec<audit::StoredLink> = cohort
        .events
        .iter()
        .map(|e| audit::StoredLink {
            project: cohort.cohort,
            seq: e.seq,
            at: e.at,
            actor: e.by,
            change: e.data.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        })
        .collect();
    if let Err(b) = audit::verify(cohort.cohort, &links, &cohort.head) {
        let reason = b.reason.replace("the project's head", "the cohort's head");
        return Some(broken(b.seq, reason));
    }
    if cohort.seq != cohort.events.len() as i64 {
        return Some(broken(
            cohort.seq,
            format!(
                "the cohort counts {} events but its log holds {}",
                cohort.seq,
                cohort.events.len()
            ),
        ));
    }
    let mut states: HashMap<i64, &'static str> = HashMap::new();
    for e in &cohort.events {
        let event: IntakeEvent = match serde_json::from_str(&e.data) {
            Ok(event) => event,
            Err(err) => return Some(broken(e.seq, format!("it cannot be read: {err}"))),
        };
        if event.kind() != e.kind {
            return Some(broken(
                e.seq,
                format!("its kind '{}' is not its event's", e.kind),
            ));
        }
        if let Some((application, state)) = event.application_state() {
            states.insert(application, state.as_str());
        }
    }
    let last = cohort.events.last().map_or(0, |e| e.seq);
    for (id, stored) in &cohort.applications {
        match states.get(id) {
            Some(state) if state == stored => {}
            Some(state) => {
                return Some(broken(
                    last,
                    format!("application {id} is stored {stored}, but its log leaves it {state}"),
                ));
            }
            None => {
                return Some(broken(last, format!("application {id} is not in the log")));
            }
        }
    }
    None
}
