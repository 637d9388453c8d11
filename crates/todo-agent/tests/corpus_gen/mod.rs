//! The paraphrase generator of the tuning corpus: templates × verb synonyms ×
//! word orders × polite fillers × typos, each with the exact tool calls it
//! must produce against the seed tasks of `common::seed` (1 Buy groceries,
//! 2 Call mom, 3 Team meeting prep #work high, 4 Dentist appointment (Mon
//! 10:00), 5 Pay bills (done), 6 Finish quarterly report #work, 7 Book flights
//! (done), 8 Water the plants, 9 Gym session low, 10 Renew passport), with the
//! clock at Friday 2026-11-20 10:00 UTC.
//!
//! Deterministic: the same cases every run, picked by a fixed stride rather
//! than randomness, so a miss always names the same sentence.
#![allow(dead_code)]

mod adds;
mod by_number;
mod facts;
mod listings;
mod several;
mod undos;
mod unsure;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub family: String,
    pub message: String,
    pub calls: Vec<ExpectedCall>,
    #[serde(default)]
    pub history: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ExpectedCall {
    pub tool: String,
    pub input: Value,
}

fn call(tool: &str, input: Value) -> ExpectedCall {
    ExpectedCall {
        tool: tool.to_string(),
        input,
    }
}

fn case(family: &str, message: String, calls: Vec<ExpectedCall>) -> Case {
    Case {
        family: family.to_string(),
        message,
        calls,
        history: Vec::new(),
    }
}

const PREFIXES: &[&str] = &[
    "",
    "please ",
    "can you ",
    "could you please ",
    "hey, ",
    "ok ",
];
const SUFFIXES: &[&str] = &["", " please", " thanks", "!", " now", "."];

/// Common slips of the keys in the command word (swapped or dropped letter).
const TYPOS: &[(&str, &str)] = &[
    ("delete", "delte"),
    ("delete", "deleet"),
    ("remove", "remvoe"),
    ("complete", "compelte"),
    ("complete", "complet"),
    ("mark", "mrak"),
    ("show", "shwo"),
    ("list", "lsit"),
    ("finish", "finsih"),
    ("remind", "remnid"),
    ("create", "craete"),
];

fn typo_of(word: &str, k: usize) -> Option<&'static str> {
    let options: Vec<&str> = TYPOS
        .iter()
        .filter(|(w, t)| *w == word && *t != word)
        .map(|(_, t)| *t)
        .collect();
    (!options.is_empty()).then(|| options[k % options.len()])
}

fn dress(core: &str, k: usize) -> String {
    let prefix = PREFIXES[k % PREFIXES.len()];
    let suffix = SUFFIXES[(k / PREFIXES.len()) % SUFFIXES.len()];
    format!("{prefix}{core}{suffix}")
}

/// Replaces the first word with a typo every fourth case, when one is known.
fn maybe_typo(core: &str, k: usize) -> String {
    if k % 4 != 3 {
        return core.to_string();
    }
    let (first, rest) = core.split_once(' ').unwrap_or((core, ""));
    match typo_of(first, k / 4) {
        Some(t) if rest.is_empty() => t.to_string(),
        Some(t) => format!("{t} {rest}"),
        None => core.to_string(),
    }
}

const PENDING: &[i64] = &[1, 2, 3, 4, 6, 8, 9, 10];
const DONE: &[i64] = &[5, 7];

/// Every generated case.
pub fn generate() -> Vec<Case> {
    let mut out = Vec::new();
    by_number::by_number(&mut out);
    listings::listings(&mut out);
    adds::adds(&mut out);
    facts::facts(&mut out);
    several::several(&mut out);
    undos::undos(&mut out);
    unsure::unsure(&mut out);
    out
}
