//! Writes that round-trip through the undo journal: each leaves the object exactly as it was
//! (or gone, for a create), with the diff shown both ways.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};

use super::fixture::{NS, Writes, writes};

/// `request` (with `-n NS --yes`) creates object `name` of kind K, its diff holding
/// `wanted`; `check` looks at the object made; `undo last` leaves it gone.
async fn created_then_undone<K>(
    w: &Writes,
    request: &str,
    wanted: &[&str],
    name: &str,
    check: impl Fn(&serde_json::Value),
) where
    K: kube::Resource<DynamicType = ()>,
{
    w.ok_showing(&[request, "-n", NS, "--yes"], wanted);
    let made = w
        .object::<K>(name)
        .await
        .unwrap_or_else(|| panic!("{request}: no {} {name}", K::kind(&())));
    check(&made);
    w.undo_last(&[]);
    w.wait_gone::<K>(name).await;
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn a_label_round_trips_through_undo() {
    let w = writes();
    let before = w.bare::<Deployment>("web").await;
    w.ok_showing(
        &["label deployment web tier=e2e", "-n", NS, "--yes"],
        &["+    tier: e2e"],
    );
    let labelled = w.object::<Deployment>("web").await.expect("web");
    assert_eq!(labelled["metadata"]["labels"]["tier"], "e2e");
    // The audit line of the write holds its id and the diff the operator saw.
    let record = w
        .assist
        .audit()
        .expect("audit")
        .into_iter()
        .rev()
        .find(|r| r.id.is_some())
        .expect("an audit line with an id");
    assert!(
        record
            .diff
            .as_deref()
            .is_some_and(|d| d.contains("tier: e2e")),
        "the audit line has no diff with the label: {record:?}"
    );
    let id = record.id.expect("id");
    w.ok_showing(&["undo", &id, "--yes"], &["-    tier: e2e"]);
    assert_eq!(
        w.bare::<Deployment>("web").await,
        before,
        "undo left web changed"
    );
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn a_deleted_pod_is_re_created_by_undo() {
    let w = writes();
    // The scheduler's choice is not part of what the user made.
    let unscheduled = |mut pod: serde_json::Value| {
        if let Some(spec) = pod["spec"].as_object_mut() {
            spec.remove("nodeName");
        }
        pod
    };
    let before = unscheduled(w.bare::<Pod>("solo").await);
    w.ok_showing(&["delete pod solo", "-n", NS, "--yes"], &[]);
    w.wait_gone::<Pod>("solo").await;
    w.undo_last(&[]);
    let after = unscheduled(w.bare::<Pod>("solo").await);
    assert_eq!(
        after, before,
        "the re-created pod differs from the deleted one"
    );
}

const THREE_OBJECTS: &str = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: applied-settings}
data: {MODE: e2e}
---
apiVersion: v1
kind: Service
metadata: {name: applied-svc}
# protocol is required by server-side apply on 1.20 (a list keyed by port and protocol).
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080, protocol: TCP}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: applied-app}
spec:
  replicas: 0
  selector: {matchLabels: {app: applied-app}}
  template:
    metadata: {labels: {app: applied-app}}
    spec: {containers: [{name: app, image: busybox:e2e, imagePullPolicy: Never, command: [sleep, "3600"]}]}
"#;

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn an_applied_manifest_of_three_objects_is_undone() {
    let w = writes();
    // The namespace in each object, as a manifest written for one would carry it.
    let manifest_text = THREE_OBJECTS.replace(
        "metadata: {name: applied-",
        &format!("metadata: {{namespace: {NS}, name: applied-"),
    );
    let manifest = w.out.join("three.yaml");
    std::fs::write(&manifest, manifest_text).expect("write manifest");
    w.ok_showing(
        &["apply", "-f", &manifest.display().to_string(), "--yes"],
        &["+kind: ConfigMap", "+kind: Service", "+kind: Deployment"],
    );
    assert!(w.object::<ConfigMap>("applied-settings").await.is_some());
    assert!(w.object::<Service>("applied-svc").await.is_some());
    assert!(w.object::<Deployment>("applied-app").await.is_some());
    w.undo_last(&["-kind: Deployment"]);
    w.wait_gone::<ConfigMap>("applied-settings").await;
    w.wait_gone::<Service>("applied-svc").await;
    w.wait_gone::<Deployment>("applied-app").await;
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn a_created_configmap_and_deployment_are_undone() {
    let w = writes();
    created_then_undone::<ConfigMap>(
        w,
        "create a configmap app-config with LOG_LEVEL=debug",
        &["+  LOG_LEVEL: debug"],
        "app-config",
        |cm| assert_eq!(cm["data"]["LOG_LEVEL"], "debug"),
    )
    .await;
    created_then_undone::<Deployment>(
        w,
        "create a deployment api with image busybox:e2e and 0 replicas",
        &["+kind: Deployment"],
        "api",
        |d| assert_eq!(d["spec"]["replicas"], 0),
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn expose_is_undone() {
    created_then_undone::<Service>(
        writes(),
        "expose web on port 80",
        &["+kind: Service"],
        "web",
        |svc| assert_eq!(svc["spec"]["ports"][0]["port"], 80),
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn autoscale_is_undone() {
    created_then_undone::<HorizontalPodAutoscaler>(
        writes(),
        "autoscale web between 2 and 5 at 70% cpu",
        &["+kind: HorizontalPodAutoscaler"],
        "web",
        |hpa| assert_eq!(hpa["spec"]["maxReplicas"], 5),
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn set_env_is_undone_exactly() {
    let w = writes();
    let before = w.bare::<Deployment>("web").await;
    w.ok_showing(
        &[
            "set env LOG_LEVEL=debug on deployment web",
            "-n",
            NS,
            "--yes",
        ],
        &["+        - name: LOG_LEVEL"],
    );
    let web = w.object::<Deployment>("web").await.expect("web");
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "debug"
    );
    // Right away, while the controller rolls the new template out and updates the
    // Deployment's status: undo's replace may meet a 409 and must retry over it.
    w.undo_last(&[]);
    assert_eq!(
        w.bare::<Deployment>("web").await,
        before,
        "undo left web changed"
    );
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn a_deleted_configmap_is_restored_exactly() {
    let w = writes();
    w.create_configmap("saved-settings", &["MODE=prod", "RETRIES=3"]);
    w.cluster
        .kubectl(["-n", NS, "label", "configmap", "saved-settings", "team=e2e"])
        .expect("label saved-settings");
    let before = w.bare::<ConfigMap>("saved-settings").await;
    w.ok_showing(
        &["delete the configmap saved-settings", "-n", NS, "--yes"],
        &["-kind: ConfigMap"],
    );
    w.wait_gone::<ConfigMap>("saved-settings").await;
    w.undo_last(&["+kind: ConfigMap"]);
    assert_eq!(
        w.bare::<ConfigMap>("saved-settings").await,
        before,
        "the restored configmap differs"
    );
}
