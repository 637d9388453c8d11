use crate::{Cluster, Result};

/// A namespace a test creates and deletes when it ends, even when it fails: kubectl-assist
/// resolves bare names ("the frontend") across the whole cluster, so a leftover lookalike
/// would make another suite's request ambiguous. Set `E2E_KEEP=1` to keep it for a look.
#[derive(Debug)]
pub struct TestNamespace {
    cluster: Cluster,
    name: String,
}

impl TestNamespace {
    /// Deletes `name` if an earlier run left it, waits until it is gone, and creates it.
    pub fn create(cluster: &Cluster, name: &str) -> Result<Self> {
        cluster.kubectl([
            "delete",
            "namespace",
            name,
            "--ignore-not-found",
            "--wait=true",
            "--timeout=180s",
        ])?;
        cluster.kubectl(["create", "namespace", name])?;
        Ok(Self {
            cluster: cluster.clone(),
            name: name.to_string(),
        })
    }

    /// Deletes `name` if an earlier run left it and guards it without creating it: for
    /// manifests that create their own namespace (k8s/00-namespace.yaml).
    pub fn claim(cluster: &Cluster, name: &str) -> Result<Self> {
        cluster.kubectl([
            "delete",
            "namespace",
            name,
            "--ignore-not-found",
            "--wait=true",
            "--timeout=180s",
        ])?;
        Ok(Self {
            cluster: cluster.clone(),
            name: name.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        if std::env::var_os("E2E_KEEP").is_some_and(|v| v == "1") {
            eprintln!("E2E_KEEP=1: namespace {} kept", self.name);
            return;
        }
        // Not waiting: the next suite's `create` waits for a namespace of the same name.
        if let Err(e) = self.cluster.kubectl([
            "delete",
            "namespace",
            &self.name,
            "--ignore-not-found",
            "--wait=false",
        ]) {
            eprintln!("could not delete test namespace {}: {e}", self.name);
        }
    }
}
