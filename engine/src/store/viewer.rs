//! What a person may read: the projects they hold a role on (directly or
//! through the cohort), their evidence files, and the outbox of the cohorts
//! they coordinate. The visibility rule is written once, in [`VISIBLE`].

use jiff::Timestamp;
use serde::Serialize;

use super::{Columns, Error, Message, Store, instant, micros, with_db};

/// Whether person `$1` may see project `p`: they hold a role on it, given
/// on the project (trainee, supervisor, an assigned evaluator) or on its
/// whole cohort (its coordinators). For one project (by its id).
const VISIBLE: &str = "(EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.person_id = $1)
  OR EXISTS (SELECT 1 FROM cohort_members cm WHERE cm.cohort_id = p.cohort_id AND cm.person_id = $1))";

/// The ids of the projects person `$1` may see, above the id placeholder
/// `after` when given: [`VISIBLE`]'s rule, the same two ways of holding a
/// role, written as the set they make, so a list starts from the person's
/// own rows (`project_members_person`, and `cohort_members_person` of
/// migration 0021, then `projects_cohort`) instead of testing every project
/// of the store: a list costs what the person may see, not what the store
/// holds (a trainee's home page on a million projects reads one).
fn visible_ids(after: Option<&str>) -> String {
    let (direct, cohort) = match after {
        Some(p) => (
            format!(" AND m.project_id > {p}"),
            format!(" AND q.id > {p}"),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "SELECT m.project_id AS id FROM project_members m WHERE m.person_id = $1{direct}
         UNION SELECT q.id FROM cohort_members cm JOIN projects q ON q.cohort_id = cm.cohort_id
         WHERE cm.person_id = $1{cohort}"
    )
}

/// The live deadline timer of project `p`, if it has one: a stage with a
/// deadline sets it on entry, and leaving the stage (or the timer firing)
/// ends it. Joined as `d`.
const DEADLINE_JOIN: &str = "LEFT JOIN timers d ON d.project_id = p.id AND d.key = 'deadline' AND d.state IN ('pending', 'claimed')";

/// Since when project `p` is overdue at `$2` (microseconds), or NULL: the
/// mark the worker records when its stage's deadline passes, or, before any
/// worker has run, the deadline itself once it is past. The same rule as the
/// core's `decide::overdue_since`, so the board agrees with every page.
const OVERDUE_SINCE: &str = "COALESCE(p.overdue_since, CASE WHEN d.due_at < $2 THEN d.due_at END)";

/// Which of the projects a person may see a list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    /// Only this cohort's.
    pub cohort: Option<i64>,
    /// Only those at this stage (by key).
    pub stage: Option<String>,
    /// Only the overdue ones (`true`) or only the others (`false`).
    pub overdue: Option<bool>,
}

/// An evidence file of a project.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Row id, used in its download link.
    pub id: i64,
    /// The project it belongs to.
    pub project: i64,
    /// SHA-256 of the bytes, in hex: the stored file's name.
    pub sha256: String,
    /// The file name the uploader gave.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Who uploaded it (name).
    pub uploader: String,
    /// When.
    pub at: Timestamp,
    /// Whether retention removed its bytes (the row, sealed in the log, stays).
    pub removed: bool,
}

/// The number of a cohort's projects at one stage of one definition version.
#[derive(Debug, Clone)]
pub(crate) struct StageCount {
    pub definition_id: i64,
    pub stage: String,
    pub projects: i64,
    pub overdue: i64,
}

impl Store {
    /// Ids of the projects `person` may see, newest first.
    pub(crate) async fn visible_projects(&self, person: i64) -> Result<Vec<i64>, Error> {
        let sql = format!(
            "SELECT v.id FROM ({}) v ORDER BY v.id DESC",
            visible_ids(None)
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect())
    }

