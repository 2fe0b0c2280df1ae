//! `gradflow project start|assign|act|show|list`.

use std::process::ExitCode;

use anyhow::bail;
use gradflow_engine::decide::{Change, Fields, MilestoneStatus, RESCORE_ACTION};
use gradflow_engine::service::{Engine, Error as ServiceError, Outcome, Request};
use jiff::Timestamp;

use super::args::{ActArgs, ProjectCommand};
use super::output::say;
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
        ProjectCommand::Assign { id, member, by } => {
            let (role, email) = role_and_email(&member)?;
            let outcome = engine
                .assign(id, by.as_deref(), &email, &role, ctx.now)
                .await?;
            report(
                ctx,
                &outcome,
                &format!(
                    "{email} is now {role} on project {id} (version {})",
                    outcome.version
                ),
            );
        }
        ProjectCommand::Act(args) => return act(ctx, &engine, args).await,
        ProjectCommand::Extend(args) => return super::dates::extend(ctx, &engine, args).await,
        ProjectCommand::Withdraw(args) => return super::places::withdraw(ctx, &engine, args).await,
        ProjectCommand::Show { id } => show(ctx, &engine, id).await?,
        ProjectCommand::List { cohort } => {
            let cohort = match cohort {
                Some(name) => Some(engine.cohort(&name).await?),
                None => None,
            };
            let projects = engine.projects(cohort.as_ref()).await?;
            if ctx.json {
                output::json(&projects);
            } else {
                for p in projects {
                    say!(
                        "#{:<5} {:<20} {:<18} v{:<3} {}",
                        p.id,
                        p.cohort,
                        p.stage,
                        p.version,
                        p.title
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
        let key = key.trim();
        if fields.contains_key(key) {
            bail!(
                "field {} is given twice (in --field or in the answers file); give each answer once",
                output::clean(key)
            );
        }
        fields.insert(key.to_owned(), serde_json::Value::String(value.to_owned()));
    }
    // `ask-rescore` names evaluators; an operator gives their emails, the
    // engine takes person ids (an unknown email is left for it to refuse).
    if args.action == RESCORE_ACTION
        && let Some(serde_json::Value::String(named)) = fields.get("evaluators")
    {
        let mut ids = Vec::new();
        for name in named.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            ids.push(match engine.person(name).await {
                Ok(person) if name.contains('@') => person.id.to_string(),
                _ => name.to_owned(),
            });
        }
        fields.insert(
            "evaluators".into(),
            serde_json::Value::String(ids.join(",")),
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
        // Said (or given as JSON, code and arguments) where every error is.
        Err(e @ ServiceError::Rejected(..)) => Err(anyhow::Error::new(e).context("refused")),
        Err(e) => Err(e.into()),
    }
}

/// Reads a JSON or YAML answers file: at most [`MAX_FIELDS_FILE`] bytes,
/// UTF-8, a mapping with no key given twice. One parser serves both formats
/// (JSON is YAML), so both follow the same rules and errors give line and column.
fn read_fields(path: &std::path::Path) -> anyhow::Result<Fields> {
    let text = gradflow_engine::definition::read_text(path, MAX_FIELDS_FILE)?;
    let value: serde_json::Value =
        serde_saphyr::from_str_with_options(&text, gradflow_engine::definition::yaml_options())
            .map_err(|e| answers_file_error(path, &e))?;
    match value {
        serde_json::Value::Object(map) => Ok(map),
        _ => bail!(
            "{} must hold a mapping of field names to values",
            path.display()
        ),
    }
}

/// The YAML reader's complaint about an answers file, in our words where
/// we have them (a key given twice), with its line and column.
fn answers_file_error(path: &std::path::Path, error: &serde_saphyr::Error) -> anyhow::Error {
    let full = error.without_snippet().to_string();
    let place = error
        .location()
        .map(|at| format!(":{}:{}", at.line(), at.column()))
        .unwrap_or_default();
    if let Some(rest) = full.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return anyhow::anyhow!(
            "{}{place}: field {} is given twice; give each answer once",
            path.display(),
            output::clean(key)
        );
    }
    let message = full.split(" at line ").next().unwrap_or(&full).trim();
    anyhow::anyhow!(
        "{}{place}: not a valid JSON or YAML answers file: {}",
        path.display(),
        output::clean(message)
    )
}

fn report(ctx: &Ctx, outcome: &Outcome, text: &str) {
    if ctx.json {
        output::json(outcome);
    } else {
        say!("{text}");
    }
}

async fn show(ctx: &Ctx, engine: &Engine, id: i64) -> anyhow::Result<()> {
    let view = engine.view(id).await?;
    let events = engine.history(id).await?;
    let timers = engine.pending_timers(id).await?;
    let outbox = engine.messages(id).await?;
    let cohort = engine.cohort_by_id(view.record.cohort_id).await?;
    let mut people = Vec::new();
    let mut emails = std::collections::HashMap::new();
    for m in &view.record.members {
        let email = engine.person_by_id(m.person).await?.email;
        emails.insert(m.person, email.clone());
        people.push((m.role.clone(), email));
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
            "overdue_since": state.overdue_since,
            "members": people.iter().map(|(r, e)| serde_json::json!({ "role": r, "email": e })).collect::<Vec<_>>(),
            "milestones": state.milestones,
            "possible": view.possible,
            "timers": timers.iter().map(|(k, kind, at)| serde_json::json!({ "key": k, "kind": kind, "at": at })).collect::<Vec<_>>(),
            "outbox": outbox.iter().map(|(t, to, s)| serde_json::json!({ "template": t, "to": to, "state": s })).collect::<Vec<_>>(),
            "history": events,
        }));
        return Ok(());
    }
    let zone = jiff::tz::TimeZone::get(&cohort.time_zone)?;
    let local = |at: Timestamp| {
        at.to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
    let stage = view.workflow.stage(&state.stage);
    say!("Project {id}: {}", view.record.title);
    say!(
        "  workflow  {} v{} — {}",
        view.workflow.key,
        view.workflow.version,
        view.workflow.title.default_text()
    );
    say!("  cohort    {} ({})", cohort.name, cohort.time_zone);
    say!(
        "  stage     {} [{}], version {}",
        stage.map_or("?", |s| s.title.default_text()),
        state.stage,
        state.version
    );
    if let Some(deadline) = state.deadline {
        say!("  due       {}", local(deadline));
    }
    if let Some(since) = state.overdue_since {
        say!("  OVERDUE   since {}", local(since));
    }
    say!(
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
        say!("  milestones");
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
            say!(
                "    {:<16} {} — {status}{due}",
                m.key,
                m.title.default_text()
            );
        }
    }
    if !state.scorecards.is_empty() {
        say!("  scorecards  {} submitted", state.scorecards.len());
    }
    if view.possible.is_empty() {
        say!("  next      nothing: the project is finished");
    } else {
        say!("  next (action — who may do it)");
        for p in &view.possible {
            let blocked = p
                .blocked
                .as_ref()
                .map(|b| {
                    let b = gradflow_words::reason("en", b, Some(&view.workflow));
                    format!("   [not yet: {b}]")
                })
                .unwrap_or_default();
            let waiting = p
                .waiting_for
                .as_ref()
                .map(|w| {
                    let w = gradflow_words::reason("en", &w.reason(), Some(&view.workflow));
                    format!("   [waiting for {w}]")
                })
                .unwrap_or_default();
            say!(
                "    {:<22} {}{blocked}{waiting}",
                p.action,
                p.by.join(" or ")
            );
        }
    }
    if !timers.is_empty() {
        say!("  timers");
        for (key, kind, at) in &timers {
            say!("    {:<16} {:<14} {}", key, kind, local(*at));
        }
    }
    if !outbox.is_empty() {
        say!("  messages");
        for (template, to, state) in &outbox {
            say!("    {template:<22} to {to:<32} {state}");
        }
    }
    say!("  history");
    for e in &events {
        let who = e.actor.clone().unwrap_or_else(|| "(engine)".into());
        say!(
            "    {:>3}  {}  {:<30} {}",
            e.seq,
            local(e.at),
            who,
            describe(&e.change, &emails)
        );
    }
    Ok(())
}

