//! How a task repeats, and when its next occurrence is due.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The rule a recurring task repeats by. Completing such a task creates the next
/// occurrence, due on the next day the rule names (see [`Recurrence::next_due`]).
///
/// JSON: `{"kind":"daily"}`, `{"kind":"weekdays"}` (Monday to Friday),
/// `{"kind":"weekly","days":["mon","thu"]}`, `{"kind":"monthly","day":1}` (1 to 31;
/// a month without that day uses its last day).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawRecurrence", into = "RawRecurrence")]
pub enum Recurrence {
    Daily,
    Weekdays,
    /// On these days of the week: never empty, sorted Monday first, no duplicates.
    Weekly(Vec<Weekday>),
    /// On this day of the month, 1 to 31.
    Monthly(u8),
}

/// The wire shape, checked into a [`Recurrence`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum RawRecurrence {
    // Braces, not unit variants: serde ignores extra fields next to a unit
    // variant's tag, and `{"kind":"daily","day":3}` is a mistake worth naming.
    Daily {},
    Weekdays {},
    Weekly { days: Vec<String> },
    Monthly { day: i64 },
}

impl Recurrence {
    /// A weekly rule on `days` (any order, duplicates dropped); an empty list is refused.
    pub fn weekly(days: impl IntoIterator<Item = Weekday>) -> Result<Self, ValidationError> {
        let mut days: Vec<Weekday> = days.into_iter().collect();
        days.sort_by_key(|d| d.num_days_from_monday());
        days.dedup();
        if days.is_empty() {
            return Err(ValidationError::new(
                "recurrence",
                "a weekly recurrence needs at least one day, e.g. {\"kind\":\"weekly\",\"days\":[\"mon\"]}",
            ));
        }
        Ok(Self::Weekly(days))
    }

    /// A monthly rule on day `day` (1 to 31).
    pub fn monthly(day: i64) -> Result<Self, ValidationError> {
        match u8::try_from(day) {
            Ok(d @ 1..=31) => Ok(Self::Monthly(d)),
            _ => Err(ValidationError::new(
                "recurrence",
                format!("day {day} is not a day of the month; use 1 to 31"),
            )),
        }
    }

    /// Parses the JSON form from a string (form fields, stored columns).
    pub fn parse_json(raw: &str) -> Result<Self, ValidationError> {
        serde_json::from_str(raw).map_err(|e| {
            ValidationError::new(
                "recurrence",
                format!(
                    "{e}; use {{\"kind\":\"daily\"}}, {{\"kind\":\"weekdays\"}}, \
                     {{\"kind\":\"weekly\",\"days\":[\"mon\",\"thu\"]}} or {{\"kind\":\"monthly\",\"day\":1}}"
                ),
            )
        })
    }

