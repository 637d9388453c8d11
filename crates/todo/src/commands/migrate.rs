//! `todo migrate`: opening a store runs its embedded migrations, so this
//! connects once and reports.

use crate::cli::StoreArgs;
use crate::config::StoreChoice;
use crate::database;
use crate::error::Result;

pub async fn run(args: StoreArgs) -> Result<()> {
    let choice = StoreChoice::from_args(&args)?;
    database::connect_once(&choice.url).await?;
    tracing::info!(database = %database::describe(&choice.url), "database schema is up to date");
    Ok(())
}
