//! The real `todo` binary: start-up with no configuration, configuration
//! errors, logs and graceful shutdown.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::{SECRET, Server, command, data_dir, read_reply, request, signup};

#[test]
fn help_documents_every_flag_with_its_env_name() {
    let home = tempfile::tempdir().unwrap();
    let out = command(home.path())
        .args(["api", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for name in [
        "HOST",
        "PORT",
        "DATABASE_URL",
        "TODO_DATA_DIR",
        "BETTER_AUTH_SECRET",
        "LOG_FORMAT",
        "RUST_LOG",
        "SHUTDOWN_TIMEOUT",
    ] {
        assert!(
            help.contains(&format!("env: {name}")),
            "`todo api --help` does not name {name}:\n{help}"
        );
    }
    let top =
        String::from_utf8(command(home.path()).arg("--help").output().unwrap().stdout).unwrap();
    for sub in ["api", "migrate", "serve"] {
        assert!(top.contains(sub), "{top}");
    }
    let migrate = String::from_utf8(
        command(home.path())
            .args(["migrate", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(migrate.contains("env: DATABASE_URL"), "{migrate}");
}

#[test]
fn starts_with_no_configuration_and_works() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0"]);
        cmd
    });
    let dir = data_dir(home.path());
    assert!(
        dir.join("todo.db").is_file(),
        "embedded database not created in {}",
        dir.display()
    );
    let secret = dir.join("auth-secret");
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(std::fs::read_to_string(&secret).unwrap().trim().len() >= 32);
    assert!(
        server.log().contains("BETTER_AUTH_SECRET is not set"),
        "{}",
        server.log()
    );

    assert_eq!(server.request("GET", "/health", None, None).status, 200);
    assert_eq!(server.request("GET", "/ready", None, None).status, 200);
    let (user, token) = signup(server.port, "ann@example.com", "correct horse");
    let created = server.request(
        "POST",
        &format!("/api/{user}/tasks"),
        Some(&token),
        Some(r#"{"title":"Buy milk"}"#),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let list = server.request("GET", &format!("/api/{user}/tasks"), Some(&token), None);
    assert_eq!(list.json()[0]["title"], "Buy milk");
    assert!(
        list.headers
            .to_ascii_lowercase()
            .contains("x-total-count: 1")
    );

    // Secrets, tokens and passwords never reach the log.
    let log = server.log();
    let secret_text = std::fs::read_to_string(&secret).unwrap();
    for forbidden in [secret_text.trim(), token.as_str(), "correct horse"] {
        assert!(!log.contains(forbidden), "log leaks {forbidden:?}:\n{log}");
    }
}

#[test]
fn a_restart_keeps_data_and_secret() {
    let home = tempfile::tempdir().unwrap();
    let start = || {
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0"]);
        Server::start(cmd)
    };
    let (user, token) = {
        let server = start();
        let (user, token) = signup(server.port, "ann@example.com", "correct horse");
        server.request(
            "POST",
            &format!("/api/{user}/tasks"),
            Some(&token),
            Some(r#"{"title":"Persisted"}"#),
        );
        (user, token)
    };
    let server = start();
    // The old token still verifies: the generated secret was reused, not regenerated.
    let list = server.request("GET", &format!("/api/{user}/tasks"), Some(&token), None);
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()[0]["title"], "Persisted");
    assert!(!server.log().contains("BETTER_AUTH_SECRET is not set"));
}

#[test]
fn database_url_without_secret_refuses_to_start() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("prod.db");
    let out = command(home.path())
        .args(["api", "--port", "0"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BETTER_AUTH_SECRET is not set"), "{err}");
    assert!(
        err.contains("openssl rand"),
        "the message should say how to make one: {err}"
    );
    assert!(!data_dir(home.path()).join("auth-secret").exists());
}

#[test]
fn short_secret_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = command(home.path())
        .args(["api", "--port", "0"])
        .env("BETTER_AUTH_SECRET", "too-short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 32 bytes"), "{err}");
    assert!(
        !err.contains("too-short"),
        "the secret itself must not be echoed: {err}"
    );
}

#[test]
fn explicit_sqlite_url_with_secret_and_json_logs() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("explicit.db");
    let server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0"])
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("BETTER_AUTH_SECRET", SECRET)
            .env("LOG_FORMAT", "json");
        cmd
    });
    assert!(db.is_file());
    let (user, token) = signup(server.port, "json@example.com", "json password");
    server.request("GET", &format!("/api/{user}/tasks"), Some(&token), None);
    std::thread::sleep(Duration::from_millis(200));
    let log = server.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}"))
        })
        .collect();
    let request_line = lines
        .iter()
        .find(|l| {
            l["route"] == "/api/{user_id}/tasks" || l["span"]["route"] == "/api/{user_id}/tasks"
        })
        .unwrap_or_else(|| panic!("no request log for the task list:\n{log}"));
    assert!(
        request_line.to_string().contains("request_id"),
        "{request_line}"
    );
    for forbidden in [SECRET, token.as_str(), "json password"] {
        assert!(!log.contains(forbidden), "log leaks {forbidden:?}:\n{log}");
    }
}

