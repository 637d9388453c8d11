//! Requests to create tasks: the lead words ("add", "remind me to", "don't
//! forget that I need to"), "Label: text" forms, several tasks at once, and the
//! attributes inside (date, repeat rule, priority, tags, description).

use std::sync::LazyLock;

use chrono::NaiveTime;
use regex::Regex;

use super::dates::extract_when;
use super::entities::{extract_priority, extract_tags};
use super::intent::{AddRequest, Intent, literal_text};
use super::recurrence::extract_repeat;
use super::text::{Phrase, quoted, tidy_title};
use crate::clock::TurnClock;
use todo_core::Priority;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

/// How a request to add a task can begin; what follows is the title. Laid out
/// with `(?x)`: whitespace is layout, a literal space is `\ `, `#` starts a comment.
static ADD_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?x)
        ^(?:
            # "make sure (that) (I) remember to / don't forget to / do / to ..."
            make\ sure\s+ (?:that\s+)? (?:i\s+|we\s+)?
                (?:remember\s+to\s+ | don'?t\ forget\s+(?:to\s+)? | do\s+ | to\s+)?
            # "add a new urgent task to my list: ...", "create a todo called ..."
          | (?:add|create|make|put|insert|log|jot\ down|write\ down|note\ down|save|set\ up|schedule|record)\s+
                (?:a\s+|an\s+|one\s+)?
                (?:(?:new|urgent|important|quick|small|high[\s-]priority|low[\s-]priority)\s+)*
                (?:task|todo|to-do|item|reminder|entry|note)s?\b\s*
                (?:to\s+(?:my\s+list\s*)?(?::\s*)? | for\s+ | about\s+ | called\s+ | named\s+
                  | titled\s+ | that\ says\s+ | saying\s+ | [:\-]\s*)?
            # "todo: ...", "new task - ...", "note to self: ..."
          | (?:new\s+(?:task|todo|to-do|item|reminder)|todo|to-do|task|reminder|note\ to\ self|note)\s*[:\-]\s*
            # "new task ..."
          | new\s+(?:task|todo|to-do|item|reminder)\s+
            # "remind me to / about / that I need to / of ..."
          | remind\ me\s+ (?:to\s+ | about\s+ | that\ i\ (?:need|have)\ to\s+ | of\s+)?
            # "set a reminder to ...", "set up a reminder for ..."
          | set\s+(?:a|up\ a)\s+reminder\s+ (?:to\s+|for\s+|about\s+)?
            # "I need to remember to ..."
          | (?:i\s+)?(?:need|have|want|got|ought)\s+to\s+remember\s+ (?:to\s+)?
            # "please don't let me forget to / about ..."
          | (?:please\s+)?(?:don'?t|do\ not)\s+ (?:let\ me\s+)? forget\s+ (?:to\s+|about\s+)?
          | remember\s+to\s+
            # obligations: "I really need to ...", "must ...", "should ..."
          | (?:i\s+)?(?:really\s+)?(?:need|have|got|ought|must|should)\s+ (?:to\s+)?
          | i\s+(?:must|should|gotta|want\ to)\s+
          | gotta\s+
            # plans: "I'm going to ...", "I am planning to ..."
          | (?:i'?m|i\ am)\s+(?:planning|going)\s+to\s+
            # a bare verb: "add ...", "schedule ..."
          | (?:add|create|put|insert|jot\ down|write\ down|note\ down|schedule)\s+
        )
        "#)
});
static LIST_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\s*\b(?:to|on|onto|in|into)\s+(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+|shopping\s+)?(?:list|tasks|todos|to-dos|todo list|agenda)\b",
    )
});
static ADD_DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:\s*[,;-]\s*|\s+)(?:with\s+(?:the\s+)?(?:description|note|notes|details)|description|notes?|details)\s*[:\-]?\s+(?P<d>.+)$",
    )
});

