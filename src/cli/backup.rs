//! `gradflow backup DEST` and `gradflow restore SRC`.
//!
//! A backup is a folder: the database (`database.sqlite`, written by
//! SQLite's `VACUUM INTO`, or `database.pgdump`, by `pg_dump -Fc` on a
//! snapshot the engine holds open), the evidence files the database's
//! snapshot records (`files/SHA256`, copied after the snapshot: files are
//! kept by content and never removed while recorded, so each is there), and
//! `manifest.json`, written last, which names every file with its size and
//! SHA-256. A folder without a manifest is not a backup.
//!
//! A restore checks the whole manifest before it changes anything, loads
//! the database into an empty one, copies the evidence files, and runs
//! `audit verify` with them.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};
use gradflow_engine::redact_url;
use gradflow_engine::service::{BackupFacts, Engine, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Ctx;
use super::args::{BackupArgs, RestoreArgs};
use super::output::{self, say};

/// The manifest's file name, in the backup folder.
const MANIFEST: &str = "manifest.json";
/// What a gradflow backup's manifest says it is.
const FORMAT: &str = "gradflow-backup";
/// The version of the backup folder's layout this build writes and reads.
const FORMAT_VERSION: u32 = 1;
/// The database of a SQLite backup.
const SQLITE_FILE: &str = "database.sqlite";
/// The database of a PostgreSQL backup (`pg_dump`'s custom format).
const POSTGRES_FILE: &str = "database.pgdump";
/// The evidence files' folder in a backup.
const FILES: &str = "files";

/// `manifest.json`: what a backup holds, to check before restoring it.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// Always [`FORMAT`].
    format: String,
    /// The layout's version ([`FORMAT_VERSION`]).
    format_version: u32,
    /// The gradflow that wrote it.
    gradflow_version: String,
    /// `sqlite` or `postgres`.
    database: String,
    /// The newest migration applied to the database copied.
    schema_version: i64,
    /// When the snapshot was taken (RFC 3339).
    created_at: String,
    /// Counts in the database copied.
    counts: Counts,
    /// Every file of the backup (paths relative to its folder).
    files: Vec<Entry>,
}

/// The counts a manifest records.
#[derive(Debug, Serialize, Deserialize)]
struct Counts {
    projects: u64,
    people: u64,
    events: u64,
    evidence: u64,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Relative to the backup folder, with `/`.
    path: String,
    /// In bytes.
    size: u64,
    /// Of its bytes, in hex.
    sha256: String,
}

/// `gradflow backup DEST`.
pub async fn backup(ctx: &Ctx, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let dest = &args.dest;
    let files = args
        .files
        .clone()
        .unwrap_or_else(|| super::serve::beside(&ctx.db, "files"));
    let fresh = prepare_destination(dest)?;
    // Until the manifest is written, the folder is removed on any failure.
    let mut partial = Partial {
        dest: dest.clone(),
        remove_folder: fresh,
        done: false,
    };
    claim(dest).inspect_err(|_| partial.done = true)?;
    let engine = ctx.engine().await?;
    let (manifest, database) = write_backup(ctx, &engine, dest, &files).await?;
    engine.close().await;
    write_manifest(dest, &manifest)?;
    partial.done = true;
    // The manifest is in place: the claim goes (a leftover one is harmless).
    let _ = fs::remove_file(dest.join(CLAIM));
    output::done(
        ctx,
        &format!(
            "backup written to {}: {} database ({}), schema {}, {} projects, {} events, {} evidence file(s) from {}",
            dest.display(),
            manifest.database,
            database,
            manifest.schema_version,
            manifest.counts.projects,
            manifest.counts.events,
            manifest.files.len() - 1,
            files.display()
        ),
        serde_json::json!({
            "backup": dest,
            "database": manifest.database,
            "schema_version": manifest.schema_version,
            "counts": manifest.counts,
            "files": manifest.files.len(),
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Refuses a destination that is a file or a non-empty folder; creates it
/// when missing. Whether it was created (so a failure removes it whole).
fn prepare_destination(dest: &Path) -> anyhow::Result<bool> {
    match fs::read_dir(dest) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "the backup destination {} is not empty: give a new folder (a backup never writes over another)",
                    dest.display()
                );
            }
            Ok(false)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dest)
                .with_context(|| format!("cannot create the backup folder {}", dest.display()))?;
            Ok(true)
        }
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot use {} as the backup destination (it must be a new or empty folder)",
                dest.display()
            )
        }),
    }
}

