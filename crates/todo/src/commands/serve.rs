//! `todo serve`: every part of the system in one process. Today that is the
//! API alone; the web front end joins by adding its [`Endpoint`] to the list.

use crate::cli::ServeArgs;
use crate::error::Result;
use crate::server::{self, Endpoint};

pub async fn run(args: ServeArgs) -> Result<()> {
    let api = &args.api;
    let state = super::api::prepare(api).await?;
    let listener = server::bind(&api.listen.host, api.listen.port).await?;
    let endpoints = vec![Endpoint {
        name: "api",
        listener,
        router: todo_api::router(state),
    }];
    server::serve(endpoints, api.listen.shutdown_timeout).await
}
