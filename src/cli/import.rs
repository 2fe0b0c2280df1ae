//! `gradflow import --cohort C FILE [--dry-run]`, `gradflow import
//! --template`, `gradflow export --cohort C` (or `import --export`): a
//! cohort's people loaded from a spreadsheet, all or nothing, and written
//! back in the same columns (docs/OPERATIONS.md, "Import").

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gradflow_engine::service::import::{
    self, ImportAnswer, Imported, MAX_BYTES, MAX_ROWS, PersonEffect, Refusal, RoleEffect,
};

use super::output::say;
use super::{Ctx, output};

/// `gradflow import`.
#[derive(Debug, clap::Args)]
#[command(after_help = format!(
    "The file is a CSV (UTF-8, with or without a byte-order mark; quoted cells as spreadsheets write them) \
     whose first line names its columns: email, name, organization, language, role, supervisor, title \
     (email, name and role required). role: trainee, supervisor, evaluator, chair or coordinator \
     (several separated by ;). A trainee names their supervisor's email and their project's title. \
     Limits: at most {} MiB and {} rows; a cell starting with =, +, -, @ is refused as a formula. \
     Every row is checked first; nothing changes unless every row is good. Exit 0: imported (or, \
     with --dry-run, it would be); 1: refused, with every bad row and why.",
    MAX_BYTES / (1024 * 1024),
    MAX_ROWS
))]
pub struct ImportArgs {
    /// The cohort to load people into (its name).
    #[arg(long, required_unless_present = "template")]
    pub cohort: Option<String>,
    /// The CSV file ("-": standard input).
    #[arg(required_unless_present_any = ["template", "export"], conflicts_with_all = ["template", "export"])]
    pub file: Option<PathBuf>,
    /// Check everything and say what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the template CSV (the columns and an example row of each role) and stop.
    #[arg(long, conflicts_with_all = ["export", "dry_run"])]
    pub template: bool,
    /// Print the cohort's people in the import's columns (as `gradflow export`).
    #[arg(long, conflicts_with = "dry_run")]
    pub export: bool,
}

/// `gradflow export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The cohort whose people to write (its name).
    #[arg(long)]
    pub cohort: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn import(ctx: &Ctx, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    if args.template {
        write_out(None, import::TEMPLATE.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let cohort = args.cohort.as_deref().unwrap_or_default();
    if args.export {
        let engine = ctx.engine().await?;
        write_out(None, &engine.export_people(cohort).await?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let path = args.file.as_deref().unwrap_or(std::path::Path::new("-"));
    let read = if path == std::path::Path::new("-") {
        import::read_limited(std::io::stdin().lock())
    } else {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // A file over the limit is refused before a byte of it is read.
        if file.metadata().is_ok_and(|m| m.len() > MAX_BYTES) {
            Ok(Err(import::too_large()))
        } else {
            import::read_limited(file)
        }
    }
    .with_context(|| format!("cannot read {}", path.display()))?;
    let answer = match read {
        Ok(bytes) => {
            let engine = ctx.engine().await?;
            engine
                .import_people(cohort, &bytes, args.dry_run, ctx.now)
                .await?
        }
        Err(refusal) => ImportAnswer::Refused(refusal),
    };
    if ctx.json {
        output::json(&answer);
    }
    match answer {
        ImportAnswer::Done(done) => {
            if !ctx.json {
                print_done(&done);
            }
            Ok(ExitCode::SUCCESS)
        }
        ImportAnswer::Refused(refusal) => {
            if !ctx.json {
                print_refused(&path.display().to_string(), &refusal);
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn export(ctx: &Ctx, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    let bytes = engine.export_people(&args.cohort).await?;
    write_out(args.output.as_deref(), &bytes)?;
    Ok(ExitCode::SUCCESS)
}

fn write_out(path: Option<&std::path::Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
    }
}

fn print_done(done: &Imported) {
    say!(
        "{}: {} {} people (created {}, matched {}), projects started {}, supervisors marked {}, added to the committee pool {}, coordinators added {}",
        output::clean(&done.cohort),
        if done.dry_run {
            "dry run, nothing changed; the import would load"
        } else {
            "imported"
        },
        done.rows.len(),
        done.created,
        done.matched,
        done.started,
        done.supervisors,
        done.pooled,
        done.coordinators,
    );
    for row in &done.rows {
        let person = match row.person {
            PersonEffect::Created => "new person",
            PersonEffect::Matched => "registered",
        };
        let effects: Vec<String> = row
            .roles
            .iter()
            .map(|(role, effect)| {
                let what = match effect {
                    RoleEffect::ProjectStarted => "project started",
                    RoleEffect::HasProject => "has a project already: unchanged",
                    RoleEffect::SupervisorMarked => "marked a supervisor",
                    RoleEffect::Supervisor => "a supervisor already",
                    RoleEffect::PoolAdded => "added to the committee pool",
                    RoleEffect::InPool => "in the committee pool already",
                    RoleEffect::CoordinatorAdded => "made a coordinator",
                    RoleEffect::Coordinator => "a coordinator already",
                };
                format!("{}: {what}", role.key())
            })
            .collect();
        say!(
            "line {:<6} {:<36} {person}; {}",
            row.line,
            output::clean(&row.email),
            effects.join("; ")
        );
    }
}

fn print_refused(file: &str, refusal: &Refusal) {
    eprintln!(
        "{}: refused, nothing was changed: {} problem(s){}",
        output::clean(file),
        refusal.total,
        if refusal.total > refusal.problems.len() {
            format!(" (the first {} listed)", refusal.problems.len())
        } else {
            String::new()
        }
    );
    for problem in &refusal.problems {
        let words = gradflow_words::reason("en", &problem.reason, None);
        match problem.line {
            Some(line) => eprintln!("{}:{line}: {}", output::clean(file), output::clean(&words)),
            None => eprintln!("{}: {}", output::clean(file), output::clean(&words)),
        }
    }
}
