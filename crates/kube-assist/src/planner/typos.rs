//! Typing slips in the words that carry a request ("sclae", "restrat", "descibe",
//! "deploymnet"). Only the two commonest slips are mended, two neighbouring
//! letters swapped and one letter left out, and only towards the registry's
//! words and the names of kinds, so a name never becomes another name. One
//! letter changed is not mended: "stale" must not become "scale".

use super::words::{is_stopword, kind_word};
use crate::ops::registry;

/// Kind names long enough to be mended (kubectl's short names are too short).
const KIND_WORDS: &[&str] = &[
    "deployment",
    "deployments",
    "service",
    "services",
    "statefulset",
    "statefulsets",
    "daemonset",
    "daemonsets",
    "namespace",
    "configmap",
    "configmaps",
    "replicas",
];

/// Shortest word mended: below this, one slip turns too many words into others.
const MIN_LEN: usize = 5;

/// Two adjacent letters swapped.
fn swapped(token: &[char], word: &[char]) -> bool {
    if token.len() != word.len() {
        return false;
    }
    let diff: Vec<usize> = (0..token.len()).filter(|&i| token[i] != word[i]).collect();
    matches!(diff.as_slice(), [i, j] if *j == i + 1 && token[*i] == word[*j] && token[*j] == word[*i])
}

/// One letter of the word left out.
fn one_left_out(token: &[char], word: &[char]) -> bool {
    if token.len() + 1 != word.len() {
        return false;
    }
    (0..word.len()).any(|skip| {
        word.iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| c)
            .eq(token.iter())
    })
}

/// The word a slipped token was meant to be, when exactly one word fits.
fn meant(token: &str) -> Option<&'static str> {
    if token.chars().count() < MIN_LEN
        || !token.chars().all(|c| c.is_ascii_lowercase())
        || is_stopword(token)
        || kind_word(token).is_some()
    {
        return None;
    }
    let vocabulary = registry::all()
        .flat_map(|s| s.words.iter().copied())
        .chain(KIND_WORDS.iter().copied())
        .filter(|w| w.len() >= MIN_LEN);
    let t: Vec<char> = token.chars().collect();
    let mut found = None;
    for w in vocabulary {
        if w == token {
            return None;
        }
        let wc: Vec<char> = w.chars().collect();
        if swapped(&t, &wc) || one_left_out(&t, &wc) {
            if found.is_some_and(|f| f != w) {
                return None;
            }
            found = Some(w);
        }
    }
    found
}

/// Mend slipped tokens in place.
pub(crate) fn correct_typos(tokens: &mut [String]) {
    for t in tokens.iter_mut() {
        if let Some(w) = meant(t) {
            *t = w.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mended(text: &str) -> Vec<String> {
        let mut t: Vec<String> = text.split(' ').map(str::to_string).collect();
        correct_typos(&mut t);
        t
    }

    #[test]
    fn swaps_and_left_out_letters_are_mended_towards_known_words_only() {
        assert_eq!(mended("sclae web"), ["scale", "web"]);
        assert_eq!(mended("restrat the api"), ["restart", "the", "api"]);
        assert_eq!(
            mended("descibe deploymnet web"),
            ["describe", "deployment", "web"]
        );
        // A changed letter is not a slip we mend, and names stay names.
        assert_eq!(mended("stale pods"), ["stale", "pods"]);
        assert_eq!(mended("scale frontned"), ["scale", "frontned"]);
        assert_eq!(mended("restart scaler"), ["restart", "scaler"]);
    }
}
