//! The raw manifests in k8s/ on the real cluster: applied with the e2e image and a Secret
//! made here, the app answers (the same smoke test as the Helm installs), and
//! `kubectl delete -f k8s/` removes everything, the namespace and its volume included.
//!
//! Run: `cargo test --workspace --test app_raw -- --ignored --test-threads=1` after
//! `e2e/cluster up`.

#[macro_use]
mod app;

use std::time::Duration;

use app::api::{self, AppServices};
use app::{AppTestError, Result, Steps, kube_wait, note};
use cluster_tests::images::AppImages;
use cluster_tests::{Cluster, TestNamespace};

const NS: &str = "todo";

/// k8s/*.yaml with the image pointed at the local one (never pulled), into `dir`.
fn local_manifests(cluster: &Cluster, images: &AppImages) -> Result<std::path::PathBuf> {
    let dir = cluster.out_dir().join("k8s");
    let io = |context: String| move |source| AppTestError::Io { context, source };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
    let src = cluster.repo().join("k8s");
    let mut entries: Vec<_> = std::fs::read_dir(&src)
        .map_err(io(format!("reading {}", src.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    let mut replaced = false;
    for path in entries {
        let text =
            std::fs::read_to_string(&path).map_err(io(format!("reading {}", path.display())))?;
        replaced |= text.contains("image: todo-chatbot:0.1.0");
        let text = text
            .replace(
                "image: todo-chatbot:0.1.0",
                &format!("image: {}", images.app),
            )
            .replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: Never");
        let out = dir.join(path.file_name().unwrap_or_default());
        std::fs::write(&out, text).map_err(io(format!("writing {}", out.display())))?;
    }
    ensure!(
        replaced,
        "no `image: todo-chatbot:0.1.0` line in k8s/ to point at the e2e image"
    );
    Ok(dir)
}

fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    use std::io::Read as _;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|source| AppTestError::Io {
            context: "reading /dev/urandom".into(),
            source,
        })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

async fn apply(cluster: &Cluster, client: &kube::Client, dir: &std::path::Path) -> Result<()> {
    cluster.kubectl([
        "apply",
        "-f",
        &dir.join("00-namespace.yaml").display().to_string(),
    ])?;
    cluster.kubectl([
        "-n",
        NS,
        "create",
        "secret",
        "generic",
        "todo-secrets",
        &format!("--from-literal=BETTER_AUTH_SECRET={}", random_secret()?),
    ])?;
    cluster.kubectl(["apply", "-f", &dir.display().to_string()])?;
    kube_wait::wait_deployments(
        client,
        NS,
        Duration::from_secs(180),
        &["todo-backend", "todo-frontend"],
    )
    .await
}

async fn delete(cluster: &Cluster, client: &kube::Client, dir: &std::path::Path) -> Result<()> {
    // Whether every object was still there to delete is not the point; what is left is.
    let _ = cluster.kubectl([
        "delete",
        "-f",
        &dir.display().to_string(),
        "--wait=true",
        "--timeout=120s",
    ]);
    kube_wait::wait_namespace_gone(client, NS, Duration::from_secs(90)).await?;
    // The released volume is deleted by the reclaimer after the namespace is gone.
    let mut left = Vec::new();
    for _ in 0..60 {
        left = kube_wait::volumes_of_namespace(client, NS).await?;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    ensure!(
        left.is_empty(),
        "a volume of namespace {NS} is left: {left:?}"
    );
    note("kubectl delete -f k8s/ removed everything");
    Ok(())
}

async fn raw_flow(
    cluster: &Cluster,
    client: &kube::Client,
    images: &AppImages,
) -> Result<(), app::StepFailed> {
    let mut steps = Steps::new(client.clone(), NS);
    let dir = steps
        .run("raw-manifests-apply", async {
            local_manifests(cluster, images)
        })
        .await?;
    steps
        .run("raw-manifests-ready", apply(cluster, client, &dir))
        .await?;
    let services = AppServices {
        namespace: NS,
        frontend: "todo-frontend",
        backend: "todo-backend",
        label: "e2e-raw",
    };
    let node_ip = cluster.node_ip();
    steps
        .run(
            "raw-manifests-signup-and-task",
            api::smoke(client, &node_ip, services),
        )
        .await?;
    steps
        .run("raw-manifests-delete-clean", delete(cluster, client, &dir))
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn raw_manifests_install_smoke_delete() {
    let cluster = Cluster::from_env().expect("cluster");
    let client = cluster.client().await.expect("kube client");
    let images = AppImages::ensure(&cluster).expect("app images");
    // The manifests create the namespace; the guard removes it should a step fail.
    let _ns = TestNamespace::claim(&cluster, NS).expect("namespace");
    app::finish(raw_flow(&cluster, &client, &images).await);
}
