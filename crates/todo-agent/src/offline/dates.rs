//! Relative and absolute dates and times in English: "tomorrow at 5pm", "next
//! friday", "in 2 hours", "dec 5", "2026-12-01 09:30", "tonight", "end of week".
//! Everything is computed from the turn's clock in the user's time zone.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use regex::{Captures, Regex};

use crate::clock::TurnClock;

/// A date/time found in a message, and where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    pub at: DateTime<Utc>,
    pub spans: Vec<Range<usize>>,
}

/// Words that may come before a day ("due friday"); spliced into the `(?x)`
/// pattern [`DAY`], so a literal space is written `\ `.
const LEAD: &str =
    r"(?:(?:due|by|on|for|before|until|till|from|starting|at|around|no\ later\ than)\s+)?";

/// A day: relative ("tomorrow", "in 3 days"), a weekday, or a date. Laid out
/// with `(?x)`: whitespace is layout, a literal space is `\ `, `#` starts a comment.
static DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?x)
        \b{LEAD}
        (?:
            # "the day after tomorrow"
            (?P<dat>(?:the\s+)?day\ after\ (?:tomorrow|tmrw|tmr))
            # "today", "tomorrow evening"
          | (?P<rel>today|tonight|tomorrow|tomorow|tmrw|tmr)
                (?:\s+(?P<part>morning|afternoon|evening|night|noon))?
            # "this afternoon"
          | this\s+(?P<thispart>morning|afternoon|evening)
            # "next friday", "on tue morning"
          | (?P<mod>next|this|coming|on)?\s*
                (?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri)\b
                (?:\s+(?P<wdpart>morning|afternoon|evening|night))?
            # "next week", "next month"
          | (?P<nextunit>next\s+(?:week|month))
            # "this weekend"
          | (?P<weekend>(?:this|next|the)\s+weekend)
            # "end of the week", "eod"
          | (?:the\s+)?(?P<eo>end\ of\ (?:the\s+)?(?:day|week|month)|eod|eow)
            # "in 3 days", "in half an hour from now"
          | in\s+
                (?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|half\ an?|a\ couple\ of|a\ few)\s+
                (?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?|months?)
                (?:\s+from\ now)?
            # "2026-03-01"
          | (?P<iso>\d{{4}}-\d{{2}}-\d{{2}})
            # "march 3rd, 2027"
          | (?P<mon1>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+
                (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b
                (?:,?\s+(?P<y1>\d{{4}}))?
            # "the 3rd of march 2027"
          | (?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?
                (?P<mon2>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b
                (?:,?\s+(?P<y2>\d{{4}}))?
        )\b
    "#
    ))
    .expect("day pattern")
});

static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(?:at|by|around|before|@)\s+)?(?:(?P<h12>\d{1,2})(?::(?P<m12>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)|(?P<h24>\d{1,2}):(?P<m24>\d{2})|(?P<named>noon|midday|midnight))(?:\s|$|[,.!?])|\b(?:at|by|around)\s+(?P<hbare>\d{1,2})(?:\s+o'?clock)?\b(?:\s|$|[,.!?])",
    )
    .expect("time pattern")
});

fn small_number(raw: &str) -> Option<f64> {
    Some(match raw {
        "a" | "an" | "one" => 1.0,
        "two" | "a couple of" => 2.0,
        "three" | "a few" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "twelve" => 12.0,
        "half a" | "half an" => 0.5,
        digits => digits.parse::<f64>().ok()?,
    })
}

