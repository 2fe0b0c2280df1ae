//! End-to-end tests: the engine service on a real SQLite file and a real
//! PostgreSQL server, and the `gradflow` binary as a user runs it.
//!
//! One test binary (it links once). PostgreSQL tests use the server at
//! `GRADFLOW_TEST_POSTGRES_URL` (each test gets a fresh database); without it
//! they are skipped, except under CI, where a missing server is a failure.
//! `TEST_LOG=1` prints the commands the CLI tests run.

mod attack14;
mod attack15;
mod backup;
mod badges;
mod browser;
mod calendar;
mod certificates;
mod cli;
mod committee;
mod committee_gaps;
mod config;
mod croniter;
mod database_ops;
mod hardening_attack;
mod import;
mod intake;
mod mail_ops;
mod moderation;
mod nodes;
mod people_data;
mod places;
mod processes;
mod program;
mod property;
mod race;
mod scoring;
mod service_rules;
mod simulate;
mod smtp_sink;
mod store_suite;
mod support;
mod timers_attack;
mod trainers;
mod versions;
mod walks;
mod web;
mod web_attack;
mod web_busy;
mod web_limits;
mod web_next;
mod web_people;
mod web_reasons;
mod worker;
// Issue 16: the intake pages over HTTP.
mod intake_pages;
// Issue 17, part 4: calendar feeds.
mod calendar_feed;
// Issue 17, part 3: signed webhooks.
mod webhooks;
// Issue 17, part 5: /metrics and the JSON logs.
mod metrics;
// Issue 17: the JSON API.
mod api;
// Issue 17: the API's authorization matrix and its OpenAPI document checked by schemathesis.
mod api_matrix;
mod api_world;
mod schemathesis;
// Issue 18, part 3: group commit.
mod group_commit;
// Issue 18, part 7: audit verify a page at a time, on both databases.
mod scale;
// Issue 18, part 5: the worker's drain with rounds in flight.
mod timers_drain;
