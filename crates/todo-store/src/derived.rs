//! Values the store derives from a task or message before writing it, the same
//! for both backends: sort and search keys, the clock, and the checks a value
//! must pass that the domain types leave to the store.

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use todo_core::{
    Description, SearchText, StoreError, StoreResult, Title, ToolCall, ValidationError,
};

/// Sort key of a title: lower-cased in Rust so both dialects agree on every script.
pub(crate) fn title_key(title: &Title) -> String {
    title.as_str().to_lowercase()
}

/// What a search matches against: the lower-cased title and description joined by a
/// newline, which a search text never contains, so no match spans the two.
pub(crate) fn search_key(title: &Title, description: Option<&Description>) -> String {
    let mut key = title.as_str().to_lowercase();
    key.push('\n');
    if let Some(d) = description {
        key.push_str(&d.as_str().to_lowercase());
    }
    key
}

pub(crate) fn search_needle(search: &SearchText) -> String {
    search.as_str().to_lowercase()
}

/// An empty description is no description.
pub(crate) fn normalise_description(description: Option<&Description>) -> Option<&Description> {
    description.filter(|d| !d.as_str().is_empty())
}

pub(crate) fn tool_calls_json(calls: &[ToolCall]) -> StoreResult<String> {
    serde_json::to_string(calls)
        .map_err(|e| StoreError::Backend(format!("cannot encode tool calls: {e}")))
}

/// PostgreSQL text cannot hold NUL, so neither dialect accepts it.
pub(crate) fn check_message_content(content: &str) -> StoreResult<()> {
    if content.contains('\0') {
        return Err(ValidationError::new("content", "must not contain NUL characters").into());
    }
    Ok(())
}

/// The current time at the precision both dialects store: microseconds.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A due date as stored: microseconds, and within years 1 to 9999, which both
/// dialects can represent (PostgreSQL's range stops short of chrono's).
pub(crate) fn due_at(due: Option<DateTime<Utc>>) -> StoreResult<Option<DateTime<Utc>>> {
    match due {
        Some(d) if !(1..=9999).contains(&d.year()) => Err(ValidationError::new(
            "due_at",
            "must be a date between the years 1 and 9999",
        )
        .into()),
        other => Ok(other.map(|d| d.trunc_subsecs(6))),
    }
}

/// The next `updated_at`: now, but always later than the previous value, so every
/// change is visible even within one microsecond.
pub(crate) fn bumped(previous: DateTime<Utc>) -> DateTime<Utc> {
    now().max(previous + chrono::Duration::microseconds(1))
}
