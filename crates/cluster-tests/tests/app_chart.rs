//! The chart and the raw manifests checked without installing them: `helm lint --strict`
//! with every ci/ values file, the render guard against SQLite with several backends,
//! strict validation of every render and of k8s/ against the Kubernetes 1.25 and 1.33
//! schemas (kubernetes-validate, PyPI), and a server-side dry run of every object on the
//! live API server.
//!
//! Run: `cargo test --workspace --test app_chart -- --ignored --test-threads=1` after
//! `e2e/cluster up` (helm and kubectl come from its PATH).

#[macro_use]
mod app;

use std::path::{Path, PathBuf};

use app::{AppTestError, Result, note};
use cluster_tests::{Cluster, TestNamespace};

/// kubernetes-validate's version: the schemas it carries, offline.
const KUBERNETES_VALIDATE: &str = "kubernetes-validate==1.37.0";
const SCHEMA_VERSIONS: [&str; 2] = ["1.25.0", "1.33.0"];

fn chart(cluster: &Cluster) -> String {
    cluster.repo().join("helm/todo-chart").display().to_string()
}

/// The chart's ci/*-values.yaml files, sorted.
fn values_files(cluster: &Cluster) -> Result<Vec<PathBuf>> {
    let dir = cluster.repo().join("helm/todo-chart/ci");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|source| AppTestError::Io {
            context: format!("reading {}", dir.display()),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("-values.yaml"))
        .collect();
    files.sort();
    ensure!(!files.is_empty(), "no *-values.yaml in {}", dir.display());
    Ok(files)
}

/// "default" for the chart's defaults, else the values file's name without -values.yaml.
fn render_name(values: Option<&Path>) -> String {
    values
        .and_then(|p| p.file_name())
        .map(|n| {
            n.to_string_lossy()
                .trim_end_matches("-values.yaml")
                .to_string()
        })
        .unwrap_or_else(|| "default".into())
}

/// The renders every check covers: the chart's defaults (None), then each ci/ values file.
fn renders(cluster: &Cluster) -> Result<Vec<Option<PathBuf>>> {
    let mut renders: Vec<Option<PathBuf>> = vec![None];
    renders.extend(values_files(cluster)?.into_iter().map(Some));
    Ok(renders)
}

/// `helm template todo CHART -n NAMESPACE EXTRA... [-f VALUES]` written to
/// target/e2e/render/NAME.SUFFIX; the file, or why helm refused (a check failure, so that
/// every other render is still checked).
fn render(
    cluster: &Cluster,
    namespace: &str,
    values: Option<&Path>,
    extra: &[&str],
    suffix: &str,
) -> Result<std::result::Result<PathBuf, String>> {
    let name = render_name(values);
    let mut args = vec!["template".to_string(), "todo".into(), chart(cluster)];
    args.extend(["-n", namespace].iter().chain(extra).map(|a| a.to_string()));
    if let Some(v) = values {
        args.extend(["-f".to_string(), v.display().to_string()]);
    }
    let rendered = match cluster.helm(&args) {
        Ok(r) => r,
        Err(e) => return Ok(Err(format!("{name}: {e}"))),
    };
    let file = cluster
        .out_dir()
        .join("render")
        .join(format!("{name}.{suffix}"));
    write(&file, &rendered)?;
    Ok(Ok(file))
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(path, text).map_err(|source| AppTestError::Io {
        context: format!("writing {}", path.display()),
        source,
    })
}

/// Fails the test with the error of a check (no diagnostics namespace here).
fn finish(outcome: Result<()>) {
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

async fn lint(cluster: &Cluster) -> Result<()> {
    let chart = chart(cluster);
    cluster.helm(["lint", "--strict", &chart])?;
    note("lint --strict ok with the defaults");
    for f in values_files(cluster)? {
        cluster.helm(["lint", "--strict", &chart, "-f", &f.display().to_string()])?;
        note(format!(
            "lint --strict ok with {}",
            f.file_name().unwrap_or_default().to_string_lossy()
        ));
    }
    // The guard against SQLite (the default store) with several backend replicas.
    let guarded = cluster.helm(["template", "t", &chart, "--set", "backend.replicaCount=2"]);
    ensure!(
        guarded.is_err(),
        "expected a render failure for SQLite with 2 backend replicas"
    );
    note("SQLite with 2 backend replicas: the render refuses it");
    Ok(())
}

#[tokio::test]
#[ignore = "needs the local cluster's helm (e2e/cluster up)"]
async fn chart_lints_strict_with_every_values_file() {
    let cluster = Cluster::from_env().expect("cluster");
    finish(lint(&cluster).await);
}

/// Installs kubernetes-validate into the cache once; the command that runs it.
fn kubernetes_validate(cluster: &Cluster) -> Result<std::process::Command> {
    let cache = std::env::var("TODO_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/todo-chatbot")
        });
    let dir = cache.join(KUBERNETES_VALIDATE.replace("==", "-"));
    if !dir.join(".ok").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        cluster.run(cluster.command("python3").args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--target",
            &dir.display().to_string(),
            KUBERNETES_VALIDATE,
        ]))?;
        write(&dir.join(".ok"), "")?;
    }
    let mut cmd = cluster.command("python3");
    cmd.env("PYTHONPATH", &dir)
        .args(["-m", "kubernetes_validate", "--strict", "--quiet"]);
    Ok(cmd)
}

