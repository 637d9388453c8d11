//! What the templates show: view models built from backend data, and the askama
//! template types, one module per page module of [`crate::pages`]. Views hold
//! display-ready strings, so templates stay free of logic.

mod auth;
mod chat;
mod clock;
mod tasks;

use askama::Template;

use crate::assets::AssetUrls;

pub use auth::{LoginPage, SignupPage};
pub use chat::{ChatReplyFragment, ChatView, MessageView};
pub use clock::LocalClock;
pub use tasks::{
    AddFormFragment, AppPage, EditFragment, EditPage, ListState, TaskFormView, TaskListFragment,
    TaskListView, priority_choices,
};

/// What every page's frame needs.
pub struct Chrome {
    pub csrf: String,
    pub assets: AssetUrls,
    /// `Some` when someone is signed in: shown with the log-out button.
    pub user_label: Option<String>,
}

#[derive(Template)]
#[template(path = "problem.html", whitespace = "minimize")]
pub struct ProblemPage<'a> {
    pub chrome: Chrome,
    pub title: &'a str,
    pub message: &'a str,
    /// Where the page reloads itself to while the backend is away.
    pub retry_url: Option<String>,
    pub home: &'static str,
}

#[derive(Template)]
#[template(path = "problem_fragment.html", whitespace = "minimize")]
pub struct ProblemFragment<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub retry: bool,
}
