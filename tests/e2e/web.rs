//! The web application end to end: the real server on an ephemeral port over
//! a real database (a temp SQLite file, and PostgreSQL when configured),
//! driven over HTTP by a real client, as a browser would (without one).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use gradflow_engine::definition;
use gradflow_engine::service::Engine;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};

use crate::support::{self, TestDb, assert_unchanged, bundled, day, on_both, snapshot};

/// The password of every test account.
pub(crate) const PASSWORD: &str = "correct horse battery";

/// Evidence files above this are refused in the tests (small, to send quickly).
const UPLOAD_LIMIT: u64 = 64 * 1024;

/// The people of the test institute: (email, role in the story).
const PEOPLE: &[&str] = &[
    "trainee1@example.org",
    "trainee2@example.org",
    "trainee3@example.org",
    "sup1@example.org",
    "sup2@example.org",
    "sup3@example.org",
    "committee1@example.org",
    "committee2@example.org",
    "coord-a@example.org",
    "coord-b@example.org",
];

/// A running server over a test institute: cohort A (coordinated by
/// coord-a) with projects 1 (trainee1, sup1, committee1 assigned) and 2
/// (trainee2, sup2); cohort B (coord-b) with project 3 (trainee3, sup3).
pub(crate) struct Site {
    pub(crate) engine: Arc<Engine>,
    pub(crate) base: String,
    files: tempfile::TempDir,
    pub(crate) projects: [i64; 3],
    pub(crate) cohorts: [i64; 2],
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Site {
    pub(crate) async fn new(db: &TestDb) -> Site {
        Site::start(db, false).await
    }

    /// The site, offering password reset links by mail when `reset` (queued
    /// for a worker: [`deliver_mail`] runs one).
    pub(crate) async fn start(db: &TestDb, reset: bool) -> Site {
        Site::start_with(db, reset, |engine, config| (engine, config)).await
    }

    /// The site, its engine and settings changed by `tweak` before it serves.
    pub(crate) async fn start_with(
        db: &TestDb,
        reset: bool,
        tweak: impl FnOnce(Engine, gradflow_web::Config) -> (Engine, gradflow_web::Config),
    ) -> Site {
        let engine = db.engine().await;
        let config = gradflow_web::Config {
            files: PathBuf::new(),
            upload_limit: UPLOAD_LIMIT,
            upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
            secure_cookies: false,
            limits: gradflow_web::Limits::default(),
            password_reset: reset,
            public_url: String::new(),
        };
        let (engine, mut config) = tweak(engine, config);
        let engine = Arc::new(engine);
        let loaded = definition::load(&bundled("graduation-service")).unwrap();
        let workflow = loaded.workflow;
        // With its mail templates, as `workflow publish` does: the outbox
        // previews each message from them.
        let templates = template_files("graduation-service");
        engine
            .publish_with_templates(&[(loaded.text, templates)], day(0))
            .await
            .unwrap();
        for email in PEOPLE {
            let name = email.split('@').next().unwrap();
            engine
                .add_person(email, &format!("Person {name}"), "", day(0))
                .await
                .unwrap();
        }
        let mut passwords = Vec::new();
        for email in PEOPLE {
            let engine = engine.clone();
            passwords.push(tokio::spawn(async move {
                // A test may give the engine a pool that waits for nobody.
                loop {
                    match engine.set_password(email, PASSWORD).await {
                        Err(e) if e.kind() == gradflow_engine::service::Kind::Busy => {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        }
                        done => break done.unwrap(),
                    }
                }
            }));
        }
        for p in passwords {
            p.await.unwrap();
        }
        engine
            .create_program("service", "Service", &workflow.key, day(0))
            .await
            .unwrap();
        let mut cohorts = [0; 2];
        for (i, (name, coordinator)) in [
            ("Cohort A", "coord-a@example.org"),
            ("Cohort B", "coord-b@example.org"),
        ]
        .iter()
        .enumerate()
        {
            let mut cohort = support::new_cohort(&workflow, "service", name);
            cohort.coordinators = vec![(*coordinator).into()];
            cohorts[i] = engine.create_cohort(cohort, day(0)).await.unwrap().id;
        }
        let mut projects = [0; 3];
        for (i, (cohort, title)) in [
            ("Cohort A", "Faster renewals"),
            ("Cohort A", "Fewer visits"),
            ("Cohort B", "Clearer letters"),
        ]
        .iter()
        .enumerate()
        {
            let n = i + 1;
            let members = vec![
                (format!("trainee{n}@example.org"), "trainee".to_owned()),
                (format!("sup{n}@example.org"), "supervisor".to_owned()),
            ];
            projects[i] = engine
                .start_project(cohort, title, &members, day(1))
                .await
                .unwrap()
                .project;
        }
        engine
            .assign(
                projects[0],
                None,
                "committee1@example.org",
                "committee",
                day(1),
            )
            .await
            .unwrap();
        let files = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        config.files = files.path().join("files");
        config.public_url = base.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gradflow_web::serve(
            engine.clone(),
            config,
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        Site {
            engine,
            base,
            files,
            projects,
            cohorts,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// A browser that is not signed in.
    pub(crate) fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            cookie: None,
        }
    }

    /// A browser signed in as `email`.
    pub(crate) async fn signed_in(&self, email: &str) -> Browser {
        let mut b = self.browser();
        let page = b.sign_in(email, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{email}: {}", page.body);
        b
    }

    /// Evidence files stored in the files folder.
    pub(crate) fn stored_files(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.files.path().join("files")) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Stops the server, waiting for requests in flight.
    pub(crate) async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.server.take().unwrap().await.unwrap().unwrap();
    }
}

/// The mail templates beside bundled workflow `key` (file name -> text).
pub(crate) fn template_files(key: &str) -> BTreeMap<String, String> {
    let dir = bundled(key).parent().unwrap().join("templates");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hbs"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// A page as received.
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    /// The CSRF token of the forms on the page.
    pub(crate) fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("a form with a token in {}", self.body))
            + 19;
        self.body[start..start + 64].to_owned()
    }

    /// The version the project page's forms carry.
    pub(crate) fn version(&self) -> String {
        let start = self.body.find("name=\"version\" value=\"").unwrap() + 22;
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_owned()
    }
}

/// The id of the first evidence file linked on the page of project `p`.
pub(crate) fn first_file(body: &str, p: i64) -> String {
    let link = format!("/projects/{p}/evidence/");
    let start = body
        .find(&link)
        .unwrap_or_else(|| panic!("a file link in {body}"))
        + link.len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

pub(crate) struct Browser {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) cookie: Option<String>,
}

impl Browser {
    pub(crate) async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(c) => request.header(COOKIE, c),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(set) = headers.get(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        Page {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    pub(crate) async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.post("/signin", &[("email", email), ("password", password)])
            .await
    }

    pub(crate) async fn upload(
        &mut self,
        path: &str,
        csrf: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form);
        self.send(request).await
    }
}

on_both!(
    signing_in_and_out,
    forged_and_cross_site_posts_are_refused,
    a_proposal_goes_from_trainee_to_supervisor,
    uploads_are_capped_and_downloads_are_attachments,
    authorization_matrix_leaks_nothing,
    a_committee_member_scores_on_the_rubric,
    the_board_counts_every_stage_and_pages_its_lists,
    a_forgotten_password_is_reset_by_a_mailed_link,
    a_coordinator_gives_roles_from_the_project_page,
    the_workflows_words_are_in_the_readers_language,
);

