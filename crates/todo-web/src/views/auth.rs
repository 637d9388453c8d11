//! The sign-up and log-in pages.

use askama::Template;

use super::Chrome;

#[derive(Template)]
#[template(path = "login.html", whitespace = "minimize")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub email: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "signup.html", whitespace = "minimize")]
pub struct SignupPage {
    pub chrome: Chrome,
    pub name: String,
    pub email: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}
