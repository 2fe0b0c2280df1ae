//! `gradflow certificate list|show|revoke|verify` and `gradflow program certify`.

use std::process::ExitCode;

use gradflow_engine::certificate::{Code, Texts};
use gradflow_engine::service::{Certificate, CertifyProgram};

use super::args::{CertificateCommand, CertifyArgs};
use super::output::say;
use super::{Ctx, output};

/// `gradflow program certify KEY ...`.
pub async fn certify(ctx: &Ctx, args: CertifyArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    let settings = CertifyProgram {
        level: Texts {
            en: args.level,
            ar: args.level_ar,
        },
        awarding_body: Texts {
            en: args.awarding_body,
            ar: args.awarding_body_ar,
        },
        accrediting_body: Texts {
            en: args.accrediting_body,
            ar: args.accrediting_body_ar,
        },
        pattern: args.number,
        validity: args.valid_for,
        requires: args.requires,
        coordinators_need: args.coordinators_need,
        committee_needs: args.committee_needs,
    };
    let certification = engine
        .certify_program(&args.key, &settings, ctx.now)
        .await?;
    output::done(
        ctx,
        &format!(
            "program {} certifies {} (awarded by {}, accredited by {}), numbered {}, valid for {}{}{}{}",
            args.key,
            certification.level.en,
            certification.awarding_body.en,
            certification.accrediting_body.en,
            certification.pattern,
            certification.validity,
            settings
                .requires
                .as_deref()
                .map(|r| format!(", after a certificate of {r}"))
                .unwrap_or_default(),
            settings
                .coordinators_need
                .as_deref()
                .map(|r| format!("; its coordinators need a certificate of {r}"))
                .unwrap_or_default(),
            settings
                .committee_needs
                .as_deref()
                .map(|r| format!("; its committee members need a certificate of {r}"))
                .unwrap_or_default()
        ),
        serde_json::to_value(&certification)?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `gradflow certificate ...`.
pub async fn run(ctx: &Ctx, command: CertificateCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        CertificateCommand::List { person, program } => {
            let list = engine
                .certificates(person.as_deref(), program.as_deref())
                .await?;
            if ctx.json {
                let rows: Vec<serde_json::Value> = list.iter().map(|c| shown(c, ctx.now)).collect();
                output::json(&rows);
            } else {
                for c in &list {
                    say!(
                        "{:<20} {:<8} {:<12} {:<30} {}",
                        c.number,
                        c.status(ctx.now).as_str(),
                        c.issued_on,
                        c.person_email,
                        c.program_key
                    );
                }
            }
        }
        CertificateCommand::Show { certificate } => {
            let c = engine.certificate(&certificate).await?;
            if ctx.json {
                output::json(&shown(&c, ctx.now));
            } else {
                print_one(&c, ctx.now);
            }
        }
        CertificateCommand::Revoke {
            certificate,
            reason,
        } => {
            let c = engine
                .revoke_certificate(&certificate, None, &reason, ctx.now)
                .await?;
            output::done(
                ctx,
                &format!("revoked certificate {} of {}", c.number, c.person_email),
                shown(&c, ctx.now),
            );
        }
        CertificateCommand::Credential(args) => {
            return super::keys::credential(ctx, &engine, args).await;
        }
        CertificateCommand::Verify { code } => {
            // The operator's check counts no attempt: no client address.
            if let Some(reason) = gradflow_engine::service::code_problem(&code) {
                return Err(gradflow_engine::service::Error::from_reason(reason).into());
            }
            let verified = engine.verify_certificate(&code, None, ctx.now).await?;
            if ctx.json {
                output::json(&verified);
            } else {
                match &verified.certificate {
                    Some(c) => say!(
                        "{}: certificate {} of {} ({}, {}), issued {}{}",
                        verified.status,
                        c.number,
                        c.holder,
                        c.program,
                        c.level.en,
                        c.issued_on,
                        c.expires_on
                            .as_deref()
                            .map(|e| format!(", expires {e}"))
                            .unwrap_or_default()
                    ),
                    None => say!("unknown: no certificate has this code"),
                }
            }
            return Ok(if verified.status == "valid" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A certificate for `--json`: everything stored, with its standing now.
fn shown(c: &Certificate, now: jiff::Timestamp) -> serde_json::Value {
    let mut value = serde_json::to_value(c).expect("a certificate serialises");
    value["status"] = c.status(now).as_str().into();
    if let Ok(code) = Code::parse(&c.code) {
        value["code"] = code.grouped().into();
    }
    value
}

fn print_one(c: &Certificate, now: jiff::Timestamp) {
    let code = Code::parse(&c.code)
        .map(|c| c.grouped())
        .unwrap_or_default();
    say!("certificate {} ({})", c.number, c.status(now).as_str());
    say!("  holder:       {} <{}>", c.person_name, c.person_email);
    say!("  program:      {} ({})", c.details.program, c.program_key);
    say!(
        "  level:        {} / {}",
        c.details.level.en,
        c.details.level.ar
    );
    say!(
        "  awarded by:   {} / {}",
        c.details.awarding_body.en,
        c.details.awarding_body.ar
    );
    say!(
        "  accredited:   {} / {}",
        c.details.accrediting_body.en,
        c.details.accrediting_body.ar
    );
    say!("  project:      {}", c.details.project_title);
    say!("  issued:       {}", c.issued_on);
    say!(
        "  expires:      {}",
        c.expires_on.as_deref().unwrap_or("never")
    );
    say!("  code:         {code}");
    if let Some(r) = &c.revoked {
        say!("  revoked:      {} by {}: {}", r.at, r.by, r.reason);
    }
}
