//! Validation of workflow definitions, in one test binary.
//!
//! - `cases`: every broken file in `invalid/` reports exactly the problems its
//!   leading `# expect:` lines list, and every file in `valid/` loads.
//! - `files`: reading definition files (size limit, UTF-8, byte order mark),
//!   templates beside them, and the bundled workflows.
//! - `scale`: a definition of 20,000 stages validates in linear time.
//! - `rules`: checks that are not about one broken file (conflicts of
//!   interest, pictures, schedules).
//! - `fuzz`: random and mutated input never panics or hangs.

mod cases;
mod files;
mod fuzz;
mod rules;
mod scale;

use std::path::{Path, PathBuf};

/// The folder of this test binary's data (`engine/tests/validation`).
fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validation")
}

/// The bundled workflow files, by key.
fn bundled() -> Vec<(&'static str, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows");
    [
        "graduation-service",
        "graduation-excellence",
        "service-improvement",
    ]
    .into_iter()
    .map(|key| (key, root.join(key).join("workflow.yaml")))
    .collect()
}