async fn signing_in_and_out(db: &TestDb) {
    let site = Site::new(db).await;
    let before = snapshot(db).await;
    let mut b = site.browser();
    let wrong = b.sign_in("trainee1@example.org", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("The email or the password is not right"),
        "{}",
        wrong.body
    );
    assert!(wrong.headers.get(SET_COOKIE).is_none());
    assert!(
        wrong.body.contains("value=\"trainee1@example.org\""),
        "the email is kept"
    );
    let unknown = b.sign_in("nobody@example.org", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.body.replace("trainee1@example.org", "X"),
        unknown.body.replace("nobody@example.org", "X"),
        "an unknown email reads exactly like a wrong password"
    );
    assert_unchanged(db, &before, "failed sign-ins").await;
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    // Five failures for one email, and even the right password waits.
    for _ in 0..5 {
        let failed = b.sign_in("sup3@example.org", "guess guess guess").await;
        assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    }
    let limited = b.sign_in("sup3@example.org", PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.get(SET_COOKIE).is_none());
    assert!(
        limited.body.contains("Too many failed sign-ins"),
        "{}",
        limited.body
    );

    let ok = b.sign_in("trainee1@example.org", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cookie = ok.headers.get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Person trainee1"), "{}", home.body);
    let policy = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(home.headers.get("cache-control").unwrap(), "no-store");
    assert!(home.body.contains("Faster renewals"));
    assert!(
        !home.body.contains("Fewer visits"),
        "another trainee's project"
    );

    // The profile's language lays pages out right to left.
    let profile = b.get("/profile").await;
    let csrf = profile.csrf();
    let saved = b
        .post("/profile", &[("csrf", &csrf), ("language", "ar")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let home = b.get("/").await;
    assert!(
        home.body.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        home.body
    );
    assert!(home.body.contains("مشاريعي"));
    let project = b.get(&format!("/projects/{}", site.projects[0])).await;
    assert!(
        project.body.contains("15 مارس 2026، 23:59"),
        "the proposal's deadline in Arabic, in Muscat's time: {}",
        project.body
    );

    let out = b.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/").await.headers.get(LOCATION).unwrap(), "/signin");
    // The browser's language is used until one is chosen.
    let mut arabic = site.browser();
    let page = arabic
        .send(
            arabic
                .client
                .get(format!("{}/signin", site.base))
                .header("accept-language", "ar-OM,ar;q=0.9"),
        )
        .await;
    assert!(page.body.contains("dir=\"rtl\""));
    assert_eq!(site.browser().get("/healthz").await.status, StatusCode::OK);
    site.stop().await;
}

async fn forged_and_cross_site_posts_are_refused(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let mut b = site.signed_in("trainee1@example.org").await;
    let page = b.get(&format!("/projects/{p}")).await;
    let csrf = page.csrf();
    let before = snapshot(db).await;
    let action = format!("/projects/{p}/act");
    let submit = |csrf: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.into()),
            ("action".into(), "submit".into()),
            ("f.service".into(), "Renewals".into()),
            ("f.problem".into(), "Queues".into()),
            ("f.improvement".into(), "Online".into()),
            ("f.indicator".into(), "waiting_time".into()),
        ]
    };
    for (what, headers, token) in [
        (
            "cross-site",
            vec![("sec-fetch-site", "cross-site")],
            csrf.clone(),
        ),
        (
            "another origin",
            vec![("origin", "http://evil.example")],
            csrf.clone(),
        ),
        ("no token", vec![], String::new()),
        ("a forged token", vec![], "0".repeat(64)),
    ] {
        let mut request = b
            .client
            .post(format!("{}{action}", site.base))
            .form(&submit(&token));
        for (k, v) in headers {
            request = request.header(k, v);
        }
        let page = b.send(request).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.body);
        assert!(
            page.body.contains("did not come from gradflow"),
            "{what}: a page that says why: {}",
            page.body
        );
        assert_unchanged(db, &before, what).await;
    }
    let upload = b
        .upload(
            &format!("/projects/{p}/evidence"),
            "forged",
            "a.txt",
            b"x".to_vec(),
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
    assert!(site.stored_files().is_empty());
    assert_unchanged(db, &before, "a forged upload").await;
    // The same form from the page itself goes through.
    let pairs = submit(&csrf);
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(b.post(&action, &pairs).await.status, StatusCode::SEE_OTHER);
    site.stop().await;
}