/// Reads what follows the add words: title, description, date, priority, tags, repeat.
pub fn parse_add(rest: &Phrase, clock: &TurnClock) -> AddRequest {
    let mut req = AddRequest::default();
    let mut phrase = strip_obligation(rest);
    if let Some(c) = ADD_DESCRIPTION.captures(phrase.lower()) {
        let d = c.name("d").expect("description group");
        req.description = Some(literal_text(&phrase.sub(d.range())));
        phrase = phrase.without(&[c.get(0).expect("match").range()]);
    }
    if let Some(r) = quoted(phrase.original()) {
        let title = phrase.original()[r.start + 1..r.end - 1].trim().to_string();
        let others = phrase.without(&[r]);
        fill_attributes(&mut req, &others, clock);
        req.title = (!title.is_empty()).then(|| super::text::capitalise(&title));
        return req;
    }
    let spans: Vec<_> = LIST_SUFFIX
        .find_iter(phrase.lower())
        .map(|m| m.range())
        .collect();
    let phrase = phrase.without(&spans);
    let remaining = fill_attributes(&mut req, &phrase, clock);
    let title = tidy_title(remaining.original());
    req.title = (!title.is_empty()).then_some(title);
    req
}

/// Takes due date, priority and tags out of `phrase`; returns what is left.
fn fill_attributes(req: &mut AddRequest, phrase: &Phrase, clock: &TurnClock) -> Phrase {
    let mut spans = Vec::new();
    // The repeat rule goes first, so "every monday" is not read as next Monday.
    let repeat = extract_repeat(phrase.lower(), clock);
    let phrase = match &repeat {
        Some(r) => phrase.without(std::slice::from_ref(&r.span)),
        None => phrase.clone(),
    };
    let phrase = &phrase;
    if let Some(when) = extract_when(phrase.lower(), clock) {
        req.due = Some(when.at);
        spans.extend(when.spans);
    }
    if let Some(r) = repeat {
        let time = req
            .due
            .map(|at| clock.tz.local(at).time())
            .unwrap_or_else(|| NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"));
        req.due = Some(r.rule.first_due(time, clock));
        req.recurrence = Some(r.rule.to_json());
    }
    if let Some((p, span)) = extract_priority(phrase.lower()) {
        req.priority = Some(p);
        spans.push(span);
    }
    let (tags, tag_spans) = extract_tags(phrase.lower());
    req.tags = tags;
    spans.extend(tag_spans);
    phrase.without(&spans)
}

/// "that I need to call the bank" -> "call the bank": the framing of "don't
/// forget that …" is not part of the task.
static OBLIGATION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:that\s+)?(?:(?:i|we)(?:'ve|'ll| have| will)?\s+(?:really\s+|still\s+|also\s+|definitely\s+|probably\s+)?(?:need|have|must|should|gotta|got|ought|want|'ve got|have got|am supposed|'m supposed|am meant|'m meant)\s+(?:to\s+)?|i'?m\s+(?:supposed|meant|going)\s+to\s+)",
    )
});
static LEADING_THAT: LazyLock<Regex> = LazyLock::new(|| re(r"^that\s+"));

fn strip_obligation(rest: &Phrase) -> Phrase {
    let lower = rest.lower();
    if let Some(m) = OBLIGATION.find(lower).or_else(|| LEADING_THAT.find(lower)) {
        return rest.sub(m.end()..lower.len());
    }
    rest.clone()
}

