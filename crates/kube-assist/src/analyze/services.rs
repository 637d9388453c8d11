//! Services: selectors that match no pod, and matching pods that are not ready.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{Finding, Severity, Snapshot, object_ref, selector_matches};
use crate::ops::{Kind, Operation, PatchOp};

pub(super) fn analyze(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for svc in &s.services {
        let Some(spec) = &svc.spec else { continue };
        if spec.type_.as_deref() == Some("ExternalName") {
            continue;
        }
        let Some(selector) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let me = object_ref(Kind::Service, &svc.metadata);
        let ns = svc.metadata.namespace.as_deref();
        let pods: Vec<_> = s
            .pods
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == ns)
            .collect();
        let matching: Vec<_> = pods
            .iter()
            .filter(|p| selector_matches(selector, p.metadata.labels.as_ref()))
            .collect();
        let selector_text = selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        if matching.is_empty() {
            let mut f = Finding::new(
                me.clone(),
                Severity::Critical,
                "services",
                "SelectorMismatch",
                format!("its selector {selector_text} matches no pod, so it sends traffic nowhere"),
            )
            .evidence(format!(
                "{} pods in namespace {}",
                pods.len(),
                ns.unwrap_or("")
            ));
            // Near misses: pods that agree on every key but one. Their value for that
            // key is the likely intended one.
            let mut candidates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for p in &pods {
                let Some(labels) = &p.metadata.labels else {
                    continue;
                };
                let off: Vec<&String> = selector
                    .keys()
                    .filter(|k| labels.get(*k) != selector.get(*k))
                    .collect();
                if off.len() == 1
                    && let Some(v) = labels.get(off[0])
                {
                    candidates
                        .entry(off[0].clone())
                        .or_default()
                        .insert(v.clone());
                }
            }
            for (k, vs) in &candidates {
                f = f.evidence(format!(
                    "pods nearby carry {k}={}",
                    vs.iter().cloned().collect::<Vec<_>>().join(" or ")
                ));
            }
            f = f
                .advice("make spec.selector match the labels of the pods the Service should reach");
            // Propose a fix only for a near miss: one key off, and one value close to
            // the selector's (a typo, a prefix), so the guess is safe to show.
            if candidates.len() == 1 {
                let (k, vs) = candidates.iter().next().expect("one candidate");
                let wanted = selector.get(k).map(String::as_str).unwrap_or("");
                let close: Vec<&String> = vs.iter().filter(|v| similar(wanted, v)).collect();
                if close.len() == 1 {
                    f = f.evidence(format!("likely meant {k}={}", close[0]));
                    f = f.fix(Operation::Patch(PatchOp {
                        patch_type: Default::default(),
                        target: me.to_target(),
                        patch: json!({"spec": {"selector": {k: close[0]}}}),
                    }));
                }
            }
            out.push(f);
            continue;
        }
        let endpoints = s.endpoints.iter().find(|e| {
            e.metadata.name == svc.metadata.name && e.metadata.namespace.as_deref() == ns
        });
        let ready: usize = endpoints
            .map(|e| {
                e.subsets
                    .iter()
                    .flatten()
                    .map(|ss| ss.addresses.as_ref().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0);
        let not_ready: usize = endpoints
            .map(|e| {
                e.subsets
                    .iter()
                    .flatten()
                    .map(|ss| ss.not_ready_addresses.as_ref().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0);
        if ready == 0 {
            out.push(
                Finding::new(
                    me,
                    Severity::Critical,
                    "services",
                    "NoReadyEndpoints",
                    format!(
                        "{} pods match its selector but none is ready, so it has no endpoints",
                        matching.len()
                    ),
                )
                .evidence(format!(
                    "selector {selector_text}; endpoints ready 0, not ready {not_ready}"
                ))
                .advice(
                    "see the findings about the matching pods (failing readiness probes, crashes)",
                ),
            );
        }
    }
    out
}

/// Two label values that are probably the same thing mistyped: one is a prefix of
/// the other, or they differ by at most two edits.
pub(super) fn similar(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.starts_with(b) || b.starts_with(a) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    #[test]
    fn similar_values() {
        assert!(super::similar("webapp", "web"));
        assert!(super::similar("backnd", "backend"));
        assert!(!super::similar("web", "chatty"));
        assert!(!super::similar("frontend", "backend"));
    }
}
