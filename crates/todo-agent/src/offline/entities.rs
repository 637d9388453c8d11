//! Priorities, tags and task references in a message.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use todo_core::Priority;

use super::text::stem;

static HIGH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:,\s*|\b(?:with|as|at|and|mark it|make it|it's|its|it is|set to|it's\s+very|very|super|really)\s+)*\b(?:(?:a\s+)?(?:high|top|highest|max|maximum)[\s-]+priority|priority[:\s]+(?:high|top)|p1|urgent(?:ly)?|asap|critical|important)\b(?:\s*!+)?")
        .expect("high pattern")
});
static LOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:,\s*|\b(?:with|as|at|and|mark it|make it|it's|its|it is|set to)\s+)*\b(?:(?:a\s+)?(?:low|lowest|min|minimum)[\s-]+priority|priority[:\s]+low|p3|not urgent|no rush|low prio)\b")
        .expect("low pattern")
});
static MEDIUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:,\s*|\b(?:with|as|at|and|mark it|make it|it's|its|it is|set to)\s+)*\b(?:(?:a\s+)?(?:medium|normal|mid|average)[\s-]+priority|priority[:\s]+(?:medium|normal)|p2)\b")
        .expect("medium pattern")
});

/// Shorthand markers: "!high", "!low", "!!", "!urgent".
static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(?:!(?P<w>high|hi|urgent|important|top|asap|low|lo|medium|med|normal|mid)\b|(?P<bangs>!{2,}))(?:\s|$)")
        .expect("marker pattern")
});

/// The first priority phrase and where it was.
pub fn extract_priority(lower: &str) -> Option<(Priority, Range<usize>)> {
    if let Some(c) = MARKER.captures(lower) {
        let p = match c.name("w").map(|w| w.as_str()) {
            Some("low" | "lo") => Priority::Low,
            Some("medium" | "med" | "normal" | "mid") => Priority::Medium,
            _ => Priority::High,
        };
        return Some((p, c.get(0).expect("match").range()));
    }
    [
        (&*LOW, Priority::Low),
        (&*MEDIUM, Priority::Medium),
        (&*HIGH, Priority::High),
    ]
    .into_iter()
    .filter_map(|(re, p)| re.find(lower).map(|m| (p, m.range())))
    .min_by_key(|(_, r)| r.start)
}

/// A bare priority word as the value of "set priority to X".
pub fn priority_word(word: &str) -> Option<Priority> {
    match word.trim().trim_end_matches(" priority") {
        "high" | "top" | "highest" | "urgent" | "important" | "critical" | "max" | "p1" => {
            Some(Priority::High)
        }
        "medium" | "normal" | "mid" | "average" | "p2" | "default" => Some(Priority::Medium),
        "low" | "lowest" | "min" | "p3" | "not urgent" => Some(Priority::Low),
        _ => None,
    }
}

static HASHTAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(?:(?:and|with)\s+)?#(?P<tag>[a-z][a-z0-9_-]{0,31})\b")
        .expect("hashtag pattern")
});
static TAG_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:,\s*|\b(?:and)\s+)?\b(?:tag(?:ged)?|label(?:led|ed)?|with\s+(?:the\s+)?(?:tags?|labels?)|tags?:|labels?:)\s+(?:it\s+|this\s+|them\s+)?(?:with\s+|as\s+)?(?P<list>#?[a-z][a-z0-9_-]{0,31}(?:(?:\s*,\s*|\s+and\s+|\s+)#?[a-z][a-z0-9_-]{0,31})*)")
        .expect("tag phrase pattern")
});

/// Words that end a tag list ("tag it home tomorrow"): the rest is not a tag.
const NOT_TAGS: &[&str] = &[
    "tomorrow",
    "today",
    "tonight",
    "next",
    "on",
    "at",
    "by",
    "due",
    "in",
    "with",
    "high",
    "low",
    "medium",
    "urgent",
    "priority",
    "please",
    "for",
    "before",
    "this",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "asap",
    "important",
];

