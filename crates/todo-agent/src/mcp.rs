//! The task tools as an MCP server (official Rust SDK, rmcp): over stdio for
//! local clients, and as a streamable-HTTP service the API mounts at `/mcp`.
//!
//! The acting user never comes from tool arguments. Over stdio it is fixed when
//! the server starts; over HTTP the API's auth middleware verifies the bearer
//! token and puts a [`UserId`] into the request extensions, which rmcp hands to
//! the handler inside [`http::request::Parts`].

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};
use todo_core::{Store, UserId};
use tracing::{info, instrument};

use crate::tools::{TaskTools, ToolFailure, standalone_tool_specs};

/// Where the acting user comes from.
#[derive(Debug, Clone)]
enum UserSource {
    /// Chosen when the server started (stdio).
    Fixed(UserId),
    /// Put into the HTTP request's extensions by the API's auth middleware.
    HttpRequest,
}

/// The MCP server of the task tools.
#[derive(Clone)]
pub struct TodoMcpServer {
    tools: TaskTools,
    user: UserSource,
}

const INSTRUCTIONS: &str = "Manage the signed-in user's to-do list. Use list_tasks or search_tasks to find task ids, \
then complete_task, update_task, set_priority, reopen_task or delete_task. Dates are RFC 3339.";

impl TodoMcpServer {
    /// A server acting as one fixed user (stdio).
    pub fn for_user(store: Arc<dyn Store>, user: UserId) -> Self {
        Self {
            tools: TaskTools::new(store),
            user: UserSource::Fixed(user),
        }
    }

    /// A server that takes the user from each HTTP request.
    pub fn for_http(store: Arc<dyn Store>) -> Self {
        Self {
            tools: TaskTools::new(store),
            user: UserSource::HttpRequest,
        }
    }

    fn user(&self, ctx: &RequestContext<RoleServer>) -> Result<UserId, McpError> {
        match &self.user {
            UserSource::Fixed(u) => Ok(u.clone()),
            UserSource::HttpRequest => ctx
                .extensions
                .get::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<UserId>())
                .cloned()
                // Unreachable behind the auth middleware; refuse rather than guess.
                .ok_or_else(|| {
                    McpError::invalid_request(
                        "not authenticated: send Authorization: Bearer <token>",
                        None,
                    )
                }),
        }
    }
}

/// The tools as MCP publishes them, from the same schemas the LLM planner uses.
pub fn mcp_tools() -> Vec<Tool> {
    standalone_tool_specs()
        .into_iter()
        .map(|spec| {
            let annotations = ToolAnnotations::new()
                .read_only(spec.read_only)
                .destructive(matches!(spec.name, "delete_task" | "delete_tasks"))
                .idempotent(!matches!(spec.name, "add_task" | "add_tasks" | "undo"))
                .open_world(false);
            Tool::new(spec.name, spec.description, Arc::new(spec.input_schema))
                .with_annotations(annotations)
        })
        .collect()
}

impl ServerHandler for TodoMcpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "todo-chatbot",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(mcp_tools()))
    }

    #[instrument(level = "info", skip_all, fields(tool = %request.name))]
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let user = self.user(&context)?;
        let args = request.arguments.map(Value::Object).unwrap_or(Value::Null);
        let result = match self.tools.call(&user, &request.name, args).await {
            Ok(ok) => match ok.output {
                // structuredContent must be an object; listings keep their exact
                // array shape in the text content.
                Value::Object(_) => CallToolResult::structured(ok.output),
                array => {
                    let mut r =
                        CallToolResult::success(vec![ContentBlock::text(array.to_string())]);
                    r.structured_content = Some(json!({ "tasks": array }));
                    r
                }
            },
            Err(ToolFailure::UnknownTool(name)) => {
                return Err(McpError::invalid_params(
                    format!("unknown tool {name:?}"),
                    None,
                ));
            }
            // Not found, bad arguments, wrong user: a tool result the model can read.
            Err(failure) => CallToolResult::error(vec![ContentBlock::text(failure.message())]),
        };
        Ok(result.into())
    }
}

/// Serves the tools over stdin/stdout as `user` until the client disconnects.
pub async fn serve_stdio(store: Arc<dyn Store>, user: UserId) -> std::io::Result<()> {
    info!(user = %user, "MCP server on stdio");
    let running = TodoMcpServer::for_user(store, user)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| std::io::Error::other(format!("MCP initialisation failed: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| std::io::Error::other(format!("MCP server stopped: {e}")))?;
    Ok(())
}

/// The streamable-HTTP MCP service, to mount at `/mcp` behind the API's auth
/// middleware (which must put the caller's [`UserId`] in request extensions).
///
/// Stateless (no MCP sessions), so any replica answers any request; JSON
/// responses for simple calls. Host checks are off because the service runs
/// behind a Kubernetes Service whose host names are not known here, and every
/// request needs a bearer token, which a DNS-rebinding page cannot send.
pub fn http_service(
    store: impl Fn() -> Option<Arc<dyn Store>> + Send + Sync + 'static,
) -> StreamableHttpService<TodoMcpServer, LocalSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .disable_allowed_hosts();
    StreamableHttpService::new(
        move || {
            store()
                .map(TodoMcpServer::for_http)
                .ok_or_else(|| std::io::Error::other("the database is not connected yet"))
        },
        Arc::new(LocalSessionManager::default()),
        config,
    )
}
