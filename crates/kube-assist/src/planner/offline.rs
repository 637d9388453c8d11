//! The offline planner: deterministic understanding of the common operator
//! requests, no network, microseconds per request. It reads only the request text
//! (and the session's last target for "it"), never anything from the cluster.

use super::changes::{replica_change, resources};
use super::deletes;
use super::env::plan_set_env;
use super::metadata::{label_selector, labels_or_annotations};
use super::names::{PRONOUNS, is_ctx_only, need_target, set_namespace, take_namespace, target};
use super::nodes::plan_node;
use super::objects;
use super::questions;
// The rules in the planner's other files read the request under this path.
pub(super) use super::request::Request;
use super::rollouts::plan_rollout;
use super::typos::correct_typos;
use super::words::{is_image, is_stopword, kind_word, number, tokenize};
use super::{CAPABILITIES, Plan, PlanContext, Planned};
use crate::ops::registry::words;
use crate::ops::*;

/// Plan a request.
pub fn plan(text: &str, ctx: &PlanContext) -> Planned {
    let mut tokens = tokenize(text);
    if tokens.is_empty() {
        return Planned::Unplannable(format!("Tell me what to do. {CAPABILITIES}"));
    }
    // "kubectl get pods", "k logs web": the command's name is no word of the request.
    if matches!(tokens.first().map(String::as_str), Some("kubectl" | "k")) {
        tokens.remove(0);
    }
    let discovered = ctx.discovered.clone();
    let said = tokens.clone();
    correct_typos(&mut tokens);
    // A discovered kind's word is no slip of a registry word.
    if let Some(d) = &discovered {
        for (t, s) in tokens.iter_mut().zip(&said) {
            if d.knows(s) {
                t.clone_from(s);
            }
        }
    }
    // "create namespace staging" makes the namespace it names.
    let whole = Request::new(tokens.clone(), text, discovered.clone());
    if objects::asks_to_create(&whole) && objects::makes_namespace(&whole) {
        return match objects::plan_creation(&whole) {
            Ok(Some(op)) => Planned::Plan(Plan::one(op)),
            Ok(None) => Planned::Unplannable(CAPABILITIES.into()),
            Err(p) => p,
        };
    }
    // "delete namespace scratch" deletes the namespace it names.
    if deletes::asks_to_delete(&whole)
        && let Some(name) = deletes::namespace_to_delete(&tokens, discovered.as_deref())
    {
        return Planned::Plan(Plan::one(Operation::Delete(DeleteOp {
            target: Target::named(Some(Kind::Namespace), name),
        })));
    }
    let namespace = take_namespace(&mut tokens, discovered.as_deref());
    let r = Request::new(tokens, text, discovered);
    let mut planned = plan_tokens(&r, ctx);
    if questions::forbids(&r) {
        return Planned::Unplannable(
            "You asked me not to do something, so I do nothing. Tell me what to do instead.".into(),
        );
    }
    if let Planned::Plan(p) = &planned
        && p.has_writes()
        && questions::asks_for_advice(&r)
    {
        return Planned::Unplannable(format!(
            "That asks about a change rather than for one, so nothing is changed. Asked as an order it would be: {}",
            p.steps.first().map(Operation::kubectl).unwrap_or_default()
        ));
    }
    // A question about what happened ("when did the backend last restart?") asks
    // for facts, never for the write its verb names.
    if let Planned::Plan(p) = &mut planned
        && p.has_writes()
        && questions::is_question_about_the_past(&r)
    {
        let t = p.steps.iter().find_map(|o| o.target().cloned());
        p.steps = vec![match t {
            Some(target) => Operation::Describe(DescribeOp { target }),
            None => Operation::Events(EventsOp {
                target: None,
                namespace: None,
                warnings_only: false,
            }),
        }];
    }
    if let Planned::Plan(p) = &mut planned {
        for op in &mut p.steps {
            set_namespace(op, namespace.as_deref());
        }
    }
    planned
}

fn plan_tokens(r: &Request, ctx: &PlanContext) -> Planned {
    match plan_inner(r, ctx) {
        Ok(p) => p,
        Err(p) => p,
    }
}

