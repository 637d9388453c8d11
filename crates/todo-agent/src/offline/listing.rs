//! Listing requests: which status, which filters. Negation is read word by
//! word, so "what haven't I finished" lists the open tasks and "what's not
//! pending" the completed ones; a question that mentions both sides lists
//! everything rather than guess.

use std::sync::LazyLock;

use chrono::{Datelike, Duration};
use regex::Regex;
use todo_core::Priority;

use super::entities::{extract_priority, extract_tags};
use super::intent::{DueWindow, ListRequest};
use super::text::Phrase;
use crate::clock::TurnClock;
use crate::tools::StatusArg;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

pub static LIST_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:tasks?|todos?|to-dos?|list|agenda|plate|pending|completed?|finish(?:ed)?|done|open|outstanding|remaining|left|accomplished|overdue|due|priority|urgent|important|tagged|unfinished|incomplete|need to do|have to do|anything|deadlines?|late|today|this week|ticked|checked|crossed|remains?)\b|#[a-z]",
    )
});
pub static LIST_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:show|list|display|view|see|get|give|tell|read|print|pull up|check|what|what's|whats|what is|what are|what've|which|how many|do i have|have i|any|are there|is there|my|all|pending|completed|open|finished|tasks?|todos?|to-dos?|find|search|look|where|anything|overdue|urgent|high|low|am i|are any|is anything|due|finished ones|done ones|completed ones|hide|exclude|excluding|except|without|skip)\b|^#[a-z]",
    )
});
static SEARCH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^(?:find|search(?:\s+for)?|look\s+(?:for|up))\s+(?:(?:all\s+)?(?:my\s+)?(?:tasks?|todos?|items?|anything)\s+)?(?:(?:about|mentioning|containing|with|related to|matching|regarding|named|called)\s+)?|\b(?:tasks?|todos?|items?|anything)\s+(?:about|mentioning|containing|related to|matching|regarding|named|called|with the words?)\s+)(?P<q>.+)$",
    )
});

static DUE_FILTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?P<overdue>overdue|late|past due|past (?:the |their |its |my )?(?:deadlines?|due dates?)|behind (?:on|with)|miss(?:ed)? (?:the |my |a )?deadlines?)|due\s+(?:by\s+|before\s+)?(?P<when>today|tonight|tomorrow|this week|next week|soon))\b",
    )
});

/// Words that say "finished" and words that say "still open".
const DONE_WORDS: &[&str] = &[
    "done",
    "complete",
    "completed",
    "finished",
    "finish",
    "closed",
    "accomplished",
    "achieved",
    "ticked",
    "checked",
    "crossed",
    "around",
];
const OPEN_WORDS: &[&str] = &[
    "pending",
    "open",
    "outstanding",
    "remaining",
    "remain",
    "remains",
    "left",
    "unfinished",
    "incomplete",
    "undone",
    "active",
    "still",
    "plate",
    "upcoming",
    "overdue",
    "due",
    "uncompleted",
    "unchecked",
];
const NEGATIONS: &[&str] = &[
    "not",
    "never",
    "without",
    "except",
    "excluding",
    "exclude",
    "hide",
    "hiding",
    "skip",
    "minus",
    "no",
    "nothing",
    "yet",
];

fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
        || word.ends_with("n't")
        || matches!(
            word,
            "havent"
                | "didnt"
                | "isnt"
                | "arent"
                | "wasnt"
                | "werent"
                | "dont"
                | "doesnt"
                | "hasnt"
                | "hadnt"
        )
}

/// Pending, completed or all, reading each status word with the negation
/// (if any) in the four words before it.
pub fn status_of(s: &str) -> StatusArg {
    let words: Vec<&str> = s
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let (mut open, mut done) = (false, false);
    for (i, w) in words.iter().enumerate() {
        let says_done = DONE_WORDS.contains(w)
            || (*w == "off" && i > 0 && matches!(words[i - 1], "ticked" | "checked" | "crossed"));
        let says_open = OPEN_WORDS.contains(w)
            || (*w == "do"
                && i > 0
                && matches!(words[i - 1], "to")
                && i > 1
                && matches!(words[i - 2], "need" | "have" | "got"));
        if !says_done && !says_open {
            continue;
        }
        // "still to be done", "what do I need to finish": an infinitive is
        // work ahead, not work behind.
        let infinitive = says_done
            && (i >= 1 && words[i - 1] == "to"
                || i >= 2 && words[i - 2] == "to" && matches!(words[i - 1], "be" | "get"));
        if infinitive {
            open = true;
            continue;
        }
        if *w == "around"
            && !(i > 0 && matches!(words[i - 1], "got" | "gotten" | "get" | "getting"))
        {
            continue;
        }
        // "yet" negates only as "yet to (finish)"; "done yet?" is a plain question.
        let negated = (i.saturating_sub(4)..i).any(|j| {
            is_negation(words[j]) && (words[j] != "yet" || words.get(j + 1) == Some(&"to"))
        });
        match (says_done, negated) {
            (true, false) => done = true,
            (true, true) => open = true,
            (false, false) => open = true,
            (false, true) => done = true,
        }
    }
    match (open, done) {
        (true, false) => StatusArg::Pending,
        (false, true) => StatusArg::Completed,
        _ => StatusArg::All,
    }
}

/// The listing a message asks for.
pub fn parse_list(core: &Phrase, clock: &TurnClock) -> ListRequest {
    let s = core.lower();
    let mut req = ListRequest {
        status: status_of(s),
        ..ListRequest::default()
    };
    if let Some(c) = DUE_FILTER.captures(s) {
        req.status = StatusArg::Pending;
        if c.name("overdue").is_some() {
            req.due = Some(DueWindow::Overdue);
        } else {
            let today = clock.today();
            let midnight = |days: i64| {
                clock
                    .tz
                    .to_utc(today + Duration::days(days), chrono::NaiveTime::MIN)
            };
            let to_monday = 7 - i64::from(today.weekday().num_days_from_monday());
            match c.name("when").map(|w| w.as_str()) {
                Some("today" | "tonight") => req.due = Some(DueWindow::Today),
                Some("this week") => req.due = Some(DueWindow::ThisWeek),
                Some("tomorrow") => req.due_before = Some(midnight(2)),
                Some("soon") => req.due_before = Some(midnight(3)),
                _ => req.due_before = Some(midnight(to_monday + 7)),
            }
        }
    }
    if let Some((p, _)) = extract_priority(s) {
        req.priority = Some(p);
    } else if let Some(p) = [
        ("high", Priority::High),
        ("low", Priority::Low),
        ("medium", Priority::Medium),
    ]
    .into_iter()
    .find(|(w, _)| s.contains(&format!("{w} priority")) || s.contains(&format!("{w}-priority")))
    .map(|(_, p)| p)
    {
        req.priority = Some(p);
    }
    let (tags, _) = extract_tags(s);
    req.tag = tags.into_iter().next();
    if let Some(c) = SEARCH.captures(s) {
        let q = core.sub(c.name("q").expect("query group").range());
        let q = q
            .original()
            .trim_matches(|c: char| c == '\'' || c == '"' || c == '?' || c == '.')
            .trim();
        if !q.is_empty() {
            req.query = Some(q.to_string());
        }
    }
    req
}
