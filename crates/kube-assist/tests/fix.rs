//! "fix X" against the fake API server: each fix is chosen from what the cluster
//! records, planned as a write (dry run first, confirmed, `--yes` applies,
//! audited), and when the record shows no safe change, it says why and writes nothing.

mod common;

use common::{FakeApi, todo_cluster};
use serde_json::{Value, json};

fn find<'a>(objects: &'a mut [Value], kind: &str, name: &str) -> &'a mut Value {
    objects
        .iter_mut()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name} in the fixture"))
}

/// The todo cluster with the backend rolled out to revision 3 (`image`), whose pod
/// is in `state`, while revision 2's pod still serves.
fn bad_rollout(image: &str, state: Value) -> Vec<Value> {
    let mut objects = todo_cluster();
    let dep = find(&mut objects, "Deployment", "todo-backend");
    dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("3");
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
    let mut rs3 = find(&mut objects, "ReplicaSet", "todo-backend-b2").clone();
    rs3["metadata"]["name"] = json!("todo-backend-b3");
    rs3["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("3");
    rs3["metadata"]["labels"]["pod-template-hash"] = json!("b3");
    rs3["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
    rs3["status"] = json!({"replicas": 1, "readyReplicas": 0});
    let mut pod3 = find(&mut objects, "Pod", "todo-backend-b2-bbbbb").clone();
    pod3["metadata"]["name"] = json!("todo-backend-b3-ccccc");
    pod3["metadata"]["labels"]["pod-template-hash"] = json!("b3");
    pod3["metadata"]["ownerReferences"][0]["name"] = json!("todo-backend-b3");
    pod3["spec"]["containers"][0]["image"] = json!(image);
    pod3["status"] = json!({"phase": "Pending", "containerStatuses": [state]});
    objects.extend([rs3, pod3]);
    objects
}

fn audit_ops(api: &FakeApi) -> Vec<String> {
    api.audit()
        .iter()
        .filter_map(|r| r["operation"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn an_unpullable_image_goes_back_to_the_image_that_runs() {
    let state = json!({"name": "api", "ready": false, "restartCount": 0, "image": "todo:3-typo", "imageID": "",
        "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"todo:3-typo\""}}});
    let api = FakeApi::start(bad_rollout("todo:3-typo", state), &[]).await;
    let (code, out, err) = api.run(&["--yes", "fix the backend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("because: revision 2 (todo-backend-b2) runs todo:2 with 1 ready pod(s); revision 3's todo:3-typo cannot be pulled"),
        "{out}"
    );
    // Shown as a plan with its diff, sent as a dry run, then applied.
    assert!(
        out.contains("[write] kubectl set image deployment/todo-backend api=todo:2 -n todo"),
        "{out}"
    );
    assert_eq!(api.dry_runs().len(), 1, "{:?}", api.dry_runs());
    let writes = api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].path.ends_with("/deployments/todo-backend"));
    let dep = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "todo:2"
    );
    assert!(
        audit_ops(&api)
            .contains(&"kubectl set image deployment/todo-backend api=todo:2 -n todo".to_string())
    );
}

#[tokio::test]
async fn a_crash_after_the_last_rollout_goes_back_to_the_revision_that_runs() {
    let state = json!({"name": "api", "ready": false, "restartCount": 4, "image": "todo:3", "imageID": "",
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
        "lastState": {"terminated": {"exitCode": 2, "reason": "Error"}}});
    let api = FakeApi::start(bad_rollout("todo:3", state), &[]).await;
    let (code, out, err) = api.run(&["--yes", "get the backend running again"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "because: revision 3 fails while revision 2 (todo-backend-b2) still has 1 ready pod(s)"
        ),
        "{out}"
    );
    assert_eq!(api.writes().len(), 1, "{:?}", api.writes());
    assert_eq!(api.writes()[0].method, "PUT");
    assert!(audit_ops(&api).contains(
        &"kubectl rollout undo deployment/todo-backend --to-revision=2 -n todo".to_string()
    ));
}

#[tokio::test]
async fn without_yes_and_a_terminal_a_fix_is_refused_like_any_write() {
    let state = json!({"name": "api", "ready": false, "restartCount": 4, "image": "todo:3", "imageID": "",
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 2, "reason": "Error"}}});
    let api = FakeApi::start(bad_rollout("todo:3", state), &[]).await;
    let (_, out, err) = api.run(&["fix the backend"]).await;
    assert!(
        out.contains("kubectl rollout undo deployment/todo-backend --to-revision=2 -n todo"),
        "{out}"
    );
    assert!(api.writes().is_empty(), "{out}{err}");
}

