//! People's data on request: export everything kept about one person,
//! correct a name or an email, disable and enable an account, erase a person
//! (a pseudonym in their row; the sealed events hold only their id), and
//! retention (sent mail bodies, evidence files and whole closed projects
//! after a number of days). Every such action is written to the admin log
//! in the same transaction.
//!
//! **Rule:** personal data (name, email, organization) lives only in the
//! `people` row; events name people by id. So an erasure rewrites one row and
//! the hash chain stays whole. Free text a person wrote into sealed events
//! (comments, form answers, evidence file names) stays sealed: removing it
//! would break the chain (see docs/OPERATIONS.md, "People's data").

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Engine, Error, Viewer, input};
use crate::decide::Change;
use crate::reason::{Arg, Reason};
use crate::store::{
    AdminEntry, ExportedEvent, ExportedFile, ExportedMessage, ExportedSession, Person,
    PersonStatus, RoleHeld,
};

/// Everything gradflow keeps about one person, for them or for an operator
/// answering a data request. Secrets (password hash, session and reset
/// tokens) are never in it.
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    /// When the export was made.
    pub exported_at: Timestamp,
    /// Their row: id, email, name, organization, digest choice.
    pub person: Person,
    /// Their account: created, language, whether a password is set, disabled or erased.
    pub account: PersonStatus,
    /// Signed-in browsers (when, not which).
    pub sessions: Vec<ExportedSession>,
    /// Roles on projects and cohorts.
    pub roles: Vec<RoleHeld>,
    /// Events they acted in (with their form answers and comments) or that
    /// name them (a role given to them).
    pub events: Vec<ExportedEvent>,
    /// Evidence files they added: names, sizes, hashes.
    pub evidence: Vec<ExportedFile>,
    /// Messages sent (or to be sent) to them.
    pub messages: Vec<ExportedMessage>,
    /// Certificates issued to them, newest first, with their status.
    pub certificates: Vec<crate::store::Certificate>,
    /// The cohorts' committee pools they are in (as chair or member).
    pub committee_pools: Vec<crate::store::PoolMembership>,
    /// The conflicts of interest recorded as theirs (declared by them, or
    /// for them by a coordinator), oldest first. Conflicts others declared
    /// with them are not theirs: a trainee learns nothing of a pool.
    pub declared_conflicts: Vec<crate::store::ConflictRow>,
    /// Their applications to cohorts (nominations of them and their
    /// requests), newest first, with who decided and what they said.
    pub applications: Vec<super::ApplicationView>,
}

/// A correction of a person's row: what to change.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    /// The new name, if it changes.
    pub name: Option<String>,
    /// The new email, if it changes.
    pub email: Option<String>,
}

/// Retention periods (none: kept for ever).
#[derive(Debug, Clone, Copy, Default)]
pub struct Retention {
    /// Bodies of messages sent longer ago than this are removed.
    pub sent_mail: Option<SignedDuration>,
    /// Evidence files of projects finished longer ago than this are removed
    /// from the files folder.
    pub evidence: Option<SignedDuration>,
    /// Projects finished longer ago than this are purged whole.
    pub closed_projects: Option<SignedDuration>,
}

/// What a retention sweep did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RetentionReport {
    /// Message bodies removed.
    pub mail_bodies: u64,
    /// Evidence rows whose bytes were released.
    pub evidence_files: usize,
    /// SHA-256 names of bytes no kept row needs any more: the caller removes
    /// these files from the files folder.
    pub files_to_remove: Vec<String>,
    /// Projects purged.
    pub projects_purged: Vec<i64>,
}

impl Engine {
    /// Everything kept about the person registered as `email`, for an
    /// operator (the command line), logged as an export by `operator`.
    pub async fn export_person(
        &self,
        email: &str,
        operator: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<PersonExport, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        let reason = optional_reason(reason)?;
        self.export_of(person, operator, &reason, now).await
    }

    /// The export of `viewer`'s own data (the read policy: a person reads
    /// only their own; nobody, not even a coordinator, reads another's
    /// export through an interface). Logged as an export by them.
    pub async fn export_own(&self, viewer: &Viewer, now: Timestamp) -> Result<PersonExport, Error> {
        let person = self.store.person_by_id(viewer.person.id).await?;
        let operator = format!("person {} (self, web)", person.id);
        self.export_of(person, &operator, "", now).await
    }

