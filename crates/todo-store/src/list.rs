//! The task listing query, built from a validated [`TaskQuery`] for either dialect.
//!
//! The SQL text is assembled only from the fixed fragments below; every value from
//! the query is a bind parameter. The number of distinct texts is small and bounded
//! (filters present or not x sort key x order), so each connection's prepared
//! statement cache holds them all.

use todo_core::{SortKey, SortOrder, StatusFilter, StoreResult, TaskQuery, UserId};

use crate::decode::task_columns;
use crate::derived::search_needle;
use crate::dialect::Dialect;
use crate::engine::Value;

/// The statements of one listing and their parameters.
pub(crate) struct ListingSql {
    /// The page, a row per task, each row carrying the number of all matching
    /// rows as its first column `total`; binds: `filters`, then `paging`.
    pub page: String,
    /// Only the count, for a page past the end (no row to carry `total`).
    pub count: String,
    pub filters: Vec<Value>,
    /// Limit and offset to bind after `filters`; empty when they are in the text.
    pub paging: Vec<Value>,
}

pub(crate) fn listing_sql(
    dialect: Dialect,
    user: &UserId,
    query: &TaskQuery,
) -> StoreResult<ListingSql> {
    let limit = TaskQuery::check_limit(query.limit)?;
    let mut filters = vec![Value::Text(user.as_str().to_string())];
    let mut conditions = vec!["user_id = $1".to_string()];

    match query.status {
        StatusFilter::All => {}
        StatusFilter::Pending => conditions.push("completed = FALSE".into()),
        StatusFilter::Completed => conditions.push("completed = TRUE".into()),
    }
    if let Some(priority) = query.priority {
        filters.push(Value::Int(priority.rank()));
        conditions.push(format!("priority = ${}", filters.len()));
    }
    if let Some(tag) = &query.tag {
        filters.push(Value::Text(tag.as_str().to_string()));
        let n = filters.len();
        conditions.push(dialect.has_tag(n));
    }
    if let Some(search) = &query.search {
        filters.push(Value::Text(search_needle(search)));
        let n = filters.len();
        conditions.push(dialect.contains(n));
    }

    if let Some(due) = &query.due {
        if let Some(from) = due.from {
            filters.push(Value::Time(from));
            conditions.push(format!("due_at >= ${}", filters.len()));
        }
        filters.push(Value::Time(due.before));
        conditions.push(format!("due_at < ${}", filters.len()));
        if due.pending_only && query.status != StatusFilter::Pending {
            conditions.push("completed = FALSE".into());
        }
    }

    let direction = match query.order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    let key = match query.sort {
        SortKey::Created => format!("created_at {direction}"),
        SortKey::Title => format!("title_key {direction}"),
        SortKey::Due => format!("due_at {direction} NULLS LAST"),
        SortKey::Priority => format!("priority {direction}"),
    };
    let condition = conditions.join(" AND ");
    // Ties break by the per-user number, which every sort index ends with.
    let order_by = format!("{key}, number ASC");
    let (limits, paging) = dialect.paging(limit, query.offset, filters.len());
    let window = format!("WHERE {condition} ORDER BY {order_by} {limits}");
    let counted = format!("SELECT count(*) FROM tasks WHERE {condition}");
    let total = match dialect {
        Dialect::Sqlite => sqlite_total(query).unwrap_or(counted),
        Dialect::Postgres => counted,
    };
    let page = format!(
        "SELECT ({total}) AS total, {} FROM tasks {window}",
        task_columns!()
    );
    let count = format!("SELECT ({total}) AS total");
    Ok(ListingSql {
        page,
        count,
        filters,
        paging,
    })
}

/// On SQLite, listings filtered by status alone (the common case, and the
/// benchmark's) read their total from the counters the triggers of migration 2
/// keep, instead of counting the user's rows on every page.
fn sqlite_total(query: &TaskQuery) -> Option<String> {
    if query.priority.is_some()
        || query.tag.is_some()
        || query.search.is_some()
        || query.due.is_some()
    {
        return None;
    }
    let counter = match query.status {
        StatusFilter::All => "total",
        StatusFilter::Pending => "total - completed",
        StatusFilter::Completed => "completed",
    };
    Some(format!(
        "SELECT coalesce((SELECT {counter} FROM task_counts WHERE user_id = $1), 0)"
    ))
}

#[cfg(test)]
mod tests {
    use todo_core::{Priority, SearchText, Tag};

    use super::*;

    #[test]
    fn values_are_bound_never_spliced() {
        let user = UserId::random();
        let query = TaskQuery {
            status: StatusFilter::Pending,
            priority: Some(Priority::High),
            tag: Some(Tag::parse("work").unwrap()),
            search: Some(SearchText::parse("50% OFF'; DROP TABLE tasks; --").unwrap()),
            due: None,
            sort: SortKey::Due,
            order: SortOrder::Desc,
            limit: 10,
            offset: 20,
        };
        for (dialect, window) in [
            (Dialect::Sqlite, "LIMIT 10 OFFSET 20"),
            (Dialect::Postgres, "LIMIT $5 OFFSET $6"),
        ] {
            let sql = listing_sql(dialect, &user, &query).unwrap();
            assert!(
                !sql.page.contains("DROP") && !sql.page.contains(user.as_str()),
                "{}",
                sql.page
            );
            assert!(
                sql.page.contains(&format!(
                    "ORDER BY due_at DESC NULLS LAST, number ASC {window}"
                )),
                "{}",
                sql.page
            );
            assert_eq!(sql.filters.len(), 4);
            assert_eq!(
                sql.filters[3],
                Value::Text("50% off'; drop table tasks; --".into())
            );
            let paging = if dialect == Dialect::Postgres {
                vec![Value::Int(10), Value::Int(20)]
            } else {
                Vec::new()
            };
            assert_eq!(sql.paging, paging);
        }
    }

    #[test]
    fn limit_is_checked() {
        let user = UserId::random();
        for limit in [0, TaskQuery::MAX_LIMIT + 1] {
            let query = TaskQuery {
                limit,
                ..TaskQuery::default()
            };
            assert!(listing_sql(Dialect::Sqlite, &user, &query).is_err());
        }
    }
}
