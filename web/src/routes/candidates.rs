//! A coordinator's candidates for a cohort (issue 16, part 1 on the web),
//! linked from the cohort's board: `GET /cohorts/{id}/candidates` lists
//! every application with who nominated them (or the supervisor a request
//! names) and why, filtered by state and sorted (`?state=&sort=`, read by
//! the engine's `candidates_as`); `POST /cohorts/{id}/candidates` does one
//! thing to the candidates ticked (`do`: accept, wait, decline, withdraw;
//! `reason` for the last two). Accepting is the engine's bulk
//! `accept_as`: in the order listed until the cohort is full, each result
//! its own (accepted with its project started, or refused with its
//! reason). Each result is confirmed with what comes next; when nothing
//! could be done the page comes back as typed with the engine's reasons.

use std::collections::{BTreeSet, HashMap};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use gradflow_engine::decide::intake::ApplicationState;
use gradflow_engine::service::{CandidateQuery, CandidateSort, Error as ServiceError};
use jiff::Timestamp;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::applications as intake;
use crate::App;
use crate::done;
use crate::i18n;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// Most candidates one post may name (a cohort's list at most): a size
/// limit, like the forms' body limit.
const MOST: usize = 1000;

/// Most results a confirmation names one by one (the rest are counted).
const NAMED: usize = 12;

/// The list's query: which state, which order.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A state's name; empty or none: every state.
    state: Option<String>,
    /// `created`, `name`, `organization` or `state` (the engine's orders).
    sort: Option<String>,
}

/// The orders offered, as the engine names them (`CandidateSort`).
const SORTS: &[&str] = &["created", "name", "organization", "state"];

impl ListQuery {
    /// The state chosen ("" for every state).
    fn state(&self) -> &str {
        self.state.as_deref().unwrap_or_default().trim()
    }

    /// The order chosen (the engine's default when none).
    fn sort(&self) -> &str {
        self.sort
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("created")
    }

    /// The engine's query; a state or order it does not know is 400.
    fn engine(&self, visitor: &Visitor) -> Result<CandidateQuery, Fail> {
        let bad = || Fail::status(visitor, 400, "error-bad-request", None);
        let states = match self.state() {
            "" => Vec::new(),
            s => vec![ApplicationState::parse(s).ok_or_else(bad)?],
        };
        let sort: CandidateSort = serde_json::from_value(json!(self.sort())).map_err(|_| bad())?;
        Ok(CandidateQuery {
            sort,
            states,
            ..CandidateQuery::default()
        })
    }

    /// `&state=…&sort=…` for a link (the redirect after a post keeps it).
    fn tail(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        format!("&state={}&sort={}", enc(self.state()), enc(self.sort()))
    }
}

/// What was ticked and typed in a refused post.
#[derive(Debug, Default)]
struct Typed {
    picked: BTreeSet<i64>,
    reason: String,
    error: Option<String>,
}

/// `GET /cohorts/{id}/candidates[?state=S][&sort=O]`.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, Fail> {
    visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    render(&app, &visitor, id, &query, &Typed::default(), 200).await
}