/// The file that marks a folder as being written by one backup.
const CLAIM: &str = ".gradflow-backup-in-progress";

/// Takes `dest` for this backup (a file only one process can create), so
/// that two backups started into the same folder at once cannot mix or
/// remove each other's files: the second is refused and touches nothing.
fn claim(dest: &Path) -> anyhow::Result<()> {
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest.join(CLAIM))
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "another backup is being written into {}: give each backup its own folder",
            dest.display()
        ),
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot write the backup into {} (is it full or read-only?)",
                dest.display()
            )
        }),
    }
}

/// A backup being written: removed (the folder, or what was put into an
/// empty one) unless it was finished, so no half backup is left behind.
struct Partial {
    dest: PathBuf,
    remove_folder: bool,
    done: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if self.remove_folder {
            let _ = fs::remove_dir_all(&self.dest);
        } else if let Ok(entries) = fs::read_dir(&self.dest) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
            }
        }
    }
}

/// Writes the database and the evidence files into `dest`; the manifest
/// to write, and a word on how the database was copied.
async fn write_backup(
    ctx: &Ctx,
    engine: &Engine,
    dest: &Path,
    files: &Path,
) -> anyhow::Result<(Manifest, &'static str)> {
    let kind = engine.database_kind();
    let created_at = jiff::Timestamp::now();
    let in_dest = |e: anyhow::Error| {
        e.context(format!(
            "cannot write the backup into {} (is it full or read-only?)",
            dest.display()
        ))
    };
    let (facts, database, how) = if kind == "sqlite" {
        let path = dest.join(SQLITE_FILE);
        engine.sqlite_copy_into(&path).await.map_err(|e| {
            // The database's own words (e.g. "database or disk is full") are the news here.
            let words = e.detail().map_or_else(|| e.to_string(), str::to_owned);
            in_dest(anyhow::anyhow!(words))
        })?;
        sync_file(&path).map_err(|e| in_dest(e.into()))?;
        // The manifest's facts are read from the copy itself: exactly what it holds.
        let copy = Engine::connect(&format!("sqlite://{}?immutable=1", path.display()))
            .await
            .context("cannot read back the database copy")?;
        let facts = copy.backup_facts().await?;
        copy.close().await;
        (facts, SQLITE_FILE, "VACUUM INTO")
    } else {
        let major = engine.postgres_major().await?.unwrap_or(0);
        let pg_dump = pg_tool("pg_dump", major)?;
        let (held, facts) = engine.hold_snapshot().await?;
        let path = dest.join(POSTGRES_FILE);
        let (url, password) = tool_url(&ctx.db)?;
        let mut command = Command::new(&pg_dump);
        command
            .arg("--format=custom")
            .arg(format!("--snapshot={}", held.id))
            .arg("--no-sync")
            .arg("--file")
            .arg(&path)
            .arg("--dbname")
            .arg(&url);
        let dumped = run_tool(command, password, "pg_dump").await;
        held.release().await;
        dumped.map_err(|e| {
            if writable(dest) {
                e.context(format!(
                    "the database was not backed up into {}",
                    dest.display()
                ))
            } else {
                in_dest(e)
            }
        })?;
        sync_file(&path).map_err(|e| in_dest(e.into()))?;
        (facts, POSTGRES_FILE, "pg_dump")
    };
    let mut entries = vec![hash_entry(dest, database).map_err(in_dest)?];
    // Its errors say which side failed: the evidence folder or the backup's.
    entries.extend(copy_evidence(&facts, files, dest)?);
    Ok((
        Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            gradflow_version: env!("CARGO_PKG_VERSION").into(),
            database: kind.into(),
            schema_version: facts.schema_version,
            created_at: created_at.to_string(),
            counts: Counts {
                projects: facts.projects,
                people: facts.people,
                events: facts.events,
                evidence: facts.evidence,
            },
            files: entries,
        },
        how,
    ))
}

