//! The offline planner: deterministic understanding of the common operator
//! requests, no network, microseconds per request. It reads only the request text
//! (and the session's last target for "it"), never anything from the cluster.

use super::words::{is_image, is_stopword, kind_word, number, quantity, tokenize};
use super::{CAPABILITIES, Plan, PlanContext, Planned};
use crate::ops::*;

/// A tokenised request with helpers to ask what it says.
struct Request {
    tokens: Vec<String>,
}

impl Request {
    fn has(&self, w: &str) -> bool {
        self.tokens.iter().any(|t| t == w)
    }

    fn any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.has(w))
    }

    /// Consecutive words, e.g. `phrase(&["one", "more"])`.
    fn phrase(&self, ws: &[&str]) -> bool {
        self.tokens
            .windows(ws.len())
            .any(|win| win.iter().zip(ws).all(|(a, b)| a == b))
    }

    fn pos(&self, w: &str) -> Option<usize> {
        self.tokens.iter().position(|t| t == w)
    }

    fn starts_with_any(&self, prefixes: &[&str]) -> bool {
        self.tokens
            .iter()
            .any(|t| prefixes.iter().any(|p| t.starts_with(p)))
    }
}

/// Plan a request.
pub fn plan(text: &str, ctx: &PlanContext) -> Planned {
    let mut tokens = tokenize(text);
    if tokens.is_empty() {
        return Planned::Unplannable(format!("Tell me what to do. {CAPABILITIES}"));
    }
    let namespace = take_namespace(&mut tokens);
    let r = Request { tokens };
    let mut planned = plan_tokens(&r, ctx);
    if let Planned::Plan(p) = &mut planned {
        for op in &mut p.steps {
            set_namespace(op, namespace.as_deref());
        }
    }
    planned
}