/// `POST /cohorts/{id}/candidates`: `application` (repeated), `do`, `reason`.
pub async fn act(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let (csrf, fields) = intake::fields(&posted);
    let viewer = visitor.check_form(&csrf)?;
    let cohort = super::path_id(&visitor, &id)?;
    let query = ListQuery {
        state: fields.get("state").map(|s| (*s).to_owned()),
        sort: fields.get("sort").map(|s| (*s).to_owned()),
    };
    let mut picked = Vec::new();
    for (name, value) in &posted {
        if name == "application" {
            // A value that is no id names nothing: the engine refuses it.
            picked.push(value.trim().parse::<i64>().unwrap_or(-1));
        }
    }
    if picked.len() > MOST {
        return Err(Fail::status(&visitor, 413, "error-too-large", None));
    }
    let reason = fields.get("reason").copied().unwrap_or_default().to_owned();
    let mut typed = Typed {
        picked: picked.iter().copied().collect(),
        reason: reason.clone(),
        error: None,
    };
    let lang = visitor.lang;
    if picked.is_empty() {
        typed.error = Some(i18n::text(lang, "candidates-choose", &[]));
        return render(&app, &visitor, cohort, &query, &typed, 400).await;
    }
    let deed = fields.get("do").copied().unwrap_or_default();
    let now = Timestamp::now();
    // The candidates' names, for the confirmation (the read checks that
    // the visitor coordinates the cohort: anyone else gets "not found").
    let everyone = app
        .engine
        .candidates_as(viewer, cohort, &CandidateQuery::default())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let names: HashMap<i64, String> = everyone
        .applications
        .iter()
        .map(|a| (a.id, a.candidate.name.clone()))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let cohort_name = everyone.cohort.name.clone();
    let mut lines = Vec::new();
    let mut refusals: Vec<(ServiceError, i64)> = Vec::new();
    let mut done_count = 0;
    match deed {
        "accept" => {
            let results = app
                .engine
                .accept_as(viewer, cohort, &picked, now)
                .await
                .map_err(|e| Fail::service(&visitor, e))?;
            for (&id, result) in picked.iter().zip(results) {
                match result {
                    Ok(accepted) => {
                        done_count += 1;
                        if done_count > NAMED {
                            continue;
                        }
                        let project = match accepted.project.or(accepted.application.project) {
                            Some(p) => app
                                .engine
                                .view_as(viewer, p)
                                .await
                                .map(|v| v.record.title)
                                .unwrap_or_else(|_| format!("#{p}")),
                            None => String::new(),
                        };
                        lines.push(done::Line::new(
                            "done-intake-accepted",
                            &[
                                ("person", name(id)),
                                ("cohort", cohort_name.clone()),
                                ("project", project),
                            ],
                        ));
                        lines.extend(intake::follow_up(&app, &visitor, viewer, &accepted).await?);
                    }
                    Err(e) => refusals.push((e, id)),
                }
            }
        }
        "wait" | "decline" | "withdraw" => {
            for &id in &picked {
                let result = match deed {
                    "wait" => app.engine.wait_list_as(viewer, id, now).await,
                    "decline" => app.engine.decline_as(viewer, id, &reason, now).await,
                    _ => {
                        app.engine
                            .withdraw_application_as(viewer, id, &reason, now)
                            .await
                    }
                };
                match result {
                    Ok(changed) => {
                        done_count += 1;
                        if done_count > NAMED {
                            continue;
                        }
                        let line = match deed {
                            "wait" => done::Line::new(
                                "done-intake-waiting",
                                &[
                                    ("person", name(id)),
                                    ("cohort", cohort_name.clone()),
                                    (
                                        "position",
                                        changed
                                            .application
                                            .position
                                            .map(|p| p.to_string())
                                            .unwrap_or_default(),
                                    ),
                                ],
                            ),
                            "decline" => done::Line::new(
                                "done-intake-declined",
                                &[("person", name(id)), ("cohort", cohort_name.clone())],
                            ),
                            _ => done::Line::new(
                                "done-intake-withdrawn",
                                &[("person", name(id)), ("cohort", cohort_name.clone())],
                            ),
                        };
                        lines.push(line);
                        lines.extend(intake::follow_up(&app, &visitor, viewer, &changed).await?);
                    }
                    Err(e) => refusals.push((e, id)),
                }
            }
        }
        _ => return Err(Fail::status(&visitor, 400, "error-bad-request", None)),
    }
    if done_count == 0 {
        // Nothing done: the page again, as ticked and typed, with each reason.
        let mut status = 400;
        let mut said = Vec::new();
        for (e, id) in refusals {
            let (s, words) = intake::refusal(&visitor, e)?;
            status = s;
            said.push(format!("{}: {words}", name(id)));
        }
        typed.error = Some(said.join(" "));
        return render(&app, &visitor, cohort, &query, &typed, status).await;
    }
    if done_count > NAMED {
        lines.push(done::Line::new(
            "done-dates-more",
            &[("count", (done_count - NAMED).to_string())],
        ));
    }
    for (e, id) in refusals {
        let (_, words) = intake::refusal(&visitor, e)?;
        lines.push(done::Line::new(
            "done-intake-not-done",
            &[("person", name(id)), ("reason", words)],
        ));
    }
    Ok(done::redirect(
        visitor.token(),
        &format!("/cohorts/{cohort}/candidates"),
        &query.tail(),
        lines,
    ))
}

/// The page: the cohort's places, the filter, the list (ticks kept as
/// `typed` says) and the actions.
async fn render(
    app: &App,
    visitor: &Visitor,
    cohort: i64,
    query: &ListQuery,
    typed: &Typed,
    status: u16,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let lang = visitor.lang;
    let fail = |e| Fail::service(visitor, e);
    // Anyone but the cohort's coordinators: not found (the engine's read).
    let list = app
        .engine
        .candidates_as(viewer, cohort, &query.engine(visitor)?)
        .await
        .map_err(fail)?;
    let (state_now, sort_now) = (query.state(), query.sort());
    let mut states = vec![json!({
        "value": "",
        "label": i18n::text(lang, "candidates-state-all", &[]),
        "selected": state_now.is_empty(),
    })];
    for state in ApplicationState::ALL {
        states.push(json!({
            "value": state.as_str(),
            "label": intake::state_words(lang, state, None),
            "selected": state_now == state.as_str(),
        }));
    }
    let sorts: Vec<Value> = SORTS
        .iter()
        .map(|s| {
            json!({
                "value": s,
                "label": i18n::text(lang, &format!("candidates-sort-{s}"), &[]),
                "selected": *s == sort_now,
            })
        })
        .collect();
    let link = |sort: &str| {
        format!(
            "/cohorts/{}/candidates?state={}&sort={sort}",
            list.cohort.id,
            utf8_percent_encode(state_now, NON_ALPHANUMERIC)
        )
    };
    let column = |key: &str, sort: Option<&str>| {
        json!({
            "label": i18n::text(lang, &format!("candidates-col-{key}"), &[]),
            "href": sort.map(link),
            "current": sort == Some(sort_now),
        })
    };
    let columns = vec![
        column("name", Some("name")),
        column("organization", Some("organization")),
        column("by", None),
        column("reason", None),
        column("state", Some("state")),
        column("received", Some("created")),
    ];
    let mut cohorts = intake::Cohorts::default();
    let mut candidates = Vec::with_capacity(list.applications.len());
    for a in &list.applications {
        let mut value = intake::line(app, lang, &mut cohorts, a)
            .await
            .map_err(fail)?;
        value["checked"] = json!(typed.picked.contains(&a.id));
        candidates.push(value);
    }
    Ok(pages::page(
        status,
        pages::render(
            "candidates",
            &Frame::of(visitor),
            "candidates-title",
            json!({
                "cohort": {
                    "id": list.cohort.id,
                    "name": list.cohort.name,
                    "taken": list.cohort.taken,
                    "capacity": list.cohort.capacity,
                    "left": list.left,
                    "open": list.cohort.intake_open,
                    "time_zone": super::next::zone_name(lang, &list.cohort.time_zone),
                },
                "error": typed.error,
                "states": states,
                "sorts": sorts,
                "columns": columns,
                "query": { "state": state_now, "sort": sort_now },
                "count": candidates.len(),
                "candidates": candidates,
                "typed": { "reason": typed.reason },
            }),
        ),
    ))
}
