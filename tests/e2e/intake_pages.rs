//! The intake pages over HTTP (issue 16, part 1 on the web), on SQLite and
//! PostgreSQL: a supervisor nominates, a person asks to join, the
//! supervisor endorses, the coordinator accepts up to capacity and puts
//! the rest on the waiting list, each confirmed with what comes next; each
//! page is "not found" for the wrong person, a post without the session's
//! token is refused, and a refusal on an Arabic page is said in Arabic,
//! with the form as typed.

use gradflow_engine::definition;
use gradflow_engine::service::{By, IntakeSettings};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{self, TestDb, assert_unchanged, bundled, day, on_both, snapshot};
use crate::web::{Browser, PASSWORD, Page, Site};

/// The intake's people: (email, name, organization, a supervisor).
const PEOPLE: &[(&str, &str, &str, bool)] = &[
    (
        "boss@works.example",
        "Hilal Al-Habsi",
        "Ministry of Works",
        true,
    ),
    (
        "saif@works.example",
        "Saif Al-Kharusi",
        "Ministry of Works",
        false,
    ),
    (
        "asma@works.example",
        "Asma Al-Riyami",
        "Ministry of Works",
        false,
    ),
    (
        "badr@works.example",
        "Badr Al-Mahrouqi",
        "Ministry of Works",
        false,
    ),
    (
        "nour@elsewhere.example",
        "Nour Al-Amri",
        "Ministry of Elsewhere",
        true,
    ),
];

/// The cohort open for applications (two places, coordinated by coord-a).
const COHORT: &str = "Intake 2027";

/// The web test site, with [`PEOPLE`] and [`COHORT`] open for
/// applications in a program that asks for the supervisor's endorsement.
async fn site(db: &TestDb) -> (Site, i64) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    for (email, name, organization, supervisor) in PEOPLE {
        engine
            .add_person(email, name, organization, day(0))
            .await
            .unwrap();
        engine.set_password(email, PASSWORD).await.unwrap();
        if *supervisor {
            engine.set_supervisor(email, true).await.unwrap();
        }
    }
    let workflow = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow;
    engine
        .create_program("intake", "Service 2027", &workflow.key, day(0))
        .await
        .unwrap();
    engine.set_endorsement("intake", true).await.unwrap();
    let mut cohort = support::new_cohort(&workflow, "intake", COHORT);
    cohort.capacity = 2;
    cohort.coordinators = vec!["coord-a@example.org".into()];
    let id = engine.create_cohort(cohort, day(0)).await.unwrap().id;
    engine
        .open_intake(COHORT, IntakeSettings::default(), By::Operator, day(0))
        .await
        .unwrap();
    (site, id)
}

/// The page a form's redirect leads to (its confirmation), after checking
/// that the post was answered with a redirect to `path`.
async fn followed(b: &mut Browser, answer: Page, path: &str) -> Page {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let location = answer.headers[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(path), "{location}");
    b.get(&location).await
}

/// A page's text as read: Fluent's isolation marks removed, apostrophes unescaped.
fn plain(page: &Page) -> String {
    page.body
        .replace(['\u{2068}', '\u{2069}'], "")
        .replace("&#x27;", "'")
}

/// The confirmation on a page.
fn done(page: &Page) -> String {
    let body = plain(page);
    let start = body
        .find("id=\"done\"")
        .unwrap_or_else(|| panic!("a confirmation: {body}"));
    let end = body[start..].find("</div>").unwrap() + start;
    body[start..end].to_owned()
}

