//! The web server against one client that tries to exhaust it or guess its
//! way in, and the files and account forms held to their rules: idle and
//! half-sent connections closed, a connection limit per address that leaves
//! `/healthz` answering, Argon2 in a small pool, guesses counted in the
//! database before any hash (so two servers count together), evidence as
//! events in the log for the roles the workflow allows, within a quota,
//! private downloads, and the give-a-role, password and cookie fixes.
//!
//! Each test drives a real server over HTTP (or raw TCP) on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gradflow_engine::service::{ATTEMPTS_PER_EMAIL, Kind};
use jiff::Timestamp;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::{self, TestDb, act, on_both};
use crate::web::{Browser, PASSWORD, Site, first_file};

on_both!(
    idle_and_half_sent_connections_are_closed,
    one_address_cannot_take_every_connection,
    a_stalled_body_ends_its_request,
    password_hashing_runs_in_a_small_pool,
    a_crowd_signing_in_is_told_to_retry_not_hashed_at_once,
    a_burst_of_guesses_checks_no_more_than_the_limit,
    two_servers_on_one_database_count_guesses_together,
    evidence_is_an_event_in_the_log_for_the_allowed_roles,
    evidence_is_refused_once_the_project_is_finished,
    a_refused_file_name_leaves_nothing_on_disk,
    uploads_stop_at_each_persons_quota,
    evidence_downloads_are_private_and_uncached,
    the_give_a_role_form_does_not_tell_who_is_registered,
    a_coordinator_cannot_chair_or_sit_on_the_committee,
    a_person_changes_their_own_password,
    secure_cookies_use_the_host_prefix_and_hsts,
);

/// A site whose connections are held to `limits`.
async fn site_with_limits(db: &TestDb, limits: gradflow_web::Limits) -> Site {
    Site::start_with(db, false, move |engine, mut config| {
        config.limits = limits;
        (engine, config)
    })
    .await
}

/// The server's `host:port`.
fn host(site: &Site) -> SocketAddr {
    site.base.trim_start_matches("http://").parse().unwrap()
}

/// A connection to `site` from the loopback address `from` (127.0.0.x),
/// so that one test client can be told apart from another.
async fn connect_from(site: &Site, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(host(site)).await.unwrap()
}

/// Whether the server closes `stream` (end of stream or a reset) within
/// `wait`, reading whatever it sends first.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// `GET /healthz` over a fresh connection from 127.0.0.1: its status.
async fn healthz(site: &Site) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/healthz", site.base))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or(StatusCode::REQUEST_TIMEOUT)
}

/// A connection that sends nothing, one that sends half its headers, and
/// one kept alive after a request and then left idle are all closed by the
/// server once the header timeout passes; `/healthz` still answers.
async fn idle_and_half_sent_connections_are_closed(db: &TestDb) {
    let site = site_with_limits(
        db,
        gradflow_web::Limits {
            header_timeout: Duration::from_secs(1),
            ..gradflow_web::Limits::default()
        },
    )
    .await;
    let mut silent = connect_from(&site, "127.0.0.2").await;
    let mut half = connect_from(&site, "127.0.0.2").await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut kept = connect_from(&site, "127.0.0.2").await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let n = kept.read(&mut answer).await.unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"),
        "the kept-alive connection was answered first"
    );
    for (what, stream) in [
        ("silent", &mut silent),
        ("half-sent", &mut half),
        ("idle after a request", &mut kept),
    ] {
        assert!(
            closed_within(stream, Duration::from_secs(10)).await,
            "the {what} connection was not closed"
        );
    }
    assert_eq!(healthz(&site).await, StatusCode::OK);
    site.stop().await;
}

