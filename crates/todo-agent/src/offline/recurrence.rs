//! Repeat rules in English: "every Monday", "on the 1st of every month",
//! "every weekday at 9", "daily". The rule's JSON is the `recurrence` shape of
//! the task tools; the first due date is the first matching day from today at
//! the time given (09:00 when none), never in the past.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use regex::Regex;
use serde_json::{Value, json};

use crate::clock::TurnClock;

/// A repeat rule found in a message, and where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    pub rule: Rule,
    pub span: Range<usize>,
}

/// The repeat rules tasks support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Daily,
    Weekdays,
    Weekly(Vec<Weekday>),
    Monthly(u32),
}

const DAY_NAME: &str =
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?s?";

static WEEKDAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:(?:on\s+)?(?:every|each)\s+(?:single\s+)?(?:week\s*day|work\s*day|business day)s?|on\s+weekdays|weekdays|(?:every\s+day\s+)?(?:from\s+)?monday\s+(?:to|through|thru|-)\s+friday|mon-fri)\b")
        .expect("weekdays pattern")
});
static DAILY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:every\s*day|each day|daily|every single day|every (?:morning|evening|night)|each (?:morning|evening|night)|nightly)\b")
        .expect("daily pattern")
});
static WEEKLY_DAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:(?:on\s+)?(?:every|each)\s+(?:single\s+)?(?P<days>{DAY_NAME}(?:\s*(?:,|and|&|\+)\s*(?:(?:every|each)\s+)?{DAY_NAME})*)|on\s+(?P<plural>(?:mon|tues|wednes|thurs|fri|satur|sun)days(?:\s*(?:,|and|&)\s*(?:mon|tues|wednes|thurs|fri|satur|sun)days)*))\b"
    ))
    .expect("weekly pattern")
});
static WEEKLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:every|each|once a)\s+week|\bweekly\b").expect("weekly"));
static MONTHLY_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:on\s+)?(?:the\s+)?(?P<d>\d{1,2}|first|last)(?:st|nd|rd|th)?\s+(?:day\s+)?(?:of\s+)?(?:every|each|the|a)\s+month\b|\b(?:every|each)\s+month\s+on\s+the\s+(?P<d2>\d{1,2}|first)(?:st|nd|rd|th)?\b|\bmonthly\s+on\s+the\s+(?P<d3>\d{1,2}|first)(?:st|nd|rd|th)?\b")
        .expect("monthly day pattern")
});
static MONTHLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:(?:every|each|once a)\s+month|monthly)\b").expect("monthly")
});
static DAY_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\b{DAY_NAME}\b")).expect("day word"));

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn day_of_month(raw: &str) -> Option<u32> {
    let d = match raw {
        "first" => 1,
        "last" => 31,
        n => n.parse().ok()?,
    };
    (1..=31).contains(&d).then_some(d)
}

/// The repeat rule in a message, if any.
pub fn extract_repeat(lower: &str, clock: &TurnClock) -> Option<Repeat> {
    if let Some(m) = WEEKDAYS.find(lower) {
        return Some(Repeat {
            rule: Rule::Weekdays,
            span: m.range(),
        });
    }
    if let Some(c) = MONTHLY_DAY.captures(lower) {
        let raw = c.name("d").or(c.name("d2")).or(c.name("d3"))?;
        return Some(Repeat {
            rule: Rule::Monthly(day_of_month(raw.as_str())?),
            span: c.get(0).expect("match").range(),
        });
    }
    if let Some(c) = WEEKLY_DAYS.captures(lower) {
        let list = c.name("days").or(c.name("plural"))?;
        let mut days: Vec<Weekday> = DAY_WORD
            .find_iter(list.as_str())
            .filter_map(|m| weekday(m.as_str()))
            .collect();
        days.sort_by_key(|d| d.num_days_from_monday());
        days.dedup();
        if !days.is_empty() {
            return Some(Repeat {
                rule: Rule::Weekly(days),
                span: c.get(0).expect("match").range(),
            });
        }
    }
    if let Some(m) = DAILY.find(lower) {
        return Some(Repeat {
            rule: Rule::Daily,
            span: m.range(),
        });
    }
    if let Some(m) = MONTHLY.find(lower) {
        return Some(Repeat {
            rule: Rule::Monthly(clock.today().day()),
            span: m.range(),
        });
    }
    if let Some(m) = WEEKLY.find(lower) {
        return Some(Repeat {
            rule: Rule::Weekly(vec![clock.today().weekday()]),
            span: m.range(),
        });
    }
    None
}

impl Rule {
    /// The tools' JSON shape.
    pub fn to_json(&self) -> Value {
        match self {
            Rule::Daily => json!({"kind": "daily"}),
            Rule::Weekdays => json!({"kind": "weekdays"}),
            Rule::Weekly(days) => {
                let names: Vec<String> = days
                    .iter()
                    .map(|d| d.to_string().to_ascii_lowercase())
                    .collect();
                json!({"kind": "weekly", "days": names})
            }
            Rule::Monthly(day) => json!({"kind": "monthly", "day": day}),
        }
    }

    fn matches(&self, date: NaiveDate) -> bool {
        match self {
            Rule::Daily => true,
            Rule::Weekdays => date.weekday().num_days_from_monday() < 5,
            Rule::Weekly(days) => days.contains(&date.weekday()),
            Rule::Monthly(day) => date.day() == (*day).min(last_day(date)),
        }
    }

    /// The first matching day at `time` that is still ahead of now.
    pub fn first_due(&self, time: NaiveTime, clock: &TurnClock) -> DateTime<Utc> {
        let today = clock.today();
        (0..400)
            .map(|n| today + Duration::days(n))
            .filter(|d| self.matches(*d))
            .map(|d| clock.tz.to_utc(d, time))
            .find(|at| *at > clock.now)
            .unwrap_or_else(|| clock.tz.to_utc(today + Duration::days(1), time))
    }
}

fn last_day(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(28, |d| d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::UserTz;
    use chrono::TimeZone;

    fn clock() -> TurnClock {
        // Friday 2026-11-20 10:00 UTC.
        TurnClock::new(
            Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            UserTz::default(),
        )
    }

    fn rule(s: &str) -> Option<Rule> {
        extract_repeat(s, &clock()).map(|r| r.rule)
    }

    #[test]
    fn rules() {
        assert_eq!(
            rule("water the plants every monday"),
            Some(Rule::Weekly(vec![Weekday::Mon]))
        );
        assert_eq!(
            rule("pay rent on the 1st of every month"),
            Some(Rule::Monthly(1))
        );
        assert_eq!(rule("stand-up every weekday at 9"), Some(Rule::Weekdays));
        assert_eq!(rule("take pills daily"), Some(Rule::Daily));
        assert_eq!(
            rule("gym every tuesday and thursday"),
            Some(Rule::Weekly(vec![Weekday::Tue, Weekday::Thu]))
        );
        assert_eq!(rule("call mom on monday"), None);
    }

    #[test]
    fn first_due_is_ahead() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let c = clock();
        assert_eq!(
            Rule::Weekdays.first_due(nine, &c).to_rfc3339(),
            "2026-11-23T09:00:00+00:00"
        );
        assert_eq!(
            Rule::Monthly(1).first_due(nine, &c).to_rfc3339(),
            "2026-12-01T09:00:00+00:00"
        );
        assert_eq!(
            Rule::Monthly(31).first_due(nine, &c).to_rfc3339(),
            "2026-11-30T09:00:00+00:00"
        );
    }
}
