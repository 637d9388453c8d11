//! The write side of a run: dry-run diffs of the plan, the RBAC preflight, the
//! undo journal and audit lines that carry a write's id and diff.

use super::Runner;
use crate::audit::AuditRecord;
use crate::error::AssistError;
use crate::journal::JournalEntry;
use crate::ops::{ObjectChange, Operation};

impl Runner {
    /// The dry-run diffs of a write of the current plan, one per object.
    pub(super) fn changes_of(&self, op: &Operation) -> Vec<&ObjectChange> {
        let line = op.kubectl();
        self.current_changes
            .iter()
            .filter(|(k, _)| *k == line)
            .map(|(_, c)| c)
            .collect()
    }

    pub(super) fn record_with_id(
        &self,
        operation: Option<&Operation>,
        decision: &str,
        result: &str,
        duration_ms: u64,
        id: Option<String>,
    ) {
        let diff = operation
            .filter(|o| o.is_write())
            .map(|o| self.changes_of(o))
            .filter(|cs| !cs.is_empty())
            .map(|cs| cs.iter().map(|c| c.diff.as_str()).collect::<String>());
        let rec = AuditRecord {
            id,
            diff,
            time: k8s_openapi::jiff::Timestamp::now()
                .round(k8s_openapi::jiff::Unit::Millisecond)
                .unwrap_or_else(|_| k8s_openapi::jiff::Timestamp::now())
                .to_string(),
            user: self.identity.user.clone(),
            context: self.identity.context.clone(),
            request: self.current_request.clone(),
            plan: self.current_plan.clone(),
            operation: operation.map(Operation::kubectl),
            // read, write or destructive, as the registry and the arguments say.
            access: operation.map(|o| o.effective_class().as_str().to_string()),
            decision: decision.to_string(),
            result: result.to_string(),
            duration_ms,
            dry_run: self.settings.policy.dry_run && operation.is_some_and(Operation::is_write),
        };
        if let Err(e) = self.audit.append(&rec) {
            // The operation already happened; failing to log it must be loud.
            eprintln!("kubectl-assist: WARNING: {e}");
        }
    }

    /// Ask the API server whether each write is permitted; `Err(Ok(denied))` lists
    /// every missing permission, `Err(Err(e))` is a failed check.
    pub(super) async fn preflight(
        &self,
        steps: &[Operation],
    ) -> std::result::Result<(), std::result::Result<Vec<String>, AssistError>> {
        let denied = self.exec.missing_permissions(steps).await.map_err(Err)?;
        if denied.is_empty() {
            Ok(())
        } else {
            Err(Ok(denied.iter().map(|p| p.describe()).collect()))
        }
    }

    /// Keep each object as it was before a write (absent when the write creates
    /// it), under one new audit id.
    pub(super) fn journal_before(&mut self, op: &Operation) -> Option<String> {
        let changes: Vec<ObjectChange> = self.changes_of(op).into_iter().cloned().collect();
        if changes.is_empty() {
            return None;
        }
        self.next_id += 1;
        let now = k8s_openapi::jiff::Timestamp::now();
        let id = format!("{}-{}", now.as_millisecond(), self.next_id);
        for change in changes {
            let entry = JournalEntry {
                id: id.clone(),
                time: now.to_string(),
                target: change.target,
                before: change.before,
            };
            if let Err(e) = self.journal.append(&entry) {
                eprintln!("kubectl-assist: WARNING: this write cannot be undone: {e}");
                return None;
            }
        }
        Some(id)
    }
}