/// One address holding its limit of connections cannot open more (the
/// next is closed at once), while another client's `/healthz` is answered.
async fn one_address_cannot_take_every_connection(db: &TestDb) {
    let site = site_with_limits(
        db,
        gradflow_web::Limits {
            max_connections_per_address: 4,
            ..gradflow_web::Limits::default()
        },
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(&site, "127.0.0.2").await);
    }
    let mut one_more = connect_from(&site, "127.0.0.2").await;
    assert!(
        closed_within(&mut one_more, Duration::from_secs(5)).await,
        "a fifth connection from the same address stayed open"
    );
    assert_eq!(
        healthz(&site).await,
        StatusCode::OK,
        "another client is served"
    );
    // The places come back when the connections close.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = connect_from(&site, "127.0.0.2").await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    again.read_to_end(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    site.stop().await;
}

/// A request whose body stops arriving half-way is ended by the server
/// (an answer and a close) instead of waiting for ever.
async fn a_stalled_body_ends_its_request(db: &TestDb) {
    let site = site_with_limits(
        db,
        gradflow_web::Limits {
            body_idle_timeout: Duration::from_secs(1),
            ..gradflow_web::Limits::default()
        },
    )
    .await;
    let mut stream = connect_from(&site, "127.0.0.2").await;
    stream
        .write_all(
            b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a",
        )
        .await
        .unwrap();
    assert!(
        closed_within(&mut stream, Duration::from_secs(10)).await,
        "a stalled body kept its request open"
    );
    assert_eq!(healthz(&site).await, StatusCode::OK);
    site.stop().await;
}

/// Twelve sign-ins at once through the engine never hash more than its
/// pool of two at a time, and each is still answered.
async fn password_hashing_runs_in_a_small_pool(db: &TestDb) {
    let site = Site::start_with(db, false, |engine, config| {
        (
            engine.with_password_work(2, Duration::from_secs(60)),
            config,
        )
    })
    .await;
    let people = [
        "trainee1",
        "trainee2",
        "trainee3",
        "sup1",
        "sup2",
        "sup3",
        "committee1",
        "committee2",
        "coord-a",
        "coord-b",
        "nobody1",
        "nobody2",
    ];
    let mut tries = Vec::new();
    for (i, who) in people.iter().enumerate() {
        let engine = site.engine.clone();
        let email = format!("{who}@example.org");
        tries.push(tokio::spawn(async move {
            let password = if i % 2 == 0 {
                PASSWORD
            } else {
                "a wrong guess"
            };
            engine.sign_in(&email, password, Timestamp::now()).await
        }));
    }
    for t in tries {
        match t.await.unwrap() {
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), Kind::Forbidden, "{e}"),
        }
    }
    assert!(
        (1..=2).contains(&site.engine.password_work_peak()),
        "{} hashes ran at once",
        site.engine.password_work_peak()
    );
    site.stop().await;
}

/// Twenty sign-ins at once against a pool of one place that waits for
/// nobody: those that find it taken get 503 with Retry-After, none is
/// hashed beside another, and the server still signs people in after.
async fn a_crowd_signing_in_is_told_to_retry_not_hashed_at_once(db: &TestDb) {
    let site = Site::start_with(db, false, |engine, config| {
        (engine.with_password_work(1, Duration::ZERO), config)
    })
    .await;
    let mut tries = Vec::new();
    for i in 0..20 {
        let base = site.base.clone();
        tries.push(tokio::spawn(async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/signin"))
                .form(&[
                    ("email", format!("someone{i}@example.org")),
                    ("password", "a wrong guess".to_owned()),
                ])
                .send()
                .await
                .unwrap();
            let retry = response.headers().get("retry-after").cloned();
            (response.status(), retry)
        }));
    }
    let mut busy = 0;
    for t in tries {
        let (status, retry) = t.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert!(retry.is_some(), "a 503 says when to retry");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy > 0, "twenty at once all found the one place free");
    assert_eq!(site.engine.password_work_peak(), 1);
    site.signed_in("trainee1@example.org").await;
    site.stop().await;
}

