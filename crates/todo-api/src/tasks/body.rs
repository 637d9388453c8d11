//! Request bodies of the task endpoints and their validation into domain types.
//!
//! Bodies are first deserialized into plain JSON shapes (strings, lists), with
//! unknown fields refused so that a typo such as `"titel"` is an error rather
//! than silently ignored, then validated field by field into the types of
//! `todo-core`, so each error names the field it is about.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use todo_core::{
    Description, NewTask, Priority, Recurrence, Tags, TaskPatch, Title, ValidationError,
};
use utoipa::ToSchema;

/// A new task. Only `title` is required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    /// 1 to 200 characters.
    #[schema(example = "Buy groceries")]
    pub title: String,
    /// Up to 1000 characters.
    pub description: Option<String>,
    /// `low`, `medium` (default) or `high`.
    #[schema(value_type = Option<super::PriorityName>)]
    pub priority: Option<String>,
    /// Up to 10 tags of letters, digits, `-` and `_`.
    pub tags: Option<Vec<String>>,
    /// RFC 3339 timestamp, e.g. `2030-01-31T17:00:00Z`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<String>,
    /// How the task repeats, e.g. `{"kind":"weekly","days":["mon"]}`.
    #[schema(value_type = Option<super::RecurrenceRule>)]
    pub recurrence: Option<serde_json::Value>,
}

impl CreateTaskRequest {
    pub fn validate(self) -> Result<NewTask, ValidationError> {
        Ok(NewTask {
            title: Title::parse(&self.title)?,
            description: parse_description(self.description.as_deref())?,
            priority: self
                .priority
                .as_deref()
                .map(Priority::parse)
                .transpose()?
                .unwrap_or_default(),
            tags: self
                .tags
                .as_deref()
                .map(Tags::parse)
                .transpose()?
                .unwrap_or_default(),
            due_at: self.due_at.as_deref().map(parse_due).transpose()?,
            recurrence: self.recurrence.map(parse_recurrence).transpose()?,
        })
    }
}

/// A full replacement (PUT): fields left out take their defaults (no
/// description, medium priority, no tags, no due date, no recurrence, not completed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceTaskRequest {
    pub title: String,
    pub description: Option<String>,
    #[schema(value_type = Option<super::PriorityName>)]
    pub priority: Option<String>,
    pub tags: Option<Vec<String>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<String>,
    #[schema(value_type = Option<super::RecurrenceRule>)]
    pub recurrence: Option<serde_json::Value>,
    pub completed: Option<bool>,
}

impl ReplaceTaskRequest {
    pub fn validate(self) -> Result<TaskPatch, ValidationError> {
        Ok(TaskPatch {
            title: Some(Title::parse(&self.title)?),
            description: Some(parse_description(self.description.as_deref())?),
            completed: Some(self.completed.unwrap_or(false)),
            priority: Some(
                self.priority
                    .as_deref()
                    .map(Priority::parse)
                    .transpose()?
                    .unwrap_or_default(),
            ),
            tags: Some(
                self.tags
                    .as_deref()
                    .map(Tags::parse)
                    .transpose()?
                    .unwrap_or_default(),
            ),
            due_at: Some(self.due_at.as_deref().map(parse_due).transpose()?),
            recurrence: Some(self.recurrence.map(parse_recurrence).transpose()?),
        })
    }
}

/// A field of a partial update: left out, set to `null`, or given a value.
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Field::Value(value),
            None => Field::Null,
        })
    }
}

/// A partial update (PATCH): only the fields present change. `null` clears
/// `description`, `due_at`, `tags` and `recurrence`; `title`, `priority` and
/// `completed` cannot be null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTaskRequest {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub completed: Field<bool>,
    #[serde(default)]
    #[schema(value_type = Option<super::PriorityName>)]
    pub priority: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Field<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<super::RecurrenceRule>)]
    pub recurrence: Field<serde_json::Value>,
}

impl PatchTaskRequest {
    pub fn validate(self) -> Result<TaskPatch, ValidationError> {
        Ok(TaskPatch {
            title: required(self.title, "title")?
                .map(|t| Title::parse(&t))
                .transpose()?,
            description: match self.description {
                Field::Absent => None,
                Field::Null => Some(None),
                Field::Value(d) => Some(parse_description(Some(&d))?),
            },
            completed: required(self.completed, "completed")?,
            priority: required(self.priority, "priority")?
                .map(|p| Priority::parse(&p))
                .transpose()?,
            tags: match self.tags {
                Field::Absent => None,
                Field::Null => Some(Tags::default()),
                Field::Value(t) => Some(Tags::parse(&t)?),
            },
            due_at: match self.due_at {
                Field::Absent => None,
                Field::Null => Some(None),
                Field::Value(d) => Some(Some(parse_due(&d)?)),
            },
            recurrence: match self.recurrence {
                Field::Absent => None,
                Field::Null => Some(None),
                Field::Value(r) => Some(Some(parse_recurrence(r)?)),
            },
        })
    }
}