async fn schema(cluster: &Cluster) -> Result<()> {
    let mut failures = Vec::new();
    // Rendered for modern Kubernetes (helm's default capabilities: policy/v1, autoscaling/v2).
    for values in &renders(cluster)? {
        let name = render_name(values.as_deref());
        let file = match render(cluster, "e2e", values.as_deref(), &[], "yaml")? {
            Ok(file) => file,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for v in SCHEMA_VERSIONS {
            match cluster.run(kubernetes_validate(cluster)?.args([
                "-k",
                v,
                &file.display().to_string(),
            ])) {
                Ok(_) => note(format!("{name}: valid for Kubernetes {v}")),
                Err(e) => failures.push(format!("{name} for {v}: {e}")),
            }
        }
    }
    let mut manifests: Vec<String> = std::fs::read_dir(cluster.repo().join("k8s"))
        .map_err(|source| AppTestError::Io {
            context: "reading k8s/".into(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.display().to_string())
        .collect();
    manifests.sort();
    ensure!(!manifests.is_empty(), "no k8s/*.yaml");
    for v in SCHEMA_VERSIONS {
        match cluster.run(
            kubernetes_validate(cluster)?
                .args(["-k", v])
                .args(&manifests),
        ) {
            Ok(_) => note(format!("k8s/: valid for Kubernetes {v}")),
            Err(e) => failures.push(format!("k8s/ for {v}: {e}")),
        }
    }
    ensure!(
        failures.is_empty(),
        "schema validation failed:\n{}",
        failures.join("\n")
    );
    Ok(())
}

#[tokio::test]
#[ignore = "needs the local cluster's helm (e2e/cluster up)"]
async fn chart_renders_and_manifests_are_valid_for_kubernetes_1_25_and_1_33() {
    let cluster = Cluster::from_env().expect("cluster");
    finish(schema(&cluster).await);
}

/// Objects the API server accepted in a dry run (`kubectl apply` prints one line each).
fn accepted(out: &str) -> usize {
    out.lines().filter(|l| !l.trim().is_empty()).count()
}

async fn dry_run(cluster: &Cluster, client: &kube::Client) -> Result<()> {
    use k8s_openapi::api::core::v1::Namespace;
    let ns = TestNamespace::create(cluster, "e2e-validate")?;
    let mut failures = Vec::new();
    for values in &renders(cluster)? {
        let name = render_name(values.as_deref());
        // Rendered with the live cluster's capabilities; namespace.create off: the Namespace
        // object would clash with the test namespace (the schema test validates it).
        let extra = ["--dry-run=server", "--set", "namespace.create=false"];
        let file = match render(cluster, ns.name(), values.as_deref(), &extra, "server.yaml")? {
            Ok(file) => file,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        match cluster.kubectl([
            "apply",
            "--dry-run=server",
            "--validate=true",
            "-n",
            ns.name(),
            "-f",
            &file.display().to_string(),
        ]) {
            Ok(out) => note(format!(
                "{name}: {} objects accepted by the API server (dry run)",
                accepted(&out)
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    // k8s/ names its namespace `todo`: it must exist for a dry run of the objects in it. A
    // real install of k8s/ (its namespace labelled part-of) is left alone; any other goes.
    let k8s = cluster.repo().join("k8s");
    let namespaces = kube::Api::<Namespace>::all(client.clone());
    let existed = namespaces.get_opt("todo").await?.is_some();
    let outcome = (|| {
        cluster.kubectl([
            "apply",
            "--dry-run=server",
            "--validate=true",
            "-f",
            &k8s.join("00-namespace.yaml").display().to_string(),
        ])?;
        if !existed {
            cluster.kubectl(["create", "namespace", "todo"])?;
        }
        cluster.kubectl([
            "apply",
            "--dry-run=server",
            "--validate=true",
            "-f",
            &k8s.display().to_string(),
        ])
    })();
    match outcome {
        Ok(out) => note(format!(
            "k8s/: {} objects accepted by the API server (dry run)",
            accepted(&out)
        )),
        Err(e) => failures.push(format!("k8s/: {e}")),
    }
    let labelled = namespaces
        .get_opt("todo")
        .await?
        .and_then(|n| n.metadata.labels)
        .is_some_and(|l| l.keys().any(|k| k.contains("part-of")));
    if !labelled {
        let _ = cluster.kubectl(["delete", "namespace", "todo", "--wait=false"]);
    }
    ensure!(
        failures.is_empty(),
        "server-side dry run failed:\n{}",
        failures.join("\n")
    );
    Ok(())
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn chart_and_manifests_pass_a_server_side_dry_run() {
    let cluster = Cluster::from_env().expect("cluster");
    let client = cluster.client().await.expect("kube client");
    finish(dry_run(&cluster, &client).await);
}
