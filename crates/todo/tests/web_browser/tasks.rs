//! The task list itself: deleting from it, recurring tasks, and due dates that stand out.

use std::time::{Duration, Instant};

use crate::browser::{Browser, WAIT, rows, set_value, task_list_text};
use crate::server::Server;

#[tokio::test]
async fn delete_a_task_from_the_list() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.fill("#new-title", "Throw this away").await;
    browser.click("#add-task button[type=submit]").await;
    browser
        .wait_text("#task-list", "added", |t| t.contains("Throw this away"))
        .await;
    browser.screenshot("05-before-delete").await;
    browser
        .click("#task-list li.task button[formaction$='/delete']")
        .await;
    // htmx asks for confirmation with the browser's own dialog.
    let deadline = Instant::now() + WAIT;
    while browser.client.accept_alert().await.is_err() {
        assert!(Instant::now() < deadline, "no confirmation dialog");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser
        .wait_text("#task-list", "deleted", |t| {
            !t.contains("Throw this away") && t.contains("No tasks yet")
        })
        .await;
    browser.screenshot("05-deleted").await;
    browser.goto(&format!("{}/tasks", server.web)).await;
    assert!(
        !browser.text("#task-list").await.contains("Throw this away"),
        "gone for good"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_recurring_task_completed_shows_the_next_one() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    browser.fill("#new-title", "Water the plants").await;
    browser.click("#add-task summary").await;
    set_value(&browser, "#new-repeat", "daily").await;
    browser.click("#add-task button[type=submit]").await;
    browser
        .wait_text("#task-list", "the rule on the row", |t| {
            t.contains("Water the plants") && t.contains("↻ daily")
        })
        .await;
    browser.screenshot("09-recurring-added").await;
    browser.click("#task-list li.task button.check").await;
    let deadline = Instant::now() + WAIT;
    let (done, next) = loop {
        let now = rows(&browser).await;
        let plants: Vec<_> = now.iter().filter(|r| r.0 == "Water the plants").collect();
        if plants.len() == 2 {
            let done = plants.iter().find(|r| r.1.split(' ').any(|c| c == "done"));
            let next = plants.iter().find(|r| !r.1.split(' ').any(|c| c == "done"));
            if let (Some(done), Some(next)) = (done, next) {
                break ((*done).clone(), (*next).clone());
            }
        }
        if Instant::now() > deadline {
            browser.screenshot("failure-recurring").await;
            panic!("the next occurrence never showed: {now:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        done.2.contains("#1"),
        "the completed one is task 1: {done:?}"
    );
    assert!(
        next.2.contains("#2") && next.2.contains("Due tomorrow") && next.2.contains("↻ daily"),
        "the next one is task 2, due tomorrow, still repeating: {next:?}"
    );
    browser.screenshot("09-recurring-next").await;
    browser.assert_no_csp_violations().await;
    browser.close().await;
}

#[tokio::test]
async fn overdue_and_due_today_tasks_stand_out() {
    let server = Server::start();
    let browser = Browser::start(1280, 860).await;
    browser.sign_up(&server.web, "Ann", "ann@example.com").await;
    // Local date-time values as the page's own clock sees them.
    let local = |offset_minutes: i64| {
        format!(
            "const d = new Date(Date.now() + {offset_minutes} * 60000); \
             const p = n => String(n).padStart(2, '0'); \
             return `${{d.getFullYear()}}-${{p(d.getMonth() + 1)}}-${{p(d.getDate())}}T${{p(d.getHours())}}:${{p(d.getMinutes())}}`;"
        )
    };
    let add = |title: &'static str, due: Option<String>| {
        let browser = &browser;
        async move {
            browser.fill("#new-title", title).await;
            if let Some(due) = due {
                browser.click("#add-task summary").await;
                set_value(browser, "#new-due", &due).await;
            }
            browser.click("#add-task button[type=submit]").await;
            browser
                .wait_text("#task-list", "added", |t| t.contains(title))
                .await;
        }
    };
    let soon = browser.client.execute(&local(2), vec![]).await.unwrap();
    let same_day = soon.as_str().unwrap()[..10]
        == browser
            .client
            .execute(&local(0), vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap()[..10];
    add("Pay the bill", Some("2020-01-01T09:00".into())).await;
    add("Call mum", Some(soon.as_str().unwrap().to_string())).await;
    add("Someday", None).await;
    let rows = rows(&browser).await;
    let class_of = |title: &str| {
        rows.iter()
            .find(|r| r.0 == title)
            .unwrap_or_else(|| panic!("{title} not listed: {rows:?}"))
            .1
            .clone()
    };
    assert!(class_of("Pay the bill").contains("overdue"), "{rows:?}");
    if same_day {
        assert!(class_of("Call mum").contains("due-today"), "{rows:?}");
    }
    assert!(!class_of("Someday").contains("overdue") && !class_of("Someday").contains("due-today"));
    // The style sheet really marks them: a coloured bar on the row's edge.
    let shadow = |title: &str| {
        format!(
            "const li = [...document.querySelectorAll('#task-list li.task')].find(l => l.dataset.title === '{title}'); \
             return getComputedStyle(li).boxShadow;"
        )
    };
    let overdue = browser
        .client
        .execute(&shadow("Pay the bill"), vec![])
        .await
        .unwrap();
    let plain = browser
        .client
        .execute(&shadow("Someday"), vec![])
        .await
        .unwrap();
    assert!(
        overdue.as_str().unwrap().contains("inset"),
        "overdue row: {overdue}"
    );
    assert_ne!(
        overdue, plain,
        "an overdue row looks different from a plain one"
    );
    assert!(task_list_text(&browser).await.contains("Overdue ·"));
    browser.screenshot("10-overdue-and-today").await;
    browser.assert_no_csp_violations().await;
    browser.close().await;
}
