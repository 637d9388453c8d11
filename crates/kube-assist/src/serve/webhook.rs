//! The optional findings webhook: after a scheduled check, problems not sent
//! before are POSTed as one Slack-compatible message (`{"text": "..."}`, which
//! Slack, Mattermost, Rocket.Chat and most chat incoming webhooks accept). A
//! problem is sent once while it lasts; one that went away and came back is sent
//! again. A failed POST is retried at the next check. The URL is a secret (a Slack
//! webhook URL is its own credential), so it is never logged.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use crate::analyze::{Finding, Severity};

/// Most problems listed in one message; the rest are counted.
const MAX_LISTED: usize = 20;

/// Where findings go, and which were sent.
pub struct Webhook {
    url: String,
    http: reqwest::Client,
    /// Keys (see [`super::schedule::key`]) of problems already sent and still present.
    sent: Mutex<BTreeSet<String>>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Webhook { url: <secret> }")
    }
}

impl Webhook {
    /// A webhook to `url` (http or https).
    pub fn new(url: &str) -> Result<Webhook, String> {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(
                "--webhook-url must be an http:// or https:// URL (e.g. a Slack incoming webhook)"
                    .into(),
            );
        }
        // reqwest carries no crypto provider of its own (kube's ring is the one).
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot set up the webhook's HTTP client: {e}"))?;
        Ok(Webhook {
            url: url.to_string(),
            http,
            sent: Mutex::new(BTreeSet::new()),
        })
    }

    /// Send the problems among `findings` not sent before; forget those gone.
    /// Returns how many were sent, or why the POST failed.
    pub async fn notify(&self, findings: &[Finding], cluster: &str) -> Result<usize, String> {
        let problems: Vec<(&Finding, String)> = findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .map(|f| (f, super::schedule::key(f)))
            .collect();
        let current: BTreeSet<String> = problems.iter().map(|(_, k)| k.clone()).collect();
        let sent = {
            let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
            sent.retain(|k| current.contains(k));
            sent.clone()
        };
        let new: Vec<&(&Finding, String)> =
            problems.iter().filter(|(_, k)| !sent.contains(k)).collect();
        if new.is_empty() {
            return Ok(0);
        }
        let text = message(new.iter().map(|(f, _)| *f), new.len(), cluster);
        let resp = self
            .http
            .post(&self.url)
            .json(&serde_json::json!({ "text": text }))
            .send()
            .await
            // reqwest's error names the URL: say what failed without it.
            .map_err(|e| format!("the webhook POST failed: {}", e.without_url()))?;
        if !resp.status().is_success() {
            return Err(format!("the webhook answered {}", resp.status()));
        }
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.extend(new.iter().map(|(_, k)| k.clone()));
        Ok(new.len())
    }
}

/// The message text: a headline and one line per problem, most severe first.
fn message<'a>(new: impl Iterator<Item = &'a Finding>, count: usize, cluster: &str) -> String {
    let mut new: Vec<&Finding> = new.collect();
    // Severity orders worst first.
    new.sort_by_key(|f| f.severity);
    let mut text = format!(
        "kubectl-assist on {cluster}: {count} new problem{}",
        if count == 1 { "" } else { "s" }
    );
    for f in new.iter().take(MAX_LISTED) {
        text.push_str(&format!(
            "\n• [{}] {}: {} — {}",
            severity_word(f.severity),
            f.object,
            f.reason,
            f.cause
        ));
    }
    if count > MAX_LISTED {
        text.push_str(&format!("\n… and {} more", count - MAX_LISTED));
    }
    text
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_webhooks() {
        assert!(Webhook::new("hooks.slack.com/services/x").is_err());
        assert!(Webhook::new("file:///etc/passwd").is_err());
        // The URL's path is the credential: it never shows in Debug output (logs).
        let w = Webhook::new("https://hooks.example.com/T/B/xoxb-7f3a9c").unwrap();
        let shown = format!("{w:?}");
        assert!(
            !shown.contains("xoxb-7f3a9c") && !shown.contains("hooks.example.com"),
            "{shown}"
        );
    }
}
