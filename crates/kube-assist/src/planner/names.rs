//! What a request is about: the object it names (kind/name, "the backend pods",
//! a pronoun for the session's last object) and the namespace it says.

use super::discovered::DiscoveredKinds;
use super::offline::Request;
use super::words::{is_image, is_stopword, kind_word, number, quantity, resource_word};
use super::{PlanContext, Planned};
use crate::ops::*;

pub(super) fn set_namespace(op: &mut Operation, ns: Option<&str>) {
    let Some(ns) = ns else { return };
    match op {
        Operation::List(o) => o.namespace = Some(ns.into()),
        Operation::Health(o) => o.namespace = Some(ns.into()),
        Operation::CreateConfigmap(o) => o.namespace = Some(ns.into()),
        Operation::CreateSecret(o) => o.namespace = Some(ns.into()),
        Operation::CreateDeployment(o) => o.namespace = Some(ns.into()),
        Operation::Events(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        Operation::Diagnose(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        Operation::Fix(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        Operation::Optimize(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        other => {
            if let Some(t) = other.target_mut() {
                t.namespace = Some(ns.into());
            }
        }
    }
}

/// Remove "in namespace X" / "in the X namespace" / "-n X" and return X. A
/// request about objects of a kind that ends "in X" ("what pods are running in
/// todo") names a namespace too: kinds live in namespaces, not in other objects.
pub(super) fn take_namespace(
    tokens: &mut Vec<String>,
    discovered: Option<&DiscoveredKinds>,
) -> Option<String> {
    let named = take_named_namespace(tokens);
    if named.is_some() {
        return named;
    }
    let n = tokens.len();
    // "KIND NAME in X" ("restart deployment web in staging"): an object is
    // named, so X is where it lives.
    if n >= 4
        && tokens[n - 2] == "in"
        && !is_stopword(&tokens[n - 1])
        && kind_word(&tokens[n - 1]).is_none()
        && (kind_word(&tokens[n - 4]).is_some_and(|(k, plural)| !plural && !k.is_cluster_scoped())
            || resource_word(&tokens[n - 4], discovered).is_some_and(|(_, plural)| !plural))
        && !is_stopword(&tokens[n - 3])
    {
        let ns = tokens[n - 1].clone();
        tokens.truncate(n - 2);
        return Some(ns);
    }
    if n >= 3
        && tokens[n - 2] == "in"
        && !is_stopword(&tokens[n - 1])
        && kind_word(&tokens[n - 1]).is_none()
        && (tokens[..n - 2].iter().any(|t| {
            // "whatever is broken in staging": no object, so a namespace.
            matches!(
                t.as_str(),
                "images" | "everything" | "anything" | "whatever" | "something"
            ) || kind_word(t).is_some_and(|(_, plural)| plural)
                || resource_word(t, discovered).is_some_and(|(_, plural)| plural)
        }) || tokens[n - 3] == "running")
    {
        let ns = tokens[n - 1].clone();
        tokens.truncate(n - 2);
        return Some(ns);
    }
    None
}

fn take_named_namespace(tokens: &mut Vec<String>) -> Option<String> {
    let n = tokens.len();
    for i in 0..n {
        let t = tokens[i].as_str();
        if (t == "namespace" || t == "ns" || t == "-n" || t == "--namespace")
            && i + 1 < n
            && !is_stopword(&tokens[i + 1])
        {
            let ns = tokens[i + 1].clone();
            let start = if i > 0
                && matches!(
                    tokens[i - 1].as_str(),
                    "in" | "from" | "of" | "within" | "inside"
                ) {
                i - 1
            } else {
                i
            };
            tokens.drain(start..=i + 1);
            return Some(ns);
        }
        if (t == "namespace" || t == "ns") && i > 0 && !is_stopword(&tokens[i - 1]) {
            let ns = tokens[i - 1].clone();
            let mut start = i - 1;
            if start > 0 && tokens[start - 1] == "the" {
                start -= 1;
            }
            if start > 0
                && matches!(
                    tokens[start - 1].as_str(),
                    "in" | "from" | "of" | "within" | "inside"
                )
            {
                start -= 1;
            }
            tokens.drain(start..=i);
            return Some(ns);
        }
    }
    None
}

pub(super) const PRONOUNS: [&str; 5] = ["it", "them", "that", "this", "same"];

/// The object a request is about, as named.
pub(super) fn target(r: &Request, ctx: &PlanContext, skip: &[&str]) -> Option<Target> {
    let toks = &r.tokens;
    // kind/name, as kubectl writes it.
    for t in toks {
        if let Some((k, n)) = t.split_once('/')
            && let Some((kind, _)) = kind_word(k)
            && !n.is_empty()
        {
            return Some(Target::named(Some(kind), n));
        }
        if let Some((k, n)) = t.split_once('/')
            && let Some((resource, _)) = r.resource_word(k)
            && !n.is_empty()
        {
            return Some(of_resource(resource, n));
        }
    }
    let candidate = |w: &str| -> bool {
        !is_stopword(w)
            && kind_word(w).is_none()
            && r.resource_word(w).is_none()
            && number(w).is_none()
            && quantity(w).is_none()
            && !is_image(w)
            && !skip.contains(&w)
            && !w.starts_with('-')
            && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    };
    // A word in a name's place (quoted, or right after a kind noun) is a name
    // even when it is a common word; any other word is one only if it is no
    // stopword.
    let candidate_at = |i: usize| -> bool {
        let w = toks[i].as_str();
        (r.is_name(i) && !skip.contains(&w) && !is_image(w) && quantity(w).is_none())
            || candidate(w)
    };
    for (i, t) in toks.iter().enumerate() {
        if let Some((kind, plural)) = kind_word(t) {
            // "pod backend-1" / "deployment frontend"
            if let Some(next) = toks.get(i + 1)
                && candidate_at(i + 1)
            {
                return Some(Target::named(
                    if plural { None } else { Some(kind) },
                    next.as_str(),
                ));
            }
            // "the backend pods" / "the frontend deployment"
            if i > 0 && candidate_at(i - 1) {
                let kind = if plural || kind == Kind::Pod {
                    None
                } else {
                    Some(kind)
                };
                return Some(Target::named(kind, toks[i - 1].as_str()));
            }
        }
    }
    // "ingress web", "the web ingress", "hpa web": kinds found by discovery.
    for (i, t) in toks.iter().enumerate() {
        if let Some((resource, _)) = r.resource_word(t) {
            if let Some(next) = toks.get(i + 1)
                && candidate_at(i + 1)
            {
                return Some(of_resource(resource, next));
            }
            if i > 0 && candidate_at(i - 1) {
                return Some(of_resource(resource, &toks[i - 1]));
            }
        }
    }
    if let Some(i) = (0..toks.len()).find(|&i| candidate_at(i)) {
        return Some(Target::named(None, counted_singular(toks, i)));
    }
    if r.any(&PRONOUNS) || ctx.last_target.is_some() {
        return ctx.last_target.clone();
    }
    None
}

/// An object of a kind discovery resolves.
fn of_resource(resource: &str, name: &str) -> Target {
    Target {
        resource: Some(resource.to_string()),
        ..Target::named(None, name)
    }
}

/// A name counted like a noun ("3 frontends", "two more workers") is the plural
/// of the workload's name: the count is of its replicas.
fn counted_singular(toks: &[String], i: usize) -> &str {
    let name = toks[i].as_str();
    let counted = match i {
        0 => false,
        _ if number(&toks[i - 1]).is_some() => true,
        _ => {
            i >= 2
                && matches!(
                    toks[i - 1].as_str(),
                    "more" | "fewer" | "less" | "extra" | "additional"
                )
                && number(&toks[i - 2]).is_some()
        }
    };
    match name.strip_suffix('s') {
        Some(stem) if counted && stem.len() >= 3 && !stem.ends_with('s') => stem,
        _ => name,
    }
}

pub(super) fn need_target(r: &Request, ctx: &PlanContext, what: &str) -> Result<Target, Planned> {
    target(r, ctx, &[]).ok_or_else(|| {
        Planned::Unplannable(format!(
            "Which workload should I {what}? Name it, e.g. \"{what} the frontend\"."
        ))
    })
}

/// True when the target came only from the session memory, not from the words.
pub(super) fn is_ctx_only(r: &Request, t: &Target, ctx: &PlanContext) -> bool {
    ctx.last_target.as_ref() == Some(t)
        && !r.any(&PRONOUNS)
        && !t.name.as_ref().is_some_and(|n| r.mentions(n))
}
