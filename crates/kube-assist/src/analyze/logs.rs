//! Logs: a running container whose recent log shows error lines is a finding, so
//! "what's wrong with X" answers from logs too when every status looks fine.
//!
//! Lines are classified by their level marker (`level=error`, `"level":"error"`,
//! `[ERROR]`, `ERROR`, klog's `E1201`, `panic:`, `Traceback`), counted, and
//! deduplicated after normalising what changes from line to line (numbers,
//! timestamps, ids, addresses), so a hundred "timeout after 503 ms" lines are one
//! entry ×100. The lines stay cluster data: quoted evidence, never a plan.

use std::collections::BTreeMap;

use super::{Finding, Severity, Snapshot, quote};
use crate::ops::Kind;
use crate::resolve::ObjectRef;

/// Distinct messages shown per container; the rest are counted.
const MAX_SHOWN: usize = 5;

/// Words that mark a line as an error when they stand alone (any case).
const ERROR_WORDS: [&str; 8] = [
    "error",
    "err",
    "fatal",
    "panic",
    "panicked",
    "exception",
    "traceback",
    "critical",
];

/// Levels that say a line is *not* an error, whatever words its message holds
/// (`level=info msg="retrying after error"` is routine).
const CALM_LEVELS: [&str; 6] = ["info", "debug", "trace", "warn", "warning", "notice"];

/// The level a structured line declares (`level=x`, `"level":"x"`, `severity=x`), if any.
fn declared_level(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    for key in ["level", "lvl", "severity"] {
        for sep in ["=", "\":\"", "\": \""] {
            let needle = format!("{key}{sep}");
            if let Some(at) = lower.find(&needle) {
                let rest = &lower[at + needle.len()..];
                let value: String = rest
                    .trim_start_matches('"')
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                if !value.is_empty() {
                    return Some(value);
                }
            }
        }
    }
    None
}

/// klog's header: a severity letter, then MMDD and a time (`E1201 10:02:03.123`).
fn klog_severity(line: &str) -> Option<char> {
    let mut chars = line.chars();
    let level = chars.next()?;
    let digits: String = chars.take(4).collect();
    (digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit())).then_some(level)
}

/// Is this log line an error report?
pub fn is_error_line(line: &str) -> bool {
    if let Some(level) = declared_level(line) {
        return !CALM_LEVELS.contains(&level.as_str());
    }
    if let Some(level) = klog_severity(line) {
        return matches!(level, 'E' | 'F');
    }
    line.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ERROR_WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// The line with what varies between repeats of one message replaced by `#`:
/// every run of digits, hex, and the punctuation of times, addresses and ids
/// (`2026-12-01T10:02:03Z`, `10.0.0.7:5432`, `3f2a9c1e-…`) that holds a digit.
pub fn normalise(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in line.trim().chars() {
        if c.is_ascii_hexdigit() || matches!(c, '-' | ':' | '.' | 'T' | 'Z' | '+') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One message of a log, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMessage {
    /// The first line seen with this shape, as written.
    pub example: String,
    pub count: usize,
}

/// The error lines of a log, deduplicated, most frequent first (ties in order seen).
pub fn error_messages(log: &str) -> (usize, Vec<LogMessage>) {
    let mut by_shape: BTreeMap<String, (usize, LogMessage)> = BTreeMap::new();
    let mut total = 0;
    for line in log.lines().filter(|l| is_error_line(l)) {
        total += 1;
        let order = by_shape.len();
        by_shape
            .entry(normalise(line))
            .or_insert_with(|| {
                (
                    order,
                    LogMessage {
                        example: line.trim().to_string(),
                        count: 0,
                    },
                )
            })
            .1
            .count += 1;
    }
    let mut messages: Vec<(usize, LogMessage)> = by_shape.into_values().collect();
    messages.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
    (total, messages.into_iter().map(|(_, m)| m).collect())
}

pub(super) fn analyze(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key, log) in &s.recent_logs {
        let mut parts = key.splitn(3, '/');
        let (Some(ns), Some(pod), Some(container)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (total, messages) = error_messages(log);
        if total == 0 {
            continue;
        }
        let lines = log.lines().count();
        let mut f = Finding::new(
            ObjectRef::new(Kind::Pod, Some(ns), pod),
            Severity::Warning,
            "logs",
            "LogErrors",
            format!(
                "container {container} is running but logged {total} error line(s) in its last {lines} ({} distinct)",
                messages.len()
            ),
        )
        .advice(format!(
            "read them in context (kubectl-assist \"logs of {pod}\"); the container's status does not show this"
        ));
        for m in messages.iter().take(MAX_SHOWN) {
            f = f.evidence(format!("log ×{}: {}", m.count, quote(&m.example, 200)));
        }
        if messages.len() > MAX_SHOWN {
            f = f.evidence(format!(
                "and {} more distinct error message(s)",
                messages.len() - MAX_SHOWN
            ));
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_by_their_level() {
        for line in [
            "2026-12-01T10:00:00Z ERROR db: connection refused",
            "level=error msg=\"upstream timeout\"",
            r#"{"level":"error","msg":"boom"}"#,
            "E1201 10:02:03.123456 1 main.go:12] cannot sync",
            "panic: runtime error: index out of range",
            "Traceback (most recent call last):",
            "[FATAL] out of disk",
            "java.lang.IllegalStateException: Exception in thread main",
        ] {
            assert!(is_error_line(line), "{line}");
        }
        for line in [
            "level=info msg=\"retrying after error\"",
            r#"{"level":"warn","msg":"error budget at 80%"}"#,
            "I1201 10:02:03.123456 1 main.go:12] error counters reset",
            "GET /health 200 0 errors",
            "listening on :8000",
            "terrible weather, erroneous forecast",
        ] {
            assert!(!is_error_line(line), "{line}");
        }
    }

    #[test]
    fn repeats_differing_only_in_numbers_and_ids_are_one_message() {
        let log = "\
2026-12-01T10:00:01Z ERROR timeout after 503 ms talking to 10.0.0.7:5432
2026-12-01T10:00:02Z INFO request 1 ok
2026-12-01T10:00:03Z ERROR timeout after 1201 ms talking to 10.0.0.9:5432
2026-12-01T10:00:04Z ERROR order 3f2a9c1e-77aa-4b1c-9d1e-000000000001 rejected
2026-12-01T10:00:05Z ERROR timeout after 9 ms talking to 10.0.0.7:5432
";
        let (total, msgs) = error_messages(log);
        assert_eq!(total, 4);
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert_eq!(msgs[0].count, 3);
        assert!(msgs[0].example.contains("503 ms"));
        assert_eq!(msgs[1].count, 1);
        assert!(msgs[1].example.contains("rejected"));
    }

    #[test]
    fn words_without_digits_are_kept() {
        assert_eq!(
            normalise("ERROR cannot reach db-primary at 10.1.2.3:5432 (attempt 7)"),
            "ERROR cannot reach db-primary at # (attempt #)"
        );
    }
}
