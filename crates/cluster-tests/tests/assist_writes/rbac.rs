//! The RBAC preflight: a ServiceAccount bound to the `view` role is refused before anything
//! is written, each missing permission named, and can still read.

use std::time::Duration;

use cluster_tests::poll_until;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use kube::Api;

use super::fixture::{NS, Writes, writes};

/// A kubeconfig for the `viewer` ServiceAccount's token (written by hand: this kubectl's
/// `config set-credentials` crashes on the admin file).
async fn viewer_kubeconfig(w: &Writes) -> std::path::PathBuf {
    w.cluster
        .kubectl(["-n", NS, "create", "serviceaccount", "viewer"])
        .expect("create serviceaccount");
    w.cluster
        .kubectl([
            "-n",
            NS,
            "create",
            "rolebinding",
            "viewer-view",
            "--clusterrole=view",
            &format!("--serviceaccount={NS}:viewer"),
        ])
        .expect("create rolebinding");
    let client = w.client().await;
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), NS);
    // The token controller fills in the account's secret shortly after it is made.
    let secret = poll_until(
        "the viewer's token secret",
        Duration::from_secs(30),
        Duration::from_secs(1),
        || async {
            let account = accounts.get("viewer").await.map_err(|e| e.to_string())?;
            account
                .secrets
                .and_then(|s| s.into_iter().next())
                .and_then(|s| s.name)
                .ok_or_else(|| "no secret yet".to_string())
        },
    )
    .await
    .expect("token secret");
    let token = Api::<Secret>::namespaced(client, NS)
        .get(&secret)
        .await
        .expect("secret")
        .data
        .and_then(|d| d.get("token").cloned())
        .expect("token in the secret");
    let token = String::from_utf8(token.0).expect("token is text");
    let view = |path: &str| {
        w.cluster
            .kubectl([
                "config",
                "view",
                "--raw",
                "--minify",
                "-o",
                &format!("jsonpath={{.clusters[0].cluster.{path}}}"),
            ])
            .expect("kubectl config view")
    };
    let server = view("server");
    let ca = view("certificate-authority-data");
    let path = w.out.join("viewer.kubeconfig");
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\n\
         clusters: [{{name: e2e, cluster: {{server: \"{server}\", certificate-authority-data: \"{ca}\"}}}}]\n\
         users: [{{name: viewer, user: {{token: \"{token}\"}}}}]\n\
         contexts: [{{name: viewer, context: {{cluster: e2e, user: viewer}}}}]\n\
         current-context: viewer\n"
    );
    write_private(&path, &kubeconfig);
    path
}

/// A file only its owner can read (it holds a token).
fn write_private(path: &std::path::Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .expect("create the viewer's kubeconfig");
    file.write_all(text.as_bytes())
        .expect("write the viewer's kubeconfig");
}

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn the_rbac_preflight_refuses_a_viewer_naming_each_missing_permission() {
    let w = writes();
    let kubeconfig = viewer_kubeconfig(w).await;
    let as_viewer = |args: &[&str]| {
        let mut cmd = w.assist.command();
        cmd.arg("--kubeconfig").arg(&kubeconfig).args(args);
        let run = w.assist.output(&mut cmd).expect("run as the viewer");
        eprintln!("{}", run.all());
        run
    };
    let replicas = w.replicas().await;
    let run = as_viewer(&["scale web to 5", "-n", NS, "--yes"]);
    assert_eq!(run.code, Some(3), "a viewer's scale: exit {:?}", run.code);
    run.assert_contains(&[&format!("you cannot patch deployments/scale.apps in {NS}")]);
    assert_eq!(
        w.replicas().await,
        replicas,
        "the viewer's scale changed replicas"
    );

    // A plan needing several permissions: each missing one is named, none is written.
    let manifest = w.out.join("viewer-two.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: viewer-made}\ndata: {A: \"1\"}\n\
         ---\napiVersion: v1\nkind: Service\nmetadata: {name: viewer-made}\n\
         spec: {ports: [{port: 80, protocol: TCP}], selector: {app: web}}\n",
    )
    .expect("write manifest");
    let run = as_viewer(&[
        "apply",
        "-f",
        &manifest.display().to_string(),
        "-n",
        NS,
        "--yes",
    ]);
    assert_eq!(run.code, Some(3), "a viewer's apply: exit {:?}", run.code);
    run.assert_contains(&[&format!(
        "you cannot patch configmaps in {NS}; nor patch services in {NS}"
    )]);
    assert!(
        w.object::<ConfigMap>("viewer-made").await.is_none(),
        "the viewer's configmap was written"
    );
    assert!(
        w.object::<Service>("viewer-made").await.is_none(),
        "the viewer's service was written"
    );

    // Reads still work for the viewer.
    let run = as_viewer(&["list deployments", "-n", NS]);
    assert_eq!(run.code, Some(0), "a viewer's read: exit {:?}", run.code);
    assert!(run.stdout.contains("web"), "the viewer's list has no web");
}
