//! The query string of `GET /api/{user_id}/tasks`, validated into a [`TaskQuery`].

use serde::Deserialize;
use todo_core::{
    Priority, SearchText, SortKey, SortOrder, StatusFilter, Tag, TaskQuery, ValidationError,
};
use utoipa::IntoParams;

/// Filters, search, sort and paging of the task list. Every parameter is
/// optional; unknown parameters are refused so that typos do not go unnoticed.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `all` (default), `pending` or `completed`.
    pub status: Option<String>,
    /// `low`, `medium` or `high`.
    pub priority: Option<String>,
    /// Only tasks carrying this tag.
    pub tag: Option<String>,
    /// Case-insensitive search in titles and descriptions.
    pub q: Option<String>,
    /// `created` (default), `title`, `due` or `priority`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Number of tasks to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub offset: Option<String>,
}

impl ListParams {
    pub fn validate(&self) -> Result<TaskQuery, ValidationError> {
        let mut query = TaskQuery::default();
        if let Some(s) = &self.status {
            query.status = StatusFilter::parse(s)?;
        }
        if let Some(p) = &self.priority {
            query.priority = Some(Priority::parse(p)?);
        }
        if let Some(t) = &self.tag {
            query.tag = Some(Tag::parse(t).map_err(|e| ValidationError::new("tag", e.message))?);
        }
        if let Some(q) = &self.q {
            query.search = Some(SearchText::parse(q)?);
        }
        if let Some(s) = &self.sort {
            query.sort = SortKey::parse(s)?;
        }
        if let Some(o) = &self.order {
            query.order = SortOrder::parse(o)?;
        }
        if let Some(l) = &self.limit {
            let limit = l.trim().parse::<u32>().map_err(|_| {
                ValidationError::new(
                    "limit",
                    format!("{l:?} is not a number; use 1 to {}", TaskQuery::MAX_LIMIT),
                )
            })?;
            query.limit = TaskQuery::check_limit(limit)?;
        }
        if let Some(o) = &self.offset {
            query.offset = o.trim().parse::<u32>().map_err(|_| {
                ValidationError::new("offset", format!("{o:?} is not a non-negative integer"))
            })?;
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let qs: String = pairs.iter().map(|(k, v)| format!("{k}={v}&")).collect();
        serde_urlencoded::from_str(&qs).unwrap()
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(
            ListParams::default().validate().unwrap(),
            TaskQuery::default()
        );
        let q = params(&[
            ("status", "pending"),
            ("priority", "high"),
            ("tag", "Work"),
            ("q", "milk"),
            ("sort", "due"),
            ("order", "desc"),
            ("limit", "10"),
            ("offset", "20"),
        ])
        .validate()
        .unwrap();
        assert_eq!(q.status, StatusFilter::Pending);
        assert_eq!(q.priority, Some(Priority::High));
        assert_eq!(q.tag.unwrap().as_str(), "work");
        assert_eq!(q.search.unwrap().as_str(), "milk");
        assert_eq!(
            (q.sort, q.order, q.limit, q.offset),
            (SortKey::Due, SortOrder::Desc, 10, 20)
        );
    }

    #[test]
    fn each_bad_value_names_its_parameter() {
        for (key, value) in [
            ("status", "done"),
            ("priority", "urgent"),
            ("tag", "a b"),
            ("q", ""),
            ("sort", "size"),
            ("order", "up"),
            ("limit", "0"),
            ("limit", "501"),
            ("limit", "ten"),
            ("offset", "-1"),
        ] {
            let err = params(&[(key, value)]).validate().unwrap_err();
            assert_eq!(err.field, key, "{key}={value}: {err}");
        }
        assert!(serde_urlencoded::from_str::<ListParams>("colour=red").is_err());
    }
}