    async fn export_of(
        &self,
        person: Person,
        operator: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<PersonExport, Error> {
        let rows = self.store.person_rows(person.id).await?;
        let id = person.id;
        let certificates = self.store.certificates(Some(id), None).await?;
        let committee_pools = self.store.pools_of(id).await?;
        let declared_conflicts = self.store.conflicts_of(&[id]).await?;
        let applications = self.applications_of_person(id).await?;
        let events = rows
            .events
            .into_iter()
            .filter(|e| {
                e.actor == Some(id)
                    || serde_json::from_value::<Change>(e.change.clone()).is_ok_and(
                        |c| matches!(c, Change::MemberAdded { person, .. } if person == id),
                    )
            })
            .collect();
        self.store
            .log_admin(&entry(operator, "export", Some(id), reason, now))
            .await?;
        Ok(PersonExport {
            exported_at: now,
            person,
            account: rows.status,
            sessions: rows.sessions,
            roles: rows.roles,
            events,
            evidence: rows.evidence,
            messages: rows.messages,
            certificates,
            committee_pools,
            declared_conflicts,
            applications,
        })
    }

    /// Corrects the name and/or email of the person registered as `email`,
    /// with the same rules as adding one; an email someone else has is
    /// refused (`person-exists`) and nothing changes.
    pub async fn correct_person(
        &self,
        email: &str,
        correction: &Correction,
        operator: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        let name = correction
            .name
            .as_deref()
            .map(|n| input::line("name", n))
            .transpose()?;
        let new_email = correction.email.as_deref().map(input::email).transpose()?;
        if name.is_none() && new_email.is_none() {
            return Err(Error::invalid(
                "nothing to correct: give --name, --email or both",
            ));
        }
        let reason = optional_reason(reason)?;
        let mut changed = Vec::new();
        if name.as_ref().is_some_and(|n| *n != person.name) {
            changed.push("name");
        }
        if new_email.as_ref().is_some_and(|e| *e != person.email) {
            changed.push("email");
        }
        let mut logged = entry(operator, "correct", Some(person.id), &reason, now);
        logged.detail = serde_json::json!({ "changed": changed });
        self.store
            .correct_person(
                person.id,
                &person.email,
                name.as_deref(),
                new_email.as_deref(),
                &logged,
            )
            .await?;
        self.forget_person(&person.email);
        Ok(self.store.person_by_id(person.id).await?)
    }

    /// Disables (`true`) or enables the account of the person registered as
    /// `email`: a disabled person cannot sign in, their sessions and reset
    /// links end, and no mail is sent to them (each message ends dead with
    /// the reason); their roles are kept.
    pub async fn set_person_disabled(
        &self,
        email: &str,
        disabled: bool,
        operator: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        let reason = optional_reason(reason)?;
        let action = if disabled { "disable" } else { "enable" };
        let logged = entry(operator, action, Some(person.id), &reason, now);
        self.store
            .set_disabled(person.id, disabled.then_some(now), &logged)
            .await?;
        Ok(person)
    }

    /// Erases the person registered as `email` on request: their name,
    /// email and organization become a pseudonym ("Erased person 17",
    /// `erased-17@erased.invalid`), their password, language, sessions,
    /// reset links, attempts, queued mail and the bodies of mail sent to
    /// them are removed, and the account is disabled. The sealed events,
    /// which hold only their id, are untouched, so `audit verify` still
    /// passes. Refused, changing nothing, while they hold a role on a
    /// project that is not finished (the reason names the projects).
    pub async fn erase_person(
        &self,
        email: &str,
        operator: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        let reason = input::line("reason", reason)?;
        let person = self.store.person(&input::email(email)?).await?;
        let projects = self.store.role_projects(person.id).await?;
        let mut open = Vec::new();
        for p in &projects {
            let workflow = self.workflow(p.definition_id).await?;
            let finished = workflow.stage(&p.stage).is_some_and(|s| s.terminal);
            if !finished {
                open.push(Arg::int(p.project));
            }
        }
        if !open.is_empty() {
            return Err(Error::Conflict(Reason::new(
                "erase-open-roles",
                vec![
                    ("email", Arg::Text(person.email.clone())),
                    ("projects", Arg::List(open)),
                ],
            )));
        }
        let pseudonym = format!("Erased person {}", person.id);
        let placeholder = format!("erased-{}@erased.invalid", person.id);
        let logged = entry(operator, "erase", Some(person.id), &reason, now);
        self.store
            .erase_person(
                person.id,
                &person.email,
                &pseudonym,
                &placeholder,
                &projects,
                now,
                &logged,
            )
            .await?;
        self.forget_person(&person.email);
        Ok(self.store.person_by_id(person.id).await?)
    }

    /// The admin log, newest first; only what concerns the person
    /// registered as `email` when given.
    pub async fn admin_log(&self, email: Option<&str>) -> Result<Vec<AdminEntry>, Error> {
        let person = match email {
            Some(email) => Some(self.store.person(&input::email(email)?).await?.id),
            None => None,
        };
        Ok(self.store.admin_log(person).await?)
    }

    /// One retention sweep at `now` by `operator` (the worker): removes
    /// the bodies of old sent mail, releases the evidence files of projects
    /// finished longer ago than the evidence period, and purges projects
    /// finished longer ago than the closed-project period (each purge in
    /// one transaction, logged with the project's final chain head). Files
    /// whose bytes no kept row needs are returned for the caller to delete
    /// from the files folder. A project that moves meanwhile is left for
    /// the next sweep.
    pub async fn apply_retention(
        &self,
        retention: &Retention,
        operator: &str,
        now: Timestamp,
    ) -> Result<RetentionReport, Error> {
        let mut report = RetentionReport::default();
        if let Some(days) = retention.sent_mail {
            let mut logged = entry(operator, "retention", None, "sent mail", now);
            report.mail_bodies = self
                .store
                .remove_sent_bodies(before(now, days)?, now, &mut logged)
                .await?;
        }
        if retention.evidence.is_none() && retention.closed_projects.is_none() {
            return Ok(report);
        }
        let mut released = Vec::new();
        for project in self.store.project_ages().await? {
            let workflow = self.workflow(project.definition_id).await?;
            if !workflow.stage(&project.stage).is_some_and(|s| s.terminal) {
                continue;
            }
            let closed_before = |period: Option<SignedDuration>| -> Result<bool, Error> {
                Ok(match period {
                    Some(p) => project.updated_at < before(now, p)?,
                    None => false,
                })
            };
            if closed_before(retention.closed_projects)? {
                let record = self.store.project(project.project).await?;
                let mut logged = entry(operator, "purge", None, "closed project", now);
                logged.project = Some(project.project);
                match self
                    .store
                    .purge_project(project.project, record.state.version as i64, &mut logged)
                    .await
                    .map_err(Error::from)
                {
                    Ok(files) => {
                        released.extend(files);
                        report.projects_purged.push(project.project);
                    }
                    Err(e) if e.is_race() => continue,
                    Err(e) => return Err(e),
                }
            } else if closed_before(retention.evidence)? {
                let kept = self.store.kept_evidence(project.project).await?;
                if kept.is_empty() {
                    continue;
                }
                let mut logged = entry(operator, "retention", None, "evidence", now);
                logged.project = Some(project.project);
                logged.detail = serde_json::json!({ "evidence_files_removed": kept.len() });
                let ids: Vec<i64> = kept.iter().map(|(id, _)| *id).collect();
                self.store.mark_evidence_removed(&ids, now, &logged).await?;
                report.evidence_files += kept.len();
                released.extend(kept.into_iter().map(|(_, sha)| sha));
            }
        }
        released.sort();
        released.dedup();
        for sha in released {
            if !self.store.evidence_bytes_needed(&sha).await? {
                report.files_to_remove.push(sha);
            }
        }
        Ok(report)
    }

    /// Forgets a cached email -> id lookup (after a correction or erasure).
    fn forget_person(&self, email: &str) {
        self.people.lock().expect("cache lock").remove(email);
    }
}

/// An admin log entry by `operator`.
fn entry(
    operator: &str,
    action: &str,
    person: Option<i64>,
    reason: &str,
    now: Timestamp,
) -> AdminEntry {
    AdminEntry {
        id: 0,
        at: now,
        operator: operator.to_owned(),
        action: action.to_owned(),
        person,
        project: None,
        reason: reason.to_owned(),
        detail: serde_json::json!({}),
    }
}

/// A reason that may be left out, checked like a one-line text when given.
fn optional_reason(reason: &str) -> Result<String, Error> {
    input::optional_line("reason", reason)
}

/// The instant `period` before `now`.
fn before(now: Timestamp, period: SignedDuration) -> Result<Timestamp, Error> {
    now.checked_sub(period).map_err(Error::internal)
}
