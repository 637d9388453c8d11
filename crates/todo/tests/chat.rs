//! `POST /api/{user_id}/chat` and the conversation endpoints on the real `todo`
//! binary over loopback, including a conversation resumed after a restart on
//! the same database.

mod common;

use serde_json::{Value, json};

use common::{Server, command, signup};

fn start(home: &std::path::Path) -> Server {
    Server::start({
        let mut cmd = command(home);
        cmd.args(["api", "--port", "0"]);
        cmd
    })
}

fn chat(server: &Server, user: &str, token: &str, body: Value) -> common::Reply {
    server.request(
        "POST",
        &format!("/api/{user}/chat"),
        Some(token),
        Some(&body.to_string()),
    )
}

#[test]
fn chat_returns_the_reply_and_the_tools_it_ran() {
    let home = tempfile::tempdir().unwrap();
    let server = start(home.path());
    let (user, token) = signup(server.port, "ann@example.com", "correct horse battery");

    let reply = chat(
        &server,
        &user,
        &token,
        json!({"message": "Add a task to buy groceries tomorrow at 5pm", "timezone": "Europe/Berlin"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["conversation_id", "response", "tool_calls"]);
    let call = &body["tool_calls"][0];
    let mut call_keys: Vec<&str> = call
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    call_keys.sort_unstable();
    assert_eq!(call_keys, vec!["input", "output", "tool"]);
    assert_eq!(call["tool"], "add_task");
    assert_eq!(call["input"]["title"], "Buy groceries");
    let id = call["output"]["task_id"].as_i64().unwrap();
    assert_eq!(
        call["output"],
        json!({"task_id": id, "status": "created", "title": "Buy groceries"})
    );
    assert_eq!(
        body["response"],
        format!("Added 'Buy groceries' (task {id}), due tomorrow 17:00.")
    );

    // The task is a real task of this user.
    let tasks = server
        .request("GET", &format!("/api/{user}/tasks"), Some(&token), None)
        .json();
    assert_eq!(tasks[0]["title"], "Buy groceries");

    let conversation = body["conversation_id"].as_i64().unwrap();
    let next = chat(
        &server,
        &user,
        &token,
        json!({"conversation_id": conversation, "message": "What's pending?"}),
    )
    .json();
    assert_eq!(next["conversation_id"], conversation);
    assert_eq!(next["tool_calls"][0]["tool"], "list_tasks");
    assert_eq!(next["tool_calls"][0]["input"], json!({"status": "pending"}));
    assert!(
        next["response"].as_str().unwrap().contains("Buy groceries"),
        "{next}"
    );

    let list = server.request(
        "GET",
        &format!("/api/{user}/conversations"),
        Some(&token),
        None,
    );
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()[0]["id"], conversation);
    let detail = server
        .request(
            "GET",
            &format!("/api/{user}/conversations/{conversation}"),
            Some(&token),
            None,
        )
        .json();
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["tool_calls"][0]["tool"], "add_task");
}

