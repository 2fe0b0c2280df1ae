//! What `audit verify` reads: every project's stored row, its members, its
//! whole log, its evidence rows and its live deadline timers, a page of
//! projects at a time (keyset by project id), so verifying a store of a
//! million projects holds one page in memory, never the whole store.
//!
//! Consistency: each page is read in ONE snapshot (a read transaction on
//! SQLite, `REPEATABLE READ, READ ONLY` on PostgreSQL), so everything of a
//! project — its row, members, events, evidence and timers — is read at one
//! instant, and a writer committing meanwhile can never make a sound chain
//! look broken. The checks are per project (its chain, its replay against
//! its own row), so no snapshot across pages is needed; holding none means
//! a long verify neither stops SQLite's checkpoints (the WAL would grow for
//! the whole run) nor holds back PostgreSQL's vacuum. A project created
//! after its page was read is not in that verify; one changed after is
//! checked as it was when read. An event whose project does not exist is
//! found in the page whose id range holds it, or by the last page (ids past
//! every project).

use jiff::Timestamp;

use super::projects::member_row;
use super::{Begin, Columns, Db, Error, Store, instant, with_db};
use crate::audit;
use crate::decide::Member;

/// Projects read per page of `audit verify`: with a few dozen events each,
/// well under a megabyte of rows, and few enough round trips per project.
pub const AUDIT_PAGE: i64 = 500;

/// A project as read for `audit verify`: its stored row and its whole log,
/// all from one snapshot of the database.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Project id.
    pub project: i64,
    /// Cohort.
    pub cohort_id: i64,
    /// The cohort's calendar revision, read with the row (its calendar is
    /// the one the replay plans on).
    pub cohort_revision: i64,
    /// The definition version it is pinned to.
    pub definition_id: i64,
    /// The stage column.
    pub stage: String,
    /// The head hash column.
    pub head: String,
    /// The state column (JSON), as stored.
    pub state: String,
    /// The overdue column: the board's copy of the state's overdue mark.
    pub overdue_since: Option<Timestamp>,
    /// Everyone with a role on it, directly or through the cohort.
    pub members: Vec<Member>,
    /// Its `project_members` rows (the roles given on it directly), which
    /// `MemberAdded` events project.
    pub direct: Vec<Member>,
    /// Its events, in `seq` order.
    pub links: Vec<audit::StoredLink>,
    /// Its evidence rows, which `EvidenceAdded` events project.
    pub files: Vec<AuditFile>,
    /// Its deadline and milestone timers still to fire (pending or
    /// claimed), which must fall when its state says.
    pub timers: Vec<AuditTimer>,
}

/// A deadline or milestone timer still to fire, as `audit verify` compares
/// it with the project's replayed dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTimer {
    /// Row id.
    pub id: i64,
    /// Its key (`deadline`, `milestone:KEY`).
    pub key: String,
    /// Its kind's stored name.
    pub kind: String,
    /// When it fires.
    pub at: Timestamp,
    /// The stage entry it belongs to.
    pub entry: i64,
}

/// An evidence row as `audit verify` compares it with its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFile {
    /// Row id.
    pub id: i64,
    /// The event that recorded it; `None` for a file uploaded before
    /// uploads were events.
    pub event_seq: Option<i64>,
    /// What the event records of it: name, SHA-256, size, who.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// Who uploaded it.
    pub uploader: i64,
    /// Its bytes were removed by the retention rule (the row stays).
    pub removed: bool,
}

