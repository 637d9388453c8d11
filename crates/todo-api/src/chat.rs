//! The chat endpoints: `POST /api/{user_id}/chat` runs one stateless turn of the
//! agent (history from the database, the user's message stored before the agent
//! runs, the reply after), and `GET /api/{user_id}/conversations[/{id}]` reads
//! the history back. A conversation id of another user is 404, like one that
//! does not exist.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use todo_agent::{
    Agent, AgentConfig, AgentError, LlmPlanner, LlmPlannerConfig, OfflinePlanner, Planner,
    TurnOptions, UserTz,
};
use todo_core::{ChatText, ConversationId};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, Result};
use crate::extract::{ApiJson, ApiQuery, path_param};
use crate::state::AppState;

/// The planner every chat turn uses, chosen once at start-up.
#[derive(Clone)]
pub struct ChatService {
    planner: Arc<dyn Planner>,
    config: AgentConfig,
}

impl ChatService {
    pub fn new(planner: Arc<dyn Planner>, config: AgentConfig) -> Self {
        Self { planner, config }
    }

    /// The offline planner: deterministic, no network.
    pub fn offline() -> Self {
        Self::new(Arc::new(OfflinePlanner::new()), AgentConfig::default())
    }

    /// The LLM planner when `LLM_PROVIDER`/`LLM_BASE_URL` configure one, else the
    /// offline planner. A broken LLM configuration is logged as an error and the
    /// offline planner serves, so chat keeps working while the setting is fixed.
    pub fn from_env() -> Self {
        match llm::LlmConfig::from_env().and_then(|c| c.map(llm::LlmClient::new).transpose()) {
            Ok(Some(client)) => {
                tracing::info!(provider = client.config().provider.as_str(), model = %client.config().model, "chat uses the LLM planner");
                Self::new(
                    Arc::new(LlmPlanner::new(
                        Arc::new(client),
                        LlmPlannerConfig::default(),
                    )),
                    AgentConfig::default(),
                )
            }
            Ok(None) => Self::offline(),
            Err(e) => {
                tracing::error!(error = %e, "LLM settings are invalid; chat uses the offline planner");
                Self::offline()
            }
        }
    }

    fn agent(&self, state: &AppState) -> Result<Agent> {
        Ok(Agent::new(
            state.store.get()?.clone(),
            self.planner.clone(),
            self.config,
        ))
    }
}

pub fn router() -> Router<AppState> {
    router_with(ChatService::from_env())
}

/// The chat routes with a given planner (tests pass their own).
pub fn router_with(service: ChatService) -> Router<AppState> {
    Router::new()
        .route("/api/{user_id}/chat", post(chat))
        .route("/api/{user_id}/conversations", get(list_conversations))
        .route("/api/{user_id}/conversations/{id}", get(get_conversation))
        .layer(Extension(service))
}

/// One chat message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// Continue this conversation; omit to start a new one.
    #[schema(minimum = 1)]
    pub conversation_id: Option<i64>,
    /// What the user said, 1 to 2000 characters.
    #[schema(example = "Add a task to buy groceries tomorrow at 5pm")]
    pub message: String,
    /// The user's time zone for relative dates: an IANA name (`Europe/Berlin`) or an
    /// offset (`+02:00`). Default UTC.
    pub timezone: Option<String>,
}

// The answer bodies are declared once in todo-core, where the web frontend reads them too.
/// One tool the agent ran while answering (the domain type is the wire type).
pub use todo_core::ToolCall as ToolCallView;
pub use todo_core::api::{ChatResponse, ConversationDetail, ConversationView, MessageView};

/// Paging of conversation lists and message histories.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many, 1 to 500 (default 50 conversations, 200 messages).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// How many conversations to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub offset: Option<String>,
}

impl PageParams {
    fn limit(&self, default: u32) -> Result<u32> {
        parse_limit(self.limit.as_deref(), default)
    }

    fn offset(&self) -> Result<u32> {
        match &self.offset {
            None => Ok(0),
            Some(raw) => raw.trim().parse::<u32>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "query parameter offset: {raw:?} must be a whole number, 0 or more"
                ))
            }),
        }
    }
}

/// How much of a conversation's history: its latest `limit` messages (there is no
/// offset, so one is refused rather than ignored).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// How many of the latest messages, 1 to 500 (default 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

fn parse_limit(raw: Option<&str>, default: u32) -> Result<u32> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "query parameter limit: {raw:?} must be a whole number from 1 to 500"
                ))
            }),
    }
}

/// The `{id}` of a conversation path: a positive integer (400 otherwise).
#[derive(Debug, Clone, Copy)]
pub struct ConversationIdParam(pub ConversationId);