async fn a_proposal_goes_from_trainee_to_supervisor(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let action = format!("{path}/act");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    assert!(page.body.contains("id=\"act-submit\""), "{}", page.body);
    assert!(
        page.body.contains("aria-current=\"step\">Proposal"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let old_version = page.version();
    let before = snapshot(db).await;
    let typed = "Renewals <b>now</b>";
    let invalid = trainee
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("action", "submit"),
                ("version", &old_version),
                ("f.service", typed),
                ("f.problem", ""),
                ("f.improvement", "Online pre-check"),
                ("f.indicator", "bogus"),
            ],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{}", invalid.body);
    assert_unchanged(db, &before, "an invalid proposal").await;
    assert!(
        invalid.body.contains("id=\"act-submit-problem-error\""),
        "{}",
        invalid.body
    );
    assert!(
        invalid
            .body
            .contains("What clients experience today is required")
    );
    assert!(invalid.body.contains("id=\"act-submit-indicator-error\""));
    assert!(
        invalid
            .body
            .contains("value=\"Renewals &lt;b&gt;now&lt;/b&gt;\""),
        "what was typed is kept, escaped"
    );
    assert!(invalid.body.contains(">Online pre-check</textarea>"));

    let valid = trainee
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("action", "submit"),
                ("version", &old_version),
                ("f.service", typed),
                ("f.problem", "Clients queue for 90 minutes"),
                ("f.improvement", "Online pre-check"),
                ("f.indicator", "waiting_time"),
            ],
        )
        .await;
    assert_eq!(valid.status, StatusCode::SEE_OTHER, "{}", valid.body);
    let page = trainee.get(&path).await;
    assert!(
        page.body
            .contains("id=\"project-stage\">Supervisor endorsement"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"no-actions\""),
        "nothing for the trainee now"
    );

    // A second copy of the old form is stale: 409, nothing changed.
    let before = snapshot(db).await;
    let stale = trainee
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("action", "submit"),
                ("version", &old_version),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    // The page comes back saying what changed (web_busy.rs tests it in full).
    assert!(
        stale.body.contains("id=\"moved\"") && stale.body.contains("While you were writing"),
        "{}",
        stale.body
    );
    assert_unchanged(db, &before, "a stale form").await;

    // Someone with no say is told who may do it (403), nothing changed.
    let mut again = site.signed_in("trainee1@example.org").await;
    let csrf_t = again.get(&path).await.csrf();
    let before = snapshot(db).await;
    let refused = again
        .post(&action, &[("csrf", &csrf_t), ("action", "endorse")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("only the supervisor may endorse"),
        "{}",
        refused.body
    );
    assert_unchanged(db, &before, "a refused endorsement").await;

    let mut supervisor = site.signed_in("sup1@example.org").await;
    let page = supervisor.get(&path).await;
    assert!(page.body.contains("id=\"act-endorse\""), "{}", page.body);
    let home = supervisor.get("/").await;
    assert!(
        home.body.contains("id=\"awaiting\""),
        "the endorsement awaits the supervisor: {}",
        home.body
    );
    let endorsed = supervisor
        .post(
            &action,
            &[
                ("csrf", &page.csrf()),
                ("action", "endorse"),
                ("version", &page.version()),
            ],
        )
        .await;
    assert_eq!(endorsed.status, StatusCode::SEE_OTHER, "{}", endorsed.body);
    let page = trainee.get(&path).await;
    assert!(
        page.body.contains("id=\"project-stage\">Implementation"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Endorse the proposal"), "in the history");

    // User text is escaped everywhere it is shown.
    let id = site
        .engine
        .start_project(
            "Cohort A",
            "<script>alert(1)</script>",
            &[("trainee1@example.org".into(), "trainee".into())],
            day(2),
        )
        .await
        .unwrap()
        .project;
    let page = trainee.get(&format!("/projects/{id}")).await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>"));
    let home = trainee.get("/").await;
    assert!(!home.body.contains("<script>"));
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let board = coordinator
        .get(&format!("/cohorts/{}?stage=proposal", site.cohorts[0]))
        .await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.body.contains("&lt;script&gt;") && !board.body.contains("<script>"));
    assert!(
        board.body.contains("id=\"stage-implementation\""),
        "{}",
        board.body
    );
    // The board says which workflow version the cohort's new projects start on.
    assert!(
        board
            .body
            .replace(['\u{2068}', '\u{2069}'], "")
            .contains("New projects start on version 1 of the workflow"),
        "{}",
        board.body
    );
    let outbox = coordinator
        .get(&format!("/cohorts/{}/outbox", site.cohorts[0]))
        .await;
    assert_eq!(outbox.status, StatusCode::OK);
    assert!(
        outbox.body.contains("A proposal to review"),
        "the message's title in words, not its template's key: {}",
        outbox.body
    );
    site.stop().await;
}

async fn uploads_are_capped_and_downloads_are_attachments(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}/evidence");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let csrf = trainee.get(&format!("/projects/{p}")).await.csrf();
    let before = snapshot(db).await;
    let big = vec![b'a'; UPLOAD_LIMIT as usize + 1];
    let refused = trainee.upload(&path, &csrf, "big.bin", big).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.body
    );
    let huge = vec![b'a'; UPLOAD_LIMIT as usize * 4];
    let refused = trainee.upload(&path, &csrf, "huge.bin", huge).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let empty = trainee.upload(&path, &csrf, "empty.txt", Vec::new()).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.body);
    assert!(site.stored_files().is_empty(), "{:?}", site.stored_files());
    assert_unchanged(db, &before, "refused uploads").await;

    let report = "تقرير <1>.txt";
    let done = trainee
        .upload(&path, &csrf, report, b"<html>measurements</html>".to_vec())
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let again = trainee
        .upload(
            &path,
            &csrf,
            "copy.txt",
            b"<html>measurements</html>".to_vec(),
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(site.stored_files().len(), 1, "stored once, by SHA-256");
    let page = trainee.get(&format!("/projects/{p}")).await;
    assert!(page.body.contains("تقرير &lt;1&gt;.txt"), "{}", page.body);
    let link = format!("/projects/{p}/evidence/");
    let id = first_file(&page.body, p);
    let download = trainee.get(&format!("{link}{id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, "<html>measurements</html>");
    let disposition = download
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename*=UTF-8''"),
        "{disposition}"
    );
    assert_eq!(
        download.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert_eq!(
        download.headers.get("content-type").unwrap(),
        "application/octet-stream"
    );
    let mut other = site.signed_in("trainee2@example.org").await;
    let denied = other.get(&format!("{link}{id}")).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    assert!(!denied.body.contains("measurements"));
    site.stop().await;
}

/// Every person against every page and form of every project and cohort:
/// where they may not look, 404 with nothing about the project and nothing
/// changed; where they may, the page.
async fn authorization_matrix_leaks_nothing(db: &TestDb) {
    let site = Site::new(db).await;
    let titles = ["Faster renewals", "Fewer visits", "Clearer letters"];
    // Who may see which project (1-based), and which cohort they coordinate.
    let sees: BTreeMap<&str, (Vec<usize>, Option<usize>)> = [
        ("trainee1@example.org", (vec![1], None)),
        ("trainee2@example.org", (vec![2], None)),
        ("sup1@example.org", (vec![1], None)),
        ("sup2@example.org", (vec![2], None)),
        ("committee1@example.org", (vec![1], None)),
        ("committee2@example.org", (vec![], None)),
        ("coord-a@example.org", (vec![1, 2], Some(0))),
        ("coord-b@example.org", (vec![3], Some(1))),
    ]
    .into_iter()
    .collect();
    // One evidence file on every project, uploaded by its trainee.
    let mut files = Vec::new();
    for (i, p) in site.projects.iter().enumerate() {
        let trainee = format!("trainee{}@example.org", i + 1);
        let mut b = site.signed_in(&trainee).await;
        let csrf = b.get(&format!("/projects/{p}")).await.csrf();
        let up = b
            .upload(
                &format!("/projects/{p}/evidence"),
                &csrf,
                &format!("file of {}", titles[i]),
                format!("bytes {i}").into_bytes(),
            )
            .await;
        assert_eq!(up.status, StatusCode::SEE_OTHER);
        let page = b.get(&format!("/projects/{p}")).await;
        files.push(first_file(&page.body, *p));
    }
    let mut leaks = Vec::new();
    let mut checks = 0;
    let before = snapshot(db).await;
    for (email, (visible, coordinates)) in &sees {
        let mut b = site.signed_in(email).await;
        let home = b.get("/").await;
        let csrf = home.csrf();
        for (i, title) in titles.iter().enumerate() {
            let listed = home.body.contains(title);
            checks += 1;
            if listed != visible.contains(&(i + 1)) {
                leaks.push(format!("{email}: home lists {title}: {listed}"));
            }
        }
        for (i, p) in site.projects.iter().enumerate() {
            if visible.contains(&(i + 1)) {
                continue;
            }
            let requests = [
                b.get(&format!("/projects/{p}")).await,
                b.get(&format!("/projects/{p}/evidence/{}", files[i])).await,
                b.post(
                    &format!("/projects/{p}/act"),
                    &[("csrf", &csrf), ("action", "submit")],
                )
                .await,
                b.post(
                    &format!("/projects/{p}/act"),
                    &[
                        ("csrf", &csrf),
                        ("action", "request_changes"),
                        ("comment", "x"),
                    ],
                )
                .await,
                b.upload(
                    &format!("/projects/{p}/evidence"),
                    &csrf,
                    "x.txt",
                    b"x".to_vec(),
                )
                .await,
            ];
            for (n, page) in requests.iter().enumerate() {
                checks += 1;
                if page.status != StatusCode::NOT_FOUND
                    || page.body.contains(titles[i])
                    || page.body.contains(&format!("file of {}", titles[i]))
                {
                    leaks.push(format!(
                        "{email}: request {n} on project {p}: {} {}",
                        page.status, page.body
                    ));
                }
            }
        }
        for (c, cohort) in site.cohorts.iter().enumerate() {
            for path in [
                format!("/cohorts/{cohort}"),
                format!("/cohorts/{cohort}?stage=proposal&page=1"),
                format!("/cohorts/{cohort}/outbox"),
                format!("/cohorts/{cohort}/export.csv"),
            ] {
                let page = b.get(&path).await;
                checks += 1;
                let allowed = *coordinates == Some(c);
                let ok = if allowed {
                    page.status == StatusCode::OK
                } else {
                    page.status == StatusCode::NOT_FOUND
                        && !titles.iter().any(|t| page.body.contains(t))
                };
                if !ok {
                    leaks.push(format!("{email}: {path}: {}", page.status));
                }
            }
        }
    }
    assert_eq!(
        site.stored_files().len(),
        3,
        "nothing stored by refused uploads"
    );
    // Sign-ins add sessions; nothing else may change.
    let changes: Vec<String> = snapshot(db)
        .await
        .changes_since(&before)
        .into_iter()
        .filter(|c| !c.starts_with("+ sessions:"))
        .collect();
    assert!(changes.is_empty(), "refused requests changed: {changes:#?}");
    assert!(checks > 100, "{checks} checks");
    assert!(
        leaks.is_empty(),
        "{} leaks in {checks} checks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );

    // Where they may look, they see the page and its file.
    for (email, (visible, _)) in &sees {
        let mut b = site.signed_in(email).await;
        for i in visible {
            let p = site.projects[i - 1];
            let page = b.get(&format!("/projects/{p}")).await;
            assert_eq!(page.status, StatusCode::OK, "{email} on {p}");
            assert!(page.body.contains(titles[i - 1]));
            let file = b
                .get(&format!("/projects/{p}/evidence/{}", files[i - 1]))
                .await;
            assert_eq!(file.status, StatusCode::OK, "{email} downloads from {p}");
        }
    }
    site.stop().await;
}

/// Runs `gradflow ARGS` on `db` with `input` on standard input.
fn gradflow_with_input(db: &TestDb, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(args)
        .env("GRADFLOW_DATABASE_URL", &db.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_commands_take_the_password_from_standard_input_and_never_show_it() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let secret = "a long secret phrase";
    let short = gradflow_with_input(
        &db,
        &["user", "add", "huda@example.org", "--name", "Huda"],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(1));
    let said = String::from_utf8_lossy(&short.stderr).into_owned();
    assert!(said.contains("at least 10 characters"), "{said}");
    assert!(
        !said.contains("short"),
        "the password is not repeated: {said}"
    );
    let engine = db.engine().await;
    assert!(
        engine.person("huda@example.org").await.is_err(),
        "nobody added by a refused command"
    );

    let added = gradflow_with_input(
        &db,
        &["user", "add", "huda@example.org", "--name", "Huda"],
        &format!("{secret}\n"),
    );
    assert!(added.status.success(), "{added:?}");
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&added.stdout),
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        everything.contains("can now sign in") && !everything.contains(secret),
        "{everything}"
    );
    let (viewer, _) = engine
        .sign_in("HUDA@example.org", secret, day(1))
        .await
        .unwrap();
    assert_eq!(viewer.person.name, "Huda");

    let changed = gradflow_with_input(
        &db,
        &["user", "set-password", "huda@example.org"],
        "another long phrase\n",
    );
    assert!(changed.status.success(), "{changed:?}");
    assert!(
        engine
            .sign_in("huda@example.org", secret, day(1))
            .await
            .is_err()
    );
    assert!(
        engine
            .sign_in("huda@example.org", "another long phrase", day(1))
            .await
            .is_ok()
    );
    let unknown = gradflow_with_input(
        &db,
        &["user", "set-password", "nobody@example.org"],
        "another long phrase\n",
    );
    assert_eq!(unknown.status.code(), Some(1));
}

/// `gradflow serve` stops on SIGTERM: a request in flight (its body half
/// sent) is answered, then the process exits with success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_finishes_requests_in_flight_when_stopped() {
    use std::io::{BufRead, Read, Write};
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(["serve", "--bind", "127.0.0.1:0", "--files"])
        .arg(files.path())
        .env("GRADFLOW_DATABASE_URL", &db.url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the address in {line}"))
        .to_owned();
    let body = "email=nobody%40example.org&password=wrong-password";
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /signin HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the request in flight is answered: {answer}"
    );
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
    let mut logs = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("request{id=")
            && logs.contains("path=\"/signin\"")
            && logs.contains("status=401"),
        "a request log line with its id: {logs}"
    );
    assert!(
        !logs.contains("wrong-password"),
        "no form data in the log: {logs}"
    );
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "no longer listening"
    );
}

