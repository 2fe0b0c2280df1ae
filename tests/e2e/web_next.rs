//! What comes next, end to end over HTTP on both databases: the project page
//! says the next step with the people by name and the due date; overdue is
//! the same on the project page, the home page and the board with no worker
//! run; "Waiting for you" holds only work that waits for the person.
//!
//! The server reads the real clock; the test calendar's dates are in early
//! 2026, so every deadline here has passed.

use gradflow_engine::decide::Fields;
use gradflow_engine::definition;
use reqwest::StatusCode;

use crate::support::{self, TestDb, bundled, on_both};
use crate::web::{Browser, Site};

on_both!(
    what_comes_next_names_people_and_dates_and_overdue_agrees_everywhere,
    waiting_for_you_holds_only_work_that_waits_for_the_person,
);

/// A page's text without Fluent's invisible isolation marks.
async fn text(browser: &mut Browser, path: &str) -> String {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    page.body.replace(['\u{2068}', '\u{2069}'], "")
}

/// The part of `body` from the element with `id` to the end of its section
/// (or list item).
fn part<'b>(body: &'b str, id: &str, end: &str) -> &'b str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in {body}"));
    let stop = body[start..].find(end).map_or(body.len(), |e| start + e);
    &body[start..stop]
}

async fn what_comes_next_names_people_and_dates_and_overdue_agrees_everywhere(db: &TestDb) {
    let site = Site::new(db).await;
    let [first, second, _] = site.projects;
    // The proposal was due on Sunday 15 March 2026 at the end of the day in
    // Muscat; no worker has run, so nothing recorded it as overdue.
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = text(&mut trainee, &format!("/projects/{first}")).await;
    let next = part(&page, "next", "</section>");
    assert!(
        next.contains("Next: Submit the proposal — Person trainee1, by Sunday 15 Mar 2026, 23:59"),
        "{next}"
    );
    assert!(next.contains("class=\"overdue-text\">Overdue<"), "{next}");
    assert!(next.contains("Times are in Muscat time."), "{next}");
    let people = part(&page, "people", "</dl>");
    for (role, name) in [
        ("trainee", "Person trainee1"),
        ("supervisor", "Person sup1"),
        ("coordinator", "Person coord-a"),
        ("committee member", "Person committee1"),
    ] {
        assert!(
            people.contains(&format!("<dt>{role}</dt><dd>{name}</dd>")),
            "{role}: {people}"
        );
    }
    assert!(
        part(&page, "project-overdue", "</dd>").contains("Overdue since 15 Mar 2026, 23:59"),
        "{page}"
    );
    // The due section names the deadline, never "nothing is due".
    assert!(!page.contains("Nothing is due"), "{page}");

    // The home page marks it overdue the same way.
    let home = text(&mut trainee, "/").await;
    let line = part(&home, &format!("project-{first}"), "</li>");
    assert!(line.contains("class=\"overdue-text\">Overdue<"), "{line}");
    assert!(
        line.contains("Next: Submit the proposal — Person trainee1"),
        "{line}"
    );

    // The board counts both of cohort A's projects overdue and lists them
    // with their people, due date and whom they wait for.
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let board = text(&mut coordinator, &format!("/cohorts/{}", site.cohorts[0])).await;
    assert!(board.contains("2 projects · 2 overdue"), "{board}");
    assert!(board.contains("Times are in Muscat time."), "{board}");
    let card = part(&board, &format!("board-project-{first}"), "</li>");
    for words in [
        "class=\"overdue-text\">Overdue since 15 Mar 2026, 23:59<",
        "<dt>trainee</dt><dd>Person trainee1</dd>",
        "<dt>supervisor</dt><dd>Person sup1</dd>",
        "Due Sunday 15 Mar 2026, 23:59",
        "Waiting for Person trainee1",
        "days in this stage",
    ] {
        assert!(card.contains(words), "{words} in {card}");
    }
    assert!(
        !card.contains("Withdraw"),
        "not every possible action: {card}"
    );

    // In Arabic: the same line in the reader's words, Muscat time named so.
    site.engine
        .set_person_language("trainee2@example.org", "ar")
        .await
        .unwrap();
    let mut arabic = site.signed_in("trainee2@example.org").await;
    let page = text(&mut arabic, &format!("/projects/{second}")).await;
    let next = part(&page, "next", "</section>");
    assert!(
        next.contains(
            "التالي: تقديم المقترح — Person trainee2، في موعد أقصاه الأحد 15 مارس 2026، 23:59"
        ),
        "{next}"
    );
    assert!(next.contains("بتوقيت مسقط"), "{next}");
    assert!(next.contains("class=\"overdue-text\">متأخر<"), "{next}");

    // Submitted: the endorsement is due in 5 working days, Saturday and
    // Sunday off (the test cohort's weekend), and waits for the supervisor.
    let proposal = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow
        .forms["proposal"]
        .clone();
    support::act(
        &site.engine,
        first,
        "trainee1@example.org",
        "submit",
        support::sample(&proposal),
        None,
        2,
    )
    .await
    .unwrap();
    let mut supervisor = site.signed_in("sup1@example.org").await;
    let page = text(&mut supervisor, &format!("/projects/{first}")).await;
    let next = part(&page, "next", "</section>");
    assert!(
        next.contains("Next: Endorse the proposal — Person sup1, by Friday 9 Jan 2026, 23:59 (5 working days; Saturday and Sunday off)"),
        "{next}"
    );
    site.stop().await;
}

