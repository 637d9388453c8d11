//! The offline planner: deterministic understanding of English task requests,
//! no network, microseconds per turn. Split into text plumbing, entity
//! extraction (dates, priorities, tags, references), intent detection, the
//! conversation context and reply wording.

mod adding;
mod bulk;
mod context;
mod dates;
mod entities;
mod intent;
mod listing;
mod recurrence;
mod statements;
mod text;
mod wording;

use async_trait::async_trait;
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

pub use context::{Context, Listed};
pub use dates::{When, extract_when};
pub use entities::Target;
pub use intent::{Action, AddRequest, Changes, Intent, ListRequest, detect};
pub use text::Phrase;
pub use wording::describe_time;

use crate::clock::TurnClock;
use crate::planner::{PlannedReply, Planner, ToolSession, Turn};
use crate::tools::StatusArg;

/// The default planner. Stateless: everything it needs is in the turn.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflinePlanner;

impl OfflinePlanner {
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl Planner for OfflinePlanner {
    fn name(&self) -> &'static str {
        "offline"
    }

    async fn respond(&self, turn: &Turn<'_>, tools: &mut ToolSession<'_>) -> PlannedReply {
        let phrase = Phrase::new(turn.message);
        let clock = turn.clock;
        let intent = detect(&phrase, &clock);
        let response = match intent {
            Intent::Greeting => format!("Hi! {}", wording::HELP),
            Intent::Thanks => "You're welcome! Anything else I can do for your tasks?".to_string(),
            Intent::Help => wording::HELP.to_string(),
            Intent::Unknown => format!("Sorry, I didn't understand that. {}", wording::HELP),
            Intent::Suggest(title) => format!(
                "Should I add '{title}' as a task? Say \"add {}\" and I will.",
                title.to_lowercase()
            ),
            Intent::Confirm(yes) => bulk::answer(yes, turn.history, tools, &clock).await,
            Intent::Undo => bulk::undo(tools).await,
            Intent::AddMany(reqs) => bulk::add_many(reqs, tools).await,
            Intent::Act(action, Target::Ids(ids)) => bulk::act_on_ids(action, &ids, tools).await,
            Intent::Act(action, Target::All(selection)) => {
                bulk::act_on_group(action, &selection, tools).await
            }
            Intent::Act(_, Target::Done { object, verb }) => {
                bulk::complete_stated(&object, &verb, tools, &clock).await
            }
            Intent::Add(req) => add(req, tools, &clock).await,
            Intent::List(req) => list(req, tools, &clock).await,
            Intent::Act(action, target) => {
                let ctx = Context::from_history(turn.history, &clock);
                act(action, &target, &Changes::default(), &ctx, tools, &clock).await
            }
            Intent::Update(target, changes) => {
                let ctx = Context::from_history(turn.history, &clock);
                act(Action::Update, &target, &changes, &ctx, tools, &clock).await
            }
            Intent::Choice(target) => {
                let ctx = Context::from_history(turn.history, &clock);
                choose(&target, &ctx, tools, &clock).await
            }
        };
        PlannedReply { response }
    }
}

pub(crate) fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn add(req: AddRequest, tools: &mut ToolSession<'_>, clock: &TurnClock) -> String {
    let Some(title) = req.title.clone() else {
        return "What should the task say? For example: \"add buy milk tomorrow at 5pm\"."
            .to_string();
    };
    let input = bulk::add_input(&req, &title);
    match tools.call("add_task", Value::Object(input)).await {
        Ok(ok) => match ok.tasks.first() {
            Some(task) => wording::added(task, clock),
            None => format!("Added '{title}'."),
        },
        Err(e) => wording::failure(&e),
    }
}

fn status_str(s: StatusArg) -> &'static str {
    match s {
        StatusArg::All => "all",
        StatusArg::Pending => "pending",
        StatusArg::Completed => "completed",
    }
}

async fn list(req: ListRequest, tools: &mut ToolSession<'_>, clock: &TurnClock) -> String {
    let result = if req.is_plain() {
        let mut input = Map::new();
        input.insert("status".into(), json!(status_str(req.status)));
        if let Some(due) = req.due {
            input.insert("due".into(), json!(due.as_str()));
            // "today" is the person's today.
            let tz = clock.tz.name();
            if tz != "UTC" {
                input.insert("timezone".into(), json!(tz));
            }
        }
        tools.call("list_tasks", Value::Object(input)).await
    } else {
        let mut input = Map::new();
        if req.status != StatusArg::All {
            input.insert("status".into(), json!(status_str(req.status)));
        }
        if let Some(q) = &req.query {
            input.insert("query".into(), json!(q));
        }
        if let Some(p) = req.priority {
            input.insert("priority".into(), json!(p.as_str()));
        }
        if let Some(t) = &req.tag {
            input.insert("tag".into(), json!(t));
        }
        if let Some(before) = req.due_before {
            input.insert("due_before".into(), json!(rfc3339(before)));
        }
        tools.call("search_tasks", Value::Object(input)).await
    };
    match result {
        Ok(ok) => wording::listing(&req, &ok.tasks, clock),
        Err(e) => wording::failure(&e),
    }
}

/// Which task a reference means, or the reply that explains why it is unclear.
enum Resolved {
    Task(i64),
    Reply(String),
}