/// Whether a file can be created in `dir`.
fn writable(dir: &Path) -> bool {
    let probe = dir.join(".gradflow-probe");
    let ok = File::create(&probe).is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

/// Copies each evidence file the snapshot records from `files` into the
/// backup, checking its SHA-256 on the way; their manifest entries.
fn copy_evidence(facts: &BackupFacts, files: &Path, dest: &Path) -> anyhow::Result<Vec<Entry>> {
    let target = dest.join(FILES);
    fs::create_dir_all(&target).with_context(|| {
        format!(
            "cannot write the backup into {} (is it full or read-only?)",
            dest.display()
        )
    })?;
    let mut entries = Vec::with_capacity(facts.files.len());
    for sha256 in &facts.files {
        let from = files.join(sha256);
        let to = target.join(sha256);
        let mut source = File::open(&from).with_context(|| {
            format!(
                "evidence file {} is recorded in the database but cannot be read from the evidence folder {} (is --files right? `gradflow audit verify --files {}` names the project)",
                from.display(),
                files.display(),
                files.display()
            )
        })?;
        let (size, actual) = copy_hashing(&mut source, &to).with_context(|| {
            format!(
                "cannot write the backup into {} (is it full or read-only?)",
                dest.display()
            )
        })?;
        if actual != *sha256 {
            bail!(
                "evidence file {} is damaged: its SHA-256 is {actual}, not the {sha256} its record holds (`gradflow audit verify` names the project); no backup was written",
                from.display()
            );
        }
        entries.push(Entry {
            path: format!("{FILES}/{sha256}"),
            size,
            sha256: actual,
        });
    }
    sync_dir(&target)?;
    Ok(entries)
}

/// Copies `source` into a new file `to` (synced), hashing the bytes; their
/// size and SHA-256.
fn copy_hashing(source: &mut impl Read, to: &Path) -> std::io::Result<(u64, String)> {
    let mut out = File::create(to)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = source.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n])?;
        size += n as u64;
    }
    out.sync_all()?;
    Ok((size, hex(&hasher.finalize())))
}

/// Size and SHA-256 of the file `name` in `dir`.
fn hash_entry(dir: &Path, name: &str) -> anyhow::Result<Entry> {
    let (size, sha256) = hash_file(&dir.join(name))?;
    Ok(Entry {
        path: name.into(),
        size,
        sha256,
    })
}

/// Size and SHA-256 of the file at `path`.
fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the manifest last (a temporary name, synced, then renamed): a
/// folder with `manifest.json` holds a whole backup.
fn write_manifest(dest: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let context = || {
        format!(
            "cannot write the backup's manifest into {} (is it full or read-only?)",
            dest.display()
        )
    };
    let text = serde_json::to_string_pretty(manifest)?;
    let temporary = dest.join(".manifest.json.partial");
    let mut file = File::create(&temporary).with_context(context)?;
    file.write_all(text.as_bytes()).with_context(context)?;
    file.write_all(b"\n").with_context(context)?;
    file.sync_all().with_context(context)?;
    fs::rename(&temporary, dest.join(MANIFEST)).with_context(context)?;
    sync_dir(dest).with_context(context)
}

fn sync_file(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

/// Makes a folder's new entries durable (a rename, new files).
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

/// `gradflow restore SRC`.
pub async fn restore(ctx: &Ctx, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let src = &args.src;
    let files = args
        .files
        .clone()
        .unwrap_or_else(|| super::serve::beside(&ctx.db, "files"));
    let kind = if ctx.db.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    // Everything is checked before anything is changed.
    let manifest = check_backup(src, kind)?;
    let pg_restore = if kind == "postgres" {
        Some(pg_tool("pg_restore", 0)?)
    } else {
        None
    };
    let engine = ctx.engine().await?;
    if !engine.is_empty().await? {
        bail!(
            "the database {} already holds people, programs, workflows or projects: restore only into an empty database (a new SQLite file, or a new PostgreSQL database made with createdb); nothing was changed",
            redact_url(&ctx.db)
        );
    }
    engine.close().await;
    match pg_restore {
        None => restore_sqlite(&ctx.db, &src.join(SQLITE_FILE))?,
        Some(tool) => {
            let (url, password) = tool_url(&ctx.db)?;
            let mut command = Command::new(tool);
            command
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                ])
                .arg("--dbname")
                .arg(&url)
                .arg(src.join(POSTGRES_FILE));
            run_tool(command, password, "pg_restore").await?;
        }
    }
    let copied = restore_evidence(&manifest, src, &files)?;
    // With --json, the audit's report is the one JSON document printed.
    if !ctx.json {
        say!(
            "restored {} into {}: {} database, schema {}, {} projects, {} events; {copied} evidence file(s) into {}",
            src.display(),
            redact_url(&ctx.db),
            manifest.database,
            manifest.schema_version,
            manifest.counts.projects,
            manifest.counts.events,
            files.display()
        );
    }
    // An older backup's schema is brought up to date here (a restore is the
    // owner's act, like `gradflow migrate`), then verified.
    let engine = Engine::connect_for_migrate(&ctx.db).await?;
    engine.migrate().await?;
    let facts = engine.backup_facts().await?;
    if facts.projects != manifest.counts.projects || facts.events != manifest.counts.events {
        bail!(
            "the restored database holds {} projects and {} events, the backup's manifest {} and {}: the restore is incomplete",
            facts.projects,
            facts.events,
            manifest.counts.projects,
            manifest.counts.events
        );
    }
    let verified = super::audit_report(ctx, &engine, &files).await;
    engine.close().await;
    verified
}

