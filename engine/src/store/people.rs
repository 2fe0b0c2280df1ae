//! People's data: what is kept about one person (for an export), corrections,
//! disabled accounts, erasure, the admin log, and retention (mail bodies,
//! evidence files, and the purge of a closed project: the one path the
//! events' append-only trigger lets delete, through a permit row written and
//! removed inside the purge's own transaction).

use jiff::Timestamp;
use serde::Serialize;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};
use crate::reason::{Arg, Reason};

/// Marks dead, saying why, every message due by `$1` to a disabled account
/// (run by each claim before it claims, and by a disable for all of them).
/// Rows another worker holds are skipped (`lock`: ` FOR UPDATE SKIP LOCKED`
/// on PostgreSQL), so two workers never wait on each other here.
pub(super) fn disabled_recipients_dead(lock: &str) -> String {
    format!(
        "UPDATE outbox
         SET state = 'dead', lease_until = NULL, claim_token = NULL,
             last_error = 'not sent: the recipient''s account is disabled'
         WHERE id IN (
             SELECT o.id FROM outbox o
             WHERE o.state IN ('pending', 'failed') AND o.next_attempt_at <= $1
               AND o.recipient_id IN (SELECT id FROM people WHERE disabled_at IS NOT NULL){lock})"
    )
}

/// One line of the admin log: who did what to whom, when and why.
#[derive(Debug, Clone, Serialize)]
pub struct AdminEntry {
    /// Row id (0 before it is written).
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Who: the operator's email (`--as`), the OS user, `worker` or
    /// `person N (self, web)`.
    pub operator: String,
    /// What: export, correct, disable, enable, erase, purge, retention.
    pub action: String,
    /// Whom: a person's id (never a name or an email).
    pub person: Option<i64>,
    /// Which project (a purge).
    pub project: Option<i64>,
    /// Why, as the operator wrote it.
    pub reason: String,
    /// What was done, as data (fields changed, counts, a purged chain's head).
    pub detail: serde_json::Value,
}

/// What a person's row holds beyond [`super::Person`].
#[derive(Debug, Clone, Serialize)]
pub struct PersonStatus {
    /// When the account was registered.
    pub created_at: Timestamp,
    /// The language they chose, if any.
    pub language: Option<String>,
    /// Whether they have a password (the hash itself is never exported).
    pub has_password: bool,
    /// Since when the account is disabled.
    pub disabled_at: Option<Timestamp>,
    /// When the person was erased.
    pub erased_at: Option<Timestamp>,
}

/// A role a person holds, on a project or on a cohort.
#[derive(Debug, Clone, Serialize)]
pub struct RoleHeld {
    /// `project` or `cohort`.
    pub on: &'static str,
    /// The project's or cohort's id.
    pub id: i64,
    /// Its title (a project) or name (a cohort).
    pub title: String,
    /// The role.
    pub role: String,
}

/// A project someone holds a role on (directly or through its cohort), as
/// an erasure checks it: its definition and stage say whether it is finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleProject {
    pub project: i64,
    pub definition_id: i64,
    pub stage: String,
    pub version: i64,
}

/// An event as an export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedEvent {
    /// The project.
    pub project: i64,
    /// Its place in the project's log.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who acted (a person id), if anyone.
    pub actor: Option<i64>,
    /// The change as it was sealed (JSON).
    pub change: serde_json::Value,
}

/// An evidence file as an export shows it (no bytes).
#[derive(Debug, Clone, Serialize)]
pub struct ExportedFile {
    /// The project.
    pub project: i64,
    /// The name the uploader gave.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// When.
    pub at: Timestamp,
    /// When retention removed the bytes, if it did.
    pub removed_at: Option<Timestamp>,
}

/// A message to the person as an export shows it (what and when, no link or token).
#[derive(Debug, Clone, Serialize)]
pub struct ExportedMessage {
    /// Outbox row id.
    pub id: i64,
    /// The project it is about.
    pub project: i64,
    /// Its template.
    pub template: String,
    /// pending, claimed, sent, failed or dead.
    pub state: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it was sent.
    pub sent_at: Option<Timestamp>,
    /// Why it was not (yet) sent.
    pub last_error: Option<String>,
    /// Its variables (what the message said), unless removed.
    pub body: Option<serde_json::Value>,
}

/// A session as an export shows it (no token, no hash).
#[derive(Debug, Clone, Serialize)]
pub struct ExportedSession {
    /// Opened at.
    pub created_at: Timestamp,
    /// Ends at.
    pub expires_at: Timestamp,
}

