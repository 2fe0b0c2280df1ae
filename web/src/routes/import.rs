//! Loading a cohort's people from a spreadsheet on the web (issue 16, part
//! 3), for the cohort's coordinators (anyone else: not found):
//! `GET /cohorts/{id}/import` explains the columns and limits, links the
//! template and the export, and has the upload form;
//! `POST /cohorts/{id}/import` (multipart: the CSRF token first, then
//! `action` — `check` or `import` — then the file, or the text a check
//! showed) runs the engine's import (`import_people_as`): a check (a dry
//! run) shows what would change, with a button that imports that same
//! text; an import confirms what it did; a refusal shows every bad row
//! with its line, in the page's language. The file is capped at the
//! engine's [`MAX_BYTES`] while it streams in.
//! `GET /cohorts/{id}/import/template.csv` and `/cohorts/{id}/people.csv`
//! download the template and the cohort's people in the same columns.

use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::import::{
    self, ImportAnswer, Imported, MAX_BYTES, MAX_ROWS, PersonEffect, Refusal, Role, RoleEffect,
};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::App;
use crate::done;
use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// The largest request the upload takes: the file's limit and room for the
/// multipart framing and the other fields.
pub const BODY_LIMIT: usize = MAX_BYTES as usize + 64 * 1024;

/// Message keys this module looks up in code, for the catalogue test.
#[cfg(test)]
pub const KEYS: &[&str] = &[
    "import-effect-project-started",
    "import-effect-has-project",
    "import-effect-supervisor-marked",
    "import-effect-supervisor",
    "import-effect-pool-added",
    "import-effect-in-pool",
    "import-effect-coordinator-added",
    "import-effect-coordinator",
    "import-person-created",
    "import-person-matched",
    "import-role-trainee",
    "import-role-supervisor",
    "import-role-evaluator",
    "import-role-chair",
    "import-role-coordinator",
    "import-problem-line",
    "import-problem-file",
    "import-refused",
    "import-plan-summary",
    "import-limits",
];

/// `GET /cohorts/{id}/import`: the page.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let cohort = app
        .engine
        .import_cohort_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(render(&visitor, id, &cohort.name, Shown::Form, 200))
}

/// What the page shows besides the form.
enum Shown {
    /// The form alone.
    Form,
    /// A check's plan, with the text to import on confirmation.
    Plan(Imported, String),
    /// A refusal: every problem.
    Refused(Refusal),
}

