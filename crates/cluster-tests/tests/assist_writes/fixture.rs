//! The writes suite's shared setup: the namespace `assist-writes` with a Deployment `web`
//! and a bare Pod `solo` (busybox:e2e, imported by e2e/cluster), the Ready node, and
//! helpers that read objects back through kube-rs.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use cluster_tests::AssistRun;
use cluster_tests::assist::{Assist, bare_object, clear_assist_namespaces};
use cluster_tests::{Cluster, delete_namespaces_at_exit, poll_until};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};

pub const NS: &str = "assist-writes";

/// Everything the suite's tests share.
pub struct Writes {
    pub cluster: Cluster,
    pub assist: Assist,
    /// The Ready node (a Node object without a kubelet, as bench/assist.sh makes, is never it).
    pub node: String,
    /// target/e2e/assist-writes: manifests and kubeconfigs the tests write.
    pub out: PathBuf,
}

impl Writes {
    pub async fn client(&self) -> kube::Client {
        self.cluster.client().await.expect("kube client")
    }

    /// `kubectl-assist ARGS...`, which must exit 0; its output is shown (on failure) and
    /// must hold every one of `wanted` (diff lines, names).
    pub fn ok_showing(&self, args: &[&str], wanted: &[&str]) -> AssistRun {
        let run = self.assist.ok(args).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{}", run.all());
        run.assert_contains(wanted);
        run
    }

    /// `undo last --yes`, whose output must hold every one of `wanted`.
    pub fn undo_last(&self, wanted: &[&str]) -> AssistRun {
        self.ok_showing(&["undo", "last", "--yes"], wanted)
    }

    /// `kubectl create configmap NAME --from-literal=K=V...` in this namespace.
    pub fn create_configmap(&self, name: &str, literals: &[&str]) {
        let mut args = vec!["-n", NS, "create", "configmap", name];
        let literals: Vec<String> = literals
            .iter()
            .map(|l| format!("--from-literal={l}"))
            .collect();
        args.extend(literals.iter().map(String::as_str));
        self.cluster
            .kubectl(&args)
            .unwrap_or_else(|e| panic!("create configmap {name}: {e}"));
    }

    /// `kubectl rollout status` of a Deployment of this namespace (90 s at most).
    pub fn rollout_status(&self, deployment: &str) {
        self.cluster
            .kubectl([
                "-n",
                NS,
                "rollout",
                "status",
                &format!("deployment/{deployment}"),
                "--timeout=90s",
            ])
            .unwrap_or_else(|e| panic!("{deployment} did not roll out: {e}"));
    }

    /// `kubectl apply -f` of `yaml`, written to `out/NAME.yaml` first (kept for a look).
    pub fn apply(&self, name: &str, yaml: &str) {
        let path = self.out.join(format!("{name}.yaml"));
        std::fs::write(&path, yaml).expect("write manifest");
        self.cluster
            .kubectl(["-n", NS, "apply", "-f", &path.display().to_string()])
            .expect("kubectl apply");
    }

    pub async fn deployment(&self, name: &str) -> Deployment {
        Api::<Deployment>::namespaced(self.client().await, NS)
            .get(name)
            .await
            .expect("deployment")
    }

    /// `web`'s spec.replicas.
    pub async fn replicas(&self) -> i32 {
        self.deployment("web")
            .await
            .spec
            .and_then(|s| s.replicas)
            .unwrap_or(1)
    }

    /// Sets `web`'s replicas directly, so a test starts from a state it chose.
    pub async fn set_replicas(&self, replicas: i32) {
        Api::<Deployment>::namespaced(self.client().await, NS)
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(serde_json::json!({"spec": {"replicas": replicas}})),
            )
            .await
            .expect("set replicas");
    }

    /// The object of this namespace as the API server has it, every field kept (a
    /// DynamicObject), as JSON.
    pub async fn object<K>(&self, name: &str) -> Option<serde_json::Value>
    where
        K: kube::Resource<DynamicType = ()>,
    {
        let resource = ApiResource::erase::<K>(&());
        let api: Api<DynamicObject> = Api::namespaced_with(self.client().await, NS, &resource);
        api.get_opt(name)
            .await
            .expect("get object")
            .map(|o| serde_json::to_value(o).expect("object as JSON"))
    }

    /// The object without what the server maintains ([`bare_object`]).
    pub async fn bare<K>(&self, name: &str) -> serde_json::Value
    where
        K: kube::Resource<DynamicType = ()>,
    {
        bare_object(
            self.object::<K>(name)
                .await
                .unwrap_or_else(|| panic!("{} {name} is not there", K::kind(&()))),
        )
    }

    /// Waits (180 s at most, as `kubectl wait --for=delete` did) until the object is gone;
    /// what undo of a create must leave.
    pub async fn wait_gone<K>(&self, name: &str)
    where
        K: kube::Resource<DynamicType = ()>,
    {
        let what = format!("{} {name} gone", K::kind(&()));
        poll_until(
            &what,
            Duration::from_secs(180),
            Duration::from_secs(1),
            || async {
                match self.object::<K>(name).await {
                    None => Ok(()),
                    Some(_) => Err("still there".to_string()),
                }
            },
        )
        .await
        .expect("gone");
    }
}

static WRITES: OnceLock<Result<Writes, String>> = OnceLock::new();

/// The shared setup, made by the first test that asks.
pub fn writes() -> &'static Writes {
    match WRITES.get_or_init(|| setup().map_err(|e| e.to_string())) {
        Ok(writes) => writes,
        Err(e) => panic!("the writes suite's setup failed: {e}"),
    }
}

const BASE: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: app, image: busybox:e2e, imagePullPolicy: Never, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: busybox:e2e, imagePullPolicy: Never, command: [sleep, "3600"]}
"#;

fn setup() -> cluster_tests::Result<Writes> {
    let cluster = Cluster::from_env()?;
    let out = cluster.out_dir().join("assist-writes");
    let assist = Assist::new(&cluster, &out.join("audit.jsonl"))?;
    // Other suites' and the bench's leftovers hold lookalike objects.
    clear_assist_namespaces(&cluster)?;
    delete_namespaces_at_exit(&cluster, &[NS]);
    cluster.kubectl(["create", "namespace", NS])?;
    let node = ready_node(&cluster)?;
    let writes = Writes {
        cluster,
        assist,
        node,
        out,
    };
    writes.apply("base", BASE);
    Ok(writes)
}

/// The first node whose Ready condition is True (`kubectl get nodes` prints a `List`, so
/// each item is read as a Node).
fn ready_node(cluster: &Cluster) -> cluster_tests::Result<String> {
    let list: serde_json::Value =
        serde_json::from_str(&cluster.kubectl(["get", "nodes", "-o", "json"])?)
            .map_err(|e| cluster_tests::Error::NotUp(format!("kubectl get nodes: {e}")))?;
    let nodes = list["items"].as_array().cloned().unwrap_or_default();
    nodes
        .into_iter()
        .filter_map(|n| serde_json::from_value::<Node>(n).ok())
        .find(|n| {
            n.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .and_then(|n| n.metadata.name)
        .ok_or_else(|| cluster_tests::Error::NotUp("no Ready node".into()))
}
