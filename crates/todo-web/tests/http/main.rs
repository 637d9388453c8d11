//! The frontend over real HTTP in front of the real backend: probes, security
//! headers, cookie flags, CSRF, log-in and log-out, the task forms with and
//! without htmx, isolation between users, and the backend going away.

#[path = "../common/mod.rs"]
mod common;

mod backend;
mod routes;
mod security;
mod sessions;
mod tasks;

const PASSWORD: &str = "correct horse battery";
