//! Requests naming a kind only discovery knows ("list crontabs", "describe
//! widget w1", "delete the crontab nightly"): planned with the server's kinds
//! when the words need them, and a question when a word names both a kind and
//! an object.
//!
//! The planner reads words only; discovery, read here, only says which words name kinds.

use std::sync::Arc;

use crate::error::AssistError;
use crate::ops::Operation;
use crate::planner::{DiscoveredKinds, PlanContext, Planned, may_name_a_discovered_kind, offline};
use crate::resolve::{Purpose, Resolver};

/// What the offline planner made of a request, with the server's kinds.
pub enum OfflineReading {
    Planned(Planned),
    /// A word names both a kind and an object: the text asks which was meant.
    Ambiguous(String),
}

/// Plan `request` offline from its words; when a word the planner's own lists do
/// not know may be a kind the server serves, read discovery and plan again with
/// its kinds. The kind reading wins unless the word the first plan took for a
/// name is also an object's name: then the operator is asked. The CLI's runner
/// and the in-cluster agent both plan through here.
pub async fn plan_offline(resolver: &Resolver, request: &str, ctx: &PlanContext) -> OfflineReading {
    let first = offline::plan(request, ctx);
    if ctx.discovered.is_some() || !may_name_a_discovered_kind(request, &first) {
        return OfflineReading::Planned(first);
    }
    let kinds = match resolver.catalog().await {
        Ok(catalog) => Arc::new(DiscoveredKinds::from_resources(&catalog.resources)),
        // Without discovery the built-in reading stands; its own resolution
        // says what is wrong with the cluster connection.
        Err(e) => {
            tracing::debug!(error = %e, "discovery unavailable, planning with built-in kinds");
            return OfflineReading::Planned(first);
        }
    };
    let with_kinds = PlanContext {
        discovered: Some(kinds.clone()),
        ..ctx.clone()
    };
    let second = offline::plan(request, &with_kinds);
    if second == first {
        return OfflineReading::Planned(first);
    }
    if let Planned::Plan(plan) = &first {
        for t in plan.steps.iter().filter_map(Operation::target) {
            let Some(word) = t
                .name
                .as_deref()
                .filter(|_| t.kind.is_none() && t.resource.is_none())
            else {
                continue;
            };
            let Some((resource, _)) = kinds.lookup(word) else {
                continue;
            };
            let objects = match resolver.resolve(t, Purpose::Any).await {
                Ok(found) => vec![found.to_string()],
                Err(AssistError::Ambiguous { candidates, .. }) => candidates,
                Err(_) => continue,
            };
            return OfflineReading::Ambiguous(format!(
                "\"{word}\" names both a kind the server serves ({resource}) and {}, so I do not guess which you mean. \
                 For the kind say \"list {resource}\" (or kubectl-assist get {resource}); for the object give its kind, e.g. \"{}\".",
                objects.join(", "),
                objects
                    .first()
                    .and_then(|o| o.split(" in namespace").next())
                    .map(|o| o.replace('/', " "))
                    .unwrap_or_else(|| format!("deployment {word}")),
            ));
        }
    }
    OfflineReading::Planned(second)
}
