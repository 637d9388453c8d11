//! Requests in words naming a kind only discovery knows, against the fake API
//! server serving several invented CRDs (their own plurals, short names, a
//! namespaced and a cluster-scoped one): listed, counted, described, labelled,
//! deleted and undone exactly as kubectl's argument form does; a word naming
//! both a kind and an object is asked about; a request whose kinds are all said
//! reads no discovery.

mod common;

use common::{FakeApi, todo_cluster, without_bookkeeping};
use serde_json::{Value, json};

/// A CustomResourceDefinition of `plural.group` (its singular is the kind in
/// lower case, as the fake server's discovery says).
fn crd(group: &str, plural: &str, kind: &str, short: &[&str], namespaced: bool) -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {"group": group, "scope": if namespaced { "Namespaced" } else { "Cluster" },
            "names": {"plural": plural, "singular": kind.to_lowercase(), "kind": kind, "shortNames": short},
            "versions": [{"name": "v1", "served": true, "storage": true}]}})
}

/// One custom object; `ns` is `None` for a cluster-scoped kind.
fn custom(group: &str, kind: &str, ns: Option<&str>, name: &str, spec: Value) -> Value {
    let mut meta = json!({"name": name, "uid": format!("uid-{name}"), "resourceVersion": "3",
        "labels": {"owner": "tests"}});
    if let Some(ns) = ns {
        meta["namespace"] = json!(ns);
    }
    json!({"apiVersion": format!("{group}/v1"), "kind": kind, "metadata": meta, "spec": spec})
}

/// The todo cluster plus Gizmos (`gz`, namespaced), Vaults (`vlt`, cluster-scoped)
/// and envoy-gateway-like Backends, whose singular `backend` is also how the
/// todo backend Deployment is called.
fn cluster() -> Vec<Value> {
    let mut objects = todo_cluster();
    objects.push(crd("tools.example.com", "gizmos", "Gizmo", &["gz"], true));
    objects.push(crd(
        "secure.example.org",
        "vaults",
        "Vault",
        &["vlt"],
        false,
    ));
    objects.push(crd(
        "gateway.envoyproxy.io",
        "backends",
        "Backend",
        &[],
        true,
    ));
    for (ns, name) in [("lab", "g1"), ("lab", "g2"), ("todo", "g3")] {
        objects.push(custom(
            "tools.example.com",
            "Gizmo",
            Some(ns),
            name,
            json!({"size": 3}),
        ));
    }
    objects.push(custom(
        "secure.example.org",
        "Vault",
        None,
        "main",
        json!({"sealed": true}),
    ));
    objects.push(custom(
        "secure.example.org",
        "Vault",
        None,
        "spare",
        json!({"sealed": false}),
    ));
    objects.push(custom(
        "gateway.envoyproxy.io",
        "Backend",
        Some("todo"),
        "api-upstream",
        json!({}),
    ));
    objects
}

fn discovery_rounds(api: &FakeApi) -> usize {
    api.requests().iter().filter(|r| r.path == "/apis").count()
}

fn gets_of(api: &FakeApi, path: &str) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}

