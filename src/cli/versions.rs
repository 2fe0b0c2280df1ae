//! `gradflow cohort pin` and `gradflow workflow migrate`: which workflow
//! version a cohort runs, and moving its running projects to another one.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use gradflow_engine::service::{Cohort, CohortPin};

use super::output::say;
use super::{Ctx, output};

/// Largest mapping file read, in bytes.
const MAX_MAP_FILE: u64 = 1 << 20;

/// Options of `cohort pin`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// Cohort name.
    pub name: String,
    /// The version of the cohort's workflow its future projects start on.
    #[arg(long, value_name = "N")]
    pub version: u32,
    /// The workflow key, checked against the cohort's (a cohort never
    /// changes workflow).
    #[arg(long, value_name = "KEY")]
    pub workflow: Option<String>,
    /// Record the change as made by this coordinator of the cohort
    /// (default: the operator).
    #[arg(long, value_name = "EMAIL")]
    pub by: Option<String>,
}

/// Options of `workflow migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The cohort whose running projects move.
    #[arg(long)]
    pub cohort: String,
    /// The version of its workflow they move to.
    #[arg(long = "to-version", value_name = "N")]
    pub to_version: u32,
    /// Where projects at OLD_STAGE go in the new version (repeat for each
    /// stage; a stage not named goes to the stage of the same key).
    #[arg(long = "map", value_name = "OLD_STAGE=NEW_STAGE")]
    pub map: Vec<String>,
    /// A file of OLD_STAGE=NEW_STAGE lines (blank lines and lines starting
    /// with # are skipped), read besides any --map.
    #[arg(long = "map-file", value_name = "FILE")]
    pub map_file: Option<PathBuf>,
    /// Record the change as made by this coordinator of the cohort
    /// (default: the operator).
    #[arg(long, value_name = "EMAIL")]
    pub by: Option<String>,
    /// Show what would move, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `gradflow cohort pin NAME --version N`.
pub async fn pin(ctx: &Ctx, args: PinArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    let cohort = engine
        .pin_cohort(
            &args.name,
            args.workflow.as_deref(),
            args.version,
            args.by.as_deref(),
            ctx.now,
        )
        .await?;
    output::done(
        ctx,
        &format!(
            "cohort '{}' is pinned to version {}: its new projects start on it (running projects stay where they are; gradflow workflow migrate moves them)",
            cohort.name, cohort.workflow_version
        ),
        serde_json::json!({ "cohort": cohort.name, "workflow_version": cohort.workflow_version }),
    );
    Ok(ExitCode::SUCCESS)
}

/// `gradflow workflow migrate --cohort NAME --to-version N --map A=B ...`.
pub async fn migrate(ctx: &Ctx, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let mapping = mapping(&args)?;
    let engine = ctx.engine().await?;
    let report = engine
        .migrate_cohort(
            &args.cohort,
            args.to_version,
            &mapping,
            args.by.as_deref(),
            args.dry_run,
            ctx.now,
        )
        .await?;
    if ctx.json {
        output::json(&report);
        return Ok(ExitCode::SUCCESS);
    }
    let verb = if report.dry_run {
        "would move"
    } else {
        "moved"
    };
    say!(
        "{verb} {} project(s) of cohort '{}' to {} version {}; {} left as they are (finished, or already on it)",
        report.moved.len(),
        report.cohort,
        report.workflow,
        report.to_version,
        report.left
    );
    for m in &report.moved {
        let mut dropped = Vec::new();
        for (n, what) in [
            (m.approvals_dropped, "approval(s)"),
            (m.milestones_dropped, "milestone step(s)"),
            (m.scorecards_dropped, "scorecard(s)"),
        ] {
            if n > 0 {
                dropped.push(format!("{n} {what}"));
            }
        }
        let dropped = if dropped.is_empty() {
            String::new()
        } else {
            format!(
                "  (starts its stage afresh: {} given there)",
                dropped.join(", ")
            )
        };
        say!(
            "  #{:<5} v{} {} -> v{} {}{dropped}",
            m.project,
            m.from_version,
            m.from_stage,
            report.to_version,
            m.to_stage
        );
    }
    if report.dry_run {
        say!("nothing was changed (--dry-run)");
    } else {
        say!(
            "cohort '{}' is pinned to version {}",
            report.cohort,
            report.to_version
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The stage mapping of `--map` and `--map-file`; a stage mapped twice, or
/// a line that is not OLD=NEW, is refused naming it.
fn mapping(args: &MigrateArgs) -> anyhow::Result<BTreeMap<String, String>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for given in &args.map {
        pairs.push((format!("--map {given}"), given.clone()));
    }
    if let Some(file) = &args.map_file {
        let size = std::fs::metadata(file)
            .with_context(|| format!("cannot read the mapping file {}", file.display()))?
            .len();
        if size > MAX_MAP_FILE {
            bail!(
                "the mapping file {} is {size} bytes; a mapping file holds at most {MAX_MAP_FILE}",
                file.display()
            );
        }
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the mapping file {}", file.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            pairs.push((format!("{}:{}", file.display(), n + 1), line.to_owned()));
        }
    }
    let mut mapping = BTreeMap::new();
    for (place, pair) in pairs {
        let Some((old, new)) = pair.split_once('=') else {
            bail!("{place}: write OLD_STAGE=NEW_STAGE");
        };
        let (old, new) = (old.trim(), new.trim());
        if old.is_empty() || new.is_empty() {
            bail!("{place}: write OLD_STAGE=NEW_STAGE");
        }
        if mapping.insert(old.to_owned(), new.to_owned()).is_some() {
            bail!("{place}: stage {old} is mapped twice");
        }
    }
    Ok(mapping)
}

/// The lines of `cohort show` about the version a cohort runs.
pub fn say_pins(cohort: &Cohort, pins: &[CohortPin]) {
    say!(
        "  {:<22} version {} (new projects start on it)",
        "workflow",
        cohort.workflow_version
    );
    for pin in pins {
        let from = pin
            .previous
            .map(|v| format!(" (was {v})"))
            .unwrap_or_default();
        say!(
            "  {:<22} {} version {}{from} by {} at {}",
            "pinned",
            pin.how,
            pin.version,
            pin.by,
            pin.at.strftime("%Y-%m-%d %H:%M UTC")
        );
    }
}