impl<S: Send + Sync> FromRequestParts<S> for ConversationIdParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = path_param(parts, state, "id").await?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Self(ConversationId(id))),
            _ => Err(ApiError::BadRequest(format!(
                "conversation id {raw:?} is not valid; use the positive integer `conversation_id` from a chat reply"
            ))),
        }
    }
}

fn agent_error(e: AgentError) -> ApiError {
    match e {
        AgentError::ConversationNotFound => ApiError::NotFound(
            "conversation not found; omit conversation_id to start a new one".to_string(),
        ),
        AgentError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
        AgentError::Invalid(v) => v.into(),
        AgentError::Storage(detail) => ApiError::Internal(format!("chat storage: {detail}")),
    }
}

/// Sends a message to the agent and returns its reply with the tools it ran.
#[utoipa::path(post, path = "/api/{user_id}/chat", tag = "chat", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id")),
    request_body = ChatRequest,
    responses(
        (status = 200, description = "The agent's reply", body = ChatResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such conversation for this user", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Empty or too long message, bad time zone", body = ErrorBody),
    ))]
#[tracing::instrument(name = "chat", skip_all, fields(user = %user))]
pub async fn chat(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Extension(service): Extension<ChatService>,
    ApiJson(body): ApiJson<ChatRequest>,
) -> Result<Json<ChatResponse>> {
    let message = ChatText::parse(&body.message)?;
    let tz = body.timezone.as_deref().map(UserTz::parse).transpose()?;
    let conversation = match body.conversation_id {
        Some(id) if id <= 0 => {
            return Err(ApiError::Unprocessable(
                "conversation_id: must be a positive integer from an earlier reply".to_string(),
            ));
        }
        other => other.map(ConversationId),
    };
    let reply = service
        .agent(&state)?
        .chat_with(&user, conversation, message, TurnOptions { now: None, tz })
        .await
        .map_err(agent_error)?;
    Ok(Json(ChatResponse {
        conversation_id: reply.conversation_id,
        response: reply.response,
        tool_calls: reply.tool_calls,
    }))
}

/// Lists the user's conversations, most recently active first.
#[utoipa::path(get, path = "/api/{user_id}/conversations", tag = "chat", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"), PageParams),
    responses(
        (status = 200, description = "Conversations", body = [ConversationView]),
        (status = 400, description = "A bad query parameter", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
    ))]
#[tracing::instrument(name = "list_conversations", skip_all, fields(user = %user))]
pub async fn list_conversations(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Vec<ConversationView>>> {
    let (limit, offset) = (page.limit(50)?, page.offset()?);
    let list = state
        .store
        .get()?
        .list_conversations(&user, limit, offset)
        .await?;
    Ok(Json(list.into_iter().map(ConversationView::from).collect()))
}

/// One conversation with its messages (the last `limit`, oldest first).
#[utoipa::path(get, path = "/api/{user_id}/conversations/{id}", tag = "chat", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user's id"),
           ("id" = i64, Path, description = "The conversation id"), HistoryParams),
    responses(
        (status = 200, description = "The conversation and its messages", body = ConversationDetail),
        (status = 400, description = "A bad id or query parameter", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token is another user's", body = ErrorBody),
        (status = 404, description = "No such conversation for this user", body = ErrorBody),
    ))]
#[tracing::instrument(name = "get_conversation", skip_all, fields(user = %user))]
pub async fn get_conversation(
    AuthUser(user): AuthUser,
    ConversationIdParam(id): ConversationIdParam,
    State(state): State<AppState>,
    ApiQuery(history): ApiQuery<HistoryParams>,
) -> Result<Json<ConversationDetail>> {
    let limit = parse_limit(history.limit.as_deref(), 200)?;
    let store = state.store.get()?;
    let not_found = |e: todo_core::StoreError| match e {
        todo_core::StoreError::NotFound(_) => {
            ApiError::NotFound("conversation not found".to_string())
        }
        other => other.into(),
    };
    let conversation = store.conversation(&user, id).await.map_err(not_found)?;
    let messages = store.messages(&user, id, limit).await.map_err(not_found)?;
    Ok(Json(ConversationDetail {
        conversation: conversation.into(),
        messages: messages.into_iter().map(MessageView::from).collect(),
    }))
}

/// The chat part of the OpenAPI document; merged by [`crate::openapi::document`].
#[derive(OpenApi)]
#[openapi(
    paths(chat, list_conversations, get_conversation),
    components(schemas(ChatRequest, ChatResponse, ToolCallView, ConversationView, MessageView, ConversationDetail)),
    tags((name = "chat", description = "Talk to the task agent; conversations are stored and resumable"))
)]
pub struct ChatDoc;
