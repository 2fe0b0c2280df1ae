//! A throw-away PostgreSQL database: created through the given URL, dropped at the end.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection};

/// A fresh, unique database name: `gradflow_bench_<random hex>`.
pub fn fresh_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 40);
    format!("gradflow_bench_{mixed:x}")
}

/// `url` with its database replaced by `db` (query parameters kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// `url` without its password, for printing.
pub fn redact(url: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    match url[authority..].find('@') {
        Some(at) => {
            let user_info = &url[authority..authority + at];
            match user_info.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:***{}", &url[..authority], &url[authority + at..])
                }
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// Creates database `name` through the server at `admin_url`.
pub async fn create(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(admin_url).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Creates database `name` as a copy of `template` (nobody may be connected
/// to it), copying its files rather than logging every page.
pub async fn create_from(admin_url: &str, name: &str, template: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(admin_url).await?;
    sqlx::query(AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

/// Drops database `name` (closing any connection still open to it).
pub async fn drop(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(admin_url).await?;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

/// `VACUUM ANALYZE` of the database at `url`, so each measurement starts
/// without the dead rows of the ones before it (autovacuum would otherwise
/// land at random inside later measurements).
pub async fn vacuum(url: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(url).await?;
    sqlx::raw_sql("VACUUM ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}