/// One line for a stored change, in words.
fn describe(change: &Change, emails: &std::collections::HashMap<i64, String>) -> String {
    let said = |comment: &Option<String>| {
        comment
            .as_ref()
            .map(|c| format!(" — \"{}\"", c.escape_default()))
            .unwrap_or_default()
    };
    match change {
        Change::Started { stage, workflow } => format!("started in {stage} ({workflow})"),
        Change::MemberAdded { person, role } => match emails.get(person) {
            Some(email) => format!("{email} became {role}"),
            None => format!("person {person} became {role}"),
        },
        Change::ScoreModerated {
            criterion,
            score,
            reason,
        } => format!(
            "moderated {criterion} to {score} — \"{}\"",
            reason.escape_default()
        ),
        Change::RescoreRequested { evaluators, reason } => {
            let named: Vec<String> = evaluators
                .iter()
                .map(|p| {
                    emails
                        .get(p)
                        .cloned()
                        .unwrap_or_else(|| format!("person {p}"))
                })
                .collect();
            format!(
                "asked {} to score again — \"{}\"",
                named.join(", "),
                reason.escape_default()
            )
        }
        Change::MemberRemoved { person, role } => match emails.get(person) {
            Some(email) => format!("{email} is no longer {role} (replaced)"),
            None => format!("person {person} is no longer {role} (replaced)"),
        },
        Change::Withdrawn { stage, reason } => {
            format!("withdrawn from {stage} — \"{}\"", reason.escape_default())
        }
        Change::CommitteeShort { role, missing } => format!(
            "no committee could be assigned ({missing} {role} missing from the pool); the coordinators were told"
        ),
        Change::EvidenceAdded { name, sha256, size } => format!(
            "added the file \"{}\" ({size} bytes, SHA-256 {sha256})",
            name.escape_default()
        ),
        Change::ActionTaken {
            action,
            stage,
            comment,
            ..
        } => format!("{action} in {stage}{}", said(comment)),
        Change::ApprovalRecorded { action, role } => {
            format!("approval of {action} as {role}; more approvals are needed")
        }
        Change::Moved { from, to } => format!("moved {from} → {to}"),
        Change::Migrated {
            from_version,
            to_version,
            from_stage,
            to_stage,
        } => format!(
            "migrated from workflow version {from_version} ({from_stage}) to version {to_version} ({to_stage})"
        ),
        Change::MilestoneSubmitted { milestone, .. } => format!("submitted milestone {milestone}"),
        Change::MilestoneAccepted { milestone, comment } => {
            format!("accepted milestone {milestone}{}", said(comment))
        }
        Change::MilestoneReturned { milestone, comment } => {
            format!(
                "returned milestone {milestone} — \"{}\"",
                comment.escape_default()
            )
        }
        Change::Scored { scores, comment } => {
            let scores: Vec<String> = scores.iter().map(|(k, v)| format!("{k} {v}")).collect();
            format!("scored {}{}", scores.join(", "), said(comment))
        }
        Change::EffectRequested { effect } => format!("requested {effect}"),
        Change::DeadlinePassed => "the deadline passed".to_owned(),
        Change::MilestoneLate { milestone } => format!("milestone {milestone} is late"),
        Change::Reminded { timer } => format!("sent {timer}"),
        Change::ReminderSkipped { timer } => {
            format!("skipped {timer}: its deadline had passed when it fell due")
        }
        // Part 5 of issue 15.
        Change::Extended {
            stage,
            milestone,
            due,
            reason,
        } => match milestone {
            Some(m) => format!(
                "extended milestone {m} to {due} — \"{}\"",
                reason.escape_default()
            ),
            None => format!(
                "extended the deadline of {stage} to {due} — \"{}\"",
                reason.escape_default()
            ),
        },
        Change::CalendarChanged { reason, .. } => format!(
            "the cohort's dates changed; dates planned again — \"{}\"",
            reason.escape_default()
        ),
    }
}
