//! Refusals, form problems, score problems and "Not yet" reasons on pages
//! in Arabic: each provoked as a person would, and none may show an
//! English sentence of the engine's (the words come from the Arabic
//! catalogue and the workflow's Arabic titles; a missing Arabic message
//! falls back to English, which these tests catch).

use reqwest::StatusCode;

use crate::support::{self, TestDb, bundled, day, on_both};
use crate::web::Site;
use gradflow_engine::definition;

/// The visible text of `html` (tags dropped, entities left).
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The first run of three or more English words in `html`'s text, if any:
/// an English sentence where only Arabic should be.
pub(crate) fn english_run(html: &str) -> Option<String> {
    let mut run: Vec<&str> = Vec::new();
    let text = text(html);
    for word in text.split(|c: char| c.is_whitespace() || "،؛:;,()«»'\"".contains(c)) {
        if word.is_empty() {
            continue;
        }
        if word.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
            && word.chars().any(|c| c.is_ascii_alphabetic())
        {
            run.push(word);
            if run.len() >= 3 {
                return Some(run.join(" "));
            }
        } else {
            run.clear();
        }
    }
    None
}

/// Every element of `html` that starts with `open` (up to its `close`).
fn regions<'h>(html: &'h str, open: &str, close: &str) -> Vec<&'h str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(open) {
        let end = start
            + rest[start..]
                .find(close)
                .map_or(rest.len() - start, |e| e + close.len());
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// The engine's words on a page: the summary of a refused form, the
/// problems beside fields, the "Not yet" notes, a status page's detail.
fn reasons(html: &str) -> Vec<&str> {
    let mut all = regions(html, "<div class=\"alert error-summary\"", "</div>");
    all.extend(regions(html, "<p class=\"error\"", "</p>"));
    all.extend(regions(html, "<p class=\"note\"", "</p>"));
    all.extend(regions(html, "<p id=\"status-detail\"", "</p>"));
    // A form that came back because the project moved on: what changed and
    // what to do now (the events' own lines carry names, not reasons).
    all.extend(regions(html, "<h2 id=\"moved-heading\"", "</h2>"));
    all.extend(regions(html, "<p id=\"moved-next\"", "</p>"));
    all
}

/// Fails when a reason on `page` holds English words.
pub(crate) fn all_arabic(page: &str, what: &str) {
    let found = reasons(page);
    assert!(!found.is_empty(), "{what}: no reason on the page: {page}");
    for region in found {
        assert!(
            english_run(region).is_none(),
            "{what}: English on the Arabic page ({:?}): {region}",
            english_run(region)
        );
    }
}

