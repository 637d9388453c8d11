//! The web frontend in a real browser: Debian's headless Chromium driven over
//! WebDriver (chromedriver) by fantoccini, against the real `todo serve` binary
//! (API + web in one process, embedded SQLite, offline planner) on free loopback
//! ports with a temporary data directory. Each scenario saves a screenshot under
//! `target/screenshots/`.
//!
//! Needs `chromium` and `chromedriver` (scripts/install.d/browser.sh installs them);
//! without them the tests fail with that instruction, they never skip.

mod accounts;
mod browser;
mod chat;
mod server;
mod tasks;
