//! `gradflow mail test ADDRESS`: one test message through the transport the
//! worker is given (the same `--smtp` and `--from`), and a plain answer:
//! accepted, with the server's reply, or not, with the error. For checking
//! mail settings before a cohort relies on them.

use std::process::ExitCode;

use anyhow::Context;
use gradflow_notifications::{Address, MessageId, Outgoing, Transport};

use super::Ctx;
use super::args::MailCommand;
use super::output::{self, say};

pub async fn run(ctx: &Ctx, command: MailCommand) -> anyhow::Result<ExitCode> {
    match command {
        MailCommand::Test {
            address,
            smtp,
            from,
        } => test(ctx, &address, smtp.as_deref(), &from).await,
    }
}

async fn test(ctx: &Ctx, to: &str, smtp: Option<&str>, from: &str) -> anyhow::Result<ExitCode> {
    let url = super::worker::transport(smtp)?;
    super::serve::logs();
    gradflow_engine::service::input::email(to.trim())
        .with_context(|| format!("'{to}' is not an email address"))?;
    let (mailer, from, domain) = super::courier::postbox(url, from)?;
    let message = Outgoing {
        message_id: MessageId::new(&format!("test-{:032x}", rand::random::<u128>()), &domain)?,
        from,
        to: Address::bare(to.trim()),
        subject: "gradflow: test message".to_owned(),
        text: "This is a test message from gradflow (`gradflow mail test`).\n\
               If it reached you, the worker can send mail with these settings.\n"
            .to_owned(),
        html: None,
    };
    let transport = gradflow_engine::redact_url(url);
    match mailer.send(&message).await {
        Ok(receipt) => {
            if ctx.json {
                output::json(&serde_json::json!({
                    "accepted": true, "transport": transport, "reply": receipt.detail,
                }));
            } else {
                say!("mail test: accepted by {transport}: {}", receipt.detail);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if ctx.json {
                output::json(&serde_json::json!({
                    "accepted": false, "transport": transport, "error": error.to_string(),
                    "permanent": error.is_permanent(),
                }));
            }
            eprintln!(
                "mail test: NOT accepted by {transport}: {}",
                output::clean(&error.to_string())
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
