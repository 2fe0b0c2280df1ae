//! `gradflow webhook add|list|remove|deliveries|resend`: the operator's
//! webhook subscriptions, and the worker's delivery round, where the
//! engine's queue meets the HTTP client of `gradflow_notifications::webhook`
//! (docs/webhooks.md).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use gradflow_engine::service::webhooks::forbidden_address;
use gradflow_engine::service::{
    Engine, HookAttempt, HookReport, HookRequest, HookRetry, Subscription, Webhook,
};
use gradflow_notifications::webhook::{Posted, Sender};
use jiff::Timestamp;

use super::args::{WebhookCommand, WebhookWorkerArgs};
use super::output::say;
use super::{Ctx, output};

pub async fn run(ctx: &Ctx, command: WebhookCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        WebhookCommand::Add {
            cohort,
            all_cohorts: _,
            events,
            webhooks_allow_private,
            url,
        } => {
            let cohort = match cohort {
                Some(name) => Some(engine.cohort(&name).await?.id),
                None => None,
            };
            let new = engine
                .subscribe(
                    cohort,
                    Subscription {
                        url: &url,
                        events: &events,
                        allow_private: webhooks_allow_private,
                    },
                    ctx.now,
                )
                .await?;
            if ctx.json {
                output::json(&new);
            } else {
                say!(
                    "webhook {} subscribed: {} to {}",
                    new.webhook.id,
                    gradflow_engine::redact_url(&new.webhook.url),
                    new.webhook.events.join(", ")
                );
                say!("secret (shown this once; the receiver verifies signatures with it):");
                say!("{}", new.secret);
            }
        }
        WebhookCommand::List { cohort } => {
            let cohort = match cohort {
                Some(name) => Some(engine.cohort(&name).await?.id),
                None => None,
            };
            let hooks = engine.webhooks(cohort).await?;
            if ctx.json {
                output::json(&hooks);
            } else if hooks.is_empty() {
                say!("no webhook subscriptions");
            } else {
                for hook in &hooks {
                    say!("{}", line(hook));
                }
            }
        }
        WebhookCommand::Remove { id } => {
            engine.remove_webhook(id).await?;
            output::done(
                ctx,
                &format!("webhook {id} removed, with its delivery log"),
                serde_json::json!({ "removed": id }),
            );
        }
        WebhookCommand::Deliveries { id, limit, before } => {
            let deliveries = engine.webhook_deliveries(id, before, limit).await?;
            if ctx.json {
                output::json(&deliveries);
            } else if deliveries.is_empty() {
                say!("no deliveries");
            } else {
                for d in &deliveries {
                    let status = d
                        .last_status
                        .map(|s| format!(" HTTP {s}"))
                        .unwrap_or_default();
                    let error = d
                        .last_error
                        .as_ref()
                        .map(|e| format!("  [{}]", output::clean(e)))
                        .unwrap_or_default();
                    say!(
                        "#{:<6} {:<8} {:<22} project {:<5} attempts {}{status}{error}",
                        d.id,
                        d.state,
                        d.event,
                        d.project.map(|p| p.to_string()).unwrap_or_default(),
                        d.attempts
                    );
                }
            }
        }
        WebhookCommand::Resend { delivery } => {
            let d = engine.resend_webhook(delivery, ctx.now).await?;
            output::done(
                ctx,
                &format!(
                    "webhook delivery {delivery} will be posted again by the worker (webhook-id msg_{delivery})"
                ),
                serde_json::json!({ "resent": d.id, "state": d.state }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One subscription in a line (its URL redacted of any secret it carries).
fn line(hook: &Webhook) -> String {
    let cohort = hook
        .cohort
        .map_or_else(|| "every cohort".to_owned(), |c| format!("cohort {c}"));
    let disabled = hook
        .disabled_at
        .map(|at| {
            format!(
                "  [disabled {at}: {}]",
                output::clean(hook.disabled_reason.as_deref().unwrap_or_default())
            )
        })
        .unwrap_or_default();
    format!(
        "#{:<4} {:<14} {} -> {}{disabled}",
        hook.id,
        cohort,
        hook.events.join(","),
        output::clean(&gradflow_engine::redact_url(&hook.url))
    )
}

/// Batches of deliveries a worker round posts at most (but `--once`).
const BATCHES_PER_ROUND: usize = 4;

/// The worker's webhook courier: the HTTP client and the retry rule.
pub struct Hooks {
    sender: Arc<Sender>,
    retry: HookRetry,
}

impl Hooks {
    /// A courier with the worker's webhook options.
    pub fn open(args: &WebhookWorkerArgs) -> anyhow::Result<Hooks> {
        let sender = Sender::new(
            args.webhooks_allow_private,
            forbidden_address,
            Duration::from_secs(u64::from(args.webhook_timeout)),
        )?;
        Ok(Hooks {
            sender: Arc::new(sender),
            retry: HookRetry {
                max_attempts: args.webhook_attempts,
                ..HookRetry::default()
            },
        })
    }

    /// Delivers the webhooks due at `now`, `batch` (at most 64) at a time,
    /// each batch posted at once: every one when `drain` (`worker --once`),
    /// else at most [`BATCHES_PER_ROUND`] batches, so that receivers slow
    /// to answer never hold back the round's timers and mail for long (the
    /// worker comes back at once for the rest).
    pub async fn deliver_due(
        &self,
        engine: &Engine,
        now: Timestamp,
        clock: &super::courier::Clock,
        batch: usize,
        drain: bool,
    ) -> anyhow::Result<HookReport> {
        let mut total = HookReport::default();
        for done in 0.. {
            if !drain && done == BATCHES_PER_ROUND {
                break;
            }
            let sender = Arc::clone(&self.sender);
            let round = engine
                .deliver_webhooks(
                    move |request| post(Arc::clone(&sender), request),
                    now,
                    clock.lease(),
                    batch.clamp(1, 64),
                    &self.retry,
                )
                .await?;
            total.add(round);
            if round.claimed == 0 {
                break;
            }
        }
        Ok(total)
    }
}

/// Posts one delivery; its outcome in the engine's terms.
async fn post(sender: Arc<Sender>, request: HookRequest) -> HookAttempt {
    match sender
        .post(
            &request.url,
            &request.message_id,
            &request.secret,
            &request.body,
        )
        .await
    {
        Posted::Answered(status) => HookAttempt::Answered(status),
        Posted::Failed(error) => HookAttempt::Failed(error),
        Posted::Refused(error) => HookAttempt::Refused(error),
    }
}