/// Reads and checks a backup's manifest and every file it names, for a
/// restore into a `kind` database; a clear refusal when it is damaged,
/// foreign or newer than this gradflow.
fn check_backup(src: &Path, kind: &str) -> anyhow::Result<Manifest> {
    let refuse = |why: String| -> anyhow::Error {
        anyhow::anyhow!(
            "cannot restore {}: {why}; nothing was changed",
            src.display()
        )
    };
    let path = src.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(refuse(format!(
                "it has no {MANIFEST}, so it is not a finished gradflow backup"
            )));
        }
        Err(e) => return Err(refuse(format!("{} cannot be read: {e}", path.display()))),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        refuse(format!(
            "{} is not JSON ({e}): it is damaged",
            path.display()
        ))
    })?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(refuse(format!(
            "{} is not a gradflow backup's manifest",
            path.display()
        )));
    }
    let manifest: Manifest = serde_json::from_value(value)
        .map_err(|e| refuse(format!("{} is damaged: {e}", path.display())))?;
    if manifest.format_version > FORMAT_VERSION {
        return Err(refuse(format!(
            "it was written by a newer gradflow ({}, backup format {}); this one reads format {FORMAT_VERSION}: upgrade gradflow first",
            manifest.gradflow_version, manifest.format_version
        )));
    }
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(refuse(format!(
            "its database is at schema version {}, newer than this gradflow knows ({SCHEMA_VERSION}): restore it with gradflow {} or later",
            manifest.schema_version, manifest.gradflow_version
        )));
    }
    if manifest.database != kind {
        return Err(refuse(format!(
            "it holds a {} database, and --db names a {kind} one: restore it into a {} database (a backup is not converted between the two)",
            manifest.database, manifest.database
        )));
    }
    let database = if kind == "sqlite" {
        SQLITE_FILE
    } else {
        POSTGRES_FILE
    };
    if !manifest.files.iter().any(|e| e.path == database) {
        return Err(refuse(format!(
            "its manifest names no {database}: it is damaged"
        )));
    }
    for entry in &manifest.files {
        let safe = entry.path == database
            || entry.path.strip_prefix("files/").is_some_and(|name| {
                name.len() == 64
                    && name.bytes().all(|b| b.is_ascii_hexdigit())
                    && name == entry.sha256
            });
        if !safe {
            return Err(refuse(format!(
                "its manifest names a file '{}' a gradflow backup does not hold: it is damaged or foreign",
                entry.path
            )));
        }
        let file = src.join(&entry.path);
        let (size, sha256) = match hash_file(&file) {
            Ok(found) => found,
            Err(_) if !file.exists() => {
                return Err(refuse(format!(
                    "{} is missing: the backup is damaged",
                    file.display()
                )));
            }
            Err(e) => return Err(refuse(format!("{e:#}"))),
        };
        if size != entry.size || sha256 != entry.sha256 {
            return Err(refuse(format!(
                "{} is not what the manifest records (SHA-256 {sha256}, {size} bytes; recorded {}, {} bytes): the backup is damaged",
                file.display(),
                entry.sha256,
                entry.size
            )));
        }
    }
    Ok(manifest)
}

/// Puts the backup's SQLite file in place of the (empty) database file of
/// `db`: copied beside it under a temporary name, synced, then renamed.
fn restore_sqlite(db: &str, copy: &Path) -> anyhow::Result<()> {
    let raw = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
        .unwrap_or(db);
    let target = PathBuf::from(raw.split('?').next().unwrap_or(raw));
    let temporary = target.with_file_name(format!(
        ".{}.restoring",
        target.file_name().map_or_else(
            || "gradflow.db".into(),
            |n| n.to_string_lossy().into_owned()
        )
    ));
    let context = || format!("cannot write the database file {}", target.display());
    let mut source = File::open(copy).with_context(|| format!("cannot read {}", copy.display()))?;
    copy_hashing(&mut source, &temporary).with_context(context)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(context);
            }
            _ => {}
        }
    }
    fs::rename(&temporary, &target).with_context(context)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Copies the backup's evidence files into `files` (each under a
