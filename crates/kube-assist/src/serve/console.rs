//! The web console (placeholder routes until the pages land).

use std::sync::Arc;

use axum::Router;

use super::ServeState;

/// Console sessions.
#[derive(Default)]
pub struct ConsoleState {}

pub fn routes() -> Router<Arc<ServeState>> {
    Router::new()
}
