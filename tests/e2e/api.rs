//! The JSON API (issue 17, parts 1 and 2) over HTTP against the real
//! server, on SQLite and PostgreSQL: tokens made, refused, revoked and
//! expired; every error status with nothing changed; acting with the
//! version seen and an Idempotency-Key; pages and cursors; answers in
//! Arabic; the OpenAPI 3.1 document walked route by route against the
//! router, and the docs page listing every path. The CLI's `user token`
//! commands through the real binary.

use gradflow_engine::service::{Engine, Scope};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::processes::spawn;
use crate::support::{self, Cohort, Kind, Served, TestDb, holder, snapshot};

/// An answer of the API: status, headers, body as text and as JSON.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub json: Value,
}

impl Answer {
    /// The problem's `code` (empty when the answer is no problem).
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

/// A client of a served API.
pub(crate) struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    /// A client of `served`.
    pub fn of(served: &Served) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: served.base.clone(),
        }
    }

    /// Sends `method path` with `token` (if any), `headers`, and `body` as
    /// the raw body (sent as JSON unless a header says another type).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let typed = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !typed {
            request = request.header("content-type", "application/json");
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            json,
        }
    }

    /// `GET path` with `token`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(reqwest::Method::GET, path, token, &[], None)
            .await
    }

    /// `POST path` with `token` and the JSON `body`.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.send(
            reqwest::Method::POST,
            path,
            token,
            &[],
            Some(body.to_string().into_bytes()),
        )
        .await
    }
}

/// A token for `email` with `scope`, never expiring.
pub(crate) async fn token(engine: &Engine, email: &str, scope: Scope) -> String {
    engine
        .create_token(email, "test", scope, None, Timestamp::now())
        .await
        .unwrap()
        .token
}

