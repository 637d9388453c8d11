//! Messages that are not commands but still ask for something: statements of
//! fact ("I watered the plants", "the rent is paid", "#7 finished"), answers to
//! a question ("yes", "nope"), and "undo".

use std::sync::LazyLock;

use regex::Regex;

use super::entities::{Target, parse_target};
use super::text::{irregular_base, stem};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

/// A yes to the question the last reply asked.
static YES: LazyLock<Regex> = LazyLock::new(|| {
    // "ok" or "fine" alone may just acknowledge; only an explicit yes runs a
    // previewed write.
    re(
        r"^(?:(?:ok|okay|k|alright|all right|fine|right|well)[,!.\s]+)?(?:(?:yes|yeah|yep|yup|yea|ya|y|sure|confirm(?:ed)?|affirmative|absolutely|definitely|of course|please do|do it|go ahead|go for it|proceed|yes please|that's right|i'm sure|i am sure)(?:[,!.\s]+|$))+(?:(?:please|thanks|thank you|do it|go ahead|delete them|remove them|add them|complete them|mark them|proceed|all of them|them all)(?:[,!.\s]+|$))*$",
    )
});
/// A no to the question the last reply asked.
static NO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:no|nope|nah|n|no thanks|no thank you|cancel|cancel that|cancel it|don't|dont|do not|don't do it|stop|never mind|nevermind|forget it|abort|no way|not now|leave it|leave them|keep them|keep it|not yet|wait no|actually no|no don't)(?:[,!.\s]+(?:thanks|thank you|please|don't|leave them|keep them|never mind|not now|i changed my mind))*[!.\s]*$",
    )
});
static UNDO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:oops|whoops|oh no|damn|argh|ugh|sorry|wait|no)[,!.\s]+)*(?:please\s+)?(?:undo|undo (?:that|it|this|the last (?:change|thing|step|action|one)|my last (?:change|action)|what you just did)|revert(?: that| it| the last change| what you just did)?|take (?:that|it) back|reverse (?:that|it)|roll (?:that |it )?back|rollback|put it back|bring it back|go back|change it back|switch it back|undo the last)(?:[,!.\s]+(?:please|thanks|now))*[!.\s]*$",
    )
});

pub fn is_yes(lower: &str) -> bool {
    YES.is_match(lower.trim())
}

pub fn is_no(lower: &str) -> bool {
    NO.is_match(lower.trim())
}

pub fn is_undo(lower: &str) -> bool {
    UNDO.is_match(lower.trim())
}

/// "#7 finished", "task 2 sorted", "3 is done" / "#10 not done yet".
static NUMBER_STATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<ref>(?:(?:task|item|todo|number|no\.?)\s*)?#?\d{1,12})\s+(?:(?:is|was|has been|got|now|all|just|finally)\s+)*(?P<state>done|finished|complete|completed|sorted|handled|taken care of|dealt with|checked off|ticked off|closed|resolved|fixed|ok|good|over|out of the way|(?P<neg>not (?:yet )?(?:done|finished|complete|completed)(?: yet)?|undone|unfinished|open again|pending again|reopened|not done after all))[!.\s]*$",
    )
});
/// "done 4", "finished #2", "x 3".
static STATE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:done|finished|did|x|check|tick|completed?)\s+(?P<ref>(?:(?:task|item|number|no\.?)\s*)?#?\d{1,12})$",
    )
});

/// A task number with a bare state word: `Some((target, completed))`.
pub fn number_state(lower: &str) -> Option<(Target, bool)> {
    if let Some(c) = NUMBER_STATE.captures(lower) {
        let target = parse_target(&c["ref"])?;
        return Some((target, c.name("neg").is_none()));
    }
    let c = STATE_NUMBER.captures(lower)?;
    Some((parse_target(&c["ref"])?, true))
}

static NEGATION: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:not|never|no longer|nothing|none|yet to)\b|n't\b|\bcan'?t\b"));

/// Whether the message denies something ("I haven't called mom"): such a
/// message never completes a task.
pub fn is_negated(lower: &str) -> bool {
    NEGATION.is_match(lower)
}

const TIME_TAIL: &str = r"(?:\s+(?:today|yesterday|this morning|this afternoon|this evening|earlier(?: today)?|last night|just now|already|finally|at last|now|off|too|as well|already today|an hour ago|a while ago))*";

/// "I (have) (just) watered the plants", "just called mom", "finally renewed my passport".
static FIRST_PERSON: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:(?:i|we)(?:'ve|\s+have|\s+had)?\s+)?(?:(?:just|finally|already|now|also|actually|totally|successfully|went and)\s+)*(?P<verb>[a-z]+)\s+(?P<obj>.+?){TIME_TAIL}[!.\s]*$"
    ))
});
/// "the rent is paid", "passport has been renewed", "mom's been called",
/// "groceries are bought", "the report got finished yesterday".
static PASSIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<obj>.+?)(?:\s+(?:is|are|was|were|has been|have been|had been|got|get|gets)|'s been|'ve been|'s|'re)\s+(?:(?:now|all|finally|already|just|totally|fully|been|officially)\s+)*(?P<verb>[a-z]+){TIME_TAIL}[!.\s]*$"
    ))
});
/// "plants watered", "bills paid!".
static SHORT_PASSIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<obj>[a-z][a-z' -]*?)\s+(?P<verb>[a-z]+){TIME_TAIL}[!.\s]*$"
    ))
});

