//! `gradflow`: the command line of the workflow and approvals engine.
//!
//! # Layout
//! - `cli::args`: the commands and their options (clap).
//! - `cli::workflow`: validate, draw and publish definitions.
//! - `cli::directory`: people, programs and cohorts.
//! - `cli::project`: start, assign, act on and show projects.
//! - `cli::demo`: the guided tour on a fresh SQLite file.
//! - `cli::output`: human and JSON output.

/// mimalloc: the engine allocates many small, short-lived values per
/// decision (answers, events, timers); it measured 12% faster than the
/// system allocator on the decision core.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

use std::process::ExitCode;

use clap::FromArgMatches;

fn main() -> ExitCode {
    // Every option from the command line, its environment variable or the
    // config file: a bad file or variable is named and nothing runs.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let prepared = match cli::config::prepare(&argv) {
        Ok(prepared) => prepared,
        Err(error) => {
            report(&error, false);
            return ExitCode::from(2);
        }
    };
    let matches = prepared.command.clone().get_matches_from(&argv);
    let args = cli::args::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let json = args.json;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the async runtime starts");
    let result = runtime.block_on(cli::run(args, prepared));
    // Work still running after the command ended (a request past serve's
    // shutdown grace, a file read blocked on a hung share) must not hold
    // the exit: it gets five seconds, then the process ends anyway.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&error, json);
            ExitCode::FAILURE
        }
    }
}

/// Prints why the command failed on standard error, in English: each
/// cause in turn, the service's reasons in the words of the English
/// catalogue. With `--json`, a service error is also printed on standard
/// output as its code and arguments (and kind), for scripts.
fn report(error: &anyhow::Error, json: bool) {
    let service = error.downcast_ref::<gradflow_engine::service::Error>();
    let message = error
        .chain()
        .map(
            |cause| match cause.downcast_ref::<gradflow_engine::service::Error>() {
                Some(e) => gradflow_words::error("en", e),
                None => cause.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(": ");
    if json {
        let value = match service {
            Some(e) => {
                let reason = e.reason();
                serde_json::json!({
                    "code": reason.code,
                    "args": reason.args,
                    "kind": e.kind(),
                    "message": message,
                })
            }
            None => serde_json::json!({ "message": message }),
        };
        cli::output::json(&value);
    }
    // The operator runs the CLI: the internal detail helps them too.
    let detail = service
        .and_then(|e| e.detail())
        .filter(|d| !message.contains(d))
        .map(|d| format!("\n  detail: {d}"))
        .unwrap_or_default();
    eprintln!(
        "error: {}",
        cli::output::clean(&format!("{message}{detail}"))
    );
}
