//! The tokenised request the offline planner's rules read, and which of its
//! tokens stand where a name must be.

use std::sync::Arc;

use super::discovered::DiscoveredKinds;
use super::words::{is_function_word, is_stopword, kind_word, number, quoted_names, resource_word};

/// A tokenised request with helpers to ask what it says.
pub(super) struct Request {
    pub(super) tokens: Vec<String>,
    /// The request as typed, for the few things tokens lose (`key=value` pairs).
    pub(super) raw: String,
    /// Per token: said where a name must be (see [`name_slots`]), so it names an
    /// object and is no word of what to do ("restart deployment status").
    pub(super) names: Vec<bool>,
    /// The kinds discovery found on the server, when the session looked.
    discovered: Option<Arc<DiscoveredKinds>>,
}

impl Request {
    pub(super) fn new(
        tokens: Vec<String>,
        raw: &str,
        discovered: Option<Arc<DiscoveredKinds>>,
    ) -> Self {
        let names = name_slots(&tokens, &quoted_names(raw), discovered.as_deref());
        Request {
            tokens,
            raw: raw.to_string(),
            names,
            discovered,
        }
    }

    /// The kind without a typed [`Kind`] that `w` names (see [`resource_word`]).
    pub(super) fn resource_word<'a>(&'a self, w: &'a str) -> Option<(&'a str, bool)> {
        resource_word(w, self.discovered.as_deref())
    }

    /// True when token `i` is said where a name must be.
    pub(super) fn is_name(&self, i: usize) -> bool {
        self.names.get(i).copied().unwrap_or(false)
    }

    /// The tokens that say what to do: every token but those in a name's place.
    fn words(&self) -> impl Iterator<Item = &String> {
        self.tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_name(*i))
            .map(|(_, t)| t)
    }

    pub(super) fn has(&self, w: &str) -> bool {
        self.words().any(|t| t == w)
    }

    /// True when the request says `w` anywhere, names included.
    pub(super) fn mentions(&self, w: &str) -> bool {
        self.tokens.iter().any(|t| t == w)
    }

    pub(super) fn any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.has(w))
    }

    /// Consecutive words, e.g. `phrase(&["one", "more"])`.
    pub(super) fn phrase(&self, ws: &[&str]) -> bool {
        (0..self.tokens.len().saturating_sub(ws.len() - 1)).any(|start| {
            ws.iter()
                .enumerate()
                .all(|(k, w)| self.tokens[start + k] == *w && !self.is_name(start + k))
        })
    }

    pub(super) fn pos(&self, w: &str) -> Option<usize> {
        (0..self.tokens.len()).find(|&i| self.tokens[i] == w && !self.is_name(i))
    }

    pub(super) fn starts_with_any(&self, prefixes: &[&str]) -> bool {
        self.words()
            .any(|t| prefixes.iter().any(|p| t.starts_with(p)))
    }
}

/// Words that describe which object of a kind is meant rather than name it
/// ("the whole deployment", "the new service").
const DESCRIBING: &[&str] = &[
    "whole", "entire", "current", "new", "same", "last", "first", "old", "other", "only", "main",
    "running", "broken", "failing", "right", "wrong", "previous", "next",
];

/// Which tokens stand where a name must be: a word quoted on its own, and the
/// word right after a singular kind noun ("configmap settings", "deployment
/// app", "hpa usage") unless that noun already follows its name ("the web
/// service status"). Grammar words, numbers, kinds and flags are never names.
/// A stopword elsewhere stays a word of what to do.
fn name_slots(
    tokens: &[String],
    quoted: &[String],
    discovered: Option<&DiscoveredKinds>,
) -> Vec<bool> {
    let singular_kind = |w: &str| {
        kind_word(w).is_some_and(|(_, plural)| !plural)
            || resource_word(w, discovered).is_some_and(|(_, plural)| !plural)
    };
    let nameable = |w: &str| {
        !is_function_word(w)
            && kind_word(w).is_none()
            && resource_word(w, discovered).is_none()
            && number(w).is_none()
            && !w.starts_with('-')
            && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
    };
    let plain_name = |w: &str| nameable(w) && !is_stopword(w);
    // "which pod uses", "is any node under", "my pod": a kind noun after such a
    // determiner means any object of the kind, so no name follows it.
    let generic = |w: &str| {
        matches!(
            w,
            "a" | "an"
                | "any"
                | "every"
                | "each"
                | "some"
                | "no"
                | "which"
                | "what"
                | "whats"
                | "whichever"
                | "my"
                | "our"
                | "your"
                | "their"
                | "its"
        )
    };
    (0..tokens.len())
        .map(|i| {
            let w = tokens[i].as_str();
            if quoted.iter().any(|q| q == w) {
                // Quoted, even a kind's word is a name ("delete service 'events'").
                return number(w).is_none() && !w.starts_with('-');
            }
            // "scale the app deployment to 4": a word between "the" and a singular
            // kind noun that no name follows is that object's name, even a common word.
            if nameable(w)
                && i > 0
                && tokens[i - 1] == "the"
                && tokens.get(i + 1).is_some_and(|k| singular_kind(k))
                && tokens
                    .get(i + 2)
                    .is_none_or(|after| !plain_name(after) && !quoted.iter().any(|q| q == after))
                && !DESCRIBING.contains(&w)
            {
                return true;
            }
            if !nameable(w) || i == 0 || !singular_kind(&tokens[i - 1]) {
                return false;
            }
            let before = (i > 1).then(|| tokens[i - 2].as_str());
            !before.is_some_and(|b| plain_name(b) || quoted.iter().any(|q| q == b) || generic(b))
        })
        .collect()
}
