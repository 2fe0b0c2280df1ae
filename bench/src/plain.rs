//! Plain SQL on the fastest connection to each database: `rusqlite` (a
//! synchronous, in-process driver over the same bundled SQLite the store
//! uses) and one sqlx `PgConnection`. The timer groups use it for the raw
//! limit of the queue (the store's own claim and complete statements with no
//! engine around them), for bulk set-up and for their checks. Never for
//! anything the engine is timed on.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use gradflow_engine::Durability;
use rusqlite::TransactionBehavior;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};

/// One connection, on either database.
pub enum Plain {
    /// SQLite through rusqlite, with the store's pragmas.
    Sqlite(rusqlite::Connection),
    /// PostgreSQL through sqlx.
    Pg(PgConnection),
}

/// A claimed timer row, as the claim statement returns it.
#[derive(Debug, Clone)]
pub struct ClaimedRow {
    /// Row id.
    pub id: i64,
    /// Its project.
    pub project: i64,
    /// Key, kind, due (µs), entry, spec: read as the store reads them.
    pub rest: (String, String, i64, i64, String),
}

/// The store's claim statement (taking over expired claims first), from the
/// store itself; `lock` is `FOR UPDATE SKIP LOCKED` on PostgreSQL.
fn claim_sql(lock: &str) -> String {
    gradflow_engine::timer_claim_statement(!lock.is_empty(), true)
}

/// Which claim statement the raw limit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The store's, word for word.
    Store,
    /// The store's earlier statement, kept as information: one `OR` of the
    /// two conditions, which makes the database gather and sort every due
    /// timer on each round (the store now runs them as two subqueries, each
    /// ordered and limited on its own, walking the `timers_due` index).
    Earlier,
}

/// The earlier claim statement (see [`Claim::Earlier`]).
fn earlier_claim_sql(lock: &str) -> String {
    format!(
        "UPDATE timers SET state = 'claimed', lease_until = $1
             WHERE id IN (
                 SELECT id FROM timers
                 WHERE (state = 'pending' AND due_at <= $2) OR (state = 'claimed' AND lease_until < $2)
                 ORDER BY due_at, id LIMIT $3{lock})
             RETURNING id, project_id, key, kind, due_at, entry, spec"
    )
}

/// The store's completion statement for `n` ids (the `complete!` macro).
fn complete_sql(n: usize) -> String {
    let mut sql = String::from(
        "UPDATE timers SET state = 'done', lease_until = NULL, done_at = $1 WHERE state = 'claimed' AND id IN (",
    );
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", i + 2));
    }
    sql.push(')');
    sql
}