#[tokio::test]
async fn a_crash_in_the_only_revision_has_no_safe_fix_and_says_why() {
    let mut objects = todo_cluster();
    let pod = find(&mut objects, "Pod", "todo-frontend-f1-aaaaa");
    pod["status"]["containerStatuses"][0] = json!({"name": "web", "ready": false, "restartCount": 6, "image": "todo:2", "imageID": "",
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}});
    let api = FakeApi::start(objects, &[]).await;
    let (code, out, err) = api.run(&["--yes", "fix the frontend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("No fix is safe to make from what the cluster shows"),
        "{out}"
    );
    assert!(
        out.contains("has only revision 1: the failure is in the container or its configuration"),
        "{out}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
}

#[tokio::test]
async fn no_earlier_revision_running_means_no_rollback() {
    // Revision 2 crashes and revision 1 has no pods: whether it worked is not recorded.
    let mut objects = todo_cluster();
    let pod = find(&mut objects, "Pod", "todo-backend-b2-bbbbb");
    pod["status"]["containerStatuses"][0] = json!({"name": "api", "ready": false, "restartCount": 6, "image": "todo:2", "imageID": "",
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}});
    let api = FakeApi::start(objects, &[]).await;
    let (_, out, _) = api.run(&["--yes", "fix the backend"]).await;
    assert!(
        out.contains("no earlier revision of deployment/todo-backend"),
        "{out}"
    );
    assert!(
        out.contains("has ready pods, so none is known to have worked"),
        "{out}"
    );
    assert!(api.writes().is_empty());
}

#[tokio::test]
async fn a_service_selecting_nothing_gets_the_labels_of_the_pods_it_nearly_matches() {
    let mut objects = todo_cluster();
    let svc = find(&mut objects, "Service", "todo-frontend");
    svc["spec"]["selector"]["app.kubernetes.io/component"] = json!("frontnd");
    let api = FakeApi::start(objects, &[]).await;
    let (code, out, err) = api.run(&["--yes", "make todo-frontend work"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("because: pods nearby match every key of the selector but one"),
        "{out}"
    );
    let svc = api.object("Service", "todo", "todo-frontend").unwrap();
    assert_eq!(
        svc["spec"]["selector"]["app.kubernetes.io/component"],
        "frontend"
    );
}

#[tokio::test]
async fn an_oom_kill_doubles_the_limit_and_says_it_is_a_multiple() {
    let mut objects = todo_cluster();
    let pod = find(&mut objects, "Pod", "todo-backend-b2-bbbbb");
    pod["status"]["containerStatuses"][0] = json!({"name": "api", "ready": true, "restartCount": 3, "image": "todo:2", "imageID": "",
        "state": {"running": {}}, "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}});
    let api = FakeApi::start(objects, &[]).await;
    let (code, out, err) = api.run(&["--yes", "fix the backend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "the new limit 2Gi is twice the current one (a stated multiple, not a measurement)"
        ),
        "{out}"
    );
    let dep = api.object("Deployment", "todo", "todo-backend").unwrap();
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "2Gi"
    );
}

/// A frontend pod that cannot be scheduled, with this pod spec merged in.
fn pending_frontend(spec: Value, message: &str) -> Vec<Value> {
    let mut objects = todo_cluster();
    let dep = find(&mut objects, "Deployment", "todo-frontend");
    for (k, v) in spec.as_object().unwrap() {
        dep["spec"]["template"]["spec"][k] = v.clone();
    }
    let pod = find(&mut objects, "Pod", "todo-frontend-f1-aaaaa");
    for (k, v) in spec.as_object().unwrap() {
        pod["spec"][k] = v.clone();
    }
    pod["status"] = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}]});
    objects
}

#[tokio::test]
async fn a_node_selector_no_node_has_is_named_and_dropped() {
    let objects = pending_frontend(
        json!({"nodeSelector": {"disktype": "ssd"}}),
        "0/1 nodes are available: 1 node(s) didn't match node selector.",
    );
    let api = FakeApi::start(objects, &[]).await;
    let (code, out, err) = api.run(&["--yes", "fix the frontend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "no node has the label disktype=ssd its nodeSelector asks for (1 node(s) checked)"
        ),
        "{out}"
    );
    let writes = api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        writes[0].body,
        json!({"spec": {"template": {"spec": {"nodeSelector": {"disktype": null}}}}})
    );
    let dep = api.object("Deployment", "todo", "todo-frontend").unwrap();
    assert_eq!(dep["spec"]["template"]["spec"]["nodeSelector"], json!({}));
}

