//! `gradflow workflow validate|graph|publish|list`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use gradflow_engine::definition::{self, Format};
use gradflow_engine::service::mail::{template_uses, template_variables};

use super::args::{GraphFormat, WorkflowCommand};
use super::output::say;
use super::{Ctx, output};

pub async fn run(ctx: &Ctx, command: WorkflowCommand) -> anyhow::Result<ExitCode> {
    match command {
        WorkflowCommand::Validate { files } => Ok(validate(ctx, &files)),
        WorkflowCommand::Migrate(args) => super::versions::migrate(ctx, args).await,
        WorkflowCommand::Graph { file, format } => {
            let loaded = definition::load(&file)?;
            let format = match format {
                GraphFormat::Mermaid => Format::Mermaid,
                GraphFormat::Dot => Format::Dot,
            };
            let picture = definition::draw(&loaded.workflow, format);
            say!("{}", picture.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Publish { files } => {
            // Every file is read and checked (templates included) before
            // anything is stored; then all are published or none.
            let mut texts = Vec::new();
            for file in &files {
                match definition::load(file) {
                    Ok(loaded) if !check_templates(file, &loaded.workflow).is_empty() => {
                        for p in check_templates(file, &loaded.workflow) {
                            eprintln!("{}", output::clean(&p.to_string()));
                        }
                        eprintln!("nothing was published");
                        return Ok(ExitCode::FAILURE);
                    }
                    Ok(loaded) => texts.push((loaded.text, template_files(file)?)),
                    Err(definition::Error::Read(error)) => {
                        eprintln!("error: {}", output::clean(&error.to_string()));
                        eprintln!("nothing was published");
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(error) => {
                        // Already worded as FILE:LINE:COL: error: ...
                        eprintln!("{}", output::clean(&error.to_string()));
                        eprintln!("nothing was published");
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            let engine = ctx.engine().await?;
            let published = engine.publish_with_templates(&texts, ctx.now).await?;
            if ctx.json {
                output::json(&published);
            } else {
                for p in &published {
                    let result = serde_json::to_value(p.result)?;
                    say!(
                        "{} v{}: {}",
                        p.key,
                        p.version,
                        result.as_str().unwrap_or("")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::List => {
            let engine = ctx.engine().await?;
            let definitions = engine.definitions().await?;
            if ctx.json {
                let rows: Vec<_> = definitions
                    .iter()
                    .map(|d| serde_json::json!({ "key": d.key, "version": d.version, "title": d.title }))
                    .collect();
                output::json(&rows);
            } else if definitions.is_empty() {
                say!("no workflows published yet; run gradflow workflow publish FILE");
            } else {
                for d in definitions {
                    say!("{:<28} v{:<3} {}", d.key, d.version, d.title);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks every file, prints all problems, and a summary line per valid file.
fn validate(ctx: &Ctx, files: &[std::path::PathBuf]) -> ExitCode {
    let mut failed = false;
    let mut report = Vec::new();
    for file in files {
        match definition::load(file) {
            Ok(loaded) if !check_templates(file, &loaded.workflow).is_empty() => {
                failed = true;
                let problems = check_templates(file, &loaded.workflow);
                if !ctx.json {
                    for p in &problems {
                        eprintln!("{}", output::clean(&p.to_string()));
                    }
                }
                let list: Vec<_> = problems
                    .iter()
                    .map(|p| serde_json::json!({ "file": p.file, "line": p.line, "column": p.column, "message": p.message, "hint": p.hint }))
                    .collect();
                report.push(serde_json::json!({ "file": file, "valid": false, "problems": list }));
            }
            Ok(loaded) => {
                let w = &loaded.workflow;
                let milestones: usize = w.stages.iter().map(|s| s.milestones.len()).sum();
                let summary = format!(
                    "{}: ok: {} v{} — {} stages, {} actions, {} milestones, {} forms, {} rubrics, {} notifications",
                    file.display(),
                    w.key,
                    w.version,
                    w.stages.len(),
                    w.stages.iter().map(|s| s.actions.len()).sum::<usize>(),
                    milestones,
                    w.forms.len(),
                    w.rubrics.len(),
                    w.notifications.len()
                );
                if !ctx.json {
                    say!("{summary}");
                }
                report.push(serde_json::json!({ "file": file, "valid": true, "key": w.key, "version": w.version }));
            }
            Err(error) => {
                failed = true;
                if !ctx.json {
                    eprintln!("{}", output::clean(&error.to_string()));
                }
                let entry = match &error {
                    definition::Error::Invalid { problems, .. } => {
                        let list: Vec<_> = problems
                            .iter()
                            .map(|p| serde_json::json!({ "line": p.line, "column": p.column, "message": p.message, "hint": p.hint }))
                            .collect();
                        serde_json::json!({ "file": file, "valid": false, "problems": list })
                    }
                    other => {
                        serde_json::json!({ "file": file, "valid": false, "error": other.to_string() })
                    }
                };
                report.push(entry);
            }
        }
    }
    if ctx.json {
        output::json(&report);
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Largest template file accepted.
const MAX_TEMPLATE: u64 = 256 * 1024;

/// The message templates (`*.hbs`) in `templates/` beside definition `file`,
/// by file name: published with the definition, so a worker sends exactly them.
pub fn template_files(file: &std::path::Path) -> anyhow::Result<BTreeMap<String, String>> {
    let dir = file
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("templates");
    let mut templates = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(templates);
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".hbs") && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            templates.insert(name.to_owned(), definition::read_text(&path, MAX_TEMPLATE)?);
        }
    }
    Ok(templates)
}

/// Compiles every template in `templates/` beside definition `file` and
/// renders each one the workflow uses against the variables its use
/// provides: a syntax error or an unknown variable is a FILE:LINE:COL problem.
fn check_templates(
    file: &std::path::Path,
    workflow: &definition::Workflow,
) -> Vec<gradflow_notifications::Problem> {
    let dir = file
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("templates");
    let templates = match gradflow_notifications::Templates::load(&dir) {
        Ok(t) => t,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    for (name, usage) in template_uses(workflow) {
        if templates.contains(&name) {
            for p in templates.check(&name, &template_variables(workflow, usage)) {
                // The layout's problems repeat for every template: say them once.
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
    }
    problems
}
