//! The migrations, embedded in the binary so a fresh machine needs no files.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// Each entry: version, description, SQLite text, PostgreSQL text. Same numbers for both.
pub(super) const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../../migrations/sqlite/0001_foundation.sql"),
        include_str!("../../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "second pass",
        include_str!("../../../migrations/sqlite/0002_second_pass.sql"),
        include_str!("../../../migrations/postgres/0002_second_pass.sql"),
    ),
    (
        3,
        "time and mail",
        include_str!("../../../migrations/sqlite/0003_time_and_mail.sql"),
        include_str!("../../../migrations/postgres/0003_time_and_mail.sql"),
    ),
    (
        4,
        "web",
        include_str!("../../../migrations/sqlite/0004_web.sql"),
        include_str!("../../../migrations/postgres/0004_web.sql"),
    ),
    (
        5,
        "board and password resets",
        include_str!("../../../migrations/sqlite/0005_board_and_resets.sql"),
        include_str!("../../../migrations/postgres/0005_board_and_resets.sql"),
    ),
    (
        6,
        "mail exactly once",
        include_str!("../../../migrations/sqlite/0006_mail_exactly_once.sql"),
        include_str!("../../../migrations/postgres/0006_mail_exactly_once.sql"),
    ),
    (
        7,
        "timer attempts",
        include_str!("../../../migrations/sqlite/0007_timer_attempts.sql"),
        include_str!("../../../migrations/postgres/0007_timer_attempts.sql"),
    ),
    (
        8,
        "web limits",
        include_str!("../../../migrations/sqlite/0008_web_limits.sql"),
        include_str!("../../../migrations/postgres/0008_web_limits.sql"),
    ),
    (
        9,
        "mail ops",
        include_str!("../../../migrations/sqlite/0009_mail_ops.sql"),
        include_str!("../../../migrations/postgres/0009_mail_ops.sql"),
    ),
    (
        10,
        "people's data",
        include_str!("../../../migrations/sqlite/0010_people_data.sql"),
        include_str!("../../../migrations/postgres/0010_people_data.sql"),
    ),
    (
        11,
        "cohort versions",
        include_str!("../../../migrations/sqlite/0011_cohort_versions.sql"),
        include_str!("../../../migrations/postgres/0011_cohort_versions.sql"),
    ),
    (
        12,
        "certificates",
        include_str!("../../../migrations/sqlite/0012_certificates.sql"),
        include_str!("../../../migrations/postgres/0012_certificates.sql"),
    ),
    (
        13,
        "committees",
        include_str!("../../../migrations/sqlite/0013_committees.sql"),
        include_str!("../../../migrations/postgres/0013_committees.sql"),
    ),
    (
        14,
        "signing keys",
        include_str!("../../../migrations/sqlite/0014_signing_keys.sql"),
        include_str!("../../../migrations/postgres/0014_signing_keys.sql"),
    ),
    (
        15,
        "intake",
        include_str!("../../../migrations/sqlite/0015_intake.sql"),
        include_str!("../../../migrations/postgres/0015_intake.sql"),
    ),
    (
        16,
        "offer queue",
        include_str!("../../../migrations/sqlite/0016_offer_queue.sql"),
        include_str!("../../../migrations/postgres/0016_offer_queue.sql"),
    ),
    (
        17,
        "trainers",
        include_str!("../../../migrations/sqlite/0017_trainers.sql"),
        include_str!("../../../migrations/postgres/0017_trainers.sql"),
    ),
    (
        18,
        "api tokens",
        include_str!("../../../migrations/sqlite/0018_api_tokens.sql"),
        include_str!("../../../migrations/postgres/0018_api_tokens.sql"),
    ),
    (
        19,
        "webhooks",
        include_str!("../../../migrations/sqlite/0019_webhooks.sql"),
        include_str!("../../../migrations/postgres/0019_webhooks.sql"),
    ),
    (
        20,
        "calendar feeds",
        include_str!("../../../migrations/sqlite/0020_calendar_feeds.sql"),
        include_str!("../../../migrations/postgres/0020_calendar_feeds.sql"),
    ),
    (
        21,
        "scale",
        include_str!("../../../migrations/sqlite/0021_scale.sql"),
        include_str!("../../../migrations/postgres/0021_scale.sql"),
    ),
    (
        22,
        "board reads",
        include_str!("../../../migrations/sqlite/0022_board_reads.sql"),
        include_str!("../../../migrations/postgres/0022_board_reads.sql"),
    ),
    (
        23,
        "outbox by project",
        include_str!("../../../migrations/sqlite/0023_outbox_by_project.sql"),
        include_str!("../../../migrations/postgres/0023_outbox_by_project.sql"),
    ),
];

/// The version of the newest migration: a database at it needs no migrating.
pub(super) const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The migrator for `kind` (`sqlite` or `postgres`).
pub(super) fn migrator(kind: &str) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sqlite, postgres)| {
            let sql = if kind == "sqlite" { *sqlite } else { *postgres };
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}
