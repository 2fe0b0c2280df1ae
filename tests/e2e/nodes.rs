//! Several nodes behind a reverse proxy: two real `gradflow serve`
//! processes on one PostgreSQL database with one shared evidence folder,
//! behind a real nginx and a real Caddy started from the examples in
//! docs/OPERATIONS.md (read from the page, so the page cannot drift from
//! what is tested); and a node's stop and restart: a client holding a
//! request open cannot hold the stop past `--shutdown-grace`, and an upload
//! cut by kill -9 leaves nothing behind once the node restarts.
//!
//! nginx and Caddy come from Debian's packages (scripts/proxies-for-tests);
//! without them the proxy tests are skipped with a note, except under CI.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::{self, TestDb, on_both};
use crate::web::{Browser, PASSWORD, Site, first_file};

/// A `gradflow serve` process and what it has logged so far.
struct Node {
    child: Child,
    /// `host:port` it listens on.
    address: String,
    /// Its standard error (the request logs), as it grows.
    logs: Arc<Mutex<String>>,
}

impl Node {
    /// Starts `gradflow serve --bind BIND ARGS...` on `db` and waits until it
    /// says where it serves.
    fn start(db: &str, bind: &str, args: &[&str]) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .args(["serve", "--bind", bind])
            .args(args)
            .env("GRADFLOW_DATABASE_URL", db)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gradflow binary runs");
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut address = None;
        let mut line = String::new();
        while address.is_none() {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200));
                panic!("serve ended before serving: {}", logs.lock().unwrap());
            }
            address = line
                .split("serving http://")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned);
        }
        // Keep draining stdout, so that the node never blocks on it.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = out.read_to_string(&mut rest);
        });
        Node {
            child,
            address: address.unwrap(),
            logs,
        }
    }

    fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    /// Its logs once they hold what `wanted` looks for (read as the node
    /// writes them: the last lines may lag an answer); returned either way
    /// after 20 seconds, for the assertion to show.
    fn logs_with(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let logs = self.logs();
            if wanted(&logs) || Instant::now() >= deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends `signal` (TERM, KILL) to the process.
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to end, at most `patience`: its exit status,
    /// or `None` (and it is killed) when it outlived it.
    fn wait_within(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reverse proxy process, killed when dropped.
struct Proxy {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fenced block in `lang` of docs/OPERATIONS.md's proxy section.
fn documented(lang: &str) -> String {
    let page = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/OPERATIONS.md"),
    )
    .unwrap();
    let section = page
        .split("\n## Behind a reverse proxy, on several nodes\n")
        .nth(1)
        .expect("docs/OPERATIONS.md has the reverse proxy section");
    let fence = format!("```{lang}\n");
    let start = section
        .find(&fence)
        .unwrap_or_else(|| panic!("a ```{lang} block in the proxy section"))
        + fence.len();
    let end = section[start..].find("```").unwrap() + start;
    section[start..end].to_owned()
}

/// `text` with `from` replaced by `to`, which must be there: a change to
/// the documented example that the test no longer fits fails here.
fn swap(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the documented example has {from:?}");
    text.replace(from, to)
}

/// A port free on 127.0.0.1 now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A program from Debian's package, or `None` (skipping with a note) when
/// it is not installed; under CI a missing one fails.
fn program(name: &str) -> Option<PathBuf> {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return Some(path);
        }
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must install {name} (scripts/proxies-for-tests)"
    );
    eprintln!("skipping: {name} is not installed (scripts/proxies-for-tests installs it)");
    None
}

