//! `gradflow project extend` and `gradflow cohort dates`: extensions for
//! trainees and changes of a cohort's dates or holidays, every affected
//! timer planned again in the same transaction (issue 15, part 5).

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use gradflow_engine::decide::Extending;
use gradflow_engine::service::{CalendarEdit, DatesReport, Engine, Extension};
use jiff::civil::Date;

use super::{Ctx, output};

/// Options of `project extend`.
#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The cohort of the trainees' projects.
    #[arg(long)]
    pub cohort: String,
    /// A trainee (email) whose open project is extended (repeat for several at once).
    #[arg(long = "trainee", value_name = "EMAIL", required = true)]
    pub trainees: Vec<String>,
    /// Extend the deadline of this stage (the one the project is at).
    #[arg(
        long,
        value_name = "STAGE",
        conflicts_with = "milestone",
        required_unless_present = "milestone"
    )]
    pub deadline: Option<String>,
    /// Extend this milestone's due date (a milestone of the current stage).
    #[arg(long, value_name = "MILESTONE")]
    pub milestone: Option<String>,
    /// The new date: the end of this day in the cohort's time zone.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Date,
    /// Why (shown on the project page and kept in its log).
    #[arg(long)]
    pub reason: String,
    /// The coordinator of the cohort who grants it (default: the operator).
    #[arg(long, value_name = "EMAIL")]
    pub by: Option<String>,
}

/// Options of `cohort dates`.
#[derive(Debug, Args)]
pub struct DatesArgs {
    /// Cohort name.
    pub name: String,
    /// A named date to move: NAME=YYYY-MM-DD (repeat).
    #[arg(long = "date", value_name = "NAME=DATE")]
    pub dates: Vec<String>,
    /// A day the institute is closed from now on (repeat).
    #[arg(long = "add-holiday", value_name = "DATE")]
    pub add_holidays: Vec<Date>,
    /// A holiday that is a working day after all (repeat).
    #[arg(long = "remove-holiday", value_name = "DATE")]
    pub remove_holidays: Vec<Date>,
    /// Why (kept in every affected project's log).
    #[arg(long)]
    pub reason: String,
    /// The coordinator of the cohort who changes it (default: the operator).
    #[arg(long, value_name = "EMAIL")]
    pub by: Option<String>,
}

/// `gradflow project extend --cohort C --trainee EMAIL (--deadline STAGE | --milestone KEY) --to DATE --reason TEXT`.
pub async fn extend(ctx: &Ctx, engine: &Engine, args: ExtendArgs) -> anyhow::Result<ExitCode> {
    let extending = match (args.deadline, args.milestone) {
        (Some(stage), None) => Extending::Deadline(stage.trim().to_owned()),
        (None, Some(milestone)) => Extending::Milestone(milestone.trim().to_owned()),
        _ => bail!("give either --deadline STAGE or --milestone KEY"),
    };
    let report = engine
        .extend(
            &Extension {
                cohort: args.cohort,
                trainees: args.trainees,
                extending,
                to: args.to,
                reason: args.reason,
                by: args.by,
            },
            ctx.now,
        )
        .await?;
    said(ctx, "extended", &report);
    Ok(ExitCode::SUCCESS)
}

/// `gradflow cohort dates NAME [--date NAME=DATE] [--add-holiday D] [--remove-holiday D] --reason TEXT`.
pub async fn dates(ctx: &Ctx, engine: &Engine, args: DatesArgs) -> anyhow::Result<ExitCode> {
    let mut edit = CalendarEdit {
        cohort: args.name,
        reason: args.reason,
        by: args.by,
        add_holidays: args.add_holidays.into_iter().collect(),
        remove_holidays: args.remove_holidays.into_iter().collect(),
        ..CalendarEdit::default()
    };
    for pair in &args.dates {
        let (name, date) = pair
            .split_once('=')
            .with_context(|| format!("--date {pair}: write NAME=YYYY-MM-DD"))?;
        let date: Date = date.trim().parse().with_context(|| {
            format!(
                "--date {pair}: '{}' is not a date (YYYY-MM-DD)",
                date.trim()
            )
        })?;
        edit.dates.insert(name.trim().to_owned(), date);
    }
    if edit.dates.is_empty() && edit.add_holidays.is_empty() && edit.remove_holidays.is_empty() {
        bail!("nothing to change: give --date NAME=DATE, --add-holiday or --remove-holiday");
    }
    let report = engine.change_calendar(&edit, ctx.now).await?;
    said(ctx, "planned again", &report);
    Ok(ExitCode::SUCCESS)
}

/// One line per project whose dates were planned again.
fn said(ctx: &Ctx, what: &str, report: &DatesReport) {
    let mut text = format!(
        "cohort '{}': {} project(s) {what}",
        report.cohort,
        report.projects.len()
    );
    if report.left > 0 {
        text.push_str(&format!(
            " ({} finished project(s) left as they are)",
            report.left
        ));
    }
    for p in &report.projects {
        let deadline = p
            .deadline
            .map_or_else(|| "none".to_owned(), |d| d.to_string());
        text.push_str(&format!(
            "\n  project {} at {}: deadline {deadline}, {} timer(s) pending",
            p.project, p.stage, p.timers
        ));
        for (m, due) in &p.milestones {
            if let Some(due) = due {
                text.push_str(&format!("; {m} due {due}"));
            }
        }
    }
    output::done(
        ctx,
        &text,
        serde_json::to_value(report).expect("a report serialises"),
    );
}
