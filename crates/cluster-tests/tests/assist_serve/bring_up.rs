//! Bringing up what the checks look at: the agent image from the static binary, the Todo
//! Chatbot's chart with a second namespace beside it, and the agent's chart with a team of
//! tokens. Building the binaries and the app image stays in e2e/lib/images.sh (bring-up
//! shared with e2e/run); what is checked about them is checked here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cluster_tests::assist::clear_assist_namespaces;
use cluster_tests::images::now_secs;
use cluster_tests::{AppImages, Cluster, TestNamespace, install_app};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

use crate::{AGENT, AGENT_NS, APP, APP_NS, OTHER_NS};

/// The agent image's size limit (issue 11): 15 MiB.
const IMAGE_LIMIT_BYTES: u64 = 15 * 1024 * 1024;
/// The non-root user the image runs as (distroless' `nonroot`).
const IMAGE_USER: &str = "65532:65532";

/// The team the agent's tokens Secret names: one per role, and a second operator (otto)
/// whom impersonation maps to a view-only Kubernetes user.
pub struct Team {
    pub viewer: String,
    pub operator: String,
    pub approver: String,
    pub otto: String,
}

impl Team {
    /// Fresh random tokens, so a token of an earlier run means nothing to this agent.
    pub fn random() -> Self {
        Self {
            viewer: format!("viewer-{}", random_hex()),
            operator: format!("operator-{}", random_hex()),
            approver: format!("approver-{}", random_hex()),
            otto: format!("operator-{}", random_hex()),
        }
    }

    /// The Secret's `tokens` key: `NAME ROLE TOKEN` lines.
    fn lines(&self) -> String {
        format!(
            "vera viewer {}\nolga operator {}\nanna approver {}\notto operator {}\n",
            self.viewer, self.operator, self.approver, self.otto
        )
    }
}

