//! What a message asks for. Patterns are compiled once; each family is tried in
//! an order that keeps the specific ahead of the general ("add tag work to task
//! 3" is an update, not an add).

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use regex::{Captures, Regex};
use todo_core::Priority;

use super::dates::extract_when;
use super::entities::{Target, extract_priority, extract_tags, parse_target, priority_word};
use super::text::{Phrase, quoted, tidy_title};
use crate::clock::TurnClock;
use crate::tools::StatusArg;

/// A task to create, as understood.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AddRequest {
    /// `None` when the message said "add a task" without saying what.
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
    pub due: Option<DateTime<Utc>>,
}

/// Changes to an existing task.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Changes {
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub add_tags: Vec<String>,
    pub due: Option<DateTime<Utc>>,
}

/// A listing, with optional filters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListRequest {
    pub status: StatusArg,
    pub priority: Option<Priority>,
    pub tag: Option<String>,
    pub query: Option<String>,
    pub due_before: Option<DateTime<Utc>>,
}

impl ListRequest {
    /// Plain status listings use `list_tasks`; anything filtered uses `search_tasks`.
    pub fn is_plain(&self) -> bool {
        self.priority.is_none()
            && self.tag.is_none()
            && self.query.is_none()
            && self.due_before.is_none()
    }
}

/// An action on one existing task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Complete,
    Reopen,
    Delete,
    Update,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Greeting,
    Thanks,
    Help,
    Add(AddRequest),
    List(ListRequest),
    /// Complete, reopen or delete a task.
    Act(Action, Target),
    Update(Target, Changes),
    /// The whole message is a reference ("the second one", "3"): an answer to
    /// "which one?".
    Choice(Target),
    Unknown,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

static POLITE_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:hey|hi|hello|ok|okay|so|um|uh|please|pls|plz|kindly|can you|could you|would you|will you|can u|could u|i want you to|i'd like you to|i would like you to|go ahead and|now|also|and|then|alright|right|actually|oh|oops|wait|hmm|sorry)\b[,!\s]*)+",
    )
});
static POLITE_END: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:[,\s]+(?:please|pls|plz|thanks|thank you|thx|for me|now|asap please|right now))+[.!?\s]*$|[.!?\s]+$",
    )
});

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:hi|hello|hey|hiya|howdy|yo|good (?:morning|afternoon|evening)|greetings)(?:\s+there)?[!.]*$",
    )
});
static THANKS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:thanks|thank you|thx|ty|cheers|great|ok|okay|cool|nice|perfect|awesome|got it|good|sounds good)(?:\s+(?:so much|a lot|very much))?[!.]*$",
    )
});
static HELP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:help|\?|commands|menu|what can you do|what do you do|what can i (?:say|ask|do)|how does this work|how do i use (?:this|you)|what are you|who are you|options)\b",
    )
});

static CHOICE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:i mean|i meant|it's|its|it is|that's|the one is|go with|pick|choose|option)\s+)?(?P<ref>(?:the\s+)?(?:(?:task|item|number|no\.?|option)\s*)?#?\d{1,12}|(?:the\s+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|1st|2nd|3rd|4th|5th|6th|7th|8th|9th|10th|last)(?:\s+(?:one|task|item))?)$",
    )
});

// ---- updates -------------------------------------------------------------

/// What the `val` group of an update pattern sets.
#[derive(Clone, Copy)]
enum Field {
    Title,
    Description,
    Priority,
    PriorityHigh,
    PriorityLow,
    Due,
    Tags,
    /// "change task 1 to X": X decides (a priority word, a date, else a title).
    Guess,
}

