//! `gradflow user add|set-password`: accounts for signing in. The password
//! is read from standard input (one line) or, on a terminal, asked for
//! twice without echo; it is never printed or logged.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::bail;

use super::Ctx;
use super::args::UserCommand;
use super::output;

pub async fn run(ctx: &Ctx, command: UserCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        UserCommand::Token(command) => return super::tokens::run(ctx, &engine, command).await,
        UserCommand::Add { email, name, org } => {
            let password = read_password()?;
            gradflow_engine::service::check_password(&password)?;
            let person = engine.add_person(&email, &name, &org, ctx.now).await?;
            engine.set_password(&person.email, &password).await?;
            output::done(
                ctx,
                &format!("{} <{}> can now sign in", person.name, person.email),
                serde_json::json!({ "email": person.email, "can_sign_in": true }),
            );
        }
        UserCommand::SetPassword { email } => {
            let password = read_password()?;
            engine.set_password(&email, &password).await?;
            output::done(
                ctx,
                &format!("the password of {email} is set; their sessions were ended"),
                serde_json::json!({ "email": email, "password_set": true }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The new password: asked twice without echo on a terminal, else the first
/// line of standard input (without its line ending).
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")?;
        let again = rpassword::prompt_password("The same again: ")?;
        if first != again {
            bail!("the two passwords differ; nothing was changed");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
