//! Forms that survive a busy project, over HTTP on both databases: a form
//! posted after the project moved on (a timer fired, someone else acted)
//! comes back with 409, every typed answer in its field and a message
//! saying what changed (in English and Arabic), ready to send again or,
//! when its action is gone, with what was written kept to copy; a form sent
//! twice with its idempotency key is done once and both answers confirm it;
//! twenty posts racing with one key make one event.

use gradflow_engine::decide::Change;
use gradflow_engine::service::Request;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{TestDb, on_both};
use crate::web::{Browser, Page, Site};

on_both!(
    a_form_posted_after_a_timer_keeps_every_answer_and_says_what_changed,
    a_form_whose_action_is_gone_keeps_what_was_written_in_arabic_too,
    a_form_sent_twice_with_its_key_is_done_once_and_confirmed_twice,
    twenty_posts_racing_with_one_key_make_one_event,
);

/// `text` without the invisible isolation marks Fluent puts around values.
fn words(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{2066}'..='\u{2069}'))
        .collect()
}

/// The element with `id` up to the end of the form or block it opens.
fn block<'b>(body: &'b str, id: &str, end: &str) -> &'b str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in {body}"));
    let rest = &body[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The value of hidden field `name` in form `form` of the page.
fn hidden(body: &str, form: &str, name: &str) -> String {
    let form = block(body, form, "</form>");
    let marker = format!("name=\"{name}\" value=\"");
    let start = form
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {form}"))
        + marker.len();
    form[start..start + form[start..].find('"').unwrap()].to_owned()
}

/// The confirmation (`role="status"`) of a page, if any.
fn status(page: &Page) -> Option<String> {
    let start = page.body.find("role=\"status\"")?;
    let end = start + page.body[start..].find("</div>")?;
    Some(words(&page.body[start..end]))
}

async fn post(b: &mut Browser, path: &str, fields: &[(&str, String)]) -> Page {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(path, &form).await
}

/// The hidden fields of form `form` on `page` (csrf, action, version, seen, key).
fn hidden_fields(page: &Page, form: &str) -> Vec<(&'static str, String)> {
    ["csrf", "action", "version", "seen", "key"]
        .into_iter()
        .map(|name| (name, hidden(&page.body, form, name)))
        .collect()
}

/// How many `ActionTaken` events of `action` project `p` has.
async fn taken(site: &Site, p: i64, action: &str) -> usize {
    site.engine
        .history(p)
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(&e.change, Change::ActionTaken { action: a, .. } if a == action))
        .count()
}

async fn act(site: &Site, p: i64, email: &str, action: &str, comment: Option<&str>) {
    let request = Request {
        action: action.into(),
        comment: comment.map(str::to_owned),
        ..Request::default()
    };
    site.engine
        .act(p, email, request, Timestamp::now())
        .await
        .unwrap_or_else(|e| panic!("{email} {action}: {e}"));
}

/// Fires every timer due by `now` plus `ahead` (the worker's job, done here).
async fn fire(site: &Site, ahead: SignedDuration) -> usize {
    let report = site
        .engine
        .fire_due(Timestamp::now() + ahead, 1000)
        .await
        .unwrap();
    report.claimed
}

