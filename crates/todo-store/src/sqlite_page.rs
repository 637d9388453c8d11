//! A SQLite listing page travels as ONE text value instead of a row per task.
//!
//! sqlx's SQLite driver copies every value of every row and sends each row from its
//! worker thread to the caller; for a 50-task page that cost more than SQLite's own
//! work. So the listing query packs each task into one text with `char(31)` between
//! fields and joins the tasks with `char(30)`. Neither character can occur in a
//! stored value: titles allow no control characters, descriptions only newlines
//! and tabs, tags only letters, digits, `-` and `_`, the rest are numbers. Every
//! unpacked value is validated again on the way into the domain types.
//!
//! `group_concat` promises no order, so [`sort_page`] puts the page in the query's
//! order (for the already ordered input SQLite gives in practice, that is one pass).

use std::cmp::Ordering;

use todo_core::{SortKey, SortOrder, StoreError, StoreResult, TaskQuery};

use crate::row::{TaskRow, from_micros};

/// One task as a `char(31)`-separated text, fields in `task_columns!` order: one
/// `concat_ws` call per task, which SQLite builds in one buffer (a chain of `||`
/// copies the growing text at every step). `concat_ws` skips NULLs, so the
/// nullable fields become empty text (empty descriptions are stored as NULL, so
/// empty means none for both).
pub(crate) const PACKED_TASK: &str = "concat_ws(char(31), id, title, coalesce(description, ''), completed, priority, \
     tags, coalesce(due_at, ''), created_at, updated_at)";

const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// Unpacks a page; `None` (no tasks) is an empty page.
pub(crate) fn unpack(page: Option<&str>) -> StoreResult<Vec<TaskRow>> {
    let Some(page) = page.filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    page.split(RECORD).map(unpack_task).collect()
}

fn unpack_task(packed: &str) -> StoreResult<TaskRow> {
    let corrupt =
        |what: &str| StoreError::Backend(format!("unreadable task in a SQLite page: bad {what}"));
    let mut fields = packed.split(FIELD);
    let mut next = |what: &'static str| fields.next().ok_or_else(|| corrupt(what));
    let int = |raw: &str, what: &'static str| raw.parse::<i64>().map_err(|_| corrupt(what));

    let id = int(next("id")?, "id")?;
    let title = next("title")?.to_string();
    let description = Some(next("description")?)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    let completed = int(next("completed")?, "completed")? != 0;
    let priority = int(next("priority")?, "priority")?;
    let tags: Vec<String> = serde_json::from_str(next("tags")?).map_err(|_| corrupt("tags"))?;
    let due_at = Some(next("due date")?)
        .filter(|d| !d.is_empty())
        .map(|d| int(d, "due date"))
        .transpose()?;
    let created_at = int(next("creation time")?, "creation time")?;
    let updated_at = int(next("update time")?, "update time")?;
    if fields.next().is_some() {
        return Err(corrupt("field count"));
    }
    Ok(TaskRow {
        id,
        title,
        description,
        completed,
        priority,
        tags,
        due_at: due_at.map(from_micros).transpose()?,
        created_at: from_micros(created_at)?,
        updated_at: from_micros(updated_at)?,
    })
}

/// Orders a page exactly as the SQL `ORDER BY` of `list.rs` does: the sort key in
/// the query's direction (missing due dates last either way), then id ascending.
pub(crate) fn sort_page(mut rows: Vec<TaskRow>, query: &TaskQuery) -> Vec<TaskRow> {
    let directed = |o: Ordering| {
        if query.order == SortOrder::Desc {
            o.reverse()
        } else {
            o
        }
    };
    match query.sort {
        SortKey::Created => {
            rows.sort_by(|a, b| directed(a.created_at.cmp(&b.created_at)).then(a.id.cmp(&b.id)))
        }
        SortKey::Priority => {
            rows.sort_by(|a, b| directed(a.priority.cmp(&b.priority)).then(a.id.cmp(&b.id)))
        }
        SortKey::Due => rows.sort_by(|a, b| {
            let by_due = match (a.due_at, b.due_at) {
                (Some(x), Some(y)) => directed(x.cmp(&y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            by_due.then(a.id.cmp(&b.id))
        }),
        // The title_key column's key: Rust's Unicode lower case, compared bytewise
        // like SQLite's BINARY collation. Computed once per row, not per comparison.
        SortKey::Title => {
            let mut keyed: Vec<(String, TaskRow)> = rows
                .into_iter()
                .map(|r| (r.title.to_lowercase(), r))
                .collect();
            keyed.sort_by(|(ka, a), (kb, b)| directed(ka.cmp(kb)).then(a.id.cmp(&b.id)));
            return keyed.into_iter().map(|(_, r)| r).collect();
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_tasks_unpack_with_missing_fields_as_none() {
        let page = "7\u{1f}Buy milk\u{1f}\u{1f}1\u{1f}2\u{1f}[\"home\"]\u{1f}\u{1f}1000\u{1f}2000\u{1e}\
                    8\u{1f}Call\u{1f}line one\nline two\u{1f}0\u{1f}0\u{1f}[]\u{1f}5\u{1f}1001\u{1f}2001";
        let rows = unpack(Some(page)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].id,
                rows[0].title.as_str(),
                rows[0].description.as_deref()
            ),
            (7, "Buy milk", None)
        );
        assert!(rows[0].completed && rows[0].due_at.is_none());
        assert_eq!(rows[0].tags, vec!["home"]);
        assert_eq!(rows[1].description.as_deref(), Some("line one\nline two"));
        assert_eq!(rows[1].due_at.unwrap().timestamp_micros(), 5);
        assert!(unpack(None).unwrap().is_empty());
    }

    #[test]
    fn damaged_pages_are_errors_not_panics() {
        for bad in [
            "x\u{1f}t",
            "1\u{1f}t\u{1f}\u{1f}0\u{1f}1\u{1f}[]\u{1f}\u{1f}1\u{1f}2\u{1f}extra",
            "1\u{1f}t\u{1f}\u{1f}0\u{1f}1\u{1f}{\u{1f}\u{1f}1\u{1f}2",
        ] {
            assert!(
                matches!(unpack(Some(bad)), Err(StoreError::Backend(_))),
                "{bad:?}"
            );
        }
    }
}