/// Project 1 taken to the committee (through the engine), then scored by
/// its evaluator on the web: the rubric's criteria as fields, a score off
/// the scale refused next to its field, a valid scorecard recorded.
async fn a_committee_member_scores_on_the_rubric(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let engine = &site.engine;
    to_the_committee(engine, p).await;
    let mut evaluator = site.signed_in("committee1@example.org").await;
    let path = format!("/projects/{p}");
    let page = evaluator.get(&path).await;
    assert!(
        page.body
            .contains("id=\"project-stage\">Committee evaluation"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"act-score\""), "{}", page.body);
    assert!(page.body.contains("name=\"f.safety\" value=\"5\""));
    // The evaluator reads what was submitted, in the scoring section above
    // the form: the proposal's answers, each client visit (accepted) with
    // its measurements, the final report.
    let submitted = section(&page.body, "scoring");
    for expected in [
        "<h3>Improvement proposal</h3>",
        "<dt>Service to improve</dt><dd>Service to improve answer</dd>",
        "Client visit before the change <span class=\"tag\">accepted</span>",
        "Client visit after the change <span class=\"tag\">accepted</span>",
        "minutes</dd>",
    ] {
        assert!(submitted.contains(expected), "{expected} in {submitted}");
    }
    assert!(!submitted.contains("Scorecards"), "no scores yet");
    assert!(
        !page.body.contains("value=\"6\""),
        "the rubric's scale bounds the choices"
    );
    let csrf = page.csrf();
    let version = page.version();
    let before = snapshot(db).await;
    let scores = |safety: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "score".to_owned()),
            ("version", version.clone()),
            ("f.safety", safety.to_owned()),
            ("f.authenticity", "4".to_owned()),
            ("f.friendliness", "5".to_owned()),
            ("f.efficiency", "4".to_owned()),
            ("comment", "Clear, measured gain.".to_owned()),
        ]
    };
    let as_pairs = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    let off_scale = as_pairs(&scores("9"));
    let off_scale: Vec<(&str, &str)> = off_scale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = evaluator.post(&format!("{path}/act"), &off_scale).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        section(&refused.body, "scoring").contains("9 is off the scale 1..5"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("name=\"f.friendliness\" value=\"5\" required checked>"),
        "the scores given are kept"
    );
    assert!(
        refused.body.contains(">Clear, measured gain.</textarea>"),
        "the comment is kept"
    );
    assert_unchanged(db, &before, "a score off the scale").await;
    let valid = as_pairs(&scores("4"));
    let valid: Vec<(&str, &str)> = valid.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let scored = evaluator.post(&format!("{path}/act"), &valid).await;
    assert_eq!(scored.status, StatusCode::SEE_OTHER, "{}", scored.body);
    let page = evaluator.get(&path).await;
    assert!(page.body.contains("Scores given"), "{}", page.body);
    assert!(page.body.contains("Clear, measured gain."));
    // Scorecards: an evaluator reads their own, not another's (each scores
    // on their own); the coordinator reads them all; the trainee none.
    let card = "<h4>Person committee1</h4>";
    assert!(
        section(&page.body, "submitted").contains(card),
        "{}",
        page.body
    );
    assert!(
        section(&page.body, "scoring").contains("id=\"my-scorecard\""),
        "their own scorecard takes the form's place"
    );
    for (email, sees) in [
        ("committee2@example.org", false),
        ("coord-a@example.org", true),
        ("trainee1@example.org", false),
        ("sup1@example.org", false),
    ] {
        let page = site.signed_in(email).await.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        // (committee2, still to score, reads the work above the score form.)
        let work = if email.starts_with("committee") {
            "scoring"
        } else {
            "submitted"
        };
        assert_eq!(
            section(&page.body, work).contains(card),
            sees,
            "{email} reads committee1's scorecard"
        );
        assert!(section(&page.body, work).contains("<h3>Improvement proposal</h3>"));
    }
    site.stop().await;
}

