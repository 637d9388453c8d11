//! The server really runs, databases are fresh and separate, and nothing is left
//! behind when the process ends, also when it is killed.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_postgres::{DEFAULT_BIN_DIR, TestPostgres};

fn psql(url: &str, sql: &str) -> std::process::Output {
    let bin = std::env::var_os("TEST_POSTGRES_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or(DEFAULT_BIN_DIR.into());
    Command::new(bin.join("psql"))
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            url,
            "-c",
            sql,
        ])
        .output()
        .expect("run psql")
}

fn port_of(url: &str) -> u16 {
    let after_host = url.split("127.0.0.1:").nth(1).expect("loopback url");
    after_host.split('/').next().unwrap().parse().expect("port")
}

#[test]
fn databases_are_fresh_and_separate() {
    let a = TestPostgres::start().expect("test server");
    let b = TestPostgres::start().expect("test server");
    assert_ne!(a.database(), b.database());
    assert!(
        a.url().starts_with("postgres://postgres@127.0.0.1:"),
        "{}",
        a.url()
    );
    assert_eq!(port_of(a.url()), port_of(b.url()), "one server per process");

    let created = psql(
        a.url(),
        "CREATE TABLE marker (x int); INSERT INTO marker VALUES (42);",
    );
    assert!(created.status.success(), "{created:?}");
    let read = psql(a.url(), "SELECT x FROM marker");
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), "42");
    let other = psql(b.url(), "SELECT x FROM marker");
    assert!(!other.status.success(), "database b sees a's table");
    assert!(String::from_utf8_lossy(&other.stderr).contains("does not exist"));
}

#[test]
fn server_listens_on_loopback_only() {
    let db = TestPostgres::start().expect("test server");
    let out = psql(db.url(), "SHOW listen_addresses");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "127.0.0.1");
    let fsync = psql(db.url(), "SHOW fsync");
    assert_eq!(String::from_utf8_lossy(&fsync.stdout).trim(), "off");
}

/// Entry point of the child process used by the two tests below; a no-op otherwise.
#[test]
fn child_process_entry() {
    let Ok(mode) = std::env::var("TEST_POSTGRES_CHILD_MODE") else {
        return;
    };
    let db = TestPostgres::start().expect("test server in child");
    println!("URL {}", db.url());
    if mode == "hang" {
        std::thread::sleep(Duration::from_secs(600));
    }
}

fn run_child(mode: &str) -> (std::process::Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TEST_POSTGRES_CHILD_MODE", mode)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child test process");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        // libtest prints "test NAME ... " on the same line before the child's output.
        .find_map(|l| {
            l.split_once("URL ")
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .map(str::to_string)
        });
    let Some(url) = url else {
        let _ = child.kill();
        panic!(
            "the child test process printed no database url: {:?}",
            child.wait()
        );
    };
    // Drain the rest so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

fn wait_until_closed(port: u16) -> bool {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn leftover_dirs(pid: u32) -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("test-postgres-{pid}-"))
        })
        .collect()
}

#[test]
fn server_stops_and_cleans_up_when_the_process_exits() {
    let (mut child, url) = run_child("exit");
    let pid = child.id();
    assert!(child.wait().unwrap().success());
    assert!(
        wait_until_closed(port_of(&url)),
        "postgres still listening after the test process exited"
    );
    assert!(
        leftover_dirs(pid).is_empty(),
        "data directory left behind: {:?}",
        leftover_dirs(pid)
    );
}

#[test]
fn server_stops_when_the_process_is_killed() {
    let (mut child, url) = run_child("hang");
    let port = port_of(&url);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "server should be up while the child lives"
    );
    child.kill().unwrap(); // SIGKILL: no exit hooks run
    child.wait().unwrap();
    assert!(
        wait_until_closed(port),
        "postgres outlived a killed test process"
    );
}
