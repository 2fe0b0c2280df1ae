//! Open Badges 3.0 (issue 15, part 8): a certificate's credential
//! downloaded over HTTP by its holder (and its staff, nobody else),
//! validated against 1EdTech's published JSON schema and its signature and
//! revocation bit checked by an independent verifier
//! (`tests/browser/verify-credential.mjs`: jose and ajv, which
//! `scripts/browser-for-tests` installs), which fetches the key, the JWK
//! set and the status list from the server as any verifier would. A
//! revocation shows in the status list; a rotated key stays published, so
//! what it signed still verifies; racing processes creating or rotating
//! keys leave exactly one signing key. Without node or those packages the
//! independent check is skipped with a note, except under `CI=true`,
//! where that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use gradflow_engine::certificate::Code;
use gradflow_engine::decide::Fields;
use gradflow_engine::service::Engine;
use reqwest::StatusCode;

use crate::certificates::to_the_pass;
use crate::processes::spawn;
use crate::support::{self, Cohort, Served, TestDb, act, day, on_both};
use crate::web::PASSWORD;

on_both!(
    the_credential_verifies_independently,
    racing_processes_leave_one_signing_key,
    the_command_line_writes_a_credential,
    a_restore_signs_with_the_same_key,
);

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/openbadges/ob_v3p0_achievementcredential_schema.json")
}

/// Whether the independent verifier can run; under CI it must.
fn verifier_ready() -> bool {
    let node = Command::new("node").arg("--version").output();
    let why = if !node.is_ok_and(|o| o.status.success()) {
        Some("node is not installed".to_owned())
    } else {
        ["jose", "ajv", "ajv-formats"]
            .iter()
            .map(|p| {
                browser_dir()
                    .join("node_modules")
                    .join(p)
                    .join("package.json")
            })
            .find(|p| !p.is_file())
            .map(|p| format!("{} is missing", p.display()))
    };
    match why {
        None => true,
        Some(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the Open Badges verifier cannot run under CI: {why}. scripts/browser-for-tests installs it"
            );
            eprintln!(
                "skipping the independent Open Badges check: {why} (scripts/browser-for-tests installs it)"
            );
            false
        }
    }
}

/// Runs the independent verifier on `jwt`; its JSON line, or why it failed.
async fn verify(jwt: &str) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credential.jwt");
    std::fs::write(&file, jwt).unwrap();
    let schema = schema();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_dir().join("verify-credential.mjs"))
            .arg(&file)
            .arg(&schema)
            .current_dir(browser_dir())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        serde_json::from_str(stdout.trim()).map_err(|e| format!("{e}: {stdout}"))
    } else {
        Err(format!("{stdout}{stderr}"))
    }
}

/// A graduation-service project passed by the chair: its certificate's
/// code, and the cohort (certifying).
async fn certified(engine: &Engine, title: &str) -> (Code, Cohort) {
    let cohort = Cohort::set_up(engine, "graduation-service").await;
    engine
        .certify_program(
            &cohort.program,
            &support::certify(support::SERVICE_LEVEL, "OB-{year}-{seq:03}", "3y", None),
            day(0),
        )
        .await
        .unwrap();
    (passed(engine, &cohort, title, 1).await, cohort)
}

/// Trainee `n`'s project in `cohort` passed by the chair: its certificate's code.
async fn passed(engine: &Engine, cohort: &Cohort, title: &str, n: usize) -> Code {
    let id = to_the_pass(engine, cohort, title, n).await;
    act(
        engine,
        id,
        "chair1@example.org",
        "pass",
        Fields::new(),
        None,
        14,
    )
    .await
    .unwrap();
    let all = engine.certificates(None, None).await.unwrap();
    Code::parse(&all[0].code).unwrap()
}

