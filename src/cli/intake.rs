//! `gradflow cohort intake open|close` and `gradflow application ...`:
//! filling a cohort from nominations and requests to join, by the
//! engine's rules (engine/src/service/intake.rs); `--as EMAIL` names who
//! acts, the operator when a command allows leaving it out.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use gradflow_engine::decide::intake::{ApplicationKind, ApplicationState};
use gradflow_engine::service::{
    ApplicationView, By, CandidateQuery, CandidateSort, Changed, Engine, IntakeSettings, Viewer,
};

use super::output::say;
use super::{Ctx, output};

/// `gradflow cohort intake ...`
#[derive(Debug, Subcommand)]
pub enum IntakeCommand {
    /// Open a cohort for nominations and requests to join.
    Open {
        /// Cohort name.
        cohort: String,
        /// Days an offer of a freed place stays open (1 to 90).
        #[arg(long, default_value_t = 7)]
        offer_days: u32,
        /// Who opens it (a coordinator of the cohort); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Close a cohort for nominations and requests (applications made stay).
    Close {
        /// Cohort name.
        cohort: String,
        /// Who closes it (a coordinator of the cohort); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
}

/// `gradflow application ...`
#[derive(Debug, Subcommand)]
pub enum ApplicationCommand {
    /// A supervisor nominates a person of their own organization for an
    /// open cohort, saying why (it waits for a coordinator).
    Nominate {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// The person nominated (email).
        #[arg(long)]
        person: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The supervisor nominating (email).
        #[arg(long = "as", value_name = "EMAIL")]
        by: String,
    },
    /// A person asks to join an open cohort, saying why, naming their
    /// supervisor (needed when the program asks for endorsement).
    Request {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// Their supervisor (email), who endorses the request.
        #[arg(long)]
        supervisor: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The person asking (email).
        #[arg(long = "as", value_name = "EMAIL")]
        by: String,
    },
    /// The supervisor a request names endorses it.
    Endorse {
        /// Application id.
        id: i64,
        /// The supervisor (email).
        #[arg(long = "as", value_name = "EMAIL")]
        by: String,
    },
    /// The supervisor a request names refuses to endorse it, saying why.
    Refuse {
        /// Application id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The supervisor (email).
        #[arg(long = "as", value_name = "EMAIL")]
        by: String,
    },
    /// Accept applications in the order given, each with its project
    /// started (the candidate as trainee, the supervisor as supervisor),
    /// until the cohort is full; the rest are refused as the cohort is full.
    Accept {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// Application ids, in order.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// A coordinator of the cohort (email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Put an application on the cohort's waiting list, at its end.
    Wait {
        /// Application id.
        id: i64,
        /// A coordinator of the cohort (email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Decline an application, saying why.
    Decline {
        /// Application id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// A coordinator of the cohort (email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Withdraw an application before acceptance (a coordinator or the
    /// operator says why; the candidate may); an offered place withdrawn
    /// goes to the next on the waiting list.
    Withdraw {
        /// Application id.
        id: i64,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
        /// The candidate or a coordinator (email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// List a cohort's candidates (coordinators), or with --mine a
    /// person's own applications.
    List(ListArgs),
    /// Show one application.
    Show {
        /// Application id.
        id: i64,
        /// Who looks (email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Print a cohort's log: every intake change, hash-chained.
    Log {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
    },
}

/// Options of `application list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Cohort name (its candidates, for its coordinators).
    #[arg(long, required_unless_present = "mine", conflicts_with = "mine")]
    pub cohort: Option<String>,
    /// The applications of the person named with --as.
    #[arg(long, requires = "by")]
    pub mine: bool,
    /// Only these states (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    pub state: Vec<StateArg>,
    /// Only nominations or only requests.
    #[arg(long)]
    pub kind: Option<KindArg>,
    /// Sort order.
    #[arg(long, default_value = "created")]
    pub sort: SortArg,
    /// Reverse the order.
    #[arg(long)]
    pub desc: bool,
    /// Who looks (email); the operator when omitted.
    #[arg(long = "as", value_name = "EMAIL")]
    pub by: Option<String>,
}

/// An application's state on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateArg {
    /// Waiting for the supervisor's endorsement.
    Submitted,
    /// Waiting for a coordinator.
    Endorsed,
    /// In the cohort.
    Accepted,
    /// On the waiting list.
    Waiting,
    /// Offered a freed place.
    Offered,
    /// Declined.
    Declined,
    /// Withdrawn.
    Withdrawn,
    /// An offer not taken in time.
    Expired,
}

impl From<StateArg> for ApplicationState {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Submitted => ApplicationState::Submitted,
            StateArg::Endorsed => ApplicationState::Endorsed,
            StateArg::Accepted => ApplicationState::Accepted,
            StateArg::Waiting => ApplicationState::Waiting,
            StateArg::Offered => ApplicationState::Offered,
            StateArg::Declined => ApplicationState::Declined,
            StateArg::Withdrawn => ApplicationState::Withdrawn,
            StateArg::Expired => ApplicationState::Expired,
        }
    }
}

/// Nomination or request on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Put forward by a supervisor.
    Nomination,
    /// Asked by the person.
    Request,
}

/// The candidate list's order on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Oldest first.
    Created,
    /// By name.
    Name,
    /// By organization, then name.
    Organization,
    /// By state, then waiting-list position.
    State,
}

/// Runs `gradflow cohort intake ...`.
pub async fn intake(ctx: &Ctx, command: IntakeCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        IntakeCommand::Open {
            cohort,
            offer_days,
            by,
        } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            let opened = engine
                .open_intake(
                    &cohort,
                    IntakeSettings { offer_days },
                    by_of(viewer.as_ref()),
                    ctx.now,
                )
                .await?;
            output::done(
                ctx,
                &format!(
                    "{} is open for applications; an offer of a freed place stays open {} days",
                    output::clean(&opened.name),
                    opened.offer_days
                ),
                serde_json::json!({ "cohort": opened.name, "intake": "open", "offer_days": opened.offer_days }),
            );
        }
        IntakeCommand::Close { cohort, by } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            let closed = engine
                .close_intake(&cohort, by_of(viewer.as_ref()), ctx.now)
                .await?;
            output::done(
                ctx,
                &format!(
                    "{} takes no more applications (those made stay as they are)",
                    output::clean(&closed.name)
                ),
                serde_json::json!({ "cohort": closed.name, "intake": "closed" }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `gradflow application ...`.
pub async fn application(ctx: &Ctx, command: ApplicationCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        ApplicationCommand::Nominate {
            cohort,
            person,
            reason,
            by,
        } => {
            let viewer = engine.acting_as(&by).await?;
            let cohort = engine.cohort(&cohort).await?;
            let changed = engine
                .nominate_as(&viewer, cohort.id, &person, &reason, ctx.now)
                .await?;
            confirm(ctx, &changed);
        }
        ApplicationCommand::Request {
            cohort,
            supervisor,
            reason,
            by,
        } => {
            let viewer = engine.acting_as(&by).await?;
            let cohort = engine.cohort(&cohort).await?;
            let changed = engine
                .request_as(&viewer, cohort.id, supervisor.as_deref(), &reason, ctx.now)
                .await?;
            confirm(ctx, &changed);
        }
        ApplicationCommand::Endorse { id, by } => {
            let viewer = engine.acting_as(&by).await?;
            confirm(ctx, &engine.endorse_as(&viewer, id, ctx.now).await?);
        }
        ApplicationCommand::Refuse { id, reason, by } => {
            let viewer = engine.acting_as(&by).await?;
            confirm(
                ctx,
                &engine
                    .refuse_endorsement_as(&viewer, id, &reason, ctx.now)
                    .await?,
            );
        }
        ApplicationCommand::Accept { cohort, ids, by } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            let cohort = engine.cohort(&cohort).await?;
            let results = engine
                .accept_as(by_of(viewer.as_ref()), cohort.id, &ids, ctx.now)
                .await?;
            return accepted(ctx, &ids, results);
        }
        ApplicationCommand::Wait { id, by } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            confirm(
                ctx,
                &engine
                    .wait_list_as(by_of(viewer.as_ref()), id, ctx.now)
                    .await?,
            );
        }
        ApplicationCommand::Decline { id, reason, by } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            confirm(
                ctx,
                &engine
                    .decline_as(by_of(viewer.as_ref()), id, &reason, ctx.now)
                    .await?,
            );
        }
        ApplicationCommand::Withdraw { id, reason, by } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            confirm(
                ctx,
                &engine
                    .withdraw_application_as(by_of(viewer.as_ref()), id, &reason, ctx.now)
                    .await?,
            );
        }
        ApplicationCommand::List(args) => list(ctx, &engine, args).await?,
        ApplicationCommand::Show { id, by } => {
            let viewer = acting(&engine, by.as_deref()).await?;
            let view = engine.application_as(by_of(viewer.as_ref()), id).await?;
            if ctx.json {
                output::json(&view);
            } else {
                say!("{}", line(&view));
                say!("  why: {}", output::clean(&view.reason));
                if let Some(note) = &view.note {
                    say!("  said with the last change: {}", output::clean(note));
                }
                say!("  next: {}", next(&view));
            }
        }
        ApplicationCommand::Log { cohort } => {
            let log = engine.cohort_log(&cohort).await?;
            if ctx.json {
                output::json(&log);
            } else {
                for e in log {
                    say!(
                        "{:>4} {:<20} {} {}",
                        e.seq,
                        e.kind,
                        jiff::Timestamp::from_microsecond(e.at)
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        output::clean(&e.data)
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(ctx: &Ctx, engine: &Engine, args: ListArgs) -> anyhow::Result<()> {
    let viewer = acting(engine, args.by.as_deref()).await?;
    let views = if args.mine {
        let viewer = viewer.expect("--mine requires --as");
        engine.applications_of(&viewer).await?
    } else {
        let name = args.cohort.expect("--cohort unless --mine");
        let cohort = engine.cohort(&name).await?;
        let query = CandidateQuery {
            sort: match args.sort {
                SortArg::Created => CandidateSort::Created,
                SortArg::Name => CandidateSort::Name,
                SortArg::Organization => CandidateSort::Organization,
                SortArg::State => CandidateSort::State,
            },
            descending: args.desc,
            states: args.state.into_iter().map(Into::into).collect(),
            kind: args.kind.map(|k| match k {
                KindArg::Nomination => ApplicationKind::Nomination,
                KindArg::Request => ApplicationKind::Request,
            }),
        };
        let candidates = engine
            .candidates_as(by_of(viewer.as_ref()), cohort.id, &query)
            .await?;
        if !ctx.json {
            say!(
                "{}: {} of {} places taken, {} left; {}",
                output::clean(&candidates.cohort.name),
                candidates.cohort.taken,
                candidates.cohort.capacity,
                candidates.left,
                if candidates.cohort.intake_open {
                    "open for applications"
                } else {
                    "closed for applications"
                }
            );
        }
        candidates.applications
    };
    if ctx.json {
        output::json(&views);
    } else {
        for view in &views {
            say!("{}", line(view));
        }
    }
    Ok(())
}

/// The viewer `--as` names, if any.
async fn acting(engine: &Engine, by: Option<&str>) -> anyhow::Result<Option<Viewer>> {
    Ok(match by {
        Some(email) => Some(engine.acting_as(email).await?),
        None => None,
    })
}

fn by_of(viewer: Option<&Viewer>) -> By<'_> {
    viewer.map_or(By::Operator, By::Person)
}

/// One application on one line.
fn line(view: &ApplicationView) -> String {
    let mut text = format!(
        "#{:<5} {:<10} {:<10} {} <{}>",
        view.id,
        view.state.as_str(),
        match view.kind {
            ApplicationKind::Nomination => "nominated",
            ApplicationKind::Request => "request",
        },
        output::clean(&view.candidate.name),
        output::clean(&view.candidate.email),
    );
    if !view.candidate.organization.is_empty() {
        text.push_str(&format!(
            ", {}",
            output::clean(&view.candidate.organization)
        ));
    }
    if let Some(s) = &view.supervisor {
        text.push_str(&format!("; supervisor {}", output::clean(&s.email)));
    }
    if let (ApplicationState::Waiting, Some(p)) = (view.state, view.position) {
        text.push_str(&format!("; waiting list #{p}"));
    }
    if let Some(expires) = view.offer_expires {
        text.push_str(&format!("; offer open until {expires}"));
    }
    if let Some(project) = view.project {
        text.push_str(&format!("; project {project}"));
    }
    text
}

/// What comes next for an application, in words.
fn next(view: &ApplicationView) -> String {
    use gradflow_engine::decide::intake::Next;
    match view.next {
        Next::SupervisorEndorses => format!(
            "{} endorses it or refuses",
            view.supervisor
                .as_ref()
                .map_or("the supervisor".to_owned(), |s| output::clean(&s.email)
                    .into_owned())
        ),
        Next::CoordinatorDecides => {
            "a coordinator accepts it, puts it on the waiting list or declines it".to_owned()
        }
        Next::WaitForPlace => "it waits for a place to free".to_owned(),
        Next::CandidateAnswersOffer => format!(
            "{} takes or declines the offer{}",
            output::clean(&view.candidate.email),
            view.offer_expires
                .map(|e| format!(" before {e}"))
                .unwrap_or_default()
        ),
        Next::InCohort => "nothing: the candidate is in the cohort".to_owned(),
        Next::Nothing => "nothing: it is over".to_owned(),
    }
}

/// Confirms a change: the application's new state, who was told, what next.
fn confirm(ctx: &Ctx, changed: &Changed) {
    if ctx.json {
        output::json(changed);
        return;
    }
    say!("{}", line(&changed.application));
    if !changed.told.is_empty() {
        say!("  mailed: {} person(s)", changed.told.len());
    }
    if let Some(offered) = changed.offered {
        say!("  the freed place was offered to application #{offered}");
    }
    say!("  next: {}", next(&changed.application));
}

/// Prints each acceptance's result; exit 1 when any was refused.
fn accepted(
    ctx: &Ctx,
    ids: &[i64],
    results: Vec<Result<Changed, gradflow_engine::service::Error>>,
) -> anyhow::Result<ExitCode> {
    let refused = results.iter().filter(|r| r.is_err()).count();
    if ctx.json {
        let items: Vec<serde_json::Value> = ids
            .iter()
            .zip(&results)
            .map(|(id, r)| match r {
                Ok(changed) => serde_json::json!({ "application": id, "accepted": changed }),
                Err(e) => {
                    let reason = e.reason();
                    serde_json::json!({
                        "application": id,
                        "refused": { "code": reason.code, "args": reason.args },
                        "message": gradflow_words::error("en", e),
                    })
                }
            })
            .collect();
        output::json(&items);
    } else {
        for (id, r) in ids.iter().zip(&results) {
            match r {
                Ok(changed) => say!(
                    "accepted #{id}: project {} started{}",
                    changed.project.map(|p| p.to_string()).unwrap_or_default(),
                    if changed.told.is_empty() {
                        String::new()
                    } else {
                        format!(", {} person(s) mailed", changed.told.len())
                    }
                ),
                Err(e) => eprintln!(
                    "refused #{id}: {}",
                    output::clean(&gradflow_words::error("en", e))
                ),
            }
        }
    }
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
