//! `gradflow user token create|list|revoke`: a person's bearer tokens for
//! the JSON API (`/api`, docs/api.md). A token is printed once, when made;
//! only its SHA-256 is stored, so it can never be shown again.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use gradflow_engine::definition::{Duration, Unit};
use gradflow_engine::service::{ApiToken, Engine, Scope};
use jiff::{SignedDuration, Timestamp};

use super::Ctx;
use super::output::{self, say};

/// `gradflow user token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token for a person, printed once (only its hash is kept):
    /// keep it where the other system keeps its secrets.
    Create {
        /// The email of the person the token acts as (it may do what they may).
        email: String,
        /// What the token is for, to recognise it in `token list` (e.g. the HR system).
        #[arg(long)]
        name: String,
        /// `read` (looking only) or `read-write` (acting as the person too).
        #[arg(long, default_value = "read", value_parser = ["read", "read-write"])]
        scope: String,
        /// How long it works: minutes (m), hours (h), days (d) or weeks
        /// (w), e.g. 90d; or `never`.
        #[arg(long, value_name = "DURATION", default_value = "90d")]
        expires_in: String,
    },
    /// List a person's tokens: live, expired and revoked (never the tokens).
    List {
        /// The person's email.
        email: String,
    },
    /// Revoke a token by its id (from `token list`): it stops working at once.
    Revoke {
        /// The token's id.
        id: i64,
    },
}

/// Runs `gradflow user token ...`.
pub async fn run(ctx: &Ctx, engine: &Engine, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create {
            email,
            name,
            scope,
            expires_in,
        } => {
            let scope = Scope::parse(&scope)?;
            let life = lifetime(&expires_in)?;
            let expires_at = life
                .map(|life| ctx.now.checked_add(life))
                .transpose()
                .context("--expires-in is too long")?;
            let new = engine
                .create_token(&email, &name, scope, expires_at, ctx.now)
                .await?;
            if ctx.json {
                output::json(&serde_json::json!({
                    "id": new.id,
                    "token": new.token,
                    "email": new.person.email,
                    "scope": new.scope,
                    "expires_at": new.expires_at,
                }));
            } else {
                say!(
                    "token {} for {} <{}>, {}, {}:",
                    new.id,
                    new.person.name,
                    new.person.email,
                    new.scope.as_str(),
                    until(new.expires_at)
                );
                say!("{}", new.token);
                say!("it is shown only now: keep it secret (send it as Authorization: Bearer ...)");
            }
        }
        TokenCommand::List { email } => {
            let (person, tokens) = engine.tokens(&email).await?;
            if ctx.json {
                output::json(&tokens);
            } else if tokens.is_empty() {
                say!("{} <{}> has no API token", person.name, person.email);
            } else {
                for token in &tokens {
                    say!("{}", describe(token, ctx.now));
                }
            }
        }
        TokenCommand::Revoke { id } => {
            let token = engine.revoke_token(id, ctx.now).await?;
            output::done(
                ctx,
                &format!("token {} ({}) is revoked", token.id, token.name),
                serde_json::json!({ "id": token.id, "revoked_at": token.revoked_at }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--expires-in`: a duration in m, h, d or w, or `never` (`None`).
fn lifetime(text: &str) -> anyhow::Result<Option<SignedDuration>> {
    if text.trim() == "never" {
        return Ok(None);
    }
    let duration = Duration::parse(text).map_err(|e| anyhow::anyhow!("--expires-in: {e}"))?;
    let hours = i64::from(duration.amount);
    Ok(Some(match duration.unit {
        Unit::Minutes => SignedDuration::from_mins(hours),
        Unit::Hours => SignedDuration::from_hours(hours),
        Unit::Days => SignedDuration::from_hours(hours * 24),
        Unit::Weeks => SignedDuration::from_hours(hours * 24 * 7),
        Unit::BusinessDays => {
            bail!("--expires-in takes m, h, d or w (a token knows no cohort's working days)")
        }
    }))
}

/// An instant to the second, in UTC.
fn at(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// "expires at ..." or "never expires".
fn until(at: Option<Timestamp>) -> String {
    at.map_or_else(
        || "never expires".to_owned(),
        |at| format!("expires at {at}"),
    )
}

/// One line of `token list`.
fn describe(token: &ApiToken, now: Timestamp) -> String {
    let state = match (token.revoked_at, token.expires_at) {
        (Some(t), _) => format!("revoked at {}", at(t)),
        (None, Some(t)) if t <= now => format!("expired at {}", at(t)),
        (None, expires) => format!("live, {}", until(expires)),
    };
    let used = token.last_used_at.map_or_else(
        || "never used".to_owned(),
        |t| format!("last used {}", at(t)),
    );
    format!(
        "{}  {}  {}  made {}  {state}  {used}",
        token.id,
        token.name,
        token.scope.as_str(),
        at(token.created_at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_as_written() {
        assert_eq!(
            lifetime("90d").unwrap(),
            Some(SignedDuration::from_hours(2160))
        );
        assert_eq!(
            lifetime("2w").unwrap(),
            Some(SignedDuration::from_hours(336))
        );
        assert_eq!(lifetime("never").unwrap(), None);
        assert!(lifetime("10 business_days").is_err());
        assert!(lifetime("soon").is_err());
    }
}
