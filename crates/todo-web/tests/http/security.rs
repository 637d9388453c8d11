//! Security headers on every answer, the session cookie's flags, and CSRF.

use http::{Method, StatusCode};

use crate::PASSWORD;
use crate::common::{Stack, Visitor};

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let htmx_url = format!("/assets/htmx-{}.min.js", todo_web::HTMX_VERSION);
    let mut pages = Vec::new();
    for path in [
        "/",
        "/login",
        "/signup",
        "/healthz",
        "/tasks",
        "/no/such/page",
        htmx_url.as_str(),
    ] {
        pages.push((path.to_string(), visitor.get(path).await));
    }
    pages.push((
        "POST /tasks".into(),
        visitor.post("/tasks", &[("title", "x")]).await,
    ));
    visitor.sign_up("Ann", "ann@example.com", PASSWORD).await;
    pages.push(("/tasks signed in".into(), visitor.get("/tasks").await));

    for (what, page) in &pages {
        let csp = page.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{what}: {csp}"
        );
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(page.header("x-frame-options"), "DENY", "{what}");
        assert_eq!(page.header("referrer-policy"), "same-origin", "{what}");
    }
    let (_, signed_in) = pages.last().unwrap();
    assert_eq!(signed_in.status, StatusCode::OK);
    assert_eq!(
        signed_in.header("cache-control"),
        "no-store",
        "pages with personal data are not cached"
    );
    // No inline scripts or handlers anywhere: scripts come from the site's own files.
    for (what, page) in &pages {
        assert!(
            !page.body.contains("<script>") && !page.body.contains("onclick="),
            "{what} has inline script"
        );
    }
}

#[tokio::test]
async fn session_cookie_is_httponly_strict_and_secure_behind_https() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let page = visitor.get("/login").await;
    let cookie = page
        .session_cookie()
        .expect("a session cookie for the CSRF secret");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http gets no Secure flag: {cookie}"
    );

    let mut behind_tls = Visitor::new(stack.web);
    let page = behind_tls
        .request(
            Method::GET,
            "/login",
            &[("x-forwarded-proto", "https")],
            None,
        )
        .await;
    assert!(
        page.session_cookie().unwrap().contains("; Secure"),
        "https gets Secure"
    );

    let signed_up = {
        let token = visitor.csrf().await;
        visitor
            .post(
                "/signup",
                &[
                    ("csrf_token", &token),
                    ("name", "Ann"),
                    ("email", "ann@example.com"),
                    ("password", PASSWORD),
                ],
            )
            .await
    };
    let cookie = signed_up
        .session_cookie()
        .expect("a new session at sign-up");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(
        !cookie.contains("eyJ"),
        "the JWT is sealed, not readable in the cookie"
    );
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();

    let missing = ann.post("/tasks", &[("title", "no token")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(
        missing.body.contains("Reload the page"),
        "says what to do: {}",
        missing.body
    );
    let wrong = ann
        .post(
            "/tasks",
            &[("csrf_token", "forged"), ("title", "wrong token")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let mut other = stack.visitor();
    let foreign = other.csrf().await;
    let theirs = ann
        .post(
            "/tasks",
            &[
                ("csrf_token", &foreign),
                ("title", "token of another session"),
            ],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let htmx_wrong = ann
        .request(
            Method::POST,
            "/tasks",
            &[("hx-request", "true"), ("x-csrf-token", "forged")],
            Some(&[("title", "x")]),
        )
        .await;
    assert_eq!(htmx_wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        htmx_wrong.header("hx-retarget"),
        "#flash",
        "htmx shows the refusal in the flash area"
    );
    let logout = ann.post("/logout", &[]).await;
    assert_eq!(
        logout.status,
        StatusCode::FORBIDDEN,
        "even log-out needs the token"
    );

    let list = ann.get("/tasks").await;
    assert!(
        list.body.contains("No tasks yet"),
        "none of the refused posts created a task"
    );

    let ok = ann
        .post(
            "/tasks",
            &[("csrf_token", &token), ("title", "with the token")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let via_header = ann
        .request(
            Method::POST,
            "/tasks",
            &[("hx-request", "true"), ("x-csrf-token", &token)],
            Some(&[("title", "via header")]),
        )
        .await;
    assert_eq!(
        via_header.status,
        StatusCode::CREATED,
        "{}",
        via_header.body
    );
    let list = ann.get("/tasks").await.body;
    assert!(list.contains("with the token") && list.contains("via header"));

    // Log-in itself is protected too (login CSRF).
    let mut fresh = stack.visitor();
    let no_token = fresh
        .post(
            "/login",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
}
