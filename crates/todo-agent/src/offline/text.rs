//! Text plumbing shared by the extractors: a message kept twice, as typed and
//! ASCII-lower-cased (same byte offsets), so patterns match the lower-case copy
//! and titles keep the user's capitals.

use std::ops::Range;

/// A message being taken apart: spans found by extractors are cut out, and what
/// remains becomes the title.
#[derive(Debug, Clone)]
pub struct Phrase {
    original: String,
    lower: String,
}

impl Phrase {
    pub fn new(raw: &str) -> Self {
        let original = normalize_quotes(raw.trim());
        let lower = original.to_ascii_lowercase();
        Self { original, lower }
    }

    pub fn lower(&self) -> &str {
        &self.lower
    }

    pub fn original(&self) -> &str {
        &self.original
    }

    /// The original text of a span of `lower`.
    pub fn slice(&self, range: Range<usize>) -> &str {
        &self.original[range]
    }

    /// Removes the spans (any order, may overlap) and tidies the seams.
    pub fn without(&self, spans: &[Range<usize>]) -> Phrase {
        let mut keep = vec![true; self.original.len()];
        for span in spans {
            for k in keep
                .iter_mut()
                .take(span.end.min(self.original.len()))
                .skip(span.start)
            {
                *k = false;
            }
        }
        let mut out = String::with_capacity(self.original.len());
        for (i, c) in self.original.char_indices() {
            if keep[i] {
                out.push(c);
            } else if !out.ends_with(' ') {
                out.push(' ');
            }
        }
        Phrase::new(&collapse_spaces(&out))
    }

    /// A sub-phrase from a byte range.
    pub fn sub(&self, range: Range<usize>) -> Phrase {
        Phrase::new(&self.original[range])
    }
}

fn normalize_quotes(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect()
}

pub fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Words that glue an attribute to a title and mean nothing once it is gone.
const EDGE_WORDS: &[&str] = &[
    "and",
    "with",
    "for",
    "on",
    "by",
    "at",
    "due",
    "it",
    "its",
    "it's",
    "as",
    "to",
    "the",
    "is",
    "which",
    "that",
    "also",
    "please",
    "pls",
    "thanks",
    "thank you",
    "plz",
    "before",
    "until",
    "till",
    "so",
    "make",
    "mark",
    "set",
    "put",
    "give",
    "add",
    "too",
    "later",
    "maybe",
    "probably",
    "perhaps",
    "sometime",
    "eventually",
    "someday",
];

/// Hedges in front of a would-be title: "maybe", "I guess" say how sure the
/// person is, not what the task is.
const LEADING_HEDGES: &[&str] = &[
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "i think",
    "i guess",
    "i suppose",
    "kinda",
    "sort of",
    "definitely",
    "really",
    "somehow",
];

/// Trailing phrases that are about timing or certainty, not the task.
const TRAILING_FILLERS: &[&str] = &[
    "at some point",
    "some time",
    "when i get a chance",
    "when i get the chance",
    "when i have time",
    "when i can",
    "when you can",
    "if possible",
    "if you can",
    "or something",
    "or so",
    "i guess",
    "i think",
    "on it",
    "for it",
    "as well",
    "one day",
    "at some stage",
    "sooner or later",
];

/// Strips punctuation and glue words from both ends of a would-be title and
/// capitalises its first letter: "buy milk, and" -> "Buy milk".
pub fn tidy_title(raw: &str) -> String {
    let mut s = raw.trim().to_string();
    loop {
        let before = s.clone();
        s = s
            .trim_matches(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        ',' | ';' | ':' | '.' | '!' | '?' | '-' | '(' | ')' | '[' | ']'
                    )
            })
            .to_string();
        for w in TRAILING_FILLERS {
            let lower = s.to_ascii_lowercase();
            if lower.ends_with(&format!(" {w}")) {
                s.truncate(s.len() - w.len() - 1);
            }
        }
        for w in LEADING_HEDGES {
            let lower = s.to_ascii_lowercase();
            if lower.starts_with(&format!("{w} ")) {
                s = s[w.len() + 1..].to_string();
            }
        }
        for w in EDGE_WORDS {
            let lower = s.to_ascii_lowercase();
            if lower.ends_with(&format!(" {w}")) {
                s.truncate(s.len() - w.len() - 1);
            }
            let lower = s.to_ascii_lowercase();
            if lower.starts_with(&format!("{w} "))
                && !matches!(*w, "to" | "the" | "set" | "make" | "mark")
            {
                s = s[w.len() + 1..].to_string();
            }
        }
        if s == before {
            break;
        }
    }
    capitalise(&s)
}

pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A quoted part: 'like this' or "like this". Apostrophes inside words
/// ("mom's") are not quotes.
pub fn quoted(s: &str) -> Option<Range<usize>> {
    let bytes = s.as_bytes();
    for quote in [b'"', b'\''] {
        let mut start = None;
        for (i, &b) in bytes.iter().enumerate() {
            if b != quote {
                continue;
            }
            let prev_alnum = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
            let next_alnum = i + 1 < bytes.len() && bytes[i + 1].is_ascii_alphanumeric();
            match start {
                None if !prev_alnum => start = Some(i),
                Some(st) if !next_alnum && i > st + 1 => return Some(st..i + 1),
                _ => {}
            }
        }
    }
    None
}

/// Light English stemming for matching titles: "meetings" ~ "meeting",
/// "groceries" ~ "grocery".
pub fn stem(word: &str) -> String {
    let mut w = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if let Some(base) = irregular_base(&w) {
        w = base.to_string();
    }
    // Plurals first, then verb endings, so "meetings" and "meeting" both become "meet".
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 4
        && ["ches", "shes", "xes", "zes", "sses"]
            .iter()
            .any(|s| w.ends_with(s))
    {
        w.truncate(w.len() - 2);
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        w.truncate(w.len() - 1);
    }
    for suffix in ["ing", "ed"] {
        if w.len() > suffix.len() + 2 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            // "planned" -> "plan", "shopping" -> "shop" (but "called" -> "call").
            let b = w.as_bytes();
            if b.len() >= 3
                && b[b.len() - 1] == b[b.len() - 2]
                && b"bdgmnprt".contains(&b[b.len() - 1])
            {
                w.pop();
            }
            break;
        }
    }
    // "bake", "baked" and "baking" all become "bak".
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// The base form of common irregular past tenses and participles, so "the rent
/// is paid" finds "Pay rent" and "I bought milk" finds "Buy milk".
pub fn irregular_base(word: &str) -> Option<&'static str> {
    Some(match word {
        "bought" => "buy",
        "paid" => "pay",
        "did" | "done" => "do",
        "made" => "make",
        "sent" => "send",
        "wrote" | "written" => "write",
        "took" | "taken" => "take",
        "got" | "gotten" => "get",
        "went" | "gone" => "go",
        "fed" => "feed",
        "ran" => "run",
        "met" => "meet",
        "gave" | "given" => "give",
        "swept" => "sweep",
        "sold" => "sell",
        "brought" => "bring",
        "told" => "tell",
        "found" => "find",
        "left" => "leave",
        "kept" => "keep",
        "drove" | "driven" => "drive",
        "rode" | "ridden" => "ride",
        "hung" => "hang",
        "built" => "build",
        "caught" => "catch",
        "taught" => "teach",
        "won" => "win",
        "drew" | "drawn" => "draw",
        "threw" | "thrown" => "throw",
        "ate" | "eaten" => "eat",
        "came" => "come",
        "saw" | "seen" => "see",
        "spent" => "spend",
        "lent" => "lend",
        "laid" => "lay",
        "shook" | "shaken" => "shake",
        "woke" | "woken" => "wake",
        "wore" | "worn" => "wear",
        "chose" | "chosen" => "choose",
        "rang" | "rung" => "ring",
        "flew" | "flown" => "fly",
        "grew" | "grown" => "grow",
        "swam" | "swum" => "swim",
        "spoke" | "spoken" => "speak",
        "sang" | "sung" => "sing",
        "hid" | "hidden" => "hide",
        "stood" => "stand",
        "sat" => "sit",
        "slept" => "sleep",
        "dealt" => "deal",
        "sorted" => "sort",
        "fixed" => "fix",
        _ => return None,
    })
}

