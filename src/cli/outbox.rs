//! `gradflow outbox list|show|retry`: what gradflow sent, is sending, and
//! gave up on, for staff and operators; a dead, failed or sent message can
//! be sent again.

use std::process::ExitCode;

use super::args::OutboxCommand;
use super::output::say;
use super::{Ctx, output};

pub async fn run(ctx: &Ctx, command: OutboxCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        OutboxCommand::List { state, limit } => {
            let messages = engine.mail(state.as_deref(), limit).await?;
            if ctx.json {
                output::json(&messages);
            } else if messages.is_empty() {
                say!("no messages");
            } else {
                for m in messages {
                    let error = m
                        .last_error
                        .as_ref()
                        .map(|e| format!("  [{e}]"))
                        .unwrap_or_default();
                    say!(
                        "#{:<6} {:<8} project {:<5} {:<24} to {:<32} attempts {}{error}",
                        m.id,
                        m.state,
                        m.project,
                        m.template,
                        m.email,
                        m.attempts
                    );
                }
            }
        }
        OutboxCommand::Show { id } => {
            let mail = engine.mail_message(id).await?;
            let m = &mail.message;
            if ctx.json {
                output::json(&serde_json::json!({ "message": m, "variables": mail.variables }));
            } else {
                say!(
                    "Message {id}: {} to {} <{}>",
                    m.template,
                    mail.name,
                    m.email
                );
                say!("  project    {} (event {})", m.project, m.cause);
                say!("  state      {}, {} attempt(s)", m.state, m.attempts);
                if m.resends > 0 {
                    say!("  resent     {} time(s) by staff", m.resends);
                }
                // A sent or dead message has nothing due.
                if let Some(at) = m.next_attempt {
                    say!("  next       {at}");
                }
                if let Some(at) = m.sent_at {
                    say!("  sent       {at} (last delivery)");
                }
                if let Some(e) = &m.last_error {
                    say!("  last error {e}");
                }
                say!("  message-id {}", m.message_id);
                say!(
                    "  variables  {}",
                    serde_json::to_string_pretty(&mail.variables)?
                );
            }
        }
        OutboxCommand::Retry { id } => {
            engine.retry_mail(id, ctx.now).await?;
            output::done(
                ctx,
                &format!("message {id} will be sent again by the worker"),
                serde_json::json!({ "retried": id }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
