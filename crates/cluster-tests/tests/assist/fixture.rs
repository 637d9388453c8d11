//! The assist suite's shared setup, made once for all of its tests: the Todo Chatbot
//! installed by the Helm chart in `assist-todo` and the failing workloads of
//! `scenarios.yaml` in `assist-scenarios`, both deleted when the test process exits.

use std::sync::OnceLock;
use std::time::Instant;

use cluster_tests::assist::{Assist, clear_assist_namespaces};
use cluster_tests::{Cluster, delete_namespaces_at_exit};
use kube_assist::audit::AuditRecord;

/// The app's namespace and Helm release.
pub const NS: &str = "assist-todo";
pub const RELEASE: &str = "assist";
/// The failing workloads' namespace (scenarios.yaml creates it).
pub const SCN: &str = "assist-scenarios";

/// Everything the suite's tests share.
pub struct App {
    pub cluster: Cluster,
    pub assist: Assist,
    /// A second tag of the app image, for "set the backend image to ...".
    pub image_v2: String,
}

impl App {
    pub fn deployment(&self, component: &str) -> String {
        format!("{RELEASE}-{component}")
    }

    pub async fn client(&self) -> kube::Client {
        self.cluster.client().await.expect("kube client")
    }

    /// The audit log's lines from `from` on (what one test ran).
    pub fn audit_since(&self, from: usize) -> Vec<AuditRecord> {
        let mut all = self.assist.audit().expect("audit log");
        all.drain(..from.min(all.len()));
        all
    }

    /// How many lines the audit log has now.
    pub fn audit_len(&self) -> usize {
        self.assist.audit().expect("audit log").len()
    }
}

/// Each write line of `records` as "decision result operation", the shape the suite's
/// exact audit checks compare.
pub fn write_lines(records: &[AuditRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.access.as_deref() != Some("read"))
        .map(|r| {
            format!(
                "{} {} {}",
                r.decision,
                r.result,
                r.operation.as_deref().unwrap_or("(no operation)")
            )
        })
        .collect()
}

static APP: OnceLock<Result<App, String>> = OnceLock::new();

/// The shared setup, made by the first test that asks; every later test gets the same one
/// (or the same setup error).
pub fn app() -> &'static App {
    match APP.get_or_init(|| setup().map_err(|e| e.to_string())) {
        Ok(app) => app,
        Err(e) => panic!("the assist suite's setup failed: {e}"),
    }
}

fn setup() -> cluster_tests::Result<App> {
    let started = Instant::now();
    let cluster = Cluster::from_env()?;
    let out = cluster.out_dir().join("assist");
    let assist = Assist::new(&cluster, &out.join("audit.jsonl"))?;
    let (image, image_v2) = cluster_tests::AppImages::app_only(&cluster, "assist")?;
    eprintln!(
        "images {image} and {image_v2}; kubectl-assist {}",
        assist.bin().display()
    );
    clear_assist_namespaces(&cluster)?;
    delete_namespaces_at_exit(&cluster, &[NS, SCN]);
    cluster_tests::install_app(&cluster, RELEASE, NS, &image)?;
    let scenarios =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assist/scenarios.yaml");
    cluster.kubectl(["apply", "-f", &scenarios.display().to_string()])?;
    eprintln!(
        "setup: chart installed in {NS}, scenarios applied in {SCN} ({} s)",
        started.elapsed().as_secs()
    );
    Ok(App {
        cluster,
        assist,
        image_v2,
    })
}
