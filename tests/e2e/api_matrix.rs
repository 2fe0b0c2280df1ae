//! The web tests' authorization matrix extended to the JSON API: EVERY route
//! of `/api/openapi.json` (walked from the live document, so a new route is
//! in the matrix the day it exists; a path parameter the matrix does not
//! know fails the test until it is taught) × every role (trainee,
//! supervisor, evaluator, chair, coordinator, someone with no role) × every
//! token state (read, read-write, none, revoked), on SQLite and PostgreSQL.
//!
//! Each answer is the one expected: no token or a revoked one 401 with
//! `WWW-Authenticate`; a read token that writes 403 `token-read-only`; a
//! project, cohort, message or certificate the caller may not see 404, the
//! very same answer as for one that does not exist (so nothing leaks);
//! what they may see 200. No answer names a project, or a trainee, the
//! caller may not see, and nothing the refused requests asked for changed
//! a row.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use gradflow_engine::certificate::Code;
use gradflow_engine::service::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_world::{ROLES, TITLES, World, token};
use crate::support::{Served, TestDb, on_both, snapshot};

on_both!(
    every_route_every_role_every_scope,
    the_routes_answer_what_the_read_policy_says,
);

/// What a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    Read,
    ReadWrite,
    None,
    Revoked,
}

/// One way to fill a route's path parameters, and which roles may see it.
#[derive(Debug, Clone)]
struct Target {
    /// In words, for the report.
    label: String,
    /// Parameter name to value.
    params: BTreeMap<String, String>,
    /// The same target with what the caller may not see replaced by ids
    /// that name nothing; `None` when every role may see it.
    missing: Option<BTreeMap<String, String>>,
    /// The roles (of [`ROLES`]) that may see it.
    may: BTreeSet<&'static str>,
}

/// Those who see P1 (its people and cohort A's coordinator).
const ON_P1: &[&str] = &["trainee", "supervisor", "evaluator", "chair", "coordinator"];

/// An id nothing has.
const NOBODY: &str = "999999";

