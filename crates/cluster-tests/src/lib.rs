//! What every cluster test shares: where the cluster is ([`Cluster`]), how to run its
//! command-line tools against it, a Kubernetes client, and namespaces that clean up after
//! themselves ([`TestNamespace`]).
//!
//! The cluster is the one `e2e/cluster up` starts on this machine; these tests never start
//! or stop it. Each suite is a test target of this crate (`tests/*.rs`), every test in it is
//! `#[ignore]`d so that the cargo tier only compiles them, and ./test.sh runs them with
//! `cargo test --workspace --locked --test NAME -- --ignored --test-threads=1` after
//! `e2e/cluster up` (`--workspace` keeps the cargo tier's feature set: nothing recompiles).

pub mod assist;
pub mod chart;
mod cluster;
pub mod images;
mod namespace;
mod poll;
pub mod probe;
mod suite;

pub use assist::{Assist, AssistRun};
pub use chart::install_app;
pub use cluster::Cluster;
pub use images::AppImages;
pub use namespace::TestNamespace;
pub use poll::poll_until;
pub use probe::AppProber;
pub use suite::delete_namespaces_at_exit;

/// Why a cluster test could not do what it set out to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the local cluster is not up ({0}): run `e2e/cluster up` first")]
    NotUp(String),
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{command}` exited with {status}:\n{stderr}")]
    Command {
        command: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error("`{command}`: {message}")]
    Assist { command: String, message: String },
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("timed out: {0}")]
    Timeout(String),
    /// Something the cluster or a tool showed is not what the harness expects.
    #[error("{0}")]
    Check(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
