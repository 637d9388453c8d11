//! The server's audit trail: every request, plan, decision and result as one JSON
//! line on stdout and, when a state directory (a volume) is configured, appended
//! to `audit.jsonl` there. The last lines are also kept in memory for `GET
//! /api/audit` and the console when there is no volume.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::audit::{AuditLog, AuditRecord};

/// Lines kept in memory.
const KEPT: usize = 1000;

/// One audit line of the server: the CLI's record (so `kubectl-assist audit`
/// reads the file) plus who asked and who decided.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrailLine {
    #[serde(flatten)]
    pub record: AuditRecord,
    /// The plan this line belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The token name that approved or rejected the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// Where audit lines go.
pub struct Trail {
    file: Option<AuditLog>,
    recent: Mutex<VecDeque<TrailLine>>,
    /// Whether lines are printed on stdout (off in unit tests).
    stdout: bool,
}

impl Trail {
    pub fn new(file: Option<AuditLog>, stdout: bool) -> Self {
        Self {
            file,
            recent: Mutex::new(VecDeque::new()),
            stdout,
        }
    }

    /// The audit file, when there is a volume.
    pub fn file(&self) -> Option<&AuditLog> {
        self.file.as_ref()
    }

    pub fn append(&self, line: TrailLine) {
        if self.stdout
            && let Ok(text) = serde_json::to_string(&line)
        {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        if let Some(file) = &self.file
            && let Err(e) = crate::audit::append_line(file.path(), &line)
        {
            // What happened already happened; losing its record must be loud.
            tracing::error!("audit file: {e}");
            eprintln!("kubectl-assist: WARNING: {e}");
        }
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == KEPT {
                recent.pop_front();
            }
            recent.push_back(line);
        }
    }

    /// The newest `limit` lines, oldest first: from the file when there is one
    /// (it outlives restarts), else from memory.
    pub fn tail(&self, limit: usize) -> crate::Result<Vec<TrailLine>> {
        let mut lines: Vec<TrailLine> = match &self.file {
            Some(file) => crate::audit::read_lines(file.path(), "an audit record")?,
            None => self
                .recent
                .lock()
                .map(|r| r.iter().cloned().collect())
                .unwrap_or_default(),
        };
        let skip = lines.len().saturating_sub(limit);
        lines.drain(..skip);
        Ok(lines)
    }
}
