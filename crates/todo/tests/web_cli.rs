//! `todo web` and the web side of `todo serve` as a person meets them on the
//! command line: documented flags with their environment names, and clear
//! refusals of settings that cannot work.

use std::process::Command;

fn todo(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_todo"))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("run todo")
}

#[test]
fn web_and_serve_document_every_flag_with_its_environment_name() {
    let top = String::from_utf8(todo(&["--help"]).stdout).unwrap();
    assert!(top.contains("web") && top.contains("serve"), "{top}");
    let web = String::from_utf8(todo(&["web", "--help"]).stdout).unwrap();
    for name in [
        "HOST",
        "PORT",
        "BACKEND_URL",
        "SESSION_SECRET",
        "SECURE_COOKIES",
        "CHAT_TIMEOUT",
        "SHUTDOWN_TIMEOUT",
    ] {
        assert!(
            web.contains(&format!("env: {name}")),
            "`todo web --help` does not name {name}:\n{web}"
        );
    }
    assert!(
        web.contains("[default: 3000]") && web.contains("http://127.0.0.1:8000"),
        "{web}"
    );
    let serve = String::from_utf8(todo(&["serve", "--help"]).stdout).unwrap();
    for name in [
        "PORT",
        "API_PORT",
        "DATABASE_URL",
        "BETTER_AUTH_SECRET",
        "SESSION_SECRET",
    ] {
        assert!(
            serve.contains(&format!("env: {name}")),
            "`todo serve --help` does not name {name}:\n{serve}"
        );
    }
}

#[test]
fn unusable_web_settings_are_refused_with_what_to_do() {
    let https = todo(&[
        "web",
        "--port",
        "0",
        "--backend-url",
        "https://api.example:8000",
    ]);
    assert!(!https.status.success());
    let err = String::from_utf8_lossy(&https.stderr);
    assert!(
        err.contains("https is not supported") && err.contains("plain-HTTP"),
        "{err}"
    );

    let short = todo(&["web", "--port", "0", "--session-secret", "too-short"]);
    assert!(!short.status.success());
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(
        err.contains("SESSION_SECRET must be at least 32 bytes"),
        "{err}"
    );

    let cookies = todo(&["web", "--port", "0", "--secure-cookies", "sometimes"]);
    assert!(!cookies.status.success());
    assert!(String::from_utf8_lossy(&cookies.stderr).contains("use auto, always or never"));
}
