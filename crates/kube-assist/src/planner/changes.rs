//! Parsing how a request changes things: replica counts ("double", "one more",
//! "to 3") and resource quantities ("memory limit 512Mi").

use super::names::target;
use super::offline::Request;
use super::words::{is_stopword, number, quantity};
use super::{PlanContext, Planned};
use crate::ops::registry::words;
use crate::ops::*;

/// Verbs that change a count when a count or a direction goes with them.
const CHANGE_VERBS: &[&str] = &[
    "increase", "decrease", "reduce", "grow", "shrink", "cut", "raise", "lower", "bump", "bring",
    "take", "drop", "trim",
];

/// Verbs that state how many are needed: "we need 3", "keep 2 running".
const NEED_VERBS: &[&str] = &[
    "need", "needs", "want", "wants", "have", "keep", "run", "let", "lets", "should",
];

/// Words that count replicas: "3 replicas", "two copies", "5 pods".
fn is_unit(w: &str) -> bool {
    matches!(
        w,
        "replica" | "replicas" | "instance" | "instances" | "copies" | "copy" | "pods" | "pod"
    )
}

/// "3 replicas", "3 web pods": a count before a unit, one name between at most.
fn counted_unit(toks: &[String]) -> Option<u32> {
    toks.iter().enumerate().find_map(|(i, t)| {
        let n = number(t)?;
        let unit_at = |j: usize| toks.get(j).is_some_and(|w| is_unit(w));
        (unit_at(i + 1) || (unit_at(i + 2) && !is_stopword(&toks[i + 1]))).then_some(n)
    })
}

/// "3 frontends": a count before a plural word that is no stopword (a name).
fn counted_name(toks: &[String]) -> Option<u32> {
    toks.windows(2).find_map(|w| {
        let n = number(&w[0])?;
        (w[1].len() > 3 && w[1].ends_with('s') && !is_stopword(&w[1])).then_some(n)
    })
}

