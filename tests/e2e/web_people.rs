//! What people meet after they act, over HTTP on both databases: every
//! form confirms itself at the top of the page (`role="status"`) naming who
//! was told, the confirmation cannot be forged, the bundled workflow tells
//! the trainee when her work moves, the coordinator's give-a-role form keeps
//! what was typed and explains an unknown email, destructive actions ask
//! once more, the outbox speaks in words and sends a dead message again,
//! and the CSV export has a column per role and no direction marks.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{self, TestDb, assert_unchanged, day, on_both, snapshot};
use crate::web::{Browser, Page, Site, to_the_committee};

on_both!(
    every_action_confirms_itself_and_names_who_was_told,
    the_give_a_role_form_keeps_what_was_typed_and_explains_an_unknown_email,
    a_destructive_action_asks_once_more,
    the_outbox_speaks_in_words_and_sends_a_dead_message_again,
    the_export_has_a_column_per_role_and_no_direction_marks,
);

/// `text` without the invisible isolation marks Fluent puts around each
/// value (they belong in a page; a test reads the words).
fn words(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{2066}'..='\u{2069}'))
        .collect()
}

/// The status message of a page (the `role="status"` element), if any.
fn status(page: &Page) -> Option<String> {
    let start = page.body.find("role=\"status\"")?;
    let end = start + page.body[start..].find("</div>")?;
    Some(words(&page.body[start..end]))
}

/// Follows a 303 to the page it names.
async fn follow(b: &mut Browser, sent: &Page) -> Page {
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let to = sent.headers[LOCATION].to_str().unwrap().to_owned();
    b.get(&to).await
}

/// A form's fields as the pairs `Browser::post` takes.
fn pairs(fields: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    fields.to_vec()
}