fn set_namespace(op: &mut Operation, ns: Option<&str>) {
    let Some(ns) = ns else { return };
    match op {
        Operation::List(o) => o.namespace = Some(ns.into()),
        Operation::Health(o) => o.namespace = Some(ns.into()),
        Operation::Events(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        Operation::Diagnose(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        Operation::Optimize(o) if o.target.is_none() => o.namespace = Some(ns.into()),
        other => {
            if let Some(t) = other.target_mut() {
                t.namespace = Some(ns.into());
            }
        }
    }
}

/// Remove "in namespace X" / "in the X namespace" / "-n X" and return X.
fn take_namespace(tokens: &mut Vec<String>) -> Option<String> {
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

const PRONOUNS: [&str; 5] = ["it", "them", "that", "this", "same"];

/// The object a request is about, as named.
fn target(r: &Request, ctx: &PlanContext, skip: &[&str]) -> Option<Target> {
    let toks = &r.tokens;
    // kind/name, as kubectl writes it.
    for t in toks {
        if let Some((k, n)) = t.split_once('/')
            && let Some((kind, _)) = kind_word(k)
            && !n.is_empty()
        {
            return Some(Target::named(Some(kind), n));
        }
    }
    let candidate = |w: &str| -> bool {
        !is_stopword(w)
            && kind_word(w).is_none()
            && number(w).is_none()
            && quantity(w).is_none()
            && !is_image(w)
            && !skip.contains(&w)
            && !w.starts_with('-')
            && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    };
    for (i, t) in toks.iter().enumerate() {
        if let Some((kind, plural)) = kind_word(t) {
            // "pod backend-1" / "deployment frontend"
            if let Some(next) = toks.get(i + 1)
                && candidate(next)
            {
                return Some(Target::named(
                    if plural { None } else { Some(kind) },
                    next.as_str(),
                ));
            }
            // "the backend pods" / "the frontend deployment"
            if i > 0 && candidate(&toks[i - 1]) {
                let kind = if plural || kind == Kind::Pod {
                    None
                } else {
                    Some(kind)
                };
                return Some(Target::named(kind, toks[i - 1].as_str()));
            }
        }
    }
    if let Some(name) = toks.iter().find(|t| candidate(t)) {
        return Some(Target::named(None, name.as_str()));
    }
    if r.any(&PRONOUNS) || ctx.last_target.is_some() {
        return ctx.last_target.clone();
    }
    None
}

fn need_target(r: &Request, ctx: &PlanContext, what: &str) -> Result<Target, Planned> {
    target(r, ctx, &[]).ok_or_else(|| {
        Planned::Unplannable(format!(
            "Which workload should I {what}? Name it, e.g. \"{what} the frontend\"."
        ))
    })
}

fn plan_tokens(r: &Request, ctx: &PlanContext) -> Planned {
    match plan_inner(r, ctx) {
        Ok(p) => p,
        Err(p) => p,
    }
}

fn plan_inner(r: &Request, ctx: &PlanContext) -> Result<Planned, Planned> {
    let ok = |op: Operation| Ok(Planned::Plan(Plan::one(op)));

    if r.any(&["secret", "secrets"])
        && r.any(&[
            "show", "get", "describe", "read", "reveal", "decode", "print", "display", "dump",
            "list", "value", "values", "contents", "password", "token", "cat", "what", "whats",
            "see", "give", "tell", "data",
        ])
    {
        return Err(Planned::Refused(
            "Secret data never leaves the cluster through kubectl-assist, so I will not read or show Secrets. Use kubectl with your own credentials if you really need to.".into(),
        ));
    }

    let wants_delete = r.any(&["delete", "kill", "destroy", "wipe", "terminate", "evict"])
        || (r.has("remove")
            && !r.any(&[
                "replica",
                "replicas",
                "instance",
                "instances",
                "copy",
                "copies",
            ]));
    if wants_delete {
        let pod_named = r.any(&["pod", "pods"]) || r.tokens.iter().any(|t| t.starts_with("pod/"));
        let other_kind = r
            .tokens
            .iter()
            .find_map(|t| {
                kind_word(t)
                    .filter(|(k, _)| *k != Kind::Pod)
                    .map(|(k, _)| k)
            })
            .or_else(|| r.has("namespace").then_some(Kind::Namespace));
        if pod_named && other_kind.is_none() {
            let mut t = need_target(r, ctx, "delete")?;
            t.kind = Some(Kind::Pod);
            return ok(Operation::DeletePod(DeletePodOp { target: t }));
        }
        return Err(Planned::Refused(format!(
            "I only delete single pods (their controller replaces them). Deleting {} is not something kubectl-assist does: use kubectl yourself if you mean it.",
            other_kind
                .map(|k| format!("a {}", k.kubectl_name()))
                .unwrap_or_else(|| "that".into())
        )));
    }

    if r.any(&["rollback", "undo", "revert"])
        || r.phrase(&["go", "back"])
        || (r.has("roll") && r.has("back"))
        || r.phrase(&["previous", "version"]) && !r.any(&["log", "logs"])
    {
        let t = need_target(r, ctx, "roll back")?;
        let to_revision = r
            .pos("revision")
            .and_then(|i| r.tokens.get(i + 1))
            .and_then(|w| w.parse().ok())
            .or_else(|| {
                r.pos("version")
                    .and_then(|i| r.tokens.get(i + 1))
                    .and_then(|w| w.parse().ok())
            });
        return ok(Operation::RolloutUndo(UndoOp {
            target: t,
            to_revision,
        }));
    }

    let status_words = r.phrase(&["rollout", "status"])
        || (r.any(&["rollout", "rolling", "rolled", "roll"])
            && r.any(&[
                "done",
                "finished",
                "complete",
                "completed",
                "progress",
                "status",
                "wait",
                "finish",
                "over",
            ]))
        || r.phrase(&["wait", "for"]);
    if status_words && !r.any(&["restart", "restarting"]) {
        let t = need_target(r, ctx, "watch")?;
        return ok(Operation::RolloutStatus(StatusOp {
            target: t,
            timeout_secs: 120,
        }));
    }

    if r.any(&[
        "restart", "bounce", "reboot", "recycle", "redeploy", "reload", "cycle",
    ]) {
        let t = need_target(r, ctx, "restart")?;
        if t.kind == Some(Kind::Pod) {
            return ok(Operation::DeletePod(DeletePodOp { target: t }));
        }
        return ok(Operation::RolloutRestart(RestartOp { target: t }));
    }

    if let Some(image) = r.tokens.iter().find(|t| is_image(t)).cloned()
        && (r.any(&[
            "image", "set", "update", "upgrade", "change", "use", "switch", "deploy", "roll",
            "rollout", "move",
        ]))
    {
        let container = r
            .pos("container")
            .and_then(|i| {
                let next = r
                    .tokens
                    .get(i + 1)
                    .filter(|w| !is_stopword(w) && !is_image(w));
                next.or_else(|| {
                    i.checked_sub(1)
                        .and_then(|j| r.tokens.get(j))
                        .filter(|w| !is_stopword(w))
                })
            })
            .cloned();
        let skip: Vec<&str> = container.iter().map(String::as_str).collect();
        let t = target(r, ctx, &skip).ok_or_else(|| Planned::Unplannable("Which workload should get the new image? e.g. \"set the backend image to todo:v2\"".into()))?;
        return ok(Operation::SetImage(SetImageOp {
            target: t,
            container,
            image,
        }));
    }

    if let Some(op) = resources(r, ctx)? {
        return ok(op);
    }

    if let Some(change) = replica_change(r)? {
        let t = need_target(r, ctx, "scale")?;
        return ok(Operation::Scale(ScaleOp {
            target: t,
            replicas: change,
        }));
    }

    if r.any(&[
        "log", "logs", "stdout", "stderr", "print", "printing", "printed", "output",
    ]) {
        let t = need_target(r, ctx, "show logs of")?;
        let errors_only = r.any(&[
            "error",
            "errors",
            "exception",
            "exceptions",
            "fail",
            "failure",
            "failures",
            "failed",
            "panic",
            "panics",
            "fatal",
            "warnings",
            "warning",
        ]);
        let previous =
            r.any(&["previous", "crashed", "prior", "before"]) || r.phrase(&["last", "crash"]);
        let tail = r
            .tokens
            .windows(2)
            .find_map(|w| match (number(&w[0]), w[1].as_str()) {
                (Some(n), "lines" | "line") => Some(n),
                _ => None,
            })
            .or_else(|| {
                r.pos("tail")
                    .and_then(|i| r.tokens.get(i + 1))
                    .and_then(|w| number(w))
            })
            .unwrap_or(100);
        return ok(Operation::Logs(LogsOp {
            target: t,
            container: None,
            tail: tail.clamp(1, 1000),
            previous,
            errors_only,
        }));
    }

    if r.any(&[
        "optimize",
        "optimise",
        "right-size",
        "rightsize",
        "rightsizing",
        "overprovisioned",
        "over-provisioned",
        "under-provisioned",
        "waste",
        "wasting",
        "tune",
        "utilization",
    ]) || (r.any(&[
        "resource",
        "resources",
        "requests",
        "limits",
        "requests/limits",
    ]) && r.any(&[
        "allocation",
        "allocations",
        "recommend",
        "recommendations",
        "usage",
        "efficient",
        "efficiency",
        "improve",
    ])) {
        let t = target(r, ctx, &[]).filter(|_| !r.has("cluster") && !r.has("everything"));
        return ok(Operation::Optimize(OptimizeOp {
            target: t.filter(|t| t.name.is_some() && !is_ctx_only(r, t, ctx)),
            namespace: None,
        }));
    }

    if r.any(&["event", "events"]) || r.phrase(&["what", "happened"]) {
        let t = target(r, ctx, &[]).filter(|t| !is_ctx_only(r, t, ctx));
        let warnings_only = r.any(&["warning", "warnings"]);
        return ok(Operation::Events(EventsOp {
            target: t,
            namespace: None,
            warnings_only,
        }));
    }

    let health_words = r.any(&[
        "health",
        "healthy",
        "unhealthy",
        "ok",
        "okay",
        "fine",
        "sane",
    ]) || r.phrase(&["how", "is", "the", "cluster"])
        || r.any(&["hows"]);
    let failure_words = r.any(&[
        "why",
        "wrong",
        "failing",
        "failed",
        "fail",
        "fails",
        "failure",
        "failures",
        "broken",
        "crashing",
        "crash",
        "crashes",
        "crashed",
        "crashloop",
        "crashloopbackoff",
        "problem",
        "problems",
        "issue",
        "issues",
        "diagnose",
        "troubleshoot",
        "debug",
        "investigate",
        "pending",
        "stuck",
        "error",
        "errors",
        "oom",
        "oomkilled",
        "unschedulable",
        "down",
    ]) || r.phrase(&["not", "working"])
        || r.phrase(&["not", "ready"])
        || r.has("isnt")
        || r.has("doesnt");
    if health_words || failure_words || r.any(&["analyze", "analyse", "analysis", "scan"]) {
        let t = target(r, ctx, &[]).filter(|t| !is_ctx_only(r, t, ctx));
        if let Some(t) = t {
            return ok(Operation::Diagnose(DiagnoseOp {
                target: Some(t),
                namespace: None,
            }));
        }
        if failure_words && !r.has("health") {
            return ok(Operation::Diagnose(DiagnoseOp::default()));
        }
        return ok(Operation::Health(HealthOp::default()));
    }

    if r.any(&["describe", "details", "detail", "inspect", "explain"])
        || r.phrase(&["tell", "me", "about"])
        || r.phrase(&["info", "about"])
    {
        let t = need_target(r, ctx, "describe")?;
        return ok(Operation::Describe(DescribeOp { target: t }));
    }

    // Lists: "list pods", "show me the deployments", "what services are there".
    let plural_kind = r
        .tokens
        .iter()
        .find_map(|t| kind_word(t).filter(|(_, plural)| *plural).map(|(k, _)| k));
    let named = target(r, ctx, &[]).filter(|t| !is_ctx_only(r, t, ctx));
    if let Some(kind) = plural_kind
        && (named.is_none() || kind == Kind::Node || kind == Kind::Namespace)
    {
        let kind = if kind == Kind::Event {
            Kind::Event
        } else {
            kind
        };
        return ok(Operation::List(ListOp {
            kind,
            namespace: None,
            selector: None,
        }));
    }
    if r.any(&[
        "status", "state", "running", "replicas", "ready", "up", "show", "get", "how", "hows",
        "is", "list", "display", "check",
    ]) {
        if let Some(t) = named.or_else(|| {
            (r.any(&PRONOUNS))
                .then(|| ctx.last_target.clone())
                .flatten()
        }) {
            return ok(Operation::Get(GetOp { target: t }));
        }
        if r.any(&["status", "state"]) {
            return ok(Operation::Health(HealthOp::default()));
        }
    }
    Err(Planned::Unplannable(format!(
        "I could not turn that into Kubernetes operations. {CAPABILITIES}"
    )))
}

/// True when the target came only from the session memory, not from the words.
fn is_ctx_only(r: &Request, t: &Target, ctx: &PlanContext) -> bool {
    ctx.last_target.as_ref() == Some(t)
        && !r.any(&PRONOUNS)
        && !t.name.as_ref().is_some_and(|n| r.has(n))
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

fn replica_change(r: &Request) -> Result<Option<ReplicaChange>, Planned> {
    let scale_words = r.any(&[
        "scale",
        "scaleup",
        "scaledown",
        "replica",
        "replicas",
        "instance",
        "instances",
        "copies",
        "copy",
    ]);
    let relative_words = r.any(&["double", "triple", "quadruple", "halve", "twice"])
        || r.phrase(&["by", "half"])
        || r.phrase(&["in", "half"])
        || r.phrase(&["one", "more"])
        || r.phrase(&["one", "less"])
        || r.phrase(&["one", "fewer"]);
    let stop = r.any(&["stop"]) || r.phrase(&["shut", "down"]) || r.phrase(&["turn", "off"]);
    let counted_change = r.any(&["increase", "decrease", "reduce", "add", "remove"])
        && r.starts_with_any(&["replica", "instance", "cop"]);
    if !(scale_words || relative_words || stop || counted_change) {
        return Ok(None);
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
    let toks = &r.tokens;
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
    let before_unit = toks.windows(2).find_map(|w| {
        (matches!(
            w[1].as_str(),
            "replica" | "replicas" | "instance" | "instances" | "copies" | "copy" | "pods" | "pod"
        ))
        .then(|| number(&w[0]))
        .flatten()
    });
    if let Some(n) = after_to
        .or(before_unit)
        .or_else(|| toks.iter().find_map(|t| number(t)).filter(|_| scale_words))
    {
        return Ok(Some(ReplicaChange::To(n)));
    }
    if stop {
        return Ok(Some(ReplicaChange::To(0)));
    }
    if r.any(&["scaleup", "increase", "more"]) {
        return Ok(Some(ReplicaChange::By(1)));
    }
    if r.any(&["scaledown", "decrease", "reduce", "fewer", "less"]) {
        return Ok(Some(ReplicaChange::By(-1)));
    }
    if r.has("scale") {
        return Err(Planned::Unplannable("To how many replicas? e.g. \"scale the frontend to 3 replicas\" or \"double the frontend\".".into()));
    }
    Ok(None)
}

/// "set the memory limit of the backend to 512Mi", "give the frontend 250m cpu".
fn resources(r: &Request, ctx: &PlanContext) -> Result<Option<Operation>, Planned> {
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