async fn every_refusal_and_reason_is_arabic_on_an_arabic_page(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    for email in [
        "trainee1@example.org",
        "committee1@example.org",
        "sup2@example.org",
    ] {
        engine.set_person_language(email, "ar").await.unwrap();
    }
    let mut trainee = site.signed_in("trainee1@example.org").await;

    // Form problems: a missing answer and a choice that is not one; the
    // summary at the top links to each field, and what was typed stays.
    let page = trainee.get(&path).await;
    assert!(
        page.body.contains(">وقت الانتظار</option>"),
        "choices by their titles: {}",
        page.body
    );
    assert!(!page.body.contains(">waiting time<"), "{}", page.body);
    let refused = trainee
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", "submit"),
                ("version", &page.version()),
                ("f.service", "تجديد البطاقات"),
                ("f.problem", ""),
                ("f.improvement", "فحص مسبق"),
                ("f.indicator", "speed"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    all_arabic(&refused.body, "form problems");
    let summary = regions(
        &refused.body,
        "<div class=\"alert error-summary\"",
        "</div>",
    );
    assert_eq!(summary.len(), 1, "{}", refused.body);
    for expected in [
        "role=\"alert\"",
        "tabindex=\"-1\" autofocus",
        "<a href=\"#act-submit-problem\">«ما يواجهه المستفيدون حاليًا» مطلوب</a>",
        "<a href=\"#act-submit-indicator\">«المؤشر الرئيسي»: «speed» ليس من الخيارات: وقت الانتظار، عدد خطوات إنجاز الخدمة، رضا المستفيدين والأخطاء</a>",
    ] {
        assert!(
            summary[0].contains(expected),
            "{expected} in {}",
            summary[0]
        );
    }
    assert!(refused.body.contains("id=\"act-submit-problem-error\""));
    assert!(
        refused.body.contains("value=\"تجديد البطاقات\""),
        "typed values kept"
    );

    // Not allowed: the trainee tries the supervisor's action.
    let forms = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow
        .forms;
    let act = |who: &'static str, action: &'static str, form: &'static str, n: i64| {
        let answers = if form.is_empty() {
            Default::default()
        } else {
            support::sample(&forms[form])
        };
        support::act(engine, p, who, action, answers, None, n)
    };
    act("trainee1@example.org", "submit", "proposal", 2)
        .await
        .unwrap();
    let page = trainee.get(&path).await;
    // No form of the page offers it: posted as a hand-made request would be.
    let forbidden = trainee
        .post(
            &format!("{path}/act"),
            &[("csrf", &page.csrf()), ("action", "endorse")],
        )
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );
    all_arabic(&forbidden.body, "not allowed");
    assert!(
        forbidden.body.contains("المسؤول المباشر"),
        "{}",
        forbidden.body
    );

    // Not yet: sending for evaluation waits for both client visits,
    // named by their Arabic titles.
    act("sup1@example.org", "endorse", "", 3).await.unwrap();
    let page = trainee.get(&path).await;
    all_arabic(&page.body, "not yet (milestones)");
    assert!(
        page.body.contains("يجب قبول كل المراحل الفرعية أولًا (ما زال مفتوحًا: زيارة الخدمة قبل التحسين وزيارة الخدمة بعد التحسين)"),
        "{}",
        page.body
    );

    // Score problems: off the scale, and not a number.
    for (n, (who, action, form)) in [
        (
            "trainee1@example.org",
            "visit_before.submit",
            "client_visit",
        ),
        ("coord-a@example.org", "visit_before.accept", ""),
        ("trainee1@example.org", "visit_after.submit", "client_visit"),
        ("coord-a@example.org", "visit_after.accept", ""),
        ("trainee1@example.org", "finish", "final_report"),
    ]
    .into_iter()
    .enumerate()
    {
        act(who, action, form, 4 + n as i64).await.unwrap();
    }
    engine
        .assign(p, None, "committee2@example.org", "committee", day(10))
        .await
        .unwrap();
    engine
        .assign(p, None, "sup2@example.org", "chair", day(10))
        .await
        .unwrap();
    let mut evaluator = site.signed_in("committee1@example.org").await;
    let page = evaluator.get(&path).await;
    let refused = evaluator
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", "score"),
                ("version", &page.version()),
                ("f.safety", "9"),
                ("f.authenticity", "جيد"),
                ("f.friendliness", "5"),
                ("f.efficiency", "4"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    all_arabic(&refused.body, "score problems");
    assert!(
        refused.body.contains("خارج السلّم من 1 إلى 5"),
        "{}",
        refused.body
    );

    // Not yet, for the chair: no decision before the scorecards are in.
    let chair = site.signed_in("sup2@example.org").await.get(&path).await;
    all_arabic(&chair.body, "not yet (assessment)");
    for expected in [
        "يحتاج التقييم إلى 2 من بطاقات التقييم ووصل منها 0",
        "يحتاج التقييم إلى 2 على الأقل من بطاقات التقييم ووصل منها 0",
    ] {
        assert!(
            chair.body.contains(expected),
            "{expected} in {}",
            chair.body
        );
    }
    site.stop().await;
}

#[test]
fn an_english_run_is_found_and_arabic_with_keys_is_not() {
    assert_eq!(
        english_run("<p class=\"note\">ليس بعد: every milestone must be accepted</p>").as_deref(),
        Some("every milestone must")
    );
    assert_eq!(english_run("<p>«speed» ليس من الخيارات U+202E</p>"), None);
}

on_both!(every_refusal_and_reason_is_arabic_on_an_arabic_page);
