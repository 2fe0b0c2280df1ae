//! `gradflow project start|assign|act|show|list`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use gradflow_engine::decide::{Fields, MilestoneStatus};
use gradflow_engine::service::{Engine, Error as ServiceError, Outcome, Request};
use jiff::Timestamp;

use super::args::{ActArgs, ProjectCommand};
use super::{Ctx, output};

/// Largest fields file accepted.
const MAX_FIELDS_FILE: u64 = 1024 * 1024;

pub async fn run(ctx: &Ctx, command: ProjectCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        ProjectCommand::Start {
            cohort,
            title,
            members,
        } => {
            let members = members
                .iter()
                .map(|m| role_and_email(m).map(|(role, email)| (email, role)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let outcome = engine
                .start_project(&cohort, &title, &members, ctx.now)
                .await?;
            report(
                ctx,
                &outcome,
                &format!(
                    "started project {} in stage {}",
                    outcome.project, outcome.stage
                ),
            );
        }
        ProjectCommand::Assign { id, member } => {
            let (role, email) = role_and_email(&member)?;
            engine.assign(id, &email, &role).await?;
            output::done(
                ctx,
                &format!("{email} is now {role} on project {id}"),
                serde_json::json!({ "project": id, "role": role, "email": email }),
            );
        }
        ProjectCommand::Act(args) => return act(ctx, &engine, args).await,
        ProjectCommand::Show { id } => show(ctx, &engine, id).await?,
        ProjectCommand::List { cohort } => {
            let cohort = match cohort {
                Some(name) => Some(engine.store().cohort(&name).await?.id),
                None => None,
            };
            let projects = engine.store().projects(cohort).await?;
            if ctx.json {
                output::json(&projects);
            } else {
                for p in projects {
                    println!(
                        "#{:<5} {:<20} {:<18} v{:<3} {}",
                        p.id, p.cohort, p.stage, p.version, p.title
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ROLE=EMAIL` into its parts.
fn role_and_email(pair: &str) -> anyhow::Result<(String, String)> {
    match pair.split_once('=') {
        Some((role, email)) if !role.trim().is_empty() && email.contains('@') => {
            Ok((role.trim().to_owned(), email.trim().to_owned()))
        }
        _ => bail!("'{pair}' should be ROLE=EMAIL, e.g. trainee=amal@example.org"),
    }
}

async fn act(ctx: &Ctx, engine: &Engine, args: ActArgs) -> anyhow::Result<ExitCode> {
    let mut fields = match &args.fields_file {
        Some(path) => read_fields(path)?,
        None => Fields::new(),
    };
    for pair in &args.fields {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--field {pair}: write KEY=VALUE");
        };
        fields.insert(
            key.trim().to_owned(),
            serde_json::Value::String(value.to_owned()),
        );
    }
    let request = Request {
        action: args.action.clone(),
        fields,
        comment: args.comment,
        expected_version: args.expect_version,
        idempotency_key: args.idempotency_key,
    };
    match engine.act(args.id, &args.actor, request, ctx.now).await {
        Ok(outcome) => {
            let replay = if outcome.replayed {
                " (already done: this is the first result)"
            } else {
                ""
            };
            report(
                ctx,
                &outcome,
                &format!(
                    "{}: {} — project {} is now at {} (version {}){replay}",
                    args.actor, args.action, outcome.project, outcome.stage, outcome.version
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Rejected(rejection)) => {
            if ctx.json {
                output::json(&serde_json::json!({ "refused": rejection.to_string() }));
            }
            bail!("refused: {rejection}")
        }
        Err(e) => Err(e.into()),
    }
}

fn read_fields(path: &std::path::Path) -> anyhow::Result<Fields> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_FIELDS_FILE {
        bail!(
            "{} is {size} bytes; a fields file may be at most {MAX_FIELDS_FILE} bytes",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?
    } else {
        serde_saphyr::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not valid YAML: {e}", path.display()))?
    };
    match value {
        serde_json::Value::Object(map) => Ok(map),
        _ => bail!(
            "{} must hold a mapping of field names to values",
            path.display()
        ),
    }
}

fn report(ctx: &Ctx, outcome: &Outcome, text: &str) {
    if ctx.json {
        output::json(outcome);
    } else {
        println!("{text}");
    }
}

async fn show(ctx: &Ctx, engine: &Engine, id: i64) -> anyhow::Result<()> {
    let view = engine.view(id).await?;
    let store = engine.store();
    let events = store.events(id).await?;
    let timers = store.pending_timers(id).await?;
    let outbox = store.outbox(id).await?;
    let cohort = store.cohort_by_id(view.record.cohort_id).await?;
    let mut people = Vec::new();
    for m in &view.record.members {
        people.push((m.role.clone(), store.person_by_id(m.person).await?.email));
    }
    let state = &view.record.state;
    if ctx.json {
        output::json(&serde_json::json!({
            "id": id,
            "title": view.record.title,
            "workflow": { "key": view.workflow.key, "version": view.workflow.version },
            "cohort": cohort.name,
            "stage": state.stage,
            "version": state.version,
            "deadline": state.deadline,
            "members": people.iter().map(|(r, e)| serde_json::json!({ "role": r, "email": e })).collect::<Vec<_>>(),
            "milestones": state.milestones,
            "possible": view.possible,
            "timers": timers.iter().map(|(k, kind, at)| serde_json::json!({ "key": k, "kind": kind, "at": at })).collect::<Vec<_>>(),
            "outbox": outbox.iter().map(|(t, to, s)| serde_json::json!({ "template": t, "to": to, "state": s })).collect::<Vec<_>>(),
            "history": events,
        }));
        return Ok(());
    }
    let zone = cohort.calendar()?.zone().clone();
    let local = |at: Timestamp| {
        at.to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
    let stage = view.workflow.stage(&state.stage);
    println!("Project {id}: {}", view.record.title);
    println!(
        "  workflow  {} v{} — {}",
        view.workflow.key, view.workflow.version, view.workflow.title
    );
    println!("  cohort    {} ({})", cohort.name, cohort.time_zone);
    println!(
        "  stage     {} [{}], version {}",
        stage.map_or("?", |s| s.title.as_str()),
        state.stage,
        state.version
    );
    if let Some(deadline) = state.deadline {
        println!("  due       {}", local(deadline));
    }
    println!(
        "  people    {}",
        people
            .iter()
            .map(|(r, e)| format!("{r} {e}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(stage) = stage
        && !stage.milestones.is_empty()
    {
        println!("  milestones");
        for m in &stage.milestones {
            let s = state.milestones.get(&m.key);
            let status = match s.map(|s| s.status) {
                Some(MilestoneStatus::Submitted) => "submitted, waiting for review",
                Some(MilestoneStatus::Accepted) => "accepted",
                Some(MilestoneStatus::Returned) => "returned for changes",
                _ => "not submitted",
            };
            let due = s
                .and_then(|s| s.due)
                .map(|d| format!(", due {}", local(d)))
                .unwrap_or_default();
            println!("    {:<16} {} — {status}{due}", m.key, m.title);
        }
    }
    if !state.scorecards.is_empty() {
        println!("  scorecards  {} submitted", state.scorecards.len());
    }
    if view.possible.is_empty() {
        println!("  next      nothing: the project is finished");
    } else {
        println!("  next (action — who may do it)");
        for p in &view.possible {
            let blocked = p
                .blocked
                .as_ref()
                .map(|b| format!("   [not yet: {b}]"))
                .unwrap_or_default();
            let waiting = p
                .waiting_for
                .as_ref()
                .map(|w| format!("   [waiting for {w}]"))
                .unwrap_or_default();
            println!(
                "    {:<22} {}{blocked}{waiting}",
                p.action,
                p.by.join(" or ")
            );
        }
    }
    if !timers.is_empty() {
        println!("  timers");
        for (key, kind, at) in &timers {
            println!("    {:<16} {:<14} {}", key, kind, local(*at));
        }
    }
    if !outbox.is_empty() {
        println!("  messages");
        for (template, to, state) in &outbox {
            println!("    {template:<22} to {to:<32} {state}");
        }
    }
    println!("  history");
    for e in &events {
        let who = e.actor.clone().unwrap_or_else(|| "(engine)".into());
        println!(
            "    {:>3}  {}  {:<30} {}",
            e.seq,
            local(e.at),
            who,
            describe(&e.change)
        );
    }
    Ok(())
}

/// One line for a stored change.
fn describe(change: &serde_json::Value) -> String {
    let get = |k: &str| change.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let comment = change
        .get("comment")
        .and_then(|v| v.as_str())
        .map(|c| format!(" — \"{c}\""))
        .unwrap_or_default();
    match get("type") {
        "started" => format!("started in {} ({})", get("stage"), get("workflow")),
        "action_taken" => format!("{} in {}{comment}", get("action"), get("stage")),
        "approval_recorded" => format!(
            "approval of {} as {}; waiting for {}",
            get("action"),
            get("role"),
            get("waiting_for")
        ),
        "moved" => format!("moved {} → {}", get("from"), get("to")),
        "milestone_submitted" => format!("submitted milestone {}", get("milestone")),
        "milestone_accepted" => format!("accepted milestone {}{comment}", get("milestone")),
        "milestone_returned" => format!("returned milestone {}{comment}", get("milestone")),
        "scored" => format!(
            "scored {}{comment}",
            change
                .get("scores")
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        "effect_requested" => format!("requested {}", get("effect")),
        other => other.to_owned(),
    }
}