fn plan_inner(r: &Request, ctx: &PlanContext) -> Result<Planned, Planned> {
    let ok = |op: Operation| Ok(Planned::Plan(Plan::one(op)));

    if let Some(op) = objects::plan_creation(r)? {
        return ok(op);
    }
    if let Some(op) = objects::plan_exposure(r, ctx)? {
        return ok(op);
    }
    if let Some(op) = objects::plan_autoscaling(r, ctx)? {
        return ok(op);
    }

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

    if let Some(op) = plan_node(r, ctx)? {
        return ok(op);
    }
    if let Some(op) = plan_rollout(r, ctx)? {
        return ok(op);
    }
    if let Some(op) = plan_set_env(r, ctx)? {
        return ok(op);
    }

    // "fix the backend", "make web work", "get the api running again": diagnose and
    // plan the fixes the evidence supports (src/fix). Questions about fixing
    // ("how do I fix X?") stay questions.
    if asks_for_a_fix(r) {
        // Words of the command itself, and "whatever/everything is broken" (no object).
        let mut skip = vec![
            "make",
            "get",
            "work",
            "working",
            "running",
            "again",
            "whatever",
            "everything",
            "anything",
            "broken",
        ];
        skip.extend_from_slice(words("fix"));
        let t = target(r, ctx, &skip).filter(|t| !is_ctx_only(r, t, ctx));
        return ok(Operation::Fix(crate::fix::FixOp {
            target: t,
            namespace: None,
        }));
    }

    // "who restarted the backend", "when was the api deployed": its history.
    if questions::asks_about_a_past_change(r) {
        return ok(match target(r, ctx, &[]) {
            Some(target) => Operation::Describe(DescribeOp { target }),
            None => Operation::Events(EventsOp {
                target: None,
                namespace: None,
                warnings_only: false,
            }),
        });
    }

    if let Some(op) = labels_or_annotations(r, ctx)? {
        return ok(op);
    }

    if let Some(op) = deletes::plan_delete(r, ctx)? {
        return ok(op);
    }

    if r.any(words("rollout_undo"))
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

    if r.any(words("rollout_restart")) {
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
        // kubectl's `set image deploy/web CONTAINER=IMAGE`.
        let assigned = r.raw.split_whitespace().find_map(|w| {
            let (c, i) = w.split_once('=')?;
            (is_image(&i.to_lowercase()) && !c.is_empty() && !c.starts_with('-'))
                .then(|| c.to_lowercase())
        });
        let container = assigned.or_else(|| {
            r.pos("container")
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
                .cloned()
        });
        let skip: Vec<&str> = container.iter().map(String::as_str).collect();
        let t = target(r, ctx, &skip).ok_or_else(|| Planned::Unplannable("Which workload should get the new image? e.g. \"set the backend image to todo:v2\"".into()))?;
        return ok(Operation::SetImage(SetImageOp {
            target: t,
            container,
            image,
        }));
    }

    // "set the image of web" names no image: ask, never guess one.
    if r.any(&["image", "images"])
        && r.any(&["set", "update", "change", "switch", "upgrade", "downgrade"])
        && !questions::is_question_about_the_past(r)
    {
        return Err(Planned::Unplannable(
            "Which image? Give it with its tag, e.g. \"set the backend image to todo:v2\".".into(),
        ));
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

    if questions::asks_about_usage(r) {
        let t = target(r, ctx, &[]).filter(|t| !is_ctx_only(r, t, ctx));
        return ok(Operation::Optimize(OptimizeOp {
            target: t,
            namespace: None,
        }));
    }

    if questions::asks_about_images(r) && target(r, ctx, &[]).is_none() {
        return ok(Operation::List(ListOp {
            kind: Kind::Pod,
            resource: None,
            namespace: None,
            selector: None,
            field_selector: None,
        }));
    }

    if r.any(words("logs")) {
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
        let previous = r.any(&["previous", "--previous", "crashed", "prior", "before"])
            || r.phrase(&["last", "crash"]);
        let tail = r
            .tokens
            .windows(2)
            .find_map(|w| match (number(&w[0]), w[1].as_str()) {
                (Some(n), "lines" | "line") => Some(n),
                _ => None,
            })
            .or_else(|| {
                r.tokens
                    .iter()
                    .find_map(|t| t.strip_prefix("--tail=").and_then(number))
            })
            .or_else(|| {
                r.tokens
                    .iter()
                    .position(|t| t == "tail" || t == "--tail")
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

    if r.any(words("optimize"))
        || (r.any(&[
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
            "efficiently",
            "efficiency",
            "improve",
        ]))
    {
        let t = target(r, ctx, &[]).filter(|_| !r.has("cluster") && !r.has("everything"));
        return ok(Operation::Optimize(OptimizeOp {
            target: t.filter(|t| t.name.is_some() && !is_ctx_only(r, t, ctx)),
            namespace: None,
        }));
    }

    if r.any(words("events")) || r.phrase(&["what", "happened"]) {
        let t = target(r, ctx, &[]).filter(|t| !is_ctx_only(r, t, ctx));
        let warnings_only = r.any(&["warning", "warnings"]);
        return ok(Operation::Events(EventsOp {
            target: t,
            namespace: None,
            warnings_only,
        }));
    }

    let health_words = r.any(words("health")) || r.phrase(&["how", "is", "the", "cluster"]);
    let failure_words = r.any(words("diagnose")) || r.phrase(&["not", "working"]) || r.phrase(&["not", "ready"])
        // "are all pods ready?", "is every pod ready": a question whose answer
        // is the pods that are not.
        || (r.has("ready") && r.any(&["all", "every", "any", "which"]));
    if health_words || failure_words {
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

    if r.any(words("describe"))
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
    // "pods with app=web": the pairs are a label selector, not names.
    let (selector, pair_words) = label_selector(r);
    let skip: Vec<&str> = pair_words.iter().map(String::as_str).collect();
    let named = target(r, ctx, &skip).filter(|t| !is_ctx_only(r, t, ctx));
    // kubectl's `get svc` (a kind and no name) lists, as `get services` does.
    let plural_kind = plural_kind.or_else(|| {
        (named.is_none() && r.any(&["get", "list", "show"]))
            .then(|| r.tokens.iter().find_map(|t| kind_word(t).map(|(k, _)| k)))
            .flatten()
    });
    // "pods of the backend", "the api pods": one workload's state.
    if plural_kind.is_some_and(|k| k == Kind::Pod)
        && let Some(t) = &named
        && t.kind.is_none()
    {
        return ok(Operation::Get(GetOp { target: t.clone() }));
    }
    // "what's running?": what runs is pods.
    if named.is_none() && r.has("running") && r.any(&["what", "whats"]) {
        return ok(Operation::List(ListOp {
            kind: Kind::Pod,
            namespace: None,
            resource: None,
            field_selector: None,
            selector,
        }));
    }
    // "list the ingresses", "get hpa": a kind discovery resolves.
    if plural_kind.is_none()
        && named.is_none()
        && let Some(resource) = r.tokens.iter().find_map(|t| {
            r.resource_word(t)
                .filter(|(_, plural)| *plural || r.any(&["get", "list", "show"]))
                .map(|(name, _)| name)
        })
    {
        return ok(Operation::List(ListOp {
            kind: Kind::Pod,
            namespace: None,
            resource: Some(resource.to_string()),
            field_selector: None,
            selector,
        }));
    }
    if let Some(kind) = plural_kind
        && (named.is_none() || kind == Kind::Node || kind == Kind::Namespace)
    {
        return ok(Operation::List(ListOp {
            kind,
            resource: None,
            namespace: None,
            selector,
            field_selector: None,
        }));
    }
    if r.any(&[
        "status", "state", "running", "replicas", "ready", "up", "show", "get", "how", "hows",
        "is", "list", "display", "check", "run", "image", "images", "port", "ports", "version",
    ]) || questions::opens_a_question(r)
    {
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

/// "fix X" (a registry word of `fix`), or "make X work" / "get X running|working
/// [again]" said as a command, not asked as a question.
fn asks_for_a_fix(r: &Request) -> bool {
    let t = &r.tokens;
    let Some(first) = t.first().map(String::as_str) else {
        return false;
    };
    if [
        "how", "can", "could", "why", "what", "should", "who", "when",
    ]
    .contains(&first)
    {
        return false;
    }
    if r.any(words("fix")) {
        return true;
    }
    let last = t
        .iter()
        .rev()
        .map(String::as_str)
        .find(|w| *w != "again" && *w != "please");
    t.len() >= 3
        && match first {
            "make" => matches!(last, Some("work" | "working")),
            "get" => matches!(last, Some("running" | "working")),
            _ => false,
        }
}
