//! The person's clock: how instants are shown and how typed dates are read.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// The person's clock, as an offset from UTC reported by the page script (the
/// `tz` cookie); UTC until the script has run once.
#[derive(Debug, Clone, Copy)]
pub struct LocalClock(pub FixedOffset);

impl Default for LocalClock {
    fn default() -> Self {
        Self(FixedOffset::east_opt(0).expect("zero offset is valid"))
    }
}

impl LocalClock {
    /// Parses the `tz` cookie: minutes east of UTC, within ±14 hours.
    pub fn from_cookie(raw: Option<&str>) -> Self {
        raw.and_then(|v| v.parse::<i32>().ok())
            .filter(|m| m.abs() <= 14 * 60)
            .and_then(|m| FixedOffset::east_opt(m * 60))
            .map(Self)
            .unwrap_or_default()
    }

    /// The offset as the chat endpoint takes it, e.g. `+02:00`.
    pub fn offset_text(&self) -> String {
        let minutes = self.0.local_minus_utc() / 60;
        let sign = if minutes < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
    }

    /// A `datetime-local` input value for an instant.
    pub fn input_value(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// Reads a `datetime-local` input value (empty means none).
    pub fn parse_input(&self, raw: &str) -> Result<Option<DateTime<Utc>>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| {
                format!("due date {raw:?} is not a date and time like 2026-03-01T17:00")
            })?;
        self.0
            .from_local_datetime(&naive)
            .single()
            .map(|t| Some(t.with_timezone(&Utc)))
            .ok_or_else(|| format!("due date {raw:?} does not exist in your time zone"))
    }

    /// "today 17:00", "tomorrow 09:30", "Mar 3, 17:00": an instant as a person reads it.
    pub(crate) fn label(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.0);
        let today = now.with_timezone(&self.0).date_naive();
        let day = local.date_naive();
        let time = local.format("%H:%M");
        match (day - today).num_days() {
            0 => format!("today {time}"),
            1 => format!("tomorrow {time}"),
            -1 => format!("yesterday {time}"),
            _ if local.format("%Y").to_string()
                == now.with_timezone(&self.0).format("%Y").to_string() =>
            {
                local.format("%b %-d, %H:%M").to_string()
            }
            _ => local.format("%b %-d %Y, %H:%M").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_clock_round_trips_input_values() {
        let clock = LocalClock::from_cookie(Some("120"));
        let at = clock.parse_input("2026-03-01T17:00").unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T15:00:00+00:00");
        assert_eq!(clock.input_value(at), "2026-03-01T17:00");
        assert_eq!(clock.offset_text(), "+02:00");
        assert_eq!(
            LocalClock::from_cookie(Some("-330")).offset_text(),
            "-05:30"
        );
        assert_eq!(clock.parse_input(" ").unwrap(), None);
        assert!(
            clock
                .parse_input("tomorrow")
                .unwrap_err()
                .contains("not a date")
        );
    }

    #[test]
    fn bad_tz_cookies_fall_back_to_utc() {
        for raw in [None, Some("x"), Some("100000")] {
            assert_eq!(LocalClock::from_cookie(raw).0.local_minus_utc(), 0);
        }
    }
}