#[test]
fn another_users_conversation_is_not_found_and_bad_input_is_explained() {
    let home = tempfile::tempdir().unwrap();
    let server = start(home.path());
    let (ann, ann_token) = signup(server.port, "ann@example.com", "correct horse battery");
    let (bob, bob_token) = signup(server.port, "bob@example.com", "correct horse battery");
    let anns = chat(
        &server,
        &ann,
        &ann_token,
        json!({"message": "add secret plan"}),
    )
    .json();
    let conversation = anns["conversation_id"].as_i64().unwrap();

    let r = chat(
        &server,
        &bob,
        &bob_token,
        json!({"conversation_id": conversation, "message": "show my tasks"}),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("conversation not found")
    );
    let r = server.request(
        "GET",
        &format!("/api/{bob}/conversations/{conversation}"),
        Some(&bob_token),
        None,
    );
    assert_eq!(r.status, 404, "{}", r.body);
    let r = server.request(
        "GET",
        &format!("/api/{ann}/conversations/{conversation}"),
        Some(&bob_token),
        None,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = server.request(
        "GET",
        &format!("/api/{bob}/conversations"),
        Some(&bob_token),
        None,
    );
    assert_eq!(r.json(), json!([]));

    for (body, status, needle) in [
        (json!({"message": "   "}), 422, "message"),
        (json!({"message": "x".repeat(2001)}), 422, "message"),
        (
            json!({"message": "hi", "timezone": "Mars/Olympus"}),
            422,
            "timezone",
        ),
        (
            json!({"message": "hi", "conversation_id": 0}),
            422,
            "conversation_id",
        ),
        (json!({"message": "hi", "mood": "happy"}), 422, "mood"),
        (json!({"text": "hi"}), 422, "message"),
    ] {
        let r = chat(&server, &bob, &bob_token, body.clone());
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(
            r.json()["error"].as_str().unwrap().contains(needle),
            "{body}: {}",
            r.body
        );
    }
    let r = server.request(
        "POST",
        &format!("/api/{bob}/chat"),
        None,
        Some(r#"{"message":"hi"}"#),
    );
    assert_eq!(r.status, 401);
    let r = server.request(
        "POST",
        &format!("/api/{bob}/chat"),
        Some(&bob_token),
        Some("{oops"),
    );
    assert_eq!(r.status, 400);
    let r = server.request(
        "GET",
        &format!("/api/{bob}/conversations/abc"),
        Some(&bob_token),
        None,
    );
    assert_eq!(r.status, 400);
    let r = server.request(
        "GET",
        &format!("/api/{bob}/conversations?limit=0"),
        Some(&bob_token),
        None,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn a_conversation_resumes_after_the_server_restarts() {
    let home = tempfile::tempdir().unwrap();
    let (user, token, conversation, notes_id) = {
        let server = start(home.path());
        let (user, token) = signup(server.port, "cy@example.com", "correct horse battery");
        for title in ["Team meeting", "Meeting notes"] {
            let body = json!({"title": title}).to_string();
            assert_eq!(
                server
                    .request(
                        "POST",
                        &format!("/api/{user}/tasks"),
                        Some(&token),
                        Some(&body)
                    )
                    .status,
                201
            );
        }
        let ask = chat(
            &server,
            &user,
            &token,
            json!({"message": "delete the meeting task"}),
        )
        .json();
        assert!(
            ask["response"]
                .as_str()
                .unwrap()
                .contains("Which one should I delete?"),
            "{ask}"
        );
        let notes_id = ask["tool_calls"][0]["output"][1]["id"].as_i64().unwrap();
        (
            user,
            token,
            ask["conversation_id"].as_i64().unwrap(),
            notes_id,
        )
        // The server is killed here.
    };
    let server = start(home.path());
    let r = chat(
        &server,
        &user,
        &token,
        json!({"conversation_id": conversation, "message": "the second one"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["tool_calls"][0]["tool"], "delete_task");
    assert_eq!(body["tool_calls"][0]["input"], json!({"task_id": notes_id}));
    assert_eq!(
        body["response"],
        format!("Deleted 'Meeting notes' (task {notes_id}).")
    );
    let tasks = server
        .request("GET", &format!("/api/{user}/tasks"), Some(&token), None)
        .json();
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert_eq!(tasks[0]["title"], "Team meeting");
}

#[test]
fn the_chat_endpoints_are_in_the_openapi_document() {
    let home = tempfile::tempdir().unwrap();
    let server = start(home.path());
    let doc = server.request("GET", "/openapi.json", None, None).json();
    for path in [
        "/api/{user_id}/chat",
        "/api/{user_id}/conversations",
        "/api/{user_id}/conversations/{id}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from /openapi.json"
        );
    }
    assert!(doc["components"]["schemas"].get("ChatResponse").is_some());
}