/// nginx on `port` in front of `nodes`, from the documented example.
fn nginx(nodes: [&str; 2], port: u16) -> Option<Proxy> {
    let nginx = program("nginx")?;
    let dir = tempfile::tempdir().unwrap();
    let mut site = documented("nginx");
    site = swap(&site, "10.0.0.11:8080", nodes[0]);
    site = swap(&site, "10.0.0.12:8080", nodes[1]);
    site = swap(
        &site,
        "listen 443 ssl;",
        &format!("listen 127.0.0.1:{port};"),
    );
    assert!(site.contains("ssl_certificate"));
    let site: String = site
        .lines()
        .filter(|line| !line.trim_start().starts_with("ssl_certificate"))
        .map(|line| format!("{line}\n"))
        .collect();
    let d = dir.path().display();
    // One process as the test's user, its files in the temp folder.
    let config = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{site}}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), config).unwrap();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Some(ready(Proxy {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }))
}

/// Caddy on `port` in front of `nodes`, from the documented example.
fn caddy(nodes: [&str; 2], port: u16) -> Option<Proxy> {
    let caddy = program("caddy")?;
    let dir = tempfile::tempdir().unwrap();
    let mut site = documented("caddy");
    site = swap(&site, "10.0.0.11:8080", nodes[0]);
    site = swap(&site, "10.0.0.12:8080", nodes[1]);
    site = swap(
        &site,
        "gradflow.institute.example {",
        &format!("http://127.0.0.1:{port} {{"),
    );
    // No admin endpoint (several may run at once), plain HTTP on loopback.
    let config = format!("{{\n\tadmin off\n\tauto_https off\n}}\n\n{site}");
    let file = dir.path().join("Caddyfile");
    std::fs::write(&file, config).unwrap();
    let child = Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("caddy.log")).unwrap())
        .spawn()
        .unwrap();
    Some(ready(Proxy {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }))
}

