//! Issue 14's features attacked as a hostile or careless user would: a
//! dead message resent twenty times at once (and a refused resend read in
//! Arabic), an irreversible action posted without its box and twice at
//! once with it, and a status message that is not signed.

use reqwest::StatusCode;

use crate::support::{self, TestDb, assert_unchanged, day, on_both, snapshot};
use crate::web::{Browser, Site};
use crate::web_reasons::{all_arabic, english_run};

/// How many requests race.
const RACERS: usize = 20;

on_both!(
    twenty_resends_of_a_dead_message_queue_it_once_and_refusals_are_arabic,
    an_irreversible_action_needs_its_box_and_happens_once,
    an_unsigned_status_message_shows_nothing,
    refusals_of_the_new_forms_are_arabic_on_an_arabic_page,
    hostile_names_and_titles_stay_inert_on_every_new_surface,
    an_outcome_stored_before_told_replays,
    signing_out_clears_the_drafts_kept_in_the_tab,
    returning_a_milestone_needs_its_box,
);

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

/// Submits project `p`'s proposal and lets the mail server give up on the
/// message it queued; its id.
async fn a_dead_message(site: &Site, p: i64) -> i64 {
    let engine = &site.engine;
    support::act(
        engine,
        p,
        "trainee1@example.org",
        "submit",
        support::sample(
            &gradflow_engine::definition::load(&support::bundled("graduation-service"))
                .unwrap()
                .workflow
                .forms["proposal"],
        ),
        None,
        2,
    )
    .await
    .unwrap();
    let claim = engine
        .claim_mail(day(400), day(3), 10, jiff::SignedDuration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claim.mails.len(), 1, "{:?}", claim.unprepared);
    let id = claim.mails[0].message.id;
    assert!(
        engine
            .finish_mail_group(
                &claim,
                &[id],
                &gradflow_engine::service::Delivery::Dead {
                    error: "550 mailbox unavailable".into(),
                },
                day(3),
            )
            .await
            .unwrap()
    );
    id
}

/// A coordinator (reading Arabic) resends one dead message from twenty tabs
/// at once: it goes back in the queue once (one message, its tries reset,
/// waiting), the nineteen others are refused in Arabic; a resend without the
/// form's token changes nothing.
async fn twenty_resends_of_a_dead_message_queue_it_once_and_refusals_are_arabic(db: &TestDb) {
    let site = Site::new(db).await;
    let id = a_dead_message(&site, site.projects[0]).await;
    let cohort = site.cohorts[0];
    site.engine
        .set_person_language("coord-a@example.org", "ar")
        .await
        .unwrap();
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let outbox = coordinator.get(&format!("/cohorts/{cohort}/outbox")).await;
    assert_eq!(outbox.status, StatusCode::OK);
    let csrf = outbox.csrf();
    let path = format!("/cohorts/{cohort}/outbox/{id}/resend");

    let before = snapshot(db).await;
    let forged = coordinator
        .post(&path, &[("csrf", "0".repeat(64).as_str())])
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER, "{}", forged.body);
    let bare = coordinator.post(&path, &[]).await;
    assert_ne!(bare.status, StatusCode::SEE_OTHER, "{}", bare.body);
    assert_unchanged(db, &before, "a resend without the form's token").await;

    let messages = support::raw_number(db, "SELECT COUNT(*) FROM outbox").await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut racers = Vec::new();
    for _ in 0..RACERS {
        let mut tab = tab_of(&coordinator);
        let (path, csrf, start) = (path.clone(), csrf.clone(), start.clone());
        racers.push(tokio::spawn(async move {
            start.wait().await;
            let page = tab.post(&path, &[("csrf", csrf.as_str())]).await;
            (page.status, page.body)
        }));
    }
    let mut queued = 0;
    let mut refused = Vec::new();
    for racer in racers {
        let (status, body) = racer.await.unwrap();
        match status {
            StatusCode::SEE_OTHER => queued += 1,
            StatusCode::CONFLICT => refused.push(body),
            other => panic!("a resend answered {other}: {body}"),
        }
    }
    assert_eq!(queued, 1, "one resend queues the message");
    assert_eq!(refused.len(), RACERS - 1);
    for body in &refused {
        all_arabic(body, "a resend of a message already queued");
    }
    assert_eq!(
        support::raw_number(db, "SELECT COUNT(*) FROM outbox").await,
        messages,
        "no message was copied"
    );
    let message = site.engine.mail_message(id).await.unwrap().message;
    assert_eq!(message.state, "pending");
    assert_eq!(
        (message.attempts, message.resends),
        (1, 1),
        "its refused try still counts; the resend is counted once"
    );
    site.stop().await;
}