/// Twenty guesses at one account at once, the right password among them:
/// at most the limit are checked (the rest refused with 429 before any
/// hash), and once the limit is spent the right password is refused too.
async fn a_burst_of_guesses_checks_no_more_than_the_limit(db: &TestDb) {
    let site = Site::new(db).await;
    let email = "sup1@example.org";
    let mut tries = Vec::new();
    for i in 0..20 {
        let base = site.base.clone();
        tries.push(tokio::spawn(async move {
            let password = if i == 15 {
                PASSWORD.to_owned()
            } else {
                format!("guess number {i}")
            };
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .post(format!("{base}/signin"))
                .form(&[("email", email), ("password", password.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let (mut wrong, mut right, mut limited) = (0, 0, 0);
    for t in tries {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::SEE_OTHER => right += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        wrong <= ATTEMPTS_PER_EMAIL as usize,
        "{wrong} wrong passwords were checked in one burst"
    );
    assert!(right <= 1);
    assert_eq!(wrong + right + limited, 20);
    // The limit is spent: a further guess is refused unchecked, and so is
    // the right password, for the rest of the window.
    let mut b = site.browser();
    let late = b.sign_in(email, "yet another guess").await;
    assert_eq!(late.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        b.sign_in(email, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    site.stop().await;
}

/// Two servers over one database (two nodes behind a load balancer): the
/// guesses made through one count on the other.
async fn two_servers_on_one_database_count_guesses_together(db: &TestDb) {
    let first = Site::new(db).await;
    let second = Arc::new(db.engine().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = tempfile::tempdir().unwrap();
    let config = gradflow_web::Config {
        files: files.path().join("files"),
        upload_limit: 1024,
        upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
        secure_cookies: false,
        limits: gradflow_web::Limits::default(),
        password_reset: false,
        public_url: base.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradflow_web::serve(second, config, listener, async {
        let _ = stopped.await;
    }));
    let email = "sup2@example.org";
    let mut a = first.browser();
    for i in 0..ATTEMPTS_PER_EMAIL {
        let page = a.sign_in(email, &format!("guess number {i}")).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let mut b = Browser {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base,
        cookie: None,
    };
    let page = b.sign_in(email, PASSWORD).await;
    assert_eq!(
        page.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the second server did not see the first one's guesses"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    first.stop().await;
}

/// Evidence rows and `evidence_added` events of project `p`, counted raw.
async fn evidence_counts(db: &TestDb, p: i64) -> (i64, i64) {
    let rows = support::raw_number(
        db,
        &format!("SELECT COUNT(*) FROM evidence WHERE project_id = {p}"),
    )
    .await;
    let events = support::raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM events WHERE project_id = {p} AND change LIKE '%\"type\":\"evidence_added\"%'"
        ),
    )
    .await;
    (rows, events)
}

/// Uploads `bytes` as `name` to project `p` from `b`: the status.
async fn upload(b: &mut Browser, p: i64, name: &str, bytes: Vec<u8>) -> StatusCode {
    let csrf = b.get(&format!("/projects/{p}")).await.csrf();
    b.upload(&format!("/projects/{p}/evidence"), &csrf, name, bytes)
        .await
        .status
}

/// The trainee's and the supervisor's files are events in the project's
/// log (which `audit verify` replays); a committee member and the
/// coordinator, who may see the project, may not add files, and their
/// refused uploads leave nothing on disk or in the database.
async fn evidence_is_an_event_in_the_log_for_the_allowed_roles(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    for who in ["trainee1@example.org", "sup1@example.org"] {
        let mut b = site.signed_in(who).await;
        assert_eq!(
            upload(&mut b, p, &format!("{who}.pdf"), who.as_bytes().to_vec()).await,
            StatusCode::SEE_OTHER,
            "{who}"
        );
    }
    assert_eq!(evidence_counts(db, p).await, (2, 2));
    let stored = site.stored_files().len();
    for who in ["committee1@example.org", "coord-a@example.org"] {
        let mut b = site.signed_in(who).await;
        let status = upload(&mut b, p, "mine.pdf", b"not allowed".to_vec()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(evidence_counts(db, p).await, (2, 2));
    assert_eq!(
        site.stored_files().len(),
        stored,
        "a refused upload left bytes"
    );
    let report = site.engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    // A file swapped behind the engine's back is caught by the audit.
    let swapped = crate::store_suite::raw_exec(
        db,
        "UPDATE evidence SET sha256 = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' WHERE project_id = $1",
        p,
    )
    .await
    .unwrap();
    assert_eq!(swapped, 2);
    let report = site.engine.verify_audit().await.unwrap();
    let broken = report.broken.expect("the audit notices the swapped file");
    assert!(broken.reason.contains("evidence file"), "{broken:?}");
    let page = site
        .signed_in("trainee1@example.org")
        .await
        .get(&format!("/projects/{p}"))
        .await;
    assert!(
        page.body.contains("sup1@example.org.pdf"),
        "the history names the file"
    );
    site.stop().await;
}

/// A finished (withdrawn) project takes no more files.
async fn evidence_is_refused_once_the_project_is_finished(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[1];
    act(
        &site.engine,
        p,
        "trainee2@example.org",
        "withdraw",
        Default::default(),
        Some("moving abroad"),
        2,
    )
    .await
    .unwrap();
    let mut b = site.signed_in("trainee2@example.org").await;
    let status = upload(&mut b, p, "late.pdf", b"too late".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(evidence_counts(db, p).await, (0, 0));
    assert!(site.stored_files().is_empty(), "{:?}", site.stored_files());
    site.stop().await;
}

/// A name with a right-to-left override (`report<U+202E>fdp.exe`, shown as
/// `reportexe.pdf`) or a control character is refused before a byte is
/// kept: nothing on disk, no record.
async fn a_refused_file_name_leaves_nothing_on_disk(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let mut b = site.signed_in("trainee1@example.org").await;
    for name in ["report\u{202E}fdp.exe", "a\u{2067}b.pdf", "bell\u{7}.pdf"] {
        let status = upload(&mut b, p, name, b"MZ pretend program".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}");
    }
    assert_eq!(evidence_counts(db, p).await, (0, 0));
    assert!(site.stored_files().is_empty(), "{:?}", site.stored_files());
    site.stop().await;
}

/// Each person stores at most their quota, on every project together:
/// past it an upload is refused (413) and nothing of it is kept.
async fn uploads_stop_at_each_persons_quota(db: &TestDb) {
    let site = Site::start_with(db, false, |engine, mut config| {
        config.upload_quota = 100 * 1024;
        (engine, config)
    })
    .await;
    let p = site.projects[0];
    let mut b = site.signed_in("trainee1@example.org").await;
    assert_eq!(
        upload(&mut b, p, "one.bin", vec![1; 60 * 1024]).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        upload(&mut b, p, "two.bin", vec![2; 60 * 1024]).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        upload(&mut b, p, "three.bin", vec![3; 30 * 1024]).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        upload(&mut b, p, "four.bin", vec![4; 30 * 1024]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "90 KiB stored: 10 KiB left"
    );
    assert_eq!(evidence_counts(db, p).await, (2, 2));
    assert_eq!(site.stored_files().len(), 2);
    // Another person's quota is their own.
    let mut s = site.signed_in("sup1@example.org").await;
    assert_eq!(
        upload(&mut s, p, "sup.bin", vec![5; 60 * 1024]).await,
        StatusCode::SEE_OTHER
    );
    site.stop().await;
}

/// A download is marked `Cache-Control: private, no-store`.
async fn evidence_downloads_are_private_and_uncached(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let mut b = site.signed_in("trainee1@example.org").await;
    assert_eq!(
        upload(&mut b, p, "plan.pdf", b"%PDF plan".to_vec()).await,
        StatusCode::SEE_OTHER
    );
    let page = b.get(&format!("/projects/{p}")).await;
    let file = first_file(&page.body, p);
    let download = b.get(&format!("/projects/{p}/evidence/{file}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers["cache-control"], "private, no-store");
    site.stop().await;
}

/// Someone who may not give roles is refused alike for a registered and
/// an unknown email: the form tells them nothing about who has an account.
async fn the_give_a_role_form_does_not_tell_who_is_registered(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let mut b = site.signed_in("trainee1@example.org").await;
    let csrf = b.get(&format!("/projects/{p}")).await.csrf();
    let mut statuses = Vec::new();
    for email in ["committee2@example.org", "nobody-at-all@example.org"] {
        let page = b
            .post(
                &format!("/projects/{p}/members"),
                &[
                    ("csrf", csrf.as_str()),
                    ("email", email),
                    ("role", "committee"),
                ],
            )
            .await;
        statuses.push(page.status);
    }
    assert_eq!(statuses, [StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]);
    site.stop().await;
}

/// The bundled workflows declare a coordinator's committee seat a
/// conflict: she cannot make herself chair, or evaluator, of a project of
/// her cohort.
async fn a_coordinator_cannot_chair_or_sit_on_the_committee(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let mut b = site.signed_in("coord-a@example.org").await;
    let csrf = b.get(&format!("/projects/{p}")).await.csrf();
    for role in ["chair", "committee"] {
        let page = b
            .post(
                &format!("/projects/{p}/members"),
                &[
                    ("csrf", csrf.as_str()),
                    ("email", "coord-a@example.org"),
                    ("role", role),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}: {}", page.body);
    }
    let err = site
        .engine
        .assign(p, None, "coord-a@example.org", "chair", Timestamp::now())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Forbidden, "{err}");
    site.stop().await;
}

/// On the profile page: a wrong current password changes nothing; the right
/// one sets the new password, keeps this browser signed in and signs out
/// the others.
async fn a_person_changes_their_own_password(db: &TestDb) {
    let site = Site::new(db).await;
    let email = "trainee3@example.org";
    let new = "a fresh long passphrase";
    let mut here = site.signed_in(email).await;
    let mut elsewhere = site.signed_in(email).await;
    let profile = here.get("/profile").await;
    assert!(profile.body.contains("id=\"password-form\""));
    let csrf = profile.csrf();
    let wrong = here
        .post(
            "/profile/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", "not it at all"),
                ("password", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        elsewhere.get("/").await.status,
        StatusCode::OK,
        "nothing changed"
    );
    let done = here
        .post(
            "/profile/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", PASSWORD),
                ("password", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let profile = here.get("/profile?password=changed").await;
    assert_eq!(
        profile.status,
        StatusCode::OK,
        "this browser stays signed in"
    );
    assert!(profile.body.contains("id=\"password-note\""));
    assert_eq!(
        elsewhere.get("/").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert!(
        site.engine
            .sign_in(email, PASSWORD, Timestamp::now())
            .await
            .is_err()
    );
    assert!(
        site.engine
            .sign_in(email, new, Timestamp::now())
            .await
            .is_ok()
    );
    site.stop().await;
}

/// With secure cookies the session cookie is `__Host-` prefixed (Secure,
/// Path=/, no Domain) and every answer carries Strict-Transport-Security.
async fn secure_cookies_use_the_host_prefix_and_hsts(db: &TestDb) {
    let site = Site::start_with(db, false, |engine, mut config| {
        config.secure_cookies = true;
        (engine, config)
    })
    .await;
    let mut b = site.browser();
    let page = b.sign_in("trainee1@example.org", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-gradflow_session="), "{cookie}");
    assert!(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    assert!(
        page.headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let home = b.get("/").await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "the prefixed cookie is read back"
    );
    assert!(home.headers.contains_key("strict-transport-security"));
    site.stop().await;
}