/// 12 random bytes as hex.
fn random_hex() -> String {
    use std::io::Read;
    let mut buf = [0u8; 12];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Helm release the suite installed, uninstalled when it is dropped (unless `E2E_KEEP=1`):
/// the agent chart's ClusterRole and ClusterRoleBinding go with `helm uninstall` only.
pub struct HelmRelease {
    cluster: Cluster,
    name: &'static str,
    namespace: &'static str,
}

impl Drop for HelmRelease {
    fn drop(&mut self) {
        if std::env::var_os("E2E_KEEP").is_some_and(|v| v == "1") {
            eprintln!("E2E_KEEP=1: release {} kept", self.name);
            return;
        }
        if let Err(e) = self
            .cluster
            .helm(["uninstall", self.name, "-n", self.namespace])
        {
            eprintln!("could not uninstall {}: {e}", self.name);
        }
    }
}

/// Runs `bash -c SCRIPT` with e2e/lib/images.sh sourced (the build functions e2e/run
/// shares); its stdout, trimmed. Build output (stderr) is written to `log`.
fn images_sh(cluster: &Cluster, script: &str, log: &Path) -> String {
    let out = cluster
        .command("bash")
        .arg("-c")
        .arg(format!(". e2e/lib/images.sh && {script}"))
        .output()
        .expect("run bash");
    let _ = std::fs::write(log, &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    assert!(
        out.status.success(),
        "{script} failed ({}); the end of {}:\n{}",
        out.status,
        log.display(),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether the ELF file at `path` is statically linked: an ELF executable without a
/// program interpreter (PT_INTERP), which is what `file` calls static or static-pie.
fn is_static_elf(path: &Path) -> Result<bool, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        return Err(format!(
            "{} is not a 64-bit little-endian ELF file",
            path.display()
        ));
    }
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[0x20..0x28].try_into().expect("8 bytes")) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    const PT_INTERP: u32 = 3;
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        let p_type = bytes
            .get(at..at + 4)
            .ok_or_else(|| format!("{}: truncated program headers", path.display()))?;
        if u32::from_le_bytes(p_type.try_into().expect("4 bytes")) == PT_INTERP {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The static `agent`-profile binary (KUBECTL_ASSIST_E2E_BINARY, else built by
/// e2e/lib/images.sh into target/e2e-static), in an image from
/// e2e/images/Dockerfile.kubectl-assist: static, non-root, < 15 MB. Its `repository:tag`.
pub async fn agent_image(cluster: &Cluster, out: &Path) -> String {
    let bin = match std::env::var_os("KUBECTL_ASSIST_E2E_BINARY").filter(|v| !v.is_empty()) {
        Some(bin) => PathBuf::from(bin),
        None => PathBuf::from(images_sh(
            cluster,
            r#"build_kubectl_assist_static "$PWD""#,
            &out.join("build.log"),
        )),
    };
    assert!(
        is_static_elf(&bin).expect("the agent binary"),
        "not a static binary: {}",
        bin.display()
    );
    let ctx = out.join("image-ctx");
    let _ = std::fs::remove_dir_all(&ctx);
    std::fs::create_dir_all(&ctx).expect("image context");
    std::fs::copy(&bin, ctx.join("kubectl-assist")).expect("copy the binary");
    let tag = format!("kubectl-assist:e2e-{}", now_secs());
    let base = cluster.var("TODO_E2E_BASE_IMAGE");
    let base = if base.is_empty() {
        "todo-e2e/base:latest".to_string()
    } else {
        base
    };
    let dockerfile = cluster.repo().join("e2e/images/Dockerfile.kubectl-assist");
    cluster
        .run(
            cluster
                .command("docker")
                .env("DOCKER_BUILDKIT", "0")
                .args(["build", "-q", "--build-arg"])
                .arg(format!("CERTS_IMAGE={base}"))
                .arg("-f")
                .arg(&dockerfile)
                .args(["-t", &tag])
                .arg(&ctx),
        )
        .expect("docker build the agent image");

    let inspect = cluster
        .run(cluster.command("docker").args(["image", "inspect", &tag]))
        .expect("docker image inspect");
    let inspect: serde_json::Value = serde_json::from_str(&inspect).expect("inspect JSON");
    let size = inspect[0]["Size"].as_u64().expect("the image's Size");
    let user = inspect[0]["Config"]["User"].as_str().unwrap_or_default();
    let layers = cluster
        .run(cluster.command("docker").args(["history", "-q", &tag]))
        .expect("docker history")
        .lines()
        .count();
    println!(
        "    image {tag}: {size} bytes ({} MiB), user {user}, layers {layers}",
        size / 1024 / 1024
    );
    // FROM scratch: nothing of a base OS, not even a shell to run.
    let shell = cluster
        .command("docker")
        .args(["run", "--rm", "--entrypoint", "/bin/sh", &tag, "-c", "true"])
        .output()
        .expect("docker run");
    assert!(
        !shell.status.success(),
        "the image has a /bin/sh: it is not FROM scratch"
    );
    assert_eq!(user, IMAGE_USER, "the image runs as a non-root user");
    assert!(
        size < IMAGE_LIMIT_BYTES,
        "the image is {size} bytes, over {IMAGE_LIMIT_BYTES}"
    );
    tag
}

/// `helm ARGS...`, its output appended to `log`; on failure a panic showing the end of it
/// and the pods of `namespace`.
pub fn helm(cluster: &Cluster, args: &[String], log: &Path, namespace: &str) {
    let out = cluster
        .command("helm")
        .args(args)
        .output()
        .expect("run helm");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    append_log(log, &text);
    if !out.status.success() {
        let pods = pods(cluster, namespace);
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        panic!(
            "helm {} failed:\n{}\npods in {namespace}:\n{pods}",
            args.join(" "),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
}

/// Appends `text` to the log file at `path` (best effort: a log is never worth a failure).
fn append_log(path: &Path, text: &str) {
    let mut all = std::fs::read_to_string(path).unwrap_or_default();
    all.push_str(text);
    let _ = std::fs::write(path, all);
}

/// `kubectl get pods` of `namespace`, or why it could not be read: for failure messages.
fn pods(cluster: &Cluster, namespace: &str) -> String {
    cluster
        .kubectl(["-n", namespace, "get", "pods"])
        .unwrap_or_else(|e| e.to_string())
}

/// The Todo Chatbot's chart in [`APP_NS`] (one backend, one frontend), and [`OTHER_NS`] with
/// one Deployment `web` of the app image, after every kubectl-assist suite's namespaces are
/// cleared (a leftover lookalike would make "the frontend" ambiguous).
pub async fn app(
    cluster: &Cluster,
    client: &kube::Client,
    out: &Path,
) -> (TestNamespace, TestNamespace, HelmRelease) {
    let (image, _) = AppImages::app_only(cluster, "serve").expect("the app image");
    println!("    app image {image}");
    clear_assist_namespaces(cluster).expect("clear the kubectl-assist suites' namespaces");
    let app_ns = TestNamespace::create(cluster, APP_NS).expect("app namespace");
    let release = HelmRelease {
        cluster: cluster.clone(),
        name: APP,
        namespace: APP_NS,
    };
    match install_app(cluster, APP, APP_NS, &image) {
        Ok(text) => append_log(&out.join("app-helm.log"), &text),
        Err(e) => panic!("{e}\npods in {APP_NS}:\n{}", pods(cluster, APP_NS)),
    }

    let other_ns = TestNamespace::create(cluster, OTHER_NS).expect("other namespace");
    let web: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "todo-chatbot", "image": image, "imagePullPolicy": "Never"
                }]}
            }
        }
    }))
    .expect("the web Deployment");
    Api::<Deployment>::namespaced(client.clone(), OTHER_NS)
        .create(&PostParams::default(), &web)
        .await
        .expect("create deployment web");
    (app_ns, other_ns, release)
}

