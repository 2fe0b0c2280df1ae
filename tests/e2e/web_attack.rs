//! The newest web features attacked from outside, as a hostile visitor or a
//! careless colleague would: password reset links raced and reused, roles
//! given twenty times at once, cross-site and oversized posts, a board asked
//! for absurd pages and stages, an export of titles that read like
//! formulas, and evaluators looking for each other's scores.
//!
//! Each test drives the real server (web.rs's `Site`) over HTTP and proves,
//! with raw snapshots of the database, that a refusal changed nothing.

use jiff::Timestamp;
use reqwest::StatusCode;

use crate::smtp_sink::Sink;
use crate::support::{self, TestDb, assert_unchanged, day, on_both, snapshot};
use crate::web::{Browser, PASSWORD, Page, Site, cards};

/// How many requests race in the concurrency attacks.
const RACERS: usize = 20;

on_both!(
    twenty_uses_of_one_reset_link_at_once,
    twenty_gifts_of_one_role_at_once,
    cross_site_posts_to_the_new_forms_change_nothing,
    oversized_input_is_refused_and_the_server_lives,
    the_board_survives_absurd_queries,
    the_export_keeps_hostile_titles_inert,
    evaluators_never_read_each_others_scores,
    reset_links_die_with_a_new_password_and_need_an_account,
);

/// A site that offers reset links by mail, and a real SMTP sink a worker
/// ([`settle`]) delivers them to.
async fn site_with_mail(db: &TestDb) -> (Site, Sink) {
    let sink = Sink::start(&[]).await;
    (Site::start(db, true).await, sink)
}

/// Another browser holding the same session as `b` (a second tab).
fn tab_of(b: &Browser) -> Browser {
    Browser {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: b.base.clone(),
        cookie: b.cookie.clone(),
    }
}

/// Sends `request` with `headers` added.
async fn post_with(
    b: &mut Browser,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Page {
    let mut request = b.client.post(format!("{}{path}", b.base)).form(form);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    b.send(request).await
}

/// Whether `password` signs `email` in, asked of the engine (the web's
/// sign-in limiter would stop a test that tries many).
async fn signs_in(site: &Site, email: &str, password: &str) -> bool {
    site.engine
        .sign_in(email, password, Timestamp::now())
        .await
        .is_ok()
}

/// Waits until the sink has `n` messages (or five seconds pass), then a
/// little longer, so that a message that should not come has had its chance.
async fn settle(db: &TestDb, sink: &Sink, n: usize) {
    crate::web::deliver_mail(db, sink).await;
    let mut waited = 0;
    while crate::web::resets(sink).len() < n && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

/// Events of `change_type` recorded on project `p`, counted with raw SQL.
async fn events_of(db: &TestDb, p: i64, change_type: &str) -> i64 {
    support::raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM events WHERE project_id = {p} AND change LIKE '%\"type\":\"{change_type}\"%'"
        ),
    )
    .await
}

/// A form posted: where, its fields, from which browser.
type Post<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a mut Browser);

