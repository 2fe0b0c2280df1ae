//! Loading a cohort's people from a spreadsheet (issue 16's figure): a
//! 10,000-row CSV — 9,800 trainees, 100 supervisors in 10 organizations,
//! 98 evaluators, a chair and a coordinator — checked (a dry run) and then
//! imported in one transaction through `Engine::import_people`, on a fresh
//! database each, SQLite and PostgreSQL. Reports the time of each and this
//! process's peak memory (VmHWM, reset before the run), and checks that
//! every project was started and every row was read.

use std::time::Instant;

use anyhow::{bail, ensure};
use gradflow_engine::service::Engine;
use gradflow_engine::service::import::ImportAnswer;

use crate::fixture;
use crate::place::Place;

/// Rows in the file.
pub const ROWS: usize = 10_000;
/// Supervisors in it.
const SUPERVISORS: usize = 100;
/// Evaluators in it (besides the chair).
const EVALUATORS: usize = 98;
/// Organizations the trainees and supervisors belong to.
const ORGANIZATIONS: usize = 10;

/// What one database's run found.
pub struct Run {
    /// Seconds the dry run took.
    pub check: f64,
    /// Seconds the import took.
    pub import: f64,
    /// Projects started.
    pub started: usize,
    /// The file's size, bytes.
    pub bytes: usize,
    /// Peak resident memory of this process over both (the kernel's VmHWM).
    pub peak: String,
}

/// The file: a BOM, CRLF, quoted titles with commas, Arabic names.
pub fn file() -> String {
    let mut out =
        String::from("\u{feff}email,name,organization,language,role,supervisor,title\r\n");
    out.push_str("coordinator@import.example,Layla Haddad,Institute,en,coordinator,,\r\n");
    out.push_str("chair@import.example,Omar Saleh,Institute,ar,chair,,\r\n");
    for i in 0..EVALUATORS {
        out.push_str(&format!(
            "evaluator{i}@import.example,مقيم {i},Audit Bureau {},ar,evaluator,,\r\n",
            i % 3
        ));
    }
    for i in 0..SUPERVISORS {
        out.push_str(&format!(
            "supervisor{i}@import.example,Supervisor {i},Ministry {},en,supervisor,,\r\n",
            i % ORGANIZATIONS
        ));
    }
    let trainees = ROWS - 2 - EVALUATORS - SUPERVISORS;
    for i in 0..trainees {
        let supervisor = i % SUPERVISORS;
        out.push_str(&format!(
            "trainee{i}@import.example,متدرب رقم {i},Ministry {},ar,trainee,supervisor{supervisor}@import.example,\"Shorter waits, service {i}\"\r\n",
            supervisor % ORGANIZATIONS
        ));
    }
    out
}

/// Runs the check and the import on a fresh database of `place`.
pub async fn run(place: &mut Place) -> anyhow::Result<Run> {
    let url = place.fresh("import").await?;
    let engine = Engine::connect(&url).await?;
    fixture::directory(&engine).await?;
    let text = file();
    let now = fixture::now();
    // The high-water mark from here: the file, the plan and the transaction.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let check = engine
        .import_people(fixture::COHORT, text.as_bytes(), true, now)
        .await?;
    let check_seconds = started.elapsed().as_secs_f64();
    let ImportAnswer::Done(plan) = check else {
        bail!("the bench file was refused: {check:?}");
    };
    ensure!(
        plan.rows.len() == ROWS,
        "the check read {} rows, not {ROWS}",
        plan.rows.len()
    );
    let started = Instant::now();
    let answer = engine
        .import_people(fixture::COHORT, text.as_bytes(), false, now)
        .await?;
    let import_seconds = started.elapsed().as_secs_f64();
    let peak = crate::report::peak_memory();
    let ImportAnswer::Done(done) = answer else {
        bail!("the bench import was refused: {answer:?}");
    };
    ensure!(
        done.projects.len() == plan.started && done.created == ROWS,
        "the import started {} of {} projects and created {} of {ROWS} people",
        done.projects.len(),
        plan.started,
        done.created
    );
    let taken = engine.cohort(fixture::COHORT).await?.taken;
    ensure!(
        taken as usize == done.projects.len(),
        "the cohort counts {taken} places taken for {} projects",
        done.projects.len()
    );
    engine.close().await;
    place.discard(&url).await?;
    Ok(Run {
        check: check_seconds,
        import: import_seconds,
        started: done.projects.len(),
        bytes: text.len(),
        peak,
    })
}