async fn post(b: &mut Browser, path: &str, fields: &[(&'static str, String)]) -> Page {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(path, &form).await
}

async fn every_action_confirms_itself_and_names_who_was_told(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    assert!(status(&page).is_none(), "nothing done yet: {}", page.body);
    let submit = pairs(&[
        ("csrf", page.csrf()),
        ("action", "submit".into()),
        ("version", page.version()),
        ("f.service", "Renewals".into()),
        ("f.problem", "Queues".into()),
        ("f.improvement", "Online forms".into()),
        ("f.indicator", "waiting_time".into()),
    ]);
    let sent = post(&mut trainee, &format!("{path}/act"), &submit).await;
    let location = sent.headers[LOCATION].to_str().unwrap().to_owned();
    let landed = follow(&mut trainee, &sent).await;
    let said = status(&landed).unwrap_or_else(|| panic!("a status message in {}", landed.body));
    for expected in [
        "“Submit the proposal” is done.",
        "The project is now at: Supervisor endorsement.",
        "Told by email: Person sup1 (supervisor).",
    ] {
        assert!(said.contains(expected), "{expected} in {said}");
    }
    // At the very top of the main content, before the page's own heading.
    let main = landed.body.find("<main id=\"main\">").unwrap();
    let top = &landed.body[main..];
    assert!(
        top.find("role=\"status\"").unwrap() < top.find("<h1").unwrap(),
        "{top}"
    );

    // The confirmation is signed for this session: changed words, or the same
    // link in another person's browser, say nothing.
    let forged = location.replace("Submit", "Pay");
    assert!(status(&trainee.get(&forged).await).is_none());
    let mut other = site.signed_in("sup1@example.org").await;
    assert!(status(&other.get(&location).await).is_none());

    // The supervisor endorses: the trainee is told (the bundled workflow
    // mails her when her proposal is endorsed).
    let page = other.get(&path).await;
    let endorse = pairs(&[
        ("csrf", page.csrf()),
        ("action", "endorse".into()),
        ("version", page.version()),
    ]);
    let sent = post(&mut other, &format!("{path}/act"), &endorse).await;
    let landed = follow(&mut other, &sent).await;
    let said = status(&landed).unwrap().to_owned();
    assert!(said.contains("“Endorse the proposal” is done."), "{said}");
    assert!(
        said.contains("Told by email: Person trainee1 (trainee)."),
        "{said}"
    );
    let messages = site.engine.messages(p).await.unwrap();
    assert!(
        messages
            .iter()
            .any(|(t, to, _)| t == "proposal_endorsed" && to == "trainee1@example.org"),
        "{messages:?}"
    );

    // In Arabic, with the trainee told again when her client visit is accepted.
    let profile = trainee.get("/profile").await;
    let saved = trainee
        .post("/profile", &[("csrf", &profile.csrf()), ("language", "ar")])
        .await;
    let landed = follow(&mut trainee, &saved).await;
    assert!(
        status(&landed).unwrap().contains("حُفظ ملفك الشخصي"),
        "{}",
        landed.body
    );
    let page = trainee.get(&path).await;
    let visit = pairs(&[
        ("csrf", page.csrf()),
        ("action", "visit_before.submit".into()),
        ("version", page.version()),
        ("f.visited_on", "2026-11-02".into()),
        ("f.waiting_minutes", "80".into()),
        ("f.steps", "7".into()),
        ("f.observations", "Long queue".into()),
    ]);
    let sent = post(&mut trainee, &format!("{path}/act"), &visit).await;
    let landed = follow(&mut trainee, &sent).await;
    let said = status(&landed).unwrap().to_owned();
    assert!(said.contains("قُدّم «"), "{said}");
    assert!(said.contains("أُبلغ بالبريد الإلكتروني"), "{said}");
    assert!(said.contains("Person coord-a"), "{said}");
    // The visit's date reads like every other date on the page.
    assert!(
        words(&landed.body).contains("2 نوفمبر 2026"),
        "{}",
        landed.body
    );
    assert!(
        !words(&landed.body).contains("2026-11-02"),
        "{}",
        landed.body
    );

    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let page = coordinator.get(&path).await;
    let accept = pairs(&[
        ("csrf", page.csrf()),
        ("action", "visit_before.accept".into()),
        ("version", page.version()),
    ]);
    let sent = post(&mut coordinator, &format!("{path}/act"), &accept).await;
    let landed = follow(&mut coordinator, &sent).await;
    let said = status(&landed).unwrap().to_owned();
    assert!(said.contains("is accepted."), "{said}");
    assert!(
        said.contains("Told by email: Person trainee1 (trainee)."),
        "{said}"
    );

    // An evidence file and a password change confirm themselves too.
    let page = trainee.get(&path).await;
    let sent = trainee
        .upload(
            &format!("{path}/evidence"),
            &page.csrf(),
            "queue.jpg",
            b"photo".to_vec(),
        )
        .await;
    let landed = follow(&mut trainee, &sent).await;
    assert!(
        status(&landed)
            .unwrap()
            .contains("أُضيف «queue.jpg» إلى الأدلة"),
        "{}",
        landed.body
    );
    let mut sup = site.signed_in("sup2@example.org").await;
    let profile = sup.get("/profile").await;
    let new = "a new long password";
    let changed = sup
        .post(
            "/profile/password",
            &[
                ("csrf", profile.csrf().as_str()),
                ("current", crate::web::PASSWORD),
                ("password", new),
                ("confirm", new),
            ],
        )
        .await;
    let landed = follow(&mut sup, &changed).await;
    assert!(
        status(&landed)
            .unwrap()
            .contains("Your password is changed."),
        "{}",
        landed.body
    );
    site.stop().await;
}

async fn the_give_a_role_form_keeps_what_was_typed_and_explains_an_unknown_email(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[1];
    let path = format!("/projects/{p}");
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let page = coordinator.get(&path).await;
    // No role is chosen for the coordinator: the first option asks for one.
    let select = &page.body[page.body.find("id=\"give-role-role\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(
        select.contains("<option value=\"\">Choose a role</option>"),
        "{select}"
    );
    assert!(!select.contains("selected"), "{select}");
    let csrf = page.csrf();
    let before = snapshot(db).await;
    let members = format!("{path}/members");

    let no_role = coordinator
        .post(
            &members,
            &[
                ("csrf", csrf.as_str()),
                ("email", "committee2@example.org"),
                ("role", ""),
            ],
        )
        .await;
    assert_eq!(no_role.status, StatusCode::BAD_REQUEST, "{}", no_role.body);
    assert!(
        words(&no_role.body).contains("Choose a role for the person"),
        "{}",
        no_role.body
    );
    assert!(
        words(&no_role.body).contains("value=\"committee2@example.org\""),
        "the email is kept: {}",
        no_role.body
    );

    let unknown = coordinator
        .post(
            &members,
            &[
                ("csrf", csrf.as_str()),
                ("email", "new.evaluator@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert!(
        words(&unknown.body)
            .contains("Nobody is registered in gradflow with the email new.evaluator@example.org"),
        "{}",
        unknown.body
    );
    assert!(
        words(&unknown.body).contains("gradflow person add"),
        "how to add them"
    );
    assert!(
        words(&unknown.body).contains("id=\"project-title\""),
        "the project page, not a bare 'Not found'"
    );
    assert!(words(&unknown.body).contains("value=\"new.evaluator@example.org\""));
    assert!(
        words(&unknown.body).contains("<option value=\"committee\" selected>"),
        "the role is kept: {}",
        unknown.body
    );
    assert_unchanged(db, &before, "refused roles").await;

    let given = coordinator
        .post(
            &members,
            &[
                ("csrf", csrf.as_str()),
                ("email", "committee2@example.org"),
                ("role", "committee"),
            ],
        )
        .await;
    let landed = follow(&mut coordinator, &given).await;
    let said = status(&landed).unwrap_or_else(|| panic!("{}", landed.body));
    assert!(
        said.contains("Person committee2 is now committee member on this project."),
        "{said}"
    );
    site.stop().await;
}

async fn a_destructive_action_asks_once_more(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[1];
    let path = format!("/projects/{p}");
    let mut trainee = site.signed_in("trainee2@example.org").await;
    let page = trainee.get(&path).await;
    let withdraw = &page.body[page.body.find("id=\"act-withdraw\"").unwrap()..];
    let withdraw = &withdraw[..withdraw.find("</form>").unwrap()];
    assert!(
        withdraw.contains("name=\"confirm\" value=\"yes\""),
        "{withdraw}"
    );
    assert!(withdraw.contains("class=\"secondary\""), "{withdraw}");
    let submit = &page.body[page.body.find("id=\"act-submit\"").unwrap()..];
    let submit = &submit[..submit.find("</form>").unwrap()];
    assert!(!submit.contains("name=\"confirm\""), "{submit}");
    let before = snapshot(db).await;
    let mut fields = pairs(&[
        ("csrf", page.csrf()),
        ("action", "withdraw".into()),
        ("version", page.version()),
        ("comment", "Moving abroad".into()),
    ]);
    let unconfirmed = post(&mut trainee, &format!("{path}/act"), &fields).await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert!(
        words(&unconfirmed.body).contains("Tick the box to confirm “Withdraw”"),
        "{}",
        unconfirmed.body
    );
    assert!(
        words(&unconfirmed.body).contains(">Moving abroad</textarea>"),
        "the reason is kept"
    );
    assert_unchanged(db, &before, "an unconfirmed withdrawal").await;
    fields.push(("confirm", "yes".into()));
    let confirmed = post(&mut trainee, &format!("{path}/act"), &fields).await;
    let landed = follow(&mut trainee, &confirmed).await;
    assert!(
        status(&landed)
            .unwrap()
            .contains("The project is now at: Withdrawn."),
        "{}",
        landed.body
    );
    // The endings read as alternatives, the reached one marked.
    let endings = &landed.body[landed.body.find("id=\"endings\"").unwrap()..];
    assert!(
        endings.contains("<span class=\"or\">or</span>"),
        "{endings}"
    );
    assert!(
        endings.contains("<span class=\"ending current\" aria-current=\"step\">Withdrawn"),
        "{endings}"
    );
    site.stop().await;
}

async fn the_outbox_speaks_in_words_and_sends_a_dead_message_again(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    support::act(
        &site.engine,
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
    // The mail server gives up on the message: it is dead.
    let engine = &site.engine;
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
    let cohort = site.cohorts[0];
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let outbox = coordinator.get(&format!("/cohorts/{cohort}/outbox")).await;
    assert_eq!(outbox.status, StatusCode::OK);
    let row = &outbox.body[outbox.body.find(&format!("id=\"message-{id}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    for expected in [
        "A proposal to review",
        "Given up: gradflow stopped trying",
        "1 try",
        "550 mailbox unavailable",
        "Send again",
    ] {
        assert!(row.contains(expected), "{expected} in {row}");
    }
    assert!(
        !row.contains(">proposal_submitted<"),
        "no template key: {row}"
    );
    // The preview: the message as sup1 reads it.
    let message = coordinator
        .get(&format!("/cohorts/{cohort}/outbox/{id}"))
        .await;
    assert_eq!(message.status, StatusCode::OK, "{}", message.body);
    assert!(
        words(&message.body).contains("id=\"preview-subject\""),
        "{}",
        message.body
    );
    assert!(
        words(&message.body).contains("Faster renewals"),
        "{}",
        message.body
    );
    assert!(
        words(&message.body).contains("Person sup1"),
        "{}",
        message.body
    );
    // Another cohort's coordinator finds no such message, and cannot resend it.
    let mut stranger = site.signed_in("coord-b@example.org").await;
    let page = stranger.get("/").await;
    let refused = stranger
        .post(
            &format!("/cohorts/{cohort}/outbox/{id}/resend"),
            &[("csrf", page.csrf().as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let cohort_b = site.cohorts[1];
    let refused = stranger
        .post(
            &format!("/cohorts/{cohort_b}/outbox/{id}/resend"),
            &[("csrf", page.csrf().as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(engine.mail_message(id).await.unwrap().message.state, "dead");

    let sent = coordinator
        .post(
            &format!("/cohorts/{cohort}/outbox/{id}/resend"),
            &[("csrf", outbox.csrf().as_str())],
        )
        .await;
    let landed = follow(&mut coordinator, &sent).await;
    assert!(
        status(&landed)
            .unwrap()
            .contains("The message to sup1@example.org will be sent again"),
        "{}",
        landed.body
    );
    assert_eq!(
        engine.mail_message(id).await.unwrap().message.state,
        "pending"
    );
    let row = &landed.body[landed.body.find(&format!("id=\"message-{id}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Waiting to be sent"), "{row}");
    assert!(!row.contains("Send again"), "{row}");
    site.stop().await;
}

async fn the_export_has_a_column_per_role_and_no_direction_marks(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    to_the_committee(&site.engine, p).await;
    for (n, (evaluator, safety, efficiency)) in [
        ("committee1@example.org", "4", "4"),
        ("committee2@example.org", "3", "5"),
    ]
    .into_iter()
    .enumerate()
    {
        let scores = [
            ("safety", safety),
            ("authenticity", "4"),
            ("friendliness", "5"),
            ("efficiency", efficiency),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
        .collect();
        support::act(
            &site.engine,
            p,
            evaluator,
            "score",
            scores,
            None,
            20 + n as i64,
        )
        .await
        .unwrap();
    }
    // Project 2 in implementation waits for milestones, whose titles the
    // page's words wrap in invisible direction marks; the file has none.
    let forms = gradflow_engine::definition::load(&support::bundled("graduation-service"))
        .unwrap()
        .workflow
        .forms;
    let q = site.projects[1];
    support::act(
        &site.engine,
        q,
        "trainee2@example.org",
        "submit",
        support::sample(&forms["proposal"]),
        None,
        2,
    )
    .await
    .unwrap();
    support::act(
        &site.engine,
        q,
        "sup2@example.org",
        "endorse",
        Default::default(),
        None,
        3,
    )
    .await
    .unwrap();
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let cohort = site.cohorts[0];
    let export = coordinator
        .get(&format!("/cohorts/{cohort}/export.csv"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let text = export.body.trim_start_matches('\u{feff}');
    for mark in [
        '\u{2068}', '\u{2069}', '\u{2066}', '\u{2067}', '\u{200e}', '\u{200f}',
    ] {
        assert!(!text.contains(mark), "{mark:?} in {text}");
    }
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    for column in [
        "trainee",
        "supervisor",
        "committee member",
        "Due",
        "Days in the stage",
        "Scores",
        "Mean score",
        "Decision",
    ] {
        assert!(
            headers.iter().any(|h| h == column),
            "{column} in {headers:?}"
        );
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let row = records
        .iter()
        .find(|r| r[0] == p.to_string())
        .expect("the project's row");
    assert_eq!(&row[col("trainee")], "Person trainee1");
    assert_eq!(&row[col("supervisor")], "Person sup1");
    assert_eq!(
        &row[col("committee member")],
        "Person committee1; Person committee2"
    );
    // Safety (4 + 3) / 2 = 3.5, efficiency (4 + 5) / 2 = 4.5; the mean of
    // 3.5, 4, 5 and 4.5 (equal weights) is 4.25.
    assert!(row[col("Scores")].contains("Safety 3.5"), "{row:?}");
    assert!(row[col("Scores")].contains("Efficiency 4.5"), "{row:?}");
    assert_eq!(&row[col("Mean score")], "4.25");
    let waiting = records
        .iter()
        .find(|r| r[0] == q.to_string())
        .expect("project 2's row");
    assert!(
        waiting[col("Waiting for")].contains("Client visit before the change"),
        "{waiting:?}"
    );
    assert!(!row[col("Due")].is_empty(), "{row:?}");
    site.stop().await;
}
