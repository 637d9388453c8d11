//! The audit log: one JSON line per operation executed or refused, appended to a
//! file (`$XDG_STATE_HOME/kubectl-assist/audit.jsonl` by default). Lines carry the
//! kubectl equivalent of what ran, never object data or logs.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{AssistError, Result};

/// One audited operation (or one refused request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Unique id of a write's line, the key of its undo journal entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// RFC 3339, UTC.
    pub time: String,
    /// Who ran it: the OS user and the Kubernetes user of the context.
    pub user: String,
    /// The kubeconfig context (or `in-cluster`).
    pub context: String,
    /// The operator's request as typed.
    pub request: String,
    /// The whole plan, as kubectl command lines.
    pub plan: Vec<String>,
    /// This operation's kubectl command line; absent for a refused request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `read`, `write` or `destructive` (the operation's class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// What was decided (see `safety::Decision`).
    pub decision: String,
    /// `ok`, `error: ...`, or `not run`.
    pub result: String,
    pub duration_ms: u64,
    #[serde(default)]
    pub dry_run: bool,
    /// What a write changes: the unified YAML diff the operator confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// An append-only JSON-lines file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// `$XDG_STATE_HOME/kubectl-assist/audit.jsonl`, else `~/.local/state/...`.
    pub fn default_path() -> PathBuf {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("kubectl-assist").join("audit.jsonl")
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record as one line, in one write so concurrent runs do not interleave.
    pub fn append(&self, record: &AuditRecord) -> Result<()> {
        append_line(&self.path, record)
    }

    /// Every record, oldest first. Lines that do not parse are reported, not skipped silently.
    pub fn read(&self) -> Result<Vec<AuditRecord>> {
        read_lines(&self.path, "an audit record")
    }
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> AssistError {
    AssistError::Audit {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Append a value as one JSON line in one write, to a file only its owner can read.
pub(crate) fn append_line<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| file_err(path, e))?;
    }
    let mut line = serde_json::to_string(value).map_err(|e| file_err(path, e))?;
    line.push('\n');
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| file_err(path, e))?;
    f.write_all(line.as_bytes()).map_err(|e| file_err(path, e))
}

/// Every JSON line of a file (none when it does not exist yet); a line that does
/// not parse is an error naming it.
pub(crate) fn read_lines<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<Vec<T>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(file_err(path, e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| file_err(path, format!("line {} is not {what}: {e}", i + 1)))
        })
        .collect()
}

/// The audit log as a table, newest last.
pub fn render_table(records: &[AuditRecord]) -> String {
    if records.is_empty() {
        return "The audit log is empty.\n".into();
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.time
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('T', " "),
                r.user.clone(),
                r.context.clone(),
                r.decision.clone(),
                r.operation
                    .clone()
                    .unwrap_or_else(|| format!("(request) {}", r.request)),
                r.result.chars().take(60).collect(),
                r.duration_ms.to_string(),
            ]
        })
        .collect();
    crate::ops::render_table(
        &[
            "TIME (UTC)",
            "USER",
            "CONTEXT",
            "DECISION",
            "OPERATION",
            "RESULT",
            "MS",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(op: &str) -> AuditRecord {
        AuditRecord {
            id: None,
            diff: None,
            time: "2026-01-02T03:04:05Z".into(),
            user: "ops as admin".into(),
            context: "e2e".into(),
            request: "scale the frontend to 2 replicas".into(),
            plan: vec![op.into()],
            operation: Some(op.into()),
            access: Some("write".into()),
            decision: "approved_by_flag".into(),
            result: "ok".into(),
            duration_ms: 12,
            dry_run: false,
        }
    }

    #[test]
    fn appends_lines_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("nested/audit.jsonl"));
        assert!(log.read().unwrap().is_empty());
        log.append(&rec(
            "kubectl scale deployment/frontend --replicas=2 -n todo",
        ))
        .unwrap();
        log.append(&rec("kubectl rollout restart deployment/backend -n todo"))
            .unwrap();
        let back = log.read().unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(
            back[1].operation.as_deref(),
            Some("kubectl rollout restart deployment/backend -n todo")
        );
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        let table = render_table(&back);
        assert!(
            table.contains("kubectl scale deployment/frontend --replicas=2 -n todo"),
            "{table}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(log.path()).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn a_corrupt_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "{not json}\n").unwrap();
        let err = AuditLog::new(path).read().unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