impl Plain {
    /// Opens `url` (`sqlite://FILE`, an existing file, or `postgres://…`).
    /// SQLite gets the store's pragmas: WAL (already set on the file),
    /// `synchronous` as `durability`, foreign keys, a busy wait.
    pub async fn open(url: &str, durability: Durability) -> anyhow::Result<Plain> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path)
                .with_context(|| format!("rusqlite cannot open {path}"))?;
            conn.busy_timeout(Duration::from_secs(10))?;
            let synchronous = match durability {
                Durability::Full => "FULL",
                Durability::Normal => "NORMAL",
            };
            conn.execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
            ))?;
            Ok(Plain::Sqlite(conn))
        } else {
            let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
            Ok(Plain::Pg(PgConnection::connect_with(&options).await?))
        }
    }

    /// `SELECT` of one integer (a count, a maximum; NULL reads as 0).
    pub async fn count(&mut self, sql: &str, params: &[i64]) -> anyhow::Result<i64> {
        Ok(match self {
            Plain::Sqlite(c) => tokio::task::block_in_place(|| {
                c.query_row(sql, rusqlite::params_from_iter(params), |r| {
                    r.get::<_, Option<i64>>(0)
                })
            })
            .with_context(|| sql.to_owned())?
            .unwrap_or(0),
            Plain::Pg(c) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in params {
                    q = q.bind(*p);
                }
                q.fetch_one(&mut *c)
                    .await
                    .with_context(|| sql.to_owned())?
                    .try_get::<Option<i64>, _>(0)?
                    .unwrap_or(0)
            }
        })
    }

    /// Rows of (integer, text, integer), e.g. `seq, change, COUNT(*)`.
    pub async fn groups(
        &mut self,
        sql: &str,
        params: &[i64],
    ) -> anyhow::Result<Vec<(i64, String, i64)>> {
        Ok(match self {
            Plain::Sqlite(c) => tokio::task::block_in_place(|| {
                let mut s = c.prepare(sql)?;
                let rows = s.query_map(rusqlite::params_from_iter(params), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                rows.collect::<Result<Vec<_>, _>>()
            })
            .with_context(|| sql.to_owned())?,
            Plain::Pg(c) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in params {
                    q = q.bind(*p);
                }
                q.fetch_all(&mut *c)
                    .await
                    .with_context(|| sql.to_owned())?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?
            }
        })
    }

    /// Rows of (integer, integer, optional integer), e.g. `id, due_at, done_at`.
    pub async fn triples(
        &mut self,
        sql: &str,
        params: &[i64],
    ) -> anyhow::Result<Vec<(i64, i64, Option<i64>)>> {
        Ok(match self {
            Plain::Sqlite(c) => tokio::task::block_in_place(|| {
                let mut s = c.prepare(sql)?;
                let rows = s.query_map(rusqlite::params_from_iter(params), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                rows.collect::<Result<Vec<_>, _>>()
            })
            .with_context(|| sql.to_owned())?,
            Plain::Pg(c) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in params {
                    q = q.bind(*p);
                }
                q.fetch_all(&mut *c)
                    .await
                    .with_context(|| sql.to_owned())?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?
            }
        })
    }

    /// Runs one statement; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[i64]) -> anyhow::Result<u64> {
        Ok(match self {
            Plain::Sqlite(c) => {
                tokio::task::block_in_place(|| c.execute(sql, rusqlite::params_from_iter(params)))
                    .with_context(|| sql.to_owned())? as u64
            }
            Plain::Pg(c) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in params {
                    q = q.bind(*p);
                }
                q.execute(&mut *c)
                    .await
                    .with_context(|| sql.to_owned())?
                    .rows_affected()
            }
        })
    }

    /// The raw limit's claim: the store's statement in its own write
    /// transaction (`BEGIN IMMEDIATE` on SQLite, as the store's `begin_write`).
    pub async fn claim(
        &mut self,
        claim: Claim,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<ClaimedRow>> {
        let sql = |lock: &str| match claim {
            Claim::Store => claim_sql(lock),
            Claim::Earlier => earlier_claim_sql(lock),
        };
        match self {
            Plain::Sqlite(c) => tokio::task::block_in_place(|| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let rows = {
                    let mut s = tx.prepare_cached(&sql(""))?;
                    let rows = s.query_map(rusqlite::params![lease_until, now, limit], |r| {
                        Ok(ClaimedRow {
                            id: r.get(0)?,
                            project: r.get(1)?,
                            rest: (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?),
                        })
                    })?;
                    rows.collect::<Result<Vec<_>, _>>()?
                };
                tx.commit()?;
                Ok(rows)
            }),
            Plain::Pg(c) => {
                let mut tx = c.begin().await?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql(" FOR UPDATE SKIP LOCKED")))
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(ClaimedRow {
                            id: r.try_get(0)?,
                            project: r.try_get(1)?,
                            rest: (
                                r.try_get(2)?,
                                r.try_get(3)?,
                                r.try_get(4)?,
                                r.try_get(5)?,
                                r.try_get(6)?,
                            ),
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                tx.commit().await?;
                Ok(rows)
            }
        }
    }

    /// The raw limit's completion: the store's statement for claimed `ids`,
    /// in its own write transaction. Fails unless every id was claimed.
    pub async fn complete(&mut self, ids: &[i64], now: i64) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = complete_sql(ids.len());
        let changed = match self {
            Plain::Sqlite(c) => tokio::task::block_in_place(|| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let changed = {
                    let mut s = tx.prepare_cached(&sql)?;
                    s.execute(rusqlite::params_from_iter(
                        std::iter::once(&now).chain(ids.iter()),
                    ))?
                };
                tx.commit()?;
                anyhow::Ok(changed as u64)
            })?,
            Plain::Pg(c) => {
                let mut tx = c.begin().await?;
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
                for id in ids {
                    q = q.bind(*id);
                }
                let changed = q.execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                changed
            }
        };
        if changed != ids.len() as u64 {
            bail!(
                "the raw completion changed {changed} of {} claimed timers",
                ids.len()
            );
        }
        Ok(())
    }

    /// Closes the connection.
    pub async fn close(self) -> anyhow::Result<()> {
        match self {
            Plain::Sqlite(c) => c.close().map_err(|(_, e)| e)?,
            Plain::Pg(c) => c.close().await?,
        }
        Ok(())
    }
}