/// Twenty browsers post one reset link at once, each with its own new
/// password: one wins, the others are told the link is used, and only the
/// winner's password signs in.
async fn twenty_uses_of_one_reset_link_at_once(db: &TestDb) {
    let site = Site::new(db).await;
    let email = "trainee1@example.org";
    let link = support::queued_reset(&site.engine, db, email, Timestamp::now()).await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut racers = Vec::new();
    for i in 0..RACERS {
        let mut b = site.browser();
        let token = link.token.clone();
        let start = start.clone();
        racers.push(tokio::spawn(async move {
            let password = format!("racer number {i:02} wins");
            start.wait().await;
            let page = b
                .post(
                    "/reset/new",
                    &[
                        ("token", &token),
                        ("password", &password),
                        ("confirm", &password),
                    ],
                )
                .await;
            (password, page.status, page.body)
        }));
    }
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for racer in racers {
        let (password, status, body) = racer.await.unwrap();
        match status {
            StatusCode::SEE_OTHER => winners.push(password),
            StatusCode::BAD_REQUEST => {
                assert!(body.contains("expired or was already used"), "{body}");
                losers.push(password);
            }
            other => panic!("a racer got {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one use of the link: {winners:?}");
    assert_eq!(losers.len(), RACERS - 1);
    assert!(signs_in(&site, email, &winners[0]).await);
    for password in losers.iter().chain([&PASSWORD.to_owned()]) {
        assert!(
            !signs_in(&site, email, password).await,
            "{password} signs in"
        );
    }
    assert_eq!(
        support::raw_number(db, "SELECT COUNT(*) FROM password_resets").await,
        0
    );
    site.stop().await;
}

/// The coordinator's "give committee2 the committee role", posted twenty
/// times at once: one `MemberAdded` event, the others refused cleanly.
async fn twenty_gifts_of_one_role_at_once(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[1];
    let path = format!("/projects/{p}/members");
    let coordinator = site.signed_in("coord-a@example.org").await;
    let csrf = tab_of(&coordinator)
        .get(&format!("/projects/{p}"))
        .await
        .csrf();
    let added_before = events_of(db, p, "member_added").await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut racers = Vec::new();
    for _ in 0..RACERS {
        let mut tab = tab_of(&coordinator);
        let (path, csrf, start) = (path.clone(), csrf.clone(), start.clone());
        racers.push(tokio::spawn(async move {
            start.wait().await;
            let page = tab
                .post(
                    &path,
                    &[
                        ("csrf", &csrf),
                        ("email", "committee2@example.org"),
                        ("role", "committee"),
                    ],
                )
                .await;
            (page.status, page.body)
        }));
    }
    let mut given = 0;
    for racer in racers {
        let (status, body) = racer.await.unwrap();
        if status == StatusCode::SEE_OTHER {
            given += 1;
        } else {
            assert!(
                status.is_client_error(),
                "a refused gift is the visitor's problem, not {status}: {body}"
            );
        }
    }
    assert_eq!(given, 1, "one gift went through");
    assert_eq!(events_of(db, p, "member_added").await - added_before, 1);
    let direct = support::raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM project_members m JOIN people p ON p.id = m.person_id
             WHERE m.project_id = {p} AND p.email = 'committee2@example.org'"
        ),
    )
    .await;
    assert_eq!(direct, 1);
    let report = site.engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    site.stop().await;
}

/// Posts from another site to the reset forms and the give-a-role form are
/// refused before any handler runs: no link mailed, no password changed, no
/// role given.
async fn cross_site_posts_to_the_new_forms_change_nothing(db: &TestDb) {
    let (site, sink) = site_with_mail(db).await;
    let p = site.projects[1];
    let email = "trainee1@example.org";
    let link = support::queued_reset(&site.engine, db, email, Timestamp::now()).await;
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let csrf = coordinator.get(&format!("/projects/{p}")).await.csrf();
    let before = snapshot(db).await;
    let new = "a password from elsewhere";
    let members = format!("/projects/{p}/members");
    for (what, headers) in [
        ("cross-site", vec![("sec-fetch-site", "cross-site")]),
        ("same-site", vec![("sec-fetch-site", "same-site")]),
        ("another origin", vec![("origin", "http://evil.example")]),
        ("a null origin", vec![("origin", "null")]),
    ] {
        let forms: [Post<'_>; 3] = [
            ("/reset", vec![("email", email)], &mut site.browser()),
            (
                "/reset/new",
                vec![("token", &link.token), ("password", new), ("confirm", new)],
                &mut site.browser(),
            ),
            (
                &members,
                vec![
                    ("csrf", &csrf),
                    ("email", "committee2@example.org"),
                    ("role", "committee"),
                ],
                &mut coordinator,
            ),
        ];
        for (path, form, b) in forms {
            let page = post_with(b, path, &form, &headers).await;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "{what} to {path}: {}",
                page.body
            );
            assert!(page.body.contains("did not come from gradflow"));
        }
        assert_unchanged(db, &before, what).await;
    }
    settle(db, &sink, 1).await;
    assert_eq!(
        crate::web::resets(&sink).len(),
        1,
        "no link was mailed but the one the test queued itself"
    );
    assert!(signs_in(&site, email, PASSWORD).await);
    // The same forms from the site itself go through.
    let page = post_with(
        &mut site.browser(),
        "/reset/new",
        &[("token", &link.token), ("password", new), ("confirm", new)],
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(signs_in(&site, email, new).await);
    site.stop().await;
}

