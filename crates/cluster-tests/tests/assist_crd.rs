//! Custom resources through kubectl-assist on the real cluster: a CRD applied as setup,
//! then through the kubectl-assist binary its objects are applied from a manifest, listed in
//! words and in kubectl's argument form, described, patched and labelled (diff shown, applied
//! with --yes), deleted, and put back by `undo last`. Every effect is checked with kube-rs
//! against the API server (DynamicObject / ApiResource), and the audit log is read with
//! kube-assist's own `AuditRecord`. The CRD is deleted when the test ends, pass or fail.

use std::path::Path;

use cluster_tests::{Assist, Cluster, TestNamespace};
use kube::api::{Api, ApiResource, DynamicObject};
use kube_assist::audit::AuditRecord;
use serde_json::Value;

const NAMESPACE: &str = "assist-crd";
const GROUP: &str = "library.assist-e2e.example.com";
const CRD_NAME: &str = "shelves.library.assist-e2e.example.com";
/// kubectl's qualified name of the kind, as kubectl-assist prints it.
const RESOURCE: &str = "shelves.library.assist-e2e.example.com";

/// A namespaced kind with a plural, singular, short name and Kind all its own, a
/// structural schema and a printer column: what a real operator's CRD looks like.
const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: shelves.library.assist-e2e.example.com
spec:
  group: library.assist-e2e.example.com
  scope: Namespaced
  names:
    plural: shelves
    singular: shelf
    kind: Shelf
    shortNames: [shf]
  versions:
    - name: v1
      served: true
      storage: true
      additionalPrinterColumns:
        - name: Genre
          type: string
          jsonPath: .spec.genre
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                genre: {type: string}
                books: {type: integer}
"#;

/// Two Shelf objects in one manifest, applied through kubectl-assist.
const SHELVES: &str = r#"apiVersion: library.assist-e2e.example.com/v1
kind: Shelf
metadata:
  name: fiction
  namespace: assist-crd
spec:
  genre: novels
  books: 3
---
apiVersion: library.assist-e2e.example.com/v1
kind: Shelf
metadata:
  name: poetry
  namespace: assist-crd
  labels:
    floor: "2"
spec:
  genre: verse
  books: 7
"#;

/// The CRD, deleted when dropped (its objects go with it), so no run leaves a kind
/// behind for other suites' requests to stumble on.
struct CrdGuard {
    cluster: Cluster,
}

impl CrdGuard {
    fn apply(cluster: &Cluster, dir: &Path) -> Self {
        let file = dir.join("crd.yaml");
        std::fs::write(&file, CRD).expect("write the CRD manifest");
        cluster
            .kubectl(["apply", "-f", file.to_str().expect("utf-8 path")])
            .expect("apply the CRD");
        cluster
            .kubectl([
                "wait",
                "--for",
                "condition=established",
                &format!("crd/{CRD_NAME}"),
                "--timeout=60s",
            ])
            .expect("the CRD is established");
        Self {
            cluster: cluster.clone(),
        }
    }
}

impl Drop for CrdGuard {
    fn drop(&mut self) {
        if let Err(e) = self.cluster.kubectl([
            "delete",
            "crd",
            CRD_NAME,
            "--ignore-not-found",
            "--wait=false",
        ]) {
            eprintln!("could not delete CRD {CRD_NAME}: {e}");
        }
    }
}

fn shelves_api(client: kube::Client) -> Api<DynamicObject> {
    let gvk = kube::core::GroupVersionKind::gvk(GROUP, "v1", "Shelf");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "shelves");
    Api::namespaced_with(client, NAMESPACE, &ar)
}

async fn shelf(api: &Api<DynamicObject>, name: &str) -> Option<DynamicObject> {
    api.get_opt(name).await.expect("read a Shelf")
}

fn spec(o: &DynamicObject) -> &Value {
    &o.data["spec"]
}

