//! Configuration as an operator gives it: every option from an environment
//! variable or the config file (command line > environment > file >
//! default), bad files named by FILE:LINE:COL with nothing done, secrets from
//! files never shown; and the deploy files (systemd units, Containerfile,
//! the example config) checked against the real binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{Kind, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_gradflow");

/// `gradflow` with no GRADFLOW_* variable of the test's own environment,
/// only those given.
fn gradflow(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GRADFLOW_") {
            command.env_remove(name);
        }
    }
    command.env("GRADFLOW_NOW", "2026-02-01T06:00:00Z");
    for (name, value) in env {
        command.env(name, value);
    }
    command.stdin(Stdio::null());
    command
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    gradflow(args, env).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let o = run(args, env);
    assert!(
        o.status.success(),
        "gradflow {args:?} failed:\n{}",
        text(&o)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("a file in the temp dir");
    path
}

/// The emails registered in the database at `url`.
fn people(url: &str) -> Vec<String> {
    let out = ok(&["--db", url, "--json", "person", "list"], &[]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let mut emails: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["email"].as_str().expect("an email").to_owned())
        .collect();
    emails.sort();
    emails
}

/// Starts `serve` as configured, waits for its "serving http://ADDR" line,
/// asks /healthz, stops it; returns the address, the health answer and all
/// it printed.
fn serve_once(args: &[&str], env: &[(&str, &str)]) -> (String, String, String) {
    let mut child = gradflow(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("serve says where it listens");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| {
            let _ = child.kill();
            let mut err = String::new();
            let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("serve did not start: {first}{err}")
        })
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).expect("serve listens");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("a request");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let _ = child.kill();
    let _ = child.wait();
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    let mut err = String::new();
    let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
    (addr, answer, format!("{first}{rest}{err}"))
}

#[tokio::test]
async fn an_option_that_had_no_variable_takes_one() {
    let db = TestDb::new(Kind::Sqlite).await.unwrap();
    // --bind had no variable before; its default is 127.0.0.1:8080.
    let (addr, health, _) = serve_once(
        &["--db", &db.url, "serve"],
        &[("GRADFLOW_BIND", "127.0.0.1:0")],
    );
    assert!(
        !addr.ends_with(":8080"),
        "GRADFLOW_BIND was ignored: {addr}"
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // A flag from its variable: --json.
    ok(
        &[
            "--db",
            &db.url,
            "person",
            "add",
            "a@x.example",
            "--name",
            "A",
        ],
        &[],
    );
    let out = ok(
        &["--db", &db.url, "person", "list"],
        &[("GRADFLOW_JSON", "true")],
    );
    assert!(out.trim_start().starts_with('['), "not JSON: {out}");
    // A list from its variable, comma-separated, each value checked.
    let check = ok(
        &["config", "check"],
        &[("GRADFLOW_TRUSTED_PROXY", "10.0.0.1, 10.0.0.2")],
    );
    assert!(
        check.contains("10.0.0.1, 10.0.0.2") && check.contains("env GRADFLOW_TRUSTED_PROXY"),
        "{check}"
    );
    let bad = run(
        &[
            "--db",
            &db.url,
            "person",
            "add",
            "b@x.example",
            "--name",
            "B",
        ],
        &[("GRADFLOW_TRUSTED_PROXY", "10.0.0.1,nowhere")],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("GRADFLOW_TRUSTED_PROXY") && text(&bad).contains("nowhere"),
        "{}",
        text(&bad)
    );
    assert_eq!(people(&db.url), vec!["a@x.example"], "nothing was done");
}

#[tokio::test]
async fn command_line_beats_environment_beats_file_beats_default() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let (a, b, c) = (url("a.db"), url("b.db"), url("c.db"));
    let config = write(
        dir.path(),
        "gradflow.toml",
        &format!(
            "db = \"{a}\"\n\n[serve]\nbind = \"127.0.0.1:0\"\n\n[outbox.list]\nstate = \"dead\"\n"
        ),
    );
    let config = config.to_str().unwrap();
    ok(
        &[
            "--config",
            config,
            "person",
            "add",
            "f@x.example",
            "--name",
            "F",
        ],
        &[],
    );
    ok(
        &["person", "add", "e@x.example", "--name", "E"],
        &[("GRADFLOW_CONFIG", config), ("GRADFLOW_DATABASE_URL", &b)],
    );
    ok(
        &[
            "--config",
            config,
            "--db",
            &c,
            "person",
            "add",
            "c@x.example",
            "--name",
            "C",
        ],
        &[("GRADFLOW_DATABASE_URL", &b)],
    );
    assert_eq!(people(&a), vec!["f@x.example"], "the file's db");
    assert_eq!(
        people(&b),
        vec!["e@x.example"],
        "the variable beats the file"
    );
    assert_eq!(
        people(&c),
        vec!["c@x.example"],
        "the command line beats both"
    );
    // A [serve] table's value takes effect, and the variable beats it.
    let (addr, health, _) = serve_once(&["--config", config, "serve"], &[]);
    assert!(
        !addr.ends_with(":8080") && health.starts_with("HTTP/1.1 200"),
        "{addr}"
    );
    // config check says where each came from.
    let check = ok(
        &["--config", config, "config", "check"],
        &[("GRADFLOW_UPLOAD_LIMIT_MIB", "12")],
    );
    for line in [
        format!("# file {config}:1:6"),
        format!("# file {config}:4:8"),
        "upload_limit_mib            = 12    # env GRADFLOW_UPLOAD_LIMIT_MIB".to_owned(),
        "upload_quota_mib            = 200    # default".to_owned(),
        "[outbox.list]".to_owned(),
        format!("state = dead    # file {config}:7:9"),
    ] {
        assert!(check.contains(&line), "no `{line}` in:\n{check}");
    }
}