/// Everything the database keeps about one person, besides their row.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRows {
    /// Row extras.
    pub status: PersonStatus,
    /// Signed-in browsers.
    pub sessions: Vec<ExportedSession>,
    /// Roles on projects and cohorts.
    pub roles: Vec<RoleHeld>,
    /// Events they acted in or that name them.
    pub events: Vec<ExportedEvent>,
    /// Evidence files they added.
    pub evidence: Vec<ExportedFile>,
    /// Messages to them.
    pub messages: Vec<ExportedMessage>,
}

/// A closed-project candidate for retention: the service decides whether
/// its stage is terminal and since when.
#[derive(Debug, Clone)]
pub(crate) struct ProjectAge {
    pub project: i64,
    pub definition_id: i64,
    pub stage: String,
    pub updated_at: Timestamp,
}

fn admin_row(r: &impl Columns) -> Result<AdminEntry, Error> {
    Ok(AdminEntry {
        id: r.int("id")?,
        at: instant(r.int("at")?)?,
        operator: r.text("operator")?,
        action: r.text("action")?,
        person: r.opt_int("person_id")?,
        project: r.opt_int("project_id")?,
        reason: r.text("reason")?,
        detail: serde_json::from_str(&r.text("detail")?).unwrap_or(serde_json::Value::Null),
    })
}

