//! Environment variables from words: "set env LOG_LEVEL=debug on the backend",
//! "kubectl set env deployment/api DEBUG-", "remove the env var DEBUG from web",
//! "add the keys of secret creds as env vars to web". Names and values are read
//! from the request as typed (tokens are lowercased; variable names are not).

use std::collections::BTreeMap;

use super::names::target;
use super::offline::Request;
use super::questions;
use super::{PlanContext, Planned};
use crate::ops::registry::words;
use crate::ops::*;

/// Whether a word is a variable name as the kubelet accepts it (C identifiers,
/// plus the dots and dashes Kubernetes allows).
fn is_var_name(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Words that remove variables when no `KEY-` says so.
const REMOVING: [&str; 6] = ["remove", "unset", "delete", "drop", "clear", "without"];

/// Words of the request as typed, without the quotes and commas around them.
fn raw_words(raw: &str) -> Vec<&str> {
    raw.split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '`')))
        .filter(|w| !w.is_empty())
        .collect()
}

/// `KEY=VALUE` and `KEY-` of the request; with a removing word and no `KEY=`,
/// the variable names written in capitals ("remove DEBUG from web").
fn variables(r: &Request) -> (BTreeMap<String, String>, Vec<String>) {
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    for w in raw_words(&r.raw) {
        if w.starts_with('-') {
            continue;
        }
        match w.split_once('=') {
            Some((k, v)) if is_var_name(k) => {
                set.insert(k.to_string(), v.to_string());
            }
            Some(_) => {}
            None => {
                if let Some(k) = w.strip_suffix('-')
                    && is_var_name(k)
                    && k.chars().any(|c| c.is_ascii_uppercase())
                {
                    remove.push(k.to_string());
                }
            }
        }
    }
    if set.is_empty() && remove.is_empty() && r.any(&REMOVING) {
        remove = raw_words(&r.raw)
            .into_iter()
            .filter(|w| {
                w.len() >= 2
                    && is_var_name(w)
                    && w.chars().any(|c| c.is_ascii_uppercase())
                    && !w.chars().any(|c| c.is_ascii_lowercase())
            })
            .map(str::to_string)
            .collect();
    }
    (set, remove)
}

/// The word after any of `after` ("container api", "-c api"), as typed.
fn word_after(r: &Request, after: &[&str]) -> Option<String> {
    r.tokens
        .iter()
        .position(|t| after.contains(&t.as_str()))
        .and_then(|i| r.tokens.get(i + 1))
        .filter(|w| !matches!(w.as_str(), "the" | "a" | "named" | "called"))
        .cloned()
}

/// A `set env`, if the request asks for one.
pub(super) fn plan_set_env(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
    // A registry word said as a word, not as the key of a pair ("label web
    // env=prod" is a label); labels and annotations are their own operation.
    let said = raw_words(&r.raw).into_iter().any(|w| {
        let w = w.to_lowercase();
        words("set_env").contains(&w.trim_end_matches(['.', ',', '?']))
    });
    if !said
        || r.any(&[
            "label",
            "labels",
            "annotate",
            "annotation",
            "annotations",
            "unlabel",
        ])
    {
        return Ok(None);
    }
    let (env, remove) = variables(r);
    // `--from=secret/NAME` (kubectl), or "from (the) secret NAME" / "secret NAME".
    let from_secret = r
        .tokens
        .iter()
        .find_map(|t| t.strip_prefix("--from=secret/").map(str::to_string))
        .or_else(|| word_after(r, &["secret"]).filter(|w| !w.starts_with('-')));
    if env.is_empty() && remove.is_empty() && from_secret.is_none() {
        // "what env vars does web have": a question, answered by describing it.
        if questions::opens_a_question(r) {
            return Ok(None);
        }
        return Err(Planned::Unplannable(
            "Which variables? e.g. \"set env LOG_LEVEL=debug on the backend\", or \"remove env DEBUG from the backend\".".into(),
        ));
    }
    let typed = raw_words(&r.raw);
    let container = typed
        .iter()
        .position(|w| *w == "-c" || *w == "--container")
        .and_then(|i| typed.get(i + 1))
        .map(|w| w.to_lowercase())
        .or_else(|| word_after(r, &["container"]))
        .or_else(|| {
            typed
                .iter()
                .find_map(|w| w.strip_prefix("--container=").map(str::to_lowercase))
        });
    let mut skip: Vec<String> = [
        "env",
        "environment",
        "envvar",
        "envvars",
        "variable",
        "variables",
        "var",
        "vars",
        "unset",
        "drop",
        "clear",
        "keys",
        "key",
        "values",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (k, v) in &env {
        skip.push(k.to_lowercase());
        skip.extend(super::words::tokenize(v));
    }
    skip.extend(remove.iter().map(|k| k.to_lowercase()));
    skip.extend(container.iter().cloned());
    skip.extend(from_secret.iter().cloned());
    let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
    let target = target(r, ctx, &skip).ok_or_else(|| {
        Planned::Unplannable(
            "Which workload gets the variables? e.g. \"set env LOG_LEVEL=debug on the backend\"."
                .into(),
        )
    })?;
    Ok(Some(Operation::SetEnv(SetEnvOp {
        target,
        container,
        env,
        remove,
        from_secret,
    })))
}
