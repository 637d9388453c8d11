//! One module per subcommand.

pub mod api;
pub mod mcp;
pub mod migrate;
pub mod serve;
pub mod web;

use crate::cli::Command;
use crate::error::Result;

pub async fn run(command: Command) -> Result<()> {
    match command {
        Command::Api(args) => api::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Mcp(args) => mcp::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Web(args) => web::run(args).await,
    }
}