/// `POST /cohorts/{id}/import`: check or import the uploaded file.
pub async fn upload(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let bad = || Fail::status(&visitor, 400, "error-bad-request", None);
    let too_large = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Fail::status(&visitor, 413, "error-too-large", None)
        } else {
            Fail::status(&visitor, 400, "error-bad-request", None)
        }
    };
    // The token first: nothing is read for a forged form.
    let csrf = match multipart.next_field().await.map_err(too_large)? {
        Some(field) if field.name() == Some("csrf") => field.text().await.map_err(too_large)?,
        _ => String::new(),
    };
    visitor.check_form(&csrf)?;
    // Someone who does not coordinate the cohort learns nothing of it, and
    // their file is not read.
    let cohort = app
        .engine
        .import_cohort_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let action = match multipart.next_field().await.map_err(too_large)? {
        Some(field) if field.name() == Some("action") => field.text().await.map_err(too_large)?,
        _ => return Err(bad()),
    };
    let dry_run = match action.as_str() {
        "check" => true,
        "import" => false,
        _ => return Err(bad()),
    };
    let Some(mut field) = multipart.next_field().await.map_err(too_large)? else {
        return Err(Fail::status(&visitor, 400, "error-empty-file", None));
    };
    if !matches!(field.name(), Some("file" | "content")) {
        return Err(bad());
    }
    let mut bytes: Vec<u8> = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(too_large)? {
        if bytes.len() as u64 + chunk.len() as u64 > MAX_BYTES {
            over = true;
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() && !over {
        return Err(Fail::status(&visitor, 400, "error-empty-file", None));
    }
    let answer = if over {
        ImportAnswer::Refused(import::too_large())
    } else {
        app.engine
            .import_people_as(viewer, id, &bytes, dry_run, Timestamp::now())
            .await
            .map_err(|e| Fail::service(&visitor, e))?
    };
    match answer {
        ImportAnswer::Refused(refusal) => Ok(render(
            &visitor,
            id,
            &cohort.name,
            Shown::Refused(refusal),
            if over { 413 } else { 400 },
        )),
        ImportAnswer::Done(plan) if plan.dry_run => {
            // Shown again in the confirmation's form: what was checked is
            // what is imported (and checked again, whole).
            let text = String::from_utf8_lossy(&bytes).into_owned();
            Ok(render(
                &visitor,
                id,
                &cohort.name,
                Shown::Plan(plan, text),
                200,
            ))
        }
        ImportAnswer::Done(done) => {
            let line = done::Line::new(
                "done-import",
                &[
                    ("people", done.rows.len().to_string()),
                    ("created", done.created.to_string()),
                    ("started", done.started.to_string()),
                    ("pooled", done.pooled.to_string()),
                    ("coordinators", done.coordinators.to_string()),
                    ("supervisors", done.supervisors.to_string()),
                ],
            );
            Ok(done::redirect(
                visitor.token(),
                &format!("/cohorts/{id}/import"),
                "",
                vec![line],
            ))
        }
    }
}

/// `GET /cohorts/{id}/import/template.csv`: the template (for coordinators).
pub async fn template(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    app.engine
        .import_cohort_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(csv_file(
        "people-template.csv",
        import::TEMPLATE.as_bytes().to_vec(),
    ))
}

/// `GET /cohorts/{id}/people.csv`: the cohort's people in the import's columns.
pub async fn export(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let bytes = app
        .engine
        .export_people_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(csv_file(&format!("cohort-{id}-people.csv"), bytes))
}

fn csv_file(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

fn role_words(lang: Lang, role: Role) -> String {
    i18n::text(lang, &format!("import-role-{}", role.key()), &[])
}

fn effect_words(lang: Lang, effect: RoleEffect) -> String {
    let key = match effect {
        RoleEffect::ProjectStarted => "import-effect-project-started",
        RoleEffect::HasProject => "import-effect-has-project",
        RoleEffect::SupervisorMarked => "import-effect-supervisor-marked",
        RoleEffect::Supervisor => "import-effect-supervisor",
        RoleEffect::PoolAdded => "import-effect-pool-added",
        RoleEffect::InPool => "import-effect-in-pool",
        RoleEffect::CoordinatorAdded => "import-effect-coordinator-added",
        RoleEffect::Coordinator => "import-effect-coordinator",
    };
    i18n::text(lang, key, &[])
}

fn render(visitor: &Visitor, id: i64, cohort: &str, shown: Shown, status: u16) -> Response {
    let lang = visitor.lang;
    let mut data = json!({
        "cohort": { "id": id, "name": cohort },
        "limits": i18n::text(lang, "import-limits", &[
            ("megabytes", (MAX_BYTES / (1024 * 1024)).to_string()),
            ("rows", MAX_ROWS.to_string()),
        ]),
    });
    match shown {
        Shown::Form => {}
        Shown::Refused(refusal) => {
            let problems: Vec<Value> = refusal
                .problems
                .iter()
                .map(|p| {
                    let words = gradflow_words::reason(lang.code(), &p.reason, None);
                    let text = match p.line {
                        Some(line) => i18n::text(
                            lang,
                            "import-problem-line",
                            &[("line", line.to_string()), ("reason", words)],
                        ),
                        None => i18n::text(lang, "import-problem-file", &[("reason", words)]),
                    };
                    json!({ "text": text, "code": p.reason.code, "line": p.line })
                })
                .collect();
            data["refused"] = json!({
                "text": i18n::text(lang, "import-refused", &[
                    ("count", refusal.total.to_string()),
                    ("listed", refusal.problems.len().to_string()),
                ]),
                "problems": problems,
            });
        }
        Shown::Plan(plan, text) => {
            let rows: Vec<Value> = plan
                .rows
                .iter()
                .map(|r| {
                    let effects: Vec<String> = r
                        .roles
                        .iter()
                        .map(|(role, effect)| {
                            format!(
                                "{}: {}",
                                role_words(lang, *role),
                                effect_words(lang, *effect)
                            )
                        })
                        .collect();
                    json!({
                        "line": r.line,
                        "email": r.email,
                        "person": i18n::text(lang, match r.person {
                            PersonEffect::Created => "import-person-created",
                            PersonEffect::Matched => "import-person-matched",
                        }, &[]),
                        "effects": effects.join("; "),
                    })
                })
                .collect();
            data["plan"] = json!({
                "summary": i18n::text(lang, "import-plan-summary", &[
                    ("people", plan.rows.len().to_string()),
                    ("created", plan.created.to_string()),
                    ("matched", plan.matched.to_string()),
                    ("started", plan.started.to_string()),
                    ("supervisors", plan.supervisors.to_string()),
                    ("pooled", plan.pooled.to_string()),
                    ("coordinators", plan.coordinators.to_string()),
                ]),
                "rows": rows,
                "content": text,
            });
        }
    }
    pages::page(
        status,
        pages::render("import", &Frame::of(visitor), "import-title", data),
    )
}
