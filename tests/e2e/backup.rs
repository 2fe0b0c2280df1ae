//! `gradflow backup` and `gradflow restore`, run as an operator runs them:
//! a backup taken while another process keeps writing restores on a fresh
//! machine (a new database and evidence folder) with every project
//! acknowledged before it began, and `audit verify` passes; a damaged or
//! foreign backup is refused with nothing changed; a destination that
//! cannot be written is refused, naming it, with no half backup left; and
//! `audit verify` catches an evidence file deleted or altered, and a role
//! row no event gave.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use gradflow_engine::service::Viewer;
use sha2::{Digest, Sha256};

use crate::processes::spawn::{self, create_cohort, ok, project_id, run, set_up_service, trainee};
use crate::support::{Kind, TestDb, day, on_both};

on_both!(
    a_backup_taken_under_write_load_restores_on_a_fresh_machine,
    a_damaged_or_foreign_backup_is_refused_and_changes_nothing,
    a_backup_that_cannot_be_written_is_refused_and_leaves_nothing,
    audit_verify_catches_a_deleted_or_altered_evidence_file_and_a_forged_role,
    backups_started_into_one_folder_at_once_leave_one_whole_backup,
    a_backup_killed_half_way_is_never_taken_for_one,
);

/// A new, empty database of the same kind as `db` (a fresh machine's).
async fn fresh(db: &TestDb) -> TestDb {
    let kind = if db.is_sqlite() {
        Kind::Sqlite
    } else {
        Kind::Postgres
    };
    TestDb::new(kind).await.expect("a second test database")
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// Stores `bytes` in the evidence folder `files` (as the web does, by
/// SHA-256) and records them on `project` as `uploader`'s; their SHA-256.
async fn add_evidence(
    db: &TestDb,
    files: &Path,
    project: i64,
    uploader: &str,
    name: &str,
    bytes: &[u8],
) -> String {
    let sha256: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::create_dir_all(files).unwrap();
    std::fs::write(files.join(&sha256), bytes).unwrap();
    let engine = db.engine().await;
    let viewer = Viewer {
        person: engine.person(uploader).await.unwrap(),
        language: None,
    };
    engine
        .add_evidence_as(
            &viewer,
            project,
            name,
            &sha256,
            bytes.len() as u64,
            1 << 30,
            day(2),
        )
        .await
        .expect("the trainee adds an evidence file");
    engine.close().await;
    sha256
}

/// The directory, a cohort, one project with an evidence file; its id and
/// the evidence folder (a temp dir, kept by the caller).
async fn small_institute(db: &TestDb, trainees: usize) -> (i64, tempfile::TempDir, String) {
    set_up_service(db, trainees);
    create_cohort(db, "c1", 1000, &[]);
    let project = spawn::start_project(db, "c1", "With evidence", 1);
    let files = tempfile::tempdir().unwrap();
    let sha = add_evidence(
        db,
        files.path(),
        project,
        &trainee(1),
        "report.pdf",
        b"%PDF-1.7 the report",
    )
    .await;
    (project, files, sha)
}

/// A writer process keeps starting projects while the backup runs; the
/// backup restores into a fresh database and folder, holding every project
/// acknowledged before the backup began and the evidence file, and
/// `audit verify` passes there. The manifest's counts are the restored
/// database's.
async fn a_backup_taken_under_write_load_restores_on_a_fresh_machine(db: &TestDb) {
    let writers = 16;
    let (first, files, sha) = small_institute(db, writers).await;
    let acked: Mutex<Vec<i64>> = Mutex::new(vec![first]);
    let stop = AtomicBool::new(false);
    let place = tempfile::tempdir().unwrap();
    let dest = place.path().join("nightly");
    let (before, backup) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for n in 2..=writers {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let list = spawn::start_args("c1", &format!("Loaded {n}"), n);
                let list: Vec<&str> = list.iter().map(String::as_str).collect();
                let started = run(db, &list);
                assert!(started.ok(), "the writer's project starts:\n{started}");
                acked.lock().unwrap().push(project_id(&started));
            }
        });
        // The backup begins once the writer is under way, and runs beside it.
        while acked.lock().unwrap().len() < 4 && !writer.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // Three backups in a row while the writer goes on; the last is restored.
        let mut taken = None;
        for round in 1..=3 {
            let before: Vec<i64> = acked.lock().unwrap().clone();
            let into = if round == 3 {
                dest.clone()
            } else {
                place.path().join(format!("earlier-{round}"))
            };
            let backup = ok(
                db,
                &["backup", &path(&into), "--files", &path(files.path())],
            );
            eprintln!(
                "{}: backup {round} began after {} projects and ended after {}\n{}",
                if db.is_sqlite() {
                    "SQLite"
                } else {
                    "PostgreSQL"
                },
                before.len(),
                acked.lock().unwrap().len(),
                backup.stdout
            );
            taken = Some((before, backup));
        }
        stop.store(true, Ordering::SeqCst);
        writer.join().expect("the writer finishes");
        let (before, backup) = taken.expect("three backups");
        (before, backup)
    });
    assert!(backup.ok());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap())
            .unwrap();
    assert!(
        dest.join("files").join(&sha).is_file(),
        "the evidence file is in the backup"
    );

    // A fresh machine: a new database and a new evidence folder.
    let machine = fresh(db).await;
    let new_files = tempfile::tempdir().unwrap();
    let new_files = new_files.path().join("evidence");
    let restored = ok(
        &machine,
        &["restore", &path(&dest), "--files", &path(&new_files)],
    );
    assert!(
        restored.stdout.contains("audit: ok"),
        "restore ends with a passing audit:\n{restored}"
    );
    let verified = ok(&machine, &["audit", "verify", "--files", &path(&new_files)]);
    assert!(
        verified.stdout.contains("1 evidence file(s) found"),
        "the evidence file is restored with its hash:\n{verified}"
    );
    let there = spawn::projects_of(&machine, "c1");
    let lost: Vec<&i64> = before.iter().filter(|id| !there.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "projects acknowledged before the backup began are lost: {lost:?}"
    );
    assert_eq!(
        there.len() as u64,
        manifest["counts"]["projects"].as_u64().unwrap(),
        "the restored database holds what the manifest counted"
    );
    let events = ok(
        &machine,
        &["--json", "audit", "verify", "--files", &path(&new_files)],
    )
    .json();
    assert_eq!(events["events"], manifest["counts"]["events"]);
    // The restored institute works: its first project can be acted on.
    ok(&machine, &["--json", "project", "show", &first.to_string()]);
}