async fn resolve(
    action: Action,
    target: &Target,
    ctx: &Context,
    tools: &mut ToolSession<'_>,
) -> Resolved {
    let from_listing = |n: usize| -> Resolved {
        if ctx.listing.is_empty() {
            Resolved::Reply("Which task do you mean? Say \"show my tasks\" first, or use the task number (e.g. \"task 3\").".into())
        } else {
            match ctx.listing.get(n.wrapping_sub(1)) {
                Some(t) => Resolved::Task(t.id),
                None => Resolved::Reply(format!(
                    "The last list I showed has {} task{}; which one do you mean?",
                    ctx.listing.len(),
                    if ctx.listing.len() == 1 { "" } else { "s" }
                )),
            }
        }
    };
    match target {
        Target::Id(id) => Resolved::Task(*id),
        Target::Ordinal(n) => from_listing(*n),
        Target::Last => from_listing(ctx.listing.len()),
        Target::Previous => match ctx.last_task {
            Some(id) => Resolved::Task(id),
            None if ctx.listing.len() == 1 => Resolved::Task(ctx.listing[0].id),
            None => {
                Resolved::Reply("Which task do you mean? Use its number, e.g. \"task 3\".".into())
            }
        },
        Target::Ids(_) | Target::All(_) | Target::Done { .. } => {
            Resolved::Reply("Which task do you mean? Use its number, e.g. \"task 3\".".into())
        }
        Target::Words(words) => {
            // List first, then act on the one that matches: DESIGN's "delete the
            // meeting task" flow. The listing is recorded as a tool call, which is
            // also what lets the next turn answer "which one?".
            let listed = match tools.call("list_tasks", json!({"status": "all"})).await {
                Ok(ok) => serde_json::from_value::<Vec<Listed>>(ok.output).unwrap_or_default(),
                Err(e) => return Resolved::Reply(wording::failure(&e)),
            };
            let found = context::candidates(action, words, &listed);
            match found.as_slice() {
                [] => Resolved::Reply(wording::no_match(words)),
                [one] => Resolved::Task(one.id),
                many => Resolved::Reply(wording::ask_which(action, words, many)),
            }
        }
    }
}

async fn act(
    action: Action,
    target: &Target,
    changes: &Changes,
    ctx: &Context,
    tools: &mut ToolSession<'_>,
    clock: &TurnClock,
) -> String {
    match resolve(action, target, ctx, tools).await {
        Resolved::Task(id) => execute(action, id, changes, tools, clock).await,
        Resolved::Reply(text) => text,
    }
}

pub(crate) async fn execute(
    action: Action,
    id: i64,
    changes: &Changes,
    tools: &mut ToolSession<'_>,
    clock: &TurnClock,
) -> String {
    let (tool, input) = match action {
        Action::Complete => ("complete_task", json!({"task_id": id})),
        Action::Reopen => ("reopen_task", json!({"task_id": id})),
        Action::Delete => ("delete_task", json!({"task_id": id})),
        Action::Update => update_call(id, changes),
    };
    match tools.call(tool, input).await {
        Ok(ok) => match (action, ok.tasks.first()) {
            (Action::Update, Some(task)) => wording::updated(task, changes, clock),
            (_, Some(task)) => wording::acted(action, task, clock),
            (_, None) => "Done.".to_string(),
        },
        Err(e) => wording::failure(&e),
    }
}

fn update_call(id: i64, changes: &Changes) -> (&'static str, Value) {
    let only_priority = changes.title.is_none()
        && changes.description.is_none()
        && changes.add_tags.is_empty()
        && changes.due.is_none();
    if let (true, Some(p)) = (only_priority, changes.priority) {
        return (
            "set_priority",
            json!({"task_id": id, "priority": p.as_str()}),
        );
    }
    let mut input = Map::new();
    input.insert("task_id".into(), json!(id));
    if let Some(t) = &changes.title {
        input.insert("title".into(), json!(t));
    }
    if let Some(d) = &changes.description {
        input.insert("description".into(), json!(d));
    }
    if let Some(p) = changes.priority {
        input.insert("priority".into(), json!(p.as_str()));
    }
    if !changes.add_tags.is_empty() {
        input.insert("add_tags".into(), json!(changes.add_tags));
    }
    if let Some(due) = changes.due {
        input.insert("due_at".into(), json!(rfc3339(due)));
    }
    ("update_task", Value::Object(input))
}

/// A bare reference ("the second one", "3") answering the last reply.
async fn choose(
    target: &Target,
    ctx: &Context,
    tools: &mut ToolSession<'_>,
    clock: &TurnClock,
) -> String {
    let Some(pending) = &ctx.pending else {
        let picked = match target {
            Target::Ordinal(n) => ctx.listing.get(n.wrapping_sub(1)),
            Target::Last => ctx.listing.last(),
            Target::Id(id) => ctx.listing.iter().find(|t| t.id == *id),
            _ => None,
        };
        return match picked {
            Some(t) => format!(
                "What should I do with '{title}' (task {id})? You can say \"complete task {id}\", \"delete task {id}\" or \"rename task {id} to …\".",
                title = t.title,
                id = t.id
            ),
            None => format!("I'm not sure what you mean. {}", wording::HELP),
        };
    };
    let candidates = &pending.candidates;
    let chosen = match target {
        // An id among the options wins; otherwise a small number is a position.
        Target::Id(n) => match candidates.iter().find(|c| c.id == *n) {
            Some(c) => Some(c.id),
            None => usize::try_from(*n)
                .ok()
                .and_then(|i| candidates.get(i.wrapping_sub(1)))
                .map(|c| c.id),
        },
        Target::Ordinal(n) => candidates.get(n.wrapping_sub(1)).map(|c| c.id),
        Target::Last => candidates.last().map(|c| c.id),
        _ => None,
    };
    let Some(id) = chosen else {
        return format!(
            "Please pick one of the {} options: say \"the first one\" or give the task id.",
            candidates.len()
        );
    };
    match &pending.intent {
        Intent::Act(action, _) => execute(*action, id, &Changes::default(), tools, clock).await,
        Intent::Update(_, changes) => execute(Action::Update, id, changes, tools, clock).await,
        _ => wording::HELP.to_string(),
    }
}