/// Events whose change is of `change_type`, counted with raw SQL.
async fn events_of(db: &TestDb, p: i64, change_type: &str) -> i64 {
    support::raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM events WHERE project_id = {p} AND change LIKE '%\"type\":\"{change_type}\"%'"
        ),
    )
    .await
}

/// A trainee's crafted post of "Withdraw" without the box asked once more is
/// refused and changes nothing; with it, sent from two tabs at once, the
/// project is withdrawn once.
async fn an_irreversible_action_needs_its_box_and_happens_once(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    let (csrf, version) = (page.csrf(), page.version());
    let before = snapshot(db).await;
    for confirm in ["", "no", "YES", "on"] {
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("action", "withdraw"),
            ("version", version.as_str()),
            ("comment", "I am leaving the programme"),
        ];
        if !confirm.is_empty() {
            form.push(("confirm", confirm));
        }
        let refused = trainee.post(&format!("{path}/act"), &form).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        // What was typed stays.
        assert!(refused.body.contains("I am leaving the programme"));
    }
    // Without a version, too (a post that skips the page).
    let refused = trainee
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "withdraw"),
                ("comment", "gone"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_unchanged(db, &before, "an irreversible action without its box").await;

    let moved = events_of(db, p, "moved").await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let mut racers = Vec::new();
    for n in 0..2 {
        let mut tab = tab_of(&trainee);
        let (path, csrf, start) = (path.clone(), csrf.clone(), start.clone());
        // One tab sends the version it read, the other none.
        let version = if n == 0 {
            version.clone()
        } else {
            String::new()
        };
        racers.push(tokio::spawn(async move {
            start.wait().await;
            let mut form = vec![
                ("csrf", csrf.as_str()),
                ("action", "withdraw"),
                ("comment", "I am leaving the programme"),
                ("confirm", "yes"),
            ];
            if !version.is_empty() {
                form.push(("version", version.as_str()));
            }
            let page = tab.post(&format!("{path}/act"), &form).await;
            (page.status, page.body)
        }));
    }
    let mut done = 0;
    for racer in racers {
        let (status, body) = racer.await.unwrap();
        if status == StatusCode::SEE_OTHER {
            done += 1;
        } else {
            assert!(
                status.is_client_error(),
                "the second is refused, not broken: {status} {body}"
            );
        }
    }
    assert_eq!(done, 1, "withdrawn once");
    assert_eq!(events_of(db, p, "moved").await, moved + 1, "one move");
    site.stop().await;
}

/// A link with a status message that is not signed for the session, or
/// signed but changed, shows no status message.
async fn an_unsigned_status_message_shows_nothing(db: &TestDb) {
    let site = Site::new(db).await;
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let payload = format!(
        "{{\"at\":{},\"lines\":[{{\"id\":\"done-action\",\"args\":[[\"action\",\"<script>alert(1)</script>\"]]}}]}}",
        jiff::Timestamp::now().as_second()
    );
    let encoded: String = payload.bytes().map(|b| format!("%{b:02X}")).collect();
    for query in [
        format!("done={encoded}"),
        format!("done={encoded}&sig="),
        format!("done={encoded}&sig={}", "0".repeat(64)),
        format!("done={encoded}&sig={}", "a".repeat(8_000)),
    ] {
        let page = trainee.get(&format!("/?{query}")).await;
        assert!(
            !page.body.contains("role=\"status\""),
            "no status message for {query:.80}: {}",
            page.body
        );
        assert!(!page.body.contains("<script>alert"), "{}", page.body);
    }
    site.stop().await;
}

/// The text of the element of `html` with `id` (up to its first `</div>`).
fn region<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("an element {id} in {html}"));
    let end = start + html[start..].find("</div>").unwrap();
    &html[start..end]
}