/// The id of the application listed as `id="PREFIX-N"` next to `name`.
fn listed(body: &str, prefix: &str, name: &str) -> i64 {
    let at = body
        .find(name)
        .unwrap_or_else(|| panic!("{name} listed: {body}"));
    let open = body[..at]
        .rfind(&format!("id=\"{prefix}-"))
        .unwrap_or_else(|| panic!("{name} in a {prefix}: {body}"));
    body[open + 5 + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn the_pages_take_candidates_from_nomination_to_the_waiting_list(db: &TestDb) {
    let (site, cohort) = site(db).await;
    // The supervisor's home page leads to the nomination form.
    let mut boss = site.signed_in("boss@works.example").await;
    let home = boss.get("/").await;
    assert!(
        home.body.contains("id=\"intake-supervision\""),
        "{}",
        home.body
    );
    let page = boss.get("/supervision").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Saif Al-Kharusi"), "{}", page.body);
    // Only people of the supervisor's organization are offered.
    assert!(!page.body.contains("Nour Al-Amri"), "{}", page.body);
    let csrf = page.csrf();
    let id = cohort.to_string();
    let answer = boss
        .post(
            "/supervision/nominate",
            &[
                ("csrf", &csrf),
                ("cohort", &id),
                ("person", "saif@works.example"),
                ("reason", "Runs the <b>busiest</b> counter"),
            ],
        )
        .await;
    let page = followed(&mut boss, answer, "/supervision").await;
    let said = done(&page);
    assert!(
        said.contains("Saif Al-Kharusi is nominated for Intake 2027."),
        "{said}"
    );
    assert!(
        said.contains("Next: the coordinator decides: Person coord-a"),
        "{said}"
    );
    assert!(said.contains("Told by email: Person coord-a"), "{said}");
    // The reason is escaped wherever it shows.
    assert!(
        page.body.contains("&lt;b&gt;busiest&lt;/b&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<b>busiest"), "{}", page.body);

    // Two people ask to join, naming the supervisor.
    for email in ["asma@works.example", "badr@works.example"] {
        let mut me = site.signed_in(email).await;
        let home = me.get("/").await;
        assert!(home.body.contains("id=\"intake-join\""), "{}", home.body);
        let page = me.get("/applications").await;
        let csrf = page.csrf();
        let answer = me
            .post(
                "/applications",
                &[
                    ("csrf", &csrf),
                    ("cohort", &id),
                    ("supervisor", "boss@works.example"),
                    ("reason", "To shorten my counter's queue"),
                ],
            )
            .await;
        let page = followed(&mut me, answer, "/applications").await;
        let said = done(&page);
        assert!(
            said.contains("Your request to join Intake 2027 is sent."),
            "{said}"
        );
        assert!(
            said.contains("Next: Hilal Al-Habsi endorses or refuses the request"),
            "{said}"
        );
        assert!(page.body.contains("Submitted"), "{}", page.body);
    }

    // The supervisor endorses both from the page.
    for name in ["Asma Al-Riyami", "Badr Al-Mahrouqi"] {
        let page = boss.get("/supervision").await;
        let request = listed(&page.body, "request", name);
        let answer = boss
            .post(
                &format!("/supervision/{request}/endorse"),
                &[("csrf", &page.csrf())],
            )
            .await;
        let page = followed(&mut boss, answer, "/supervision").await;
        let said = done(&page);
        assert!(
            said.contains(&format!("You endorsed {name}'s request")),
            "{said}"
        );
    }

    // The coordinator finds all three among the endorsed and accepts
    // them: two places, so two are accepted and the third is refused.
    let mut coord = site.signed_in("coord-a@example.org").await;
    let board = coord.get(&format!("/cohorts/{cohort}")).await;
    assert!(
        board
            .body
            .contains(&format!("/cohorts/{cohort}/candidates"))
    );
    let path = format!("/cohorts/{cohort}/candidates");
    let page = coord.get(&format!("{path}?state=endorsed&sort=name")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let names = ["Asma Al-Riyami", "Badr Al-Mahrouqi", "Saif Al-Kharusi"];
    let at: Vec<usize> = names.iter().map(|n| page.body.find(n).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "sorted by name");
    assert!(plain(&page).contains("Nominated by Hilal Al-Habsi"));
    let ids: Vec<String> = names
        .iter()
        .map(|n| listed(&page.body, "candidate", n).to_string())
        .collect();
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str()), ("do", "accept")];
    form.extend(ids.iter().map(|i| ("application", i.as_str())));
    form.extend([("state", "endorsed"), ("sort", "name")]);
    let answer = coord.post(&path, &form).await;
    let page = followed(&mut coord, answer, &path).await;
    let said = done(&page);
    for name in &names[..2] {
        assert!(
            said.contains(&format!("{name} is accepted into Intake 2027")),
            "{said}"
        );
    }
    assert!(said.contains("Told by email:"), "{said}");
    assert!(said.contains("Saif Al-Kharusi: not done."), "{said}");
    assert!(said.contains("full"), "{said}");
    // The filter is kept: only the one left is endorsed.
    assert!(page.body.contains("One candidate."), "{}", page.body);
    // The third goes on the waiting list.
    let answer = coord
        .post(
            &path,
            &[("csrf", &csrf), ("do", "wait"), ("application", &ids[2])],
        )
        .await;
    let page = followed(&mut coord, answer, &path).await;
    let said = done(&page);
    assert!(
        said.contains("Saif Al-Kharusi is on the waiting list of Intake 2027, number 1."),
        "{said}"
    );
    // Each candidate sees where they stand.
    let mut asma = site.signed_in("asma@works.example").await;
    let page = asma.get("/applications").await;
    assert!(page.body.contains("Accepted"), "{}", page.body);
    assert!(page.body.contains("/projects/"), "{}", page.body);
    let mut saif = site.signed_in("saif@works.example").await;
    let page = saif.get("/applications").await;
    assert!(
        plain(&page).contains("On the waiting list, number 1"),
        "{}",
        page.body
    );
    // Declining needs a reason: refused as typed, nothing changed.
    let before = snapshot(db).await;
    let page = coord
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("do", "decline"),
                ("application", &ids[2]),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("id=\"candidates-error\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(" checked"),
        "the tick is kept: {}",
        page.body
    );
    assert_unchanged(db, &before, "a decline without a reason").await;
    site.stop().await;
}

async fn each_intake_page_is_not_found_for_the_wrong_person(db: &TestDb) {
    let (site, cohort) = site(db).await;
    let engine = &site.engine;
    let boss = engine.acting_as("boss@works.example").await.unwrap();
    let nominated = engine
        .nominate_as(&boss, cohort, "saif@works.example", "Ready", day(1))
        .await
        .unwrap()
        .application
        .id;
    let candidates = format!("/cohorts/{cohort}/candidates");
    // Another cohort's coordinator, a trainee, the nominator: no list.
    for email in [
        "coord-b@example.org",
        "trainee1@example.org",
        "boss@works.example",
    ] {
        let mut b = site.signed_in(email).await;
        let page = b.get(&candidates).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{email}: {}", page.body);
        assert!(!page.body.contains("Saif"), "{email}: {}", page.body);
        let csrf = b.get("/").await.csrf();
        let before = snapshot(db).await;
        let id = nominated.to_string();
        let page = b
            .post(
                &candidates,
                &[("csrf", &csrf), ("do", "accept"), ("application", &id)],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{email}: {}", page.body);
        assert_unchanged(db, &before, "an accept by someone else").await;
    }
    // Someone who is no supervisor has no supervision page.
    let mut trainee = site.signed_in("trainee1@example.org").await;
    assert_eq!(
        trainee.get("/supervision").await.status,
        StatusCode::NOT_FOUND
    );
    // An application is not found for anyone but its people: another
    // organization's supervisor may not endorse or withdraw it.
    let mut nour = site.signed_in("nour@elsewhere.example").await;
    let csrf = nour.get("/").await.csrf();
    let before = snapshot(db).await;
    for path in [
        format!("/supervision/{nominated}/endorse"),
        format!("/supervision/{nominated}/refuse"),
        format!("/applications/{nominated}/withdraw"),
    ] {
        let page = nour
            .post(&path, &[("csrf", &csrf), ("reason", "Not mine")])
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}: {}", page.body);
        assert!(!page.body.contains("Saif"), "{path}: {}", page.body);
    }
    // Nor may she nominate someone of another organization.
    let page = nour.get("/supervision").await;
    assert!(!page.body.contains("Saif Al-Kharusi"), "{}", page.body);
    let page = nour
        .post(
            "/supervision/nominate",
            &[
                ("csrf", &csrf),
                ("cohort", &cohort.to_string()),
                ("person", "asma@works.example"),
                ("reason", "Good"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("id=\"supervision-error\""),
        "{}",
        page.body
    );
    assert_unchanged(db, &before, "another organization's supervisor").await;
    // Ids that are no numbers name nothing.
    let mut coord = site.signed_in("coord-a@example.org").await;
    assert_eq!(
        coord.get("/cohorts/x/candidates").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        coord
            .get(&format!("{candidates}?state=nonsense"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    site.stop().await;
}

/// A form posted: who, where, its fields (the token aside).
type Post<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

async fn intake_forms_refuse_a_post_without_the_sessions_token(db: &TestDb) {
    let (site, cohort) = site(db).await;
    let engine = &site.engine;
    let asma = engine.acting_as("asma@works.example").await.unwrap();
    let request = engine
        .request_as(&asma, cohort, Some("boss@works.example"), "Please", day(1))
        .await
        .unwrap()
        .application
        .id;
    let id = cohort.to_string();
    let app = request.to_string();
    let forms: Vec<Post> = vec![
        (
            "boss@works.example",
            "/supervision/nominate".into(),
            vec![
                ("cohort", &id),
                ("person", "saif@works.example"),
                ("reason", "x"),
            ],
        ),
        (
            "boss@works.example",
            format!("/supervision/{request}/endorse"),
            vec![],
        ),
        (
            "boss@works.example",
            format!("/supervision/{request}/refuse"),
            vec![("reason", "no")],
        ),
        (
            "badr@works.example",
            "/applications".into(),
            vec![
                ("cohort", &id),
                ("supervisor", "boss@works.example"),
                ("reason", "x"),
            ],
        ),
        (
            "asma@works.example",
            format!("/applications/{request}/withdraw"),
            vec![],
        ),
        (
            "coord-a@example.org",
            format!("/cohorts/{cohort}/candidates"),
            vec![("do", "accept"), ("application", &app)],
        ),
    ];
    let mut browsers = Vec::new();
    for (email, _, _) in &forms {
        browsers.push(site.signed_in(email).await);
    }
    let before = snapshot(db).await;
    for ((_, path, fields), b) in forms.iter().zip(&mut browsers) {
        for token in [
            "",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let mut form = vec![("csrf", token)];
            form.extend(fields.iter().copied());
            let page = b.post(path, &form).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}: {}", page.body);
        }
        assert_unchanged(db, &before, path).await;
    }
    // A reason past the forms' size limit is refused before any handler.
    let b = &mut browsers[3];
    let csrf = b.get("/applications").await.csrf();
    let huge = "x".repeat(300 * 1024);
    let page = b
        .post(
            "/applications",
            &[("csrf", &csrf), ("cohort", &id), ("reason", &huge)],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.body);
    assert_unchanged(db, &before, "a huge reason").await;
    site.stop().await;
}

async fn a_refusal_on_an_arabic_page_is_said_in_arabic(db: &TestDb) {
    let (site, cohort) = site(db).await;
    site.engine
        .set_person_language("asma@works.example", "ar")
        .await
        .unwrap();
    let mut asma = site.signed_in("asma@works.example").await;
    let page = asma.get("/applications").await;
    assert!(page.body.contains("dir=\"rtl\""), "{}", page.body);
    let csrf = page.csrf();
    let before = snapshot(db).await;
    // No supervisor named, where the program asks for an endorsement.
    let typed = "أريد تقصير طابور الانتظار";
    let page = asma
        .post(
            "/applications",
            &[
                ("csrf", &csrf),
                ("cohort", &cohort.to_string()),
                ("supervisor", ""),
                ("reason", typed),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("dir=\"rtl\""), "{}", page.body);
    let error_at = page
        .body
        .find(&format!("id=\"join-{cohort}-error\""))
        .unwrap_or_else(|| panic!("the refusal at its form: {}", page.body));
    let error = &page.body[error_at..error_at + page.body[error_at..].find("</p>").unwrap()];
    assert!(
        error
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "in Arabic: {error}"
    );
    assert!(
        !error.contains("endorsement") && !error.contains("supervisor"),
        "no English sentence of the engine's: {error}"
    );
    assert!(
        page.body.contains(typed),
        "the reason typed is kept: {}",
        page.body
    );
    assert_unchanged(db, &before, "a request without its supervisor").await;
    // A closed cohort's form is gone; a post to it is refused in Arabic
    // at the top of the page.
    site.engine
        .close_intake(COHORT, By::Operator, day(1))
        .await
        .unwrap();
    let before = snapshot(db).await;
    let page = asma
        .post(
            "/applications",
            &[
                ("csrf", &csrf),
                ("cohort", &cohort.to_string()),
                ("supervisor", "boss@works.example"),
                ("reason", typed),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    let error_at = page
        .body
        .find("id=\"applications-error\"")
        .unwrap_or_else(|| panic!("the refusal on top: {}", page.body));
    let error = &page.body[error_at..error_at + page.body[error_at..].find("</p>").unwrap()];
    assert!(error.contains(COHORT), "names the cohort: {error}");
    assert!(
        error
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "in Arabic: {error}"
    );
    assert_unchanged(db, &before, "a request to a closed cohort").await;
    site.stop().await;
}

async fn an_offered_place_is_taken_from_the_page(db: &TestDb) {
    let (site, cohort) = site(db).await;
    let engine = &site.engine;
    let boss = engine.acting_as("boss@works.example").await.unwrap();
    let coord = engine.acting_as("coord-a@example.org").await.unwrap();
    let mut ids = Vec::new();
    for email in [
        "asma@works.example",
        "badr@works.example",
        "saif@works.example",
    ] {
        let changed = engine
            .nominate_as(&boss, cohort, email, "Ready", day(1))
            .await
            .unwrap();
        ids.push(changed.application.id);
    }
    let accepted = engine
        .accept_as(&coord, cohort, &ids[..2], day(1))
        .await
        .unwrap();
    let badr = accepted[1].as_ref().unwrap().project.unwrap();
    engine.wait_list_as(&coord, ids[2], day(1)).await.unwrap();
    // Badr leaves: his place is offered to Saif, the first on the list
    // (now: the page answers the offer now, within its days).
    engine
        .withdraw_trainee(
            badr,
            Some("coord-a@example.org"),
            "Moved abroad",
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let mut saif = site.signed_in("saif@works.example").await;
    let page = saif.get("/applications").await;
    let text = plain(&page);
    assert!(text.contains("Offered a place"), "{text}");
    assert!(text.contains("A place is offered until"), "{text}");
    assert!(
        text.contains("Next: Saif Al-Kharusi takes or declines the offered place, by"),
        "{text}"
    );
    let csrf = page.csrf();
    // Another person may not answer his offer.
    let mut asma = site.signed_in("asma@works.example").await;
    let theirs_csrf = asma.get("/").await.csrf();
    let before = snapshot(db).await;
    let theirs = asma
        .post(
            &format!("/applications/{}/take", ids[2]),
            &[("csrf", &theirs_csrf)],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert_unchanged(db, &before, "someone else's offer taken").await;
    let answer = saif
        .post(
            &format!("/applications/{}/take", ids[2]),
            &[("csrf", &csrf)],
        )
        .await;
    let page = followed(&mut saif, answer, "/applications").await;
    let said = done(&page);
    assert!(
        said.contains("Saif Al-Kharusi took the place in Intake 2027: the project"),
        "{said}"
    );
    assert!(said.contains("Saif Al-Kharusi — Next:"), "{said}");
    assert!(plain(&page).contains("Accepted"), "{}", page.body);
    // Taken once: a second answer is refused with the engine's reason.
    let again = saif
        .post(
            &format!("/applications/{}/decline", ids[2]),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body.contains("id=\"applications-error\""),
        "{}",
        again.body
    );
    site.stop().await;
}

on_both!(
    an_offered_place_is_taken_from_the_page,
    the_pages_take_candidates_from_nomination_to_the_waiting_list,
    each_intake_page_is_not_found_for_the_wrong_person,
    intake_forms_refuse_a_post_without_the_sessions_token,
    a_refusal_on_an_arabic_page_is_said_in_arabic,
);