    /// Ids of one page of the projects `person` may see, oldest first:
    /// those after id `after`, at most `limit`, of `cohort` and at `stage`
    /// when given, and overdue at `now` (or not) when `overdue` is given
    /// (see [`OVERDUE_SINCE`]). The database starts from the projects the
    /// person may see after `after` ([`visible_ids`]) and stops at the page's
    /// end: a page costs what the person may see, whatever the number of
    /// projects in the store.
    pub(crate) async fn visible_project_page(
        &self,
        person: i64,
        filter: &ProjectFilter,
        after: Option<i64>,
        limit: i64,
        now: Timestamp,
    ) -> Result<Vec<i64>, Error> {
        // Each filter is off when its parameter is NULL: one statement, so
        // every parameter is used whatever is asked.
        let visible = visible_ids(Some("$3"));
        let sql = format!(
            "SELECT p.id FROM projects p {DEADLINE_JOIN}
             WHERE p.id IN ({visible}) AND p.id > $3
               AND ($5 IS NULL OR p.cohort_id = $5)
               AND ($6 IS NULL OR p.stage = $6)
               AND ($7 IS NULL OR ($7 = 1 AND {OVERDUE_SINCE} IS NOT NULL)
                               OR ($7 = 0 AND {OVERDUE_SINCE} IS NULL))
             ORDER BY p.id LIMIT $4"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(person)
            .bind(micros(now))
            .bind(after.unwrap_or(i64::MIN))
            .bind(limit)
            .bind(filter.cohort)
            .bind(filter.stage.as_deref())
            .bind(filter.overdue.map(i64::from))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect())
    }

