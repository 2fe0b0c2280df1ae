//! Committee pools and declared conflicts (issue 15, part 2). A pool is
//! not a role: nothing here reveals a project (see `viewer.rs`, `VISIBLE`).

use jiff::Timestamp;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};

/// One member of a cohort's committee pool, with what the assignment needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PoolRow {
    /// The person.
    pub person: i64,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their organization.
    pub organization: String,
    /// Whether they chair the pool.
    pub chair: bool,
}

/// A declared conflict as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConflictRow {
    /// Row id.
    pub id: i64,
    /// Who may not evaluate.
    pub person: i64,
    /// Their email.
    pub email: String,
    /// The trainee it is with, if one.
    pub trainee: Option<i64>,
    /// That trainee's email.
    pub trainee_email: Option<String>,
    /// The organization it is with, if one.
    pub organization: Option<String>,
    /// Why, as given.
    pub reason: String,
    /// Who recorded it (an email, or `operator`).
    pub declared_by: String,
    /// When.
    pub declared_at: Timestamp,
}

/// A cohort's committee pool someone belongs to, for their data export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PoolMembership {
    /// The cohort's name.
    pub cohort: String,
    /// Whether they chair its pool.
    pub chair: bool,
    /// When they were added.
    pub added_at: Timestamp,
}

impl Store {
    /// The committee pools `person` is in, by cohort name.
    pub(crate) async fn pools_of(&self, person: i64) -> Result<Vec<PoolMembership>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT c.name, m.chair, m.added_at FROM committee_pool m JOIN cohorts c ON c.id = m.cohort_id
             WHERE m.person_id = $1 ORDER BY c.name",
        )
        .bind(person)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PoolMembership {
                cohort: r.text("name")?,
                chair: r.int("chair")? != 0,
                added_at: instant(r.int("added_at")?)?,
            })
        })
        .collect())
    }

    /// Adds `person` to `cohort`'s pool (again: no change), as its chair
    /// when `chair` (the previous chair stays a member), in one transaction.
    pub(crate) async fn pool_add(
        &self,
        cohort: i64,
        person: i64,
        chair: bool,
        now: Timestamp,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if chair {
                sqlx::query("UPDATE committee_pool SET chair = 0 WHERE cohort_id = $1 AND person_id <> $2")
                    .bind(cohort)
                    .bind(person)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO committee_pool (cohort_id, person_id, chair, added_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (cohort_id, person_id) DO UPDATE SET chair = CASE WHEN $3 = 1 THEN 1 ELSE committee_pool.chair END",
            )
            .bind(cohort)
            .bind(person)
            .bind(i64::from(chair))
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes `person` from `cohort`'s pool; whether they were in it.
    /// (Their current assignments stay: the coordinator reassigns them.)
    pub(crate) async fn pool_remove(&self, cohort: i64, person: i64) -> Result<bool, Error> {
        with_db!(self, pool => Ok(sqlx::query("DELETE FROM committee_pool WHERE cohort_id = $1 AND person_id = $2")
            .bind(cohort)
            .bind(person)
            .execute(pool)
            .await?
            .rows_affected() == 1))
    }

    /// `cohort`'s pool, by email.
    pub(crate) async fn pool(&self, cohort: i64) -> Result<Vec<PoolRow>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT p.id, p.email, p.name, p.organization, c.chair FROM committee_pool c
             JOIN people p ON p.id = c.person_id WHERE c.cohort_id = $1 ORDER BY p.email",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PoolRow {
                person: r.int("id")?,
                email: r.text("email")?,
                name: r.text("name")?,
                organization: r.text("organization")?,
                chair: r.int("chair")? != 0,
            })
        })
        .collect())
    }

    /// How many projects of `cohort` each person holds `role` on
    /// (their load): (person, count).
    pub(crate) async fn committee_loads(
        &self,
        cohort: i64,
        role: &str,
    ) -> Result<Vec<(i64, i64)>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT m.person_id, COUNT(*) AS n FROM project_members m JOIN projects p ON p.id = m.project_id
             WHERE p.cohort_id = $1 AND m.role = $2 GROUP BY m.person_id",
        )
        .bind(cohort)
        .bind(role)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.int("person_id")?, r.int("n")?)))
        .collect())
    }

    /// Records a declared conflict; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn declare_conflict(
        &self,
        person: i64,
        trainee: Option<i64>,
        organization: Option<&str>,
        reason: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<i64, Error> {
        with_db!(self, pool => Ok(sqlx::query(
            "INSERT INTO declared_conflicts (person_id, trainee_id, organization, reason, declared_by, declared_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(person)
        .bind(trainee)
        .bind(organization)
        .bind(reason)
        .bind(by)
        .bind(micros(now))
        .fetch_one(pool)
        .await?
        .int("id")?))
    }

    /// Every declared conflict of the people in `cohort`'s pool (or, with
    /// `None`, everyone's), oldest first.
    pub(crate) async fn conflicts(&self, cohort: Option<i64>) -> Result<Vec<ConflictRow>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT d.id, d.person_id, p.email, d.trainee_id, t.email AS trainee_email, d.organization,
                    d.reason, d.declared_by, d.declared_at
             FROM declared_conflicts d JOIN people p ON p.id = d.person_id
             LEFT JOIN people t ON t.id = d.trainee_id
             WHERE $1 IS NULL OR d.person_id IN (SELECT person_id FROM committee_pool WHERE cohort_id = $1)
             ORDER BY d.id",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(conflict_row)
        .collect())
    }

    /// Every conflict declared by one of `people`, oldest first: what the
    /// committee's rules read when someone judges a project.
    pub(crate) async fn conflicts_of(&self, people: &[i64]) -> Result<Vec<ConflictRow>, Error> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(CONFLICTS);
            query.push(" WHERE d.person_id IN (");
            let mut list = query.separated(", ");
            for id in people {
                list.push_bind(*id);
            }
            query.push(") ORDER BY d.id");
            query.build().fetch_all(pool).await?.iter().map(conflict_row).collect()
        })
    }
}