fn direction(r: &Request) -> i32 {
    let down = r.any(&[
        "scaledown",
        "decrease",
        "reduce",
        "remove",
        "fewer",
        "less",
        "lower",
        "shrink",
        "drop",
        "cut",
    ]) || r.phrase(&["down", "by"]);
    if down { -1 } else { 1 }
}
pub(super) fn replica_change(r: &Request) -> Result<Option<ReplicaChange>, Planned> {
    let scale_words = r.any(words("scale"));
    let relative_words = r.any(&["double", "triple", "quadruple", "halve", "twice"])
        || r.phrase(&["by", "half"])
        || r.phrase(&["in", "half"])
        || r.phrase(&["half", "as", "many"])
        || r.phrase(&["twice", "as", "many"])
        || r.phrase(&["one", "more"])
        || r.phrase(&["one", "less"])
        || r.phrase(&["one", "fewer"]);
    // "by 50%", "25 percent more": relative to the current count.
    let percent_at = r.tokens.windows(2).position(|w| {
        number(&w[0]).is_some() && matches!(w[1].as_str(), "percent" | "pct" | "per-cent")
    });
    let change_words = r.any(&[
        "increase",
        "decrease",
        "reduce",
        "grow",
        "shrink",
        "cut",
        "raise",
        "lower",
        "more",
        "less",
        "fewer",
        "scaleup",
        "scaledown",
        "up",
        "down",
        "bump",
    ]);
    let stop = r.any(&["stop"]) || r.phrase(&["shut", "down"]) || r.phrase(&["turn", "off"]);
    let counted_change = r.any(&["increase", "decrease", "reduce", "add", "remove"])
        && r.starts_with_any(&["replica", "instance", "cop"]);
    let percent_change = percent_at.is_some() && (scale_words || change_words);
    let toks = &r.tokens;
    let has_count = toks.iter().any(|t| number(t).is_some());
    // Verbs of change with a count or a direction: "bump the frontend to 4",
    // "shrink the backend to 1", "bring the api down to one". Bare "bump" and
    // "shrink" are one step.
    let change_verb = r.any(CHANGE_VERBS)
        && (has_count
            || r.any(&["up", "down", "number", "count"])
            || toks.iter().any(|t| is_unit(t)))
        || r.any(&["bump", "shrink"]);
    // A count of replicas, said as what is needed: "we need 3 frontends",
    // "keep 3 web pods running", "have 2 replicas of web".
    let need = r.any(NEED_VERBS) && (counted_unit(toks).is_some() || counted_name(toks).is_some());
    // "two more frontends", "add 3 more api pods".
    let n_more = toks
        .windows(2)
        .any(|w| number(&w[0]).is_some() && matches!(w[1].as_str(), "more" | "fewer" | "less"));
    // "web down to 2".
    let down_to = toks
        .windows(3)
        .any(|w| matches!(w[0].as_str(), "down" | "up") && w[1] == "to" && number(&w[2]).is_some());
    let about_lines = r.any(&["line", "lines", "log", "logs"]);
    if about_lines
        || !(scale_words
            || relative_words
            || stop
            || counted_change
            || percent_change
            || change_verb
            || need
            || n_more
            || down_to)
    {
        return Ok(None);
    }
    let counting = scale_words || change_verb || need || down_to;
    if let Some(i) = percent_at.filter(|_| percent_change) {
        let n = number(&r.tokens[i]).unwrap_or(0) as i32;
        let sign = match r.tokens.get(i + 2).map(String::as_str) {
            Some("more" | "extra" | "additional" | "up") => 1,
            Some("less" | "fewer" | "down") => -1,
            _ => direction(r),
        };
        return Ok(Some(ReplicaChange::Percent(sign * n)));
    }
    if r.any(&["double", "twice"]) || r.starts_with_any(&["2x"]) || r.has("x2") {
        return Ok(Some(ReplicaChange::Times(2.0)));
    }
    if r.has("triple") || r.has("3x") {
        return Ok(Some(ReplicaChange::Times(3.0)));
    }
    if r.has("quadruple") {
        return Ok(Some(ReplicaChange::Times(4.0)));
    }
    if r.has("halve")
        || r.phrase(&["by", "half"])
        || r.phrase(&["in", "half"])
        || r.phrase(&["half", "as", "many"])
    {
        return Ok(Some(ReplicaChange::Times(0.5)));
    }
    // "--replicas=3" / "replicas=3"
    for t in &r.tokens {
        if let Some(v) = t
            .strip_prefix("--replicas=")
            .or_else(|| t.strip_prefix("replicas="))
        {
            return v
                .parse()
                .map(|n| Some(ReplicaChange::To(n)))
                .map_err(|_| Planned::Unplannable(format!("\"{v}\" is not a replica count")));
        }
    }
    // "by N" is relative; "N more" / "N fewer" too.
    for (i, t) in toks.iter().enumerate() {
        if t == "by"
            && let Some(n) = toks.get(i + 1).and_then(|w| number(w))
        {
            return Ok(Some(ReplicaChange::By(direction(r) * n as i32)));
        }
        if let Some(n) = number(t)
            && let Some(next) = toks.get(i + 1)
        {
            if matches!(next.as_str(), "more" | "extra" | "additional") {
                return Ok(Some(ReplicaChange::By(n as i32)));
            }
            if matches!(next.as_str(), "less" | "fewer") {
                return Ok(Some(ReplicaChange::By(-(n as i32))));
            }
        }
    }
    if r.any(&["another", "extra"])
        || (r.has("add") && !toks.iter().any(|t| number(t).is_some_and(|n| n > 1)))
    {
        if let Some(n) = toks.iter().find_map(|t| number(t)).filter(|_| r.has("add")) {
            return Ok(Some(ReplicaChange::By(n as i32)));
        }
        return Ok(Some(ReplicaChange::By(1)));
    }
    if r.has("add")
        && let Some(n) = toks.iter().find_map(|t| number(t))
    {
        return Ok(Some(ReplicaChange::By(n as i32)));
    }
    if r.has("remove") && r.starts_with_any(&["replica", "instance", "cop"]) {
        let n = toks.iter().find_map(|t| number(t)).unwrap_or(1);
        return Ok(Some(ReplicaChange::By(-(n as i32))));
    }
    // An absolute count: the number after "to", else the number before "replicas", else any number.
    let after_to = toks.iter().enumerate().find_map(|(i, t)| {
        (t == "to" || t == "at")
            .then(|| toks.get(i + 1).and_then(|w| number(w)))
            .flatten()
    });
    if let Some(n) = after_to
        .or_else(|| counted_unit(toks))
        .or_else(|| counted_name(toks).filter(|_| need))
        .or_else(|| toks.iter().find_map(|t| number(t)).filter(|_| counting))
    {
        return Ok(Some(ReplicaChange::To(n)));
    }
    if stop {
        return Ok(Some(ReplicaChange::To(0)));
    }
    let down_words = [
        "scaledown",
        "decrease",
        "reduce",
        "fewer",
        "less",
        "shrink",
        "down",
    ];
    if r.any(&down_words) {
        return Ok(Some(ReplicaChange::By(-1)));
    }
    if r.any(&["scaleup", "increase", "more", "bump", "grow", "up"]) {
        return Ok(Some(ReplicaChange::By(1)));
    }
    if r.has("scale") {
        return Err(Planned::Unplannable("To how many replicas? e.g. \"scale the frontend to 3 replicas\" or \"double the frontend\".".into()));
    }
    Ok(None)
}
/// "set the memory limit of the backend to 512Mi", "give the frontend 250m cpu".
pub(super) fn resources(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
    let resource_words = r.any(&["cpu", "memory", "mem", "ram", "cores", "core"]);
    let field_words = r.any(&[
        "limit",
        "limits",
        "request",
        "requests",
        "resources",
        "requests/limits",
    ]);
    let has_quantity = r.tokens.iter().any(|t| {
        quantity(t).is_some_and(|(_, mem, cpu)| mem || cpu)
            || number(t).is_some()
            || quantity(t).is_some()
    });
    if !(has_quantity
        && (resource_words
            || (field_words
                && r.tokens
                    .iter()
                    .any(|t| quantity(t).is_some_and(|(_, m, c)| m || c)))))
    {
        return Ok(None);
    }
    if r.any(&["optimize", "optimise", "recommend"]) {
        return Ok(None);
    }
    let mut requests = ResourceValues::default();
    let mut limits = ResourceValues::default();
    let mut field: Option<&str> = None;
    let mut resource: Option<&str> = None;
    let toks = &r.tokens;
    let verb_limit = r.tokens.first().is_some_and(|t| t == "limit" || t == "cap");
    for (i, t) in toks.iter().enumerate() {
        match t.as_str() {
            "limit" | "limits" | "cap" | "max" | "maximum" => field = Some("limits"),
            "request" | "requests" | "reserve" | "guarantee" | "minimum" => {
                field = Some("requests")
            }
            "cpu" | "cores" | "core" => resource = Some("cpu"),
            "memory" | "mem" | "ram" => resource = Some("memory"),
            _ => {}
        }
        let Some((q, mem_unit, cpu_unit)) = quantity(t) else {
            continue;
        };
        let next = toks.get(i + 1).map(String::as_str);
        let res = if mem_unit {
            "memory"
        } else if cpu_unit || matches!(next, Some("cpu" | "cores" | "core")) {
            "cpu"
        } else if matches!(next, Some("memory" | "mem" | "ram")) {
            "memory"
        } else if let Some(r) = resource {
            r
        } else {
            continue;
        };
        if res == "memory" && !mem_unit && q.parse::<f64>().is_ok_and(|v| v < 1024.0) {
            return Err(Planned::Unplannable(format!(
                "{q} bytes of memory is surely not meant: give a unit, e.g. {q}Mi or {q}Gi"
            )));
        }
        let look_ahead = toks
            .iter()
            .skip(i + 1)
            .take(2)
            .find_map(|w| match w.as_str() {
                "limit" | "limits" => Some("limits"),
                "request" | "requests" => Some("requests"),
                _ => None,
            });
        let f = field
            .or(look_ahead)
            .unwrap_or(if verb_limit || res == "memory" {
                "limits"
            } else {
                "requests"
            });
        let slot = if f == "limits" {
            &mut limits
        } else {
            &mut requests
        };
        if res == "cpu" {
            slot.cpu = Some(q);
        } else {
            slot.memory = Some(q);
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return Ok(None);
    }
    let container = r
        .pos("container")
        .and_then(|i| r.tokens.get(i + 1))
        .filter(|w| !is_stopword(w))
        .cloned();
    let skip: Vec<&str> = container.iter().map(String::as_str).collect();
    let t = target(r, ctx, &skip).ok_or_else(|| {
        Planned::Unplannable(
            "Which workload's resources? e.g. \"set the memory limit of the backend to 512Mi\""
                .into(),
        )
    })?;
    Ok(Some(Operation::SetResources(SetResourcesOp {
        target: t,
        container,
        requests,
        limits,
    })))
}