/// Provoked on Arabic pages: a change refused because someone else changed
/// the project first (409), an irreversible action without its box, an
/// evidence file refused for its name, and each give-a-role refusal (an
/// unknown email, a conflict of interest, a role held already): none says
/// an English sentence.
async fn refusals_of_the_new_forms_are_arabic_on_an_arabic_page(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    for email in ["trainee1@example.org", "coord-a@example.org"] {
        engine.set_person_language(email, "ar").await.unwrap();
    }
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    let csrf = page.csrf();

    let stale = trainee
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "withdraw"),
                ("version", "999"),
                ("comment", "ذاهب"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    all_arabic(&stale.body, "changed by someone else");

    let unconfirmed = trainee
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "withdraw"),
                ("version", page.version().as_str()),
                ("comment", "ذاهب"),
            ],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    all_arabic(&unconfirmed.body, "the box not ticked");
    assert!(
        !unconfirmed.body.contains("«withdraw»") && !unconfirmed.body.contains("“withdraw”"),
        "the action by its title: {}",
        unconfirmed.body
    );

    let refused = trainee
        .upload(
            &format!("{path}/evidence"),
            &csrf,
            "report\u{202E}fdp.exe",
            b"bytes".to_vec(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    all_arabic(&refused.body, "an evidence name refused");

    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let csrf = coordinator.get(&path).await.csrf();
    for (email, role) in [
        ("nobody@example.org", "committee"),
        ("sup1@example.org", "committee"),
        ("trainee1@example.org", "trainee"),
        ("committee1@example.org", "no-such-role"),
    ] {
        let refused = coordinator
            .post(
                &format!("{path}/members"),
                &[("csrf", csrf.as_str()), ("email", email), ("role", role)],
            )
            .await;
        let problem = region(&refused.body, "give-role-problem");
        // The command an operator types is not a sentence.
        let problem = &problem.replace("gradflow person add EMAIL", "");
        assert!(
            refused.status.is_client_error(),
            "{email} as {role}: {} {problem}",
            refused.status
        );
        assert!(
            english_run(problem).is_none(),
            "{email} as {role}: English on the Arabic page ({:?}): {problem}",
            english_run(problem)
        );
    }
    site.stop().await;
}

/// A person whose name is markup, on a project whose title is markup:
/// the status message after giving her a role, the project's "Next" line,
/// the board's cards, the home page's list, and the export show the text,
/// never the markup.
async fn hostile_names_and_titles_stay_inert_on_every_new_surface(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    let name = "=1+1 <img src=x onerror=alert(1)>";
    let title = "<b>bold</b> =HYPERLINK(\"http://x\")";
    engine
        .add_person("hostile@example.org", name, "", day(0))
        .await
        .unwrap();
    let p = engine
        .start_project(
            "Cohort A",
            title,
            &[
                ("hostile@example.org".to_owned(), "trainee".to_owned()),
                ("sup1@example.org".to_owned(), "supervisor".to_owned()),
            ],
            day(1),
        )
        .await
        .unwrap()
        .project;
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let path = format!("/projects/{p}");
    let csrf = coordinator.get(&path).await.csrf();
    engine
        .add_person(
            "hostile2@example.org",
            "<script>alert(2)</script>",
            "",
            day(0),
        )
        .await
        .unwrap();
    let given = coordinator
        .post(
            &format!("{path}/members"),
            &[
                ("csrf", csrf.as_str()),
                ("email", "hostile2@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    let to = given.headers["location"].to_str().unwrap().to_owned();
    let cohort = site.cohorts[0];
    let mut pages = vec![coordinator.get(&to).await];
    pages.push(coordinator.get(&format!("/cohorts/{cohort}")).await);
    pages.push(coordinator.get("/").await);
    let mut supervisor = site.signed_in("sup1@example.org").await;
    pages.push(supervisor.get(&path).await);
    pages.push(supervisor.get("/").await);
    assert!(
        pages[0].body.contains("role=\"status\""),
        "a status message: {}",
        pages[0].body
    );
    for page in &pages {
        assert_eq!(page.status, StatusCode::OK);
        for raw in ["<img src=x", "<script>alert", "<b>bold"] {
            assert!(!page.body.contains(raw), "{raw} raw in {}", page.body);
        }
    }
    assert!(
        pages[0].body.contains("&lt;script&gt;alert(2)"),
        "the name as text in the status message: {}",
        pages[0].body
    );
    // The same link in another session of the same person, with a value
    // altered, or on another project's page, says nothing.
    let query = to.split_once('?').unwrap().1.to_owned();
    let mut other_session = site.signed_in("coord-a@example.org").await;
    let other_project = site.projects[0];
    let links = [
        (true, to.clone()),
        (false, to.replace("alert", "alarm")),
        (false, format!("/projects/{other_project}?{query}")),
        (false, format!("/?{query}")),
    ];
    for (other, link) in links {
        let b = if other {
            &mut other_session
        } else {
            &mut coordinator
        };
        let page = b.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("role=\"status\""),
            "no status message at {link:.60}: {}",
            page.body
        );
    }
    let csv = coordinator
        .get(&format!("/cohorts/{cohort}/export.csv"))
        .await;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| r.get(0) == Some(&p.to_string()))
        .expect("the project's row");
    for cell in row.iter() {
        assert!(
            !cell.trim_start().starts_with(['=', '+', '-', '@']),
            "a cell that runs: {cell:?}"
        );
    }
    site.stop().await;
}

/// Runs `sql` on the test database with raw SQL (not through the product).
async fn raw_execute(db: &TestDb, sql: &str) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

/// The stored first result of idempotency key `key`.
async fn stored_response(db: &TestDb, key: &str) -> String {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT response FROM idempotency WHERE key = '{key}'"
    ));
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// A request retried with its idempotency key after an upgrade, whose
/// first result was stored before outcomes named who was told: the retry
/// gets that result back (nobody named), and nothing is done twice.
async fn an_outcome_stored_before_told_replays(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = support::Cohort::set_up(&engine, "graduation-service").await;
    let p = cohort.start(&engine, "Faster renewals").await;
    let trainee = cohort
        .members()
        .into_iter()
        .find(|(_, r)| r == "trainee")
        .unwrap()
        .0;
    let workflow = gradflow_engine::definition::load(&support::bundled("graduation-service"))
        .unwrap()
        .workflow;
    let request = gradflow_engine::service::Request {
        action: "submit".into(),
        fields: support::sample(&workflow.forms["proposal"]),
        idempotency_key: Some("old-key".into()),
        ..Default::default()
    };
    let first = engine
        .act(p, &trainee, request.clone(), day(2))
        .await
        .unwrap();
    assert!(!first.told.is_empty(), "the supervisor is told: {first:?}");
    // As an older gradflow stored it: no `told`.
    let mut old: serde_json::Value =
        serde_json::from_str(&stored_response(db, "old-key").await).unwrap();
    old.as_object_mut().unwrap().remove("told");
    let old = old.to_string().replace('\'', "''");
    raw_execute(
        db,
        &format!("UPDATE idempotency SET response = '{old}' WHERE key = 'old-key'"),
    )
    .await;
    let before = snapshot(db).await;
    let again = engine.act(p, &trainee, request, day(3)).await.unwrap();
    assert!(again.replayed);
    assert!(again.told.is_empty());
    assert_eq!(
        (again.version, again.stage.as_str(), again.changes.len()),
        (first.version, first.stage.as_str(), first.changes.len())
    );
    assert_unchanged(db, &before, "a replay").await;
}

/// Drafts of a project's forms live in the tab (sessionStorage): on a
/// shared computer, whoever signs in next in that tab would find the last
/// person's half-written answers and comments in the same forms. Signing out
/// asks the browser to clear the site's storage.
async fn signing_out_clears_the_drafts_kept_in_the_tab(db: &TestDb) {
    let site = Site::new(db).await;
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let csrf = trainee.get("/").await.csrf();
    let out = trainee.post("/signout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    let clear = out
        .headers
        .get("clear-site-data")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(clear.contains("\"storage\""), "Clear-Site-Data: {clear:?}");
    site.stop().await;
}

/// A coordinator's crafted post returning a submitted client visit, without
/// the box asked once more, is refused and changes nothing; with it, the
/// visit goes back to the trainee.
async fn returning_a_milestone_needs_its_box(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    let p = site.projects[0];
    let forms = gradflow_engine::definition::load(&support::bundled("graduation-service"))
        .unwrap()
        .workflow
        .forms;
    for (n, (who, action, form)) in [
        ("trainee1@example.org", "submit", "proposal"),
        ("sup1@example.org", "endorse", ""),
        (
            "trainee1@example.org",
            "visit_before.submit",
            "client_visit",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let fields = if form.is_empty() {
            Default::default()
        } else {
            support::sample(&forms[form])
        };
        support::act(engine, p, who, action, fields, None, 2 + n as i64)
            .await
            .unwrap();
    }
    let path = format!("/projects/{p}");
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let page = coordinator.get(&path).await;
    let (csrf, version) = (page.csrf(), page.version());
    let before = snapshot(db).await;
    let refused = coordinator
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "visit_before.return"),
                ("version", version.as_str()),
                ("comment", "The times are missing"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_unchanged(db, &before, "a return without its box").await;
    let returned = coordinator
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "visit_before.return"),
                ("version", version.as_str()),
                ("comment", "The times are missing"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    site.stop().await;
}