#[test]
fn migrate_creates_the_schema_and_exits() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data");
    let out = command(home.path())
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("todo.db").is_file());
    // Running it again is a no-op, not an error.
    let again = command(home.path())
        .env("TODO_DATA_DIR", &dir)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn port_in_use_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = command(home.path())
        .args(["api", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot listen on") && err.contains("--port"),
        "{err}"
    );
}

/// SIGTERM while a request is in flight: the request still completes, new
/// connections are refused, and the process exits 0.
#[test]
fn sigterm_lets_the_in_flight_request_finish() {
    let home = tempfile::tempdir().unwrap();
    let mut server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0", "--shutdown-timeout", "20"]);
        cmd
    });
    let (user, token) = signup(server.port, "slow@example.com", "correct horse");

    // Send the head and half the body, so the handler is waiting for the rest.
    let body = r#"{"title":"Finished after SIGTERM"}"#;
    let (first, second) = body.split_at(10);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        slow,
        "POST /api/{user}/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    slow.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    server.signal(libc::SIGTERM);
    // The listener closes promptly: new connections fail.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", server.port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting connections after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited before the in-flight request finished"
    );

    slow.write_all(second.as_bytes()).unwrap();
    let reply = read_reply(&mut slow);
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["title"], "Finished after SIGTERM");

    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("no exit after the last request finished");
    assert!(status.success(), "exit status {status}");
    assert!(
        server.log().contains("all requests finished"),
        "{}",
        server.log()
    );
}

/// A request that never completes cannot hold the shutdown hostage.
#[test]
fn shutdown_timeout_bounds_a_stuck_request() {
    let home = tempfile::tempdir().unwrap();
    let mut server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0", "--shutdown-timeout", "1"]);
        cmd
    });
    let mut stuck = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(stuck, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    server.signal(libc::SIGINT);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("stuck request blocked the shutdown");
    assert!(status.success(), "exit status {status}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "gave up before the timeout: {took:?}"
    );
    assert!(
        server.log().contains("shutdown timeout"),
        "{}",
        server.log()
    );
}

#[test]
fn serve_runs_the_api() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["serve", "--port", "0", "--api-port", "0"]);
        cmd
    });
    // The first listener `serve` reports is the API's.
    assert_eq!(
        request(server.port, "GET", "/health", None, None).status,
        200
    );
    assert_eq!(
        request(server.port, "GET", "/openapi.json", None, None).status,
        200
    );
}

/// PostgreSQL not reachable at start (a pod starting before its database): the
/// process stays up, is alive but not ready, keeps retrying, and never logs the
/// password in the URL.
#[test]
fn unreachable_postgres_is_retried_while_health_answers() {
    let home = tempfile::tempdir().unwrap();
    // A port that was free a moment ago: connections to it are refused.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0"])
            .env(
                "DATABASE_URL",
                format!("postgres://app:pw-not-for-logs@127.0.0.1:{dead_port}/todo"),
            )
            .env("BETTER_AUTH_SECRET", SECRET);
        cmd
    });
    assert_eq!(server.request("GET", "/health", None, None).status, 200);
    let ready = server.request("GET", "/ready", None, None);
    assert_eq!(ready.status, 503, "{}", ready.body);
    let signup = server.request(
        "POST",
        "/api/auth/signup",
        None,
        Some(r#"{"email":"a@example.com","password":"long enough","name":"A"}"#),
    );
    assert_eq!(signup.status, 503, "{}", signup.body);
    assert!(
        signup.json()["error"]
            .as_str()
            .unwrap()
            .contains("database")
    );

    // Each attempt waits out the store's 10 s connect timeout before it is logged.
    let deadline = Instant::now() + Duration::from_secs(40);
    while !server.log().contains("retrying") {
        assert!(
            Instant::now() < deadline,
            "no retries logged:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "gave up instead of retrying"
    );
    assert!(
        !server.log().contains("pw-not-for-logs"),
        "password in the log:\n{}",
        server.log()
    );
    server.signal(libc::SIGTERM);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("no exit on SIGTERM while retrying");
    assert!(status.success(), "{status}");
}

/// With a reachable PostgreSQL the API migrates it and becomes ready.
#[test]
fn postgres_database_url_gets_ready() {
    let db = test_postgres::TestPostgres::start().unwrap_or_else(|e| {
        panic!("PostgreSQL is needed for this test and could not be started: {e}")
    });
    let home = tempfile::tempdir().unwrap();
    let server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0"])
            .env("DATABASE_URL", db.url())
            .env("BETTER_AUTH_SECRET", SECRET);
        cmd
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.request("GET", "/ready", None, None).status != 200 {
        assert!(Instant::now() < deadline, "never ready:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let (user, token) = signup(server.port, "pg@example.com", "correct horse");
    let created = server.request(
        "POST",
        &format!("/api/{user}/tasks"),
        Some(&token),
        Some(r#"{"title":"On PostgreSQL"}"#),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        !data_dir(home.path()).join("auth-secret").exists(),
        "no generated secret in production mode"
    );
}