static UPDATES: LazyLock<Vec<(Regex, Field)>> = LazyLock::new(|| {
    vec![
        (
            re(
                r"^(?:change|update|edit|modify|set|rename)\s+(?:the\s+)?(?:title|name|text|wording)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<val>.+)$",
            ),
            Field::Title,
        ),
        (
            re(
                r"^(?:change|update|edit|modify|set)\s+(?:the\s+)?(?:description|notes?|details)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<val>.+)$",
            ),
            Field::Description,
        ),
        (
            re(
                r"^(?:add|attach|put|write)\s+(?:a\s+)?(?:description|note|notes|details)\s+(?:to|for|on)\s+(?P<ref>.+?)\s*(?::|-|saying|that says)\s*(?P<val>.+)$",
            ),
            Field::Description,
        ),
        (
            re(
                r"^(?:set|change|update|make|raise|lower)\s+(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<val>.+)$",
            ),
            Field::Priority,
        ),
        (
            re(
                r"^(?:set|change|update)\s+(?P<ref>.+?)(?:'s)?\s+priority\s+(?:to|as)\s+(?P<val>.+)$",
            ),
            Field::Priority,
        ),
        (
            re(
                r"^(?:make|mark|set|flag|put)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+|at\s+|on\s+)?(?:a\s+)?(?P<val>high|low|medium|normal|top|urgent|important|critical)(?:[\s-]+priority)?$",
            ),
            Field::Priority,
        ),
        (
            re(r"^(?:prioritize|prioritise|bump up|bump|escalate)\s+(?P<ref>.+)$"),
            Field::PriorityHigh,
        ),
        (
            re(r"^(?:deprioritize|deprioritise|lower the priority of|lower)\s+(?P<ref>.+)$"),
            Field::PriorityLow,
        ),
        (
            re(
                r"^(?P<ref>.+?)\s+is\s+(?:very\s+|really\s+|super\s+|now\s+)?(?P<val>urgent|important|critical|high priority|top priority|low priority|not urgent)$",
            ),
            Field::Priority,
        ),
        (
            re(
                r"^(?:set|make|change|update|move)\s+(?:the\s+)?(?:due date|deadline|due time|due)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|for|as|at|on)\s+(?P<val>.+)$",
            ),
            Field::Due,
        ),
        (
            re(
                r"^(?:move|reschedule|postpone|push|defer|delay|shift)\s+(?P<ref>.+?)\s+(?:back\s+)?(?:to|until|till|for|by|on)\s+(?P<val>.+)$",
            ),
            Field::Due,
        ),
        (
            re(
                r"^(?:set|make)\s+(?P<ref>.+?)\s+(?:due|deadline)\s+(?:to\s+|for\s+|on\s+|at\s+|by\s+)?(?P<val>.+)$",
            ),
            Field::Due,
        ),
        (
            re(r"^(?P<ref>.+?)\s+(?:is|should be)\s+due\s+(?P<val>.+)$"),
            Field::Due,
        ),
        (
            re(r"^(?:tag|label)\s+(?P<ref>.+?)\s+(?:with|as)\s+(?P<val>.+)$"),
            Field::Tags,
        ),
        (
            re(
                r"^(?:tag|label)\s+(?P<ref>task\s+#?\d+|#\d+|it|that|that one|the\s+\w+\s+(?:one|task))\s+(?P<val>#?[a-z].*)$",
            ),
            Field::Tags,
        ),
        (
            re(r"^add\s+(?:the\s+)?(?:tags?|labels?)\s+(?P<val>.+?)\s+to\s+(?P<ref>.+)$"),
            Field::Tags,
        ),
        (
            re(
                r"^add\s+(?P<val>#[a-z][\w-]*(?:(?:\s*,\s*|\s+and\s+|\s+)#[a-z][\w-]*)*)\s+to\s+(?P<ref>.+)$",
            ),
            Field::Tags,
        ),
        (
            re(
                r"^(?:rename|retitle|reword)\s+(?P<ref>.+?)\s+(?:to|as|into)\s*[:\s]\s*(?P<val>.+)$",
            ),
            Field::Title,
        ),
        (
            re(
                r"^(?:change|update|edit|modify|set|make)\s+(?P<ref>.+?)\s+(?:to|into|so it says|to say|to read)\s*[:\s]\s*(?P<val>.+)$",
            ),
            Field::Guess,
        ),
        (
            re(r"^(?:edit|update|change)\s+(?P<ref>task\s+#?\d+|#\d+)\s*[:\-]\s*(?P<val>.+)$"),
            Field::Title,
        ),
    ]
});

// ---- actions --------------------------------------------------------------

