//! The undo journal: before each write, the object as it was is appended (one
//! JSON line) to `undo.jsonl` beside the audit log, under the audit line's id.
//! `kubectl-assist undo [ID|last]` plans its restoration like any other write.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::AuditLog;
use crate::error::{AssistError, Result};
use crate::ops::Target;

/// One journalled write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The id of the audit line of the write.
    pub id: String,
    pub time: String,
    /// The object written (kind, name, namespace).
    pub target: Target,
    /// The object as it was; absent when the write created it.
    pub before: Option<Value>,
}

/// The journal file.
#[derive(Debug, Clone)]
pub struct UndoJournal {
    path: PathBuf,
}

impl UndoJournal {
    /// `undo.jsonl` in the audit log's directory.
    pub fn beside(audit: &AuditLog) -> Self {
        Self {
            path: audit.path().with_file_name("undo.jsonl"),
        }
    }

    /// Append one entry, readable by the owner only (objects may hold
    /// configuration people consider private).
    pub fn append(&self, entry: &JournalEntry) -> Result<()> {
        crate::audit::append_line(&self.path, entry)
    }

    /// Every entry, oldest first.
    pub fn read(&self) -> Result<Vec<JournalEntry>> {
        crate::audit::read_lines(&self.path, "a journal entry")
    }

    /// The entry of audit id `which`, or the newest for `last`.
    pub fn find(&self, which: &str) -> Result<JournalEntry> {
        let entries = self.read()?;
        let found = if which == "last" {
            entries.last().cloned()
        } else {
            entries.iter().find(|e| e.id == which).cloned()
        };
        found.ok_or_else(|| {
            AssistError::NotFound(if entries.is_empty() {
                "the undo journal is empty: no write has been made through kubectl-assist with this audit log".into()
            } else {
                format!(
                    "no journalled write has id {which}; the ids are in `kubectl-assist audit` (newest: {})",
                    entries.last().map(|e| e.id.as_str()).unwrap_or("")
                )
            })
        })
    }
}

impl UndoJournal {
    /// Every object of the write `which` (an audit id, or `last`): a manifest's
    /// write keeps one entry per object under one id.
    pub fn find_all(&self, which: &str) -> Result<Vec<JournalEntry>> {
        let id = self.find(which)?.id;
        Ok(self.read()?.into_iter().filter(|e| e.id == id).collect())
    }
}

/// The object as it should be sent to bring it back: server-owned fields removed
/// (a deleted object is re-created with a new uid; a changed one is replaced at
/// the live resourceVersion, which the caller sets).
pub fn restorable(mut before: Value) -> Value {
    if let Some(obj) = before.as_object_mut() {
        obj.remove("status");
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "uid",
                "resourceVersion",
                "managedFields",
                "creationTimestamp",
                "generation",
                "deletionTimestamp",
                "selfLink",
            ] {
                meta.remove(k);
            }
        }
    }
    before
}

/// Whether two reads of one object differ only in what the server owns (status,
/// resourceVersion, managed fields, generation): a controller's status update, which undo
/// may replace over; any other change is someone's edit, which it must not overwrite.
pub fn same_but_server_fields(a: &Value, b: &Value) -> bool {
    // The Deployment controller writes this annotation as a rollout it starts gets a new
    // ReplicaSet: it is the controller's, like status.
    let comparable = |v: &Value| {
        let mut v = restorable(v.clone());
        if let Some(notes) = v
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            notes.remove("deployment.kubernetes.io/revision");
        }
        v
    };
    comparable(a) == comparable(b)
}

/// How often undo re-reads and retries a replace refused with 409 Conflict when only the
/// server's fields changed in between (a rollout's status updates come a few per second).
pub const RESTORE_ATTEMPTS: usize = 4;

/// Replaces a live object with `object` for undo, at the resourceVersion of `first` (the
/// read the plan was made from). A 409 Conflict is re-read (`reread`) and retried, up to
/// [`RESTORE_ATTEMPTS`] in all, while only server fields changed; someone's edit in between
/// ends it with nothing written, so undo never overwrites a change it did not show.
pub async fn replace_at_live_version<T, R, RF, P, PF>(
    what: &str,
    first: &Value,
    mut object: Value,
    reread: R,
    mut replace: P,
) -> Result<T>
where
    R: Fn() -> RF,
    RF: std::future::Future<Output = Result<Value>>,
    P: FnMut(Value) -> PF,
    PF: std::future::Future<Output = Result<T>>,
{
    let mut live = first.clone();
    let mut attempt = 1;
    loop {
        object["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
        match replace(object.clone()).await {
            Err(e) if e.is_conflict() && attempt < RESTORE_ATTEMPTS => {
                live = reread().await?;
                if !same_but_server_fields(first, &live) {
                    return Err(AssistError::Invalid(format!(
                        "{what} changed while undo was restoring it (not only its status): \
                         nothing was written; run `kubectl-assist undo` again to see the new diff"
                    )));
                }
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_and_the_revision_annotation_are_not_an_edit() {
        let a = json!({"metadata": {"name": "web", "resourceVersion": "1",
            "annotations": {"deployment.kubernetes.io/revision": "1", "team": "x"}},
            "spec": {"replicas": 2}, "status": {"replicas": 1}});
        let mut b = a.clone();
        b["metadata"]["resourceVersion"] = json!("2");
        b["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("2");
        b["status"]["replicas"] = json!(2);
        assert!(same_but_server_fields(&a, &b));
        b["metadata"]["annotations"]["team"] = json!("y");
        assert!(!same_but_server_fields(&a, &b));
        let mut c = a.clone();
        c["spec"]["replicas"] = json!(3);
        assert!(!same_but_server_fields(&a, &c));
    }

    #[test]
    fn entries_are_found_by_id_or_last() {
        let dir = tempfile::tempdir().unwrap();
        let j = UndoJournal::beside(&AuditLog::new(dir.path().join("a/audit.jsonl")));
        assert!(j.find("last").unwrap_err().to_string().contains("empty"));
        for id in ["1-0", "2-0"] {
            j.append(&JournalEntry {
                id: id.into(),
                time: "t".into(),
                target: Target::named(None, "web"),
                before: Some(json!({"metadata": {"name": "web", "uid": "u", "resourceVersion": "3"}, "status": {}})),
            })
            .unwrap();
        }
        assert_eq!(j.find("last").unwrap().id, "2-0");
        assert_eq!(j.find("1-0").unwrap().id, "1-0");
        assert!(j.find("9").unwrap_err().to_string().contains("newest: 2-0"));
        assert_eq!(
            restorable(j.find("1-0").unwrap().before.unwrap()),
            json!({"metadata": {"name": "web"}})
        );
    }
}
