//! The query string of `GET /api/{user_id}/tasks`, validated into a [`TaskQuery`].

use chrono::{DateTime, NaiveTime, Utc};
use serde::Deserialize;
use todo_agent::UserTz;
use todo_core::{
    DueWindow, Priority, SearchText, SortKey, SortOrder, StatusFilter, Tag, TaskQuery,
    ValidationError,
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
    /// `today`, `this_week` (Monday to Sunday) or `overdue` (not completed, due
    /// before now); days are those of `tz`.
    pub due: Option<String>,
    /// The time zone of `due`: an IANA name (`Europe/Berlin`) or an offset
    /// (`+02:00`). Default UTC.
    pub tz: Option<String>,
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
    /// The query these parameters ask for, `now` being the time of the request.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<TaskQuery, ValidationError> {
        let mut query = TaskQuery::default();
        let tz = self
            .tz
            .as_deref()
            .map(UserTz::parse)
            .transpose()
            .map_err(|e| ValidationError::new("tz", e.message))?
            .unwrap_or_default();
        if let Some(d) = &self.due {
            let window = DueWindow::parse(d)?;
            let today = tz.local(now).date();
            query.due = Some(window.range(now, today, |day| tz.to_utc(day, NaiveTime::MIN)));
        }
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
            ListParams::default().validate(Utc::now()).unwrap(),
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
        .validate(Utc::now())
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
            ("due", "tomorrow"),
            ("tz", "Mars/Olympus"),
        ] {
            let err = params(&[(key, value)]).validate(Utc::now()).unwrap_err();
            assert_eq!(err.field, key, "{key}={value}: {err}");
        }
        assert!(serde_urlencoded::from_str::<ListParams>("colour=red").is_err());
    }

    #[test]
    fn due_windows_use_the_time_zone_given() {
        use chrono::TimeZone;
        // 23:30 UTC on Wednesday 2031-03-12 is already Thursday in Berlin (+01:00).
        let now = Utc.with_ymd_and_hms(2031, 3, 12, 23, 30, 0).unwrap();
        let q = params(&[("due", "today"), ("tz", "Europe/Berlin")])
            .validate(now)
            .unwrap();
        let due = q.due.unwrap();
        assert_eq!(
            due.from,
            Some(Utc.with_ymd_and_hms(2031, 3, 12, 23, 0, 0).unwrap())
        );
        assert_eq!(
            due.before,
            Utc.with_ymd_and_hms(2031, 3, 13, 23, 0, 0).unwrap()
        );
        assert!(!due.pending_only);
        let week = params(&[("due", "this_week")])
            .validate(now)
            .unwrap()
            .due
            .unwrap();
        assert_eq!(
            week.from,
            Some(Utc.with_ymd_and_hms(2031, 3, 10, 0, 0, 0).unwrap())
        );
        assert_eq!(
            week.before,
            Utc.with_ymd_and_hms(2031, 3, 17, 0, 0, 0).unwrap()
        );
        let overdue = params(&[("due", "overdue")])
            .validate(now)
            .unwrap()
            .due
            .unwrap();
        assert_eq!(
            (overdue.from, overdue.before, overdue.pending_only),
            (None, now, true)
        );
    }
}
