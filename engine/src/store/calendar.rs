//! Calendar feeds: each person's secret feed address, kept as the SHA-256
//! of the secret only (`calendar_feeds`, one row per person: a new secret
//! replaces the old one in one statement), and what a feed is made of (the
//! person's own projects, cohorts and committee pools).

use jiff::Timestamp;

use super::{Columns, Error, Store, instant, micros, with_db};

/// Where a person's calendar looks: the projects they hold a role on
/// themselves, the cohorts they hold a role on (coordinators) and the
/// cohorts whose committee pool they are in.
#[derive(Debug, Clone, Default)]
pub struct CalendarScope {
    /// (project, role) for each role held on a project directly.
    pub roles: Vec<(i64, String)>,
    /// Cohorts where the person holds a cohort role.
    pub cohorts: Vec<i64>,
    /// Cohorts whose committee pool holds the person.
    pub pools: Vec<i64>,
}

impl Store {
    /// Makes `hash` the SHA-256 of `person`'s calendar secret, replacing
    /// any earlier one in the same statement (it stops working at once).
    pub(crate) async fn set_calendar_secret(
        &self,
        person: i64,
        hash: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO calendar_feeds (person_id, secret_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (person_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at",
        )
        .bind(person)
        .bind(hash)
        .bind(micros(now))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The person whose calendar secret hashes to `hash`, if their account
    /// is not disabled.
    pub(crate) async fn calendar_person(&self, hash: &str) -> Result<Option<i64>, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT f.person_id FROM calendar_feeds f JOIN people p ON p.id = f.person_id
             WHERE f.secret_hash = $1 AND p.disabled_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(pool)
        .await?
        .map(|r| r.int("person_id")));
        row.transpose()
    }

    /// When `person`'s calendar address was made, if they have one.
    pub(crate) async fn calendar_made(&self, person: i64) -> Result<Option<Timestamp>, Error> {
        let row = with_db!(self, pool => sqlx::query(
            "SELECT created_at FROM calendar_feeds WHERE person_id = $1",
        )
        .bind(person)
        .fetch_optional(pool)
        .await?
        .map(|r| r.int("created_at")));
        row.transpose()?.map(instant).transpose()
    }

    /// The projects, cohorts and pools `person`'s calendar looks at.
    pub(crate) async fn calendar_scope(&self, person: i64) -> Result<CalendarScope, Error> {
        with_db!(self, pool => {
            let roles = sqlx::query(
                "SELECT project_id, role FROM project_members WHERE person_id = $1 ORDER BY project_id, role",
            )
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.int("project_id")?, r.text("role")?)))
            .collect::<Result<Vec<_>, Error>>()?;
            let cohorts = sqlx::query(
                "SELECT DISTINCT cohort_id FROM cohort_members WHERE person_id = $1 ORDER BY cohort_id",
            )
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("cohort_id"))
            .collect::<Result<Vec<_>, Error>>()?;
            let pools = sqlx::query(
                "SELECT cohort_id FROM committee_pool WHERE person_id = $1 ORDER BY cohort_id",
            )
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.int("cohort_id"))
            .collect::<Result<Vec<_>, Error>>()?;
            Ok(CalendarScope { roles, cohorts, pools })
        })
    }

    /// This installation's random part (migration 0006), which makes the
    /// feed's event UIDs unique to it.
    pub(crate) async fn installation_token(&self) -> Result<String, Error> {
        with_db!(self, pool => sqlx::query("SELECT token FROM installation WHERE id = 1")
            .fetch_one(pool)
            .await?
            .text("token"))
    }
}
