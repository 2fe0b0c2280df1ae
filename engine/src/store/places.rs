//! Places in a cohort (issue 16, parts 2 and 5): a place given back when a
//! project is withdrawn, in the transaction that withdraws it.

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
