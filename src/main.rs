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

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the async runtime starts");
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(error) => {
            // The operator runs the CLI: the internal detail helps them too.
            let message = format!("{error:#}");
            let detail = error
                .downcast_ref::<gradflow_engine::service::Error>()
                .and_then(|e| e.detail())
                .filter(|d| !message.contains(d))
                .map(|d| format!("\n  detail: {d}"))
                .unwrap_or_default();
            eprintln!(
                "error: {}",
                cli::output::clean(&format!("{message}{detail}"))
            );
            ExitCode::FAILURE
        }
    }
}