fn label<'a>(o: &'a DynamicObject, key: &str) -> Option<&'a str> {
    o.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn custom_resources_round_trip_through_kubectl_assist() {
    let cluster = Cluster::from_env().expect("cluster");
    let dir = cluster.out_dir().join("assist-crd");
    std::fs::create_dir_all(&dir).expect("output directory");
    let _ns = TestNamespace::create(&cluster, NAMESPACE).expect("namespace");
    let _crd = CrdGuard::apply(&cluster, &dir);
    let assist = Assist::new(&cluster, &dir.join("audit.jsonl")).expect("kubectl-assist");
    // Runs that must succeed; their stdout and stderr together.
    let ok = |args: &[&str]| assist.ok(args).expect("kubectl-assist").all();
    let api = shelves_api(cluster.client().await.expect("client"));

    // Apply: both objects, server-side with kubectl-assist's field manager, diff shown.
    let manifest = dir.join("shelves.yaml");
    std::fs::write(&manifest, SHELVES).expect("write the manifest");
    let out = ok(&["apply", "-f", manifest.to_str().unwrap(), "--yes"]);
    assert!(
        out.contains("+kind: Shelf"),
        "the apply shows its diff:\n{out}"
    );
    for name in ["fiction", "poetry"] {
        let o = shelf(&api, name)
            .await
            .unwrap_or_else(|| panic!("{name} was applied:\n{out}"));
        assert!(
            o.metadata
                .managed_fields
                .iter()
                .flatten()
                .any(|m| m.manager.as_deref() == Some("kubectl-assist")),
            "{name} is applied with field manager kubectl-assist"
        );
    }
    assert_eq!(spec(&shelf(&api, "fiction").await.unwrap())["books"], 3);

    // List in words and in kubectl's argument form: the server's own columns.
    for args in [
        vec!["list the shelves in namespace assist-crd"],
        vec!["how many shelves are there", "-n", NAMESPACE],
        vec!["get", "shf", "-n", NAMESPACE],
    ] {
        let out = ok(&args);
        assert!(
            out.contains(&format!("Running: kubectl get {RESOURCE} -n {NAMESPACE}")),
            "{args:?}:\n{out}"
        );
        assert!(
            out.contains("GENRE"),
            "{args:?}: the CRD's printer column:\n{out}"
        );
        assert!(
            out.contains("fiction") && out.contains("novels") && out.contains("poetry"),
            "{args:?}:\n{out}"
        );
    }

    // Describe one, named in words.
    let out = ok(&["describe shelf fiction", "-n", NAMESPACE]);
    assert!(
        out.contains(&format!(
            "Running: kubectl describe {RESOURCE}/fiction -n {NAMESPACE}"
        )),
        "{out}"
    );
    assert!(
        out.contains("genre: novels") && out.contains("books: 3"),
        "{out}"
    );

    // Patch: a dry run shows the diff and changes nothing; --yes applies it.
    let patch = r#"{"spec":{"books":5}}"#;
    let args = [
        "patch", "shf", "fiction", "-n", NAMESPACE, "--type", "merge", "-p", patch,
    ];
    let dry: Vec<&str> = args.iter().copied().chain(["--dry-run"]).collect();
    let out = ok(&dry);
    assert!(
        out.contains("-  books: 3") && out.contains("+  books: 5"),
        "{out}"
    );
    assert_eq!(
        spec(&shelf(&api, "fiction").await.unwrap())["books"],
        3,
        "a dry run changes nothing"
    );
    let yes: Vec<&str> = args.iter().copied().chain(["--yes"]).collect();
    let out = ok(&yes);
    assert!(out.contains("+  books: 5"), "{out}");
    assert_eq!(spec(&shelf(&api, "fiction").await.unwrap())["books"], 5);

    // Label in words.
    let out = ok(&["label shelf poetry tier=gold", "-n", NAMESPACE, "--yes"]);
    assert!(out.contains("+    tier: gold"), "the label's diff:\n{out}");
    let poetry = shelf(&api, "poetry").await.expect("poetry");
    assert_eq!(label(&poetry, "tier"), Some("gold"));

    // Delete in words, then undo puts it back as it was.
    let out = ok(&["delete the shelf poetry", "-n", NAMESPACE, "--yes"]);
    assert!(
        out.contains(&format!(
            "Running: kubectl delete {RESOURCE}/poetry -n {NAMESPACE}"
        )),
        "{out}"
    );
    assert!(out.contains("-kind: Shelf"), "the delete's diff:\n{out}");
    assert!(shelf(&api, "poetry").await.is_none(), "poetry was deleted");
    let out = ok(&["undo", "last", "--yes"]);
    assert!(out.contains("re-created"), "{out}");
    let back = shelf(&api, "poetry").await.expect("undo re-created poetry");
    assert_eq!(spec(&back), spec(&poetry), "the same spec");
    assert_eq!(
        back.metadata.labels, poetry.metadata.labels,
        "the same labels"
    );
    assert_ne!(
        back.metadata.uid, poetry.metadata.uid,
        "a new object, not the old one"
    );

    // The audit: each write approved by --yes, carried out, with its diff; the dry run marked.
    let records = assist.audit().expect("the audit log");
    let writes: Vec<&AuditRecord> = records.iter().filter(|r| r.diff.is_some()).collect();
    let find = |what: &str| {
        writes
            .iter()
            .filter(|r| r.operation.as_deref().is_some_and(|o| o.contains(what)))
            .collect::<Vec<_>>()
    };
    for (what, expected) in [("apply", 1), ("patch shelves", 3), ("delete shelves", 1)] {
        let found = find(what);
        assert!(
            found.len() >= expected,
            "{what}: {expected} audited write(s) in {records:#?}"
        );
    }
    let patched = find("--type=merge -p '{\"spec\"");
    assert!(
        patched.iter().any(|r| r.dry_run && r.decision == "dry_run"),
        "the dry run is audited as one: {patched:#?}"
    );
    for r in writes.iter().filter(|r| !r.dry_run) {
        assert_eq!(r.decision, "approved_by_flag", "{r:#?}");
        assert_eq!(r.result, "ok", "{r:#?}");
        assert!(r.id.is_some(), "a write has an id for undo: {r:#?}");
    }
    assert!(
        records
            .iter()
            .any(|r| r.request.starts_with("undo") && r.result == "ok"),
        "the undo is audited: {records:#?}"
    );
}
