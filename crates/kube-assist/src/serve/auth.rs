//! Who is calling: bearer tokens read from a file (a mounted Secret), each with a
//! name the audit records and a role. Tokens are compared in constant time and
//! never logged.

use std::path::Path;

use axum::http::HeaderMap;
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::error::ServeError;

/// What a caller may do. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads, findings and the audit trail.
    Viewer,
    /// May also request writes (they wait for an approver).
    Operator,
    /// May also approve or reject write plans.
    Approver,
}

impl Role {
    pub fn parse(word: &str) -> Option<Role> {
        match word {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "approver" => Some(Role::Approver),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Approver => "approver",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// Refuse unless the caller holds `needed`.
    pub fn require(&self, needed: Role, to: &str) -> Result<(), ServeError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ServeError::Forbidden(format!(
                "{} has the {} role; {to} needs the {} role",
                self.name,
                self.role.as_str(),
                needed.as_str()
            )))
        }
    }
}

struct TokenEntry {
    caller: Caller,
    token: Vec<u8>,
}

/// The accepted tokens.
pub struct Tokens {
    entries: Vec<TokenEntry>,
}

impl Tokens {
    /// Parse the tokens file: one `NAME ROLE TOKEN` per line (whitespace
    /// separated); blank lines and `#` comments are skipped. Errors name the line
    /// but never show a token.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut entries: Vec<TokenEntry> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, role, token] = fields.as_slice() else {
                return Err(format!(
                    "line {}: expected `NAME ROLE TOKEN` (three fields), found {}",
                    i + 1,
                    fields.len()
                ));
            };
            let role = Role::parse(role).ok_or_else(|| {
                format!(
                    "line {}: role {role:?} is not one of viewer, operator, approver",
                    i + 1
                )
            })?;
            if token.len() < 16 {
                return Err(format!(
                    "line {}: the token of {name} is shorter than 16 characters; use a random one (openssl rand -hex 24)",
                    i + 1
                ));
            }
            if entries.iter().any(|e| e.caller.name == *name) {
                return Err(format!("line {}: the name {name} is used twice", i + 1));
            }
            if entries.iter().any(|e| e.token == token.as_bytes()) {
                return Err(format!(
                    "line {}: the token of {name} is also another name's token",
                    i + 1
                ));
            }
            entries.push(TokenEntry {
                caller: Caller {
                    name: name.to_string(),
                    role,
                },
                token: token.as_bytes().to_vec(),
            });
        }
        if entries.is_empty() {
            return Err("no tokens: add lines `NAME ROLE TOKEN`".into());
        }
        Ok(Tokens { entries })
    }

    pub fn load(path: &Path) -> Result<Tokens, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the tokens file {}: {e}", path.display()))?;
        Tokens::parse(&text).map_err(|e| format!("tokens file {}: {e}", path.display()))
    }

    /// The role the tokens file gives `name`, if it lists the name.
    pub fn role_of(&self, name: &str) -> Option<Role> {
        self.entries
            .iter()
            .find(|e| e.caller.name == name)
            .map(|e| e.caller.role)
    }

    /// The caller a token belongs to. Every entry is compared, so the time taken
    /// does not tell which (or whether a) token matched.
    pub fn lookup(&self, presented: &str) -> Option<Caller> {
        let mut found = None;
        for e in &self.entries {
            if bool::from(e.token.as_slice().ct_eq(presented.as_bytes())) {
                found = Some(e.caller.clone());
            }
        }
        found
    }

    /// The caller of a request with `Authorization: Bearer TOKEN`.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ServeError> {
        let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Err(ServeError::Unauthorized(
                "no Authorization header: send `Authorization: Bearer TOKEN` with a token from the tokens Secret".into(),
            ));
        };
        let value = value.to_str().unwrap_or("");
        let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        else {
            return Err(ServeError::Unauthorized(
                "the Authorization header is not `Bearer TOKEN`".into(),
            ));
        };
        self.lookup(token.trim()).ok_or_else(|| {
            ServeError::Unauthorized("the bearer token is not one of the configured tokens".into())
        })
    }
}

/// MCP at `/mcp` accepts the same tokens, every role (its tools are read-only here).
impl crate::mcp::http::McpAuth for Tokens {
    fn authenticate(&self, headers: &HeaderMap) -> Result<(), String> {
        Tokens::authenticate(self, headers)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_and_match_by_value() {
        let t = Tokens::parse(
            "# team\nalice approver aaaaaaaaaaaaaaaaaaaa\n\nbob viewer bbbbbbbbbbbbbbbbbbbb\n",
        )
        .unwrap();
        assert_eq!(
            t.lookup("bbbbbbbbbbbbbbbbbbbb"),
            Some(Caller {
                name: "bob".into(),
                role: Role::Viewer
            })
        );
        assert_eq!(t.lookup("bbbbbbbbbbbbbbbbbbb"), None);
        assert_eq!(t.lookup(""), None);
    }

    #[test]
    fn bad_token_files_are_refused_without_showing_tokens() {
        for (text, says) in [
            ("alice approver", "three fields"),
            ("alice admin aaaaaaaaaaaaaaaaaaaa", "not one of"),
            ("alice viewer short", "shorter than 16"),
            ("", "no tokens"),
            (
                "a viewer aaaaaaaaaaaaaaaaaaaa\na operator bbbbbbbbbbbbbbbbbbbb",
                "used twice",
            ),
        ] {
            let err = Tokens::parse(text).err().unwrap();
            assert!(err.contains(says), "{text:?}: {err}");
            assert!(!err.contains("aaaaaaaaaaaaaaaaaaaa"), "{err}");
        }
    }

    #[test]
    fn roles_include_the_lower_ones() {
        let op = Caller {
            name: "o".into(),
            role: Role::Operator,
        };
        assert!(op.require(Role::Viewer, "x").is_ok());
        let err = op.require(Role::Approver, "approving").unwrap_err();
        assert!(err.to_string().contains("needs the approver role"), "{err}");
    }
}