/// temporary name, then renamed); how many.
fn restore_evidence(manifest: &Manifest, src: &Path, files: &Path) -> anyhow::Result<usize> {
    let context = || format!("cannot write into the evidence folder {}", files.display());
    fs::create_dir_all(files).with_context(context)?;
    let mut copied = 0;
    for entry in manifest
        .files
        .iter()
        .filter(|e| e.path.starts_with("files/"))
    {
        let temporary = files.join(format!(".restore-{}", entry.sha256));
        let mut source = File::open(src.join(&entry.path))
            .with_context(|| format!("cannot read {}", src.join(&entry.path).display()))?;
        copy_hashing(&mut source, &temporary).with_context(context)?;
        fs::rename(&temporary, files.join(&entry.sha256)).with_context(context)?;
        copied += 1;
    }
    sync_dir(files)?;
    Ok(copied)
}

/// The database URL for a PostgreSQL tool, without its password (given in
/// `PGPASSWORD` instead, so it shows in no process list); the password.
fn tool_url(db: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut url = url::Url::parse(db)
        .with_context(|| format!("'{}' is not a database URL", redact_url(db)))?;
    let password = url.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = url.set_password(None);
    Ok((url.to_string(), password))
}

/// Runs a PostgreSQL tool to its end; its error output in the error.
async fn run_tool(
    mut command: Command,
    password: Option<String>,
    name: &str,
) -> anyhow::Result<()> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let name = name.to_owned();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await?
        .with_context(|| format!("cannot run {name}"))?;
    if !output.status.success() {
        bail!(
            "{name} failed ({}): {}",
            output.status,
            output::clean(String::from_utf8_lossy(&output.stderr).trim())
        );
    }
    Ok(())
}

/// Finds PostgreSQL's `name` (`pg_dump`, `pg_restore`) on `PATH` or in
/// `/usr/lib/postgresql/*/bin`, the newest one, which must be at least
/// `major` (the server's; `pg_dump` refuses an older tool's job).
fn pg_tool(name: &str, major: u32) -> anyhow::Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|d| d.join(name)).collect())
        .unwrap_or_default();
    if let Ok(versions) = fs::read_dir("/usr/lib/postgresql") {
        candidates.extend(versions.flatten().map(|v| v.path().join("bin").join(name)));
    }
    let mut best: Option<(u32, PathBuf)> = None;
    for candidate in candidates.into_iter().filter(|c| c.is_file()) {
        let Some(version) = tool_major(&candidate) else {
            continue;
        };
        if best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, candidate));
        }
    }
    match best {
        None => bail!(
            "{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install PostgreSQL's client programs (Debian: apt-get install postgresql-client)"
        ),
        Some((version, path)) if version < major => bail!(
            "{} is version {version}, older than the PostgreSQL server (version {major}), which it cannot back up: install the client of version {major} or later (Debian: apt-get install postgresql-client-{major})",
            path.display()
        ),
        Some((_, path)) => Ok(path),
    }
}

/// The major version a PostgreSQL tool reports (`pg_dump (PostgreSQL) 15.8`).
fn tool_major(tool: &Path) -> Option<u32> {
    let output = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    major_of(&String::from_utf8_lossy(&output.stdout))
}

/// The major version in a PostgreSQL tool's `--version` line.
fn major_of(text: &str) -> Option<u32> {
    let version = text
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    version
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::{major_of, tool_url};

    #[test]
    fn a_tools_major_version_is_read_from_its_version_line() {
        assert_eq!(
            major_of("pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(major_of("pg_restore (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(major_of("pg_dump (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(major_of("nothing here"), None);
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (url, password) =
            tool_url("postgres://gradflow:p%40ss%2Fw@db.example:5432/gradflow?sslmode=require")
                .unwrap();
        assert_eq!(
            url,
            "postgres://gradflow@db.example:5432/gradflow?sslmode=require"
        );
        assert_eq!(password.as_deref(), Some("p@ss/w"));
    }
}
