//! MCP writes in `serve` (only with `--mcp-writes`): a write tool call is not
//! run; it becomes a plan in the approval queue (RBAC-checked, dry-run, with its
//! diff) exactly like a request from the API, requested by the token's owner. The
//! client gets the plan id and where a person decides it; the token that asked
//! cannot approve it (an MCP client cannot approve its own write).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::request::Parts;
use serde_json::Value;

use super::agent::Agent;
use super::approvals::PlanState;
use super::auth::Tokens;
use crate::mcp::WriteQueue;
use crate::ops::operation_from_tool;

/// The approval queue as seen from MCP.
pub struct McpApprovals {
    pub agent: Arc<Agent>,
    pub tokens: Arc<Tokens>,
}

impl McpApprovals {
    async fn queue_write(
        &self,
        tool: &str,
        args: Value,
        request: Option<&Parts>,
    ) -> Result<String, String> {
        let Some(parts) = request else {
            return Err("write tools are offered over HTTP only, where the caller is known".into());
        };
        let caller = self
            .tokens
            .authenticate(&parts.headers)
            .map_err(|e| e.to_string())?;
        let op = operation_from_tool(tool, args)?;
        let plan = self
            .agent
            .submit_steps_via(
                &caller,
                &format!("mcp tools/call {tool}"),
                None,
                vec![op],
                Some("mcp"),
            )
            .await
            .map_err(|e| e.to_string())?;
        let steps: Vec<&str> = plan.steps.iter().map(|s| s.kubectl.as_str()).collect();
        match plan.state {
            PlanState::PendingApproval => {
                let diffs: String = plan.changes.iter().map(|c| c.diff.as_str()).collect();
                Ok(format!(
                    "Not run yet: plan {id} ({steps}) waits for a person's approval until {expires}. \
                     An approver decides it in the console at /console/plans/{id} (or POST /api/plans/{id}/approve); \
                     this client cannot approve its own write. GET /api/plans/{id} tells how it went.\n{diffs}",
                    id = plan.id,
                    steps = steps.join("; "),
                    expires = plan.expires,
                ))
            }
            state => Err(format!(
                "plan {} is {}: {}",
                plan.id,
                state.as_str(),
                plan.message.as_deref().unwrap_or("")
            )),
        }
    }
}

impl WriteQueue for McpApprovals {
    fn queue<'a>(
        &'a self,
        tool: &'a str,
        args: Value,
        request: Option<&'a Parts>,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(self.queue_write(tool, args, request))
    }
}