/// Command words worth correcting a slip in.
const COMMAND_WORDS: &[&str] = &[
    "delete",
    "remove",
    "complete",
    "completed",
    "finish",
    "finished",
    "rename",
    "change",
    "update",
    "create",
    "remind",
    "tasks",
    "pending",
    "tomorrow",
    "priority",
    "everything",
    "reopen",
    "schedule",
    "search",
    "remember",
    "mark",
    "show",
    "list",
    "task",
    "done",
    "undo",
    "what's",
    "today",
];

/// One slip apart: a swapped pair, a dropped, an extra or a wrong letter.
/// Four-letter words only count swapped pairs ("mrak"), since a wrong letter
/// there is often another word ("park").
fn one_slip(typed: &str, word: &str) -> bool {
    let (a, b) = (typed.as_bytes(), word.as_bytes());
    if a == b {
        return false;
    }
    if a.len() == b.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        let swapped = diff.len() == 2
            && diff[1] == diff[0] + 1
            && a[diff[0]] == b[diff[1]]
            && a[diff[1]] == b[diff[0]];
        return swapped || (diff.len() == 1 && b.len() >= 6);
    }
    if b.len() < 5 {
        return false;
    }
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    if long.len() != short.len() + 1 {
        return false;
    }
    let i = (0..short.len())
        .find(|&i| long[i] != short[i])
        .unwrap_or(short.len());
    long[i + 1..] == short[i..]
}

/// Fixes a slip in the first five words when it is one slip from exactly one
/// command word ("delte task 3", "shwo my tasks"). Later words are left
/// alone: they are usually the task's own words.
pub fn fix_command_typos(lower: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = lower
        .split(' ')
        .enumerate()
        .map(|(i, w)| {
            let letters = w.chars().all(|c| c.is_ascii_lowercase() || c == '\'');
            if i >= 5 || w.len() < 4 || !letters || COMMAND_WORDS.contains(&w) {
                return w.to_string();
            }
            let close: Vec<&&str> = COMMAND_WORDS.iter().filter(|c| one_slip(w, c)).collect();
            match close.as_slice() {
                [only] => {
                    changed = true;
                    only.to_string()
                }
                _ => w.to_string(),
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_tidied() {
        assert_eq!(tidy_title("buy milk, and"), "Buy milk");
        assert_eq!(tidy_title(" - call mom ."), "Call mom");
        assert_eq!(tidy_title("and with pay bills due"), "Pay bills");
        assert_eq!(tidy_title("to the gym"), "To the gym");
    }

    #[test]
    fn quotes_and_apostrophes() {
        let s = "change task 1 to 'Call mom tonight'";
        assert_eq!(&s[quoted(s).unwrap()], "'Call mom tonight'");
        assert!(quoted("pick up mom's keys").is_none());
        let s = "rename it to \"Dad's party\"";
        assert_eq!(&s[quoted(s).unwrap()], "\"Dad's party\"");
    }

    #[test]
    fn stems_agree_across_forms() {
        assert_eq!(stem("meetings"), stem("meeting"));
        assert_eq!(stem("groceries"), stem("grocery"));
        assert_eq!(stem("notes"), stem("note"));
        assert_eq!(stem("buying"), stem("buy"));
        assert_eq!(stem("boxes"), stem("box"));
        assert_eq!(stem("glass"), "glass");
    }

    #[test]
    fn command_slips_are_fixed_and_words_are_not() {
        assert_eq!(
            fix_command_typos("delte task 3").as_deref(),
            Some("delete task 3")
        );
        assert_eq!(
            fix_command_typos("shwo my tasks").as_deref(),
            Some("show my tasks")
        );
        assert_eq!(
            fix_command_typos("compelte task 2").as_deref(),
            Some("complete task 2")
        );
        assert_eq!(fix_command_typos("park the car"), None);
        assert_eq!(fix_command_typos("add milk"), None);
    }

    #[test]
    fn removal_keeps_case() {
        let p = Phrase::new("Buy  Milk tomorrow");
        let idx = p.lower().find("tomorrow").unwrap();
        let span = idx..idx + 8;
        assert_eq!(
            p.without(std::slice::from_ref(&span)).original(),
            "Buy Milk"
        );
    }
}
