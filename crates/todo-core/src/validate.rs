//! Validated value types. Each `parse` trims where that is what a person means,
//! rejects what a database or a terminal would choke on (NUL and other control
//! characters), and counts length in characters, not bytes.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The rules of a text type, checked in one pass over the characters of an
/// already trimmed text.
fn check_text(
    field: &'static str,
    s: &str,
    min: usize,
    max: usize,
    allow_newlines: bool,
) -> Result<(), ValidationError> {
    let (mut len, mut bad) = (0, false);
    for c in s.chars() {
        len += 1;
        bad |= c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'));
    }
    if len < min {
        return Err(ValidationError::new(
            field,
            if min == 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if len > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if bad {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, min = $min:expr, max = $max:expr, newlines = $nl:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let s = raw.trim();
                check_text($field, s, $min, $max, $nl)?;
                Ok(Self(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            /// Keeps the buffer when there is nothing to trim (values read back
            /// from the database, most input).
            fn try_from(s: String) -> Result<Self, Self::Error> {
                if s.trim().len() != s.len() {
                    return Self::parse(&s);
                }
                check_text($field, &s, $min, $max, $nl)?;
                Ok(Self(s))
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// A task title: 1 to 200 characters after trimming, one line.
    Title, "title", min = 1, max = 200, newlines = false
);
text_type!(
    /// A task description: up to 1000 characters; may span lines. Empty means none.
    Description, "description", min = 0, max = 1000, newlines = true
);
text_type!(
    /// A person's display name: 1 to 100 characters.
    PersonName, "name", min = 1, max = 100, newlines = false
);
text_type!(
    /// One chat message from a person: 1 to 2000 characters.
    ChatText, "message", min = 1, max = 2000, newlines = true
);
text_type!(
    /// A free-text search over titles and descriptions: 1 to 200 characters.
    SearchText, "q", min = 1, max = 200, newlines = false
);

/// An e-mail address, trimmed and lower-cased so that sign-up and log-in agree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim().to_lowercase();
        let err = || ValidationError::new("email", "must be an address like name@example.com");
        if s.is_empty()
            || s.chars().count() > 254
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(err());
        }
        let (local, domain) = s.split_once('@').ok_or_else(err)?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(err());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(v: Email) -> String {
        v.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed: 8 to 128 characters, not trimmed (spaces are allowed and
/// significant). Deliberately not `Serialize` and with a redacting `Debug`, so it
/// cannot end up in a log or a response by accident.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let len = raw.chars().count();
        if len < 8 {
            return Err(ValidationError::new(
                "password",
                "must be at least 8 characters",
            ));
        }
        if len > 128 {
            return Err(ValidationError::new(
                "password",
                "must be at most 128 characters",
            ));
        }
        if raw.contains('\0') {
            return Err(ValidationError::new(
                "password",
                "must not contain NUL characters",
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// One tag: lower-cased, 1 to 32 characters of letters, digits, `-` and `_`.
/// A leading `#` is dropped, so "#Work" and "work" are the same tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub const MAX_CHARS: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim().trim_start_matches('#').to_lowercase();
        if s.is_empty() {
            return Err(ValidationError::new("tags", "a tag must not be empty"));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "tags",
                format!("a tag must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ValidationError::new(
                "tags",
                format!("tag {s:?} may only hold letters, digits, '-' and '_'"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Tag> for String {
    fn from(v: Tag) -> String {
        v.0
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The tags of one task: at most 10, sorted, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Tags(Vec<Tag>);

impl Tags {
    pub const MAX: usize = 10;

    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, ValidationError> {
        let mut tags = raw
            .iter()
            .map(|s| Tag::parse(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        tags.sort();
        tags.dedup();
        if tags.len() > Self::MAX {
            return Err(ValidationError::new(
                "tags",
                format!("at most {} tags per task", Self::MAX),
            ));
        }
        Ok(Self(tags))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn contains(&self, tag: &Tag) -> bool {
        self.0.binary_search(tag).is_ok()
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|t| t.0.clone()).collect()
    }
}

impl TryFrom<Vec<String>> for Tags {
    type Error = ValidationError;
    fn try_from(v: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(&v)
    }
}

impl From<Tags> for Vec<String> {
    fn from(v: Tags) -> Vec<String> {
        v.0.into_iter().map(|t| t.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(Title::parse("  Buy milk ").unwrap().as_str(), "Buy milk");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"é".repeat(200)).is_ok());
        let err = Title::parse(&"é".repeat(201)).unwrap_err();
        assert_eq!(err.field, "title");
        assert!(err.message.contains("200"));
        assert!(Title::parse("a\0b").is_err());
        assert!(Title::parse("two\nlines").is_err());
    }

    #[test]
    fn description_allows_lines_but_not_nul() {
        assert!(Description::parse("line 1\nline 2").is_ok());
        assert!(Description::parse("").is_ok());
        assert!(Description::parse("x\0").is_err());
        assert!(Description::parse(&"x".repeat(1001)).is_err());
    }

    #[test]
    fn email_is_normalised() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a b@x.com",
            "a@b",
            "a@@b.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn password_bounds_and_redaction() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        let p = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }

    #[test]
    fn tags_are_normalised_sorted_and_deduplicated() {
        let t = Tags::parse(&["#Work", "home", "work"]).unwrap();
        assert_eq!(t.to_strings(), vec!["home", "work"]);
        assert!(Tags::parse(&["has space"]).is_err());
        assert!(Tags::parse(&["#"]).is_err());
        let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(Tags::parse(&many).is_err());
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<Title>("\"\"").is_err());
        assert_eq!(
            serde_json::from_str::<Tags>("[\"#A\"]")
                .unwrap()
                .to_strings(),
            vec!["a"]
        );
    }
}
