//! Tool arguments into domain values: each failure says what to send instead.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use todo_core::{Description, NewTask, Priority, Tags, Title, UserId};

use super::{AddTaskInput, ToolFailure, invalid};

/// A validated task from `add_task`-shaped input.
pub(super) fn new_task(input: AddTaskInput) -> Result<NewTask, ToolFailure> {
    let mut task = NewTask::titled(Title::parse(&input.title).map_err(invalid)?);
    task.description = optional_description(input.description.as_deref())?;
    task.priority = input.priority.map(Priority::from).unwrap_or_default();
    task.tags = Tags::parse(&input.tags.unwrap_or_default()).map_err(invalid)?;
    task.due_at = match input.due_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(parse_due(raw)?),
    };
    task.recurrence = match input.recurrence {
        None | Some(Value::Null) => None,
        Some(raw) => Some(parse_recurrence(&raw)?),
    };
    Ok(task)
}

/// A recurrence argument: the JSON of `todo_core::Recurrence`.
pub(super) fn parse_recurrence(raw: &Value) -> Result<todo_core::Recurrence, ToolFailure> {
    todo_core::Recurrence::parse_json(&raw.to_string()).map_err(invalid)
}

pub(super) fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ToolFailure> {
    serde_json::from_value(args).map_err(|e| ToolFailure::InvalidArguments(e.to_string()))
}

pub(super) fn check_user(user: &UserId, given: Option<&str>) -> Result<(), ToolFailure> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(()),
        Some(raw) => match UserId::parse(raw) {
            Ok(id) if &id == user => Ok(()),
            _ => Err(ToolFailure::WrongUser),
        },
    }
}

pub(super) fn optional_description(raw: Option<&str>) -> Result<Option<Description>, ToolFailure> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => Description::parse(d).map(Some).map_err(invalid),
    }
}

/// RFC 3339, or a bare `YYYY-MM-DDTHH:MM[:SS]` / `YYYY-MM-DD` taken as UTC.
pub fn parse_due(raw: &str) -> Result<DateTime<Utc>, ToolFailure> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.to_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, format) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    Err(ToolFailure::InvalidArguments(format!(
        "due_at {raw:?} is not a date-time; use RFC 3339 like 2026-11-22T17:00:00Z"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_parse_or_explain() {
        assert_eq!(
            parse_due("2026-11-22T17:00:00+01:00").unwrap().to_rfc3339(),
            "2026-11-22T16:00:00+00:00"
        );
        assert_eq!(
            parse_due("2026-11-22").unwrap().to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
        assert!(
            parse_due("tomorrow")
                .unwrap_err()
                .message()
                .contains("RFC 3339")
        );
    }

    #[test]
    fn user_id_argument_can_only_repeat_the_caller() {
        let me = UserId::random();
        assert!(check_user(&me, None).is_ok());
        assert!(check_user(&me, Some(me.as_str())).is_ok());
        assert_eq!(
            check_user(&me, Some(UserId::random().as_str())),
            Err(ToolFailure::WrongUser)
        );
        assert_eq!(check_user(&me, Some("admin")), Err(ToolFailure::WrongUser));
    }
}
