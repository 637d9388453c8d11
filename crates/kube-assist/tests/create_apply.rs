//! The create family and delete of any kind, through the binary and the library
//! against the strict fake API server: every object's dry-run diff first,
//! server-side apply with field manager kubectl-assist, the undo journal putting
//! back exactly what was there (deleting what a write created), destructive
//! deletes marked with what goes with them, and Secret values never shown.

mod common;

use std::collections::BTreeMap;

use common::discovery::crontab;
use common::{FakeApi, THREE_OBJECTS, todo_cluster_with_crontab, without_bookkeeping};
use kube_assist::ops::{
    AutoscaleOp, CreateSecretOp, ExecOptions, Executor, ExposeOp, Kind, Operation, SecretValues,
    Target,
};
use serde_json::json;

async fn executor(api: &FakeApi, dry_run: bool) -> Executor {
    let conn = kube_assist::connect::connect(Some(api.kubeconfig.clone()), None)
        .await
        .unwrap();
    Executor::new(
        conn.client,
        ExecOptions {
            dry_run,
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn a_three_object_manifest_is_applied_server_side_and_undone() {
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let file = api.audit_log.with_file_name("app.yaml");
    std::fs::write(&file, THREE_OBJECTS).unwrap();
    let file = file.display().to_string();

    let (code, out, err) = api
        .run(&["apply", "-f", &file, "-n", "todo", "--dry-run"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("+kind: ConfigMap"), "{out}");
    assert!(api.writes().is_empty(), "a dry run changes nothing");
    assert_eq!(
        api.dry_runs().len(),
        3,
        "one server-side dry run per object"
    );

    let (code, out, err) = api
        .run(&["apply", "-f", &file, "-n", "todo", "--yes"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl apply --server-side --field-manager=kubectl-assist -f - -n todo # configmap/app-config, deployment/web, crontab/nightly"),
        "{out}"
    );
    for line in [
        "+kind: ConfigMap",
        "+  replicas: 2",
        "+  cronSpec: 0 3 * * *",
    ] {
        assert!(out.contains(line), "the diff shows {line}: {out}");
    }
    let writes = api.writes();
    assert_eq!(writes.len(), 3, "{writes:?}");
    for w in &writes {
        assert_eq!(w.method, "PATCH");
        assert!(
            w.content_type.contains("application/apply-patch"),
            "{}",
            w.content_type
        );
        assert!(
            w.query.contains("fieldManager=kubectl-assist"),
            "{}",
            w.query
        );
    }
    assert_eq!(
        writes[2].path,
        "/apis/stable.example.com/v1/namespaces/todo/crontabs/nightly"
    );
    assert!(api.object("CronTab", "todo", "nightly").is_some());
    assert_eq!(
        api.object("Deployment", "todo", "web").unwrap()["spec"]["replicas"],
        2
    );

    // Undo deletes what the write created, newest first, after its own diff.
    let (code, out, err) = api.run(&["undo", "last", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("-kind: CronTab"), "{out}");
    for (kind, name) in [
        ("ConfigMap", "app-config"),
        ("Deployment", "web"),
        ("CronTab", "nightly"),
    ] {
        assert!(
            api.object(kind, "todo", name).is_none(),
            "{kind}/{name} is gone: {out}"
        );
    }
}

#[tokio::test]
async fn applying_over_a_live_object_diffs_it_and_undo_restores_it_exactly() {
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let before = api.object("Deployment", "todo", "todo-frontend").unwrap();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: todo-frontend\n  namespace: todo\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: todo:3\n";
    let (code, out, err) = api
        .run_stdin(&["apply", "-f", "-", "--yes"], manifest)
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("-      - image: todo:2\n+      - image: todo:3\n"),
        "{out}"
    );
    let id = api.audit()[0]["id"].as_str().unwrap().to_string();
    let (code, out, err) = api.run_stdin(&["undo", &id, "--yes"], "").await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        without_bookkeeping(api.object("Deployment", "todo", "todo-frontend").unwrap()),
        without_bookkeeping(before)
    );
}

#[tokio::test]
async fn deleting_a_deployment_says_what_goes_with_it_and_undo_recreates_it() {
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let before = api.object("Deployment", "todo", "todo-backend").unwrap();
    let (code, out, err) = api
        .run(&["delete", "deploy", "todo-backend", "--yes"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl delete deployment/todo-backend -n todo"),
        "{out}"
    );
    assert!(
        out.contains("its 2 ReplicaSet(s) and 1 pod(s) are deleted with it"),
        "{out}"
    );
    assert!(out.contains("-kind: Deployment"), "{out}");
    let del = api
        .writes()
        .into_iter()
        .find(|w| w.method == "DELETE")
        .unwrap();
    assert_eq!(del.body["propagationPolicy"], "Background");
    assert!(api.object("Deployment", "todo", "todo-backend").is_none());

    let (code, out, err) = api.run(&["undo", "last", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("re-created"), "{out}");
    assert_eq!(
        without_bookkeeping(api.object("Deployment", "todo", "todo-backend").unwrap()),
        without_bookkeeping(before)
    );
}

#[tokio::test]
async fn deleting_a_namespace_is_destructive_and_counts_its_objects() {
    let mut objects = todo_cluster_with_crontab();
    objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "todo"}}));
    let api = FakeApi::start(objects, &[]).await;
    // Not at a terminal and without --yes: shown, refused.
    let (code, out, _) = api.run(&["delete", "ns", "todo"]).await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("DESTRUCTIVE: every object in it is deleted with it (6: 2 pod, 2 deployment, 2 service); undo re-creates the namespace only"), "{out}");
    assert!(api.writes().is_empty());
    let (code, out, _) = api
        .run(&["delete", "crontabs.stable.example.com", "weekly"])
        .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no CronTab named \"weekly\""), "{out}");
}

