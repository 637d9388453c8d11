//! Exactly-once creates: a client sends an `Idempotency-Key` with a create, and a
//! repeat of that request (a retry after a broken connection, on any replica)
//! answers with the task the first one made instead of making another.

use crate::{Task, ValidationError};

/// A client's key for one create: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !raw.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ValidationError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters (no spaces), e.g. a random UUID",
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a keyed create did.
#[derive(Debug, Clone)]
pub struct CreatedOnce {
    pub task: Task,
    /// The key was seen before: `task` is the one that request made.
    pub replayed: bool,
}

/// A stable digest of a request body (64-bit FNV-1a, hex), so that a key reused
/// for a different request is told apart from a retry. Not a security measure:
/// keys are scoped to one user.
pub fn request_fingerprint(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(IdempotencyKey::parse("0b9c2f57-4c1e-4a43").is_ok());
        for bad in ["", "has space", "tab\t", "é", &"k".repeat(256)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_are_stable_and_tell_bodies_apart() {
        assert_eq!(request_fingerprint(b""), "cbf29ce484222325");
        assert_eq!(request_fingerprint(b"a"), "af63dc4c8601ec8c");
        assert_ne!(
            request_fingerprint(br#"{"title":"a"}"#),
            request_fingerprint(br#"{"title":"b"}"#)
        );
    }
}