fn required<T>(field: Field<T>, name: &'static str) -> Result<Option<T>, ValidationError> {
    match field {
        Field::Absent => Ok(None),
        Field::Null => Err(ValidationError::new(
            name,
            "cannot be null; leave it out to keep the current value",
        )),
        Field::Value(v) => Ok(Some(v)),
    }
}

/// An empty description means "no description".
fn parse_description(raw: Option<&str>) -> Result<Option<Description>, ValidationError> {
    match raw {
        None => Ok(None),
        Some(raw) => {
            let d = Description::parse(raw)?;
            Ok(if d.as_str().is_empty() { None } else { Some(d) })
        }
    }
}

/// Not deserialized straight into `Recurrence`, so that a bad rule is a 422 naming
/// `recurrence` rather than a 400 about the whole body.
fn parse_recurrence(raw: serde_json::Value) -> Result<Recurrence, ValidationError> {
    Recurrence::parse_json(&raw.to_string())
}

fn parse_due(raw: &str) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            ValidationError::new(
                "due_at",
                format!("{raw:?} is not a timestamp; use RFC 3339 such as 2030-01-31T17:00:00Z"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::parse_json;

    #[test]
    fn create_defaults_and_validation() {
        let t = parse_json::<CreateTaskRequest>(br#"{"title":" Buy milk "}"#)
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(t.title.as_str(), "Buy milk");
        assert_eq!(t.priority, Priority::Medium);
        assert!(t.tags.is_empty() && t.description.is_none() && t.due_at.is_none());

        let t = parse_json::<CreateTaskRequest>(
            br##"{"title":"x","description":"","priority":"HIGH","tags":["#Home"],"due_at":"2030-01-31T18:00:00+01:00"}"##,
        )
        .unwrap()
        .validate()
        .unwrap();
        assert_eq!(t.description, None);
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.tags.to_strings(), vec!["home"]);
        assert_eq!(t.due_at.unwrap().to_rfc3339(), "2030-01-31T17:00:00+00:00");

        let err = parse_json::<CreateTaskRequest>(br#"{"title":"x","priority":"urgent"}"#)
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "priority");
        let err = parse_json::<CreateTaskRequest>(br#"{"title":"x","due_at":"tomorrow"}"#)
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "due_at");

        let t = parse_json::<CreateTaskRequest>(
            br#"{"title":"x","recurrence":{"kind":"weekly","days":["thu","mon"]}}"#,
        )
        .unwrap()
        .validate()
        .unwrap();
        assert_eq!(
            t.recurrence.unwrap().to_json(),
            r#"{"kind":"weekly","days":["mon","thu"]}"#
        );
        for bad in [
            br#"{"title":"x","recurrence":{"kind":"hourly"}}"#.as_slice(),
            br#"{"title":"x","recurrence":{"kind":"monthly","day":40}}"#,
            br#"{"title":"x","recurrence":"daily"}"#,
        ] {
            let err = parse_json::<CreateTaskRequest>(bad)
                .unwrap()
                .validate()
                .unwrap_err();
            assert_eq!(err.field, "recurrence");
        }
    }

    #[test]
    fn patch_distinguishes_absent_null_and_value() {
        let p = parse_json::<PatchTaskRequest>(br#"{}"#)
            .unwrap()
            .validate()
            .unwrap();
        assert!(p.is_empty());
        let p = parse_json::<PatchTaskRequest>(
            br#"{"description":null,"due_at":null,"tags":null,"recurrence":null}"#,
        )
        .unwrap()
        .validate()
        .unwrap();
        assert_eq!(p.recurrence, Some(None));
        assert_eq!(p.description, Some(None));
        assert_eq!(p.due_at, Some(None));
        assert_eq!(p.tags, Some(Tags::default()));
        assert_eq!(p.title, None);
        let err = parse_json::<PatchTaskRequest>(br#"{"title":null}"#)
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "title");
        let p = parse_json::<PatchTaskRequest>(br#"{"completed":true,"title":"New"}"#)
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(p.completed, Some(true));
        assert_eq!(p.title.unwrap().as_str(), "New");
    }

    #[test]
    fn replace_resets_what_is_left_out() {
        let p = parse_json::<ReplaceTaskRequest>(br#"{"title":"T"}"#)
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(p.description, Some(None));
        assert_eq!(p.completed, Some(false));
        assert_eq!(p.priority, Some(Priority::Medium));
        assert_eq!(p.tags, Some(Tags::default()));
        assert_eq!(p.due_at, Some(None));
        assert_eq!(p.recurrence, Some(None));
        assert!(parse_json::<ReplaceTaskRequest>(br#"{"description":"no title"}"#).is_err());
    }
}
