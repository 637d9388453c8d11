//! The chat panel: tasks it changes show in the list without a reload, and a
//! bulk delete asks first and can be undone.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::browser::{Browser, WAIT, task_list_text};
use crate::server::Server;

#[tokio::test]
async fn a_task_added_through_chat_appears_in_the_list_without_reload() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.mark_document().await;
    browser.send_chat("Add a task to buy groceries").await;
    let reply = browser.next_reply(0).await;
    assert!(
        reply.to_lowercase().contains("buy groceries"),
        "the reply confirms: {reply}"
    );
    let chips = browser
        .text("#chat-log .msg.from-assistant .tools summary")
        .await;
    assert!(
        chips.contains("add_task"),
        "the reply shows the tool it used: {chips}"
    );
    browser
        .wait_text("#task-list", "the new task in the list", |t| {
            t.contains("Buy groceries")
        })
        .await;
    assert!(
        browser.document_marked().await,
        "the list updated without a page reload"
    );
    // The first message started a conversation: the picker shows it, selected.
    let selected = browser
        .wait_text(
            "#conversation-picker option:checked",
            "the new conversation in the picker",
            |t| !t.is_empty(),
        )
        .await;
    assert!(
        !selected.contains("New conversation") && browser.document_marked().await,
        "the picker selects the new conversation without a reload: {selected}"
    );
    browser.assert_no_csp_violations().await;
    browser.screenshot("03-chat-added-task").await;

    // The same at phone width: one column, everything reachable.
    browser
        .client
        .set_window_size(375, 812)
        .await
        .expect("resize");
    browser.goto(&format!("{}/tasks", server.web)).await;
    browser
        .wait_text("#task-list", "list after reload", |t| {
            t.contains("Buy groceries")
        })
        .await;
    browser.screenshot("03-phone-width").await;
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .expect("overflow check");
    assert_eq!(overflow, json!(false), "no sideways scrolling at 375 px");
    browser.close().await;
}

#[tokio::test]
async fn complete_from_the_list_then_ask_what_is_completed() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    for title in ["Walk the dog", "Read a book"] {
        browser.fill("#new-title", title).await;
        browser.click("#add-task button[type=submit]").await;
        browser
            .wait_text("#task-list", "added task", |t| t.contains(title))
            .await;
    }
    let dog = browser
        .client
        .execute("return [...document.querySelectorAll('#task-list li.task')].find(li => li.dataset.title === 'Walk the dog').id;", vec![])
        .await
        .expect("row id");
    let row = dog.as_str().expect("id").to_string();
    browser.click(&format!("#{row} button.check")).await;
    let deadline = Instant::now() + WAIT;
    loop {
        // Read in one script call: the list re-renders under our feet, so an element
        // handle found a moment earlier may already be gone.
        let class = browser
            .client
            .execute(
                "const li = document.getElementById(arguments[0]); return li ? li.className : '';",
                vec![json!(row)],
            )
            .await
            .expect("class");
        if class.as_str().unwrap_or("").contains("done") {
            break;
        }
        assert!(Instant::now() < deadline, "the row never showed as done");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.send_chat("What have I completed?").await;
    let reply = browser.next_reply(0).await;
    assert!(
        reply.contains("Walk the dog"),
        "the completed task is listed: {reply}"
    );
    assert!(
        !reply.contains("Read a book"),
        "a pending task is not: {reply}"
    );
    browser.screenshot("04-completed-then-asked").await;
    browser.close().await;
}

#[tokio::test]
async fn bulk_delete_through_chat_asks_first_and_undo_brings_the_tasks_back() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    for title in ["Walk the dog", "Read a book", "Water the fern"] {
        browser.fill("#new-title", title).await;
        browser.click("#add-task button[type=submit]").await;
        browser
            .wait_text("#task-list", "added task", |t| t.contains(title))
            .await;
    }
    let mut replies = 0;
    for message in ["complete task 1", "complete task 2"] {
        browser.send_chat(message).await;
        let reply = browser.next_reply(replies).await;
        replies += 1;
        assert!(reply.contains("as complete"), "{message}: {reply}");
    }

    browser.send_chat("delete all completed tasks").await;
    let question = browser.next_reply(replies).await;
    replies += 1;
    assert!(
        question.contains("This deletes 2 tasks")
            && question.contains("Walk the dog")
            && question.contains("Read a book")
            && question.contains("Reply yes"),
        "the reply asks first, naming what would go: {question}"
    );
    browser.screenshot("06-bulk-delete-question").await;
    let list = task_list_text(&browser).await;
    assert!(
        list.contains("Walk the dog") && list.contains("Read a book"),
        "nothing is deleted before the yes: {list}"
    );

    browser.send_chat("yes").await;
    let done = browser.next_reply(replies).await;
    replies += 1;
    assert!(done.starts_with("Deleted 2 tasks"), "{done}");
    browser
        .wait_text("#task-list", "the two completed tasks gone", |t| {
            !t.contains("Walk the dog")
                && !t.contains("Read a book")
                && t.contains("Water the fern")
        })
        .await;
    browser.screenshot("06-bulk-deleted").await;

    browser.send_chat("undo that").await;
    let undone = browser.next_reply(replies).await;
    assert!(undone.starts_with("Undone:"), "{undone}");
    assert!(
        undone.contains("Walk the dog (task 1)") || undone.contains("'Walk the dog' (task 1)"),
        "the task comes back with its number: {undone}"
    );
    browser
        .wait_text("#task-list", "both tasks back", |t| {
            t.contains("Walk the dog") && t.contains("Read a book")
        })
        .await;
    browser.goto(&format!("{}/tasks", server.web)).await;
    let list = task_list_text(&browser).await;
    assert!(
        list.contains("Walk the dog") && list.contains("Read a book"),
        "restored for good, as completed tasks: {list}"
    );
    browser.screenshot("06-undone").await;
    browser.assert_no_csp_violations().await;
    browser.close().await;
}
