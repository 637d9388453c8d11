//! Command-line interface. Every flag can also come from the environment
//! variable named in its help.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The Todo Chatbot: a task list you can manage by chatting.
#[derive(Debug, Parser)]
#[command(name = "todo", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (the backend).
    Api(ApiArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(StoreArgs),
    /// Run the web frontend (server-rendered pages that call the API at BACKEND_URL).
    Web(crate::commands::web::WebArgs),
    /// Run the API and the web frontend in one process: open http://localhost:3000.
    Serve(ServeArgs),
    /// Serve the task tools over MCP on stdin/stdout (for Claude Desktop, IDEs, agents).
    Mcp(crate::commands::mcp::McpArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Log filter, e.g. `info`, `warn,todo_api=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log_level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Database: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`. Unset: the embedded
    /// SQLite file `todo.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory of the embedded database and the generated secret. Default:
    /// `$XDG_DATA_HOME/todo-chatbot`, else `~/.local/share/todo-chatbot`.
    #[arg(long, env = "TODO_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// How to listen.
#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address to listen on; the container image sets 0.0.0.0.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the API.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value = "10", value_parser = parse_seconds)]
    pub shutdown_timeout: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Secret that signs login tokens, at least 32 bytes. Prefer the environment
    /// variable: command lines are visible to other users of the machine. Unset with
    /// the embedded database: generated once and kept beside it.
    #[arg(long, env = "BETTER_AUTH_SECRET", hide_env_values = true)]
    pub auth_secret: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address both servers listen on; the container image sets 0.0.0.0.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the web frontend (the one to open in a browser).
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Port of the API; the web frontend calls it over loopback.
    #[arg(long, env = "API_PORT", default_value_t = 8000)]
    pub api_port: u16,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value = "10", value_parser = parse_seconds)]
    pub shutdown_timeout: Duration,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Secret that signs login tokens, at least 32 bytes (see `todo api --help`).
    #[arg(long, env = "BETTER_AUTH_SECRET", hide_env_values = true)]
    pub auth_secret: Option<String>,
    #[command(flatten)]
    pub web: crate::commands::web::WebOptions,
}

impl ServeArgs {
    /// The API's part of the settings.
    pub fn api_args(&self) -> ApiArgs {
        ApiArgs {
            listen: ListenArgs {
                host: self.host.clone(),
                port: self.api_port,
                shutdown_timeout: self.shutdown_timeout,
            },
            store: self.store.clone(),
            auth_secret: self.auth_secret.clone(),
        }
    }
}

fn parse_seconds(raw: &str) -> Result<Duration, String> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{raw:?} is not a number of seconds between 0 and 3600"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn seconds_are_bounded() {
        assert_eq!(parse_seconds("2.5").unwrap(), Duration::from_millis(2500));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("inf").is_err());
    }
}