async fn a_form_posted_after_a_timer_keeps_every_answer_and_says_what_changed(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    // The trainee writes; meanwhile the proposal's deadline passes (the
    // cohort's dates are behind us) and the worker fires its timer.
    assert!(fire(&site, SignedDuration::ZERO).await > 0, "a due timer");
    let mut form = hidden_fields(&page, "act-submit");
    let typed = [
        ("f.service", "Renewals of trade licences"),
        (
            "f.problem",
            "Queues at the counter\nand no answer on the phone",
        ),
        ("f.improvement", "تجديد الرخص عبر الإنترنت\nwith a callback"),
        ("f.indicator", "steps"),
        ("comment", "First draft, see the figures"),
    ];
    form.extend(typed.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let back = post(&mut trainee, &format!("{path}/act"), &form).await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{}", back.body);
    assert_eq!(taken(&site, p, "submit").await, 0, "nothing was done");
    // Every answer is back in its field.
    let submit = block(&back.body, "act-submit", "</form>");
    assert!(
        submit.contains("value=\"Renewals of trade licences\""),
        "{submit}"
    );
    assert!(
        submit.contains(">Queues at the counter\nand no answer on the phone</textarea>"),
        "{submit}"
    );
    assert!(
        submit.contains(">تجديد الرخص عبر الإنترنت\nwith a callback</textarea>"),
        "{submit}"
    );
    assert!(
        submit.contains("<option value=\"steps\" selected>"),
        "{submit}"
    );
    assert!(
        submit.contains(">First draft, see the figures</textarea>"),
        "{submit}"
    );
    // Above it, what changed, and that it can be sent again at once.
    let moved = words(block(&back.body, "moved", "</div>\n"));
    assert!(
        moved.contains("While you were writing, the deadline passed. Nothing was sent."),
        "{moved}"
    );
    assert!(moved.contains("The deadline passed"), "the event: {moved}");
    assert!(
        moved.contains("“Submit the proposal” can still be done"),
        "{moved}"
    );
    assert!(moved.contains("href=\"#act-submit\""), "{moved}");
    // The form as it came back is sent as it is, and is done.
    let mut again = hidden_fields(&back, "act-submit");
    again.extend(typed.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let sent = post(&mut trainee, &format!("{path}/act"), &again).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(taken(&site, p, "submit").await, 1);

    // Numbers, a date and a measurement come back too: the supervisor
    // endorses, the trainee fills a client visit while the implementation's
    // deadline passes.
    act(&site, p, "sup1@example.org", "endorse", None).await;
    let page = trainee.get(&path).await;
    fire(&site, SignedDuration::from_secs(60)).await;
    site.engine
        .assign(
            p,
            Some("coord-a@example.org"),
            "committee2@example.org",
            "committee",
            Timestamp::now(),
        )
        .await
        .unwrap();
    let mut form = hidden_fields(&page, "act-visit_before-submit");
    let visit = [
        ("f.visited_on", "2026-03-01"),
        ("f.waiting_minutes", "80.5"),
        ("f.steps", "7"),
        (
            "f.observations",
            "Two windows open of six\nforty people waiting",
        ),
    ];
    form.extend(visit.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let back = post(&mut trainee, &format!("{path}/act"), &form).await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{}", back.body);
    let milestone = block(&back.body, "act-visit_before-submit", "</form>");
    for expected in [
        "value=\"2026-03-01\"",
        "value=\"80.5\"",
        "value=\"7\"",
        ">Two windows open of six\nforty people waiting</textarea>",
    ] {
        assert!(milestone.contains(expected), "{expected} in {milestone}");
    }
    let moved = words(block(&back.body, "moved", "</div>\n"));
    assert!(moved.contains("While you were writing"), "{moved}");
    assert!(
        moved.contains("Person committee2"),
        "who was given a role: {moved}"
    );
    site.stop().await;
}

async fn a_form_whose_action_is_gone_keeps_what_was_written_in_arabic_too(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    submit_proposal(&site, p).await;
    site.engine
        .set_person_language("sup1@example.org", "ar")
        .await
        .unwrap();
    let mut supervisor = site.signed_in("sup1@example.org").await;
    let page = supervisor.get(&path).await;
    assert!(page.body.contains("lang=\"ar\""), "an Arabic page");
    // While the supervisor writes, the endorsement's deadline passes and the
    // coordinator sends the proposal back: the supervisor's action is gone.
    fire(&site, SignedDuration::from_hours(24 * 30)).await;
    act(
        &site,
        p,
        "coord-a@example.org",
        "request_changes",
        Some("Please use the new template"),
    )
    .await;
    let mut form = hidden_fields(&page, "act-request_changes");
    let comment = "أرجو إضافة أرقام شهر مارس\nوصور الطابور";
    form.push(("comment", comment.to_owned()));
    let back = post(&mut supervisor, &format!("{path}/act"), &form).await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{}", back.body);
    assert_eq!(
        taken(&site, p, "request_changes").await,
        1,
        "the coordinator's only"
    );
    let moved = words(block(&back.body, "moved", "</div>\n</div>"));
    assert!(
        moved.contains("أثناء كتابتك انقضى الموعد النهائي وانتقل المشروع إلى مقترح المشروع"),
        "the headline names the new stage in Arabic: {moved}"
    );
    assert!(
        moved.contains("لم يعد بالإمكان تنفيذ «طلب تعديلات» الآن"),
        "{moved}"
    );
    assert!(
        moved.contains("Please use the new template"),
        "the coordinator's comment among what changed: {moved}"
    );
    // Nothing typed is lost: the comment is kept, under its label, to copy.
    let kept = block(&back.body, "kept", "</div></div>\n");
    assert!(kept.contains("readonly"), "{kept}");
    assert!(
        back.body.contains(&format!(">{comment}</textarea>")),
        "{}",
        back.body
    );
    assert!(words(kept).contains("تعليق"), "labelled: {kept}");
    // No English sentence of ours on the Arabic page.
    assert!(!moved.contains("While you were writing"), "{moved}");
    site.stop().await;
}

/// The trainee submits project `p`'s proposal through the engine.
async fn submit_proposal(site: &Site, p: i64) {
    let fields = [
        ("service", "Renewals"),
        ("problem", "Queues"),
        ("improvement", "Online forms"),
        ("indicator", "waiting_time"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
    .collect();
    let request = Request {
        action: "submit".into(),
        fields,
        ..Request::default()
    };
    site.engine
        .act(p, "trainee1@example.org", request, Timestamp::now())
        .await
        .unwrap();
}

/// The proposal form of `page`, filled in.
fn proposal(page: &Page) -> Vec<(&'static str, String)> {
    let mut form = hidden_fields(page, "act-submit");
    form.extend(
        [
            ("f.service", "Renewals"),
            ("f.problem", "Queues"),
            ("f.improvement", "Online forms"),
            ("f.indicator", "waiting_time"),
        ]
        .map(|(k, v)| (k, v.to_owned())),
    );
    form
}

async fn follow(b: &mut Browser, sent: &Page) -> Page {
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let to = sent.headers[LOCATION].to_str().unwrap().to_owned();
    b.get(&to).await
}

async fn a_form_sent_twice_with_its_key_is_done_once_and_confirmed_twice(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let act_path = format!("{path}/act");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    let form = proposal(&page);
    let first = post(&mut trainee, &act_path, &form).await;
    // The answer was lost on the way; the browser sends the form again.
    let second = post(&mut trainee, &act_path, &form).await;
    assert_eq!(taken(&site, p, "submit").await, 1, "done once");
    let first = status(&follow(&mut trainee, &first).await).expect("confirmed");
    let second = status(&follow(&mut trainee, &second).await).expect("confirmed again");
    assert!(first.contains("“Submit the proposal” is done."), "{first}");
    assert!(first.contains("Supervisor endorsement"), "{first}");
    assert_eq!(first, second, "the second answer is the first's");
    // The same form with another key is another request: the core refuses
    // it (the project moved on), and the page says why, answers kept.
    let mut other = proposal(&page);
    for (name, value) in &mut other {
        if *name == "key" {
            *value = "another-key".into();
        }
    }
    let refused = post(&mut trainee, &act_path, &other).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(taken(&site, p, "submit").await, 1, "still once");
    let moved = words(block(&refused.body, "moved", "</div>\n</div>"));
    assert!(
        moved.contains("the project moved to Supervisor endorsement"),
        "{moved}"
    );
    assert!(moved.contains("can no longer be done"), "{moved}");
    assert!(refused.body.contains(">Online forms</textarea>"), "kept");
    site.stop().await;
}

async fn twenty_posts_racing_with_one_key_make_one_event(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let act_path = format!("{path}/act");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    let form = proposal(&page);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut b = Browser {
            client: trainee.client.clone(),
            base: trainee.base.clone(),
            cookie: trainee.cookie.clone(),
        };
        let form = form.clone();
        let act_path = act_path.clone();
        tasks.push(tokio::spawn(async move {
            let sent = post(&mut b, &act_path, &form).await;
            status(&follow(&mut b, &sent).await).expect("a confirmation")
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert_eq!(taken(&site, p, "submit").await, 1, "exactly one event");
    assert!(
        answers[0].contains("“Submit the proposal” is done."),
        "{}",
        answers[0]
    );
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "every answer the same confirmation: {answers:#?}"
    );
    site.stop().await;
}
