//! The time a turn happens at and the user's time zone, passed in explicitly so
//! relative dates ("tomorrow at 5pm") are deterministic under test.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use todo_core::ValidationError;

/// A user's time zone: an IANA name (`Europe/Berlin`) or a fixed offset (`+02:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserTz {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Default for UserTz {
    fn default() -> Self {
        UserTz::Fixed(FixedOffset::east_opt(0).expect("zero offset"))
    }
}

impl UserTz {
    /// Accepts `UTC`, `Z`, an IANA name, or an offset like `+02:00`, `-0530`, `+2`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let err = || {
            ValidationError::new(
                "timezone",
                format!(
                    "{s:?} is not a time zone; use an IANA name like Europe/Berlin or an offset like +02:00"
                ),
            )
        };
        if s.eq_ignore_ascii_case("utc") || s == "Z" || s.eq_ignore_ascii_case("gmt") {
            return Ok(UserTz::default());
        }
        if let Some(sign) = s.chars().next().filter(|c| *c == '+' || *c == '-') {
            let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
            if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit())
            {
                return Err(err());
            }
            let (h, m) = if digits.len() <= 2 {
                (digits.parse::<i32>().map_err(|_| err())?, 0)
            } else {
                let (h, m) = digits.split_at(digits.len() - 2);
                (
                    h.parse::<i32>().map_err(|_| err())?,
                    m.parse::<i32>().map_err(|_| err())?,
                )
            };
            if h > 14 || m > 59 {
                return Err(err());
            }
            let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
            return FixedOffset::east_opt(secs)
                .map(UserTz::Fixed)
                .ok_or_else(err);
        }
        s.parse::<chrono_tz::Tz>()
            .map(UserTz::Named)
            .map_err(|_| err())
    }

    /// The offset in force at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        match self {
            UserTz::Named(tz) => tz.offset_from_utc_datetime(&at.naive_utc()).fix(),
            UserTz::Fixed(o) => *o,
        }
    }

    /// Local wall-clock time of an instant.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.offset_at(at)).naive_local()
    }

    /// The instant of a local wall-clock time. In a DST gap the time is moved
    /// forward an hour; in an overlap the earlier instant wins.
    pub fn to_utc(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        match self {
            UserTz::Fixed(o) => o
                .from_local_datetime(&local)
                .single()
                .expect("fixed offsets are unambiguous")
                .to_utc(),
            UserTz::Named(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.to_utc(),
                LocalResult::None => tz
                    .from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
                    .map(|t| t.to_utc())
                    .unwrap_or_else(|| Utc.from_utc_datetime(&local)),
            },
        }
    }

    pub fn name(&self) -> String {
        match self {
            UserTz::Named(tz) => tz.name().to_string(),
            UserTz::Fixed(o) if o.local_minus_utc() == 0 => "UTC".to_string(),
            UserTz::Fixed(o) => o.to_string(),
        }
    }
}

/// When a turn happens and in which time zone its words are meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnClock {
    pub now: DateTime<Utc>,
    pub tz: UserTz,
}

impl TurnClock {
    pub fn new(now: DateTime<Utc>, tz: UserTz) -> Self {
        Self { now, tz }
    }

    pub fn local_now(&self) -> NaiveDateTime {
        self.tz.local(self.now)
    }

    pub fn today(&self) -> NaiveDate {
        self.local_now().date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_offsets() {
        assert_eq!(UserTz::parse("utc").unwrap(), UserTz::default());
        assert_eq!(UserTz::parse("+02:00").unwrap().name(), "+02:00");
        assert_eq!(UserTz::parse("-0530").unwrap().name(), "-05:30");
        assert_eq!(UserTz::parse("+2").unwrap().name(), "+02:00");
        assert_eq!(
            UserTz::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        for bad in ["Mars/Olympus", "+25:00", "+ab", ""] {
            let e = UserTz::parse(bad).unwrap_err();
            assert_eq!(e.field, "timezone", "{bad}");
        }
    }

    #[test]
    fn named_zones_follow_dst() {
        let tz = UserTz::parse("Europe/Berlin").unwrap();
        let summer = tz.to_utc(
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        );
        assert_eq!(summer.to_rfc3339(), "2026-07-01T15:00:00+00:00");
        let winter = tz.to_utc(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        );
        assert_eq!(winter.to_rfc3339(), "2026-12-01T16:00:00+00:00");
        // 02:30 does not exist on 2026-03-29 in Berlin: moved forward.
        let gap = tz.to_utc(
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(gap.to_rfc3339(), "2026-03-29T01:30:00+00:00");
    }
}
