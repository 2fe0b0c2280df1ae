//! The OpenAPI document checked against the live API by an independent
//! tool: schemathesis (from PyPI, pinned by `scripts/test`) generates
//! requests from `/api/openapi.json` (its examples, the edges of every
//! parameter and body, and random ones, valid and not) and checks every
//! answer: no server error, a status the document lists for the
//! operation, the content type it lists, a body that matches the schema,
//! the headers it lists.
//!
//! The server is the real one (`gradflow_web::serve` on 127.0.0.1) over a
//! SQLite file holding the matrix's world: two cohorts, three projects (one
//! certified), mail in the outbox, people in every role. Schemathesis acts
//! with a coordinator's read-write token, so its writes reach the engine.
//!
//! `scripts/test` runs a bounded number of examples per operation
//! ([`EXAMPLES`]; a couple of minutes on two slow cores);
//! `GRADFLOW_SCHEMATHESIS_EXAMPLES=500` runs a longer search on demand.

use std::process::Stdio;

use gradflow_engine::service::Scope;

use crate::api_world::{World, token};
use crate::support::{self, Kind, Served, TestDb};

/// Examples per operation in an ordinary run.
const EXAMPLES: u32 = 8;

/// The checks every answer must pass.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,response_headers_conformance";

/// Runs `schemathesis run` against the server at `base` with `token`, in
/// `dir` (its reports and its config file, if `config` is given); returns
/// what it printed, after asserting it passed and tested something.
async fn schemathesis(
    python: std::process::Command,
    base: &str,
    token: &str,
    examples: u32,
    dir: &std::path::Path,
    config: Option<String>,
    what: &str,
) -> String {
    let mut python = python;
    let (base, token, dir) = (base.to_owned(), token.to_owned(), dir.to_owned());
    let run = tokio::task::spawn_blocking(move || {
        if let Some(config) = config {
            let file = dir.join("schemathesis.toml");
            std::fs::write(&file, config).unwrap();
            python
                .arg("-m")
                .arg("schemathesis.cli")
                .arg("--config-file")
                .arg(file);
        } else {
            python.args(["-m", "schemathesis.cli"]);
        }
        python
            .arg("run")
            .arg(format!("{base}/api/openapi.json"))
            .args(["--url", &base])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", CHECKS])
            .args(["--max-examples", &examples.to_string()])
            .args(["--phases", "examples,coverage,fuzzing"])
            // One worker: Python 3.11's `ast.parse`, which hypothesis calls
            // to describe its filters, fails now and then in a second
            // thread ("AST constructor recursion depth mismatch").
            .args(["--workers", "1"])
            .args(["--request-timeout", "20"])
            .args(["--suppress-health-check", "all"])
            .args(["--continue-on-failure", "--no-color"])
            .args(["--generation-database", "none"])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    let err = String::from_utf8_lossy(&run.stderr);
    eprintln!("schemathesis, {what}:\n{out}");
    assert!(
        run.status.success(),
        "schemathesis ({what}) found answers that break the document (exit {:?}):\n{out}\n{err}",
        run.status.code()
    );
    assert!(
        !out.contains("No operations") && out.contains("passed"),
        "schemathesis ({what}) tested nothing:\n{out}\n{err}"
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_api_keeps_to_its_openapi_document() {
    let Some(python) = support::python("schemathesis") else {
        return;
    };
    let examples: u32 = match std::env::var("GRADFLOW_SCHEMATHESIS_EXAMPLES") {
        Ok(n) => n
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("GRADFLOW_SCHEMATHESIS_EXAMPLES={n:?} is not a number")),
        Err(_) => EXAMPLES,
    };
    let db = TestDb::new(Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    let world = World::set_up(&engine).await;
    let coordinator = token(&engine, "coordinator1@example.org", Scope::ReadWrite).await;
    let served = Served::start(&db).await;
    let dir = tempfile::tempdir().unwrap();
    // Every parameter generated: mostly ids that name nothing, bad cursors,
    // bodies of every shape.
    schemathesis(
        python,
        &served.base,
        &coordinator,
        examples,
        dir.path(),
        None,
        "every parameter generated",
    )
    .await;
    // The world's own ids in every path, so the requests reach the engine:
    // the board, the people, the outbox, a message, a certificate, P1.
    let config = format!(
        "[parameters]\n\"path.cohort\" = {}\n\"path.project\" = {}\n\"path.id\" = {}\n\
         \"path.message\" = {}\n\"path.code\" = \"{}\"\n",
        world.cohorts[0],
        world.projects[0],
        world.projects[0],
        world.messages[0],
        world.certificate
    );
    let python = support::python("schemathesis").expect("found above");
    schemathesis(
        python,
        &served.base,
        &coordinator,
        examples,
        dir.path(),
        Some(config),
        "the world's ids in the paths",
    )
    .await;
    // The world is still whole: what the fuzzer wrote went through the engine.
    let report = engine.verify_audit().await.unwrap();
    assert!(!report.is_broken(), "{report:?}");
    served.stop().await;
}