/// A megabyte email, a 2 KB password, a 300 KB form: each a clear 4xx that
/// changes nothing, and the server answers afterwards.
async fn oversized_input_is_refused_and_the_server_lives(db: &TestDb) {
    let (site, sink) = site_with_mail(db).await;
    let p = site.projects[1];
    let email = "trainee1@example.org";
    let link = support::queued_reset(&site.engine, db, email, Timestamp::now()).await;
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let csrf = coordinator.get(&format!("/projects/{p}")).await.csrf();
    let before = snapshot(db).await;

    let huge_email = format!("{}@example.org", "a".repeat(1024 * 1024));
    let page = site
        .browser()
        .post("/reset", &[("email", &huge_email)])
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "a 1 MB email");
    // Under the form limit, but no email: the same answer as any other.
    let long_email = format!("{}@example.org", "b".repeat(200 * 1024));
    let page = site
        .browser()
        .post("/reset", &[("email", &long_email)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "a 200 KB email");

    let long_password = "p".repeat(2048);
    let page = site
        .browser()
        .post(
            "/reset/new",
            &[
                ("token", &link.token),
                ("password", &long_password),
                ("confirm", &long_password),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "a 2 KB password");

    let padding = "x".repeat(300 * 1024);
    let page = coordinator
        .post(
            &format!("/projects/{p}/members"),
            &[
                ("csrf", &csrf),
                ("email", "committee2@example.org"),
                ("role", "committee"),
                ("padding", &padding),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "a 300 KB form");
    let page = coordinator
        .post(
            &format!("/projects/{p}/members"),
            &[
                ("csrf", &csrf),
                ("email", &format!("{}@example.org", "c".repeat(100 * 1024))),
                ("role", &"r".repeat(100 * 1024)),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "a 100 KB email and role"
    );

    // Compared before the worker runs (it fires the projects' timers too).
    assert_unchanged(db, &before, "oversized input").await;
    settle(db, &sink, 1).await;
    assert_eq!(
        crate::web::resets(&sink).len(),
        1,
        "no link was mailed but the one the test queued itself"
    );
    assert_eq!(site.browser().get("/healthz").await.status, StatusCode::OK);
    // The link still works.
    let new = "a perfectly normal phrase";
    let page = site
        .browser()
        .post(
            "/reset/new",
            &[("token", &link.token), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    site.stop().await;
}

/// The board asked for absurd pages and stages: a 4xx or an empty list,
/// never a 500, and a stage key is never markup.
async fn the_board_survives_absurd_queries(db: &TestDb) {
    let site = Site::new(db).await;
    let cohort = site.cohorts[0];
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let board = format!("/cohorts/{cohort}");
    // 100 KB is longer than any URI a client library sends: sent by hand.
    let status = raw_get(
        &site.base,
        &format!("{board}?stage={}", "s".repeat(100 * 1024)),
        coordinator.cookie.as_deref().unwrap(),
    )
    .await;
    assert!(
        status == 200 || (400..500).contains(&status),
        "a 100 KB stage: {status}"
    );
    let long_stage = "s".repeat(60 * 1024);
    for (query, expected) in [
        (format!("stage={long_stage}"), StatusCode::OK),
        ("page=4294967296".to_owned(), StatusCode::BAD_REQUEST),
        ("page=-1".to_owned(), StatusCode::BAD_REQUEST),
        ("page=%2B1".to_owned(), StatusCode::OK),
        ("page=1e3".to_owned(), StatusCode::BAD_REQUEST),
        ("page=4294967295".to_owned(), StatusCode::OK),
        ("stage=proposal&page=4294967295".to_owned(), StatusCode::OK),
        (
            "stage=%D9%85%D9%82%D8%AA%D8%B1%D8%AD".to_owned(),
            StatusCode::OK,
        ),
        ("stage=%F0%9F%92%A5&page=2".to_owned(), StatusCode::OK),
        ("stage=a%00b".to_owned(), StatusCode::OK),
        ("stage=%00".to_owned(), StatusCode::OK),
        // Not UTF-8: read with replacement characters, a stage of nothing.
        ("stage=%FF%FE".to_owned(), StatusCode::OK),
        ("stage=a&stage=b".to_owned(), StatusCode::BAD_REQUEST),
        (
            "stage=%22%3E%3Cscript%3Ealert(1)%3C/script%3E".to_owned(),
            StatusCode::OK,
        ),
    ] {
        let page = coordinator.get(&format!("{board}?{query}")).await;
        let shown: String = query.chars().take(60).collect();
        assert_eq!(page.status, expected, "{shown}: {}", page.body);
        assert!(!page.body.contains("<script>alert"), "{shown}: markup");
        if page.status == StatusCode::OK && query.contains("stage=") {
            assert_eq!(cards(&page.body), 0, "{shown}");
        }
    }
    // The known stage still lists its projects.
    let page = coordinator.get(&format!("{board}?stage=proposal")).await;
    assert_eq!(cards(&page.body), 2, "{}", page.body);
    assert_eq!(site.browser().get("/healthz").await.status, StatusCode::OK);
    site.stop().await;
}

/// The status of `GET path` sent over a bare TCP connection with `cookie`.
async fn raw_get(base: &str, path: &str, cookie: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line in {answer}"))
}

/// Titles that a spreadsheet would run are prefixed with `'`; a title with
/// a line break and quotes stays one record.
async fn the_export_keeps_hostile_titles_inert(db: &TestDb) {
    use gradflow_engine::service::ProjectStart;
    let site = Site::new(db).await;
    let cohort = site.cohorts[0];
    let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "A \"quoted\" title,\nover two lines",
        "=\"a\"&\"b\"\n=1",
    ];
    let members = vec![
        ("trainee1@example.org".to_owned(), "trainee".to_owned()),
        ("sup1@example.org".to_owned(), "supervisor".to_owned()),
    ];
    let intake: Vec<ProjectStart> = hostile
        .iter()
        .map(|title| ProjectStart {
            title: (*title).to_owned(),
            members: members.clone(),
        })
        .collect();
    let started = site
        .engine
        .start_projects("Cohort A", &intake, day(2))
        .await
        .unwrap();
    // Titles the engine refuses (control characters) are not exported; the
    // others must come out inert.
    let mut expected = Vec::new();
    for started in started.into_iter().flatten() {
        let stored = site
            .engine
            .view(started.project)
            .await
            .unwrap()
            .record
            .title;
        expected.push((started.project, stored));
    }
    assert!(
        expected.len() >= 4,
        "most titles are accepted: {expected:?}"
    );
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let export = coordinator
        .get(&format!("/cohorts/{cohort}/export.csv"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(export.body.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2 + expected.len(), "{}", export.body);
    for record in &records {
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet runs: {cell:?}"
            );
        }
    }
    for (id, title) in &expected {
        let record = records
            .iter()
            .find(|r| r[0] == id.to_string())
            .unwrap_or_else(|| panic!("project {id} in {}", export.body));
        let shown = &record[1];
        let inert = if title.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{title}")
        } else {
            title.clone()
        };
        assert_eq!(shown, inert, "the title of {id}");
    }
    site.stop().await;
}

/// Two evaluators score a project: neither reads the other's scores or
/// remarks anywhere on the project page (history included), before or
/// after scoring; the trainee reads none; the export is the coordinator's.
async fn evaluators_never_read_each_others_scores(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let engine = &site.engine;
    crate::web::to_the_committee(engine, p).await;
    let path = format!("/projects/{p}");
    let mut evaluators = [
        site.signed_in("committee1@example.org").await,
        site.signed_in("committee2@example.org").await,
    ];
    for (n, scores) in [(0, ["5", "4", "3", "2"]), (1, ["1", "2", "3", "4"])] {
        let page = evaluators[n].get(&path).await;
        let (csrf, version) = (page.csrf(), page.version());
        let remark = remark_text(n);
        let form = [
            ("csrf", csrf.as_str()),
            ("action", "score"),
            ("version", version.as_str()),
            ("f.safety", scores[0]),
            ("f.authenticity", scores[1]),
            ("f.friendliness", scores[2]),
            ("f.efficiency", scores[3]),
            ("comment", remark.as_str()),
        ];
        let scored = evaluators[n].post(&format!("{path}/act"), &form).await;
        assert_eq!(scored.status, StatusCode::SEE_OTHER, "{}", scored.body);
        // Each evaluator, after committee1 scored and after both did.
        for (m, evaluator) in evaluators.iter_mut().enumerate() {
            let page = evaluator.get(&path).await;
            assert_eq!(page.status, StatusCode::OK);
            let other = 1 - m;
            assert!(
                !page.body.contains(&remark_text(other)),
                "committee{} reads committee{}'s remark after {} scored: {}",
                m + 1,
                other + 1,
                n + 1,
                page.body
            );
            assert!(
                !page
                    .body
                    .contains(&format!("<h4>Person committee{}</h4>", other + 1)),
                "committee{} reads committee{}'s scorecard",
                m + 1,
                other + 1
            );
            if m <= n {
                assert!(page.body.contains(&remark_text(m)), "their own remark");
            }
        }
    }
    for email in ["trainee1@example.org", "sup1@example.org"] {
        let page = site.signed_in(email).await.get(&path).await;
        for n in 0..2 {
            assert!(
                !page.body.contains(&remark_text(n)),
                "{email} reads a remark: {}",
                page.body
            );
        }
    }
    // The coordinator reads both; the export (no scores in it) is theirs alone.
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let page = coordinator.get(&path).await;
    for n in 0..2 {
        assert!(page.body.contains(&remark_text(n)), "{}", page.body);
    }
    let export = format!("/cohorts/{}/export.csv", site.cohorts[0]);
    let csv = coordinator.get(&export).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(!csv.body.contains("Private remark"));
    for evaluator in &mut evaluators {
        let refused = evaluator.get(&export).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert!(!refused.body.contains("Private remark"));
    }
    site.stop().await;
}

/// The remark of evaluator `n` (from 0) as the page shows it.
fn remark_text(n: usize) -> String {
    format!("Private remark number {n}, for the chair")
}

/// A link mailed before the operator sets a new password (`gradflow user
/// set-password`, e.g. after a stolen mailbox) no longer works; a person
/// without an account gets no link; a reset while signed in ends that
/// session too.
async fn reset_links_die_with_a_new_password_and_need_an_account(db: &TestDb) {
    let (site, sink) = site_with_mail(db).await;
    let email = "trainee1@example.org";
    let stolen = support::queued_reset(&site.engine, db, email, Timestamp::now()).await;
    let by_operator = "chosen by the operator";
    site.engine.set_password(email, by_operator).await.unwrap();
    let before = snapshot(db).await;
    let page = site
        .browser()
        .post(
            "/reset/new",
            &[
                ("token", &stolen.token),
                ("password", "the thief's new phrase"),
                ("confirm", "the thief's new phrase"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "a link from before the new password: {}",
        page.body
    );
    assert_unchanged(db, &before, "a link from before the new password").await;
    assert!(signs_in(&site, email, by_operator).await);

    // Someone in the directory without an account (no password): the same
    // answer, but no link, and nothing stored.
    site.engine
        .add_person("visitor@example.org", "A visitor", "", day(0))
        .await
        .unwrap();
    let before = snapshot(db).await;
    let unknown = site
        .browser()
        .post("/reset", &[("email", "nobody@example.org")])
        .await;
    let no_account = site
        .browser()
        .post("/reset", &[("email", "visitor@example.org")])
        .await;
    assert_eq!(no_account.status, StatusCode::OK);
    assert_eq!(
        unknown.body.replace("nobody@example.org", "EMAIL"),
        no_account.body.replace("visitor@example.org", "EMAIL"),
    );
    // Compared before the worker runs (it fires the projects' timers too).
    assert_unchanged(db, &before, "a reset asked for a person without an account").await;
    settle(db, &sink, 1).await;
    assert_eq!(
        crate::web::resets(&sink).len(),
        0,
        "a link for a person without an account (and the stolen one, ended by the new password)"
    );

    // Reset while signed in: that session ends as well.
    let mut signed_in = site.browser();
    assert_eq!(
        signed_in.sign_in(email, by_operator).await.status,
        StatusCode::SEE_OTHER
    );
    let link = support::queued_reset(&site.engine, db, email, Timestamp::now()).await;
    let form = signed_in
        .get(&format!("/reset/new?token={}", link.token))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let new = "reset while signed in";
    let done = signed_in
        .post(
            "/reset/new",
            &[("token", &link.token), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.get("/").await.status, StatusCode::SEE_OTHER);
    assert!(signs_in(&site, email, new).await);
    site.stop().await;
}
