//! The public certificate check, `GET /verify/CODE.json`, through the real
//! web server over HTTP/1 keep-alive connections: one certificate issued by
//! a project taken to its pass through the engine, then clients asking for
//! its status as fast as they can. Figures: checks per second and p50/p99.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gradflow_engine::certificate::Texts;
use gradflow_engine::decide::Fields;
use gradflow_engine::service::{CertifyProgram, Engine, Request};

use crate::drive::{Worker, drive};
use crate::place::Place;
use crate::report::Row;
use crate::{Ctx, fixture};

/// Concurrent clients asking for the check.
const CLIENTS: usize = 8;

/// One client: its own connection pool (keep-alive), asking for one code.
struct CheckWorker {
    client: reqwest::Client,
    url: String,
}

impl Worker for CheckWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        let response = self.client.get(&self.url).send().await?;
        anyhow::ensure!(
            response.status() == 200,
            "the check answered {}",
            response.status()
        );
        let body = response.text().await?;
        anyhow::ensure!(
            body.contains("\"status\":\"valid\""),
            "the check said {body}"
        );
        Ok(1)
    }
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
        .collect()
}

/// Sets up a certified trainee on a fresh database of `place`, serves it,
/// and measures the check.
pub async fn check(ctx: &mut Ctx, place: &mut Place) -> anyhow::Result<()> {
    let url = place.fresh("verify").await?;
    let engine = Engine::connect(&url).await?;
    fixture::directory(&engine).await?;
    let now = fixture::now();
    let words = |w: &str| Texts {
        en: w.into(),
        ar: w.into(),
    };
    engine
        .certify_program(
            fixture::PROGRAM,
            &CertifyProgram {
                level: words("Service"),
                awarding_body: words("Institute"),
                accrediting_body: words("ILM"),
                pattern: "BENCH-{year}-{seq:05}".into(),
                validity: "3y".into(),
                requires: None,
                ..Default::default()
            },
            now,
        )
        .await?;
    let people = [
        ("trainee@bench.example", "trainee"),
        ("supervisor@bench.example", "supervisor"),
        ("committee1@bench.example", "committee"),
        ("committee2@bench.example", "committee"),
        ("chair@bench.example", "chair"),
    ];
    let mut members = Vec::new();
    for (email, role) in people {
        // Those who judge the work come from another organization than
        // the trainee's, as the committee's rules require.
        let organization = match role {
            "committee" | "chair" => "Bench Committee",
            _ => "Bench",
        };
        engine.add_person(email, role, organization, now).await?;
        members.push((email.to_owned(), role.to_owned()));
    }
    let id = engine
        .start_project(fixture::COHORT, "Checked certificate", &members, now)
        .await?
        .project;
    let visit = |minutes: &str| {
        fields(&[
            ("visited_on", "2026-01-05"),
            ("waiting_minutes", minutes),
            ("steps", "6"),
            ("observations", "A queue."),
        ])
    };
    let scores = fields(&[
        ("safety", "4"),
        ("authenticity", "4"),
        ("friendliness", "4"),
        ("efficiency", "4"),
    ]);
    let coordinator = fixture::COORDINATOR;
    let steps: Vec<(&str, &str, Fields)> = vec![
        ("trainee@bench.example", "submit", fixture::proposal()),
        ("supervisor@bench.example", "endorse", Fields::new()),
        ("trainee@bench.example", "visit_before.submit", visit("95")),
        (coordinator, "visit_before.accept", Fields::new()),
        ("trainee@bench.example", "visit_after.submit", visit("18")),
        (coordinator, "visit_after.accept", Fields::new()),
        (
            "trainee@bench.example",
            "finish",
            fields(&[("summary", "Done.")]),
        ),
        ("committee1@bench.example", "score", scores.clone()),
        ("committee2@bench.example", "score", scores),
        ("chair@bench.example", "pass", Fields::new()),
    ];
    for (who, action, answers) in steps {
        let request = Request {
            action: action.into(),
            fields: answers,
            ..Request::default()
        };
        engine
            .act(id, who, request, now)
            .await
            .with_context(|| format!("{action} by {who}"))?;
    }
    let certificate = engine
        .certificates(Some("trainee@bench.example"), None)
        .await?
        .pop()
        .context("the pass issued a certificate")?;
    let files = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let config = gradflow_web::Config {
        files: files.path().join("files"),
        upload_limit: 1024,
        upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
        secure_cookies: false,
        limits: gradflow_web::Limits::default(),
        password_reset: false,
        public_url: base.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradflow_web::serve(
        Arc::new(engine),
        config,
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let url = format!("{base}/verify/{}.json", certificate.code);
    let workers = (0..CLIENTS)
        .map(|_| {
            Ok(CheckWorker {
                client: reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(10))
                    .build()?,
                url: url.clone(),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (_, mut measure) = drive(workers, ctx.warmup, ctx.seconds).await?;
    let mut row = Row::of(
        &format!("verify {}", place.kind()),
        "GET /verify/CODE.json (HTTP)",
        CLIENTS,
        &mut measure,
    );
    row.note = "a valid certificate; two reads (the address's misses, the code), no write".into();
    ctx.rows.push(row);
    ctx.checks.push(format!(
        "verify {}: {} checks, every one answered 200 valid",
        place.kind(),
        measure.ops
    ));
    let _ = stop.send(());
    server.await??;
    Ok(())
}
