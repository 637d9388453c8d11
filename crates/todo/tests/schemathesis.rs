//! schemathesis (PyPI) against a running `todo api`: every operation of
//! `/openapi.json`, signed in, through all of its phases (examples, coverage,
//! fuzzing, and stateful sequences over the links it infers) and all of its
//! checks but one: no server error, every answer matches the documented status
//! codes, content types, headers and schemas, schema-violating requests are
//! refused, auth is never ignored, deleted resources are gone. Left out:
//! `positive_data_acceptance`, which wants every schema-valid request accepted:
//! the server's rules (Unicode-aware trimming, tag character classes, e-mail
//! shape) are stricter than JSON Schema can say, and such requests get a 422
//! naming the rule.
//!
//! Needs `scripts/install.d/schemathesis.sh` (`./test.sh` runs it). The seed is
//! fixed so a failure reproduces; `TODO_SCHEMATHESIS_SEED` picks another and
//! `TODO_SCHEMATHESIS_EXAMPLES` more examples per operation.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{SECRET, Server, command, signup};

fn schemathesis() -> PathBuf {
    let cache = std::env::var_os("TODO_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/todo-chatbot")))
        .expect("HOME or TODO_CACHE_DIR");
    let bin = cache.join("schemathesis-venv/bin/schemathesis");
    assert!(
        bin.is_file(),
        "{} is missing: run `bash scripts/install.d/schemathesis.sh`",
        bin.display()
    );
    bin
}

/// Runs schemathesis with a config that signs every request in as `user`;
/// `extra` selects operations. Returns (success, output).
fn run(server: &Server, user: &str, token: &str, extra: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schemathesis.toml");
    // The token and user id go in through the environment, not the file.
    std::fs::write(
        &config,
        "headers = { Authorization = \"Bearer ${TODO_TOKEN}\" }\n\
         [parameters]\n\
         \"path.user_id\" = \"${TODO_USER_ID}\"\n",
    )
    .unwrap();
    let seed = std::env::var("TODO_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261201".into());
    let examples = std::env::var("TODO_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "60".into());
    let out = Command::new(schemathesis())
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("http://127.0.0.1:{}/openapi.json", server.port))
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--no-color", "--seed", &seed])
        .args(["--max-examples", &examples])
        .args(["--report-dir"])
        .arg(dir.path())
        .args(extra)
        .env("TODO_TOKEN", token)
        .env("TODO_USER_ID", user)
        .current_dir(dir.path())
        .output()
        .expect("run schemathesis");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start({
        let mut cmd = command(home.path());
        cmd.args(["api", "--port", "0"])
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", home.path().join("todo.db").display()),
            )
            .env("BETTER_AUTH_SECRET", SECRET);
        cmd
    });
    let (user, token) = signup(server.port, "fuzz@example.com", "correct horse battery");
    // Log-out revokes the token every other request uses: it gets its own run, last.
    let (ok, output) = run(
        &server,
        &user,
        &token,
        &["--exclude-path", "/api/auth/logout"],
    );
    println!("{output}");
    assert!(ok, "schemathesis found problems (output above)");
    let (selected, tested) = operation_counts(&output);
    assert!(
        selected >= 15 && tested == selected,
        "every operation but log-out was tested: {tested} of {selected}"
    );

    let (user, token) = signup(
        server.port,
        "fuzz-logout@example.com",
        "correct horse battery",
    );
    let (ok, output) = run(
        &server,
        &user,
        &token,
        &["--include-path", "/api/auth/logout"],
    );
    println!("{output}");
    assert!(
        ok,
        "schemathesis found problems with log-out (output above)"
    );
    assert!(
        !server.log().contains("panicked"),
        "the API panicked:\n{}",
        server.log()
    );
}

/// `Selected: N/M` and `Tested: K` of the summary: (N, K).
fn operation_counts(output: &str) -> (u32, u32) {
    let number_after = |label: &str| {
        output
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.trim().split('/').next()?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {label:?} in the summary"))
    };
    (number_after("Selected:"), number_after("Tested:"))
}
