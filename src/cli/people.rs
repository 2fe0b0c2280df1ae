//! `gradflow person export|correct|disable|enable|erase|log`: answering a
//! data request; and the worker's retention sweep (`--retain-*`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use gradflow_engine::service::{Correction, Engine, Retention, RetentionReport};
use jiff::{SignedDuration, Timestamp};

use super::args::{OperatorArgs, PersonCommand, RetentionArgs};
use super::output::say;
use super::{Ctx, output};

/// Runs one of the people's-data commands.
pub async fn run(ctx: &Ctx, engine: &Engine, command: PersonCommand) -> anyhow::Result<ExitCode> {
    match command {
        PersonCommand::Export { email, operator } => {
            let export = engine
                .export_person(
                    &email,
                    &operator_name(&operator)?,
                    &operator.reason,
                    ctx.now,
                )
                .await?;
            // JSON whatever `--json` says: an export is for a machine or a file.
            output::json(&export);
        }
        PersonCommand::Correct {
            email,
            name,
            new_email,
            operator,
        } => {
            let correction = Correction {
                name,
                email: new_email,
            };
            let person = engine
                .correct_person(
                    &email,
                    &correction,
                    &operator_name(&operator)?,
                    &operator.reason,
                    ctx.now,
                )
                .await?;
            output::done(
                ctx,
                &format!(
                    "person {} is now {} <{}>",
                    person.id, person.name, person.email
                ),
                serde_json::json!({ "id": person.id, "email": person.email, "name": person.name }),
            );
        }
        PersonCommand::Disable { email, operator } => {
            set_disabled(ctx, engine, &email, &operator, true).await?;
        }
        PersonCommand::Enable { email, operator } => {
            set_disabled(ctx, engine, &email, &operator, false).await?;
        }
        PersonCommand::Erase { email, operator } => {
            if operator.reason.trim().is_empty() {
                anyhow::bail!(
                    "--reason is required to erase a person: say which request it answers (it goes to the admin log)"
                );
            }
            let person = engine
                .erase_person(
                    &email,
                    &operator_name(&operator)?,
                    &operator.reason,
                    ctx.now,
                )
                .await?;
            output::done(
                ctx,
                &format!(
                    "person {} erased: now '{}' <{}>; run `gradflow audit verify` to see the log is whole",
                    person.id, person.name, person.email
                ),
                serde_json::json!({ "id": person.id, "erased": true }),
            );
        }
        PersonCommand::Log { person } => {
            let entries = engine.admin_log(person.as_deref()).await?;
            if ctx.json {
                output::json(&entries);
            } else if entries.is_empty() {
                say!("the admin log is empty");
            } else {
                for e in entries {
                    let whom = match (e.person, e.project) {
                        (Some(p), _) => format!("person {p}"),
                        (None, Some(p)) => format!("project {p}"),
                        (None, None) => "-".to_owned(),
                    };
                    say!(
                        "{}  {:<10} {:<14} by {}  {}  {}",
                        e.at.strftime("%Y-%m-%d %H:%M:%S"),
                        e.action,
                        whom,
                        e.operator,
                        e.reason,
                        e.detail
                    );
                }
            }
        }
        _ => unreachable!("other person commands are the directory's"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(
    ctx: &Ctx,
    engine: &Engine,
    email: &str,
    operator: &OperatorArgs,
    disable: bool,
) -> anyhow::Result<()> {
    let person = engine
        .set_person_disabled(
            email,
            disable,
            &operator_name(operator)?,
            &operator.reason,
            ctx.now,
        )
        .await?;
    let text = if disable {
        "disabled: no sign-in, sessions ended, no mail sent; roles kept"
    } else {
        "enabled: they may sign in and get mail again"
    };
    output::done(
        ctx,
        &format!("{} {text}", person.email),
        serde_json::json!({ "id": person.id, "disabled": disable }),
    );
    Ok(())
}

/// Who the admin log names: `--as EMAIL` (checked like any email), else
/// the OS user.
fn operator_name(operator: &OperatorArgs) -> anyhow::Result<String> {
    match &operator.by {
        Some(email) => Ok(gradflow_engine::service::input::email(email)
            .with_context(|| format!("--as {email}"))?),
        None => Ok(format!(
            "os:{}",
            std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "unknown".to_owned())
        )),
    }
}

/// How often the worker sweeps for retention.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// The worker's retention: off unless a `--retain-*` period is given; then
/// a sweep at start and once an hour.
pub struct Sweeper {
    retention: Retention,
    files: PathBuf,
    last: Option<Instant>,
}

impl Sweeper {
    /// From the worker's options; `db` gives the files folder's default.
    pub fn new(args: &RetentionArgs, db: &str) -> Sweeper {
        let days = |d: Option<u32>| d.map(|d| SignedDuration::from_hours(24 * i64::from(d)));
        Sweeper {
            retention: Retention {
                sent_mail: days(args.retain_sent_mail),
                evidence: days(args.retain_evidence),
                closed_projects: days(args.retain_closed_projects),
            },
            files: args
                .files
                .clone()
                .unwrap_or_else(|| super::serve::beside(db, "files")),
            last: None,
        }
    }

    fn enabled(&self) -> bool {
        let r = &self.retention;
        r.sent_mail.is_some() || r.evidence.is_some() || r.closed_projects.is_some()
    }

    /// Sweeps when retention is on and the last sweep is an hour old. A
    /// failure is reported and retried next time: it never stops the mail.
    pub async fn maybe_run(&mut self, engine: &Engine, now: Timestamp) {
        if !self.enabled() || self.last.is_some_and(|l| l.elapsed() < SWEEP_EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        match self.sweep(engine, now).await {
            Ok(r) => {
                if r.mail_bodies > 0 || r.evidence_files > 0 || !r.projects_purged.is_empty() {
                    say!(
                        "worker: retention removed {} mail bod(ies), {} evidence file(s), purged {} project(s)",
                        r.mail_bodies,
                        r.evidence_files,
                        r.projects_purged.len()
                    );
                }
            }
            Err(e) => eprintln!("worker: retention failed (tried again in an hour): {e:#}"),
        }
    }

    async fn sweep(&self, engine: &Engine, now: Timestamp) -> anyhow::Result<RetentionReport> {
        let report = engine
            .apply_retention(&self.retention, "worker", now)
            .await?;
        for sha in &report.files_to_remove {
            // Names are SHA-256 hex from the database; nothing else is joined.
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let path = self.files.join(sha);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
        }
        Ok(report)
    }
}