/// Tags written as `#work` or "tag it home" / "tagged work and errands", with
/// their spans.
pub fn extract_tags(lower: &str) -> (Vec<String>, Vec<Range<usize>>) {
    let mut tags = Vec::new();
    let mut spans = Vec::new();
    for c in HASHTAG.captures_iter(lower) {
        tags.push(c["tag"].to_string());
        let m = c.get(0).expect("match");
        spans.push(m.range());
    }
    if let Some(c) = TAG_PHRASE.captures(lower) {
        let whole = c.get(0).expect("match");
        let list = c.name("list").expect("list");
        let mut end = list.start();
        let mut pos = list.start();
        for piece in list.as_str().split_inclusive([' ', ',']) {
            let word = piece.trim_matches([' ', ',']).trim_start_matches('#');
            let piece_start = pos;
            pos += piece.len();
            if word.is_empty() || word == "and" {
                continue;
            }
            if NOT_TAGS.contains(&word) {
                break;
            }
            tags.push(word.to_string());
            end = piece_start + piece.trim_end_matches([' ', ',']).len();
        }
        if end > list.start() {
            spans.push(whole.start()..end);
        }
    }
    tags.sort();
    tags.dedup();
    (tags, spans)
}

/// How a message points at a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// "task 3", "#3", "3"
    Id(i64),
    /// "the second one" (1-based) in the last listing.
    Ordinal(usize),
    /// "the last one"
    Last,
    /// "it", "that one": the task the previous turn acted on.
    Previous,
    /// Title words: "the meeting task" -> ["meeting"].
    Words(Vec<String>),
    /// Several numbers: "1 and 2", "tasks 3, 4 and 6".
    Ids(Vec<i64>),
    /// A whole group: "all completed tasks", "everything", "my whole list".
    All(Selection),
    /// What a statement of fact says was done: "I watered the plants" ->
    /// object ["plants"], verb "water".
    Done { object: Vec<String>, verb: String },
}

/// Which tasks a bulk request covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `None`: every task.
    pub completed: Option<bool>,
    pub tag: Option<String>,
}

static ID_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:the\s+)?(?:(?:task|item|todo|to-do|number|no\.?|id|ticket)\s*)?(?:#|number\s+|no\.?\s*)?(?P<id>\d{1,12})(?:\s+(?:task|one|item))?$").expect("id pattern")
});
static ORDINAL_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:the\s+)?(?:very\s+)?(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|seventh|7th|eighth|8th|ninth|9th|tenth|10th|last|final|latest)(?:\s+(?:one|task|item|todo|on the list|in the list))*$")
        .expect("ordinal pattern")
});
const PREVIOUS: &[&str] = &[
    "it",
    "that",
    "this",
    "that one",
    "this one",
    "that task",
    "this task",
    "the task",
    "the same one",
];

/// Words too common to identify a task by.
const STOP_WORDS: &[&str] = &[
    "the", "a", "an", "my", "task", "tasks", "one", "item", "todo", "to-do", "about", "for",
    "with", "of", "on", "thing", "called", "named", "titled", "that", "says", "saying", "entry",
    "reminder", "please", "in", "to", "list", "from", "which", "is", "it", "this", "ones", "stuff",
];

fn ordinal(word: &str) -> Option<usize> {
    Some(match word {
        "first" | "1st" => 1,
        "second" | "2nd" => 2,
        "third" | "3rd" => 3,
        "fourth" | "4th" => 4,
        "fifth" | "5th" => 5,
        "sixth" | "6th" => 6,
        "seventh" | "7th" => 7,
        "eighth" | "8th" => 8,
        "ninth" | "9th" => 9,
        "tenth" | "10th" => 10,
        _ => return None,
    })
}