/// Asserts `answer` is a problem with `status` and `code`, in the media
/// type of problems.
fn problem(answer: &Answer, status: u16, code: &str, what: &str) {
    assert_eq!(answer.status.as_u16(), status, "{what}: {answer:?}");
    assert_eq!(answer.code(), code, "{what}: {answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    assert_eq!(answer.json["status"], status, "{what}");
    assert_eq!(
        answer.json["type"],
        format!("/api/docs#problem-{code}"),
        "{what}"
    );
}

/// `POST path` with `token`, the JSON `body` and an `Idempotency-Key`.
async fn keyed(api: &Client, path: &str, token: &str, key: &str, body: &Value) -> Answer {
    api.send(
        reqwest::Method::POST,
        path,
        Some(token),
        &[("idempotency-key", key)],
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// A project whose trainee is `holder("trainee", 1)`; its id.
async fn project(engine: &Engine) -> (Cohort, i64) {
    let cohort = Cohort::set_up(engine, "graduation-service").await;
    let id = cohort.start(engine, "Shorter queues").await;
    (cohort, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_a_problem_and_changes_nothing_on_sqlite() {
    every_error_is_a_problem_and_changes_nothing(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_a_problem_and_changes_nothing_on_postgres() {
    every_error_is_a_problem_and_changes_nothing(Kind::Postgres).await;
}

async fn every_error_is_a_problem_and_changes_nothing(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let engine = db.engine().await;
    let (cohort, id) = project(&engine).await;
    let trainee = holder("trainee", 1);
    let outsider = holder("trainee", 2);
    let write = token(&engine, &trainee, Scope::ReadWrite).await;
    let read = token(&engine, &trainee, Scope::Read).await;
    let other = token(&engine, &outsider, Scope::ReadWrite).await;
    let revoked = engine
        .create_token(&trainee, "old", Scope::ReadWrite, None, Timestamp::now())
        .await
        .unwrap();
    engine
        .revoke_token(revoked.id, Timestamp::now())
        .await
        .unwrap();
    // Made a day ago for an hour: expired now.
    let past = Timestamp::now() - SignedDuration::from_hours(24);
    let expired = engine
        .create_token(
            &trainee,
            "short",
            Scope::ReadWrite,
            Some(past + SignedDuration::from_hours(1)),
            past,
        )
        .await
        .unwrap()
        .token;
    let served = Served::start(&db).await;
    let api = Client::of(&served);
    let path = format!("/api/v1/projects/{id}");
    let act = format!("{path}/actions/submit");
    // Each live token used once, so its last use is written before the
    // snapshot (then at most hourly).
    for t in [&write, &read, &other] {
        assert_eq!(api.get("/api/v1/me", Some(t)).await.status, 200);
    }
    let seen = api.get(&path, Some(&write)).await;
    assert_eq!(seen.status, 200, "{seen:?}");
    let version = seen.json["version"].as_u64().unwrap();
    let before = snapshot(&db).await;

    // 401 without credentials, with the scheme to use.
    let none = api.get(&path, None).await;
    problem(&none, 401, "token-missing", "no token");
    assert!(
        none.header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")),
        "{:?}",
        none.headers
    );
    let basic = api
        .send(
            reqwest::Method::GET,
            &path,
            None,
            &[("authorization", "Basic dXNlcjpwYXNz")],
            None,
        )
        .await;
    problem(&basic, 401, "token-missing", "basic credentials");
    // 401 alike for a malformed, unknown, revoked and expired token.
    let unknown = format!("gft_{}", "A".repeat(43));
    let mut bodies = Vec::new();
    for (what, t) in [
        ("malformed", "not-a-token"),
        ("unknown", unknown.as_str()),
        ("revoked", revoked.token.as_str()),
        ("expired", expired.as_str()),
    ] {
        let answer = api.get(&path, Some(t)).await;
        problem(&answer, 401, "token-invalid", what);
        assert!(answer.header("www-authenticate").is_some(), "{what}");
        bodies.push(answer.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    // A session cookie alone never authenticates the API.
    let cookie = api
        .send(
            reqwest::Method::GET,
            "/api/v1/me",
            None,
            &[(
                "cookie",
                "gradflow_session=0123456789abcdef0123456789abcdef",
            )],
            None,
        )
        .await;
    problem(&cookie, 401, "token-missing", "a cookie");

    // 403: a read-only token writing, told a read-write token is needed.
    let body =
        json!({"version": version, "answers": support::sample(&cohort.workflow.forms["proposal"])});
    let refused = api.post(&act, Some(&read), &body).await;
    problem(&refused, 403, "token-read-only", "read-only token");
    assert!(
        refused.json["detail"]
            .as_str()
            .unwrap()
            .contains("read-write"),
        "{refused:?}"
    );

    // 404 for a project the caller may not see, exactly as for none.
    let hidden = api.get(&path, Some(&other)).await;
    problem(&hidden, 404, "unknown-project", "a project not theirs");
    let missing = api.get("/api/v1/projects/999999", Some(&write)).await;
    problem(&missing, 404, "unknown-project", "no such project");
    assert_eq!(
        hidden.body.replace(&id.to_string(), "N"),
        missing.body.replace("999999", "N"),
        "hidden and missing answer alike"
    );
    for (what, answer) in [
        ("acting", api.post(&act, Some(&other), &body).await),
        (
            "history",
            api.get(&format!("{path}/history"), Some(&other)).await,
        ),
        (
            "no number",
            api.get("/api/v1/projects/abc", Some(&write)).await,
        ),
    ] {
        assert_eq!(answer.status, 404, "{what}: {answer:?}");
    }
    let nowhere = api.get("/api/v1/nothing-here", Some(&write)).await;
    problem(&nowhere, 404, "api-not-found", "no route");
    // A method the path does not take: a problem naming those it does.
    let wrong = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/projects",
            Some(&write),
            &[],
            None,
        )
        .await;
    problem(&wrong, 405, "api-method", "wrong method");
    assert_eq!(wrong.json["args"]["method"], "DELETE", "{wrong:?}");
    assert_eq!(wrong.header("allow"), Some("GET,HEAD"), "{wrong:?}");
    // In Arabic when asked.
    let arabic = api
        .send(
            reqwest::Method::GET,
            "/api/v1/projects/999999",
            Some(&write),
            &[("accept-language", "ar-OM,ar;q=0.9")],
            None,
        )
        .await;
    problem(&arabic, 404, "unknown-project", "in Arabic");
    assert_eq!(arabic.json["detail"], "لا يوجد مشروع رقمه 999999");
    assert_eq!(arabic.json["args"]["project"], 999999);

    // 409 for a version the project has left.
    let stale = api
        .post(
            &act,
            Some(&write),
            &json!({"version": version - 1, "answers": body["answers"]}),
        )
        .await;
    problem(&stale, 409, "stale", "an old version");
    assert_eq!(stale.json["args"]["actual"], version);

    // 422: answers the form refuses, each problem on its field.
    let invalid = api
        .post(
            &act,
            Some(&write),
            &json!({"version": version, "answers": {}}),
        )
        .await;
    problem(&invalid, 422, "invalid-fields", "no answers");
    let errors = invalid.json["errors"].as_array().unwrap();
    let required: Vec<&str> = cohort.workflow.forms["proposal"]
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key.as_str())
        .collect();
    assert!(!required.is_empty());
    for key in &required {
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == *key && e["code"] == "field-required"),
            "{key}: {errors:?}"
        );
    }
    // 422 for a body that does not fit, naming the member.
    let unknown_member = api
        .post(
            &act,
            Some(&write),
            &json!({"version": version, "answer": {}}),
        )
        .await;
    problem(&unknown_member, 422, "api-unknown-field", "unknown member");
    assert_eq!(unknown_member.json["errors"][0]["field"], "answer");
    let wrong_type = api
        .post(&act, Some(&write), &json!({"version": "seven"}))
        .await;
    problem(&wrong_type, 422, "api-wrong-type", "wrong type");
    assert_eq!(wrong_type.json["errors"][0]["field"], "version");
    // 400 for no JSON, 415 for another type, 413 for a huge body.
    let malformed = api
        .send(
            reqwest::Method::POST,
            &act,
            Some(&write),
            &[],
            Some(b"{\"version\": ".to_vec()),
        )
        .await;
    problem(&malformed, 400, "api-malformed", "malformed");
    let form = api
        .send(
            reqwest::Method::POST,
            &act,
            Some(&write),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(b"version=1".to_vec()),
        )
        .await;
    problem(&form, 415, "api-content-type", "a form");
    let huge = format!(
        "{{\"version\": {version}, \"comment\": \"{}\"}}",
        "x".repeat(100 * 1024)
    );
    let huge = api
        .send(
            reqwest::Method::POST,
            &act,
            Some(&write),
            &[],
            Some(huge.into_bytes()),
        )
        .await;
    problem(&huge, 413, "api-too-large", "100 KiB");
    // The unread body closes the connection, and the answer says so: the
    // next request goes down a new one (reusing the old one lost it).
    assert_eq!(huge.header("connection"), Some("close"), "{huge:?}");
    // A bad Idempotency-Key, a bad cursor, a bad limit: 400.
    let key = api
        .send(
            reqwest::Method::POST,
            &act,
            Some(&write),
            &[("idempotency-key", &"k".repeat(201))],
            Some(body.to_string().into_bytes()),
        )
        .await;
    problem(&key, 400, "idempotency-key", "a long key");
    let cursor = api.get("/api/v1/projects?cursor=nope", Some(&write)).await;
    problem(&cursor, 400, "api-bad-cursor", "a cursor");
    for bad in [
        "limit=0",
        "limit=101",
        "limit=x",
        "overdue=maybe",
        "cohort=x",
    ] {
        let answer = api
            .get(&format!("/api/v1/projects?{bad}"), Some(&write))
            .await;
        problem(&answer, 400, "api-bad-parameter", bad);
    }
    // A cross-site bearer post is the API's to answer, not the pages'
    // cross-site check's (there is no cookie to abuse).
    let cross = api
        .send(
            reqwest::Method::POST,
            &act,
            Some(&read),
            &[
                ("origin", "https://elsewhere.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            Some(body.to_string().into_bytes()),
        )
        .await;
    problem(&cross, 403, "token-read-only", "cross-site");
    support::assert_unchanged(&db, &before, "refused API requests").await;

    // Acting, then the same request again with its key: the first answer.
    let first = keyed(&api, &act, &write, "submit-1", &body).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.json["replayed"], false);
    assert_eq!(first.json["version"], version + 1);
    let after_first = snapshot(&db).await;
    let again = keyed(&api, &act, &write, "submit-1", &body).await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.json["replayed"], true);
    assert_eq!(again.json["version"], first.json["version"]);
    assert_eq!(again.json["stage"], first.json["stage"]);
    // The same key with another body: 409, nothing done.
    let mut other_body = body.clone();
    other_body["comment"] = json!("another request");
    let reused = keyed(&api, &act, &write, "submit-1", &other_body).await;
    problem(&reused, 409, "idempotency-key-reused", "a reused key");
    support::assert_unchanged(&db, &after_first, "a retry and a reused key").await;
    let moved = api.get(&path, Some(&write)).await;
    assert_eq!(moved.json["version"], version + 1);
    assert_eq!(moved.json["stage"]["key"], first.json["stage"]);

    // Guessing tokens from one address: 429 with Retry-After once past
    // the limit; a valid token still works.
    let mut last = None;
    for n in 0..=gradflow_engine::service::ATTEMPTS_PER_ADDRESS {
        last = Some(api.get("/api/v1/me", Some(&format!("gft_guess{n}"))).await);
    }
    let last = last.unwrap();
    problem(&last, 429, "too-many-attempts", "guessing");
    let wait: u64 = last.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 60, "{wait}");
    assert_eq!(api.get("/api/v1/me", Some(&write)).await.status, 200);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_come_in_pages_with_their_forms_on_sqlite() {
    projects_come_in_pages_with_their_forms(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_come_in_pages_with_their_forms_on_postgres() {
    projects_come_in_pages_with_their_forms(Kind::Postgres).await;
}

async fn projects_come_in_pages_with_their_forms(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(cohort.start(&engine, &format!("Project {n}")).await);
    }
    let submitted = cohort.start_submitted(&engine, "Submitted").await;
    ids.push(submitted);
    let supervisor = token(&engine, &holder("supervisor", 1), Scope::Read).await;
    let outsider = token(&engine, &holder("trainee", 3), Scope::Read).await;
    let served = Served::start(&db).await;
    let api = Client::of(&served);

    // Pages of three, oldest first, each project once, then no cursor.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &next {
            Some(c) => format!("/api/v1/projects?limit=3&cursor={c}"),
            None => "/api/v1/projects?limit=3".to_owned(),
        };
        let page = api.get(&path, Some(&supervisor)).await;
        assert_eq!(page.status, 200, "{page:?}");
        pages += 1;
        let items = page.json["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|p| p["id"].as_i64().unwrap()));
        match page.json["next"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every project once, in order");
    assert_eq!(pages, 3);
    // Filters: a stage, a cohort, overdue (the test calendar's deadlines
    // are long past), none for someone who holds no role.
    let at = |q: &str| {
        let api = &api;
        let t = supervisor.clone();
        let q = q.to_owned();
        async move {
            let a = api
                .get(&format!("/api/v1/projects?limit=100&{q}"), Some(&t))
                .await;
            assert_eq!(a.status, 200, "{q}: {a:?}");
            a.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(at("stage=endorsement").await, vec![submitted]);
    assert_eq!(at("stage=proposal").await.len(), 7);
    assert_eq!(at("stage=nope%00").await, Vec::<i64>::new());
    let first = api
        .get(&format!("/api/v1/projects/{}", ids[0]), Some(&supervisor))
        .await;
    let cohort_id = first.json["cohort"].as_i64().unwrap();
    assert_eq!(at(&format!("cohort={cohort_id}")).await, ids);
    assert_eq!(
        at(&format!("cohort={}", cohort_id + 1)).await,
        Vec::<i64>::new()
    );
    let overdue = at("overdue=true").await;
    let not_overdue = at("overdue=false").await;
    assert_eq!(overdue.len() + not_overdue.len(), ids.len());
    let mine = api.get("/api/v1/projects", Some(&outsider)).await;
    assert_eq!(mine.json["items"], json!([]), "{mine:?}");

    // One project: its stages, steps, and the supervisor's actions with
    // the forms they ask for.
    let one = api
        .get(&format!("/api/v1/projects/{submitted}"), Some(&supervisor))
        .await;
    assert_eq!(one.status, 200, "{one:?}");
    let detail = &one.json;
    assert_eq!(detail["stage"]["key"], "endorsement");
    assert_eq!(detail["your_roles"], json!(["supervisor"]));
    assert_eq!(detail["waiting_for_you"], true);
    let stages: Vec<&str> = detail["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = cohort
        .workflow
        .stages
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(stages, expected);
    let actions: Vec<&str> = detail["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    let stage = cohort.workflow.stage("endorsement").unwrap();
    for action in &stage.actions {
        if action.by.iter().any(|r| r == "supervisor") && !action.auto {
            assert!(actions.contains(&action.key.as_str()), "{actions:?}");
        }
    }
    assert!(detail["steps"][0]["awaited"].as_array().is_some());
    assert!(detail["planned"].as_array().is_some());
    // The trainee sees the proposal form's fields with their kinds.
    let trainee = token(&engine, &holder("trainee", 1), Scope::Read).await;
    let fresh = api
        .get(&format!("/api/v1/projects/{}", ids[0]), Some(&trainee))
        .await;
    let submit = fresh.json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "submit")
        .unwrap_or_else(|| panic!("{fresh:?}"))
        .clone();
    let form = &cohort.workflow.forms["proposal"];
    let fields = submit["fields"].as_array().unwrap();
    assert_eq!(fields.len(), form.fields.len());
    for (given, field) in fields.iter().zip(&form.fields) {
        assert_eq!(given["key"], field.key.as_str());
        assert_eq!(given["kind"], field.kind.name());
        assert_eq!(given["required"], field.required);
    }
    // Its history, in pages too.
    let history = api
        .get(
            &format!("/api/v1/projects/{submitted}/history?limit=2"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(history.status, 200, "{history:?}");
    assert_eq!(history.json["items"][0]["kind"], "started");
    let rest = api
        .get(
            &format!(
                "/api/v1/projects/{submitted}/history?limit=100&cursor={}",
                history.json["next"].as_str().unwrap()
            ),
            Some(&supervisor),
        )
        .await;
    let all = engine.history(submitted).await.unwrap();
    assert_eq!(
        rest.json["items"].as_array().unwrap().len() + 2,
        all.len(),
        "{rest:?}"
    );

    // Eight clients post the same keyed request at once: it is done once,
    // and every one of them gets its answer.
    let write = token(&engine, &holder("trainee", 1), Scope::ReadWrite).await;
    let target = ids[1];
    let act = format!("/api/v1/projects/{target}/actions/submit");
    let body = json!({"answers": support::sample(&cohort.workflow.forms["proposal"])});
    let answers = join_all(
        (0..8)
            .map(|_| keyed(&api, &act, &write, "race-1", &body))
            .collect(),
    )
    .await;
    for answer in &answers {
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.json["version"], answers[0].json["version"]);
    }
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.json["replayed"] == false)
            .count(),
        1,
        "{answers:?}"
    );
    let submits = engine
        .history(target)
        .await
        .unwrap()
        .iter()
        .filter(|e| support::change_type(&e.change) == "action_taken")
        .count();
    assert_eq!(submits, 1);
    served.stop().await;
}

/// Runs `futures` at once (no futures crate in the tests): polls every
/// one until all are ready; their outputs in order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *out = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("ready")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_every_route_and_the_page_every_path() {
    let db = TestDb::new(Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    let (_, id) = project(&engine).await;
    let write = token(&engine, &holder("trainee", 1), Scope::ReadWrite).await;
    let served = Served::start(&db).await;
    let api = Client::of(&served);
    let document = api.get("/api/openapi.json", None).await;
    assert_eq!(document.status, 200);
    let doc = &document.json;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let page = api.get("/api/docs", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(!page.body.contains("<script"), "no script");
    assert!(!page.body.contains("src=\"http"), "nothing fetched");
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/me",
        "/api/v1/projects",
        "/api/v1/projects/{id}",
        "/api/v1/projects/{id}/actions/{action}",
        "/api/v1/projects/{id}/history",
    ] {
        assert!(paths.contains_key(expected), "{expected} documented");
    }
    // Walk the document: each operation is served by the router (not the
    // fallback's `api-not-found`, not 405), carries its answers with an
    // example for each problem, and is on the docs page.
    for (path, item) in paths {
        let concrete = path
            .split('/')
            .map(|part| match part {
                "{id}" | "{project}" => id.to_string(),
                "{action}" => "submit".to_owned(),
                p if p.starts_with('{') => "1".to_owned(),
                p => p.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in item.as_object().unwrap() {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let body = (m == reqwest::Method::POST).then(|| b"{}".to_vec());
            let answer = api
                .send(m.clone(), &concrete, Some(&write), &[], body)
                .await;
            assert_ne!(
                answer.code(),
                "api-not-found",
                "{method} {path}: {answer:?}"
            );
            assert_ne!(answer.status, 405, "{method} {path}");
            assert!(answer.status.as_u16() < 500, "{method} {path}: {answer:?}");
            let responses = operation["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path}");
            for (status, response) in responses {
                if let Some(content) = response["content"].as_object() {
                    assert!(
                        content.values().all(Value::is_object),
                        "{method} {path} {status}: {content:?}"
                    );
                }
                if let Some(problem) = response["content"].get("application/problem+json") {
                    assert!(problem["example"].is_object(), "{method} {path} {status}");
                }
            }
            // A public route (`security: [{}]`, the certificate check) asks no token.
            let public = operation["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            if path.starts_with("/api/v1/") && !public {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
            }
            let anchor: String = path
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            assert!(
                page.body.contains(&format!("id=\"{method}{anchor}\"")),
                "{method} {path} on the docs page"
            );
        }
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_made_listed_and_revoked_by_the_cli_and_stored_hashed() {
    let db = TestDb::new(Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    engine
        .add_person("huda@example.org", "Huda", "", Timestamp::now())
        .await
        .unwrap();
    // The real clock: the server checks the expiry against it.
    let now = Timestamp::now().to_string();
    let made = spawn::ok(
        &db,
        &[
            "--now",
            &now,
            "--json",
            "user",
            "token",
            "create",
            "huda@example.org",
            "--name",
            "HR system",
            "--scope",
            "read",
            "--expires-in",
            "30d",
        ],
    )
    .json();
    let secret = made["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gft_") && secret.len() == 47, "{made}");
    assert_eq!(made["scope"], "read");
    // Only its SHA-256 is in the database.
    let stored = support::raw_text(&db, "SELECT token_hash FROM api_tokens").await;
    assert_eq!(
        stored.as_deref(),
        Some(gradflow_engine::service::token_hash(&secret).as_str())
    );
    assert_eq!(
        support::raw_number(
            &db,
            &format!(
                "SELECT COUNT(*) FROM api_tokens WHERE token_hash LIKE '%{}%'",
                &secret[4..]
            )
        )
        .await,
        0
    );
    let served = Served::start(&db).await;
    let api = Client::of(&served);
    let me = api.get("/api/v1/me", Some(&secret)).await;
    assert_eq!(me.json["email"], "huda@example.org", "{me:?}");
    assert_eq!(me.json["scope"], "read");
    let listed = spawn::ok(&db, &["user", "token", "list", "huda@example.org"]);
    assert!(listed.stdout.contains("HR system"), "{listed}");
    assert!(!listed.stdout.contains(&secret), "never shown again");
    let id = made["id"].as_i64().unwrap().to_string();
    spawn::ok(&db, &["user", "token", "revoke", &id]);
    let after = api.get("/api/v1/me", Some(&secret)).await;
    problem(&after, 401, "token-invalid", "revoked by the CLI");
    let listed = spawn::ok(
        &db,
        &["--json", "user", "token", "list", "huda@example.org"],
    )
    .json();
    assert!(listed[0]["revoked_at"].is_string(), "{listed}");
    // Bad input: named, nothing made.
    for bad in [
        vec![
            "user",
            "token",
            "create",
            "huda@example.org",
            "--name",
            "x",
            "--scope",
            "write",
        ],
        vec![
            "user",
            "token",
            "create",
            "huda@example.org",
            "--name",
            "x",
            "--expires-in",
            "soon",
        ],
        vec![
            "user",
            "token",
            "create",
            "nobody@example.org",
            "--name",
            "x",
        ],
        vec!["user", "token", "create", "huda@example.org", "--name", " "],
        vec!["user", "token", "revoke", "999"],
    ] {
        let run = spawn::run(&db, &bad);
        assert!(!run.ok(), "{run}");
    }
    assert_eq!(
        support::raw_number(&db, "SELECT COUNT(*) FROM api_tokens").await,
        1
    );
    served.stop().await;
}
