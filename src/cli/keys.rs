//! `gradflow keys show|create|rotate`: the institute's Ed25519 keys that
//! sign Open Badges credentials (only public material is ever printed),
//! and `gradflow certificate credential`, a certificate's credential.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use gradflow_engine::service::{Engine, SigningKey};

use super::output::say;
use super::{Ctx, output};

/// `gradflow keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show every signing key's public half (the one signing now, and the
    /// retired ones, which stay published so what they signed verifies).
    Show,
    /// Create the signing key if there is none yet (the first credential
    /// downloaded creates it too); shows it.
    Create,
    /// Make a new signing key and retire the one signing now: credentials
    /// are signed with the new key from now on; the old public key stays in
    /// the JWK set, so credentials it signed keep verifying.
    Rotate,
}

/// Options of `certificate credential`.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// The certificate's number or verification code.
    pub certificate: String,
    /// The address people reach the site at (the credential's ids, its
    /// key and its status list are built on it), e.g.
    /// https://gradflow.institute.example.
    #[arg(long, value_name = "URL")]
    pub public_url: String,
    /// Write it to this file (created; an existing file is not replaced)
    /// instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `gradflow keys ...`.
pub async fn run(ctx: &Ctx, command: KeysCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        KeysCommand::Show => {
            let keys = engine.signing_keys().await?;
            if ctx.json {
                output::json(&keys);
            } else if keys.is_empty() {
                say!(
                    "no signing key yet: `gradflow keys create` makes one (the first credential downloaded does too)"
                );
            } else {
                for key in &keys {
                    print_key(key);
                }
            }
        }
        KeysCommand::Create => {
            let (key, made) = engine.create_signing_key(ctx.now).await?;
            if ctx.json {
                output::json(&serde_json::json!({ "created": made, "key": key }));
            } else {
                say!(
                    "{}",
                    if made {
                        "created the signing key:"
                    } else {
                        "a signing key exists already (nothing was changed):"
                    }
                );
                print_key(&key);
            }
        }
        KeysCommand::Rotate => {
            let key = engine.rotate_signing_key(ctx.now).await?;
            output::done(
                ctx,
                &format!(
                    "rotated: credentials are signed with key {} from now on; the retired keys stay published",
                    key.kid
                ),
                serde_json::to_value(&key)?,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_key(key: &SigningKey) {
    say!(
        "{} {} {} (created {}{})",
        key.kid,
        key.algorithm,
        match key.retired_at {
            None => "signing",
            Some(_) => "retired",
        },
        key.created_at,
        key.retired_at
            .map(|r| format!(", retired {r}"))
            .unwrap_or_default()
    );
    say!("  public key (x): {}", key.x);
}

/// Runs `gradflow certificate credential ...`.
pub async fn credential(
    ctx: &Ctx,
    engine: &Engine,
    args: CredentialArgs,
) -> anyhow::Result<ExitCode> {
    let credential = engine
        .credential(&args.certificate, &args.public_url, ctx.now)
        .await?;
    match &args.out {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(credential.jwt.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            output::done(
                ctx,
                &format!("wrote the credential to {}", path.display()),
                serde_json::json!({ "file": path, "name": credential.file_name }),
            );
        }
        None => say!("{}", credential.jwt),
    }
    Ok(ExitCode::SUCCESS)
}