    /// The JSON form as a string.
    pub fn to_json(&self) -> String {
        // A tagged enum of plain strings and numbers cannot fail to encode.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether the rule falls on `date`.
    pub fn falls_on(&self, date: NaiveDate) -> bool {
        match self {
            Recurrence::Daily => true,
            Recurrence::Weekdays => date.weekday().num_days_from_monday() < 5,
            Recurrence::Weekly(days) => days.contains(&date.weekday()),
            Recurrence::Monthly(day) => date.day() == u32::from(*day).min(last_day_of_month(date)),
        }
    }

    /// When the occurrence after one due at `due` (or, without a due date, one
    /// completed at `now`) is due: the first day after that date the rule falls on,
    /// at the same time of day, and later than `now`, so completing an overdue
    /// task never creates an occurrence that is overdue already. Days are those
    /// of UTC, the zone every stored timestamp is in.
    pub fn next_due(&self, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
        let base = due.unwrap_or(now);
        let time = base.time();
        let mut date = base.date_naive();
        // Every rule falls at least once in any 31 consecutive days, so each step
        // below ends within a month; the outer loop skips past `now`.
        loop {
            date = match date.checked_add_days(Days::new(1)) {
                Some(d) => d,
                None => return base,
            };
            if self.falls_on(date) {
                let at = date.and_time(time).and_utc();
                if at > now {
                    return at;
                }
            }
        }
    }

    /// A short English description: "daily", "every weekday", "weekly on Mon, Thu",
    /// "monthly on day 1".
    pub fn describe(&self) -> String {
        match self {
            Recurrence::Daily => "daily".into(),
            Recurrence::Weekdays => "every weekday".into(),
            Recurrence::Weekly(days) => format!(
                "weekly on {}",
                days.iter()
                    .map(|d| {
                        let name = day_name(*d);
                        let mut c = name.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Recurrence::Monthly(day) => format!("monthly on day {day}"),
        }
    }
}

fn last_day_of_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// A day of the week as the JSON form writes it ("mon"), also accepting full
/// English names in any case ("Monday").
fn parse_day(raw: &str) -> Result<Weekday, ValidationError> {
    let s = raw.trim().to_ascii_lowercase();
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|d| s == day_name(*d) || s == format!("{d:?}").to_ascii_lowercase() || full_name(*d) == s)
    .ok_or_else(|| {
        ValidationError::new(
            "recurrence",
            format!("{raw:?} is not a day of the week; use mon, tue, wed, thu, fri, sat or sun"),
        )
    })
}

fn full_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

impl TryFrom<RawRecurrence> for Recurrence {
    type Error = ValidationError;
    fn try_from(raw: RawRecurrence) -> Result<Self, Self::Error> {
        match raw {
            RawRecurrence::Daily {} => Ok(Self::Daily),
            RawRecurrence::Weekdays {} => Ok(Self::Weekdays),
            RawRecurrence::Weekly { days } => Self::weekly(
                days.iter()
                    .map(|d| parse_day(d))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            RawRecurrence::Monthly { day } => Self::monthly(day),
        }
    }
}

impl From<Recurrence> for RawRecurrence {
    fn from(r: Recurrence) -> Self {
        match r {
            Recurrence::Daily => Self::Daily {},
            Recurrence::Weekdays => Self::Weekdays {},
            Recurrence::Weekly(days) => Self::Weekly {
                days: days.into_iter().map(|d| day_name(d).to_string()).collect(),
            },
            Recurrence::Monthly(day) => Self::Monthly {
                day: i64::from(day),
            },
        }
    }
}

impl std::fmt::Display for Recurrence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn json_round_trips_and_is_validated() {
        for text in [
            r#"{"kind":"daily"}"#,
            r#"{"kind":"weekdays"}"#,
            r#"{"kind":"weekly","days":["mon","thu"]}"#,
            r#"{"kind":"monthly","day":31}"#,
        ] {
            let r = Recurrence::parse_json(text).unwrap();
            assert_eq!(r.to_json(), text);
        }
        assert_eq!(
            Recurrence::parse_json(r#"{"kind":"weekly","days":["Thursday","MON","mon"]}"#).unwrap(),
            Recurrence::Weekly(vec![Weekday::Mon, Weekday::Thu])
        );
        for bad in [
            r#"{"kind":"hourly"}"#,
            r#"{"kind":"weekly","days":[]}"#,
            r#"{"kind":"weekly","days":["someday"]}"#,
            r#"{"kind":"monthly","day":0}"#,
            r#"{"kind":"monthly","day":32}"#,
            r#"{"kind":"monthly"}"#,
            r#"{"kind":"daily","day":3}"#,
            r#""daily""#,
        ] {
            let err = Recurrence::parse_json(bad).unwrap_err();
            assert_eq!(err.field, "recurrence", "{bad}");
        }
    }

    #[test]
    fn next_due_follows_each_rule() {
        // 2026-12-04 is a Friday.
        let now = at("2026-12-01T08:00:00Z");
        let fri = at("2026-12-04T09:00:00Z");
        assert_eq!(
            Recurrence::Daily.next_due(Some(fri), now),
            at("2026-12-05T09:00:00Z")
        );
        assert_eq!(
            Recurrence::Weekdays.next_due(Some(fri), now),
            at("2026-12-07T09:00:00Z")
        );
        let mon_thu = Recurrence::weekly([Weekday::Thu, Weekday::Mon]).unwrap();
        assert_eq!(mon_thu.next_due(Some(fri), now), at("2026-12-07T09:00:00Z"));
        assert_eq!(
            mon_thu.next_due(Some(at("2026-12-07T09:00:00Z")), now),
            at("2026-12-10T09:00:00Z")
        );
        // A month without day 31 uses its last day, and the next one day 31 again.
        let last = Recurrence::monthly(31).unwrap();
        assert_eq!(
            last.next_due(Some(at("2027-01-31T12:00:00Z")), now),
            at("2027-02-28T12:00:00Z")
        );
        assert_eq!(
            last.next_due(Some(at("2027-02-28T12:00:00Z")), now),
            at("2027-03-31T12:00:00Z")
        );
        assert_eq!(
            last.next_due(Some(at("2028-01-31T12:00:00Z")), now),
            at("2028-02-29T12:00:00Z")
        );
        assert_eq!(
            Recurrence::monthly(1)
                .unwrap()
                .next_due(Some(at("2026-12-15T00:00:00Z")), now),
            at("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn next_due_is_never_in_the_past() {
        let now = at("2026-12-10T12:00:00Z");
        // Due a week ago, completed today: the next one is tomorrow, not overdue.
        assert_eq!(
            Recurrence::Daily.next_due(Some(at("2026-12-03T09:00:00Z")), now),
            at("2026-12-11T09:00:00Z")
        );
        // Due earlier today at 13:00 (after now): next is tomorrow.
        assert_eq!(
            Recurrence::Daily.next_due(Some(at("2026-12-10T13:00:00Z")), now),
            at("2026-12-11T13:00:00Z")
        );
        // No due date: the next matching day after now, at now's time of day.
        assert_eq!(
            Recurrence::Daily.next_due(None, now),
            at("2026-12-11T12:00:00Z")
        );
    }

    #[test]
    fn descriptions_read_naturally() {
        assert_eq!(
            Recurrence::weekly([Weekday::Mon, Weekday::Thu])
                .unwrap()
                .describe(),
            "weekly on Mon, Thu"
        );
        assert_eq!(
            Recurrence::monthly(1).unwrap().to_string(),
            "monthly on day 1"
        );
    }
}