#[tokio::test]
async fn a_bad_config_file_is_named_by_line_and_column_and_nothing_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    let url = format!("sqlite://{}", db.display());
    let cases = [
        (
            "[serve]\nupload_limit_mib = \"ten\"\n",
            ":2:20: `upload_limit_mib` in [serve]: invalid value 'ten'",
        ),
        (
            "[serve]\nbind = \"nowhere\"\n",
            ":2:8: `bind` in [serve]: invalid value 'nowhere'",
        ),
        (
            "\n[serve]\nupload_limt_mib = 10\n",
            ":3:1: unknown key `upload_limt_mib` in [serve]: did you mean `upload_limit_mib`?",
        ),
        (
            "smtpp = \"smtp://h:25\"\n",
            ":1:1: unknown key `smtpp`: did you mean `smtp`?",
        ),
        (
            "[serve]\nsecure_cookies = \"yes\"\n",
            ":2:18: `secure_cookies` in [serve] must be true or false",
        ),
        (
            "[worker]\nbatch = [1, 2]\n",
            ":2:9: `batch` in [worker] must be one value",
        ),
        (
            "[sevre]\nbind = \"127.0.0.1:1\"\n",
            ":1:2: unknown key `sevre`: did you mean `serve`?",
        ),
        ("bind = [\n", ":1:9: this is not TOML: unclosed array"),
        (
            "[outbox]\nlist = 3\n",
            ":2:1: unknown key `list` in [outbox]: `list` is a command, written as a table: [outbox.list]",
        ),
        (
            "[serve]\ndb = \"sqlite://x.db\"\n",
            ":2:1: `db` in [serve] is an option of every command: put it at the top",
        ),
    ];
    for (i, (content, expected)) in cases.iter().enumerate() {
        let file = write(dir.path(), &format!("bad{i}.toml"), content);
        let file = file.to_str().unwrap();
        for args in [
            vec![
                "--config",
                file,
                "--db",
                &url,
                "person",
                "add",
                "a@x.example",
                "--name",
                "A",
            ],
            vec!["--config", file, "config", "check"],
        ] {
            let o = run(&args, &[]);
            assert!(!o.status.success(), "{content} was accepted");
            let said = text(&o);
            assert!(
                said.contains(&format!("{file}{expected}")),
                "for {content:?} expected `{file}{expected}` in:\n{said}"
            );
        }
        assert!(!db.exists(), "a command ran despite {content:?}");
    }
    let o = run(
        &[
            "--config",
            "/nonexistent/gradflow.toml",
            "--db",
            &url,
            "migrate",
        ],
        &[],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot read the config file /nonexistent/gradflow.toml"),
        "{}",
        text(&o)
    );
    assert!(!db.exists());
}

