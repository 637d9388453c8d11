//! `todo mcp`: the task tools as an MCP server on stdin/stdout, for MCP clients
//! that start a local process (Claude Desktop, IDEs). stdout carries only the
//! protocol; logs go to stderr.
//!
//! The acting user is fixed at start: from a login token (`--token`/TODO_TOKEN,
//! checked with the same secret the API signs with), or, for local use against a
//! SQLite database, by e-mail with `--user`.

use clap::Args;
use todo_api::ApiConfig;
use todo_api::auth::token::TokenKeys;
use todo_core::{Email, UserId};

use crate::cli::StoreArgs;
use crate::config::{self, StoreChoice};
use crate::database;
use crate::error::{CliError, Result};

#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// A login token from /api/auth/login or /api/auth/signup; the tools act as its
    /// user. Prefer the environment variable: command lines are visible to others.
    #[arg(
        long,
        env = "TODO_TOKEN",
        hide_env_values = true,
        conflicts_with = "user"
    )]
    pub token: Option<String>,
    /// Act as the user with this e-mail. Only with a SQLite database (local use):
    /// whoever can read that file can read its tasks anyway.
    #[arg(long, value_name = "EMAIL")]
    pub user: Option<String>,
    /// Secret the API signs tokens with, to check `--token`. Unset with the embedded
    /// database: the generated secret kept beside it.
    #[arg(long, env = "BETTER_AUTH_SECRET", hide_env_values = true)]
    pub auth_secret: Option<String>,
}

pub async fn run(args: McpArgs) -> Result<()> {
    let choice = StoreChoice::from_args(&args.store)?;
    let store = database::connect_once(&choice.url).await?;
    let user = match (
        args.token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty()),
        args.user.as_deref(),
    ) {
        (Some(token), _) => {
            let secret = config::auth_secret(args.auth_secret.as_deref(), &choice)?;
            let keys = TokenKeys::new(&secret, ApiConfig::DEFAULT_TOKEN_TTL);
            let id = todo_api::auth::authenticate(&keys, store.as_ref(), token)
                .await
                .map_err(|e| CliError::Mcp(format!("--token/TODO_TOKEN: {e}")))?
                .user;
            known_user(&*store, id).await?
        }
        (None, Some(email)) => {
            let remote = args
                .store
                .database_url
                .as_deref()
                .map(str::trim)
                .is_some_and(|u| u.starts_with("postgres"));
            if remote {
                return Err(CliError::Mcp(
                    "--user works only with a SQLite database; with PostgreSQL pass a login token in TODO_TOKEN".into(),
                ));
            }
            let email = Email::parse(email).map_err(|e| CliError::Mcp(format!("--user: {e}")))?;
            store
                .user_by_email(&email)
                .await
                .map_err(|e| CliError::Store(e.to_string()))?
                .ok_or_else(|| {
                    CliError::Mcp(format!("--user: no account for {email}; sign up first"))
                })?
                .user
                .id
        }
        (None, None) => {
            return Err(CliError::Mcp(
                "say whose tasks to serve: TODO_TOKEN=<login token> (or --token), or --user EMAIL for a local SQLite database"
                    .into(),
            ));
        }
    };
    todo_agent::mcp::serve_stdio(store, user)
        .await
        .map_err(|e| CliError::Mcp(e.to_string()))
}

async fn known_user(store: &dyn todo_core::Store, id: UserId) -> Result<UserId> {
    match store.user(&id).await {
        Ok(Some(user)) => Ok(user.id),
        Ok(None) => Err(CliError::Mcp(
            "the token's user does not exist in this database".into(),
        )),
        Err(e) => Err(CliError::Store(e.to_string())),
    }
}