/// Inside transaction `$tx`: appends `$entry` to the admin log.
macro_rules! log_admin {
    ($tx:expr, $entry:expr) => {{
        let entry: &AdminEntry = $entry;
        sqlx::query("INSERT INTO admin_log (at, operator, action, person_id, project_id, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(micros(entry.at))
            .bind(&entry.operator)
            .bind(&entry.action)
            .bind(entry.person)
            .bind(entry.project)
            .bind(&entry.reason)
            .bind(entry.detail.to_string())
            .execute(&mut *$tx)
            .await?;
    }};
}

/// The projects `person` holds a role on (directly or through a cohort),
/// read on executor `$conn`.
macro_rules! role_projects {
    ($conn:expr, $person:expr) => {{
        sqlx::query(
            "SELECT p.id, p.definition_id, p.stage, p.version FROM projects p
             WHERE EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.person_id = $1)
                OR EXISTS (SELECT 1 FROM cohort_members c WHERE c.cohort_id = p.cohort_id AND c.person_id = $1)
             ORDER BY p.id",
        )
        .bind($person)
        .fetch_all($conn)
        .await?
        .iter()
        .map(|r| {
            Ok::<_, Error>(RoleProject {
                project: r.int("id")?,
                definition_id: r.int("definition_id")?,
                stage: r.text("stage")?,
                version: r.int("version")?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()
    }};
}

impl Store {
    /// Appends `entry` to the admin log, alone.
    pub(crate) async fn log_admin(&self, entry: &AdminEntry) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            log_admin!(tx, entry);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The admin log, newest first; only what concerns `person` when given.
    pub(crate) async fn admin_log(&self, person: Option<i64>) -> Result<Vec<AdminEntry>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT id, at, operator, action, person_id, project_id, reason, detail FROM admin_log
             WHERE $1 IS NULL OR person_id = $1 ORDER BY id DESC",
        )
        .bind(person)
        .fetch_all(pool)
        .await?
        .iter()
        .map(admin_row)
        .collect())
    }

    /// Everything kept about `person` besides their row, from one snapshot.
    pub(crate) async fn person_rows(&self, person: i64) -> Result<PersonRows, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let r = sqlx::query("SELECT created_at, language, password_hash, disabled_at, erased_at FROM people WHERE id = $1")
                .bind(person)
                .fetch_one(&mut *tx)
                .await?;
            let status = PersonStatus {
                created_at: instant(r.int("created_at")?)?,
                language: r.opt_text("language")?,
                has_password: r.opt_text("password_hash")?.is_some(),
                disabled_at: r.opt_int("disabled_at")?.map(instant).transpose()?,
                erased_at: r.opt_int("erased_at")?.map(instant).transpose()?,
            };
            let mut sessions = Vec::new();
            for r in sqlx::query("SELECT created_at, expires_at FROM sessions WHERE person_id = $1 ORDER BY created_at")
                .bind(person)
                .fetch_all(&mut *tx)
                .await?
            {
                sessions.push(ExportedSession {
                    created_at: instant(r.int("created_at")?)?,
                    expires_at: instant(r.int("expires_at")?)?,
                });
            }
            let mut roles = Vec::new();
            for r in sqlx::query(
                "SELECT 'project' AS kind, p.id, p.title, m.role FROM project_members m JOIN projects p ON p.id = m.project_id WHERE m.person_id = $1
                 UNION ALL
                 SELECT 'cohort' AS kind, c.id, c.name AS title, m.role FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id WHERE m.person_id = $1
                 ORDER BY kind DESC, id, role",
            )
            .bind(person)
            .fetch_all(&mut *tx)
            .await?
            {
                roles.push(RoleHeld {
                    on: if r.text("kind")? == "project" { "project" } else { "cohort" },
                    id: r.int("id")?,
                    title: r.text("title")?,
                    role: r.text("role")?,
                });
            }
            // Events they acted in, and the MemberAdded events of projects
            // they are on (filtered by the service, which reads the change).
            let mut events = Vec::new();
            for r in sqlx::query(
                "SELECT project_id, seq, at, actor_id, change FROM events
                 WHERE actor_id = $1 OR project_id IN (SELECT project_id FROM project_members WHERE person_id = $1)
                 ORDER BY project_id, seq",
            )
            .bind(person)
            .fetch_all(&mut *tx)
            .await?
            {
                events.push(ExportedEvent {
                    project: r.int("project_id")?,
                    seq: r.int("seq")?,
                    at: instant(r.int("at")?)?,
                    actor: r.opt_int("actor_id")?,
                    change: serde_json::from_str(&r.text("change")?)
                        .map_err(|e| Error::Corrupt(format!("an event's change: {e}")))?,
                });
            }
            let mut evidence = Vec::new();
            for r in sqlx::query("SELECT project_id, name, size, sha256, at, removed_at FROM evidence WHERE uploader_id = $1 ORDER BY id")
                .bind(person)
                .fetch_all(&mut *tx)
                .await?
            {
                evidence.push(ExportedFile {
                    project: r.int("project_id")?,
                    name: r.text("name")?,
                    size: r.int("size")?,
                    sha256: r.text("sha256")?,
                    at: instant(r.int("at")?)?,
                    removed_at: r.opt_int("removed_at")?.map(instant).transpose()?,
                });
            }
            let mut messages = Vec::new();
            for r in sqlx::query(
                "SELECT id, project_id, template, state, created_at, sent_at, last_error, data, body_removed_at
                 FROM outbox WHERE recipient_id = $1 ORDER BY id",
            )
            .bind(person)
            .fetch_all(&mut *tx)
            .await?
            {
                let removed = r.opt_int("body_removed_at")?.is_some();
                messages.push(ExportedMessage {
                    id: r.int("id")?,
                    project: r.int("project_id")?,
                    template: r.text("template")?,
                    state: r.text("state")?,
                    created_at: instant(r.int("created_at")?)?,
                    sent_at: r.opt_int("sent_at")?.map(instant).transpose()?,
                    last_error: r.opt_text("last_error")?,
                    body: if removed { None } else { serde_json::from_str(&r.text("data")?).ok() },
                });
            }
            tx.commit().await?;
            Ok(PersonRows { status, sessions, roles, events, evidence, messages })
        })
    }

    /// Corrects `person`'s name and/or email (already checked), logging `entry`
    /// in the same transaction; an email someone else has is refused
    /// (`person-exists`) and changes nothing.
    pub(crate) async fn correct_person(
        &self,
        person: i64,
        old_email: &str,
        name: Option<&str>,
        email: Option<&str>,
        entry: &AdminEntry,
    ) -> Result<(), Error> {
        let result: Result<bool, sqlx::Error> = with_db!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query("UPDATE people SET name = COALESCE($1, name), email = COALESCE($2, email) WHERE id = $3 AND email = $4 AND erased_at IS NULL")
                .bind(name)
                .bind(email)
                .bind(person)
                .bind(old_email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if found == 0 {
                return Ok(false);
            }
            log_admin!(tx, entry);
            tx.commit().await.map(|()| true)
        }.await);
        match result {
            Ok(true) => Ok(()),
            // Erased or corrected by another process since it was read.
            Ok(false) => Err(Error::NotFound(Reason::new(
                "unknown-person",
                vec![("email", Arg::Text(old_email.to_owned()))],
            ))),
            Err(e) if super::is_unique_violation(&e) => Err(Error::Refused(Reason::new(
                "person-exists",
                vec![("email", Arg::Text(email.unwrap_or_default().to_owned()))],
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Disables (`Some(now)`) or enables (`None`) `person`'s account, logging
    /// `entry`. Disabling ends their sessions and reset links and marks the
    /// mail queued for them dead, saying why; roles are kept.
    pub(crate) async fn set_disabled(
        &self,
        person: i64,
        disabled: Option<Timestamp>,
        entry: &AdminEntry,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // An erased person stays disabled.
            sqlx::query("UPDATE people SET disabled_at = $1 WHERE id = $2 AND erased_at IS NULL")
                .bind(disabled.map(micros))
                .bind(person)
                .execute(&mut *tx)
                .await?;
            if disabled.is_some() {
                for sql in [
                    "DELETE FROM sessions WHERE person_id = $1",
                    "DELETE FROM password_resets WHERE person_id = $1",
                    // Their API tokens stop working with their account.
                    "DELETE FROM api_tokens WHERE person_id = $1",
                    // A reset link not yet mailed would open a disabled account's door.
                    "UPDATE account_mail SET state = 'dead', link = NULL, lease_until = NULL,
                         claim_token = NULL, last_error = 'not sent: the account was disabled'
                     WHERE person_id = $1 AND state IN ('pending', 'failed', 'claimed')",
                ] {
                    sqlx::query(sql).bind(person).execute(&mut *tx).await?;
                }
                sqlx::query(sqlx::AssertSqlSafe(disabled_recipients_dead("")))
                    .bind(i64::MAX)
                    .execute(&mut *tx)
                    .await?;
            }
            log_admin!(tx, entry);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The projects `person` holds a role on, directly or through a cohort,
    /// with their stage (the service tells finished from open).
    pub(crate) async fn role_projects(&self, person: i64) -> Result<Vec<RoleProject>, Error> {
        with_db!(self, pool => role_projects!(pool, person))
    }

    /// Erases `person`: name, email and organization replaced by `pseudonym`
    /// (name) and `placeholder` (email); password, language, sessions, reset
    /// links, idempotency records, attempts counted for `old_email`, queued
    /// mail (dead, saying why) and every message body to them removed; the
    /// account disabled; `entry` logged. Refused as a race (`changed`) when
    /// the projects they hold roles on are no longer `checked`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn erase_person(
        &self,
        person: i64,
        old_email: &str,
        pseudonym: &str,
        placeholder: &str,
        checked: &[RoleProject],
        now: Timestamp,
        entry: &AdminEntry,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Lock the person's row first (PostgreSQL), then re-read their
            // projects: a role given since the check is a race, not a gap.
            let found = sqlx::query("UPDATE people SET erased_at = $1 WHERE id = $2 AND email = $3 AND erased_at IS NULL")
                .bind(micros(now))
                .bind(person)
                .bind(old_email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if found == 0 {
                // Erased or corrected by another process since it was read.
                return Err(Error::NotFound(Reason::new("unknown-person", vec![("email", Arg::Text(old_email.to_owned()))])));
            }
            if role_projects!(&mut *tx, person)? != checked {
                return Err(Error::Refused(Reason::new("changed", vec![])));
            }
            sqlx::query(
                "UPDATE people SET name = $1, email = $2, organization = '', password_hash = NULL,
                     language = NULL, digest = FALSE, disabled_at = COALESCE(disabled_at, $3)
                 WHERE id = $4",
            )
            .bind(pseudonym)
            .bind(placeholder)
            .bind(micros(now))
            .bind(person)
            .execute(&mut *tx)
            .await?;
            for sql in [
                "DELETE FROM sessions WHERE person_id = $1",
                "DELETE FROM password_resets WHERE person_id = $1",
                "DELETE FROM api_tokens WHERE person_id = $1",
                "DELETE FROM account_mail WHERE person_id = $1",
                "DELETE FROM idempotency WHERE actor_id = $1",
                "UPDATE outbox SET state = 'dead', lease_until = NULL, claim_token = NULL,
                     last_error = 'not sent: the recipient was erased'
                 WHERE recipient_id = $1 AND state IN ('pending', 'failed', 'claimed')",
            ] {
                sqlx::query(sql).bind(person).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE outbox SET data = '{}', body_removed_at = COALESCE(body_removed_at, $1) WHERE recipient_id = $2")
                .bind(micros(now))
                .bind(person)
                .execute(&mut *tx)
                .await?;
            for prefix in ["signin", "reset", "link"] {
                sqlx::query("DELETE FROM attempts WHERE key = $1")
                    .bind(format!("{prefix}:email:{old_email}"))
                    .execute(&mut *tx)
                    .await?;
            }
            log_admin!(tx, entry);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes the variables (the body) of messages sent before `before`,
    /// keeping each row as the record that it was sent; logs `entry` with
    /// the count when there was any. Returns the count.
    pub(crate) async fn remove_sent_bodies(
        &self,
        before: Timestamp,
        now: Timestamp,
        entry: &mut AdminEntry,
    ) -> Result<u64, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let removed = sqlx::query(
                "UPDATE outbox SET data = '{}', body_removed_at = $1
                 WHERE state = 'sent' AND sent_at < $2 AND body_removed_at IS NULL",
            )
            .bind(micros(now))
            .bind(micros(before))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed > 0 {
                entry.detail = serde_json::json!({ "mail_bodies_removed": removed });
                log_admin!(tx, &*entry);
            }
            tx.commit().await?;
            Ok(removed)
        })
    }

    /// Every project with its stage and last change, for retention.
    pub(crate) async fn project_ages(&self) -> Result<Vec<ProjectAge>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id, definition_id, stage, updated_at FROM projects ORDER BY id")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok(ProjectAge {
                project: r.int("id")?,
                definition_id: r.int("definition_id")?,
                stage: r.text("stage")?,
                updated_at: instant(r.int("updated_at")?)?,
            }))
            .collect())
    }

    /// The evidence files of `project` whose bytes are still kept: (row id, SHA-256).
    pub(crate) async fn kept_evidence(&self, project: i64) -> Result<Vec<(i64, String)>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id, sha256 FROM evidence WHERE project_id = $1 AND removed_at IS NULL ORDER BY id")
            .bind(project)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.int("id")?, r.text("sha256")?)))
            .collect())
    }

    /// Whether bytes with this SHA-256 are still needed: an evidence row
    /// keeps them that retention has not removed.
    pub(crate) async fn evidence_bytes_needed(&self, sha256: &str) -> Result<bool, Error> {
        let found = with_db!(self, pool => sqlx::query("SELECT 1 AS one FROM evidence WHERE sha256 = $1 AND removed_at IS NULL LIMIT 1")
            .bind(sha256)
            .fetch_optional(pool)
            .await?
            .is_some());
        Ok(found)
    }

    /// Marks the evidence rows `ids` of `project` as removed by retention
    /// (their bytes are about to go), logging `entry`.
    pub(crate) async fn mark_evidence_removed(
        &self,
        ids: &[i64],
        now: Timestamp,
        entry: &AdminEntry,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for id in ids {
                sqlx::query("UPDATE evidence SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
                    .bind(micros(now))
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
            log_admin!(tx, entry);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes project `project` whole — events, state, members, evidence
    /// rows, timers, messages, idempotency records — if it is still at
    /// `version` (else a race, `changed`), logging `entry` (whose detail the
    /// caller fills with the chain's head and length) in the same
    /// transaction. The events' trigger allows the deletes only while this
    /// transaction's permit row exists; it is removed before the commit.
    /// Returns the SHA-256 names of the evidence bytes the project held.
    pub(crate) async fn purge_project(
        &self,
        project: i64,
        version: i64,
        entry: &mut AdminEntry,
    ) -> Result<Vec<String>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(row) = sqlx::query("SELECT head, version, (SELECT COUNT(*) FROM events e WHERE e.project_id = $1) AS events FROM projects WHERE id = $1")
                .bind(project)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Err(Error::NotFound(Reason::new("unknown-project", vec![("project", Arg::Number(project.into()))])));
            };
            if row.int("version")? != version {
                return Err(Error::Refused(Reason::new("changed", vec![])));
            }
            entry.detail = serde_json::json!({
                "head": row.text("head")?,
                "events": row.int("events")?,
                "version": version,
            });
            let files: Vec<String> = sqlx::query("SELECT DISTINCT sha256 FROM evidence WHERE project_id = $1")
                .bind(project)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.text("sha256"))
                .collect::<Result<_, _>>()?;
            sqlx::query("INSERT INTO purge_permits (project_id) VALUES ($1)")
                .bind(project)
                .execute(&mut *tx)
                .await?;
            for sql in [
                "DELETE FROM events WHERE project_id = $1",
                "DELETE FROM project_members WHERE project_id = $1",
                "DELETE FROM evidence WHERE project_id = $1",
                "DELETE FROM timers WHERE project_id = $1",
                "DELETE FROM outbox WHERE project_id = $1",
                "DELETE FROM idempotency WHERE project_id = $1",
                "DELETE FROM projects WHERE id = $1",
                "DELETE FROM purge_permits WHERE project_id = $1",
            ] {
                sqlx::query(sql).bind(project).execute(&mut *tx).await?;
            }
            log_admin!(tx, &*entry);
            tx.commit().await?;
            Ok(files)
        })
    }
}