/// Copies the backup folder `from` to a new folder `to`.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("files")).unwrap();
    for entry in walk(from) {
        let relative = entry.strip_prefix(from).unwrap();
        std::fs::copy(&entry, to.join(relative)).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A backup with a flipped byte in an evidence file, one without its
/// manifest, one whose manifest claims a newer schema, and a foreign
/// manifest: each refused with a clear message, and the database and the
/// evidence folder untouched (the good backup then restores into them).
async fn a_damaged_or_foreign_backup_is_refused_and_changes_nothing(db: &TestDb) {
    let (_, files, sha) = small_institute(db, 2).await;
    let place = tempfile::tempdir().unwrap();
    let good = place.path().join("good");
    ok(
        db,
        &["backup", &path(&good), "--files", &path(files.path())],
    );

    let flipped = place.path().join("flipped");
    copy_folder(&good, &flipped);
    let evidence = flipped.join("files").join(&sha);
    let mut bytes = std::fs::read(&evidence).unwrap();
    bytes[3] ^= 0x01;
    std::fs::write(&evidence, bytes).unwrap();

    let unfinished = place.path().join("unfinished");
    copy_folder(&good, &unfinished);
    std::fs::remove_file(unfinished.join("manifest.json")).unwrap();

    let newer = place.path().join("newer");
    copy_folder(&good, &newer);
    let text = std::fs::read_to_string(newer.join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["schema_version"] = 999.into();
    std::fs::write(newer.join("manifest.json"), manifest.to_string()).unwrap();

    let foreign = place.path().join("foreign");
    copy_folder(&good, &foreign);
    std::fs::write(
        foreign.join("manifest.json"),
        r#"{"format": "tarball", "files": []}"#,
    )
    .unwrap();

    let machine = fresh(db).await;
    let new_files = place.path().join("restored-files");
    for (backup, says) in [
        (&flipped, "is not what the manifest records"),
        (&unfinished, "has no manifest.json"),
        (&newer, "schema version 999, newer than this gradflow knows"),
        (&foreign, "is not a gradflow backup's manifest"),
    ] {
        let refused = run(
            &machine,
            &["restore", &path(backup), "--files", &path(&new_files)],
        );
        assert!(
            refused.code == Some(1)
                && refused.stderr.contains(says)
                && refused.stderr.contains(&path(backup))
                && refused.stderr.contains("nothing was changed"),
            "a damaged or foreign backup is refused, saying why:\n{refused}"
        );
        assert!(
            !new_files.exists(),
            "a refused restore creates no evidence folder"
        );
    }
    if machine.is_sqlite() {
        let file = machine.url.trim_start_matches("sqlite://");
        assert!(
            !Path::new(file).exists(),
            "a refused restore creates no database file"
        );
    }
    // Nothing was changed: the good backup restores into the same place.
    let restored = ok(
        &machine,
        &["restore", &path(&good), "--files", &path(&new_files)],
    );
    assert!(restored.stdout.contains("audit: ok"), "{restored}");
    // And now the database holds an institute: a second restore is refused.
    let again = run(
        &machine,
        &["restore", &path(&good), "--files", &path(&new_files)],
    );
    assert!(
        again.code == Some(1) && again.stderr.contains("already holds people"),
        "a restore never writes over a database in use:\n{again}"
    );
}

/// A destination under a file (not a folder), one in /proc (which takes
/// no folders), and a non-empty folder are refused, naming the
/// destination; a backup whose evidence file is missing from the folder
/// fails naming the file, and leaves no folder that looks like a backup.
async fn a_backup_that_cannot_be_written_is_refused_and_leaves_nothing(db: &TestDb) {
    let (_, files, sha) = small_institute(db, 2).await;
    let place = tempfile::tempdir().unwrap();
    let a_file = place.path().join("notes.txt");
    std::fs::write(&a_file, "not a folder").unwrap();
    let under_file = a_file.join("backup");
    let in_proc = PathBuf::from(format!("/proc/gradflow-backup-{}", std::process::id()));
    let busy = place.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), "someone's file").unwrap();
    for (dest, says) in [
        (&under_file, "Not a directory"),
        (&in_proc, "cannot create the backup folder"),
        (&busy, "is not empty"),
    ] {
        let refused = run(db, &["backup", &path(dest), "--files", &path(files.path())]);
        assert!(
            refused.code == Some(1)
                && refused.stderr.contains(&path(dest))
                && refused.stderr.contains(says),
            "an unwritable destination is refused, naming it:\n{refused}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(busy.join("keep.txt")).unwrap(),
        "someone's file"
    );
    assert_eq!(
        std::fs::read_dir(&busy).unwrap().count(),
        1,
        "nothing is added to a non-empty folder"
    );

    full_and_read_only_disks(db, files.path(), place.path());

    std::fs::remove_file(files.path().join(&sha)).unwrap();
    let dest = place.path().join("half");
    let failed = run(
        db,
        &["backup", &path(&dest), "--files", &path(files.path())],
    );
    assert!(
        failed.code == Some(1) && failed.stderr.contains(&sha),
        "a backup missing an evidence file fails naming it:\n{failed}"
    );
    assert!(!dest.exists(), "a failed backup leaves no folder behind");
}

/// `audit verify --files` passes with the file in place, and fails naming
/// the project and file when it is altered or deleted; a `project_members`
/// row inserted behind the engine's back (a role no event gave) is caught.
async fn audit_verify_catches_a_deleted_or_altered_evidence_file_and_a_forged_role(db: &TestDb) {
    let (project, files, sha) = small_institute(db, 3).await;
    let folder = path(files.path());
    let verified = ok(db, &["audit", "verify", "--files", &folder]);
    assert!(
        verified.stdout.contains("1 evidence file(s) found"),
        "{verified}"
    );

    let file = files.path().join(&sha);
    std::fs::write(&file, b"%PDF-1.7 another report").unwrap();
    let altered = run(db, &["audit", "verify", "--files", &folder]);
    assert!(
        altered.code == Some(1)
            && spawn::names_project(&altered.stderr, project)
            && altered.stderr.contains("'report.pdf'")
            && altered.stderr.contains("was altered"),
        "an altered evidence file breaks the audit, naming project and file:\n{altered}"
    );
    std::fs::remove_file(&file).unwrap();
    let missing = run(db, &["audit", "verify", "--files", &folder]);
    assert!(
        missing.code == Some(1)
            && spawn::names_project(&missing.stderr, project)
            && missing.stderr.contains("'report.pdf'")
            && missing.stderr.contains("is missing"),
        "a deleted evidence file breaks the audit, naming project and file:\n{missing}"
    );
    std::fs::write(&file, b"%PDF-1.7 the report").unwrap();
    ok(db, &["audit", "verify", "--files", &folder]);

    let forged = crate::store_suite::raw_exec(
        db,
        "INSERT INTO project_members (project_id, person_id, role)
         SELECT $1, id, 'supervisor' FROM people WHERE email = 'trainee3@health.example'",
        project,
    )
    .await
    .expect("a role row can be inserted directly");
    assert_eq!(forged, 1);
    let caught = run(db, &["audit", "verify", "--files", &folder]);
    assert!(
        caught.code == Some(1)
            && spawn::names_project(&caught.stderr, project)
            && caught.stderr.contains("no MemberAdded event"),
        "a role row no event gave breaks the audit:\n{caught}"
    );
}

/// Four backups started at once into the same new folder: one writes it,
/// the others are refused without touching its files, and what is left is a
/// whole backup that restores. (Before the folder was claimed, a loser's
/// clean-up could remove the winner's files under its manifest.)
async fn backups_started_into_one_folder_at_once_leave_one_whole_backup(db: &TestDb) {
    let (_, files, _) = small_institute(db, 2).await;
    let place = tempfile::tempdir().unwrap();
    let dest = place.path().join("shared");
    let command = vec![
        "backup".to_owned(),
        path(&dest),
        "--files".to_owned(),
        path(files.path()),
    ];
    let runs = spawn::at_once(db, vec![command; 4]);
    let written: Vec<&spawn::Run> = runs.iter().filter(|r| r.ok()).collect();
    assert_eq!(written.len(), 1, "one backup writes the folder:\n{runs:#?}");
    for refused in runs.iter().filter(|r| !r.ok()) {
        assert!(
            refused.stderr.contains(&path(&dest))
                && (refused.stderr.contains("another backup")
                    || refused.stderr.contains("is not empty")),
            "the others are refused, naming the folder:\n{refused}"
        );
    }
    let machine = fresh(db).await;
    let new_files = place.path().join("restored-files");
    let restored = ok(
        &machine,
        &["restore", &path(&dest), "--files", &path(&new_files)],
    );
    assert!(restored.stdout.contains("audit: ok"), "{restored}");
}

/// On a tiny file system (a tmpfs of 8 KiB) the backup runs out of space
/// and says so naming its folder, leaving nothing; remounted read-only, it
/// is refused naming it. Needs `mount` (root with the right to mount);
/// skipped with a note where that is not permitted.
fn full_and_read_only_disks(db: &TestDb, files: &Path, place: &Path) {
    use std::process::Command;
    let tiny = place.join("tiny");
    std::fs::create_dir_all(&tiny).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8k", "tmpfs"])
        .arg(&tiny)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipping the full and read-only disk: this machine does not let the test mount a tmpfs"
        );
        return;
    }
    let dest = tiny.join("nightly");
    let full = run(db, &["backup", &path(&dest), "--files", &path(files)]);
    let remounted = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&tiny)
        .status()
        .is_ok_and(|s| s.success());
    let read_only = tiny.join("again");
    let refused = run(db, &["backup", &path(&read_only), "--files", &path(files)]);
    eprintln!("{full}\n{refused}");
    let left = std::fs::read_dir(&tiny).map(|d| d.count()).unwrap_or(0);
    let _ = Command::new("umount").arg(&tiny).status();
    assert!(
        full.code == Some(1)
            && full.stderr.contains(&path(&dest))
            && (full.stderr.contains("space") || full.stderr.contains("full")),
        "a full disk fails the backup, naming its folder:\n{full}"
    );
    assert_eq!(
        left, 0,
        "a backup that ran out of space leaves nothing behind"
    );
    assert!(remounted);
    assert!(
        refused.code == Some(1)
            && refused.stderr.contains(&path(&read_only))
            && refused.stderr.contains("Read-only"),
        "a read-only disk is refused, naming the folder:\n{refused}"
    );
}

