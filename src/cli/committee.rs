//! `gradflow committee pool|conflict|conflicts|assign|reassign`: a cohort's
//! committee pool and its chair, declared conflicts, and assigning
//! evaluators by the engine's rules (docs/OPERATIONS.md, "Committees").

use std::process::ExitCode;

use super::args::{CommitteeCommand, PoolCommand};
use super::output::say;
use super::{Ctx, output};

pub async fn run(ctx: &Ctx, command: CommitteeCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        CommitteeCommand::Pool(PoolCommand::Add {
            cohort,
            email,
            chair,
        }) => {
            engine.pool_add(&cohort, &email, chair, ctx.now).await?;
            let what = if chair { "chair of" } else { "in" };
            output::done(
                ctx,
                &format!("{email} is {what} the committee pool of {cohort}"),
                serde_json::json!({ "cohort": cohort, "email": email, "chair": chair }),
            );
        }
        CommitteeCommand::Pool(PoolCommand::Remove { cohort, email }) => {
            engine.pool_remove(&cohort, &email).await?;
            output::done(
                ctx,
                &format!(
                    "{email} left the committee pool of {cohort} (their assignments stay; reassign them)"
                ),
                serde_json::json!({ "cohort": cohort, "removed": email }),
            );
        }
        CommitteeCommand::Pool(PoolCommand::List { cohort, role }) => {
            let pool = engine.pool(&cohort, &role).await?;
            if ctx.json {
                output::json(&pool);
            } else if pool.is_empty() {
                say!("the cohort {cohort} has no committee pool");
            } else {
                for m in pool {
                    say!(
                        "{:<32} {:<24} load {:<3}{}",
                        output::clean(&m.member.email),
                        output::clean(&m.member.organization),
                        m.load,
                        if m.member.chair { " chair" } else { "" }
                    );
                }
            }
        }
        CommitteeCommand::Conflict {
            person,
            trainee,
            organization,
            reason,
            by,
        } => {
            let id = engine
                .declare_conflict(
                    &person,
                    trainee.as_deref(),
                    organization.as_deref(),
                    &reason,
                    by.as_deref(),
                    ctx.now,
                )
                .await?;
            let with = trainee.clone().or(organization.clone()).unwrap_or_default();
            output::done(
                ctx,
                &format!("conflict {id} recorded: {person} will not evaluate projects of {with}"),
                serde_json::json!({ "id": id }),
            );
        }
        CommitteeCommand::Conflicts { cohort } => {
            let conflicts = engine.conflicts(cohort.as_deref()).await?;
            if ctx.json {
                output::json(&conflicts);
            } else if conflicts.is_empty() {
                say!("no declared conflicts");
            } else {
                for c in conflicts {
                    let with = c
                        .trainee_email
                        .clone()
                        .or(c.organization.clone().map(|o| format!("organization {o}")))
                        .unwrap_or_default();
                    say!(
                        "#{:<5} {} with {} — \"{}\" (recorded by {} at {})",
                        c.id,
                        output::clean(&c.email),
                        output::clean(&with),
                        output::clean(&c.reason),
                        output::clean(&c.declared_by),
                        c.declared_at
                    );
                }
            }
        }
        CommitteeCommand::Assign { cohort, by } => {
            let done = engine
                .assign_cohort(&cohort, by.as_deref(), ctx.now)
                .await?;
            if ctx.json {
                output::json(&done);
            } else {
                for (project, people) in &done.assigned {
                    say!("project {project}: {} evaluator(s) assigned", people.len());
                }
                say!(
                    "{} project(s) given evaluators; {} already had all of theirs",
                    done.assigned.len(),
                    done.complete
                );
            }
        }
        CommitteeCommand::Reassign {
            project,
            evaluator,
            by,
        } => {
            let outcome = engine
                .reassign(project, &evaluator, by.as_deref(), ctx.now)
                .await?;
            if ctx.json {
                output::json(&outcome);
            } else {
                say!("{evaluator} was replaced on project {project}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