    /// Whether `person` may see `project` (false also when it does not exist).
    pub(crate) async fn may_see(&self, person: i64, project: i64) -> Result<bool, Error> {
        let sql = format!("SELECT p.id FROM projects p WHERE p.id = $2 AND {VISIBLE}");
        let found = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(person)
            .bind(project)
            .fetch_optional(pool)
            .await?
            .is_some());
        Ok(found)
    }

    /// Ids of the cohorts `person` coordinates.
    pub(crate) async fn coordinated_cohorts(&self, person: i64) -> Result<Vec<i64>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT cohort_id FROM cohort_members WHERE person_id = $1 AND role = 'coordinator' ORDER BY cohort_id",
        )
        .bind(person)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.int("cohort_id"))
        .collect())
    }

    /// Ids of the projects of `cohort`, oldest first.
    pub(crate) async fn cohort_project_ids(&self, cohort: i64) -> Result<Vec<i64>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id FROM projects WHERE cohort_id = $1 ORDER BY id")
            .bind(cohort)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect())
    }

    /// The milestone submissions of those of `projects` that belong to
    /// `cohort`, oldest first per project: (project, change). Only events
    /// whose text holds a submission are read (the filter is a prefilter;
    /// each row is decoded and checked), so a board's cards cost one
    /// statement, whatever else their logs hold.
    pub(crate) async fn milestone_submissions(
        &self,
        cohort: i64,
        projects: &[i64],
    ) -> Result<Vec<(i64, crate::decide::Change)>, Error> {
        if projects.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT e.project_id, e.seq, e.change FROM events e JOIN projects p ON p.id = e.project_id
                 WHERE e.change LIKE '%\"milestone_submitted\"%' AND p.cohort_id = ",
            );
            query.push_bind(cohort);
            query.push(" AND e.project_id IN (");
            let mut list = query.separated(", ");
            for id in projects {
                list.push_bind(*id);
            }
            query.push(") ORDER BY e.project_id, e.seq");
            for r in query.build().fetch_all(pool).await? {
                let project = r.int("project_id")?;
                let change = crate::decide::Change::from_json(&r.text("change")?).map_err(|e| {
                    Error::Corrupt(format!("project {project}, event {}: {e}", r.int("seq").unwrap_or(0)))
                })?;
                if matches!(change, crate::decide::Change::MilestoneSubmitted { .. }) {
                    out.push((project, change));
                }
            }
        });
        Ok(out)
    }

    /// How many projects of `cohort` are at each stage (of each definition
    /// version they are pinned to), and how many of those are overdue at
    /// `now` (see [`OVERDUE_SINCE`]).
    pub(crate) async fn cohort_stage_counts(
        &self,
        cohort: i64,
        now: Timestamp,
    ) -> Result<Vec<StageCount>, Error> {
        let sql = format!(
            "SELECT p.definition_id, p.stage, COUNT(*) AS projects,
                    SUM(CASE WHEN {OVERDUE_SINCE} IS NOT NULL THEN 1 ELSE 0 END) AS overdue
             FROM projects p {DEADLINE_JOIN} WHERE p.cohort_id = $1
             GROUP BY p.definition_id, p.stage ORDER BY p.definition_id, p.stage"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(cohort)
            .bind(micros(now))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StageCount {
                    definition_id: r.int("definition_id")?,
                    stage: r.text("stage")?,
                    projects: r.int("projects")?,
                    overdue: r.int("overdue")?,
                })
            })
            .collect())
    }

    /// Ids of one page of `cohort`'s projects: those at `stage`, oldest
    /// first, or with `None` those overdue at `now`, longest overdue first.
    pub(crate) async fn cohort_project_page(
        &self,
        cohort: i64,
        stage: Option<&str>,
        limit: i64,
        offset: i64,
        now: Timestamp,
    ) -> Result<Vec<i64>, Error> {
        const AT_STAGE: &str = "SELECT id FROM projects WHERE cohort_id = $1 AND stage = $2 ORDER BY id LIMIT $3 OFFSET $4";
        let overdue = format!(
            "SELECT p.id FROM projects p {DEADLINE_JOIN}
             WHERE p.cohort_id = $1 AND {OVERDUE_SINCE} IS NOT NULL
             ORDER BY {OVERDUE_SINCE}, p.id LIMIT $3 OFFSET $4"
        );
        with_db!(self, pool => {
            let query = match stage {
                Some(stage) => sqlx::query(sqlx::AssertSqlSafe(AT_STAGE.to_owned())).bind(cohort).bind(stage),
                None => sqlx::query(sqlx::AssertSqlSafe(overdue.clone())).bind(cohort).bind(micros(now)),
            };
            query
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.int("id"))
                .collect()
        })
    }

    /// The newest `limit` messages about projects of `cohort`.
    pub(crate) async fn cohort_messages(
        &self,
        cohort: i64,
        limit: i64,
    ) -> Result<Vec<Message>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT o.id, o.project_id, o.event_seq, o.template, o.recipient_id, pe.email, pe.language, o.message_id, o.state,
                    o.attempts, o.next_attempt_at, o.last_error, o.sent_at, o.resends, o.retry_base
             FROM outbox o JOIN people pe ON pe.id = o.recipient_id JOIN projects p ON p.id = o.project_id
             WHERE p.cohort_id = $1 ORDER BY o.id DESC LIMIT $2",
        )
        .bind(cohort)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(super::outbox::message_row)
        .collect())
    }

    /// The evidence file recorded by event `seq` of `project`.
    pub(crate) async fn evidence_of_event(
        &self,
        project: i64,
        seq: i64,
    ) -> Result<Option<i64>, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id FROM evidence WHERE project_id = $1 AND event_seq = $2")
            .bind(project)
            .bind(seq)
            .fetch_optional(pool)
            .await?
            .map(|r| r.int("id")));
        row.transpose()
    }

    /// The bytes of evidence `person` has uploaded, on every project.
    pub(crate) async fn uploaded_bytes(&self, person: i64) -> Result<i64, Error> {
        with_db!(self, pool => sqlx::query("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total FROM evidence WHERE uploader_id = $1")
            .bind(person)
            .fetch_one(pool)
            .await
            .map(|r| r.int("total")))?
    }

    /// Whether any evidence row keeps the bytes with this SHA-256 (a file
    /// stored for a refused upload may be removed only when none does).
    pub(crate) async fn evidence_uses(&self, sha256: &str) -> Result<bool, Error> {
        let found = with_db!(self, pool => sqlx::query("SELECT 1 AS one FROM evidence WHERE sha256 = $1 LIMIT 1")
            .bind(sha256)
            .fetch_optional(pool)
            .await?
            .is_some());
        Ok(found)
    }

    /// A project's evidence files, oldest first.
    pub(crate) async fn evidence(&self, project: i64) -> Result<Vec<Evidence>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT e.id, e.project_id, e.sha256, e.name, e.size, pe.name AS uploader, e.at, e.removed_at
             FROM evidence e JOIN people pe ON pe.id = e.uploader_id WHERE e.project_id = $1 ORDER BY e.id",
        )
        .bind(project)
        .fetch_all(pool)
        .await?
        .iter()
        .map(evidence_row)
        .collect())
    }
}

fn evidence_row(r: &impl Columns) -> Result<Evidence, Error> {
    Ok(Evidence {
        id: r.int("id")?,
        project: r.int("project_id")?,
        sha256: r.text("sha256")?,
        name: r.text("name")?,
        size: r.int("size")?,
        uploader: r.text("uploader")?,
        at: instant(r.int("at")?)?,
        removed: r.opt_int("removed_at")?.is_some(),
    })
}
