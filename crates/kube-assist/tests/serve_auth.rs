//! Trusted-header authentication of `kubectl-assist serve` (oauth2-proxy style):
//! the real binary on loopback behind no proxy at all, so the test is the proxy —
//! the header is believed from the configured source addresses only.

mod common;
mod serving;

use std::process::{Command, Stdio};

use common::{FakeApi, todo_cluster};
use serde_json::Value;
use serving::{APPROVER, serve};

const HEADER: &str = "X-Auth-Request-User";

async fn whoami(s: &serving::Served, user: Option<&str>, token: Option<&str>) -> (u16, Value) {
    let mut req = s.http.get(format!("{}/api/whoami", s.url));
    if let Some(u) = user {
        req = req.header(HEADER, u);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    (code, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_trusted_proxy_names_the_person_and_the_tokens_file_gives_the_role() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(
        &api,
        &[
            "--events=false",
            "--trusted-header",
            HEADER,
            "--trusted-proxies",
            "10.0.0.0/8,127.0.0.1",
        ],
    )
    .await;
    // anna is in the tokens file as an approver; zoe is not, so she gets the default role.
    let (code, who) = whoami(&s, Some("anna"), None).await;
    assert_eq!(code, 200, "{who}");
    assert_eq!(
        (who["name"].as_str(), who["role"].as_str()),
        (Some("anna"), Some("approver"))
    );
    let (code, who) = whoami(&s, Some("zoe@example.com"), None).await;
    assert_eq!(code, 200, "{who}");
    assert_eq!(who["role"], "viewer");
    // zoe, a viewer, may read but not request a write.
    let resp = s
        .http
        .post(format!("{}/api/requests", s.url))
        .header(HEADER, "zoe@example.com")
        .header("content-type", "application/json")
        .body(r#"{"request": "scale the frontend to 2 replicas", "namespace": "todo"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("needs the operator role")
    );
    assert!(api.writes().is_empty());
    // No header, no token: refused as before. A bearer token still works.
    assert_eq!(whoami(&s, None, None).await.0, 401);
    assert_eq!(whoami(&s, None, Some(APPROVER)).await.1["name"], "anna");
    // A name with a space is not a name: the header is not believed.
    assert_eq!(whoami(&s, Some("anna smith"), None).await.0, 401);

    // The console opens a session for the proxy's person: the chat page, not the sign-in.
    let resp = s
        .http
        .get(format!("{}/", s.url))
        .header(HEADER, "anna")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        cookie.starts_with("ka_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let page = resp.text().await.unwrap();
    assert!(page.contains("anna"), "the page names the person: {page}");
    assert!(
        !page.contains("name=\"token\""),
        "not the sign-in page: {page}"
    );
}

#[tokio::test]
async fn the_header_from_an_address_not_configured_is_ignored() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let s = serve(
        &api,
        &[
            "--events=false",
            "--trusted-header",
            HEADER,
            "--trusted-proxies",
            "10.0.0.0/8",
        ],
    )
    .await;
    let (code, body) = whoami(&s, Some("anna"), None).await;
    assert_eq!(code, 401, "127.0.0.1 is not a trusted proxy: {body}");
    let resp = s
        .http
        .get(format!("{}/", s.url))
        .header(HEADER, "anna")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("set-cookie").is_none());
    assert!(
        resp.text().await.unwrap().contains("name=\"token\""),
        "the sign-in page"
    );
}

#[test]
fn a_trusted_header_without_trusted_proxies_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, format!("anna approver {APPROVER}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-assist"))
        .args(["serve", "--trusted-header", HEADER, "--tokens-file"])
        .arg(&tokens)
        .args(["--kubeconfig", "/nonexistent/kubeconfig"])
        .env_remove("KUBECTL_ASSIST_TRUSTED_PROXIES")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--trusted-proxies"), "{err}");
}