static REOPEN: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:mark|set|flag)\s+(?P<ref>.+?)\s+(?:as\s+)?(?:not done|not complete|not completed|incomplete|undone|pending|open|not finished|uncompleted|unfinished|to do|todo|active)(?:\s+again)?$",
        ),
        re(
            r"^(?:reopen|re-open|uncheck|untick|unmark|undo|uncomplete|restore)\s+(?P<ref>.+?)(?:\s+again)?$",
        ),
        re(
            r"^(?P<ref>.+?)\s+(?:is|was)(?:n'?t| not)\s+(?:actually\s+|really\s+)?(?:done|finished|complete|completed)(?:\s+yet)?$",
        ),
    ]
});
static COMPLETE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:mark|set|flag|check)\s+(?P<ref>.+?)\s+(?:as\s+)?(?:complete|completed|done|finished|closed|resolved)$",
        ),
        re(
            r"^(?:complete|finish|close|resolve|check off|tick off|cross off|knock out|wrap up)\s+(?P<ref>.+)$",
        ),
        re(r"^(?:check|tick|cross|mark|knock)\s+(?P<ref>.+?)\s+off(?:\s+(?:my|the)\s+list)?$"),
        re(
            r"^(?:i'?m|i am|i'?ve|i have|we'?re|we are)\s+(?:all\s+|now\s+)?(?:done|finished|through|completed)\s+(?:with\s+)?(?P<ref>.+)$",
        ),
        re(
            r"^(?:i\s+)?(?:just\s+|already\s+)?(?:finished|completed|did|done)\s+(?:with\s+)?(?P<ref>.+)$",
        ),
        re(
            r"^(?P<ref>.+?)\s+(?:is|are|was|has been)\s+(?:now\s+|all\s+)?(?:done|complete|completed|finished|taken care of)$",
        ),
    ]
});
static DELETE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:delete|remove|erase|drop|trash|discard|scrap|ditch|get rid of|throw away|throw out|cancel|kill|nuke|bin|axe|scratch|wipe|purge)\s+(?P<ref>.+?)(?:\s+(?:from|off)\s+(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?(?:list|tasks|todos))?$",
        ),
        re(
            r"^(?:forget about|forget|never mind|nevermind|no need for|i no longer need|i don't need)\s+(?P<ref>.+)$",
        ),
        re(r"^(?:take|strike)\s+(?P<ref>.+?)\s+off\s+(?:my|the)\s+(?:list|tasks)$"),
    ]
});

// ---- adds -----------------------------------------------------------------

static ADD_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:add|create|make|put|insert|log|jot down|write down|note down|save|set up|schedule|record)\s+(?:a\s+|an\s+|one\s+)?(?:(?:new|urgent|important|quick|small|high[\s-]priority|low[\s-]priority)\s+)*(?:task|todo|to-do|item|reminder|entry|note)s?\b\s*(?:to\s+(?:my\s+list\s*)?(?::\s*)?|for\s+|about\s+|called\s+|named\s+|titled\s+|that says\s+|saying\s+|[:\-]\s*)?|(?:new\s+(?:task|todo|to-do|item|reminder)|todo|to-do|task|reminder|note to self|note)\s*[:\-]\s*|new\s+(?:task|todo|to-do|item|reminder)\s+|remind me\s+(?:to\s+|about\s+|that i (?:need|have) to\s+|of\s+)?|set\s+(?:a|up a)\s+reminder\s+(?:to\s+|for\s+|about\s+)?|(?:i\s+)?(?:need|have|want|got|ought)\s+to\s+remember\s+(?:to\s+)?|(?:please\s+)?(?:don'?t|do not)\s+(?:let me\s+)?forget\s+(?:to\s+|about\s+)?|remember\s+to\s+|(?:i\s+)?(?:really\s+)?(?:need|have|got|ought|must|should)\s+(?:to\s+)?|i\s+(?:must|should|gotta|want to)\s+|gotta\s+|(?:i'?m|i am)\s+(?:planning|going)\s+to\s+|(?:add|create|put|insert|jot down|write down|note down|schedule)\s+)",
    )
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

// ---- listings -------------------------------------------------------------