async fn waiting_for_you_holds_only_work_that_waits_for_the_person(db: &TestDb) {
    let site = Site::new(db).await;
    let [first, second, _] = site.projects;
    let workflow = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow;
    let form = |key: &str| support::sample(&workflow.forms[key]);
    let act = |who: &'static str, action: &'static str, fields: Fields, n: i64| {
        let engine = site.engine.clone();
        async move {
            support::act(&engine, first, who, action, fields, None, n)
                .await
                .unwrap_or_else(|e| panic!("{who} {action}: {e}"));
        }
    };
    // The coordinator may withdraw both proposals, and that is all: nothing
    // waits for them.
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let home = text(&mut coordinator, "/").await;
    assert!(!home.contains("id=\"awaiting\""), "{home}");
    let waiting = part(&home, "waiting", "</section>");
    assert!(
        waiting.contains(&format!("id=\"project-{first}\"")),
        "{home}"
    );
    assert!(
        waiting.contains(&format!("id=\"project-{second}\"")),
        "{home}"
    );

    // Withdrawn, project 2 says how and when it ended, and is late no more.
    support::act(
        &site.engine,
        second,
        "coord-a@example.org",
        "withdraw",
        Default::default(),
        Some("The trainee left the ministry."),
        2,
    )
    .await
    .unwrap();
    let page = text(&mut coordinator, &format!("/projects/{second}")).await;
    let next = part(&page, "next", "</section>");
    assert!(
        next.contains("Finished: Withdrawn, on 3 Jan 2026, 10:00"),
        "{next}"
    );
    assert!(!page.contains("overdue-text"), "{page}");
    let home = text(&mut coordinator, "/").await;
    assert!(
        part(&home, "finished", "</section>").contains(&format!("id=\"project-{second}\"")),
        "{home}"
    );

    // Project 1 goes to its evaluation, with two committee members.
    site.engine
        .assign(
            first,
            None,
            "committee2@example.org",
            "committee",
            support::day(1),
        )
        .await
        .unwrap();
    act("trainee1@example.org", "submit", form("proposal"), 2).await;
    act("sup1@example.org", "endorse", Default::default(), 3).await;
    for milestone in ["visit_before", "visit_after"] {
        act(
            "trainee1@example.org",
            leak(format!("{milestone}.submit")),
            form("client_visit"),
            4,
        )
        .await;
        act(
            "coord-a@example.org",
            leak(format!("{milestone}.accept")),
            Default::default(),
            4,
        )
        .await;
    }
    let mut report = form("final_report");
    report.remove("evidence");
    act("trainee1@example.org", "finish", report, 5).await;
    let mut first_member = site.signed_in("committee1@example.org").await;
    let mut second_member = site.signed_in("committee2@example.org").await;
    for member in [&mut first_member, &mut second_member] {
        let home = text(member, "/").await;
        assert!(
            part(&home, "awaiting", "</section>").contains(&format!("id=\"project-{first}\"")),
            "the scoring waits for each member: {home}"
        );
    }
    let scores: Fields = workflow.rubrics["safe"]
        .criteria
        .iter()
        .map(|c| (c.key.clone(), serde_json::json!(4)))
        .collect();
    act("committee1@example.org", "score", scores, 6).await;
    // The member who scored is done; the other is still awaited.
    let home = text(&mut first_member, "/").await;
    assert!(!home.contains("id=\"awaiting\""), "scored, done: {home}");
    assert!(
        part(&home, "waiting", "</section>").contains(&format!("id=\"project-{first}\"")),
        "{home}"
    );
    let home = text(&mut second_member, "/").await;
    assert!(
        part(&home, "awaiting", "</section>").contains(&format!("id=\"project-{first}\"")),
        "{home}"
    );
    let page = text(&mut second_member, &format!("/projects/{first}")).await;
    let next = part(&page, "next", "</section>");
    assert!(
        next.contains("Next: Record your scores — Person committee2")
            && next.contains("done by Person committee1"),
        "{next}"
    );
    site.stop().await;
}

/// A `'static` action name made at run time (a test's handful).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}