/// Takes project `p` of the test site (trainee1, sup1, committee1) through
/// the engine to the committee's evaluation, and makes committee2 its
/// second evaluator.
pub(crate) async fn to_the_committee(engine: &Engine, p: i64) {
    let loaded = definition::load(&bundled("graduation-service")).unwrap();
    let forms = &loaded.workflow.forms;
    let steps: Vec<(&str, &str, &str)> = vec![
        ("trainee1@example.org", "submit", "proposal"),
        ("sup1@example.org", "endorse", ""),
        (
            "trainee1@example.org",
            "visit_before.submit",
            "client_visit",
        ),
        ("coord-a@example.org", "visit_before.accept", ""),
        ("trainee1@example.org", "visit_after.submit", "client_visit"),
        ("coord-a@example.org", "visit_after.accept", ""),
        ("trainee1@example.org", "finish", "final_report"),
    ];
    for (n, (who, action, form)) in steps.into_iter().enumerate() {
        let answers = if form.is_empty() {
            Default::default()
        } else {
            support::sample(&forms[form])
        };
        support::act(engine, p, who, action, answers, None, 2 + n as i64)
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
    }
    engine
        .assign(p, None, "committee2@example.org", "committee", day(10))
        .await
        .unwrap();
}

/// The `<section id="ID">` of a page.
pub(crate) fn section<'b>(body: &'b str, id: &str) -> &'b str {
    let start = body
        .find(&format!(
            "<section aria-labelledby=\"{id}-heading\" id=\"{id}\">"
        ))
        .unwrap_or_else(|| panic!("a section {id} in {body}"));
    let end = start + body[start..].find("</section>").unwrap();
    &body[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_end_and_are_stored_only_as_hashes() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    engine
        .add_person("a@example.org", "A", "", day(0))
        .await
        .unwrap();
    engine
        .set_password("a@example.org", PASSWORD)
        .await
        .unwrap();
    let (_, session) = engine
        .sign_in("a@example.org", PASSWORD, day(1))
        .await
        .unwrap();
    assert_eq!(session.token.len(), 32, "128 bits in hex");
    let stored = support::raw_number(
        &db,
        &format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{}'",
            session.token
        ),
    )
    .await;
    assert_eq!(stored, 0, "the token itself is not stored");
    assert_eq!(
        support::raw_number(&db, "SELECT COUNT(*) FROM sessions").await,
        1
    );
    assert!(
        engine
            .session(&session.token, day(1))
            .await
            .unwrap()
            .is_some()
    );
    let lifetime = gradflow_engine::service::SESSION_LIFETIME;
    let expired = day(1).checked_add(lifetime).unwrap();
    assert!(
        engine
            .session(&session.token, expired)
            .await
            .unwrap()
            .is_none()
    );
    // A new password signs out every session; signing out ends one.
    let (_, second) = engine
        .sign_in("a@example.org", PASSWORD, day(1))
        .await
        .unwrap();
    engine
        .set_password("a@example.org", "a brand new phrase")
        .await
        .unwrap();
    assert!(
        engine
            .session(&second.token, day(1))
            .await
            .unwrap()
            .is_none()
    );
    let (_, third) = engine
        .sign_in("a@example.org", "a brand new phrase", day(1))
        .await
        .unwrap();
    engine.end_session(&third.token).await.unwrap();
    assert!(
        engine
            .session(&third.token, day(1))
            .await
            .unwrap()
            .is_none()
    );
    let hash = support::raw_number(
        &db,
        "SELECT COUNT(*) FROM people WHERE password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'",
    )
    .await;
    assert_eq!(hash, 1, "Argon2id with the default parameters");
}

/// Number of project cards on a board page.
pub(crate) fn cards(body: &str) -> usize {
    body.matches("id=\"board-project-").count()
}

