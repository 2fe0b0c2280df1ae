//! `gradflow person|program|cohort ...`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::{Context, bail};
use gradflow_engine::store::NewCohort;

use super::args::{CohortCommand, PersonCommand, ProgramCommand};
use super::{Ctx, output};

pub async fn person(ctx: &Ctx, command: PersonCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        PersonCommand::Add { email, name, org } => {
            let person = engine
                .store()
                .add_person(&email, &name, &org, ctx.now)
                .await?;
            if ctx.json {
                output::json(&person);
            } else {
                println!(
                    "registered {} <{}> (id {})",
                    person.name, person.email, person.id
                );
            }
        }
        PersonCommand::List => {
            let people = engine.store().people().await?;
            if ctx.json {
                output::json(&people);
            } else {
                for p in people {
                    println!("{:<36} {:<28} {}", p.email, p.name, p.organization);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn program(ctx: &Ctx, command: ProgramCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    let ProgramCommand::Create {
        key,
        title,
        workflow,
    } = command;
    let program = engine
        .store()
        .create_program(&key, &title, &workflow, ctx.now)
        .await?;
    if ctx.json {
        output::json(&program);
    } else {
        println!(
            "created program {} running workflow {}",
            program.key, program.workflow_key
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn cohort(ctx: &Ctx, command: CohortCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        CohortCommand::Create(args) => {
            let mut dates = BTreeMap::new();
            for pair in &args.dates {
                let Some((name, date)) = pair.split_once('=') else {
                    bail!("--date {pair}: write NAME=YYYY-MM-DD");
                };
                let date = date.trim().parse().with_context(|| {
                    format!("--date {pair}: '{date}' is not a date (YYYY-MM-DD)")
                })?;
                dates.insert(name.trim().to_owned(), date);
            }
            let mut coordinators = Vec::new();
            for email in &args.coordinators {
                coordinators.push(engine.store().person(email).await?);
            }
            let new = NewCohort {
                program: args.program,
                name: args.name,
                time_zone: args.time_zone,
                dates,
                holidays: args.holidays.into_iter().collect::<BTreeSet<_>>(),
                capacity: args.capacity,
            };
            let cohort = engine.store().create_cohort(&new, ctx.now).await?;
            for person in &coordinators {
                engine
                    .store()
                    .add_cohort_member(cohort.id, person.id, "coordinator")
                    .await?;
            }
            if ctx.json {
                output::json(&cohort);
            } else {
                println!(
                    "created cohort '{}' ({}, up to {} projects)",
                    cohort.name, cohort.time_zone, cohort.capacity
                );
            }
        }
        CohortCommand::Show { name } => {
            let cohort = engine.store().cohort(&name).await?;
            let projects = engine.store().projects(Some(cohort.id)).await?;
            if ctx.json {
                output::json(&serde_json::json!({ "cohort": cohort, "projects": projects }));
            } else {
                println!(
                    "Cohort '{}' — {} — {} of {} places taken",
                    cohort.name,
                    cohort.time_zone,
                    projects.len(),
                    cohort.capacity
                );
                for (name, date) in &cohort.dates {
                    println!("  {name:<22} {date}");
                }
                for p in projects {
                    println!(
                        "  #{:<5} {:<18} v{:<3} {}",
                        p.id, p.stage, p.version, p.title
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