/// The password of a URL (user:PASSWORD@host), if it has one.
fn password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    Some(userinfo.split_once(':')?.1.to_owned())
}

async fn secret_from_a_file(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The SMTP URL always carries a password; the database's does on PostgreSQL.
    let smtp = "smtp://mailer:hunter2-smtp@127.0.0.1:2525";
    let db_secret = write(dir.path(), "db", &format!("{}\n", db.url));
    let smtp_secret = write(dir.path(), "smtp", &format!("{smtp}\r\n"));
    let db_secret = db_secret.to_str().unwrap();
    let smtp_secret = smtp_secret.to_str().unwrap();
    let mut secrets = vec!["hunter2-smtp".to_owned()];
    secrets.extend(password(&db.url));
    // From GRADFLOW_DATABASE_URL_FILE, trailing line break trimmed.
    ok(
        &["person", "add", "s@x.example", "--name", "S"],
        &[("GRADFLOW_DATABASE_URL_FILE", db_secret)],
    );
    assert_eq!(people(&db.url), vec!["s@x.example"]);
    // From the config file's *_file keys.
    let config = write(
        dir.path(),
        "gradflow.toml",
        &format!(
            "db_file = \"{db_secret}\"\n[serve]\nbind = \"127.0.0.1:0\"\nsmtp_file = \"{smtp_secret}\"\n"
        ),
    );
    let config = config.to_str().unwrap();
    let check = ok(&["--config", config, "config", "check"], &[]);
    let json = ok(&["--config", config, "--json", "config", "check"], &[]);
    let (_, health, logs) = serve_once(&["--config", config, "serve"], &[]);
    assert!(health.starts_with("HTTP/1.1 200"), "{health}\n{logs}");
    let help = ok(&["--config", config, "serve", "--help"], &[]);
    for secret in &secrets {
        for (what, said) in [
            ("config check", &check),
            ("--json", &json),
            ("serve", &logs),
            ("--help", &help),
        ] {
            assert!(
                !said.contains(secret.as_str()),
                "{what} shows a secret:\n{said}"
            );
        }
    }
    assert!(
        check.contains("smtp://mailer:***@127.0.0.1:2525"),
        "{check}"
    );
    // Unreadable, or named twice: a clear message, nothing done.
    let missing = run(
        &["person", "add", "t@x.example", "--name", "T"],
        &[("GRADFLOW_DATABASE_URL_FILE", "/nonexistent/secret")],
    );
    assert!(
        text(&missing).contains(
            "cannot read the secret file /nonexistent/secret (named by GRADFLOW_DATABASE_URL_FILE)"
        ),
        "{}",
        text(&missing)
    );
    let both = run(
        &["person", "add", "t@x.example", "--name", "T"],
        &[
            ("GRADFLOW_DATABASE_URL_FILE", db_secret),
            ("GRADFLOW_DATABASE_URL", &db.url),
        ],
    );
    assert!(
        text(&both).contains("set only one of them"),
        "{}",
        text(&both)
    );
    assert_eq!(people(&db.url), vec!["s@x.example"], "nothing was done");
}

#[tokio::test]
async fn a_secret_from_a_file_works_and_is_never_shown_sqlite() {
    secret_from_a_file(Kind::Sqlite).await;
}

