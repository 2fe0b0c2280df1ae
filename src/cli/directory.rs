//! `gradflow person|program|cohort ...`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::{Context, bail};
use gradflow_engine::service::NewCohort;

use super::args::{CohortCommand, NewCohortArgs, PersonCommand, ProgramCommand};
use super::output::say;
use super::{Ctx, output};

pub async fn person(ctx: &Ctx, command: PersonCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        PersonCommand::Add {
            email,
            name,
            org,
            supervisor,
        } => {
            let mut person = engine.add_person(&email, &name, &org, ctx.now).await?;
            if supervisor {
                person = engine.set_supervisor(&person.email, true).await?;
            }
            if ctx.json {
                output::json(&person);
            } else {
                say!(
                    "registered {} <{}> (id {})",
                    person.name,
                    person.email,
                    person.id
                );
            }
        }
        PersonCommand::Digest { email, choice } => {
            let person = engine.set_digest(&email, choice == "on").await?;
            output::done(
                ctx,
                &format!(
                    "{} takes reminders {}",
                    person.email,
                    if person.digest {
                        "as one digest"
                    } else {
                        "one email each"
                    }
                ),
                serde_json::json!({ "email": person.email, "digest": person.digest }),
            );
        }
        PersonCommand::Supervisor { email, choice } => {
            let person = engine.set_supervisor(&email, choice == "on").await?;
            output::done(
                ctx,
                &format!(
                    "{} {}",
                    person.email,
                    if person.supervisor {
                        "is a supervisor: may nominate and endorse people of their organization"
                    } else {
                        "is no longer a supervisor"
                    }
                ),
                serde_json::json!({ "email": person.email, "supervisor": person.supervisor }),
            );
        }
        PersonCommand::Language { email, language } => {
            let (person, language) = engine.set_person_language(&email, &language).await?;
            output::done(
                ctx,
                &format!("{} reads pages and mail in '{language}'", person.email),
                serde_json::json!({ "email": person.email, "language": language }),
            );
        }
        command @ (PersonCommand::Export { .. }
        | PersonCommand::Correct { .. }
        | PersonCommand::Disable { .. }
        | PersonCommand::Enable { .. }
        | PersonCommand::Erase { .. }
        | PersonCommand::Log { .. }) => {
            return super::people::run(ctx, &engine, command).await;
        }
        PersonCommand::List => {
            let people = engine.people().await?;
            if ctx.json {
                output::json(&people);
            } else {
                for p in people {
                    say!("{:<36} {:<28} {}", p.email, p.name, p.organization);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn program(ctx: &Ctx, command: ProgramCommand) -> anyhow::Result<ExitCode> {
    let (key, title, workflow) = match command {
        ProgramCommand::Create {
            key,
            title,
            workflow,
        } => (key, title, workflow),
        ProgramCommand::Endorsement { key, choice } => {
            let engine = ctx.engine().await?;
            let program = engine.set_endorsement(&key, choice == "on").await?;
            output::done(
                ctx,
                &format!(
                    "requests to join {}'s cohorts {}",
                    program.key,
                    if program.endorsement {
                        "need the named supervisor's endorsement"
                    } else {
                        "need no endorsement"
                    }
                ),
                serde_json::json!({ "program": program.key, "endorsement": program.endorsement }),
            );
            return Ok(ExitCode::SUCCESS);
        }
        ProgramCommand::Certify(args) => return super::certificate::certify(ctx, *args).await,
    };
    let engine = ctx.engine().await?;
    let program = engine
        .create_program(&key, &title, &workflow, ctx.now)
        .await?;
    if ctx.json {
        output::json(&program);
    } else {
        say!(
            "created program {} running workflow {}",
            program.key,
            program.workflow_key
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn cohort(ctx: &Ctx, command: CohortCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        CohortCommand::Create(args) => {
            let cohort = engine.create_cohort(new_cohort(args)?, ctx.now).await?;
            if ctx.json {
                output::json(&cohort);
            } else {
                say!(
                    "created cohort '{}' ({}, weekend {}, up to {} projects)",
                    cohort.name,
                    cohort.time_zone,
                    cohort.weekend,
                    cohort.capacity
                );
            }
        }
        CohortCommand::Pin(args) => return super::versions::pin(ctx, args).await,
        CohortCommand::Intake(command) => return super::intake::intake(ctx, command).await,
        CohortCommand::Dates(args) => return super::dates::dates(ctx, &engine, args).await,
        CohortCommand::Show { name } => {
            let cohort = engine.cohort(&name).await?;
            let members = engine.cohort_members(&cohort).await?;
            let projects = engine.projects(Some(&cohort)).await?;
            let pins = engine.cohort_pins(&cohort).await?;
            if ctx.json {
                let members: Vec<_> = members
                    .iter()
                    .map(|(role, email)| serde_json::json!({ "role": role, "email": email }))
                    .collect();
                output::json(
                    &serde_json::json!({ "cohort": cohort, "members": members, "projects": projects, "pins": pins }),
                );
            } else {
                say!(
                    "Cohort '{}' — {} — weekend {} — mail {} — {} of {} places taken",
                    cohort.name,
                    cohort.time_zone,
                    cohort.weekend,
                    cohort.mail_hours,
                    cohort.taken,
                    cohort.capacity
                );
                super::versions::say_pins(&cohort, &pins);
                for (name, date) in &cohort.dates {
                    say!("  {name:<22} {date}");
                }
                if !cohort.holidays.is_empty() {
                    let days: Vec<String> = cohort.holidays.iter().map(|d| d.to_string()).collect();
                    say!("  {:<22} {}", "holidays", days.join(", "));
                }
                for (role, email) in &members {
                    say!("  {role:<22} {email}");
                }
                let zone = jiff::tz::TimeZone::get(&cohort.time_zone)?;
                for p in projects {
                    let late = p
                        .overdue_since
                        .map(|at| {
                            format!(
                                "  [overdue since {}]",
                                at.to_zoned_datetime(zone.clone())
                                    .strftime("%Y-%m-%d %H:%M")
                            )
                        })
                        .unwrap_or_default();
                    say!(
                        "  #{:<5} {:<18} v{:<3} {}{late}",
                        p.id,
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

/// The cohort the options describe; a date named twice is refused.
fn new_cohort(args: NewCohortArgs) -> anyhow::Result<NewCohort> {
    let mut dates = BTreeMap::new();
    for pair in &args.dates {
        let Some((name, date)) = pair.split_once('=') else {
            bail!("--date {pair}: write NAME=YYYY-MM-DD");
        };
        let date = date
            .trim()
            .parse()
            .with_context(|| format!("--date {pair}: '{date}' is not a date (YYYY-MM-DD)"))?;
        if dates.insert(name.trim().to_owned(), date).is_some() {
            bail!("--date {}: this date is given twice", name.trim());
        }
    }
    Ok(NewCohort {
        program: args.program,
        name: args.name,
        time_zone: args.time_zone,
        dates,
        holidays: args.holidays.into_iter().collect::<BTreeSet<_>>(),
        weekend: args.weekend,
        mail_hours: args.mail_hours,
        capacity: args.capacity,
        coordinators: args.coordinators,
    })
}