static TIME_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\s+(?:today|yesterday|this morning|this afternoon|this evening|earlier(?: today)?|last night|just now|already|at last|finally|an hour ago|a while ago))+$")
        .expect("time tail pattern")
});
static IDS_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:the\s+)?(?:(?:tasks?|items?|todos?|numbers?|nos?\.?|ids?)\s*)?#?\d{1,12}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|\+\s*|\s)\s*(?:(?:task|item|number|no\.?)\s*)?#?\d{1,12})+$")
        .expect("ids pattern")
});
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{1,12}").expect("number"));

/// Words that make a reference a whole group.
static ALL_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:all|everything|every\s+(?:task|item|todo|single)|whole|entire|the lot|each)\b",
    )
    .expect("all pattern")
});
static GROUP_DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:completed?|done|finished|checked|ticked|closed|old)\b").expect("done")
});
static GROUP_OPEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:pending|open|unfinished|incomplete|remaining|outstanding|active|not\s+(?:yet\s+)?(?:done|finished|completed?))\b")
        .expect("open")
});
/// What may sit in a group reference besides the group words.
const GROUP_FILLER: &[&str] = &[
    "all",
    "of",
    "my",
    "the",
    "tasks",
    "task",
    "items",
    "item",
    "todos",
    "todo",
    "to-dos",
    "ones",
    "everything",
    "every",
    "single",
    "whole",
    "entire",
    "list",
    "lot",
    "each",
    "that",
    "which",
    "are",
    "is",
    "i",
    "i've",
    "ive",
    "have",
    "already",
    "marked",
    "as",
    "from",
    "on",
    "in",
    "stuff",
    "things",
    "thing",
    "tagged",
    "with",
    "tag",
    "out",
    "off",
    "now",
    "we",
    "we've",
    "completed",
    "complete",
    "done",
    "finished",
    "checked",
    "ticked",
    "closed",
    "old",
    "pending",
    "open",
    "unfinished",
    "incomplete",
    "remaining",
    "outstanding",
    "active",
    "not",
    "yet",
    "todo-list",
    "to-do",
    "current",
    "this",
    "these",
    "those",
    "them",
    "got",
    "been",
];

/// A group reference ("all completed tasks", "the done ones", "everything
/// tagged work"). Only when every word is a group word, so "all the meeting
/// notes" is not mistaken for a bulk request.
pub fn parse_group(raw: &str) -> Option<Selection> {
    let s = raw
        .trim()
        .trim_matches(|c: char| matches!(c, '.' | '!' | '?' | ','));
    let (tags, tag_spans) = extract_tags(s);
    // Spans may overlap ("tag #work"): keep the bytes outside all of them.
    let rest: String = s
        .char_indices()
        .map(|(i, c)| {
            if tag_spans.iter().any(|span| span.contains(&i)) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let open = GROUP_OPEN.is_match(&rest);
    let done = !open && GROUP_DONE.is_match(&rest);
    let plural = rest.split_whitespace().any(|w| {
        matches!(
            w,
            "tasks" | "ones" | "items" | "todos" | "to-dos" | "things"
        )
    });
    if !(ALL_REF.is_match(&rest) || ((open || done || !tags.is_empty()) && plural)) {
        return None;
    }
    let only_group_words = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .all(|w| GROUP_FILLER.contains(&w));
    if !only_group_words || tags.len() > 1 {
        return None;
    }
    Some(Selection {
        completed: if open {
            Some(false)
        } else if done {
            Some(true)
        } else {
            None
        },
        tag: tags.into_iter().next(),
    })
}

/// Reads a reference. `None` when nothing is left to point with.
pub fn parse_target(raw: &str) -> Option<Target> {
    let s = raw
        .trim()
        .trim_matches(|c: char| matches!(c, '.' | '!' | '?' | ',' | '\'' | '"'))
        .trim();
    let s = s.strip_suffix(" please").unwrap_or(s).trim();
    // "the report this morning": when it happened is not part of the name.
    let s = TIME_TAIL.find(s).map_or(s, |m| &s[..m.start()]).trim();
    if s.is_empty() {
        return None;
    }
    if let Some(c) = ID_REF.captures(s) {
        return c["id"].parse().ok().map(Target::Id);
    }
    if IDS_REF.is_match(s) {
        let mut ids: Vec<i64> = NUMBER
            .find_iter(s)
            .filter_map(|m| m.as_str().parse().ok())
            .collect();
        ids.dedup();
        return Some(if ids.len() == 1 {
            Target::Id(ids[0])
        } else {
            Target::Ids(ids)
        });
    }
    if let Some(selection) = parse_group(s) {
        return Some(Target::All(selection));
    }
    if let Some(c) = ORDINAL_REF.captures(s) {
        let word = &c["ord"];
        return Some(match ordinal(word) {
            Some(n) => Target::Ordinal(n),
            None => Target::Last,
        });
    }
    if PREVIOUS.contains(&s) {
        return Some(Target::Previous);
    }
    let words: Vec<String> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '\'' | '"' | ':' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.to_ascii_lowercase().as_str()))
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(Target::Words(words))
    }
}