fn roles(list: &[&'static str]) -> BTreeSet<&'static str> {
    list.iter().copied().collect()
}

fn params(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// The targets of a route with path parameters `names` (in path order).
/// Panics on a parameter the matrix does not know: teach it here.
fn targets(path: &str, names: &[String], world: &World) -> Vec<Target> {
    let [p1, p2, p3] = world.projects.map(|p| p.to_string());
    let [a, b] = world.cohorts.map(|c| c.to_string());
    let [ma, mb] = world.messages.map(|m| m.to_string());
    let unknown_code = Code::from_random(&[7; 28]).as_str().to_owned();
    let everyone: BTreeSet<&str> = ROLES.iter().map(|(r, _)| *r).collect();
    let sorted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let project_name = names
        .iter()
        .find(|n| *n == "project" || (*n == "id" && path.starts_with("/api/v1/projects/")))
        .cloned();
    let known: Vec<&str> = sorted.iter().copied().collect();
    match known.as_slice() {
        [] => vec![Target {
            label: "no parameters".into(),
            params: BTreeMap::new(),
            missing: None,
            may: everyone,
        }],
        ["cohort"] => vec![
            Target {
                label: "cohort A".into(),
                params: params(&[("cohort", a.clone())]),
                missing: Some(params(&[("cohort", NOBODY.into())])),
                may: roles(&["coordinator"]),
            },
            Target {
                label: "cohort B".into(),
                params: params(&[("cohort", b.clone())]),
                missing: Some(params(&[("cohort", NOBODY.into())])),
                may: roles(&[]),
            },
        ],
        ["cohort", "message"] => vec![
            Target {
                label: "cohort A, its message".into(),
                params: params(&[("cohort", a.clone()), ("message", ma.clone())]),
                missing: Some(params(&[("cohort", a.clone()), ("message", NOBODY.into())])),
                may: roles(&["coordinator"]),
            },
            Target {
                label: "cohort B, its message".into(),
                params: params(&[("cohort", b.clone()), ("message", mb.clone())]),
                missing: Some(params(&[
                    ("cohort", NOBODY.into()),
                    ("message", NOBODY.into()),
                ])),
                may: roles(&[]),
            },
            Target {
                label: "cohort A, a message of cohort B".into(),
                params: params(&[("cohort", a.clone()), ("message", mb.clone())]),
                missing: Some(params(&[("cohort", a.clone()), ("message", NOBODY.into())])),
                may: roles(&[]),
            },
        ],
        [one @ ("webhook" | "delivery")] => {
            let [a, b] = if *one == "webhook" {
                world.webhooks
            } else {
                world.deliveries
            };
            vec![
                Target {
                    label: format!("cohort A's {one}"),
                    params: params(&[(*one, a.to_string())]),
                    missing: Some(params(&[(*one, NOBODY.into())])),
                    may: roles(&["coordinator"]),
                },
                Target {
                    label: format!("cohort B's {one}"),
                    params: params(&[(*one, b.to_string())]),
                    missing: Some(params(&[(*one, NOBODY.into())])),
                    may: roles(&[]),
                },
            ]
        }
        ["code"] if path.starts_with("/api/v1/verify/") => vec![Target {
            label: "a certificate's code (public)".into(),
            params: params(&[("code", world.certificate.clone())]),
            missing: None,
            may: everyone,
        }],
        ["code"] => vec![Target {
            label: "P1's certificate".into(),
            params: params(&[("code", world.certificate.clone())]),
            missing: Some(params(&[("code", unknown_code)])),
            may: everyone
                .iter()
                .copied()
                .filter(|r| *r != "outsider")
                .collect(),
        }],
        _ if project_name.is_some() => {
            let name = project_name.unwrap();
            let extra: Vec<(String, String)> = names
                .iter()
                .filter(|n| **n != name)
                .map(|n| match n.as_str() {
                    "action" => (n.clone(), "submit".to_owned()),
                    other => panic!(
                        "the API matrix does not know the path parameter {{{other}}} of {path}: \
                         teach tests/e2e/api_matrix.rs::targets who may see what it names"
                    ),
                })
                .collect();
            let with = |project: &str| {
                let mut p = params(&[(name.as_str(), project.to_owned())]);
                p.extend(extra.iter().cloned());
                p
            };
            vec![
                Target {
                    label: "P1".into(),
                    params: with(&p1),
                    missing: Some(with(NOBODY)),
                    may: roles(ON_P1),
                },
                Target {
                    label: "P2".into(),
                    params: with(&p2),
                    missing: Some(with(NOBODY)),
                    may: roles(&["coordinator"]),
                },
                Target {
                    label: "P3".into(),
                    params: with(&p3),
                    missing: Some(with(NOBODY)),
                    may: roles(&[]),
                },
            ]
        }
        other => panic!(
            "the API matrix does not know the path parameters {other:?} of {path}: teach \
             tests/e2e/api_matrix.rs::targets who may see what they name"
        ),
    }
}

/// The names of a path template's parameters, in order.
fn names_of(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

/// The path with its parameters filled.
fn fill(path: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = path.to_owned();
    for (k, v) in params {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The example body of an operation's JSON request body, from the document.
fn example_body(doc: &Value, op: &Value) -> Option<Value> {
    let content = op.pointer("/requestBody/content/application~1json")?;
    if let Some(example) = content.get("example") {
        return Some(example.clone());
    }
    let schema = content.get("schema")?;
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    let name = schema.get("$ref")?.as_str()?.rsplit('/').next()?;
    let component = doc.pointer(&format!("/components/schemas/{name}"))?;
    component
        .get("example")
        .or_else(|| component.pointer("/examples/0"))
        .cloned()
        .or(Some(json!({})))
}

/// `text` with every standalone occurrence of the number `n` replaced by `#`.
fn without_number(text: &str, n: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(n) {
        let before = rest[..at].chars().last();
        let after = rest[at + n.len()..].chars().next();
        let alone = !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric());
        out.push_str(&rest[..at]);
        out.push_str(if alone { "#" } else { n });
        rest = &rest[at + n.len()..];
    }
    out.push_str(rest);
    out
}

/// A problem body with the values in `params` (ids, codes in either form)
/// replaced, for comparing the answer about something hidden with the
/// answer about nothing.
fn neutral(body: &str, params: &BTreeMap<String, String>) -> String {
    let mut text = body.to_owned();
    for value in params.values() {
        if let Ok(code) = Code::parse(value) {
            text = text
                .replace(&code.grouped(), "#")
                .replace(code.as_str(), "#");
        }
        text = without_number(&text, value);
    }
    text
}

/// One answer.
struct Answer {
    status: StatusCode,
    body: String,
    authenticate: bool,
}

/// A client whose requests come from `127.0.0.N`: invalid tokens are
/// counted per address (and refused with 429 past the limit), so the
/// matrix's revoked tokens spread over addresses.
fn client_from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn send(
    client: &reqwest::Client,
    method: &Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut request = client.request(method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let authenticate = response
        .headers()
        .get("www-authenticate")
        .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("Bearer"));
    Answer {
        status,
        body: response.text().await.unwrap(),
        authenticate,
    }
}

async fn every_route_every_role_every_scope(db: &TestDb) {
    let engine = db.engine().await;
    let world = World::set_up(&engine).await;
    let mut tokens: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for (role, email) in ROLES {
        tokens.insert((role, "read"), token(&engine, email, Scope::Read).await);
        tokens.insert(
            (role, "read-write"),
            token(&engine, email, Scope::ReadWrite).await,
        );
        let revoked = engine
            .create_token(
                email,
                "revoked",
                Scope::ReadWrite,
                None,
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        engine
            .revoke_token(revoked.id, jiff::Timestamp::now())
            .await
            .unwrap();
        tokens.insert((role, "revoked"), revoked.token);
    }
    let served = Served::start(db).await;
    let client = client_from(1);
    let doc: Value = client
        .get(format!("{}/api/openapi.json", served.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let paths = doc["paths"].as_object().expect("the document has paths");
    // This part's routes are there (the walk below covers whatever else is).
    for path in [
        "/api/v1/cohorts",
        "/api/v1/cohorts/{cohort}",
        "/api/v1/cohorts/{cohort}/board",
        "/api/v1/cohorts/{cohort}/people",
        "/api/v1/projects/{id}/members",
        "/api/v1/certificates",
        "/api/v1/certificates/{code}",
        "/api/v1/verify/{code}",
        "/api/v1/cohorts/{cohort}/outbox",
        "/api/v1/cohorts/{cohort}/outbox/{message}",
        "/api/v1/cohorts/{cohort}/outbox/{message}/resend",
    ] {
        assert!(paths.contains_key(path), "{path} is not in the document");
    }
    // What each role may not read anywhere: the titles of the projects it
    // may not see, and their trainees' emails.
    let trainees = [
        "trainee1@example.org",
        "trainee2@example.org",
        "trainee3@example.org",
    ];
    let sees = |role: &str, i: usize| match i {
        0 => ON_P1.contains(&role),
        1 => role == "coordinator",
        _ => false,
    };

    let before = snapshot(db).await;
    let mut failures: Vec<String> = Vec::new();
    let mut checks = 0usize;
    let mut routes = 0usize;
    let mut address = 2u8;
    let mut on_address = 0usize;
    // Every operation, removals last: the coordinator's removal of cohort
    // A's subscription succeeds, and nothing walked after it needs it.
    let mut operations: Vec<(&String, Method, &Value)> = Vec::new();
    for (path, item) in paths {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                operations.push((path, method, op));
            }
        }
    }
    operations.sort_by_key(|(_, method, _)| *method == Method::DELETE);
    for (path, method, op) in operations {
        {
            routes += 1;
            let write = method != Method::GET;
            // `security: [{}]`: no token needed (the public check).
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            let body = example_body(&doc, op);
            let names = names_of(path);
            for target in targets(path, &names, &world) {
                let url = format!("{}{}", served.base, fill(path, &target.params));
                for (role, _) in ROLES {
                    for credential in [
                        Credential::Read,
                        Credential::ReadWrite,
                        Credential::None,
                        Credential::Revoked,
                    ] {
                        // The revoked tokens of one role stand for all.
                        if credential == Credential::Revoked && *role != "trainee" {
                            continue;
                        }
                        let token = match credential {
                            Credential::Read => Some(tokens[&(*role, "read")].as_str()),
                            Credential::ReadWrite => Some(tokens[&(*role, "read-write")].as_str()),
                            Credential::Revoked => Some(tokens[&(*role, "revoked")].as_str()),
                            Credential::None => None,
                        };
                        let who = format!(
                            "{role} ({credential:?}) {method} {path} on {}",
                            target.label
                        );
                        let from = if credential == Credential::Revoked {
                            on_address += 1;
                            if on_address.is_multiple_of(20) {
                                address += 1;
                            }
                            client_from(address)
                        } else {
                            client.clone()
                        };
                        let answer = send(&from, &method, &url, token, body.as_ref()).await;
                        checks += 1;
                        let code = serde_json::from_str::<Value>(&answer.body)
                            .ok()
                            .and_then(|v| v["code"].as_str().map(str::to_owned))
                            .unwrap_or_default();
                        // Nothing about what the role may not see.
                        for i in 0..3 {
                            if !sees(role, i)
                                && (answer.body.contains(TITLES[i])
                                    || answer.body.contains(trainees[i]))
                            {
                                failures.push(format!(
                                    "{who}: LEAK of project {} ({}): {}",
                                    i + 1,
                                    answer.status,
                                    answer.body
                                ));
                            }
                        }
                        if answer.status.is_server_error() {
                            failures.push(format!("{who}: {} {}", answer.status, answer.body));
                            continue;
                        }
                        if public {
                            if answer.status != StatusCode::OK {
                                failures.push(format!(
                                    "{who}: a public route answered {}: {}",
                                    answer.status, answer.body
                                ));
                            }
                            continue;
                        }
                        match credential {
                            Credential::None | Credential::Revoked => {
                                if answer.status != StatusCode::UNAUTHORIZED || !answer.authenticate
                                {
                                    failures.push(format!(
                                        "{who}: expected 401 with WWW-Authenticate, got {} {}",
                                        answer.status, answer.body
                                    ));
                                }
                                continue;
                            }
                            Credential::Read if write => {
                                if answer.status != StatusCode::FORBIDDEN
                                    || code != "token-read-only"
                                {
                                    failures.push(format!(
                                        "{who}: a read token wrote? {} {}",
                                        answer.status, answer.body
                                    ));
                                }
                                continue;
                            }
                            _ => {}
                        }
                        if target.may.contains(role) {
                            // A write (or an action's form) may be refused by the
                            // core, or name someone unknown: past the policy, the
                            // answer is the rules'.
                            let ok = if write || names.iter().any(|n| n == "action") {
                                answer.status != StatusCode::UNAUTHORIZED
                            } else {
                                answer.status == StatusCode::OK
                            };
                            if !ok {
                                failures.push(format!(
                                    "{who}: may see it, got {} {}",
                                    answer.status, answer.body
                                ));
                            }
                            continue;
                        }
                        // Hidden: 404, exactly as for something that does not exist.
                        if answer.status != StatusCode::NOT_FOUND {
                            failures.push(format!(
                                "{who}: may not see it, expected 404, got {} {}",
                                answer.status, answer.body
                            ));
                            continue;
                        }
                        if let Some(missing) = &target.missing {
                            let url = format!("{}{}", served.base, fill(path, missing));
                            let none = send(&client, &method, &url, token, body.as_ref()).await;
                            checks += 1;
                            let hidden = neutral(&answer.body, &target.params);
                            let nothing = neutral(&none.body, missing);
                            if none.status != answer.status || hidden != nothing {
                                failures.push(format!(
                                    "{who}: the answer about something hidden differs from the \
                                     answer about nothing:\n  hidden:  {} {}\n  nothing: {} {}",
                                    answer.status, answer.body, none.status, none.body
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    // Refused requests change nothing (tokens note when they were used).
    // Cohort A's coordinator may subscribe, resend and remove (checked
    // below: cohort B's subscription and delivery are untouched).
    let changes: Vec<String> = snapshot(db)
        .await
        .changes_since(&before)
        .into_iter()
        .filter(|c| {
            !c[2..].starts_with("api_tokens:")
                && !c[2..].starts_with("webhooks:")
                && !c[2..].starts_with("webhook_deliveries:")
        })
        .collect();
    let [_, hook_b] = world.webhooks;
    let untouched = engine
        .webhook(hook_b)
        .await
        .expect("cohort B's subscription");
    assert_eq!(untouched.id, hook_b);
    let b_log = engine.webhook_deliveries(hook_b, None, 10).await.unwrap();
    assert!(
        b_log.iter().any(|d| d.id == world.deliveries[1]),
        "cohort B's delivery is still in its log"
    );
    assert_eq!(
        engine.webhooks(Some(world.cohorts[1])).await.unwrap().len(),
        1,
        "nobody subscribed cohort B"
    );
    assert!(
        changes.is_empty(),
        "the matrix's requests changed: {changes:#?}"
    );
    eprintln!("api matrix: {checks} checks over {routes} routes");
    assert!(routes >= 11, "{routes} routes walked");
    assert!(checks > 500, "{checks} checks");
    assert!(
        failures.is_empty(),
        "{} failures in {checks} checks over {routes} routes:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The outsider's lists are empty, and a coordinator's are theirs.
    let outsider = tokens[&("outsider", "read")].clone();
    let cohorts: Value = client
        .get(format!("{}/api/v1/cohorts", served.base))
        .bearer_auth(&outsider)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(cohorts["items"], json!([]), "{cohorts}");
    let coordinator = tokens[&("coordinator", "read")].clone();
    let cohorts: Value = client
        .get(format!("{}/api/v1/cohorts", served.base))
        .bearer_auth(&coordinator)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let ids: Vec<i64> = cohorts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![world.cohorts[0]], "{cohorts}");
    served.stop().await;
}

/// A JSON answer: status, body, and the `Retry-After` header if any.
async fn call(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
    lang: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(lang) = lang {
        request = request.header("accept-language", lang);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text }));
    (status, value, retry)
}

/// The routes of this part with what they say: the board's counts, pages
/// and whom each project waits for, a cohort's people, certificates and
/// the public check (valid, then revoked; 429 for a guesser's address, a
/// good code too, while another address is answered), the outbox with a
/// dead message resent once by twenty racing requests, a role given, and a
/// refusal in Arabic.
async fn the_routes_answer_what_the_read_policy_says(db: &TestDb) {
    let engine = db.engine().await;
    let world = World::set_up(&engine).await;
    let [p1, p2, p3] = world.projects;
    let [a, b] = world.cohorts;
    let coordinator = token(&engine, "coordinator1@example.org", Scope::ReadWrite).await;
    let trainee = token(&engine, "trainee1@example.org", Scope::ReadWrite).await;
    let served = Served::start(db).await;
    let base = served.base.clone();
    let client = client_from(1);
    let get = |path: String, token: &str| {
        let (client, url, token) = (client.clone(), format!("{base}{path}"), token.to_owned());
        async move { call(&client, Method::GET, &url, Some(&token), None, None).await }
    };

    // The board: both of A's projects counted, P2 overdue and waiting for its trainee.
    let (status, board, _) = get(format!("/api/v1/cohorts/{a}/board"), &coordinator).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    assert_eq!(board["cohort"]["id"], json!(a));
    assert_eq!(board["total"]["projects"], json!(2), "{board}");
    assert_eq!(board["list"], json!("overdue"));
    let stages: Vec<&str> = board["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert!(stages.contains(&"proposal"), "{board}");
    let items = board["projects"]["items"].as_array().unwrap();
    let card = items
        .iter()
        .find(|c| c["id"] == json!(p2))
        .unwrap_or_else(|| panic!("P2 is overdue: {board}"));
    assert!(card["overdue_since"].is_string(), "{card}");
    let trainee2 = engine.person("trainee2@example.org").await.unwrap().id;
    assert_eq!(card["waiting"][0]["action"], json!("submit"), "{card}");
    assert_eq!(card["waiting"][0]["people"], json!([trainee2]), "{card}");
    let (status, page, _) = get(
        format!("/api/v1/cohorts/{a}/board?stage=proposal"),
        &coordinator,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let ids: Vec<&Value> = page["projects"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, vec![&json!(p2)], "{page}");
    assert!(page["projects"].get("next").is_none(), "{page}");
    let (status, bad, _) = get(
        format!("/api/v1/cohorts/{a}/board?cursor=nonsense"),
        &coordinator,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["code"], json!("api-bad-cursor"));

    // A cohort's people, a page at a time, and no one of cohort B.
    let mut emails = Vec::new();
    let mut url = format!("/api/v1/cohorts/{a}/people?limit=2");
    loop {
        let (status, page, _) = get(url.clone(), &coordinator).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for person in page["items"].as_array().unwrap() {
            emails.push(person["email"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => url = format!("/api/v1/cohorts/{a}/people?limit=2&cursor={next}"),
            None => break,
        }
    }
    for email in [
        "trainee1@example.org",
        "trainee2@example.org",
        "supervisor1@example.org",
        "committee1@example.org",
        "coordinator1@example.org",
    ] {
        assert!(emails.contains(&email.to_owned()), "{email} in {emails:?}");
    }
    assert!(!emails.contains(&"trainee3@example.org".to_owned()));
    let mut sorted = emails.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), emails.len(), "each person once: {emails:?}");

    // Certificates: the holder's own, then the public check.
    let (status, own, _) = get("/api/v1/certificates".into(), &trainee).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let code = Code::parse(&world.certificate).unwrap();
    assert_eq!(own["items"][0]["code"], json!(code.grouped()), "{own}");
    assert_eq!(own["items"][0]["status"], json!("valid"));
    assert_eq!(own["items"][0]["project"], json!(p1));
    assert_eq!(
        own["items"][0]["check"],
        json!(code.check_address(&base)),
        "{own}"
    );
    let public = format!("{base}/api/v1/verify/{}", code.grouped().to_lowercase());
    let (status, checked, _) = call(&client, Method::GET, &public, None, None, None).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["status"], json!("valid"), "{checked}");
    assert_eq!(
        checked["certificate"]["holder"],
        json!("trainee 1"),
        "{checked}"
    );
    engine
        .revoke_certificate(
            &world.certificate,
            None,
            "Plagiarism found",
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let (_, checked, _) = call(&client, Method::GET, &public, None, None, None).await;
    assert_eq!(checked["status"], json!("revoked"), "{checked}");
    assert!(
        checked["certificate"]["revoked_on"].is_string(),
        "{checked}"
    );
    assert!(
        !checked.to_string().contains("Plagiarism"),
        "why is for the staff"
    );
    let (_, one, _) = get(
        format!("/api/v1/certificates/{}", world.certificate),
        &coordinator,
    )
    .await;
    assert_eq!(one["status"], json!("revoked"), "{one}");
    assert_eq!(one["revoked"]["reason"], json!("Plagiarism found"), "{one}");
    // A guesser's address is refused after its misses, a good code too;
    // another address is still answered.
    let guesser = client_from(77);
    let mut refused = None;
    for n in 0..40u8 {
        let unknown = Code::from_random(&[n; 28]);
        let url = format!("{base}/api/v1/verify/{}", unknown.as_str());
        let (status, body, retry) = call(&guesser, Method::GET, &url, None, None, None).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((body, retry));
            break;
        }
        assert_eq!(body["status"], json!("unknown"), "{body}");
    }
    let (body, retry) = refused.expect("the guesses are refused before the 40th");
    assert_eq!(body["code"], json!("too-many-attempts"), "{body}");
    assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() > 0));
    let (status, _, _) = call(&guesser, Method::GET, &public, None, None, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = call(&client, Method::GET, &public, None, None, None).await;
    assert_eq!(status, StatusCode::OK);

    // The outbox: every message given up on, then one sent again by
    // twenty racing requests: one is queued, the others 409.
    let now = jiff::Timestamp::now();
    let claim = engine
        .claim_mail(
            now.checked_add(jiff::SignedDuration::from_hours(24 * 3650))
                .unwrap(),
            now,
            1000,
            jiff::SignedDuration::from_secs(60),
        )
        .await
        .unwrap();
    let ids: Vec<i64> = claim.mails.iter().map(|m| m.message.id).collect();
    assert!(ids.contains(&world.messages[0]), "{ids:?}");
    assert!(
        engine
            .finish_mail_group(
                &claim,
                &ids,
                &gradflow_engine::service::Delivery::Dead {
                    error: "550 mailbox unavailable".into(),
                },
                now,
            )
            .await
            .unwrap()
    );
    let (status, outbox, _) = get(format!("/api/v1/cohorts/{a}/outbox"), &coordinator).await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    let listed = outbox["items"].as_array().unwrap();
    assert!(!listed.is_empty());
    for m in listed {
        assert!(
            m["project"] == json!(p1) || m["project"] == json!(p2),
            "only cohort A's mail: {m}"
        );
        assert_eq!(m["state"], json!("dead"), "{m}");
    }
    assert!(listed.iter().all(|m| m["project"] != json!(p3)));
    let message = world.messages[0];
    let resend = format!("{base}/api/v1/cohorts/{a}/outbox/{message}/resend");
    let racing: Vec<_> = (0..20)
        .map(|_| {
            let (client, url, token) = (client.clone(), resend.clone(), coordinator.clone());
            tokio::spawn(async move {
                call(&client, Method::POST, &url, Some(&token), None, None).await
            })
        })
        .collect();
    let mut queued = 0;
    for task in racing {
        let (status, body, _) = task.await.unwrap();
        match status {
            StatusCode::ACCEPTED => {
                queued += 1;
                assert_eq!(body["state"], json!("pending"), "{body}");
                assert_eq!(body["resends"], json!(1), "{body}");
            }
            StatusCode::CONFLICT => {
                assert_eq!(body["code"], json!("message-not-resendable"), "{body}");
            }
            other => panic!("a resend answered {other}: {body}"),
        }
    }
    assert_eq!(queued, 1, "one resend queues the message");
    // The refusal in Arabic, with its code and arguments unchanged.
    let (status, body, _) = call(
        &client,
        Method::POST,
        &resend,
        Some(&coordinator),
        None,
        Some("ar"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], json!("message-not-resendable"));
    assert_eq!(body["args"]["message"], json!(message), "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "{detail}"
    );
    // Cohort B's message is not found through cohort A.
    let (status, _, _) = get(
        format!("/api/v1/cohorts/{a}/outbox/{}", world.messages[1]),
        &coordinator,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(format!("/api/v1/cohorts/{b}/outbox"), &coordinator).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Giving a role: the coordinator may, the trainee may not.
    let members = format!("{base}/api/v1/projects/{p2}/members");
    let give = json!({"email": "supervisor3@example.org", "role": "supervisor"});
    let (status, body, _) = call(
        &client,
        Method::POST,
        &format!("{base}/api/v1/projects/{p1}/members"),
        Some(&trainee),
        Some(give.clone()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body, _) = call(
        &client,
        Method::POST,
        &members,
        Some(&coordinator),
        Some(give),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["project"], json!(p2));
    let supervisor3 = engine.acting_as("supervisor3@example.org").await.unwrap();
    engine.view_as(&supervisor3, p2).await.unwrap();
    let (status, body, _) = call(
        &client,
        Method::POST,
        &members,
        Some(&coordinator),
        Some(json!({"email": "supervisor3@example.org", "role": "supervisor", "extra": 1})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    served.stop().await;
}
