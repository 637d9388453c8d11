//! Timestamps in responses, written the way chrono's `Serialize` writes them
//! (`2026-11-21T16:50:56.123456Z`: RFC 3339 in UTC, a fraction of 0, 3, 6 or 9
//! digits) but straight into a small buffer. chrono goes through `fmt` one
//! character at a time; a page of 50 tasks writes 150 timestamps, and that path
//! was a tenth of the listing's CPU.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// For `#[serde(serialize_with = "crate::api::timestamp::serialize")]`.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match write(t, &mut buf) {
        Some(text) => serializer.serialize_str(text),
        // Years outside 0..=9999 and leap seconds: chrono's own (rare) form.
        None => serde::Serialize::serialize(t, serializer),
    }
}

/// For `Option<DateTime<Utc>>` fields.
pub fn serialize_option<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, serializer),
        None => serializer.serialize_none(),
    }
}

/// The RFC 3339 text, or `None` where chrono's form differs from the plain one.
fn write<'a>(t: &DateTime<Utc>, buf: &'a mut [u8; 30]) -> Option<&'a str> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let (fraction, fraction_digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut out = Cursor { buf, at: 0 };
    out.digits(year, 4);
    out.byte(b'-');
    out.digits(t.month(), 2);
    out.byte(b'-');
    out.digits(t.day(), 2);
    out.byte(b'T');
    out.digits(t.hour(), 2);
    out.byte(b':');
    out.digits(t.minute(), 2);
    out.byte(b':');
    out.digits(t.second(), 2);
    if fraction_digits > 0 {
        out.byte(b'.');
        out.digits(fraction, fraction_digits);
    }
    out.byte(b'Z');
    let Cursor { buf, at } = out;
    std::str::from_utf8(&buf[..at]).ok()
}

/// At most 30 bytes: "9999-12-31T23:59:59.999999999Z".
struct Cursor<'a> {
    buf: &'a mut [u8; 30],
    at: usize,
}

impl Cursor<'_> {
    fn byte(&mut self, b: u8) {
        self.buf[self.at] = b;
        self.at += 1;
    }

    /// `value` as exactly `count` decimal digits, zero-padded.
    fn digits(&mut self, mut value: u32, count: usize) {
        for slot in self.buf[self.at..self.at + count].iter_mut().rev() {
            // value % 10 is 0..=9: the cast cannot truncate.
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.at += count;
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Ours(#[serde(serialize_with = "serialize")] DateTime<Utc>);

    fn same_as_chrono(t: DateTime<Utc>) {
        assert_eq!(
            serde_json::to_string(&Ours(t)).unwrap(),
            serde_json::to_string(&t).unwrap(),
            "{t:?}"
        );
    }

    #[test]
    fn every_fraction_width_and_the_year_edges_match_chrono() {
        let base = Utc.with_ymd_and_hms(2026, 11, 21, 16, 5, 9).unwrap();
        for nanos in [
            0,
            7_000_000,
            123_000_000,
            123_456_000,
            5_000,
            123_456_789,
            1,
        ] {
            same_as_chrono(base + chrono::Duration::nanoseconds(nanos));
        }
        for (y, m, d) in [
            (1, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (0, 2, 29),
            (-1, 6, 1),
        ] {
            same_as_chrono(Utc.with_ymd_and_hms(y, m, d, 23, 59, 59).unwrap());
        }
    }

    #[test]
    fn a_spread_of_instants_matches_chrono() {
        // A fixed-step walk over years 1..=9999 at microsecond precision, as stored.
        let start = Utc
            .with_ymd_and_hms(1, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_micros();
        let end = Utc
            .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
            .unwrap()
            .timestamp_micros();
        let step = (end - start) / 20_011;
        let mut micros = start;
        while micros <= end {
            same_as_chrono(DateTime::from_timestamp_micros(micros).unwrap());
            micros += step + micros.rem_euclid(997);
        }
    }
}