/// Past forms that say something was done but not which kind of thing, so
/// only the object has to match: "I did the laundry", "went to the gym".
const NEUTRAL_VERBS: &[&str] = &[
    "do", "finish", "complete", "go", "attend", "have", "get", "sort", "handle", "deal", "wrap",
    "tackle", "manage", "knock",
];

/// Past forms that do not mean done at all ("I needed to call mom", "the
/// dentist got cancelled").
const NOT_DONE_VERBS: &[&str] = &[
    "need",
    "want",
    "decid",
    "plan",
    "tri",
    "try",
    "start",
    "forgot",
    "forget",
    "miss",
    "fail",
    "skip",
    "cancel",
    "postpon",
    "mov",
    "reschedul",
    "add",
    "creat",
    "schedul",
    "delet",
    "remov",
    "delay",
    "push",
    "mean",
    "hop",
    "wish",
    "us",
    "supposed",
    "suppos",
    "gon",
    "going",
    "lik",
    "lov",
    "hat",
    "think",
    "rememb",
    "remind",
    "ask",
    "told",
];

fn is_past_form(word: &str) -> bool {
    (word.len() > 4 && word.ends_with("ed")) || (irregular_base(word).is_some() && word != "do")
}

/// Questions and listing requests: "what's left", "which tasks are finished",
/// "show everything I've done" are never statements of fact.
static QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:what|what's|whats|which|who|whose|how|where|when|why|any|anything|show|list|display|tell|give|find|search|can|could|would|will|is|are|was|were|(?:do|does|did|have|has|had)\s+(?:i|we|you|they|any|anything))\b|\?\s*$",
    )
});

pub fn is_question(lower: &str) -> bool {
    QUESTION.is_match(lower.trim())
}

/// A statement that something was done, as title words to look for.
pub fn done_statement(lower: &str) -> Option<Target> {
    if is_negated(lower) || is_question(lower) {
        return None;
    }
    let try_match = |re: &Regex| -> Option<Target> {
        let c = re.captures(lower)?;
        let verb = &c["verb"];
        if !is_past_form(verb) {
            return None;
        }
        let base = stem(verb);
        if NOT_DONE_VERBS
            .iter()
            .any(|v| base == *v || base.starts_with(v) && v.len() >= 4)
        {
            return None;
        }
        let object: Vec<String> = c["obj"]
            .split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | '\'' | '"'))
            .map(|w| w.trim_matches(|ch: char| !ch.is_alphanumeric()))
            .filter(|w| !w.is_empty() && !OBJECT_STOP.contains(w))
            .map(str::to_string)
            .collect();
        if object.is_empty() || object.len() > 6 {
            return None;
        }
        Some(Target::Done { object, verb: base })
    };
    try_match(&PASSIVE)
        .or_else(|| try_match(&FIRST_PERSON))
        .or_else(|| try_match(&SHORT_PASSIVE))
}

/// Words in the object of a statement that never name a task.
const OBJECT_STOP: &[&str] = &[
    "the", "a", "an", "my", "our", "your", "his", "her", "their", "to", "with", "for", "of", "s",
    "all", "some", "that", "this", "those", "these", "task", "tasks", "thing", "one", "it", "at",
    "on", "in", "off", "up", "out", "and",
];

/// Whether a past form is one that says only "done".
pub fn is_neutral(verb: &str) -> bool {
    NEUTRAL_VERBS.contains(&verb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(s: &str) -> Option<(Vec<String>, String)> {
        match done_statement(s) {
            Some(Target::Done { object, verb }) => Some((object, verb)),
            _ => None,
        }
    }

    #[test]
    fn statements_of_fact() {
        assert_eq!(
            done("i watered the plants"),
            Some((vec!["plants".into()], stem("water")))
        );
        assert_eq!(
            done("the rent is paid"),
            Some((vec!["rent".into()], "pay".into()))
        );
        assert_eq!(
            done("the car has been washed"),
            Some((vec!["car".into()], "wash".into()))
        );
        assert_eq!(done("i haven't called mom"), None);
        assert_eq!(done("i needed to call mom"), None);
        assert_eq!(done("the meeting got cancelled"), None);
    }

    #[test]
    fn answers() {
        for yes in [
            "yes",
            "yep go ahead",
            "ok do it",
            "sure, do it",
            "yes please",
        ] {
            assert!(is_yes(yes), "{yes}");
        }
        for maybe in ["ok", "ok thanks", "fine", "cool"] {
            assert!(!is_yes(maybe), "{maybe}");
        }
        for no in ["no", "nope", "no thanks", "cancel", "don't"] {
            assert!(is_no(no), "{no}");
            assert!(!is_yes(no), "{no}");
        }
        assert!(is_undo("undo that"));
        assert!(is_undo("oops, undo"));
        assert!(!is_undo("undo task 3"));
    }

    #[test]
    fn numbers_with_a_state() {
        assert_eq!(number_state("#7 finished"), Some((Target::Id(7), true)));
        assert_eq!(number_state("number 2 sorted"), Some((Target::Id(2), true)));
        assert_eq!(number_state("3 not done yet"), Some((Target::Id(3), false)));
        assert_eq!(number_state("done 4"), Some((Target::Id(4), true)));
        assert_eq!(number_state("buy 2 apples"), None);
    }
}
