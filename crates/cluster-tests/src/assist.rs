//! kubectl-assist as the cluster suites run it: the real binary (./test.sh's static build, else
//! a debug build), each run with the suite's own audit log and no terminal on stdin, its
//! `-o json` report and its audit log read back through kube-assist's own types.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kube_assist::audit::{AuditLog, AuditRecord};
use kube_assist::ops::{Kind, Operation};
use serde::Deserialize;

use crate::{Cluster, Error, Result};

/// Every namespace the kubectl-assist cluster suites (and bench/assist.sh) create, in one list.
///
/// kubectl-assist resolves a bare name ("scale the frontend") across the whole cluster, so a
/// suite that asks by bare name fails with "matches several objects" when another suite's
/// leftovers (an interrupted run, `E2E_KEEP=1`) hold a lookalike Deployment. Each suite
/// therefore clears all of them before it starts ([`clear_assist_namespaces`]).
/// `assist-bench` is bench/assist.sh's (its own "frontend" Deployment).
pub const ASSIST_NAMESPACES: &[&str] = &[
    "assist-todo",
    "assist-scenarios",
    "assist-writes",
    "assist-crd",
    "serve-todo",
    "serve-other",
    "serve-agent",
    "assist-bench",
];

/// Deletes every namespace of [`ASSIST_NAMESPACES`] (and bench/assist.sh's kubelet-less Node,
/// so that "the node" means the real one) and waits until they are gone (at most 180 s).
pub fn clear_assist_namespaces(cluster: &Cluster) -> Result<()> {
    // Best effort: absent objects are fine, and a failure shows up in the wait below.
    let _ = cluster.kubectl([
        "delete",
        "nodes",
        "-l",
        "assist-bench=true",
        "--ignore-not-found",
    ]);
    // Its pods are bound to that node and would hold the namespace in Terminating.
    let _ = cluster.kubectl([
        "-n",
        "assist-bench",
        "delete",
        "pods",
        "--all",
        "--grace-period=0",
        "--force",
    ]);
    let mut delete = vec!["delete", "namespace"];
    delete.extend(ASSIST_NAMESPACES);
    delete.extend(["--ignore-not-found", "--wait=false"]);
    cluster.kubectl(&delete)?;
    let mut get = vec!["get", "namespace"];
    get.extend(ASSIST_NAMESPACES);
    get.extend(["--ignore-not-found", "-o", "name"]);
    let mut left = String::new();
    for _ in 0..180 {
        left = cluster.kubectl(&get)?;
        if left.trim().is_empty() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    Err(Error::Timeout(format!(
        "old test namespaces are still terminating after 180 s: {}",
        left.split_whitespace().collect::<Vec<_>>().join(" ")
    )))
}

/// The kubectl-assist binary with one audit log: every run appends to it, and
/// [`Assist::audit`] reads it back.
#[derive(Debug, Clone)]
pub struct Assist {
    cluster: Cluster,
    bin: PathBuf,
    audit: PathBuf,
}

impl Assist {
    /// The binary of `KUBECTL_ASSIST_BIN` (./test.sh's static build) used as is; else the
    /// workspace's debug build, built (or found current) by cargo. `audit` and the undo
    /// journal beside it are emptied.
    pub fn new(cluster: &Cluster, audit: &Path) -> Result<Self> {
        let bin = match std::env::var_os("KUBECTL_ASSIST_BIN").filter(|v| !v.is_empty()) {
            Some(bin) => PathBuf::from(bin),
            None => build_debug_binary(cluster)?,
        };
        if !bin.is_file() {
            return Err(Error::NotUp(format!(
                "no kubectl-assist binary at {}",
                bin.display()
            )));
        }
        if let Some(dir) = audit.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::File {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        // The undo journal lives beside the audit log (kube-assist's journal::UndoJournal).
        for file in [audit.to_path_buf(), audit.with_file_name("undo.jsonl")] {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::File {
                        path: file.display().to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(Self {
            cluster: cluster.clone(),
            bin,
            audit: audit.to_path_buf(),
        })
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    pub fn audit_path(&self) -> &Path {
        &self.audit
    }

    /// The binary with the cluster's environment and nothing else: no `--audit-log`, stdin
    /// inherited (set one), for runs that pass their options some other way.
    pub fn plain_command(&self) -> Command {
        self.cluster.command(&self.bin.display().to_string())
    }

    /// The binary with the cluster's environment, `--audit-log` and stdin from /dev/null
    /// (never a terminal: confirmations come from `--yes` or not at all). Add arguments and
    /// run it with [`Assist::output`]; for stdin or another kubeconfig, change it first.
    pub fn command(&self) -> Command {
        let mut cmd = self.cluster.command(&self.bin.display().to_string());
        cmd.arg("--audit-log").arg(&self.audit).stdin(Stdio::null());
        cmd
    }

    /// `kubectl-assist --audit-log AUDIT ARGS...`, whatever its exit code.
    pub fn run<I, S>(&self, args: I) -> Result<AssistRun>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.command();
        cmd.args(args);
        self.output(&mut cmd)
    }

    /// Runs a command made by [`Assist::command`], whatever its exit code.
    pub fn output(&self, cmd: &mut Command) -> Result<AssistRun> {
        let command = describe(cmd);
        let out = cmd.output().map_err(|source| Error::Spawn {
            program: self.bin.display().to_string(),
            source,
        })?;
        Ok(AssistRun {
            command,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// `ARGS...` that must exit 0; its run (stdout, stderr) otherwise an error showing both.
    pub fn ok<I, S>(&self, args: I) -> Result<AssistRun>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run(args)?.expect_code(0)
    }

    /// `-o json ARGS...`: the report it prints, whatever its exit code (the report says
    /// the outcome).
    pub fn report<I, S>(&self, args: I) -> Result<Report>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.command();
        cmd.args(["-o", "json"]).args(args);
        let run = self.output(&mut cmd)?;
        serde_json::from_str(&run.stdout).map_err(|e| Error::Assist {
            command: run.command.clone(),
            message: format!("its -o json output is not a report ({e}):\n{}", run.all()),
        })
    }

    /// Every line of the audit log, oldest first (none before the first run).
    pub fn audit(&self) -> Result<Vec<AuditRecord>> {
        AuditLog::new(self.audit.clone())
            .read()
            .map_err(|e| Error::File {
                path: self.audit.display().to_string(),
                message: e.to_string(),
            })
    }
}

/// `cargo build -p kube-assist --bin kubectl-assist` (a no-op when current); its path.
fn build_debug_binary(cluster: &Cluster) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    cluster.run(cluster.command(&cargo).args([
        "build",
        "--locked",
        "-p",
        "kube-assist",
        "--bin",
        "kubectl-assist",
    ]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cluster.repo().join("target"));
    Ok(target.join("debug/kubectl-assist"))
}

fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// One finished run of the binary.
#[derive(Debug, Clone)]
pub struct AssistRun {
    /// The command line, for messages.
    pub command: String,
    /// The exit code (`None` when a signal ended it): 0 done, 1 failed, 2 not understood,
    /// 3 refused.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl AssistRun {
    /// stdout then stderr, as a terminal would have shown them.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// This run if it exited with `code`; else an error with its whole output.
    pub fn expect_code(self, code: i32) -> Result<Self> {
        if self.code == Some(code) {
            return Ok(self);
        }
        Err(Error::Assist {
            command: self.command.clone(),
            message: format!("exited with {:?}, want {code}:\n{}", self.code, self.all()),
        })
    }

    /// Panics, showing the whole output, unless stdout or stderr holds every one of `wanted`.
    pub fn assert_contains(&self, wanted: &[&str]) {
        let all = self.all();
        for want in wanted {
            assert!(
                all.contains(want),
                "`{}` printed no {want:?}:\n{all}",
                self.command
            );
        }
    }
}

/// `kubectl-assist -o json`'s report (kube-assist's `session::Report`, which is only
/// serialized there), read with kube-assist's own [`Operation`] and [`Kind`].
#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub request: String,
    pub planner: String,
    /// The plan as kubectl command lines.
    pub plan: Vec<String>,
    #[serde(default)]
    pub decision: Option<String>,
    pub steps: Vec<StepReport>,
    #[serde(default)]
    pub changes: Vec<ObjectChange>,
    #[serde(default)]
    pub message: Option<String>,
    /// `done`, `failed`, `not_understood` or `refused`.
    pub outcome: String,
}

impl Report {
    /// Every finding of every step.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.steps
            .iter()
            .filter_map(|s| s.output.as_ref())
            .flat_map(|o| o.findings.iter())
    }
}

/// One step of a [`Report`].
#[derive(Debug, Clone, Deserialize)]
pub struct StepReport {
    pub kubectl: String,
    pub operation: Operation,
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub output: Option<StepOutput>,
    pub duration_ms: u64,
}

/// What a step produced (kube-assist's `ops::OpOutput`).
#[derive(Debug, Clone, Deserialize)]
pub struct StepOutput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub data: serde_json::Value,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub proposed: Vec<Operation>,
}

/// One analyzer finding (kube-assist's `analyze::Finding`).
#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    pub object: FoundObject,
    pub severity: String,
    pub analyzer: String,
    /// The machine-friendly cause: `CrashLoopBackOff`, `OOMKilled`, ...
    pub reason: String,
    pub cause: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub advice: Option<String>,
    #[serde(default)]
    pub fix: Vec<Operation>,
    #[serde(default)]
    pub fix_note: Option<String>,
}

/// The object a [`Finding`] is about.
#[derive(Debug, Clone, Deserialize)]
pub struct FoundObject {
    pub kind: Kind,
    #[serde(default)]
    pub namespace: Option<String>,
    pub name: String,
}

/// One object a plan's writes change, with the server's diff.
#[derive(Debug, Clone, Deserialize)]
pub struct ObjectChange {
    pub object: String,
    pub diff: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// An object as JSON without what the server maintains (status, resourceVersion, uid,
/// managedFields, creationTimestamp, generation, the Deployment revision annotation): two
/// of them are equal when the objects are the same as far as a user made them.
pub fn bare_object(mut object: serde_json::Value) -> serde_json::Value {
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = object
        .get_mut("metadata")
        .and_then(serde_json::Value::as_object_mut)
    {
        for field in [
            "resourceVersion",
            "uid",
            "managedFields",
            "creationTimestamp",
            "generation",
        ] {
            meta.remove(field);
        }
        if let Some(annotations) = meta
            .get_mut("annotations")
            .and_then(serde_json::Value::as_object_mut)
        {
            annotations.remove("deployment.kubernetes.io/revision");
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_object_drops_what_the_server_maintains_only() {
        let object = serde_json::json!({
            "kind": "ConfigMap",
            "metadata": {"name": "a", "uid": "u", "resourceVersion": "7", "generation": 2,
                "creationTimestamp": "t", "managedFields": [],
                "labels": {"team": "e2e"},
                "annotations": {"deployment.kubernetes.io/revision": "3", "note": "kept"}},
            "data": {"A": "1"},
            "status": {"x": 1}
        });
        assert_eq!(
            bare_object(object),
            serde_json::json!({
                "kind": "ConfigMap",
                "metadata": {"name": "a", "labels": {"team": "e2e"},
                    "annotations": {"note": "kept"}},
                "data": {"A": "1"}
            })
        );
    }

    #[test]
    fn a_report_parses_with_kube_assists_operation() {
        let report: Report = serde_json::from_value(serde_json::json!({
            "request": "why is web failing",
            "planner": "rules",
            "plan": ["kubectl-assist diagnose -n s"],
            "steps": [{
                "kubectl": "kubectl-assist diagnose -n s",
                "operation": {"op": "diagnose", "namespace": "s"},
                "ok": true,
                "output": {"text": "", "findings": [{
                    "object": {"kind": "service", "namespace": "s", "name": "web"},
                    "severity": "critical", "analyzer": "service",
                    "reason": "SelectorMismatch", "cause": "no pod matches", "evidence": []
                }]},
                "duration_ms": 3
            }],
            "outcome": "done"
        }))
        .expect("report");
        let found: Vec<_> = report.findings().collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.kind, Kind::Service);
        assert_eq!(found[0].reason, "SelectorMismatch");
    }
}