static LIST_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:tasks?|todos?|to-dos?|list|agenda|plate|pending|completed?|finish(?:ed)?|done|open|outstanding|remaining|left|accomplished|overdue|due|priority|urgent|important|tagged|unfinished|incomplete|need to do|have to do|anything)\b|#[a-z]",
    )
});
static LIST_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:show|list|display|view|see|get|give|tell|read|print|pull up|check|what|what's|whats|what is|what are|what've|which|how many|do i have|have i|any|are there|is there|my|all|pending|completed|open|finished|tasks?|todos?|to-dos?|find|search|look|where|anything|overdue|urgent|high|low)\b|^#[a-z]",
    )
});
static PENDING_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:pending|open|outstanding|remaining|unfinished|incomplete|undone|not (?:yet )?(?:done|finished|completed?)|left|active|still|plate|need to do|have to do|to do next|upcoming|overdue|due)\b",
    )
});
static COMPLETED_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:completed?|finish(?:ed)?|done|closed|accomplished|achieved|ticked off|checked off|got done|get done)\b",
    )
});
static SEARCH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^(?:find|search(?:\s+for)?|look\s+(?:for|up))\s+(?:(?:all\s+)?(?:my\s+)?(?:tasks?|todos?|items?|anything)\s+)?(?:(?:about|mentioning|containing|with|related to|matching|regarding|named|called)\s+)?|\b(?:tasks?|todos?|items?|anything)\s+(?:about|mentioning|containing|related to|matching|regarding|named|called|with the words?)\s+)(?P<q>.+)$",
    )
});
static DUE_FILTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?P<overdue>overdue|late|past due)|due\s+(?P<when>today|tomorrow|this week|next week|soon))\b",
    )
});

fn ref_target(c: &Captures<'_>) -> Option<Target> {
    c.name("ref")
        .and_then(|r| parse_target(r.as_str().trim_end_matches("'s")))
}

/// Understands one message.
pub fn detect(phrase: &Phrase, clock: &TurnClock) -> Intent {
    let lower = phrase.lower();
    let start = POLITE_START.find(lower).map_or(0, |m| m.end());
    let end = POLITE_END
        .find(&lower[start..])
        .map_or(lower.len(), |m| start + m.start());
    if start >= end {
        return if GREETING.is_match(lower.trim()) {
            Intent::Greeting
        } else {
            Intent::Help
        };
    }
    let core = phrase.sub(start..end);
    let s = core.lower();

    if GREETING.is_match(lower.trim()) {
        return Intent::Greeting;
    }
    if THANKS.is_match(s) {
        return Intent::Thanks;
    }
    if HELP.is_match(s) {
        return Intent::Help;
    }
    if let Some(c) = CHOICE.captures(s)
        && let Some(t) = ref_target(&c)
    {
        return Intent::Choice(t);
    }
    if let Some(intent) = detect_update(&core, clock) {
        return intent;
    }
    for (patterns, action) in [
        (&*REOPEN, Action::Reopen),
        (&*COMPLETE, Action::Complete),
        (&*DELETE, Action::Delete),
    ] {
        for p in patterns.iter() {
            if let Some(c) = p.captures(s)
                && let Some(t) = ref_target(&c)
            {
                return Intent::Act(action, t);
            }
        }
    }
    if let Some(m) = ADD_LEAD.find(s) {
        let mut req = parse_add(&core.sub(m.end()..s.len()), clock);
        // "add an urgent task to ...": the priority sits in the lead words.
        if req.priority.is_none() {
            req.priority = extract_priority(m.as_str()).map(|(p, _)| p);
        }
        return Intent::Add(req);
    }
    if LIST_START.is_match(s) && LIST_CUE.is_match(s) {
        return Intent::List(parse_list(&core, clock));
    }
    if s.starts_with("find ") || s.starts_with("search ") || s.starts_with("look for ") {
        return Intent::List(parse_list(&core, clock));
    }
    Intent::Unknown
}

