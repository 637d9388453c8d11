use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Email, PersonName, ValidationError};

/// A user's id: a UUID in its hyphenated lower-case text form. Random, so ids
/// cannot be enumerated. Shared, not copied: every task of a page carries its
/// owner's id, and a clone is a reference count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct UserId(Arc<str>);

impl UserId {
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().hyphenated().to_string().into())
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        uuid::Uuid::parse_str(raw)
            .map(|u| Self(u.hyphenated().to_string().into()))
            .map_err(|_| {
                ValidationError::new(
                    "user_id",
                    "must be a user id (a UUID) as returned by signup/login",
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UserId> for String {
    fn from(v: UserId) -> String {
        v.0.to_string()
    }
}

impl Serialize for UserId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: PersonName,
    pub created_at: DateTime<Utc>,
}

/// A user to create. The password is already hashed: stores never see a password.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub password_hash: String,
}

/// A user together with the stored password hash, for log-in only.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}
