//! The real `todo api` binary on a PostgreSQL of its own that fails the way
//! production ones do: killed (SIGKILL to every server process) and started again
//! under a steady stream of writes, and spoken to over TLS with a certificate this
//! test makes with openssl.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as Process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{SECRET, Server, command, request, signup};
use test_postgres::{DedicatedOptions, DedicatedPostgres, TlsFiles};

fn dedicated(options: DedicatedOptions) -> DedicatedPostgres {
    DedicatedPostgres::start(options).unwrap_or_else(|e| {
        panic!("PostgreSQL is needed for this test and could not be started: {e}")
    })
}

fn api_on(database_url: &str, home: &Path) -> Server {
    Server::start({
        let mut cmd = command(home);
        cmd.args(["api", "--port", "0"])
            .env("DATABASE_URL", database_url)
            .env("BETTER_AUTH_SECRET", SECRET);
        cmd
    })
}

fn wait_ready(server: &Server, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if server.request("GET", "/ready", None, None).status == 200 {
            return true;
        }
        thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Every title of the user's tasks, page by page.
fn all_titles(port: u16, user: &str, token: &str) -> BTreeSet<String> {
    let mut titles = BTreeSet::new();
    let mut offset = 0;
    loop {
        let page = request(
            port,
            "GET",
            &format!("/api/{user}/tasks?limit=100&offset={offset}"),
            Some(token),
            None,
        );
        assert_eq!(page.status, 200, "{}", page.body);
        let json = page.json();
        let tasks = json
            .as_array()
            .or_else(|| json["tasks"].as_array())
            .cloned()
            .unwrap_or_default();
        if tasks.is_empty() {
            return titles;
        }
        offset += tasks.len();
        titles.extend(
            tasks
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_string()),
        );
    }
}

