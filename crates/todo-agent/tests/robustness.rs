//! The offline planner's understanding must never panic, whatever it is sent:
//! arbitrary Unicode, stray quotes, odd whitespace, numbers out of range.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use todo_agent::offline::{Intent, Phrase, detect};
use todo_agent::{TurnClock, UserTz};

const WORDS: &[&str] = &[
    "add",
    "delete",
    "the",
    "task",
    "#3",
    "3",
    "tomorrow",
    "at",
    "5pm",
    "next",
    "friday",
    "in",
    "2",
    "hours",
    "'",
    "\"",
    "“",
    "’",
    "remind",
    "me",
    "to",
    "mark",
    "as",
    "done",
    "rename",
    "change",
    "high",
    "priority",
    "tag",
    "it",
    "#work",
    "second",
    "one",
    "é",
    "日本",
    "\u{a0}",
    "\t",
    "show",
    "my",
    "tasks",
    "what's",
    "pending",
    "?",
    "!",
    "99999999999999",
    "-",
    ":",
    "due",
    "dec",
    "32",
    "25:99",
    "13pm",
    "in a",
    "half an",
    "of",
    "scratch",
    "that",
];

fn clock() -> TurnClock {
    TurnClock::new(
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        UserTz::parse("America/New_York").unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn word_salad_never_panics(words in proptest::collection::vec(proptest::sample::select(WORDS), 0..14)) {
        let text = words.join(" ");
        let intent = detect(&Phrase::new(&text), &clock());
        if let Intent::Add(req) = intent
            && let Some(title) = req.title
        {
            prop_assert!(!title.trim().is_empty());
        }
    }

    #[test]
    fn arbitrary_unicode_never_panics(text in "\\PC{0,300}") {
        let _ = detect(&Phrase::new(&text), &clock());
    }
}