/// The holder downloads her credential from her certificate page; it
/// follows the published schema and verifies with the published key; the
/// project's supervisor may download it, another trainee and a visitor
/// may not; revoked, its status bit says so; after a key rotation the old
/// credential still verifies and new ones carry the new key.
async fn the_credential_verifies_independently(db: &TestDb) {
    let engine = db.engine().await;
    let (code, _) = certified(&engine, "Faster renewals").await;
    for email in [
        "trainee1@example.org",
        "trainee2@example.org",
        "supervisor1@example.org",
    ] {
        engine.set_password(email, PASSWORD).await.unwrap();
    }
    let site = Served::start(db).await;
    // Before any credential there is no key; the JWK set is empty, not an error.
    let mut visitor = site.browser();
    let empty = visitor.get("/.well-known/jwks.json").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body, r#"{"keys":[]}"#);

    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee
        .get(&format!("/certificates/{}", code.grouped()))
        .await;
    let link = format!("/certificates/{}/credential", code.as_str());
    assert!(
        page.body.contains(&format!("href=\"{link}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("Download the Open Badge"));
    let arabic = trainee
        .get(&format!("/certificates/{}?lang=ar", code.grouped()))
        .await;
    assert!(arabic.body.contains("تنزيل الشارة المفتوحة"));
    let download = trainee.get(&link).await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    assert_eq!(download.headers["content-type"], "application/vc+jwt");
    assert_eq!(
        download.headers["content-disposition"],
        "attachment; filename=\"OB-2026-001.jwt\""
    );
    assert_eq!(download.headers["cache-control"], "private, no-store");
    let first = download.body.clone();
    assert_eq!(first.split('.').count(), 3, "a compact JWS: {first}");

    // The project's supervisor may download it; nobody else finds it.
    let mut supervisor = site.signed_in("supervisor1@example.org").await;
    assert_eq!(supervisor.get(&link).await.status, StatusCode::OK);
    let mut other = site.signed_in("trainee2@example.org").await;
    let hidden = other.get(&link).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(!hidden.body.contains("trainee 1"));
    assert_eq!(visitor.get(&link).await.status, StatusCode::SEE_OTHER);
    let bad = trainee.get("/certificates/AB%07CD/credential").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let huge = trainee
        .get(&format!("/certificates/{}/credential", "7".repeat(4000)))
        .await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST);

    // What anyone verifying needs is public: one key so far, no private part.
    let jwks = visitor.get("/.well-known/jwks.json").await;
    assert_eq!(jwks.headers["content-type"], "application/jwk-set+json");
    let set: serde_json::Value = serde_json::from_str(&jwks.body).unwrap();
    assert_eq!(set["keys"].as_array().unwrap().len(), 1);
    assert!(set["keys"][0].get("d").is_none());
    assert_eq!(
        visitor.get("/keys/nothing-here").await.status,
        StatusCode::NOT_FOUND
    );
    let long = format!("/keys/{}", "k".repeat(5000));
    assert_eq!(visitor.get(&long).await.status, StatusCode::NOT_FOUND);
    let status = visitor.get("/credentials/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.headers["content-type"], "application/vc+jwt");

    if !verifier_ready() {
        return;
    }
    let checked = verify(&first).await.unwrap();
    assert_eq!(checked["revoked"], false, "{checked}");
    assert_eq!(checked["holder"], "trainee 1");
    assert_eq!(checked["keys"], 1);
    assert!(checked["validUntil"].is_string(), "{checked}");
    // A byte changed in the payload: the signature no longer holds.
    let mut parts: Vec<String> = first.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].replacen('e', "f", 1);
    let forged = verify(&parts.join(".")).await;
    assert!(forged.is_err(), "a forged credential verified: {forged:?}");

    // Revoked: the same credential now reads revoked from the status list.
    engine
        .revoke_certificate(code.as_str(), None, "issued in error", day(20))
        .await
        .unwrap();
    let checked = verify(&first).await.unwrap();
    assert_eq!(checked["revoked"], true, "{checked}");

    // Rotated: the old key stays published, the new one signs.
    let before = engine.signing_keys().await.unwrap();
    let rotated = engine.rotate_signing_key(day(21)).await.unwrap();
    assert_ne!(rotated.kid, before[0].kid);
    let old = verify(&first).await.unwrap();
    assert_eq!(old["keys"], 2, "{old}");
    let again = trainee.get(&link).await.body;
    let fresh = verify(&again).await.unwrap();
    assert_ne!(fresh["kid"], old["kid"]);
    // Its bit in the status list was drawn once and stays.
    assert_eq!(fresh["index"], old["index"]);
    assert!(
        fresh["kid"].as_str().unwrap().ends_with(&rotated.kid),
        "{fresh}"
    );
    assert_eq!(fresh["revoked"], true);
}

/// Ten `gradflow keys create` and then ten `gradflow keys rotate` at once:
/// one key after the creations, and after the rotations exactly one key
/// signing, every refused rotation having said why and changed nothing.
async fn racing_processes_leave_one_signing_key(db: &TestDb) {
    let creates = spawn::at_once(
        db,
        (0..10)
            .map(|_| spawn::args(&["keys", "create", "--json"]))
            .collect(),
    );
    for run in &creates {
        assert!(run.ok(), "{run}");
    }
    let made = creates
        .iter()
        .filter(|r| r.json()["created"] == true)
        .count();
    assert_eq!(made, 1, "one process made the key");
    let rotations = spawn::at_once(
        db,
        (0..10).map(|_| spawn::args(&["keys", "rotate"])).collect(),
    );
    let won = rotations.iter().filter(|r| r.ok()).count();
    for run in rotations.iter().filter(|r| !r.ok()) {
        assert!(
            run.stderr
                .contains("another signing key was created or rotated"),
            "{run}"
        );
    }
    assert!(won >= 1);
    // Each winner names the key it made: no two the same.
    let mut named: Vec<&str> = rotations
        .iter()
        .filter(|r| r.ok())
        .map(|r| {
            r.stdout
                .split("signed with key ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    assert_eq!(named.len(), won, "{rotations:?}");
    let keys = spawn::ok(db, &["keys", "show", "--json"]).json();
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1 + won, "{keys:?}");
    assert_eq!(
        keys.iter().filter(|k| k["retired_at"].is_null()).count(),
        1,
        "{keys:?}"
    );
    for key in keys.iter().filter(|k| !k["retired_at"].is_null()) {
        let made: jiff::Timestamp = key["created_at"].as_str().unwrap().parse().unwrap();
        let retired: jiff::Timestamp = key["retired_at"].as_str().unwrap().parse().unwrap();
        assert!(made <= retired, "retired before it was made: {key}");
    }
    let shown = spawn::ok(db, &["keys", "show"]).stdout;
    assert!(shown.contains("signing"), "{shown}");
    // Only public material is ever shown.
    assert!(
        !shown.contains("private") && !shown.contains("\"d\""),
        "{shown}"
    );
}

/// `gradflow certificate credential`: the operator writes a certificate's
/// credential to a new file (never over one), signed by the key `keys
/// show` lists, its ids on the public address given; a public address that
/// is not one, or an unknown certificate, is refused in words and writes
/// nothing.
async fn the_command_line_writes_a_credential(db: &TestDb) {
    use base64::Engine as _;
    let engine = db.engine().await;
    let (code, cohort) = certified(&engine, "Shorter queues").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("credential.jwt");
    let out_arg = out.to_str().unwrap();
    let public = "https://gradflow.institute.example";
    spawn::ok(
        db,
        &[
            "certificate",
            "credential",
            "OB-2026-001",
            "--public-url",
            public,
            "--out",
            out_arg,
        ],
    );
    let jwt = std::fs::read_to_string(&out).unwrap();
    let key = engine.signing_keys().await.unwrap().pop().unwrap();
    let public_key = gradflow_engine::credential::PublicKey::from_stored(&key.x).unwrap();
    assert!(gradflow_engine::credential::key::verify(&public_key, &jwt));
    let payload = jwt.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["id"],
        format!("{public}/certificates/{}/credential", code.as_str())
    );
    assert_eq!(claims["issuer"]["id"], format!("{public}/"));
    // Never over an existing file.
    let again = spawn::run(
        db,
        &[
            "certificate",
            "credential",
            code.as_str(),
            "--public-url",
            public,
            "--out",
            out_arg,
        ],
    );
    assert!(
        !again.ok() && again.stderr.contains("cannot create"),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), jwt);
    for bad in [
        "javascript:alert(1)",
        "https://x.example/?q=1",
        "gradflow.example",
        "",
    ] {
        let refused = spawn::run(
            db,
            &[
                "certificate",
                "credential",
                code.as_str(),
                "--public-url",
                bad,
            ],
        );
        assert!(
            !refused.ok()
                && refused
                    .stderr
                    .contains("is not a public address credentials can be built on"),
            "{refused}"
        );
    }
    // A second certificate's credential made by ten processes at once:
    // one status list index drawn for it, the same in every copy, and not
    // the first certificate's.
    let index = |jwt: &str| -> serde_json::Value {
        let payload = jwt.trim().split('.').nth(1).unwrap().to_owned();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        claims["credentialStatus"]["statusListIndex"].clone()
    };
    let second = passed(&engine, &cohort, "Fewer forms", 2).await;
    let runs = spawn::at_once(
        db,
        (0..10)
            .map(|_| {
                spawn::args(&[
                    "certificate",
                    "credential",
                    second.as_str(),
                    "--public-url",
                    public,
                ])
            })
            .collect(),
    );
    let indexes: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            assert!(r.ok(), "{r}");
            index(&r.stdout)
        })
        .collect();
    assert!(indexes.iter().all(|i| *i == indexes[0]), "{indexes:?}");
    assert_ne!(indexes[0], claims["credentialStatus"]["statusListIndex"]);
    let unknown = spawn::run(
        db,
        &[
            "certificate",
            "credential",
            "NOPE-1",
            "--public-url",
            public,
        ],
    );
    assert!(
        !unknown.ok()
            && unknown
                .stderr
                .contains("no certificate is numbered or coded"),
        "{unknown}"
    );
}