/// "… as separate tasks", "… as three tasks", "… separately".
static MANY_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\s*,?\s*(?:(?:as|into|in)\s+(?:(?:two|three|four|five|six|seven|eight|nine|ten|\d+|separate|individual|different|single|distinct|their own|its own)\s+)+(?:tasks|items|todos|to-dos|entries|reminders|ones|task)\b|separately|individually|each as (?:a |its own )?(?:separate )?task|one task each|(?:as\s+)?one (?:task|item) (?:for|per) each)\s*$",
    )
});
/// "add these: …", "create three tasks: …".
static MANY_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:add|create|make|put|new|insert|log)\s+(?:(?:these|the following|(?:two|three|four|five|six|seven|eight|nine|ten|\d+|some|a few|several|multiple)(?:\s+(?:new|separate))?\s+(?:tasks|items|todos|to-dos|things|reminders))(?:\s+(?:to|on)\s+(?:my|the)\s+list)?\s*(?::|-)?|(?:these|the following)(?:\s+(?:tasks|items|things))?\s*(?::|-))\s*",
    )
});
/// A second add in the same message: "add milk and add eggs".
static SECOND_ADD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\s*(?:,|;|\.)?\s*(?:and|then|and then|also|and also|plus)?\s+(?:add|create|put)\s+")
});
static PLAIN_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:add|create|put|insert|log|new)\s+(?:(?:a|the)\s+)?(?:tasks?\s+(?:to\s+)?)?")
});

/// Splits a list of items: commas first, then "and" in the last piece.
fn split_items(lower: &str) -> Vec<std::ops::Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in lower.char_indices() {
        if c == ',' || c == ';' || c == '\n' {
            pieces.push(start..i);
            start = i + 1;
        }
    }
    pieces.push(start..lower.len());
    let mut out = Vec::new();
    let last = pieces.len() - 1;
    for (n, p) in pieces.into_iter().enumerate() {
        let text = &lower[p.clone()];
        let trimmed_start = p.start + (text.len() - text.trim_start().len());
        let p = trimmed_start..p.end;
        let text = &lower[p.clone()];
        let p = match text
            .strip_prefix("and ")
            .or_else(|| text.strip_prefix("& "))
        {
            Some(rest) => p.end - rest.len()..p.end,
            None => p,
        };
        let text = &lower[p.clone()];
        if n == last
            && let Some(at) = text.find(" and ").or_else(|| text.find(" & "))
        {
            let sep = if text[at..].starts_with(" and ") {
                5
            } else {
                3
            };
            out.push(p.start..p.start + at);
            out.push(p.start + at + sep..p.end);
        } else {
            out.push(p);
        }
    }
    out.retain(|r| !lower[r.clone()].trim().is_empty());
    out
}

fn many(core: &Phrase, items: &[std::ops::Range<usize>], clock: &TurnClock) -> Option<Intent> {
    if items.len() < 2 {
        return None;
    }
    let mut reqs = Vec::with_capacity(items.len());
    for r in items {
        let req = parse_add(&core.sub(r.clone()), clock);
        req.title.as_ref()?;
        reqs.push(req);
    }
    Some(Intent::AddMany(reqs))
}

/// Several tasks in one message, if the message says so.
fn detect_many(core: &Phrase, clock: &TurnClock) -> Option<Intent> {
    let s = core.lower();
    if let Some(tail) = MANY_TAIL.find(s) {
        let body = &core.sub(0..tail.start());
        let lead = PLAIN_LEAD
            .find(body.lower())
            .or_else(|| ADD_LEAD.find(body.lower()))?;
        let items = body.sub(lead.end()..body.lower().len());
        return many(&items, &split_items(items.lower()), clock);
    }
    if let Some(lead) = MANY_LEAD.find(s) {
        let items = core.sub(lead.end()..s.len());
        return many(&items, &split_items(items.lower()), clock);
    }
    if let Some(first) = PLAIN_LEAD.find(s) {
        let body = core.sub(first.end()..s.len());
        let seps: Vec<_> = SECOND_ADD.find_iter(body.lower()).collect();
        if !seps.is_empty() {
            let mut ranges = Vec::new();
            let mut start = 0;
            for m in seps {
                ranges.push(start..m.start());
                start = m.end();
            }
            ranges.push(start..body.lower().len());
            return many(&body, &ranges, clock);
        }
    }
    None
}

