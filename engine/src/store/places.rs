//! Places in a cohort (issue 16, parts 2 and 5): a place given back when a
//! project is withdrawn, in the transaction that withdraws it (with the
//! project's application and the offer to the next of the waiting list),
//! and the offer-expiry queue the worker claims from.

use jiff::Timestamp;

use super::{Begin, Columns, Error, Store, micros, with_db};
use crate::reason::{Arg, Reason};

/// Gives back one place of each cohort in `$cohorts` (a cohort named twice
/// gives two) inside the open transaction `$tx`: `taken - 1`, never below
/// zero. The row lock the statement takes orders it with every start and
/// offer that takes a place.
macro_rules! free_places {
    ($tx:expr, $cohorts:expr, $now:expr) => {{
        let cohorts: Vec<i64> = $cohorts;
        let _ = $now;
        for cohort in cohorts {
            sqlx::query("UPDATE cohorts SET taken = taken - 1 WHERE id = $1 AND taken > 0")
                .bind(cohort)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use free_places;

/// Failed tries to let one offer lapse before the worker gives up on it.
pub const MAX_OFFER_ATTEMPTS: i64 = 8;

/// An offer whose expiry the worker could not write (it stays offered,
/// holding its place, for the operator to see).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StuckOffer {
    /// The application.
    pub application: i64,
    /// Its cohort.
    pub cohort: i64,
    /// When the offer lapsed.
    pub offer_expires: Timestamp,
    /// Failed tries.
    pub attempts: i64,
    /// Why the worker gave up, or the last failure while it still tries.
    pub failure: Option<String>,
}

impl Store {
    /// The application whose acceptance started `project`, if any.
    pub(crate) async fn application_of_project(&self, project: i64) -> Result<Option<i64>, Error> {
        with_db!(self, pool => sqlx::query("SELECT id FROM applications WHERE project_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(project)
            .fetch_optional(pool)
            .await?
            .map(|r| r.int("id"))
            .transpose())
    }

    /// Claims up to `limit` offers lapsed at `now` that are not failed for
    /// good, waiting out a backoff, or held by another worker: each is held
    /// until `until`. On PostgreSQL locked rows are skipped, so two workers
    /// claim different offers; SQLite's write lock orders them.
    pub(crate) async fn claim_lapsed_offers(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: i64,
    ) -> Result<Vec<i64>, Error> {
        let postgres = self.kind() == "postgres";
        let lock = if postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE applications SET offer_claimed_until = $2 WHERE id IN (
                 SELECT id FROM applications
                 WHERE state = 'offered' AND offer_failure IS NULL AND offer_expires <= $1
                   AND COALESCE(offer_next_try, 0) <= $1 AND COALESCE(offer_claimed_until, 0) <= $1
                 ORDER BY offer_expires, id LIMIT $3{lock})
             RETURNING id"
        );
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut ids: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(micros(now))
                .bind(micros(until))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.int("id"))
                .collect::<Result<_, _>>()?;
            tx.commit().await?;
            ids.sort_unstable();
            Ok(ids)
        })
    }

    /// Records a failed try to let offer `application` lapse: one more
    /// attempt, tried again after `retry_at`, or given up for good with
    /// `failure` once [`MAX_OFFER_ATTEMPTS`] are used; its claim released.
    /// Whether it was given up.
    pub(crate) async fn offer_failed(
        &self,
        application: i64,
        failure: &str,
        retry_at: Timestamp,
    ) -> Result<bool, Error> {
        with_db!(self, pool => {
            let row = sqlx::query(
                "UPDATE applications SET offer_attempts = offer_attempts + 1, offer_next_try = $2,
                     offer_claimed_until = NULL,
                     offer_failure = CASE WHEN offer_attempts + 1 >= $3 THEN $4 ELSE NULL END
                 WHERE id = $1 AND state = 'offered' RETURNING offer_failure",
            )
            .bind(application)
            .bind(micros(retry_at))
            .bind(MAX_OFFER_ATTEMPTS)
            .bind(failure)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(r) => r.opt_text("offer_failure")?.is_some(),
                None => false,
            })
        })
    }

    /// How many tries to let offer `application` lapse have failed.
    pub(crate) async fn offer_attempts(&self, application: i64) -> Result<i64, Error> {
        with_db!(self, pool => sqlx::query("SELECT offer_attempts FROM applications WHERE id = $1")
            .bind(application)
            .fetch_optional(pool)
            .await?
            .map_or(Ok(0), |r| r.int("offer_attempts")))
    }

    /// Releases the claim on offer `application` (another writer changed
    /// it first: nothing to try).
    pub(crate) async fn release_offer(&self, application: i64) -> Result<(), Error> {
        with_db!(self, pool => {
            sqlx::query("UPDATE applications SET offer_claimed_until = NULL WHERE id = $1")
                .bind(application)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Offers lapsed but still offered: failed for good, or tried and
    /// failing (the operator's view of the queue).
    pub(crate) async fn stuck_offers(&self) -> Result<Vec<StuckOffer>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT id, cohort_id, offer_expires, offer_attempts, offer_failure FROM applications
             WHERE state = 'offered' AND offer_attempts > 0 ORDER BY offer_expires, id",
        )
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StuckOffer {
                application: r.int("id")?,
                cohort: r.int("cohort_id")?,
                offer_expires: super::instant(r.opt_int("offer_expires")?.unwrap_or(0))?,
                attempts: r.int("offer_attempts")?,
                failure: r.opt_text("offer_failure")?,
            })
        })
        .collect())
    }

    /// Puts offer `application`, failed for good, back in the queue.
    pub(crate) async fn retry_offer(&self, application: i64) -> Result<(), Error> {
        let changed = with_db!(self, pool => sqlx::query(
            "UPDATE applications SET offer_failure = NULL, offer_attempts = 0, offer_next_try = NULL, offer_claimed_until = NULL
             WHERE id = $1 AND state = 'offered'",
        )
        .bind(application)
        .execute(pool)
        .await?
        .rows_affected());
        if changed == 0 {
            return Err(Error::NotFound(Reason::new(
                "application-unknown",
                vec![("application", Arg::int(application))],
            )));
        }
        Ok(())
    }
}