#[tokio::test]
async fn a_secret_from_a_file_works_and_is_never_shown_postgres() {
    secret_from_a_file(Kind::Postgres).await;
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_example_config_file_is_valid() {
    let example = repo("deploy/gradflow.example.toml");
    let check = ok(
        &["--config", example.to_str().unwrap(), "config", "check"],
        &[],
    );
    assert!(check.contains("is valid"), "{check}");
    assert!(
        check.contains("# file "),
        "the example sets nothing: {check}"
    );
}

/// The lines `Key=value` of a systemd unit.
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_systemd_units_are_valid_and_run_real_commands() {
    for name in ["gradflow-serve.service", "gradflow-worker.service"] {
        let path = repo(&format!("deploy/systemd/{name}"));
        let unit = std::fs::read_to_string(&path).expect("the unit exists");
        // ExecStart is the binary with arguments the binary accepts.
        let exec = unit_values(&unit, "ExecStart");
        assert_eq!(exec.len(), 1, "{name}: one ExecStart");
        let words: Vec<&str> = exec[0].split_whitespace().collect();
        assert_eq!(words[0], "/usr/local/bin/gradflow", "{name}");
        let mut args: Vec<&str> = words[1..]
            .iter()
            .map(|w| {
                if *w == "/etc/gradflow/gradflow.toml" {
                    "/dev/null"
                } else {
                    w
                }
            })
            .collect();
        args.push("--help");
        ok(&args, &[]);
        for needed in [
            "Restart",
            "User",
            "NoNewPrivileges",
            "ProtectSystem",
            "StateDirectory",
        ] {
            assert!(
                !unit_values(&unit, needed).is_empty(),
                "{name}: no {needed}="
            );
        }
        verify_unit(&path);
    }
    // The server's stop waits out its grace period (serve --shutdown-grace,
    // 20 s by default) before systemd kills it.
    let serve = std::fs::read_to_string(repo("deploy/systemd/gradflow-serve.service")).unwrap();
    let stop: u64 = unit_values(&serve, "TimeoutStopSec")[0]
        .parse()
        .expect("seconds");
    assert!(
        stop > 20,
        "TimeoutStopSec={stop} is not beyond the 20 s grace period"
    );
}

/// `systemd-analyze verify` on a unit (with the binary it names in place).
fn verify_unit(unit: &Path) {
    let Ok(probe) = Command::new("systemd-analyze").arg("--version").output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have systemd-analyze (scripts/test installs the systemd package)"
        );
        eprintln!("skipping systemd-analyze verify: systemd-analyze is not installed");
        return;
    };
    assert!(probe.status.success());
    // verify wants the ExecStart binary to exist: a copy of the unit
    // pointing at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let unit_text = std::fs::read_to_string(unit)
        .unwrap()
        .replace("/usr/local/bin/gradflow", BIN);
    let copy = dir.path().join(unit.file_name().unwrap());
    std::fs::write(&copy, unit_text).unwrap();
    let o = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze runs");
    let said = text(&o);
    // Only what concerns our unit counts (the machine's own units may be odd).
    let ours: Vec<&str> = said
        .lines()
        .filter(|l| l.contains(&*copy.file_name().unwrap().to_string_lossy()))
        .collect();
    assert!(
        ours.is_empty() && o.status.success(),
        "systemd-analyze verify {}:\n{said}",
        unit.display()
    );
}

#[test]
fn the_containerfile_copies_what_exists_and_runs_a_real_command() {
    let file = std::fs::read_to_string(repo("deploy/Containerfile")).expect("the Containerfile");
    // Every COPY from the build context names something in the repository.
    for line in file.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        if rest.starts_with("--from") {
            continue;
        }
        let parts: Vec<&str> = rest
            .split_whitespace()
            .filter(|p| !p.starts_with("--"))
            .collect();
        for source in &parts[..parts.len() - 1] {
            assert!(
                repo(source).exists(),
                "COPY {source}: not in the repository"
            );
        }
    }
    // ENTRYPOINT + CMD is a command the binary accepts.
    let json_list = |key: &str| -> Vec<String> {
        let line = file
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key}"));
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{key} is not a JSON list: {e}"))
    };
    let entry = json_list("ENTRYPOINT");
    let cmd = json_list("CMD");
    assert_eq!(entry[0], "/usr/local/bin/gradflow");
    let mut args: Vec<&str> = entry[1..]
        .iter()
        .chain(cmd.iter())
        .map(String::as_str)
        .collect();
    args.push("--help");
    ok(&args, &[]);
    assert!(
        cmd.first().map(String::as_str) == Some("serve"),
        "serve by default: {cmd:?}"
    );
}
