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
            break;
        }
    }
    w
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