impl Store {
    /// The cohorts whose committee pool `person` is in: (cohort id,
    /// whether they chair it), by cohort.
    pub(crate) async fn committees_of(&self, person: i64) -> Result<Vec<(i64, bool)>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT cohort_id, chair FROM committee_pool WHERE person_id = $1 ORDER BY cohort_id",
        )
        .bind(person)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.int("cohort_id")?, r.int("chair")? != 0)))
        .collect())
    }

    /// Whether `person` holds any part in a cohort that `coordinator`
    /// coordinates: a role on the cohort, a place in its pool or a role on
    /// one of its projects (who a coordinator may look up).
    pub(crate) async fn shares_coordinated_cohort(
        &self,
        coordinator: i64,
        person: i64,
    ) -> Result<bool, Error> {
        let found = with_db!(self, pool => sqlx::query(
            "SELECT c.cohort_id FROM cohort_members c
             WHERE c.person_id = $1 AND c.role = 'coordinator' AND (
                EXISTS (SELECT 1 FROM cohort_members o WHERE o.cohort_id = c.cohort_id AND o.person_id = $2)
                OR EXISTS (SELECT 1 FROM committee_pool o WHERE o.cohort_id = c.cohort_id AND o.person_id = $2)
                OR EXISTS (SELECT 1 FROM projects p JOIN project_members m ON m.project_id = p.id
                           WHERE p.cohort_id = c.cohort_id AND m.person_id = $2))
             LIMIT 1",
        )
        .bind(coordinator)
        .bind(person)
        .fetch_optional(pool)
        .await?
        .is_some());
        Ok(found)
    }
}

/// The declared conflicts with the emails of both people, to filter.
const CONFLICTS: &str =
    "SELECT d.id, d.person_id, p.email, d.trainee_id, t.email AS trainee_email, d.organization,
        d.reason, d.declared_by, d.declared_at
 FROM declared_conflicts d JOIN people p ON p.id = d.person_id
 LEFT JOIN people t ON t.id = d.trainee_id";

fn conflict_row(r: &impl Columns) -> Result<ConflictRow, Error> {
    Ok(ConflictRow {
        id: r.int("id")?,
        person: r.int("person_id")?,
        email: r.text("email")?,
        trainee: r.opt_int("trainee_id")?,
        trainee_email: r.opt_text("trainee_email")?,
        organization: r.opt_text("organization")?,
        reason: r.text("reason")?,
        declared_by: r.text("declared_by")?,
        declared_at: instant(r.int("declared_at")?)?,
    })
}