/// `--set` arguments of the agent chart every install and upgrade shares: the image just
/// built (never pulled), busybox for `helm test`, the team's Secret, a check every 20 s.
pub fn agent_values(image: &str) -> Vec<String> {
    let (repository, tag) = image
        .split_once(':')
        .expect("an image reference with a tag");
    [
        format!("image.repository={repository}"),
        format!("image.tag={tag}"),
        "image.pullPolicy=Never".into(),
        "tests.image=busybox:e2e".into(),
        "tests.pullPolicy=Never".into(),
        "checks.interval=20s".into(),
        "auth.existingSecret=team-tokens".into(),
    ]
    .into_iter()
    .flat_map(|v| ["--set".to_string(), v])
    .collect()
}

/// `helm install|upgrade` of helm/kubectl-assist as [`AGENT`] in [`AGENT_NS`] with
/// [`agent_values`] and `extra`, waiting until it is ready.
pub fn agent_chart(cluster: &Cluster, out: &Path, image: &str, verb: &str, extra: &[String]) {
    let chart = cluster
        .repo()
        .join("helm/kubectl-assist")
        .display()
        .to_string();
    let mut args: Vec<String> = [verb, AGENT, &chart, "-n", AGENT_NS]
        .map(String::from)
        .to_vec();
    args.extend(agent_values(image));
    args.extend(extra.iter().cloned());
    args.extend(["--wait", "--timeout", "180s"].map(String::from));
    helm(cluster, &args, &out.join("agent-helm.log"), AGENT_NS);
}

/// The agent's chart in [`AGENT_NS`] with the team's tokens Secret and the default
/// (read-only) RBAC; `helm test` passes.
pub async fn agent(
    cluster: &Cluster,
    client: &kube::Client,
    out: &Path,
    image: &str,
    team: &Team,
) -> (TestNamespace, HelmRelease) {
    let agent_ns = TestNamespace::create(cluster, AGENT_NS).expect("agent namespace");
    let secret = Secret {
        metadata: kube::api::ObjectMeta {
            name: Some("team-tokens".into()),
            ..Default::default()
        },
        string_data: Some(BTreeMap::from([("tokens".to_string(), team.lines())])),
        ..Default::default()
    };
    Api::<Secret>::namespaced(client.clone(), AGENT_NS)
        .create(&PostParams::default(), &secret)
        .await
        .expect("create the team-tokens Secret");
    let release = HelmRelease {
        cluster: cluster.clone(),
        name: AGENT,
        namespace: AGENT_NS,
    };
    agent_chart(cluster, out, image, "install", &[]);
    let test: Vec<String> = ["test", AGENT, "-n", AGENT_NS, "--timeout", "120s"]
        .map(String::from)
        .to_vec();
    helm(cluster, &test, &out.join("agent-test.log"), AGENT_NS);
    println!("    helm test passed");
    (agent_ns, release)
}
