//! Progress of a plan as server-sent events: every event so far, then each new
//! one as it happens, until the plan is finished (or the server shuts down).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::watch;

use super::agent::Agent;
use super::approvals::Progress;
use super::error::ServeResult;

struct Cursor {
    agent: Arc<Agent>,
    id: String,
    sent: usize,
    changes: watch::Receiver<u64>,
    finished: bool,
}

fn event_of(p: &Progress) -> Event {
    Event::default()
        .id(p.seq.to_string())
        .event(p.event)
        .json_data(p)
        .unwrap_or_else(|_| Event::default().event(p.event).data(p.message.clone()))
}

/// The SSE stream of plan `id` (404 when there is no such plan).
pub fn stream(
    agent: Arc<Agent>,
    id: String,
) -> ServeResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    agent.plan(&id)?;
    let cursor = Cursor {
        changes: agent.subscribe(),
        agent,
        id,
        sent: 0,
        finished: false,
    };
    let events = stream::unfold(cursor, |mut c| async move {
        loop {
            if c.finished {
                return None;
            }
            let plan = c.agent.plan(&c.id).ok()?;
            if c.sent < plan.progress.len() {
                let batch: Vec<Result<Event, Infallible>> = plan.progress[c.sent..]
                    .iter()
                    .map(|p| Ok(event_of(p)))
                    .collect();
                c.sent = plan.progress.len();
                c.finished = plan.state.is_final();
                return Some((stream::iter(batch), c));
            }
            if plan.state.is_final() || c.agent.is_draining() {
                return None;
            }
            // Pending plans expire without any request: look again now and then.
            let _ = tokio::time::timeout(Duration::from_secs(5), c.changes.changed()).await;
        }
    });
    Ok(Sse::new(futures_util::StreamExt::flatten(events)).keep_alive(KeepAlive::default()))
}
