//! What both stores share for keyed creates ([`todo_core::Store::create_task_once`]).

use chrono::{DateTime, Duration, Utc};
use todo_core::StoreError;

/// How long a key is remembered: far longer than any retry budget.
pub(crate) const KEY_LIFETIME: Duration = Duration::days(1);

/// Keys of a user older than this are pruned on the user's next keyed create.
pub(crate) fn expired_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now - KEY_LIFETIME
}

/// A key seen before: a retry when the fingerprints match, else a reuse.
pub(crate) fn check_repeat(stored: &str, fingerprint: &str) -> Result<(), StoreError> {
    if stored == fingerprint {
        Ok(())
    } else {
        Err(StoreError::Conflict(
            "this Idempotency-Key was already used for a different request; send a new key with a new task".into(),
        ))
    }
}

/// The task a key made is gone: say so rather than make it again.
pub(crate) fn deleted_since(e: StoreError) -> StoreError {
    match e {
        StoreError::NotFound(_) => StoreError::Conflict(
            "the task made with this Idempotency-Key was deleted since; send a new key to create it again".into(),
        ),
        other => other,
    }
}