fn weekday(raw: &str) -> Option<Weekday> {
    Some(match &raw[..3] {
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

fn month(raw: &str) -> Option<u32> {
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| raw.starts_with(m))
    .map(|i| i as u32 + 1)
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

fn part_of_day(part: &str) -> NaiveTime {
    match part {
        "morning" => hm(9, 0),
        "noon" => hm(12, 0),
        "afternoon" => hm(15, 0),
        "evening" => hm(18, 0),
        _ => hm(21, 0),
    }
}

/// Default time for a date given without one.
const DEFAULT_TIME: (u32, u32) = (9, 0);

/// What a day expression resolved to: a date with an implied time, or an exact instant.
enum DayValue {
    Date(NaiveDate, Option<NaiveTime>),
    Instant(DateTime<Utc>),
}

fn parse_day(c: &Captures<'_>, clock: &TurnClock) -> Option<DayValue> {
    let today = clock.today();
    if c.name("dat").is_some() {
        return Some(DayValue::Date(today + Duration::days(2), None));
    }
    if let Some(rel) = c.name("rel") {
        let part = c.name("part").map(|p| part_of_day(p.as_str()));
        return Some(match rel.as_str() {
            "today" => DayValue::Date(today, part),
            "tonight" => DayValue::Date(today, Some(hm(20, 0))),
            _ => DayValue::Date(today + Duration::days(1), part),
        });
    }
    if let Some(part) = c.name("thispart") {
        return Some(DayValue::Date(today, Some(part_of_day(part.as_str()))));
    }
    if let Some(wd) = c.name("wd") {
        let target = weekday(wd.as_str())?;
        let ahead = (7 + target.num_days_from_monday() as i64
            - today.weekday().num_days_from_monday() as i64)
            % 7;
        let ahead = match c.name("mod").map(|m| m.as_str()) {
            Some("this") => ahead,
            _ if ahead == 0 => 7,
            _ => ahead,
        };
        let part = c.name("wdpart").map(|p| part_of_day(p.as_str()));
        return Some(DayValue::Date(today + Duration::days(ahead), part));
    }
    if let Some(next) = c.name("nextunit") {
        return Some(if next.as_str().ends_with("week") {
            let to_monday = 7 - today.weekday().num_days_from_monday() as i64;
            DayValue::Date(today + Duration::days(to_monday), None)
        } else {
            let first = today.with_day(1)? + Months::new(1);
            DayValue::Date(first, None)
        });
    }
    if c.name("weekend").is_some() {
        let ahead = (7 + 5 - today.weekday().num_days_from_monday() as i64) % 7;
        let ahead = if today.weekday() == Weekday::Sun {
            6
        } else {
            ahead
        };
        return Some(DayValue::Date(today + Duration::days(ahead), None));
    }
    if let Some(eo) = c.name("eo") {
        let eo = eo.as_str();
        let five = Some(hm(17, 0));
        return Some(if eo.ends_with("day") || eo == "eod" {
            DayValue::Date(today, five)
        } else if eo.ends_with("week") || eo == "eow" {
            let to_friday = (7 + 4 - today.weekday().num_days_from_monday() as i64) % 7;
            DayValue::Date(today + Duration::days(to_friday), five)
        } else {
            let last = today.with_day(1)? + Months::new(1) - Duration::days(1);
            DayValue::Date(last, five)
        });
    }
    if let (Some(n), Some(unit)) = (c.name("n"), c.name("unit")) {
        let n = small_number(n.as_str())?;
        let unit = unit.as_str();
        let now = clock.now.with_second(0)?.with_nanosecond(0)?;
        return Some(if unit.starts_with("min") {
            DayValue::Instant(now + Duration::seconds((n * 60.0) as i64))
        } else if unit.starts_with('h') {
            DayValue::Instant(now + Duration::seconds((n * 3600.0) as i64))
        } else if unit.starts_with('d') {
            DayValue::Date(today + Duration::days(n.max(1.0) as i64), None)
        } else if unit.starts_with('w') {
            DayValue::Date(today + Duration::days(7 * n.max(1.0) as i64), None)
        } else {
            DayValue::Date(today + Months::new(n.max(1.0) as u32), None)
        });
    }
    if let Some(iso) = c.name("iso") {
        return NaiveDate::parse_from_str(iso.as_str(), "%Y-%m-%d")
            .ok()
            .map(|d| DayValue::Date(d, None));
    }
    let (mon, day, year) = match (c.name("mon1"), c.name("mon2")) {
        (Some(m), _) => (m, c.name("d1")?, c.name("y1")),
        (None, Some(m)) => (m, c.name("d2")?, c.name("y2")),
        _ => return None,
    };
    let month = month(mon.as_str())?;
    let day: u32 = day.as_str().parse().ok()?;
    let date = match year {
        Some(y) => NaiveDate::from_ymd_opt(y.as_str().parse().ok()?, month, day)?,
        None => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
            if this_year < today {
                NaiveDate::from_ymd_opt(today.year() + 1, month, day)?
            } else {
                this_year
            }
        }
    };
    Some(DayValue::Date(date, None))
}

fn parse_time(c: &Captures<'_>) -> Option<NaiveTime> {
    if let Some(h) = c.name("h12") {
        let h: u32 = h.as_str().parse().ok()?;
        let m: u32 = c.name("m12").map_or(Some(0), |m| m.as_str().parse().ok())?;
        if !(1..=12).contains(&h) || m > 59 {
            return None;
        }
        let pm = c.name("ampm")?.as_str().starts_with('p');
        let h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        return NaiveTime::from_hms_opt(h, m, 0);
    }
    if let (Some(h), Some(m)) = (c.name("h24"), c.name("m24")) {
        return NaiveTime::from_hms_opt(h.as_str().parse().ok()?, m.as_str().parse().ok()?, 0);
    }
    if let Some(named) = c.name("named") {
        return Some(if named.as_str() == "midnight" {
            hm(23, 59)
        } else {
            hm(12, 0)
        });
    }
    let h: u32 = c.name("hbare")?.as_str().parse().ok()?;
    // "at 5" means 17:00 to most people; "at 9" means the morning.
    match h {
        1..=7 => NaiveTime::from_hms_opt(h + 12, 0, 0),
        8..=23 => NaiveTime::from_hms_opt(h, 0, 0),
        _ => None,
    }
}

/// Trims the trailing separator the time pattern consumed to find its end.
fn time_span(c: &Captures<'_>) -> Range<usize> {
    let m = c.get(0).expect("whole match");
    let text = m.as_str();
    let trimmed = text.trim_end_matches([' ', ',', '.', '!', '?']);
    m.start()..m.start() + trimmed.len()
}

/// Finds the first date and the first time in `lower` and combines them.
pub fn extract_when(lower: &str, clock: &TurnClock) -> Option<When> {
    let day = DAY.captures(lower).and_then(|c| {
        let span = c.get(0).expect("whole match").range();
        parse_day(&c, clock).map(|v| (v, span))
    });
    let time = TIME
        .captures_iter(lower)
        .filter(|c| {
            day.as_ref()
                .is_none_or(|(_, span)| !overlaps(&time_span(c), span))
        })
        .find_map(|c| parse_time(&c).map(|t| (t, time_span(&c))));
    let mut spans = Vec::new();
    let at = match (day, time) {
        (None, None) => return None,
        (Some((DayValue::Instant(at), span)), _) => {
            spans.push(span);
            at
        }
        (Some((DayValue::Date(date, implied), span)), time) => {
            spans.push(span);
            let t = match time {
                Some((t, tspan)) => {
                    spans.push(tspan);
                    // "tonight at 8" / "tomorrow evening at 7": the bare hour is pm.
                    t
                }
                None => implied.unwrap_or(hm(DEFAULT_TIME.0, DEFAULT_TIME.1)),
            };
            clock.tz.to_utc(date, t)
        }
        (None, Some((t, tspan))) => {
            spans.push(tspan);
            let today = clock.today();
            let candidate = clock.tz.to_utc(today, t);
            if candidate > clock.now {
                candidate
            } else {
                clock.tz.to_utc(today + Duration::days(1), t)
            }
        }
    };
    Some(When { at, spans })
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::clock::UserTz;

    /// Friday 2026-11-20 10:00 UTC.
    fn clock() -> TurnClock {
        TurnClock::new(
            Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
            UserTz::default(),
        )
    }

    fn at(text: &str) -> String {
        extract_when(text, &clock())
            .map(|w| w.at.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn relative_days_and_times() {
        assert_eq!(at("buy milk tomorrow at 5pm"), "2026-11-21 17:00");
        assert_eq!(at("call mom tonight"), "2026-11-20 20:00");
        assert_eq!(at("pay rent next friday"), "2026-11-27 09:00");
        assert_eq!(at("pay rent on friday"), "2026-11-27 09:00");
        assert_eq!(at("pay rent monday at 10:30"), "2026-11-23 10:30");
        assert_eq!(at("stretch in 2 hours"), "2026-11-20 12:00");
        assert_eq!(at("stretch in half an hour"), "2026-11-20 10:30");
        assert_eq!(at("water plants in 3 days"), "2026-11-23 09:00");
        assert_eq!(at("report by end of week"), "2026-11-20 17:00");
        assert_eq!(at("party next week"), "2026-11-23 09:00");
        assert_eq!(at("dentist dec 5 at 3pm"), "2026-12-05 15:00");
        assert_eq!(at("taxes on 2027-04-15"), "2027-04-15 09:00");
        assert_eq!(at("ring bob at 9am"), "2026-11-21 09:00");
        assert_eq!(at("ring bob at 4"), "2026-11-20 16:00");
        assert_eq!(at("lunch at noon"), "2026-11-20 12:00");
        assert_eq!(at("tomorrow morning"), "2026-11-21 09:00");
        assert_eq!(at("the day after tomorrow"), "2026-11-22 09:00");
        assert_eq!(at("5 january"), "2027-01-05 09:00");
        assert_eq!(at("buy milk"), "");
        assert_eq!(at("read chapter 12"), "");
    }

    #[test]
    fn time_zone_is_respected() {
        let c = TurnClock::new(
            Utc.with_ymd_and_hms(2026, 11, 20, 23, 30, 0).unwrap(),
            UserTz::parse("Europe/Berlin").unwrap(),
        );
        // 00:30 on Saturday in Berlin: "tomorrow" is Sunday.
        let w = extract_when("tomorrow at 5pm", &c).unwrap();
        assert_eq!(w.at.to_rfc3339(), "2026-11-22T16:00:00+00:00");
    }

    #[test]
    fn spans_cover_the_words() {
        let text = "buy milk tomorrow at 5pm please";
        let w = extract_when(text, &clock()).unwrap();
        let covered: Vec<&str> = w.spans.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(covered, vec!["tomorrow", "at 5pm"]);
    }
}