#[tokio::test]
async fn a_taint_on_every_node_is_named_and_tolerated() {
    let mut objects = pending_frontend(
        json!({}),
        "0/1 nodes are available: 1 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate.",
    );
    let node = find(&mut objects, "Node", "node-1");
    node["spec"] =
        json!({"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]});
    let api = FakeApi::start(objects, &[]).await;
    let (code, out, err) = api.run(&["--yes", "fix the frontend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("every node (1) has the taint dedicated=gpu:NoSchedule"),
        "{out}"
    );
    assert_eq!(
        api.writes()[0].body,
        json!({"spec": {"template": {"spec": {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]}}}})
    );
}

#[tokio::test]
async fn not_enough_cpu_is_no_safe_fix() {
    let objects = pending_frontend(json!({}), "0/1 nodes are available: 1 Insufficient cpu.");
    let api = FakeApi::start(objects, &[]).await;
    let (_, out, _) = api.run(&["--yes", "fix the frontend"]).await;
    assert!(
        out.contains("no safe fix: no node label or taint keeps it off every node"),
        "{out}"
    );
    assert!(api.writes().is_empty());
}

#[tokio::test]
async fn a_claim_with_a_missing_class_names_the_class_that_exists() {
    let mut objects = todo_cluster();
    objects.push(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "todo"},
        "spec": {"storageClassName": "fast", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending"}}));
    objects.push(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path"}));
    let api = FakeApi::start(objects, &[]).await;
    let (_, out, _) = api.run(&["--yes", "fix pvc/data -n todo"]).await;
    assert!(
        out.contains("StorageClass fast does not exist; standard does and is the default. A claim's class cannot be changed in place"),
        "{out}"
    );
    assert!(api.writes().is_empty());
}

/// The backend with a readiness probe on `probe_port` failing, declaring port 8000.
fn failing_probe() -> Vec<Value> {
    let mut objects = todo_cluster();
    let probe = json!({"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5});
    for (kind, name) in [
        ("Deployment", "todo-backend"),
        ("ReplicaSet", "todo-backend-b2"),
    ] {
        let c = &mut find(&mut objects, kind, name)["spec"]["template"]["spec"]["containers"][0];
        c["readinessProbe"] = probe.clone();
        c["ports"] = json!([{"containerPort": 8000}]);
    }
    let pod = find(&mut objects, "Pod", "todo-backend-b2-bbbbb");
    pod["spec"]["containers"][0]["readinessProbe"] = probe;
    pod["spec"]["containers"][0]["ports"] = json!([{"containerPort": 8000}]);
    pod["status"]["containerStatuses"][0]["ready"] = json!(false);
    objects.push(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev1", "namespace": "todo"},
        "involvedObject": {"kind": "Pod", "name": "todo-backend-b2-bbbbb", "namespace": "todo"},
        "type": "Warning", "reason": "Unhealthy", "count": 12,
        "message": "Readiness probe failed: Get \"http://172.17.0.6:8080/healthz\": dial tcp 172.17.0.6:8080: connect: connection refused",
        "lastTimestamp": "2099-01-01T00:00:00Z"}));
    objects
}

#[tokio::test]
async fn a_probe_moves_to_the_declared_port_only_when_that_port_answers() {
    // Nothing answers on 8000 either: no change, and why.
    let api = FakeApi::start(failing_probe(), &[]).await;
    let (_, out, _) = api.run(&["--yes", "fix the backend"]).await;
    assert!(
        out.contains(
            "the declared port 8000 did not answer it either, so no working probe can be verified"
        ),
        "{out}"
    );
    assert!(api.writes().is_empty());
    // GET /healthz answers on 8000 (checked through the pod proxy): the probe moves there.
    let api = FakeApi::start(failing_probe(), &[]).await;
    api.answer_proxy("todo/todo-backend-b2-bbbbb:8000/healthz");
    let (code, out, err) = api.run(&["--yes", "fix the backend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("the container declares port 8000, and GET /healthz on it answered"),
        "{out}"
    );
    let dep = api.object("Deployment", "todo", "todo-backend").unwrap();
    let c = &dep["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["readinessProbe"]["httpGet"]["port"], 8000);
    assert_eq!(c["image"], "todo:2", "the rest of the container is kept");
}
