//! `kubectl-assist serve` with an LLM configured: the API's (and so the console's)
//! requests go through the LLM planner, against the project's strict stub
//! chat-completions server (crates/llm/src/stub.rs, the real wire format) and the
//! fake API server. Reads the model asks for run at once; the writes it proposes
//! wait for an approver; a failing model falls back to the offline planner.

mod common;
mod serving;

use common::{FakeApi, todo_cluster};
use llm::stub::{StubReply, StubServer};
use serde_json::json;
use serving::{OPERATOR, Served, VIEWER, serve_with_env};

/// Serve with the stub model answering with `script`, against the Todo install. Fields
/// drop in order: serve stops before the stub and the API server it talks to.
struct WithLlm {
    served: Served,
    stub: StubServer,
    api: FakeApi,
}

impl WithLlm {
    async fn start(script: Vec<StubReply>) -> Self {
        let api = FakeApi::start(todo_cluster(), &[]).await;
        let stub = StubServer::scripted(script).await;
        let served = serve_with_env(
            &api.kubeconfig,
            &["--events=false"],
            &[
                ("LLM_BASE_URL", stub.base_url.as_str()),
                ("LLM_MODEL", "stub-model"),
            ],
        )
        .await;
        Self { served, stub, api }
    }
}

#[tokio::test]
async fn a_read_is_answered_by_the_llm_planner_with_the_reads_it_ran() {
    let llm = WithLlm::start(vec![
        StubReply::tool_calls(&[("get", json!({"target": {"name": "backend"}}))]),
        StubReply::text("The backend runs 1 replica and needs nothing."),
    ])
    .await;
    let (s, stub, api) = (&llm.served, &llm.stub, &llm.api);
    let (code, plan) = s
        .ask(VIEWER, "look into the backend and tell me what it needs")
        .await;
    assert_eq!(code, 200, "{plan}");
    assert_eq!(plan["planner"], "llm", "{plan}");
    assert_eq!(plan["state"], "done", "{plan}");
    assert_eq!(
        plan["message"],
        "The backend runs 1 replica and needs nothing."
    );
    let step = &plan["steps"][0];
    assert_eq!(step["class"], "read");
    assert!(
        step["kubectl"].as_str().unwrap().contains("todo-backend"),
        "{step}"
    );
    assert_eq!(step["ok"], true);
    assert!(stub.rejected().is_empty(), "{:?}", stub.rejected());
    // Only read tools were offered: the request asks for no change.
    let offered: Vec<String> = stub.requests()[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        offered.iter().all(|t| t != "scale"),
        "{offered:?} {}",
        stub.requests()[0].body["messages"]
    );
    assert!(api.writes().is_empty());
    s.assert_audited(&[("user", "vera"), ("decision", "read_only_plan")]);
}

#[tokio::test]
async fn a_write_the_llm_proposes_waits_for_an_approver() {
    let llm = WithLlm::start(vec![
        StubReply::tool_calls(&[(
            "scale",
            json!({"target": {"name": "frontend"}, "replicas": {"to": 3}}),
        )]),
        StubReply::text("Proposed scaling the frontend to 3 replicas."),
    ])
    .await;
    let (s, api) = (&llm.served, &llm.api);
    let (code, plan) = s
        .ask(OPERATOR, "scale the frontend up like we did last friday")
        .await;
    assert_eq!(code, 202, "{plan}");
    assert_eq!(
        (plan["planner"].as_str(), plan["state"].as_str()),
        (Some("llm"), Some("pending_approval"))
    );
    assert_eq!(
        plan["answer"],
        "Proposed scaling the frontend to 3 replicas."
    );
    assert_eq!(
        plan["steps"][0]["kubectl"],
        "kubectl scale deployment/todo-frontend --replicas=3 -n todo"
    );
    assert!(
        plan["changes"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+  replicas: 3")
    );
    assert!(api.writes().is_empty(), "nothing runs before approval");
    let id = plan["id"].as_str().unwrap();
    s.approve_and_expect_replicas(api, id, "todo-frontend", 3)
        .await;
}

#[tokio::test]
async fn a_failing_llm_falls_back_to_the_offline_planner_and_says_so() {
    let llm = WithLlm::start(vec![StubReply::error(401, "invalid api key")]).await;
    let (s, api) = (&llm.served, &llm.api);
    let (code, plan) = s.ask(OPERATOR, "scale the frontend to 2 replicas").await;
    assert_eq!(code, 202, "{plan}");
    assert_eq!(plan["planner"], "offline");
    assert!(
        plan["answer"].as_str().unwrap().contains("planned offline"),
        "{plan}"
    );
    assert_eq!(
        plan["steps"][0]["kubectl"],
        "kubectl scale deployment/todo-frontend --replicas=2 -n todo"
    );
    assert!(api.writes().is_empty());
}