/// `kill -9` of a backup as soon as its folder appears: the folder is a
/// whole backup (it finished first) or has no manifest, which `restore`
/// refuses, changing nothing; never a manifest over missing files.
async fn a_backup_killed_half_way_is_never_taken_for_one(db: &TestDb) {
    let (_, files, _) = small_institute(db, 2).await;
    let place = tempfile::tempdir().unwrap();
    let dest = place.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args([
            "--db",
            &db.url,
            "backup",
            &path(&dest),
            "--files",
            &path(files.path()),
        ])
        .env_remove("GRADFLOW_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the gradflow binary runs");
    while !dest.exists() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
    let machine = fresh(db).await;
    let new_files = place.path().join("restored-files");
    let restored = run(
        &machine,
        &["restore", &path(&dest), "--files", &path(&new_files)],
    );
    if dest.join("manifest.json").exists() {
        assert!(
            restored.ok() && restored.stdout.contains("audit: ok"),
            "a finished backup restores:\n{restored}"
        );
    } else {
        assert!(
            restored.code == Some(1)
                && restored.stderr.contains("has no manifest.json")
                && !new_files.exists(),
            "a killed backup is refused:\n{restored}"
        );
        // Killed before it wrote a byte, the folder is empty and may be
        // used again; once anything is in it, it is never written over.
        let empty = std::fs::read_dir(&dest)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(true);
        let again = run(
            db,
            &["backup", &path(&dest), "--files", &path(files.path())],
        );
        if empty {
            assert!(again.ok(), "an empty folder takes a backup:\n{again}");
        } else {
            assert!(
                again.code == Some(1) && again.stderr.contains("is not empty"),
                "its folder is not written over:\n{again}"
            );
        }
    }
}