async fn the_board_counts_every_stage_and_pages_its_lists(db: &TestDb) {
    use gradflow_engine::service::ProjectStart;
    let site = Site::new(db).await;
    // Cohort A: its 2 projects and 118 more, one with a title that reads
    // like a spreadsheet formula. The proposal deadline (15 March) passes
    // for all 120, then 5 move on to endorsement, whose deadline (5 working
    // days) has passed too by the server's clock (today, after March 2026):
    // overdue counts a deadline past whether or not a worker recorded it.
    let intake: Vec<ProjectStart> = (0..118)
        .map(|n| ProjectStart {
            title: if n == 0 {
                "=HYPERLINK(\"http://x.example\")".into()
            } else {
                format!("Improvement {n}")
            },
            members: vec![
                ("trainee1@example.org".into(), "trainee".into()),
                ("sup1@example.org".into(), "supervisor".into()),
            ],
        })
        .collect();
    let started = site
        .engine
        .start_projects("Cohort A", &intake, day(2))
        .await
        .unwrap();
    let ids: Vec<i64> = started.into_iter().map(|r| r.unwrap().project).collect();
    let after_deadline: jiff::Timestamp = "2026-03-20T06:00:00Z".parse().unwrap();
    while site
        .engine
        .fire_due(after_deadline, 500)
        .await
        .unwrap()
        .claimed
        > 0
    {}
    let proposal = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow
        .forms["proposal"]
        .clone();
    for &p in &ids[1..6] {
        support::act(
            &site.engine,
            p,
            "trainee1@example.org",
            "submit",
            support::sample(&proposal),
            None,
            80,
        )
        .await
        .unwrap();
    }

    let cohort = site.cohorts[0];
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let mut board = coordinator.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    // Fluent isolates each number with invisible marks.
    board.body = board.body.replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        board.body.contains("120 projects · 120 overdue"),
        "{}",
        board.body
    );
    let row = |body: &str, stage: &str| {
        let start = body.find(&format!("id=\"stage-{stage}\"")).unwrap();
        let end = start + body[start..].find("</tr>").unwrap();
        body[start..end].split_whitespace().collect::<String>()
    };
    assert!(
        row(&board.body, "proposal")
            .contains("<td>115</td><td><strongclass=\"overdue-text\">115</strong>"),
        "{}",
        row(&board.body, "proposal")
    );
    assert!(
        row(&board.body, "endorsement")
            .contains("<td>5</td><td><strongclass=\"overdue-text\">5</strong>"),
        "{}",
        row(&board.body, "endorsement")
    );
    // The overdue projects, 50 a page, longest overdue first.
    assert_eq!(cards(&board.body), 50);
    assert!(board.body.contains("Page 1 of 3"), "{}", board.body);
    assert!(board.body.contains(&format!(
        "href=\"/cohorts/{cohort}?page&#x3D;2\" rel=\"next\""
    )));
    let last = coordinator.get(&format!("/cohorts/{cohort}?page=3")).await;
    assert_eq!(cards(&last.body), 20);
    assert!(last.body.contains("rel=\"prev\"") && !last.body.contains("rel=\"next\""));
    let past = coordinator.get(&format!("/cohorts/{cohort}?page=9")).await;
    assert_eq!((past.status, cards(&past.body)), (StatusCode::OK, 0));
    for bad in ["0", "-1", "x", "99999999999"] {
        let page = coordinator
            .get(&format!("/cohorts/{cohort}?page={bad}"))
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "page={bad}");
    }
    // One stage's projects: overdue by their endorsement deadline.
    let stage = coordinator
        .get(&format!("/cohorts/{cohort}?stage=endorsement"))
        .await;
    assert_eq!(cards(&stage.body), 5);
    assert_eq!(stage.body.matches("class=\"card overdue\"").count(), 5);
    assert!(!stage.body.contains("id=\"board-pages\""));
    for &p in &ids[1..6] {
        assert!(stage.body.contains(&format!("id=\"board-project-{p}\"")));
    }
    let unknown = coordinator
        .get(&format!("/cohorts/{cohort}?stage=%3Cb%3E"))
        .await;
    assert_eq!(cards(&unknown.body), 0);
    assert!(unknown.body.contains("&lt;b&gt;") && !unknown.body.contains("<b>"));

    // The export: every project, a row each, text a spreadsheet cannot run.
    let export = coordinator
        .get(&format!("/cohorts/{cohort}/export.csv"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(export.body.starts_with('\u{feff}'), "a byte-order mark");
    let mut rows = csv::Reader::from_reader(export.body.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    assert_eq!(&headers[0], "Number");
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 120);
    let formula = rows.iter().find(|r| r[0] == ids[0].to_string()).unwrap();
    assert_eq!(&formula[1], "'=HYPERLINK(\"http://x.example\")");
    assert_eq!(&formula[2], "Proposal");
    assert_eq!(
        &formula[col("Overdue")],
        "2026-03-15 23:59",
        "overdue since, Muscat time"
    );
    assert_eq!(&formula[col("trainee")], "Person trainee1");
    assert!(!formula[col("coordinator")].is_empty());
    let endorsed = rows.iter().find(|r| r[0] == ids[1].to_string()).unwrap();
    assert_eq!(
        &endorsed[col("Overdue")],
        "2026-03-27 23:59",
        "overdue since its endorsement deadline, 5 working days after 22 March"
    );
    // Nobody else gets it.
    let mut other = site.signed_in("coord-b@example.org").await;
    let refused = other.get(&format!("/cohorts/{cohort}/export.csv")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.body.contains("Improvement"));
    site.stop().await;
}

/// Runs `gradflow worker --once` at the real time, delivering what is due
/// (password reset links queued by the site) to `sink`.
pub(crate) async fn deliver_mail(db: &TestDb, sink: &crate::smtp_sink::Sink) {
    let now = jiff::Timestamp::now().to_string();
    crate::worker::worker_once(db, &now, &sink.url(), 500).await;
}

/// The password reset mails `sink` received (the worker delivers the
/// projects' mail too), in order.
pub(crate) fn resets(sink: &crate::smtp_sink::Sink) -> Vec<crate::smtp_sink::Received> {
    sink.received()
        .into_iter()
        .filter(|m| m.message_id().contains("reset-"))
        .collect()
}

/// The token of the reset link in `text`, which must point at `base`.
fn reset_token(text: &str, base: &str) -> String {
    let link = format!("{base}/reset/new?token=");
    let start = text
        .find(&link)
        .unwrap_or_else(|| panic!("a link to {link} in {text}"))
        + link.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

async fn a_forgotten_password_is_reset_by_a_mailed_link(db: &TestDb) {
    use crate::smtp_sink::Sink;
    let sink = Sink::start(&[]).await;
    let site = Site::start(db, true).await;
    let email = "trainee1@example.org";
    // A browser signed in with the old password, and one where it is lost.
    let mut old = site.signed_in(email).await;
    let mut b = site.browser();
    assert!(b.get("/signin").await.body.contains("href=\"/reset\""));

    // The same answer whether or not the email has an account.
    let unknown = b.post("/reset", &[("email", "nobody@example.org")]).await;
    let known = b.post("/reset", &[("email", email)]).await;
    assert_eq!(
        (unknown.status, known.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(
        unknown.body.replace("nobody@example.org", "EMAIL"),
        known.body.replace(email, "EMAIL"),
        "the two answers differ"
    );
    // The server sent nothing itself: a worker delivers the queued link.
    assert_eq!(sink.count(), 0, "the web server sends no mail itself");
    deliver_mail(db, &sink).await;
    let received = resets(&sink);
    assert_eq!(received.len(), 1, "one mail, to the account that exists");
    assert_eq!(received[0].to, vec![email.to_owned()]);
    assert_eq!(received[0].subject(), "Choose a new gradflow password");
    let token = reset_token(&received[0].text(), &site.base);
    assert_eq!(token.len(), 64, "{}", received[0].text());
    let stored = support::raw_number(
        db,
        &format!("SELECT COUNT(*) FROM password_resets WHERE token_hash = '{token}'"),
    )
    .await;
    assert_eq!(stored, 0, "the token itself is never stored");

    // The form; passwords that differ or are too short change nothing.
    let form = b.get(&format!("/reset/new?token={token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains(&format!("name=\"token\" value=\"{token}\""))
    );
    let before = snapshot(db).await;
    let new = "a brand new passphrase";
    for (password, confirm, says) in [
        (new, "another passphrase", "are not the same"),
        ("short", "short", "At least"),
    ] {
        let page = b
            .post(
                "/reset/new",
                &[
                    ("token", &token),
                    ("password", password),
                    ("confirm", confirm),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.body.contains(says), "{}", page.body);
    }
    let forged = b
        .post(
            "/reset/new",
            &[
                ("token", &"0".repeat(64)),
                ("password", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(
        forged.body.contains("expired or was already used"),
        "{}",
        forged.body
    );
    assert_unchanged(db, &before, "refused resets").await;

    // The link sets the password once, and signs out every old session.
    let done = b
        .post(
            "/reset/new",
            &[("token", &token), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.headers[LOCATION], "/signin?reset=done");
    assert!(
        b.get("/signin?reset=done")
            .await
            .body
            .contains("Your password is changed")
    );
    assert_eq!(
        old.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the old session ended"
    );
    assert_eq!(
        b.sign_in(email, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(b.sign_in(email, new).await.status, StatusCode::SEE_OTHER);
    let again = site
        .browser()
        .post(
            "/reset/new",
            &[
                ("token", &token),
                ("password", "yet another one"),
                ("confirm", "yet another one"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a link works once");

    // A link older than its lifetime does nothing.
    let link = support::queued_reset(&site.engine, db, email, day(0)).await;
    let late = day(0)
        .checked_add(gradflow_engine::service::RESET_LIFETIME)
        .unwrap();
    let refused = site
        .engine
        .reset_password(&link.token, "too late for this", late)
        .await;
    assert_eq!(
        refused.unwrap_err().kind(),
        gradflow_engine::service::Kind::NotFound
    );

    // A person who reads Arabic gets the mail in Arabic.
    let mut arabic = site.signed_in("trainee2@example.org").await;
    let csrf = arabic.get("/profile").await.csrf();
    arabic
        .post("/profile", &[("csrf", &csrf), ("language", "ar")])
        .await;
    site.browser()
        .post("/reset", &[("email", "trainee2@example.org")])
        .await;
    deliver_mail(db, &sink).await;
    let received = resets(&sink);
    assert_eq!(received.len(), 2, "the link queued at day 0 expired unsent");
    assert_eq!(received[1].subject(), "اختر كلمة مرور جديدة لـ gradflow");
    assert!(
        received[1].text().contains("مرحبًا Person trainee2"),
        "{}",
        received[1].text()
    );
    reset_token(&received[1].text(), &site.base);
    site.stop().await;
}

/// The workflow's own words (stage titles, action titles, form labels and
/// units, milestones, rubric criteria) are shown in the reader's language:
/// Arabic for a trainee who chose Arabic, English for one who chose
/// English. A refused form still puts each problem (the engine's words) on
/// its field, whose label is in Arabic.
async fn the_workflows_words_are_in_the_readers_language(db: &TestDb) {
    let site = Site::new(db).await;
    let (arabic, english) = (site.projects[0], site.projects[1]);
    let mut ar = site.signed_in("trainee1@example.org").await;
    let csrf = ar.get("/profile").await.csrf();
    let saved = ar
        .post("/profile", &[("csrf", &csrf), ("language", "ar")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    site.engine
        .set_person_language("trainee2@example.org", "en")
        .await
        .unwrap();
    let mut en = site.signed_in("trainee2@example.org").await;

    let home = ar.get("/").await;
    assert!(
        home.body.contains("مقترح المشروع") && home.body.contains("تقديم المقترح"),
        "the stage and what the trainee can do, in Arabic: {}",
        home.body
    );
    let page = ar.get(&format!("/projects/{arabic}")).await;
    for words in [
        "id=\"project-stage\">مقترح المشروع<",
        "aria-current=\"step\">مقترح المشروع",
        "<li>اعتماد المسؤول المباشر</li>",
        "<h3>تقديم المقترح</h3>",
        ">سحب المشروع</button>",
        ">الخدمة المراد تحسينها <span class=\"required\">",
        ">ما يواجهه المستفيدون حاليًا <span class=\"required\">",
        ">المؤشر الرئيسي <span class=\"required\">",
    ] {
        assert!(page.body.contains(words), "{words} in {}", page.body);
    }
    for english_words in ["Proposal", "Submit the proposal", "Service to improve"] {
        assert!(
            !page.body.contains(english_words),
            "no {english_words} on the Arabic page: {}",
            page.body
        );
    }
    let home = en.get("/").await;
    assert!(
        home.body.contains("Proposal") && home.body.contains("Submit the proposal"),
        "{}",
        home.body
    );
    let page = en.get(&format!("/projects/{english}")).await;
    for words in [
        "id=\"project-stage\">Proposal<",
        "<li>Supervisor endorsement</li>",
        "<h3>Submit the proposal</h3>",
        ">Withdraw</button>",
        ">Service to improve <span class=\"required\">",
    ] {
        assert!(page.body.contains(words), "{words} in {}", page.body);
    }
    assert!(
        !page.body.contains("مقترح المشروع"),
        "no Arabic on the English page: {}",
        page.body
    );

    // A refused form: the engine's problem lands on its (Arabic) field.
    let page = ar.get(&format!("/projects/{arabic}")).await;
    let before = snapshot(db).await;
    let refused = ar
        .post(
            &format!("/projects/{arabic}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", "submit"),
                ("version", &page.version()),
                ("f.service", "تجديد البطاقات"),
                ("f.problem", ""),
                ("f.improvement", "فحص مسبق عبر الإنترنت"),
                ("f.indicator", "waiting_time"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_unchanged(db, &before, "a refused Arabic form").await;
    assert!(
        refused.body.contains("id=\"act-submit-problem-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"تجديد البطاقات\""));

    // Submitted, the project moves on: the stage and the history in Arabic.
    let valid = ar
        .post(
            &format!("/projects/{arabic}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", "submit"),
                ("version", &page.version()),
                ("f.service", "تجديد البطاقات"),
                ("f.problem", "طوابير طويلة"),
                ("f.improvement", "فحص مسبق عبر الإنترنت"),
                ("f.indicator", "waiting_time"),
            ],
        )
        .await;
    assert_eq!(valid.status, StatusCode::SEE_OTHER, "{}", valid.body);
    let page = ar.get(&format!("/projects/{arabic}")).await;
    assert!(
        page.body
            .contains("id=\"project-stage\">اعتماد المسؤول المباشر<"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("تقديم المقترح"),
        "the history names the action"
    );
    site.stop().await;
}

async fn a_coordinator_gives_roles_from_the_project_page(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[1];
    let path = format!("/projects/{p}");
    let members = format!("{path}/members");
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let page = coordinator.get(&path).await;
    assert!(page.body.contains("id=\"give-role\""), "{}", page.body);
    let csrf = page.csrf();
    let mut evaluator = site.signed_in("committee2@example.org").await;
    assert_eq!(evaluator.get(&path).await.status, StatusCode::NOT_FOUND);

    // Refused: whoever is not the coordinator, a conflict of interest, a
    // stranger; each with the reason, and nothing changed.
    let before = snapshot(db).await;
    for (email, status, says) in [
        (
            "sup2@example.org",
            StatusCode::FORBIDDEN,
            "only the coordinator may give roles",
        ),
        (
            "trainee2@example.org",
            StatusCode::FORBIDDEN,
            "only the coordinator may give roles",
        ),
        ("coord-b@example.org", StatusCode::NOT_FOUND, ""),
        ("committee1@example.org", StatusCode::NOT_FOUND, ""),
    ] {
        let mut b = site.signed_in(email).await;
        let own = b.get("/profile").await.csrf();
        if status == StatusCode::FORBIDDEN {
            assert!(
                !b.get(&path).await.body.contains("id=\"give-role\""),
                "{email} sees no form"
            );
        }
        let page = b
            .post(
                &members,
                &[
                    ("csrf", &own),
                    ("email", "committee2@example.org"),
                    ("role", "committee"),
                ],
            )
            .await;
        assert_eq!(page.status, status, "{email}: {}", page.body);
        assert!(page.body.contains(says), "{email}: {}", page.body);
        assert!(!page.body.contains("Fewer visits") || status == StatusCode::FORBIDDEN);
    }
    let conflict = coordinator
        .post(
            &members,
            &[
                ("csrf", &csrf),
                ("email", "trainee2@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(conflict.status, StatusCode::FORBIDDEN, "{}", conflict.body);
    let nobody = coordinator
        .post(
            &members,
            &[
                ("csrf", &csrf),
                ("email", "nobody@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    assert!(nobody.status.is_client_error(), "{}", nobody.body);
    let forged = coordinator
        .post(
            &members,
            &[
                ("csrf", "0"),
                ("email", "committee2@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let changes: Vec<String> = snapshot(db)
        .await
        .changes_since(&before)
        .into_iter()
        .filter(|c| !c.starts_with("+ sessions:"))
        .collect();
    assert!(
        changes.is_empty(),
        "refused role gifts changed: {changes:#?}"
    );

    // Given by the coordinator: one event in the log, and the evaluator
    // now finds the project on their home page.
    let given = coordinator
        .post(
            &members,
            &[
                ("csrf", &csrf),
                ("email", "committee2@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    let page = coordinator.get(&path).await;
    assert!(page.body.contains("became"), "{}", page.body);
    assert!(evaluator.get("/").await.body.contains("Fewer visits"));
    assert_eq!(evaluator.get(&path).await.status, StatusCode::OK);
    site.stop().await;
}

/// The README's run command: `gradflow demo` serves a demo institute with a
/// project at every stage, prints a working sign-in for each role, and each
/// person finds their work: the committee its project to score, the
/// coordinator a board of every stage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_serves_an_institute_with_work_for_everyone() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(["--db", &url, "demo", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut passwords = BTreeMap::new();
    let mut committee_line = String::new();
    let mut checks = Vec::new();
    let base = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the demo stopped early"
        );
        if line.contains("Ali's committee, assigned from the pool") {
            committee_line = line.clone();
        }
        if let Some(path) = line.split("check it at ").nth(1) {
            let state = if line.contains("(revoked)") {
                "revoked"
            } else {
                "valid"
            };
            checks.push((state, path.trim().to_owned()));
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [email, password, ..] = words.as_slice()
            && email.contains('@')
        {
            passwords.insert(email.to_string(), password.to_string());
        }
        if let Some(rest) = line.split("serving http://").nth(1) {
            break format!("http://{}", rest.split_whitespace().next().unwrap());
        }
    };
    assert_eq!(passwords.len(), 13, "{passwords:?}");
    // Committees (issue 15): Mona (Ministry of Labour, like Ali) is left out.
    for name in ["Salim", "Rashid", "Fatma"] {
        assert!(committee_line.contains(name), "{committee_line}");
    }
    assert!(!committee_line.contains("Mona"), "{committee_line}");
    // Certificates (issue 15): Amal's checks as valid, Noor's as revoked,
    // on the public check page (no sign-in).
    assert_eq!(
        checks.iter().map(|(state, _)| *state).collect::<Vec<_>>(),
        ["revoked", "valid"],
        "{checks:?}"
    );
    for (state, path) in &checks {
        let text = reqwest::get(format!("{base}{path}.json"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["status"], *state, "{path}: {answer}");
    }
    let browser = |email: &'static str| {
        let mut b = Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.clone(),
            cookie: None,
        };
        let password = passwords[email].clone();
        async move {
            let page = b.sign_in(email, &password).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{email}: {}", page.body);
            b
        }
    };
    let mut salim = browser("salim@housing.example").await;
    let home = salim.get("/").await;
    let awaiting = home
        .body
        .split("id=\"awaiting\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        awaiting.contains("One counter for work permit renewals"),
        "{}",
        home.body
    );
    let mut huda = browser("huda@institute.example").await;
    let board = huda.get("/cohorts/1").await;
    for stage in [
        "proposal",
        "endorsement",
        "implementation",
        "evaluation",
        "certified",
    ] {
        assert!(
            board.body.contains(&format!("id=\"stage-{stage}\"")),
            "{stage}: {}",
            board.body
        );
    }
    // The demo runs no worker, yet the deadlines that passed are fired: the
    // board lists the late projects (Sara's proposal, Mariam's implementation).
    assert!(!board.body.contains("id=\"board-empty\""), "{}", board.body);
    for late in ["board-project-3", "board-project-5"] {
        assert!(board.body.contains(late), "{late}: {}", board.body);
    }
    // Each project's proposal is its own, matching its title.
    let mariam = huda.get("/projects/5").await;
    assert!(
        mariam
            .body
            .contains("Fewer documents for birth registration")
    );
    assert!(
        mariam.body.contains("Birth registration"),
        "{}",
        mariam.body
    );
    assert!(!mariam.body.contains("Housing loan"), "{}", mariam.body);
    let ali = huda.get("/projects/6").await;
    assert!(ali.body.contains("Work permit renewal"), "{}", ali.body);
    assert!(!ali.body.contains("Housing loan"), "{}", ali.body);
    // The demo runs no worker, and its projects are months past their
    // deadlines: the board still counts and lists them overdue.
    let totals = board.body.replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        !totals.contains("· 0 overdue") && board.body.contains("class=\"card overdue\""),
        "{}",
        board.body
    );
    let mut sara = browser("sara@labour.example").await;
    assert!(sara.get("/").await.body.contains("Submit the proposal"));
    // Open Badges (issue 15, part 8): Amal downloads her credential from
    // her certificate page; the JWK set that verifies it is public.
    let mut amal = browser("amal@health.example").await;
    let valid = &checks
        .iter()
        .find(|(state, _)| *state == "valid")
        .unwrap()
        .1;
    let code = valid.trim_start_matches("/verify/");
    let page = amal.get(&format!("/certificates/{code}")).await;
    let link = page
        .body
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|href| href.ends_with("/credential"))
        .unwrap_or_else(|| panic!("no credential link: {}", page.body))
        .to_owned();
    let credential = amal.get(&link).await;
    assert_eq!(credential.status, StatusCode::OK, "{}", credential.body);
    assert_eq!(credential.headers["content-type"], "application/vc+jwt");
    assert_eq!(credential.body.split('.').count(), 3);
    let keys = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(keys.contains("\"crv\":\"Ed25519\""), "{keys}");
    // Intake (issue 16): each demo sign-in finds its new work. Khalid has
    // Rahma's request to endorse; Huda has Layla among the candidates of
    // the cohort open for applications; Hamad is on its waiting list.
    let words = |page: &Page| page.body.replace(['\u{2068}', '\u{2069}'], "");
    let mut khalid = browser("khalid@health.example").await;
    let home = words(&khalid.get("/").await);
    assert!(
        home.contains("One request waits for your endorsement"),
        "{home}"
    );
    let supervision = words(&khalid.get("/supervision").await);
    assert!(supervision.contains("Rahma Al-Siyabi"), "{supervision}");
    let home = words(&huda.get("/").await);
    let intake = home
        .split("href=\"/cohorts/")
        .filter_map(|rest| rest.split_once("/candidates\""))
        .map(|(id, _)| id.to_owned())
        .last()
        .unwrap_or_else(|| panic!("a candidates link: {home}"));
    let candidates = words(&huda.get(&format!("/cohorts/{intake}/candidates")).await);
    for name in [
        "Layla Al-Zadjali",
        "Hamad Al-Ghafri",
        "Omar Al-Shukaili",
        "Rahma Al-Siyabi",
    ] {
        assert!(candidates.contains(name), "{name}: {candidates}");
    }
    let mut hamad = browser("hamad@housing.example").await;
    let mine = words(&hamad.get("/applications").await);
    assert!(mine.contains("On the waiting list, number 1"), "{mine}");
    server.kill().unwrap();
    server.wait().unwrap();
}
