//! The undo journal through the binary: each write keeps the object as it was;
//! `undo` plans its restoration (diff shown, confirmed like any write) and puts
//! back exactly the prior object, including a deleted pod.

mod common;

use common::{FakeApi, todo_cluster, without_bookkeeping};
use serde_json::{Value, json};

#[tokio::test]
async fn a_label_patch_is_undone_to_the_exact_prior_object() {
    let (api, before, out) = backend_labelled().await;
    assert!(
        out.contains("+    tier: api"),
        "the diff shows the new label: {out}"
    );
    let changed = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(changed["metadata"]["labels"]["tier"], "api");
    let audit = api.audit();
    let id = audit[0]["id"]
        .as_str()
        .expect("a write's audit line has an id")
        .to_string();
    assert!(
        audit[0]["diff"]
            .as_str()
            .unwrap()
            .contains("+    tier: api")
    );

    // Without --yes and a terminal, undo is refused like any write.
    let (code, out, _) = api.run(&["undo", "last"]).await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("-    tier: api"),
        "the undo's diff is shown: {out}"
    );
    let (code, out, err) = api.run(&["undo", &id, "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("as it was before {id}")), "{out}");
    let put = api
        .writes()
        .into_iter()
        .find(|w| w.method == "PUT")
        .expect("a replace");
    assert_eq!(
        put.path,
        "/apis/apps/v1/namespaces/todo/deployments/todo-backend"
    );
    let restored = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(
        without_bookkeeping(restored),
        without_bookkeeping(before.clone()),
        "the journal restores the exact prior object"
    );
    assert_eq!(
        put.body["metadata"]["resourceVersion"],
        changed["metadata"]["resourceVersion"]
    );
}

#[tokio::test]
async fn a_deleted_pod_is_re_created_without_server_fields() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let pod = api.object("Pod", "todo", "todo-frontend-f1-aaaaa").unwrap();
    let (code, out, err) = api
        .run(&["delete pod todo-frontend-f1-aaaaa", "--yes"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("-kind: Pod"), "deletion diff: {out}");
    assert!(
        api.object("Pod", "todo", "todo-frontend-f1-aaaaa")
            .is_none()
    );
    let (code, out, err) = api.run(&["undo", "--yes", "-o", "json"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["changes"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+kind: Pod"),
        "{report}"
    );
    let post = api
        .writes()
        .into_iter()
        .find(|w| w.method == "POST")
        .expect("a create");
    assert_eq!(post.path, "/api/v1/namespaces/todo/pods");
    assert!(post.body["metadata"].get("uid").is_none() && post.body.get("status").is_none());
    let back = api.object("Pod", "todo", "todo-frontend-f1-aaaaa").unwrap();
    assert_eq!(back["spec"], pod["spec"]);
    assert_eq!(back["metadata"]["labels"], pod["metadata"]["labels"]);
}

#[tokio::test]
async fn undo_with_an_unknown_id_says_where_ids_are() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let (code, _, err) = api.run(&["undo", "last"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("journal is empty"), "{err}");
    api.run(&["scale the frontend to 2", "--yes"]).await;
    let (code, _, err) = api.run(&["undo", "123-9"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("kubectl-assist audit"), "{err}");
    // "undo the backend" is a rollback request, not the subcommand.
    let (code, out, _) = api
        .run(&["undo", "the", "backend", "rollout", "--dry-run"])
        .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("kubectl rollout undo deployment/todo-backend"),
        "{out}"
    );
    let _ = json!(null);
}

/// The fake cluster after `label deployment todo-backend tier=api --yes`, the Deployment
/// as it was before, and what the label command printed.
async fn backend_labelled() -> (FakeApi, Value, String) {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let before = api.object("Deployment", "todo", "todo-backend").unwrap();
    let (code, out, err) = api
        .run(&["label deployment todo-backend tier=api", "--yes"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    (api, before, out)
}

/// A controller's status update between undo's read and its replace (a rollout the write
/// started) makes the API server answer 409: undo re-reads, sees only server fields changed,
/// and restores at the new resourceVersion.
#[tokio::test]
async fn undo_retries_over_a_status_update_that_lands_before_its_replace() {
    let (api, before, _) = backend_labelled().await;
    api.write_before_next_put("todo/todo-backend", false);
    let (code, out, err) = api.run(&["undo", "last", "--yes"]).await;
    assert_eq!(code, 0, "undo succeeds after re-reading: {out}{err}");
    let puts = api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/deployments/todo-backend"))
        .filter(|r| !r.query.contains("dryRun"))
        .count();
    assert_eq!(
        puts, 2,
        "one refused replace, one at the new resourceVersion"
    );
    let after = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(after["metadata"]["labels"], before["metadata"]["labels"]);
    assert_eq!(after["spec"], before["spec"]);
}

/// Someone else's edit between undo's read and its replace is not overwritten: undo stops,
/// writes nothing more, and says to look at the new diff.
#[tokio::test]
async fn undo_does_not_overwrite_an_edit_made_while_it_restored() {
    let (api, _, _) = backend_labelled().await;
    api.write_before_next_put("todo/todo-backend", true);
    let (code, out, err) = api.run(&["undo", "last", "--yes"]).await;
    assert_ne!(code, 0, "undo must stop: {out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains("changed while undo was restoring it")
            && said.contains("run `kubectl-assist undo` again"),
        "the error says what happened and what to do: {said}"
    );
    let live = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(live["metadata"]["labels"]["edited-by"], "someone-else");
    assert_eq!(
        live["metadata"]["labels"]["tier"], "api",
        "nothing was restored over the edit"
    );
}