/// PostgreSQL killed and restarted while four clients keep creating tasks: the API
/// says 503 (on /ready and on the writes it could not do) while the database is
/// gone, recovers by itself, and every create it acknowledged is there afterwards.
#[test]
fn postgres_killed_under_load_loses_no_acknowledged_write() {
    let db = dedicated(DedicatedOptions::default());
    let url = db.create_database("faults").unwrap();
    let home = tempfile::tempdir().unwrap();
    let server = api_on(&url, home.path());
    assert!(
        wait_ready(&server, Duration::from_secs(30)),
        "never ready:\n{}",
        server.log()
    );
    let (user, token) = signup(server.port, "crash@example.com", "correct horse");

    let stop = Arc::new(AtomicBool::new(false));
    // (title, status, error text, when answered) of every create
    let outcomes = Arc::new(Mutex::new(Vec::<(String, u16, String, Instant)>::new()));
    // (sent, answered) of every create
    let spans = Arc::new(Mutex::new(Vec::<(Instant, Instant)>::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (stop, outcomes, spans, user, token) = (
                stop.clone(),
                outcomes.clone(),
                spans.clone(),
                user.clone(),
                token.clone(),
            );
            let port = server.port;
            thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let title = format!("ack {w}-{n}");
                    let sent = Instant::now();
                    let reply = request(
                        port,
                        "POST",
                        &format!("/api/{user}/tasks"),
                        Some(&token),
                        Some(&format!(r#"{{"title":"{title}"}}"#)),
                    );
                    let error = if reply.status == 201 {
                        String::new()
                    } else {
                        reply.json()["error"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string()
                    };
                    let answered = Instant::now();
                    spans.lock().unwrap().push((sent, answered));
                    outcomes
                        .lock()
                        .unwrap()
                        .push((title, reply.status, error, answered));
                    n += 1;
                    thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();

    thread::sleep(Duration::from_millis(800));
    db.kill();
    let killed_at = Instant::now();
    // While it is down: /ready says so.
    let mut ready_while_down = Vec::new();
    while killed_at.elapsed() < Duration::from_secs(3) {
        ready_while_down.push(server.request("GET", "/ready", None, None).status);
        thread::sleep(Duration::from_millis(200));
    }
    db.start_again()
        .expect("PostgreSQL starts again after the crash");
    let restarted_at = Instant::now();
    assert!(
        wait_ready(&server, Duration::from_secs(30)),
        "the API did not recover by itself after PostgreSQL came back:\n{}",
        server.log()
    );
    let ready_again = Instant::now();
    let recovered_after = restarted_at.elapsed();
    // Writes go on after recovery until a few have come back after a second's grace
    // (for the connections that broke with the old server), then stop.
    let settled = ready_again + Duration::from_secs(1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline
        && outcomes
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, _, _, at)| *at > settled)
            .count()
            < 12
    {
        thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }

    assert!(
        ready_while_down.contains(&503) && !ready_while_down.contains(&200),
        "/ready while PostgreSQL was down: {ready_while_down:?}"
    );
    let outcomes = outcomes.lock().unwrap();
    let acknowledged: BTreeSet<String> = outcomes
        .iter()
        .filter(|(_, status, _, _)| *status == 201)
        .map(|(title, _, _, _)| title.clone())
        .collect();
    let refused: Vec<_> = outcomes.iter().filter(|(_, s, _, _)| *s != 201).collect();
    // writes that were under way while PostgreSQL was down (sent before it came back,
    // answered after it died): they waited or were refused, none was lost
    let during_outage = spans
        .lock()
        .unwrap()
        .iter()
        .filter(|(sent, answered)| *sent < restarted_at && *answered > killed_at)
        .count();
    assert!(
        during_outage > 0,
        "no write was under way while PostgreSQL was down: the kill did not happen under load"
    );
    for (title, status, error, _) in &refused {
        assert_eq!(
            *status, 503,
            "{title}: a write during the outage must be a clear 503, got {status} {error}"
        );
        assert!(error.contains("database"), "{title}: {error}");
    }
    let stored = all_titles(server.port, &user, &token);
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Once /ready says so again, writes succeed again.
    let late: Vec<_> = outcomes
        .iter()
        .filter(|(_, _, _, at)| *at > settled)
        .collect();
    if std::env::var_os("TODO_FAULTS_TIMELINE").is_some() {
        for (t, st, _, at) in outcomes.iter() {
            eprintln!("{t} {st} {:?}", at.saturating_duration_since(killed_at));
        }
        eprintln!("ready again at {:?}", ready_again - killed_at);
    }
    let late_failures: Vec<_> = late
        .iter()
        .filter(|(_, s, _, _)| *s != 201)
        .map(|(t, s, e, _)| format!("{t}: {s} {e}"))
        .collect();
    assert!(
        late.len() >= 8 && late_failures.is_empty(),
        "after recovery: {} writes, failures {late_failures:?}",
        late.len()
    );
    println!(
        "postgres kill: {} creates acknowledged, {} refused with 503, {during_outage} under way while it was down, 0 lost; API ready again {:.1} s after PostgreSQL restarted",
        acknowledged.len(),
        refused.len(),
        recovered_after.as_secs_f64()
    );
    assert!(
        !server.log().contains("panicked"),
        "the API panicked:\n{}",
        server.log()
    );
}

/// openssl: a CA, a server certificate it signs for localhost and 127.0.0.1, and an
/// unrelated second CA.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn make() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let run = |args: &[&str]| {
            let out = Process::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .expect("openssl is needed (Debian package openssl)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        for ca in ["ca", "other-ca"] {
            run(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN=todo test {ca}"),
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.crt"),
            ]);
        }
        std::fs::write(
            d.join("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ]);
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// `sslmode=verify-full` against the right CA: the API gets ready and its
/// connections are encrypted (pg_stat_ssl says so); against another CA it stops
/// with an error that names the certificate problem and what to check.
#[test]
fn postgres_over_tls_verifies_the_server_certificate() {
    let certs = Certificates::make();
    let db = dedicated(DedicatedOptions {
        tls: Some(TlsFiles {
            certificate: certs.path("server.crt").into(),
            private_key: certs.path("server.key").into(),
        }),
    });
    db.create_database("tls").unwrap();
    let port = db.port();
    let tls_url = |ca: &str| {
        format!(
            "postgres://postgres:not-a-password@localhost:{port}/tls?sslmode=verify-full&sslrootcert={}",
            certs.path(ca)
        )
    };

    let home = tempfile::tempdir().unwrap();
    let server = api_on(&tls_url("ca.crt"), home.path());
    assert!(
        wait_ready(&server, Duration::from_secs(30)),
        "never ready over TLS:\n{}",
        server.log()
    );
    let (user, token) = signup(server.port, "tls@example.com", "correct horse");
    let created = server.request(
        "POST",
        &format!("/api/{user}/tasks"),
        Some(&token),
        Some(r#"{"title":"Over TLS"}"#),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let psql = Process::new(
        Path::new(test_postgres::DEFAULT_BIN_DIR)
            .parent()
            .unwrap()
            .join("bin/psql"),
    )
    .args(["-X", "-A", "-t", "-h", "127.0.0.1", "-U", "postgres", "-d", "tls", "-p"])
    .arg(port.to_string())
    .arg("-c")
    .arg("SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'todo'")
    .output()
    .unwrap();
    let counts = String::from_utf8_lossy(&psql.stdout).trim().to_string();
    let (encrypted, all) = counts.split_once('|').unwrap_or(("?", "?"));
    assert!(
        all != "0" && encrypted == all,
        "the API's connections, encrypted|all: {counts:?} ({})",
        String::from_utf8_lossy(&psql.stderr)
    );
    drop(server);

    // The wrong CA: no connection, and a message that says why.
    let home = tempfile::tempdir().unwrap();
    let mut cmd = command(home.path());
    cmd.args(["migrate"])
        .env("DATABASE_URL", tls_url("other-ca.crt"))
        .env("BETTER_AUTH_SECRET", SECRET);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "connected despite the wrong CA: {stderr}"
    );
    assert!(
        stderr.contains("certificate") && stderr.contains("sslrootcert"),
        "the error names the certificate problem and what to check: {stderr}"
    );
    assert!(
        stderr.contains(&format!("localhost:{port}")),
        "names the server: {stderr}"
    );
    assert!(
        !stderr.contains("not-a-password"),
        "password leaked: {stderr}"
    );
}