/// Whether every reference word appears in the title (light stemming, and
/// prefixes of 4+ letters: "dentist" finds "Dentist appointment", "groc" finds
/// "Buy groceries").
pub fn title_matches(words: &[String], title: &str) -> bool {
    let title_words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect();
    words.iter().all(|w| {
        let w = stem(w);
        title_words
            .iter()
            .any(|t| *t == w || (w.len() >= 4 && t.starts_with(&w)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities() {
        assert_eq!(
            extract_priority("buy milk, high priority").map(|p| p.0),
            Some(Priority::High)
        );
        assert_eq!(
            extract_priority("call bob it's urgent").map(|p| p.0),
            Some(Priority::High)
        );
        assert_eq!(
            extract_priority("water plants low priority").map(|p| p.0),
            Some(Priority::Low)
        );
        assert_eq!(
            extract_priority("not urgent: clean garage").map(|p| p.0),
            Some(Priority::Low)
        );
        assert_eq!(extract_priority("buy milk"), None);
        let text = "pay rent with high priority tomorrow";
        let (_, span) = extract_priority(text).unwrap();
        assert_eq!(&text[span], "with high priority");
    }

    #[test]
    fn tags() {
        assert_eq!(
            extract_tags("buy milk #home #errands").0,
            vec!["errands", "home"]
        );
        assert_eq!(extract_tags("buy milk and tag it home").0, vec!["home"]);
        assert_eq!(
            extract_tags("report tagged work and q4 tomorrow").0,
            vec!["q4", "work"]
        );
        assert_eq!(extract_tags("complete task #3").0, Vec::<String>::new());
        let text = "buy milk, tag it home tomorrow";
        let (_, spans) = extract_tags(text);
        assert_eq!(&text[spans[0].clone()], ", tag it home");
    }

    #[test]
    fn targets() {
        assert_eq!(parse_target("task 3"), Some(Target::Id(3)));
        assert_eq!(parse_target("#12"), Some(Target::Id(12)));
        assert_eq!(parse_target("number 4"), Some(Target::Id(4)));
        assert_eq!(parse_target("the third one"), Some(Target::Ordinal(3)));
        assert_eq!(parse_target("the last one"), Some(Target::Last));
        assert_eq!(parse_target("it"), Some(Target::Previous));
        assert_eq!(
            parse_target("the dentist one"),
            Some(Target::Words(vec!["dentist".into()]))
        );
        assert_eq!(
            parse_target("the meeting task"),
            Some(Target::Words(vec!["meeting".into()]))
        );
        assert_eq!(parse_target("the task"), Some(Target::Previous));
        assert_eq!(parse_target("one"), None);
    }

    #[test]
    fn title_matching() {
        assert!(title_matches(&["dentist".into()], "Dentist appointment"));
        assert!(title_matches(&["grocery".into()], "Buy groceries"));
        assert!(title_matches(&["meetings".into()], "Team meeting at 10"));
        assert!(!title_matches(
            &["meeting".into(), "client".into()],
            "Team meeting"
        ));
        assert!(!title_matches(&["car".into()], "Call Carla"));
    }
}