/// `gradflow backup` carries the signing key and the status indexes (as
/// docs/OPERATIONS.md says): restored on a fresh database, the same key
/// signs, a credential made before the backup verifies with the restored
/// key, and the certificate keeps its status list index.
async fn a_restore_signs_with_the_same_key(db: &TestDb) {
    use base64::Engine as _;
    let engine = db.engine().await;
    let (code, _) = certified(&engine, "Kept in the backup").await;
    let public = "https://gradflow.institute.example";
    let before = spawn::ok(
        db,
        &[
            "certificate",
            "credential",
            code.as_str(),
            "--public-url",
            public,
        ],
    )
    .stdout;
    let keys = spawn::ok(db, &["keys", "show", "--json"]).json();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backup");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    spawn::ok(
        db,
        &[
            "backup",
            dest.to_str().unwrap(),
            "--files",
            files.to_str().unwrap(),
        ],
    );
    let kind = if db.is_sqlite() {
        crate::support::Kind::Sqlite
    } else {
        crate::support::Kind::Postgres
    };
    let machine = TestDb::new(kind).await.expect("a second test database");
    let restored_files = dir.path().join("restored-files");
    spawn::ok(
        &machine,
        &[
            "restore",
            dest.to_str().unwrap(),
            "--files",
            restored_files.to_str().unwrap(),
        ],
    );
    assert_eq!(
        spawn::ok(&machine, &["keys", "show", "--json"]).json(),
        keys
    );
    let restored = machine.engine().await;
    let key = restored.signing_keys().await.unwrap().pop().unwrap();
    let public_key = gradflow_engine::credential::PublicKey::from_stored(&key.x).unwrap();
    assert!(gradflow_engine::credential::key::verify(
        &public_key,
        before.trim()
    ));
    let after = spawn::ok(
        &machine,
        &[
            "certificate",
            "credential",
            code.as_str(),
            "--public-url",
            public,
        ],
    )
    .stdout;
    let status = |jwt: &str| -> serde_json::Value {
        let payload = jwt.trim().split('.').nth(1).unwrap().to_owned();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        claims["credentialStatus"].clone()
    };
    assert_eq!(status(&before), status(&after));
    assert!(gradflow_engine::credential::key::verify(
        &public_key,
        after.trim()
    ));
}
