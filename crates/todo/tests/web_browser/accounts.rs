//! Accounts: signing up, logging in and out, one user's tasks kept from another,
//! and the page shown when the backend is down.

use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::Locator;

use crate::browser::{Browser, PASSWORD};
use crate::server::{Guarded, Server, free_port, wait_for_port};

#[tokio::test]
async fn sign_up_lands_on_the_task_page() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.goto(&server.web).await;
    assert_eq!(browser.path().await, "/");
    browser.click("a[href='/signup']").await;
    browser.wait_path("/signup").await;
    browser.screenshot("01-sign-up-form").await;
    browser.fill("#name", "Ann Example").await;
    browser.fill("#email", "ann@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/signup'] button[type=submit]")
        .await;
    browser.wait_path("/tasks").await;
    assert_eq!(browser.text(".who").await, "Ann Example");
    browser
        .wait_text("#task-list", "empty list", |t| t.contains("No tasks yet"))
        .await;
    browser.screenshot("01-signed-up").await;
    // The JWT never reaches the page's script: the session cookie is HttpOnly.
    let cookies = browser
        .client
        .execute("return document.cookie;", vec![])
        .await
        .expect("cookies");
    assert!(
        !cookies.as_str().unwrap_or("").contains("todo_session"),
        "session cookie visible to script: {cookies}"
    );
    browser.close().await;
}

#[tokio::test]
async fn log_in_with_the_form() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.click("#logout").await;
    browser.wait_path("/login?signed_out=1").await;
    browser.fill("#email", "ann@example.com").await;
    browser.fill("#password", "wrong password").await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser
        .wait_text("#form-error", "wrong password", |t| {
            t.contains("Wrong e-mail or password")
        })
        .await;
    browser.screenshot("02-log-in-refused").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_path("/tasks").await;
    assert_eq!(browser.text(".who").await, "ann@example.com");
    browser.screenshot("02-logged-in").await;
    browser.close().await;
}

#[tokio::test]
async fn after_log_out_the_page_cannot_be_reached() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.click("#logout").await;
    browser.wait_path("/login?signed_out=1").await;
    browser.goto(&format!("{}/tasks", server.web)).await;
    browser.wait_path("/login").await;
    // Walking back through the history to the task page does not show it either:
    // pages are `no-store`, so the browser asks again and is sent to log in.
    browser
        .client
        .execute("history.go(-2);", vec![])
        .await
        .expect("history");
    tokio::time::sleep(Duration::from_millis(500)).await;
    browser.find("form[action='/login']").await;
    assert!(
        browser
            .client
            .find(Locator::Css("#task-list"))
            .await
            .is_err(),
        "no task list after log-out"
    );
    browser.screenshot("06-logged-out").await;
    browser.close().await;
}

#[tokio::test]
async fn a_second_user_never_sees_the_first_users_tasks() {
    let server = Server::start();
    let ann = Browser::start(1280, 860).await;
    ann.sign_up(&server.web, "Ann", "ann@example.com").await;
    ann.fill("#new-title", "Ann's private errand").await;
    ann.click("#add-task button[type=submit]").await;
    ann.wait_text("#task-list", "added", |t| {
        t.contains("Ann's private errand")
    })
    .await;

    let bob = Browser::start(1280, 860).await;
    bob.sign_up(&server.web, "Bob", "bob@example.com").await;
    let list = bob.text("#task-list").await;
    assert!(
        !list.contains("private errand"),
        "Bob sees Ann's task: {list}"
    );
    bob.send_chat("Show me all my tasks").await;
    let reply = bob.next_reply(0).await;
    assert!(
        !reply.contains("private errand"),
        "the assistant leaks Ann's task: {reply}"
    );
    bob.fill("#q", "errand").await;
    bob.wait_text("#task-list", "search", |t| t.contains("Nothing matches"))
        .await;
    bob.screenshot("07-second-user").await;
    ann.goto(&format!("{}/tasks", server.web)).await;
    assert!(
        ann.text("#task-list")
            .await
            .contains("Ann's private errand"),
        "Ann still has hers"
    );
    ann.close().await;
    bob.close().await;
}

#[tokio::test]
async fn backend_down_shows_a_friendly_page_that_retries() {
    // `todo web` alone, pointed at a port where nothing listens.
    let data = tempfile::tempdir().expect("temp dir");
    let (web_port, dead_port) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_todo"))
        .args([
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            &web_port.to_string(),
        ])
        .args(["--backend-url", &format!("http://127.0.0.1:{dead_port}")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", data.path())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start todo web");
    wait_for_port(([127, 0, 0, 1], web_port).into(), &mut child, "todo web");
    let _web = Guarded(child);
    let base = format!("http://127.0.0.1:{web_port}");

    let browser = Browser::start(1280, 860).await;
    browser.goto(&base).await;
    browser.fill("#email", "ann@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    let heading = browser.text("#problem-heading").await;
    assert_eq!(heading, "We'll be right back");
    let refresh = browser
        .find("meta[http-equiv='refresh']")
        .await
        .attr("content")
        .await
        .expect("attr");
    assert_eq!(
        refresh.as_deref(),
        Some("5; url=/"),
        "the page retries by itself"
    );
    assert!(
        !browser
            .client
            .source()
            .await
            .expect("source")
            .contains("Connection refused"),
        "no internals shown"
    );
    browser.screenshot("08-backend-down").await;
    browser.close().await;
}