impl Store {
    /// One page of `audit verify`: the projects with an id above `after`
    /// (all of them from `None`), at most `limit`, oldest first, each with
    /// its members, log, evidence rows and live deadline timers, all read in
    /// one snapshot. An empty page is the end; it also checks that no event
    /// names a project past the last one. A column that does not decode, or
    /// an event whose project does not exist, is reported with its project
    /// and event.
    pub(crate) async fn audit_page(
        &self,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, Error> {
        let after = after.unwrap_or(i64::MIN);
        // Without statistics SQLite prefers `timers_due`'s equality on the
        // state to the project range, and then reads every live timer of
        // the store for each page (hours at a million projects): it is
        // told the index that holds a page's timers together.
        let hint = match &self.db {
            Db::Sqlite(_) => " INDEXED BY timers_live_key",
            Db::Postgres(_) => "",
        };
        let timers_sql = format!(
            "SELECT id, project_id, key, kind, due_at, entry FROM timers{hint}
             WHERE project_id > $1 AND project_id <= $2
               AND state IN ('pending', 'claimed') AND kind IN ('deadline', 'milestone_due') ORDER BY id"
        );
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let mut rows: Vec<AuditRow> = Vec::new();
            for r in sqlx::query(
                "SELECT p.id, p.cohort_id, c.revision, p.definition_id, p.stage, p.head, p.state, p.overdue_since
                 FROM projects p JOIN cohorts c ON c.id = p.cohort_id
                 WHERE p.id > $1 ORDER BY p.id LIMIT $2",
            )
            .bind(after)
            .bind(limit.max(1))
            .fetch_all(&mut *tx)
            .await?
            {
                let project = r.int("id")?;
                let column = |e: Error| Error::Corrupt(format!("project {project}: {e}"));
                rows.push(AuditRow {
                    project,
                    cohort_id: r.int("cohort_id").map_err(column)?,
                    cohort_revision: r.int("revision").map_err(column)?,
                    definition_id: r.int("definition_id").map_err(column)?,
                    stage: r.text("stage").map_err(column)?,
                    head: r.text("head").map_err(column)?,
                    state: r.text("state").map_err(column)?,
                    overdue_since: r.opt_int("overdue_since").map_err(column)?.map(instant).transpose().map_err(column)?,
                    members: Vec::new(),
                    direct: Vec::new(),
                    links: Vec::new(),
                    files: Vec::new(),
                    timers: Vec::new(),
                });
            }
            let Some(last) = rows.last().map(|r| r.project) else {
                // The end: no event may name a project past the last one.
                let orphan = sqlx::query(
                    "SELECT project_id, seq FROM events WHERE project_id > $1 ORDER BY project_id, seq LIMIT 1",
                )
                .bind(after)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                if let Some(r) = orphan {
                    return Err(Error::Corrupt(format!(
                        "event {} belongs to project {}, which does not exist",
                        r.int("seq")?,
                        r.int("project_id")?
                    )));
                }
                return Ok(rows);
            };
            let index: std::collections::HashMap<i64, usize> =
                rows.iter().enumerate().map(|(i, r)| (r.project, i)).collect();
            for r in sqlx::query(
                "SELECT m.project_id AS pid, m.person_id, m.role FROM project_members m
                 WHERE m.project_id > $1 AND m.project_id <= $2
                 UNION SELECT p.id AS pid, c.person_id, c.role FROM projects p JOIN cohort_members c ON c.cohort_id = p.cohort_id
                 WHERE p.id > $1 AND p.id <= $2",
            )
            .bind(after)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?
            {
                if let Some(&i) = index.get(&r.int("pid")?) {
                    rows[i].members.push(member_row(&r)?);
                }
            }
            for r in sqlx::query(
                "SELECT project_id, person_id, role FROM project_members
                 WHERE project_id > $1 AND project_id <= $2 ORDER BY project_id, person_id, role",
            )
            .bind(after)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?
            {
                if let Some(&i) = index.get(&r.int("project_id")?) {
                    rows[i].direct.push(member_row(&r)?);
                }
            }
            for r in sqlx::query(
                "SELECT project_id, seq, at, actor_id, change, prev_hash, hash FROM events
                 WHERE project_id > $1 AND project_id <= $2 ORDER BY project_id, seq",
            )
            .bind(after)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?
            {
                let project = r.int("project_id")?;
                let seq = r.int("seq").map_err(|e| Error::Corrupt(format!("project {project}: an event's seq: {e}")))?;
                let column = |e: Error| Error::Corrupt(format!("project {project}, event {seq}: {e}"));
                let link = audit::StoredLink {
                    project,
                    seq,
                    at: r.int("at").map_err(column)?,
                    actor: r.opt_int("actor_id").map_err(column)?,
                    change: r.text("change").map_err(column)?,
                    prev_hash: r.text("prev_hash").map_err(column)?,
                    hash: r.text("hash").map_err(column)?,
                };
                match index.get(&project) {
                    Some(&i) => rows[i].links.push(link),
                    None => return Err(Error::Corrupt(format!("event {seq} belongs to project {project}, which does not exist"))),
                }
            }
            for r in sqlx::query(
                "SELECT id, project_id, event_seq, name, sha256, size, uploader_id, removed_at IS NOT NULL AS removed FROM evidence
                 WHERE project_id > $1 AND project_id <= $2 ORDER BY id",
            )
            .bind(after)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?
            {
                let project = r.int("project_id")?;
                let file = AuditFile {
                    id: r.int("id")?,
                    event_seq: r.opt_int("event_seq")?,
                    name: r.text("name")?,
                    sha256: r.text("sha256")?,
                    size: r.int("size")?,
                    uploader: r.int("uploader_id")?,
                    removed: r.flag("removed")?,
                };
                if let Some(&i) = index.get(&project) {
                    rows[i].files.push(file);
                }
            }
            for r in sqlx::query(sqlx::AssertSqlSafe(timers_sql.as_str()))
            .bind(after)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?
            {
                let timer = AuditTimer {
                    id: r.int("id")?,
                    key: r.text("key")?,
                    kind: r.text("kind")?,
                    at: instant(r.int("due_at")?)?,
                    entry: r.int("entry")?,
                };
                if let Some(&i) = index.get(&r.int("project_id")?) {
                    rows[i].timers.push(timer);
                }
            }
            tx.commit().await?;
            Ok(rows)
        })
    }
}
