//! `todo`: wires configuration, logging, the store and the servers together.

mod cli;
mod commands;
mod config;
mod database;
mod error;
mod memory;
mod server;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, LogFormat};

fn main() -> ExitCode {
    memory::tune_allocator();
    let cli = Cli::parse();
    telemetry::init(&cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("todo: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match cli.log.log_format {
                LogFormat::Json => tracing::error!(error = %e, "todo stopped"),
                LogFormat::Text => eprintln!("todo: {e}"),
            }
            ExitCode::FAILURE
        }
    }
}