#[tokio::test]
async fn discovered_kinds_are_listed_counted_and_described_from_words() {
    let api = FakeApi::start(cluster(), &[]).await;

    let (code, out, err) = api.run(&["list gizmos"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl get gizmos.tools.example.com"),
        "{out}"
    );
    for name in ["g1", "g2", "g3"] {
        assert!(out.contains(name), "{name} is listed: {out}");
    }
    assert_eq!(
        gets_of(&api, "/apis/tools.example.com/v1/gizmos"),
        1,
        "listed everywhere"
    );

    let (code, out, err) = api.run(&["get all the gz in namespace lab"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl get gizmos.tools.example.com -n lab"),
        "{out}"
    );
    assert!(out.contains("g1") && !out.contains("g3"), "{out}");

    // Cluster-scoped: no namespace, even with -n given.
    let (code, out, err) = api.run(&["how many vaults are there", "-n", "todo"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl get vaults.secure.example.org"),
        "{out}"
    );
    assert!(!out.contains("-n todo"), "{out}");
    assert!(out.contains("main") && out.contains("spare"), "{out}");
    assert_eq!(gets_of(&api, "/apis/secure.example.org/v1/vaults"), 1);

    let (code, out, err) = api.run(&["describe gizmo g1"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl describe gizmos.tools.example.com/g1 -n lab"),
        "{out}"
    );
    assert!(out.contains("size: 3"), "{out}");

    let (code, out, err) = api.run(&["show the vlt spare"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("vaults.secure.example.org/spare"), "{out}");

    let (code, out, _) = api.run(&["describe gizmo g9"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no Gizmo named \"g9\""), "{out}");
    assert!(api.writes().is_empty(), "reads only");
}

#[tokio::test]
async fn a_discovered_kind_is_labelled_deleted_and_undone_from_words() {
    let api = FakeApi::start(cluster(), &[]).await;

    let (code, out, err) = api.run(&["label vault main tier=gold", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl patch vaults.secure.example.org/main --type=merge -p '{\"metadata\":{\"labels\":{\"tier\":\"gold\"}}}'"),
        "{out}"
    );
    assert!(out.contains("+    tier: gold"), "the diff is shown: {out}");
    let patch = api
        .writes()
        .into_iter()
        .find(|w| w.method == "PATCH" && !w.query.contains("dryRun"))
        .expect("the label is patched");
    assert_eq!(patch.path, "/apis/secure.example.org/v1/vaults/main");

    let before = api.object("Gizmo", "lab", "g2").unwrap();
    let (code, out, err) = api.run(&["delete the gizmo g2", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Running: kubectl delete gizmos.tools.example.com/g2 -n lab"),
        "{out}"
    );
    assert!(
        out.contains("-kind: Gizmo"),
        "the diff shows it going: {out}"
    );
    assert!(api.object("Gizmo", "lab", "g2").is_none());
    let audit = api.audit();
    let last = audit.last().unwrap();
    assert_eq!(last["decision"], "approved_by_flag", "{last}");
    assert!(
        last["operation"].to_string().contains("gizmos"),
        "the audit names the resource: {last}"
    );

    let (code, out, err) = api.run(&["undo", "last", "--yes"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("re-created"), "{out}");
    assert_eq!(
        without_bookkeeping(api.object("Gizmo", "lab", "g2").unwrap()),
        without_bookkeeping(before)
    );

    // Deleting by a short name in another namespace, said in words.
    let (code, out, err) = api
        .run(&["remove gz g3 from namespace todo", "--dry-run"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl delete gizmos.tools.example.com/g3 -n todo"),
        "{out}"
    );
    assert!(
        api.object("Gizmo", "todo", "g3").is_some(),
        "a dry run deletes nothing"
    );
}

#[tokio::test]
async fn a_word_naming_both_a_kind_and_an_object_is_a_question() {
    let api = FakeApi::start(cluster(), &[]).await;
    // "backend" is the Backend kind's singular and the todo backend's name.
    let (code, out, err) = api.run(&["restart backend", "--yes"]).await;
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "\"backend\" names both a kind the server serves (backends.gateway.envoyproxy.io)"
        ),
        "{out}"
    );
    assert!(
        out.contains("deployment/todo-backend in namespace todo"),
        "{out}"
    );
    assert!(
        api.writes().is_empty(),
        "nothing is guessed: {:?}",
        api.writes()
    );

    let (code, out, _) = api.run(&["show backend"]).await;
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("names both a kind"), "{out}");

    // The plural names no object: the kind is meant.
    let (code, out, err) = api.run(&["list backends"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("api-upstream"), "{out}");
    // Said with its kind, the object is meant.
    let (code, out, err) = api.run(&["show deployment backend"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("todo-backend"), "{out}");
}

#[tokio::test]
async fn requests_whose_kinds_are_said_read_no_discovery() {
    let api = FakeApi::start(cluster(), &[]).await;
    for request in [
        "list pods in namespace todo",
        "describe deployment todo-backend",
        "show the configmaps",
        "health",
    ] {
        let (code, out, err) = api.run(&[request]).await;
        assert_eq!(code, 0, "{request}: {out}{err}");
    }
    assert_eq!(discovery_rounds(&api), 0, "typed kinds need no discovery");
    // A name of no said kind may be a discovered kind's word: one discovery, and
    // the built-in reading stands when it is not.
    let (code, out, err) = api.run(&["restart the frontend", "--dry-run"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kubectl rollout restart deployment/todo-frontend -n todo"),
        "{out}"
    );
    assert_eq!(discovery_rounds(&api), 1);
}