fn detect_update(core: &Phrase, clock: &TurnClock) -> Option<Intent> {
    let s = core.lower();
    for (pattern, field) in UPDATES.iter() {
        let Some(c) = pattern.captures(s) else {
            continue;
        };
        let Some(target) = ref_target(&c) else {
            continue;
        };
        let val = c.name("val").map(|v| core.sub(v.range()));
        let mut changes = Changes::default();
        match field {
            Field::PriorityHigh => changes.priority = Some(Priority::High),
            Field::PriorityLow => changes.priority = Some(Priority::Low),
            Field::Priority => changes.priority = Some(priority_word(val.as_ref()?.lower())?),
            Field::Title => changes.title = Some(literal_value(val.as_ref()?)),
            Field::Description => changes.description = Some(literal_text(val.as_ref()?)),
            Field::Due => changes.due = Some(whole_date(val.as_ref()?, clock)?),
            Field::Tags => {
                let v = val.as_ref()?;
                let words: Vec<String> = v
                    .lower()
                    .split([' ', ','])
                    .map(|w| w.trim().trim_start_matches('#'))
                    .filter(|w| !w.is_empty() && *w != "and" && *w != "tag" && *w != "tags")
                    .map(str::to_string)
                    .collect();
                if words.is_empty() {
                    continue;
                }
                changes.add_tags = words;
            }
            Field::Guess => {
                let v = val.as_ref()?;
                if quoted(v.original()).is_some() {
                    changes.title = Some(literal_value(v));
                } else if let Some(p) = priority_word(v.lower()) {
                    changes.priority = Some(p);
                } else if let Some(due) = whole_date(v, clock) {
                    changes.due = Some(due);
                } else {
                    changes.title = Some(literal_value(v));
                }
            }
        }
        if changes.title.as_deref() == Some("") {
            continue;
        }
        return Some(Intent::Update(target, changes));
    }
    None
}

/// The quoted part when there is one, else the tidied text.
fn literal_value(v: &Phrase) -> String {
    match quoted(v.original()) {
        Some(r) => v.original()[r.start + 1..r.end - 1].trim().to_string(),
        None => tidy_title(v.original()),
    }
}

fn literal_text(v: &Phrase) -> String {
    match quoted(v.original()) {
        Some(r) => v.original()[r.start + 1..r.end - 1].trim().to_string(),
        None => v.original().trim().to_string(),
    }
}

/// A value that is nothing but a date ("friday at 3pm"), else `None`.
fn whole_date(v: &Phrase, clock: &TurnClock) -> Option<DateTime<Utc>> {
    let when = extract_when(v.lower(), clock)?;
    let rest = v.without(&when.spans);
    let leftover = rest.lower().trim_matches(|c: char| !c.is_alphanumeric());
    matches!(leftover, "" | "due" | "the" | "on" | "at" | "by").then_some(when.at)
}

fn parse_add(rest: &Phrase, clock: &TurnClock) -> AddRequest {
    let mut req = AddRequest::default();
    let mut phrase = rest.clone();
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
    if let Some(when) = extract_when(phrase.lower(), clock) {
        req.due = Some(when.at);
        spans.extend(when.spans);
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

fn parse_list(core: &Phrase, clock: &TurnClock) -> ListRequest {
    let s = core.lower();
    let mut req = ListRequest::default();
    let negated_done =
        s.contains("not done") || s.contains("not finished") || s.contains("not completed");
    if PENDING_CUE.is_match(s) || negated_done {
        req.status = StatusArg::Pending;
    } else if COMPLETED_CUE.is_match(s) {
        req.status = StatusArg::Completed;
    }
    if let Some(c) = DUE_FILTER.captures(s) {
        let today = clock.today();
        let midnight = |days: i64| {
            clock
                .tz
                .to_utc(today + Duration::days(days), chrono::NaiveTime::MIN)
        };
        req.due_before = Some(if c.name("overdue").is_some() {
            clock.now
        } else {
            match c.name("when").map(|w| w.as_str()) {
                Some("today") => midnight(1),
                Some("tomorrow") => midnight(2),
                Some("soon") => midnight(3),
                Some("next week") => {
                    midnight(14 - chrono::Datelike::weekday(&today).num_days_from_monday() as i64)
                }
                _ => midnight(7 - chrono::Datelike::weekday(&today).num_days_from_monday() as i64),
            }
        });
        req.status = StatusArg::Pending;
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