#[tokio::test]
async fn a_secret_from_literals_never_shows_its_values() {
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let exec = executor(&api, false).await;
    let op = Operation::CreateSecret(CreateSecretOp {
        name: "db".into(),
        namespace: Some("todo".into()),
        data: SecretValues(BTreeMap::from([("password".into(), "hunter2".into())])),
    });
    let changes = exec.previews(&op).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert!(
        changes[0].diff.contains("+  password: \"********\""),
        "{}",
        changes[0].diff
    );
    let shown = format!(
        "{} {} {}",
        changes[0].diff,
        op.kubectl(),
        serde_json::to_string(&op).unwrap()
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    let out = exec.run(&op).await.unwrap();
    assert_eq!(out.text, "secrets/db created");
    let post = api
        .writes()
        .into_iter()
        .find(|w| w.method == "POST")
        .unwrap();
    assert_eq!(
        post.body["stringData"]["password"], "hunter2",
        "the server gets the value"
    );
    // A second create would overwrite what it cannot read: refused before any write.
    let err = exec.previews(&op).await.unwrap_err().to_string();
    assert!(err.contains("never reads or overwrites a Secret"), "{err}");
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with("/secrets/db"))
    );
}

#[tokio::test]
async fn expose_and_autoscale_build_their_objects_from_the_workload() {
    let api = FakeApi::start(todo_cluster_with_crontab(), &[]).await;
    let exec = executor(&api, true).await;
    let web = Target {
        kind: Some(Kind::Deployment),
        name: Some("todo-frontend".into()),
        namespace: Some("todo".into()),
        resource: None,
    };
    let expose = Operation::Expose(ExposeOp {
        target: web.clone(),
        port: 80,
        target_port: Some(8000),
        name: Some("web-public".into()),
        service_type: Some("NodePort".into()),
    });
    assert_eq!(
        expose.kubectl(),
        "kubectl expose deployment/todo-frontend --port=80 --target-port=8000 --name=web-public --type=NodePort -n todo"
    );
    let c = exec.previews(&expose).await.unwrap().remove(0);
    assert!(
        c.diff
            .contains("+    app.kubernetes.io/component: frontend"),
        "the workload's selector: {}",
        c.diff
    );
    assert!(c.diff.contains("+  type: NodePort"), "{}", c.diff);
    assert!(c.before.is_none());
    let hpa = Operation::Autoscale(AutoscaleOp {
        target: web,
        min: 2,
        max: 5,
        cpu_percent: Some(70),
    });
    let c = exec.previews(&hpa).await.unwrap().remove(0);
    assert!(
        c.object
            .starts_with("horizontalpodautoscalers.autoscaling/todo-frontend"),
        "{}",
        c.object
    );
    assert!(
        c.diff.contains("+  targetCPUUtilizationPercentage: 70"),
        "{}",
        c.diff
    );
    let post = api
        .dry_runs()
        .into_iter()
        .find(|r| r.path.ends_with("/horizontalpodautoscalers"))
        .unwrap();
    assert_eq!(
        post.path,
        "/apis/autoscaling/v1/namespaces/todo/horizontalpodautoscalers"
    );
    assert!(api.writes().is_empty());
}

#[tokio::test]
async fn a_custom_object_is_labelled_and_deleted_through_the_generic_path() {
    let mut objects = todo_cluster_with_crontab();
    objects.push(crontab("batch", "nightly", "0 3 * * *"));
    let api = FakeApi::start(objects, &[]).await;
    let (code, out, err) = api.run(&["delete", "ct/nightly", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl delete crontabs.stable.example.com/nightly -n batch"),
        "{out}"
    );
    assert!(api.object("CronTab", "batch", "nightly").is_none());
    let (code, out, err) = api.run(&["undo", "last", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        api.object("CronTab", "batch", "nightly").unwrap()["spec"]["cronSpec"],
        "0 3 * * *"
    );
}
