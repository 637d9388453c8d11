//! What a message asks for. Patterns are compiled once; each family is tried in
//! an order that keeps the specific ahead of the general ("add tag work to task
//! 3" is an update, not an add).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::{Captures, Regex};
use todo_core::Priority;

use super::dates::extract_when;
use super::entities::{Selection, Target, parse_group, parse_target, priority_word};
use super::listing::{LIST_CUE, LIST_START, parse_list};
use super::statements::{done_statement, is_negated, is_no, is_undo, is_yes, number_state};
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
    /// The tools' `recurrence` JSON ("every monday" -> weekly on mon).
    pub recurrence: Option<serde_json::Value>,
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
    /// "due today", "this week", "overdue": the `due` filter of `list_tasks`.
    pub due: Option<DueWindow>,
}

/// The due-date windows `list_tasks` filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueWindow {
    Today,
    ThisWeek,
    Overdue,
}

impl DueWindow {
    pub fn as_str(self) -> &'static str {
        match self {
            DueWindow::Today => "today",
            DueWindow::ThisWeek => "this_week",
            DueWindow::Overdue => "overdue",
        }
    }
}

impl ListRequest {
    /// Plain status listings (and due windows) use `list_tasks`; anything
    /// else filtered uses `search_tasks`.
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
    /// Several tasks to create at once ("add milk, eggs and bread as separate tasks").
    AddMany(Vec<AddRequest>),
    /// "yes" / "no" to the question the last reply asked.
    Confirm(bool),
    /// Revert the conversation's last change.
    Undo,
    /// Too little to act on; the reply suggests what to say ("milk" -> "add milk").
    Suggest(String),
    Unknown,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

static POLITE_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:hey|hi|hello|ok|okay|so|um|uh|well|maybe|perhaps|i guess|i think|i suppose|so yeah|please|pls|plz|kindly|can you|could you|would you|will you|can u|could u|i want you to|i'd like you to|i would like you to|go ahead and|now|also|and|then|alright|right|actually|oh|oops|wait|hmm|sorry)\b[,!\s]*)+",
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
            r"^(?:delete|del|rm|remove|erase|drop|trash|discard|scrap|ditch|get rid of|throw away|throw out|cancel|kill|nuke|bin|axe|scratch|wipe|purge)\s+(?P<ref>.+?)(?:\s+(?:from|off)\s+(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?(?:list|tasks|todos))?$",
        ),
        re(
            r"^(?:forget about|forget|never mind|nevermind|no need for|i no longer need|i don't need)\s+(?P<ref>.+)$",
        ),
        re(r"^(?:take|strike)\s+(?P<ref>.+?)\s+off\s+(?:my|the)\s+(?:list|tasks)$"),
    ]
});

fn ref_target(c: &Captures<'_>) -> Option<Target> {
    let raw = c.name("ref")?.as_str().trim_end_matches("'s");
    // "which tasks are finished" asks; it does not point at a task.
    if super::statements::is_question(raw) {
        return None;
    }
    parse_target(raw)
}

/// Understands one message.
pub fn detect(phrase: &Phrase, clock: &TurnClock) -> Intent {
    // Case is kept: the fix only touches command words, never titles.
    if let Some(fixed) = super::text::fix_command_typos(phrase.lower()) {
        let original: Vec<&str> = phrase.original().split(' ').collect();
        let merged: Vec<String> = fixed
            .split(' ')
            .zip(&original)
            .map(|(f, o)| {
                if f.eq_ignore_ascii_case(o) {
                    o.to_string()
                } else {
                    f.to_string()
                }
            })
            .collect();
        return detect_words(&Phrase::new(&merged.join(" ")), clock);
    }
    detect_words(phrase, clock)
}

fn detect_words(phrase: &Phrase, clock: &TurnClock) -> Intent {
    let intent = detect_core(phrase, clock);
    // "add file the taxes !!": trailing bangs are a priority marker, but the
    // polite-ending trim takes them before the attributes are read.
    match intent {
        Intent::Add(mut req)
            if req.priority.is_none() && TRAILING_BANGS.is_match(phrase.lower()) =>
        {
            req.priority = Some(Priority::High);
            Intent::Add(req)
        }
        other => other,
    }
}

static TRAILING_BANGS: LazyLock<Regex> = LazyLock::new(|| re(r"\s!{2,}\s*$"));

fn detect_core(phrase: &Phrase, clock: &TurnClock) -> Intent {
    let lower = phrase.lower();
    let bare = lower.trim_end_matches(['.', '!', '?', ' ']);
    if is_undo(bare) {
        return Intent::Undo;
    }
    if is_yes(bare) {
        return Intent::Confirm(true);
    }
    if is_no(bare) {
        return Intent::Confirm(false);
    }
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
    if let Some((target, done)) = number_state(s) {
        let action = if done {
            Action::Complete
        } else {
            Action::Reopen
        };
        return Intent::Act(action, target);
    }
    if let Some(c) = CLEAR_GROUP.captures(s)
        && let Some(selection) = loose_group(&c["ref"])
    {
        return Intent::Act(Action::Delete, Target::All(selection));
    }
    if let Some(intent) = detect_update(&core, clock) {
        return intent;
    }
    let negated = is_negated(s);
    for (patterns, action) in [
        (&*REOPEN, Action::Reopen),
        (&*COMPLETE, Action::Complete),
        (&*DELETE, Action::Delete),
    ] {
        // "I haven't finished the report" must never complete it.
        if negated && action == Action::Complete {
            continue;
        }
        for p in patterns.iter() {
            if let Some(c) = p.captures(s)
                && let Some(t) = ref_target(&c)
            {
                return Intent::Act(action, t);
            }
        }
    }
    if let Some(target) = done_statement(s) {
        return Intent::Act(Action::Complete, target);
    }
    if let Some(intent) = super::adding::detect_add(&core, clock) {
        return intent;
    }
    if is_list_request(s) {
        return Intent::List(parse_list(&core, clock));
    }
    if s.starts_with("find ") || s.starts_with("search ") || s.starts_with("look for ") {
        return Intent::List(parse_list(&core, clock));
    }
    super::adding::suggest(&core)
}

fn is_list_request(s: &str) -> bool {
    LIST_START.is_match(s) && LIST_CUE.is_match(s)
}

/// "clear my list", "clear completed", "empty the done ones", "wipe everything".
static CLEAR_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:clear|clear out|clean out|clean up|empty|wipe|wipe out|reset|purge|delete|remove|get rid of|trash|erase)\s+(?P<ref>.+?)(?:\s+(?:from|off)\s+(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?(?:list|tasks|todos))?$",
    )
});

/// A group as the object of "clear": a bare status ("clear completed") or the
/// list itself ("clear my list") counts too.
fn loose_group(raw: &str) -> Option<Selection> {
    if let Some(group) = parse_group(raw) {
        return Some(group);
    }
    let words: Vec<&str> = raw
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "my" | "the" | "out" | "up" | "ones" | "tasks" | "items" | "todos"
            )
        })
        .collect();
    match words.as_slice() {
        ["list"] | ["todo", "list"] | ["to-do", "list"] | ["task", "list"] => {
            Some(Selection::default())
        }
        ["completed"] | ["done"] | ["finished"] | ["checked"] => Some(Selection {
            completed: Some(true),
            tag: None,
        }),
        _ => None,
    }
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

pub(super) fn literal_text(v: &Phrase) -> String {
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
