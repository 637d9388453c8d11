//! The chat panel's one action: send a message, show the reply.

use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use http::StatusCode;
use todo_core::ConversationId;
use tracing::instrument;

use super::{html, require_account, with_tasks_changed};
use crate::backend::BackendError;
use crate::forms::ChatForm;
use crate::layers::{CurrentSession, redirect_to};
use crate::views::{ChatReplyFragment, ChatView, MessageView};
use crate::{AppState, Result, WebError};

/// `POST /chat`: one turn of the conversation. With htmx the answer is the two
/// new messages (appended to the log) plus the conversation id; a reply that
/// used tools also tells the task list to reload. Without htmx it redirects back
/// to the page, showing the conversation.
#[instrument(skip_all)]
pub async fn send_message(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    Form(form): Form<ChatForm>,
) -> Result<Response> {
    let account = match require_account(&current) {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let typed = form.message.trim().to_string();
    let (text, conversation_id) = match form.parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            return failed_turn(
                &current,
                &typed,
                StatusCode::UNPROCESSABLE_ENTITY,
                message,
                None,
            );
        }
    };
    match state.backend().chat(account, conversation_id, text.as_str(), &current.clock.offset_text()).await {
        Ok(reply) if current.htmx => {
            let changed = !reply.tool_calls.is_empty();
            // A new conversation joins the picker now, not at the next page load.
            let picker = match conversation_id {
                Some(_) => None,
                None => match state.backend().conversations(account).await {
                    Ok(all) => Some(ChatView::new(
                        Some(reply.conversation_id),
                        &all,
                        &[],
                        current.clock,
                    )),
                    Err(why) => {
                        tracing::warn!(%why, "the conversation picker is not refreshed");
                        None
                    }
                },
            };
            let fragment = ChatReplyFragment {
                messages: vec![MessageView::user(text.as_str()), MessageView::reply(&reply)],
                conversation_id: Some(reply.conversation_id),
                picker,
            };
            let response = html(StatusCode::OK, &fragment)?;
            Ok(if changed { with_tasks_changed(response) } else { response })
        }
        Ok(reply) => Ok(redirect_to(false, &format!("/tasks?c={}#chat", reply.conversation_id))),
        Err(BackendError::Unavailable(why)) => {
            tracing::warn!(%why, "chat unavailable");
            failed_turn(
                &current,
                text.as_str(),
                StatusCode::SERVICE_UNAVAILABLE,
                "The assistant is not answering right now. Please try again in a moment.".into(),
                conversation_id,
            )
        }
        Err(BackendError::NotFound(_)) => failed_turn(
            &current,
            text.as_str(),
            StatusCode::NOT_FOUND,
            "That conversation is gone, or this server has no assistant. Start a new chat and try again.".into(),
            None,
        ),
        Err(BackendError::Rejected { status, message }) => failed_turn(
            &current,
            text.as_str(),
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message,
            conversation_id,
        ),
        Err(other) => Err(WebError::Backend(other)),
    }
}

/// A turn that did not reach the assistant: in the chat log for htmx (the person
/// sees their message and why it failed), else as an error page.
fn failed_turn(
    current: &CurrentSession,
    typed: &str,
    status: StatusCode,
    message: String,
    conversation_id: Option<ConversationId>,
) -> Result<Response> {
    if !current.htmx {
        return Ok(crate::error::Problem::response(
            status,
            "The message was not sent",
            message,
            status == StatusCode::SERVICE_UNAVAILABLE,
        ));
    }
    let mut messages = Vec::new();
    if !typed.is_empty() {
        messages.push(MessageView::user(typed));
    }
    messages.push(MessageView::failure(message));
    let fragment = ChatReplyFragment {
        messages,
        conversation_id,
        picker: None,
    };
    html(status, &fragment)
}