/// "Reminder: …", "Urgent: …", "work: …".
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?P<label>[a-z][a-z'&/]*(?:\s+[a-z][a-z'&/]*)?)\s*(?::|\s-)\s*(?P<text>\S.*)$")
});
const PLAIN_LABELS: &[&str] = &[
    "reminder",
    "reminders",
    "todo",
    "to do",
    "to-do",
    "task",
    "new task",
    "note",
    "notes",
    "idea",
    "memo",
    "tbd",
    "action",
    "action item",
    "remember",
    "btw",
    "fyi",
    "ps",
    "next",
    "next up",
    "also",
    "oh and",
    "and",
    "quick one",
    "quick task",
    "new",
    "new todo",
    "new item",
    "item",
];
const HIGH_LABELS: &[&str] = &[
    "urgent",
    "important",
    "asap",
    "high priority",
    "priority",
    "critical",
    "top priority",
    "high",
];
const LOW_LABELS: &[&str] = &[
    "low priority",
    "someday",
    "whenever",
    "low",
    "eventually",
    "later",
];
/// Words that start a question or a command, never a label.
const NOT_LABELS: &[&str] = &[
    "update",
    "question",
    "q",
    "re",
    "hey",
    "hi",
    "hello",
    "ok",
    "okay",
    "so",
    "well",
    "delete",
    "remove",
    "complete",
    "done",
    "change",
    "rename",
    "mark",
    "edit",
    "show",
    "list",
    "find",
    "search",
    "help",
    "error",
    "note to",
    "status",
    "edit task",
    "move",
    "set",
    "tag",
    "label",
    "what",
    "why",
    "how",
    "when",
    "where",
    "who",
    "yes",
    "no",
    "undo",
];

fn detect_label(core: &Phrase, clock: &TurnClock) -> Option<Intent> {
    let c = LABEL.captures(core.lower())?;
    let label = c.name("label")?.as_str();
    if NOT_LABELS.contains(&label) {
        return None;
    }
    let text = c.name("text")?;
    let mut req = parse_add(&core.sub(text.range()), clock);
    req.title.as_ref()?;
    if PLAIN_LABELS.contains(&label) {
    } else if HIGH_LABELS.contains(&label) {
        req.priority.get_or_insert(Priority::High);
    } else if LOW_LABELS.contains(&label) {
        req.priority.get_or_insert(Priority::Low);
    } else {
        let tag = label.strip_suffix(" list").unwrap_or(label);
        if tag.contains(' ') || tag.len() > 32 || !tag.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        if !req.tags.iter().any(|t| t == tag) {
            req.tags.push(tag.to_string());
            req.tags.sort();
        }
    }
    Some(Intent::Add(req))
}

/// A request to create one or more tasks, if the message is one.
pub fn detect_add(core: &Phrase, clock: &TurnClock) -> Option<Intent> {
    if let Some(intent) = detect_many(core, clock) {
        return Some(intent);
    }
    let s = core.lower();
    if let Some(m) = ADD_LEAD.find(s) {
        let mut req = parse_add(&core.sub(m.end()..s.len()), clock);
        // "add an urgent task to ...": the priority sits in the lead words.
        if req.priority.is_none() {
            req.priority = extract_priority(m.as_str()).map(|(p, _)| p);
        }
        return Some(Intent::Add(req));
    }
    if let Some(intent) = detect_label(core, clock) {
        return Some(intent);
    }
    // "water the plants every monday": a repeat rule on its own says "task".
    if extract_repeat(s, clock).is_some() && !super::statements::is_question(s) {
        let req = parse_add(core, clock);
        if req.title.is_some() {
            return Some(Intent::Add(req));
        }
    }
    None
}

/// A message too short to act on: a bare noun or two ("milk") is probably a
/// task, but writing it unasked could be wrong, so the reply suggests instead.
pub fn suggest(core: &Phrase) -> Intent {
    let s = core.lower();
    let words: Vec<&str> = s.split_whitespace().collect();
    let plain = words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-')
    });
    if !words.is_empty() && words.len() <= 4 && plain {
        let title = tidy_title(core.original());
        if !title.is_empty() {
            return Intent::Suggest(title);
        }
    }
    Intent::Unknown
}