/// `proxy` once it answers `/healthz` through to a node.
fn ready(mut proxy: Proxy) -> Proxy {
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = proxy.base.trim_start_matches("http://").to_owned();
    loop {
        if healthy(&address) {
            return proxy;
        }
        if let Some(status) = proxy.child.try_wait().unwrap() {
            let logs: String = ["error.log", "caddy.log"]
                .iter()
                .filter_map(|f| std::fs::read_to_string(proxy._dir.path().join(f)).ok())
                .collect();
            panic!("the proxy ended ({status}): {logs}");
        }
        assert!(Instant::now() < deadline, "the proxy never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether GET /healthz on `address` answers 200 (plain HTTP/1.1).
fn healthy(address: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

/// The ids of the evidence files linked on the page of project `p`.
fn file_ids(body: &str, p: i64) -> Vec<String> {
    let link = format!("/projects/{p}/evidence/");
    let mut ids: Vec<String> = body
        .match_indices(&link)
        .map(|(at, _)| first_file(&body[at..], p))
        .collect();
    ids.dedup();
    ids
}

/// A browser on `base` whose connections come from `local` (an address of
/// 127.0.0.0/8): a client of its own in the proxy's eyes.
fn browser_from(base: &str, local: &str) -> Browser {
    Browser {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(local.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap(),
        base: base.to_owned(),
        cookie: None,
    }
}

/// Two nodes on one PostgreSQL database and one evidence folder, behind
/// nginx (which rewrites Host) and behind Caddy (which keeps it): sessions
/// work across nodes, sign-in limits count the client behind the proxy,
/// files uploaded through one node download through the other, form
/// posts from the site's origin pass the proxy and cross-site ones do
/// not, and request logs carry the client's address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_behind_nginx_and_caddy_share_sessions_limits_and_files() {
    let Some(db) = TestDb::new(support::Kind::Postgres).await else {
        return;
    };
    if program("nginx").is_none() || program("caddy").is_none() {
        return;
    }
    let site = Site::new(&db).await;
    let shared = tempfile::tempdir().unwrap();
    let files = shared.path().join("files");
    let files_arg = files.to_str().unwrap().to_owned();
    let mut seen: Vec<String> = Vec::new();
    for (proxy_kind, guesser) in [("nginx", "127.0.0.4"), ("caddy", "127.0.0.5")] {
        let proxy_port = free_port();
        let public = format!("http://127.0.0.1:{proxy_port}");
        let node = |address: &str| {
            Node::start(
                &db.url,
                address,
                &[
                    "--files",
                    &files_arg,
                    "--trusted-proxy",
                    "127.0.0.1",
                    "--public-url",
                    &public,
                    "--max-connections-per-address",
                    "1024",
                ],
            )
        };
        let a = node("127.0.0.1:0");
        let b = node("127.0.0.1:0");
        let upstream = [a.address.as_str(), b.address.as_str()];
        let proxy = match proxy_kind {
            "nginx" => nginx(upstream, proxy_port),
            _ => caddy(upstream, proxy_port),
        }
        .unwrap();
        let base = proxy.base.clone();
        let p = site.projects[0];

        // Sessions: signed in on node A, signed in on node B.
        let mut on_a = browser_from(&a.base(), "127.0.0.1");
        let page = on_a.sign_in("trainee1@example.org", PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{proxy_kind}: {}",
            page.body
        );
        let mut on_b = browser_from(&b.base(), "127.0.0.1");
        on_b.cookie = on_a.cookie.clone();
        let page = on_b.get(&format!("/projects/{p}")).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{proxy_kind}: the session on node B"
        );
        assert!(page.body.contains("Faster renewals"));
        // /metrics is the monitoring system's: each node serves it, the
        // documented proxy keeps it from the public.
        assert_eq!(on_a.get("/metrics").await.status, StatusCode::OK);
        let outside = browser_from(&base, "127.0.0.6").get("/metrics").await;
        assert_eq!(outside.status, StatusCode::NOT_FOUND, "{proxy_kind}");

        // A post from the site's own origin, as a browser without
        // Sec-Fetch-Site sends it, passes the proxy (nginx rewrites Host);
        // one from another site does not.
        let trainee = browser_from(&base, "127.0.0.2");
        let signed = trainee
            .client
            .post(format!("{base}/signin"))
            .header("origin", &public)
            .form(&[("email", "trainee1@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            signed.status(),
            StatusCode::SEE_OTHER,
            "{proxy_kind}: a same-site post through the proxy"
        );
        let cookie = signed.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let forged = trainee
            .client
            .post(format!("{base}/signin"))
            .header("origin", "http://evil.example")
            .form(&[("email", "trainee1@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            forged.status(),
            StatusCode::FORBIDDEN,
            "{proxy_kind}: cross-site"
        );
        let direct_forged = on_a
            .client
            .post(format!("{}/signin", a.base()))
            .header("origin", &public.replace("127.0.0.1", "localhost"))
            .form(&[("email", "trainee1@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            direct_forged.status(),
            StatusCode::FORBIDDEN,
            "{proxy_kind}: a direct post from another origin is still refused"
        );

        // A file uploaded through the proxy (whichever node took it)
        // downloads through either node and through the proxy.
        let mut trainee = browser_from(&base, "127.0.0.2");
        trainee.cookie = Some(cookie);
        let csrf = trainee.get(&format!("/projects/{p}")).await.csrf();
        let bytes: Vec<u8> = format!("evidence through {proxy_kind}")
            .repeat(500)
            .into_bytes();
        let name = format!("{proxy_kind}-report.pdf");
        let page = trainee
            .upload(
                &format!("/projects/{p}/evidence"),
                &csrf,
                &name,
                bytes.clone(),
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{proxy_kind}: {}",
            page.body
        );
        let listed = file_ids(&on_a.get(&format!("/projects/{p}")).await.body, p);
        let new: Vec<&String> = listed.iter().filter(|id| !seen.contains(id)).collect();
        assert_eq!(new.len(), 1, "{proxy_kind}: one new file among {listed:?}");
        let link = new[0].clone();
        seen = listed.clone();
        for browser in [&mut on_a, &mut on_b, &mut trainee] {
            for _ in 0..2 {
                let response = browser
                    .client
                    .get(format!("{}/projects/{p}/evidence/{link}", browser.base))
                    .header("cookie", browser.cookie.clone().unwrap())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::OK,
                    "{proxy_kind}: {}",
                    browser.base
                );
                assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
            }
        }

        // One client's 30 wrong sign-ins (made-up emails) do not lock
        // another client out.
        let mut guesses = browser_from(&base, guesser);
        for i in 0..30 {
            let page = guesses
                .sign_in(
                    &format!("nobody{i}-{proxy_kind}@example.org"),
                    "wrong password",
                )
                .await;
            assert_eq!(
                page.status,
                StatusCode::UNAUTHORIZED,
                "{proxy_kind} guess {i}"
            );
        }
        let page = guesses.sign_in("nobody-more@example.org", "wrong").await;
        assert_eq!(
            page.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{proxy_kind}: the 31st"
        );
        let mut other = browser_from(&base, "127.0.0.3");
        let page = other.sign_in("trainee2@example.org", PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{proxy_kind}: another client signs in: {}",
            page.body
        );

        // Request logs carry the client behind the proxy.
        // (Read as the nodes write them: the last lines may lag the answers.)
        let deadline = Instant::now() + Duration::from_secs(20);
        for client in ["127.0.0.2", "127.0.0.3", guesser] {
            let seen = format!("client={client} ");
            loop {
                let logs = format!("{}{}", a.logs(), b.logs());
                if logs.contains(&seen) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{proxy_kind}: {client} in the request logs:\n{logs}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        drop(proxy);
        drop(a);
        drop(b);
    }

    // A file missing from the shared folder: a page that says so, and the
    // node's log names the file.
    let node = Node::start(&db.url, "127.0.0.1:0", &["--files", &files_arg]);
    let mut b = browser_from(&node.base(), "127.0.0.1");
    let page = b.sign_in("trainee1@example.org", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let p = site.projects[0];
    let file = first_file(&b.get(&format!("/projects/{p}")).await.body, p);
    let stored: Vec<PathBuf> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(stored.len(), 2, "one file per proxy: {stored:?}");
    for path in &stored {
        std::fs::remove_file(path).unwrap();
    }
    let page = b.get(&format!("/projects/{p}/evidence/{file}")).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.body.contains("missing from the server"),
        "a page that says what is wrong: {}",
        page.body
    );
    let names_a_missing_file = |logs: &str| {
        stored.iter().any(|path| {
            let sha = path.file_name().unwrap().to_str().unwrap();
            logs.contains(&format!("evidence file {sha} of project {p}"))
        })
    };
    let logs = node.logs_with(names_a_missing_file);
    assert!(
        names_a_missing_file(&logs),
        "the log names the missing file: {logs}"
    );
    site.stop().await;
}

/// `serve --shutdown-grace` ends a stop that a client holds: after SIGTERM
/// a request whose body trickles in for ever is given the grace, then the
/// server exits with success and says how it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_request_cannot_hold_the_stop_past_the_grace() {
    let help = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--shutdown-grace") && help.contains("[default: 20]"),
        "{help}"
    );
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut node = Node::start(
        &db.url,
        "127.0.0.1:0",
        &[
            "--files",
            files.path().to_str().unwrap(),
            "--shutdown-grace",
            "2",
        ],
    );
    let mut stream = TcpStream::connect(&node.address).unwrap();
    write!(
        stream,
        "POST /signin HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=x",
        node.address
    )
    .unwrap();
    stream.flush().unwrap();
    // A byte a second: never idle long enough for the body timeout.
    let mut trickle = stream.try_clone().unwrap();
    let trickling = std::thread::spawn(move || {
        for _ in 0..300 {
            if trickle.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    node.signal("TERM");
    // The grace plus generous slack; without the grace it waited for the
    // body deadline (120 s) at best, for ever with a header-less client.
    let status = node
        .wait_within(Duration::from_secs(60))
        .expect("the server exits after its grace");
    assert!(status.success(), "{status:?}");
    let said = "requests still unfinished after the shutdown grace of 2 s: closing 1 connection(s)";
    let logs = node.logs_with(|logs| logs.contains(said));
    assert!(logs.contains(said), "{logs}");
    drop(stream);
    trickling.join().unwrap();
}

/// `serve` beyond loopback without `--public-url` refuses to start, naming
/// the setting; a public URL that is not one is refused too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_beyond_loopback_needs_a_public_url() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .arg("serve")
            .args(args)
            .env("GRADFLOW_DATABASE_URL", &db.url)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--bind", "0.0.0.0:0"]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("--public-url is required") && stderr.contains("--bind 0.0.0.0:0"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--bind", "127.0.0.1:0", "--public-url", "gradflow.example"]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("'gradflow.example' for '--public-url <URL>'")
            && stderr.contains("is not a web address: give it as https://HOST"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--trusted-proxy", "10.0.0.0/40"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("neither an IP address nor a range"),
        "{stderr}"
    );
}

on_both!(an_upload_cut_by_kill_9_leaves_nothing_after_a_restart);

/// A node killed (kill -9) while a slow client uploads leaves a partial
/// file; when it starts again on the same address the partial is gone,
/// nothing was recorded, and nothing is served.
async fn an_upload_cut_by_kill_9_leaves_nothing_after_a_restart(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    let files = tempfile::tempdir().unwrap();
    let folder = files.path().to_str().unwrap().to_owned();
    let node = Node::start(&db.url, "127.0.0.1:0", &["--files", &folder]);
    let address = node.address.clone();
    let mut b = browser_from(&node.base(), "127.0.0.1");
    let page = b.sign_in("trainee1@example.org", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let csrf = b.get(&format!("/projects/{p}")).await.csrf();
    let cookie = b.cookie.clone().unwrap();
    let head = format!(
        "--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /projects/{p}/evidence HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: {}\r\n\r\n{head}",
        head.len() + 1_000_000
    )
    .unwrap();
    stream.write_all(&vec![b'e'; 20_000]).unwrap();
    stream.flush().unwrap();
    let partials = || -> Vec<String> {
        std::fs::read_dir(files.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !partials().iter().any(|n| n.starts_with(".upload-")) {
        assert!(
            Instant::now() < deadline,
            "the upload never began: {}",
            node.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut node = node;
    node.signal("KILL");
    assert!(node.wait_within(Duration::from_secs(30)).is_some());
    drop(stream);
    let left = partials();
    assert!(
        left.len() == 1 && left[0].starts_with(".upload-"),
        "kill -9 left the partial upload: {left:?}"
    );
    // Another node's fresh partial (an upload in flight there) is left alone.
    let theirs = files.path().join(".upload-0123456789ab-inflight");
    std::fs::write(&theirs, b"half").unwrap();
    // One untouched for longer than any upload may take is another node's
    // leftover: removed too.
    let stale = files.path().join(".upload-0123456789ab-stale");
    std::fs::write(&stale, b"half").unwrap();
    let touched = Command::new("touch")
        .args(["-d", "10 minutes ago"])
        .arg(&stale)
        .status()
        .unwrap();
    assert!(touched.success());

    let again = Node::start(&db.url, &address, &["--files", &folder]);
    // The sweep runs as the server starts accepting (requests wait for it).
    assert!(healthy(&address), "{}", again.logs());
    assert_eq!(
        partials(),
        vec![".upload-0123456789ab-inflight".to_owned()],
        "the restarted node removed its own partial upload and a stale one, not another node's in flight"
    );
    let logs = again.logs_with(|logs| logs.contains("removed 2 partial upload(s)"));
    assert!(logs.contains("removed 2 partial upload(s)"), "{logs}");
    let recorded = support::raw_number(
        db,
        &format!("SELECT COUNT(*) FROM evidence WHERE project_id = {p}"),
    )
    .await;
    assert_eq!(recorded, 0, "the cut upload is recorded nowhere");
    let mut b = browser_from(&again.base(), "127.0.0.1");
    b.cookie = Some(cookie);
    let page = b.get(&format!("/projects/{p}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(&format!("/projects/{p}/evidence/")),
        "no file is listed"
    );
    drop(again);
    site.stop().await;
}
