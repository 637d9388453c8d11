//! The frontend over real HTTP in front of the real backend: probes, security
//! headers, cookie flags, CSRF, log-in and log-out, the task forms with and
//! without htmx, isolation between users, and the backend going away.

mod common;

use common::{Stack, Visitor, start_web, task_id, web_config};
use http::{Method, StatusCode};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn probes_answer_without_a_session() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains(r#"action="/login""#),
        "the logged-out home page is the log-in form"
    );
    let health = visitor.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    assert_eq!(visitor.get("/readyz").await.status, StatusCode::OK);
}

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
async fn assets_are_cached_for_a_year_under_versioned_names() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let login = visitor.get("/login").await;
    let htmx_url = format!("/assets/htmx-{}.min.js", todo_web::HTMX_VERSION);
    assert!(
        login.body.contains(&htmx_url),
        "the page links the pinned htmx"
    );
    let htmx = visitor.get(&htmx_url).await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.header("content-type").starts_with("text/javascript"));
    assert_eq!(
        htmx.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(htmx.body.contains("htmx"), "the vendored file is served");
    let css_start = login.body.find("/assets/style.").expect("stylesheet link");
    let css_url = &login.body[css_start..login.body[css_start..].find('"').unwrap() + css_start];
    assert_eq!(visitor.get(css_url).await.status, StatusCode::OK);
    assert_eq!(
        visitor.get("/assets/style.css").await.status,
        StatusCode::NOT_FOUND,
        "only hashed names"
    );
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
async fn the_task_page_needs_a_log_in() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let page = visitor.get("/tasks").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
    let fragment = visitor.htmx_get("/tasks/list").await;
    assert_eq!(
        fragment.header("hx-redirect"),
        "/login",
        "htmx is told to navigate, not handed a page"
    );
    let mut forged = stack.visitor();
    forged.cookie = Some("not-a-sealed-session".into());
    assert_eq!(forged.get("/tasks").await.location(), "/login");
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

#[tokio::test]
async fn log_in_log_out_and_the_old_cookie_is_dead() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();
    let out = ann.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login?signed_out=1");
    assert!(
        out.session_cookie().unwrap().contains("Max-Age=0"),
        "the cookie is deleted"
    );
    assert_eq!(ann.get("/tasks").await.location(), "/login");

    let wrong = ann.log_in("ann@example.com", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong e-mail or password"));
    let right = ann.log_in("ANN@example.com", PASSWORD).await;
    assert_eq!(
        (right.status, right.location()),
        (StatusCode::SEE_OTHER, "/tasks")
    );
    let old_cookie = ann.cookie.clone();
    let page = ann.get("/tasks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("ann@example.com"),
        "the header shows who is signed in"
    );

    let out = ann.post("/logout", &[("csrf_token", &page.csrf())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // A copy of the cookie taken before log-out no longer opens the page.
    let mut replay = stack.visitor();
    replay.cookie = old_cookie.clone();
    let replayed = replay.get("/tasks").await;
    assert_eq!(
        (replayed.status, replayed.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    // Nor on another web replica (same secret, none of this one's memory): the
    // backend revoked the token inside the cookie.
    let other_replica = start_web(web_config(stack.backend.addr)).await;
    let mut elsewhere = Visitor::new(other_replica);
    elsewhere.cookie = old_cookie;
    let replayed = elsewhere.get("/tasks").await;
    assert_eq!(
        (replayed.status, replayed.location()),
        (StatusCode::SEE_OTHER, "/login?expired=1"),
        "a copied cookie works on another replica after log-out"
    );
}

#[tokio::test]
async fn sign_up_refuses_bad_input_with_reasons() {
    let stack = Stack::start().await;
    let mut visitor = stack.visitor();
    let token = visitor.csrf().await;
    let short = visitor
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .body
            .contains("Password must be at least 8 characters"),
        "{}",
        short.body
    );
    assert!(
        short.body.contains(r#"value="ann@example.com""#),
        "what was typed is kept"
    );
    let bad_email = visitor
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann"),
                ("email", "nope"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_email.body.contains("E-mail must be an address"));

    visitor.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let mut again = stack.visitor();
    let token = again.csrf().await;
    let taken = again
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann 2"),
                ("email", "ann@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("already exists"));
}

#[tokio::test]
async fn tasks_through_plain_forms_without_javascript() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let page = ann.get("/tasks").await;
    let token = page.csrf();

    let created = ann
        .post(
            "/tasks",
            &[
                ("csrf_token", &token),
                ("title", "Pay bills"),
                ("description", "electricity and water"),
                ("priority", "high"),
                ("tags", "home, #Money"),
                ("due", "2030-01-31T17:00"),
                ("back", "/tasks?status=pending"),
            ],
        )
        .await;
    assert_eq!(
        (created.status, created.location()),
        (StatusCode::SEE_OTHER, "/tasks?status=pending")
    );
    let page = ann.get("/tasks?status=pending").await.body;
    assert!(page.contains("Pay bills") && page.contains("electricity and water"));
    assert!(page.contains("#money") && page.contains("#home") && page.contains("prio-high"));
    assert!(
        page.contains(r#"datetime="2030-01-31T17:00:00+00:00""#),
        "due date shown: {page}"
    );

    let empty = ann
        .post("/tasks", &[("csrf_token", &token), ("title", "   ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Title must not be empty."));
    let bad_tag = ann
        .post(
            "/tasks",
            &[("csrf_token", &token), ("title", "ok"), ("tags", "a/b")],
        )
        .await;
    assert_eq!(bad_tag.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_tag.body.contains("Tags:"), "{}", bad_tag.body);

    let id = task_id(&page, "Pay bills");
    let edit = ann.get(&format!("/tasks/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains(r#"value="Pay bills""#)
            && edit.body.contains(r#"value="2030-01-31T17:00""#)
    );
    let saved = ann
        .post(
            &format!("/tasks/{id}"),
            &[
                ("csrf_token", &token),
                ("title", "Pay all bills"),
                ("priority", "low"),
                ("tags", ""),
                ("due", ""),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = ann.get("/tasks").await.body;
    assert!(
        page.contains("Pay all bills")
            && page.contains("prio-low")
            && !page.contains("#money")
            && !page.contains("Due ")
    );

    let toggled = ann
        .post(&format!("/tasks/{id}/toggle"), &[("csrf_token", &token)])
        .await;
    assert_eq!(toggled.status, StatusCode::SEE_OTHER);
    assert!(
        ann.get("/tasks?status=completed")
            .await
            .body
            .contains("Pay all bills")
    );
    assert!(
        !ann.get("/tasks?status=pending")
            .await
            .body
            .contains("Pay all bills")
    );

    ann.add_task("Buy milk").await;
    assert!(ann.get("/tasks?q=milk").await.body.contains("Buy milk"));
    assert!(
        !ann.get("/tasks?q=milk")
            .await
            .body
            .contains("Pay all bills"),
        "search filters"
    );

    let deleted = ann
        .post(&format!("/tasks/{id}/delete"), &[("csrf_token", &token)])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(!ann.get("/tasks").await.body.contains("Pay all bills"));
    let gone = ann
        .post(&format!("/tasks/{id}/toggle"), &[("csrf_token", &token)])
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "a deleted task is a clear 404 page"
    );
}

#[tokio::test]
async fn htmx_requests_get_fragments_and_a_list_refresh_event() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let token = ann.get("/tasks").await.csrf();
    let htmx = [("hx-request", "true"), ("x-csrf-token", token.as_str())];

    let added = ann
        .request(
            Method::POST,
            "/tasks",
            &htmx,
            Some(&[("title", "Water plants")]),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.header("hx-trigger"), "tasks-changed");
    assert!(
        added.body.starts_with("<form id=\"add-task\""),
        "a fresh add form, not a page: {}",
        added.body
    );

    let list = ann.htmx_get("/tasks/list?status=pending").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("<html"), "a fragment");
    assert!(list.body.contains("Water plants"));
    let id = task_id(&list.body, "Water plants");

    let toggled = ann
        .request(
            Method::POST,
            &format!("/tasks/{id}/toggle"),
            &htmx,
            Some(&[]),
        )
        .await;
    assert_eq!(
        (toggled.status, toggled.header("hx-trigger")),
        (StatusCode::NO_CONTENT, "tasks-changed")
    );
    let invalid = ann
        .request(Method::POST, "/tasks", &htmx, Some(&[("title", "")]))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("Title must not be empty.") && invalid.body.starts_with("<form"));

    let edit = ann.htmx_get(&format!("/tasks/{id}/edit")).await;
    assert!(
        edit.body
            .trim_start()
            .starts_with("<li class=\"task editing\""),
        "{}",
        edit.body
    );

    // Without htmx the fragment URL sends the browser to the real page.
    let plain = ann.get("/tasks/list?status=pending").await;
    assert_eq!(
        (plain.status, plain.location()),
        (StatusCode::SEE_OTHER, "/tasks?status=pending")
    );
}

#[tokio::test]
async fn bad_addresses_are_clear_4xx_pages() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    let bad_status = ann.get("/tasks?status=done").await;
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_status.body.contains("use all, pending or completed"),
        "{}",
        bad_status.body
    );
    assert_eq!(
        ann.get("/tasks?page=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ann.get("/tasks?c=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ann.get("/tasks/999999/edit").await.status,
        StatusCode::NOT_FOUND
    );
    let token = ann.get("/tasks").await.csrf();
    let not_a_number = ann
        .post("/tasks/abc/toggle", &[("csrf_token", &token)])
        .await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);
    assert!(
        not_a_number.body.contains("is not a task number"),
        "{}",
        not_a_number.body
    );
    let missing = ann.get("/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
}

#[tokio::test]
async fn one_user_never_sees_or_touches_another_users_tasks() {
    let stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    ann.add_task("Ann's secret plan").await;
    let ann_page = ann.get("/tasks").await.body;
    let id = task_id(&ann_page, "Ann's secret plan");

    let mut bob = stack.visitor();
    bob.sign_up("Bob", "bob@example.com", PASSWORD).await;
    let bob_page = bob.get("/tasks").await;
    assert!(!bob_page.body.contains("secret plan"));
    assert!(
        !bob.get("/tasks?q=secret")
            .await
            .body
            .contains("secret plan")
    );
    let token = bob_page.csrf();
    assert_eq!(
        bob.get(&format!("/tasks/{id}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("/tasks/{id}/toggle"), &[("csrf_token", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("/tasks/{id}/delete"), &[("csrf_token", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let hijack = bob
        .post(
            &format!("/tasks/{id}"),
            &[("csrf_token", &token), ("title", "Bob was here")],
        )
        .await;
    assert_eq!(hijack.status, StatusCode::NOT_FOUND);

    let after = ann.get("/tasks").await.body;
    assert!(after.contains("Ann&#39;s secret plan") && !after.contains("Bob was here"));
    assert!(!after.contains("task done"), "still pending");
}

#[tokio::test]
async fn backend_down_shows_a_friendly_503_that_recovers() {
    let mut stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    ann.add_task("Survive the outage").await;

    stack.backend.stop().await;
    let down = ann.get("/tasks?status=pending").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.header("retry-after"), "5");
    assert!(
        down.body.contains("We&#39;ll be right back") || down.body.contains("We'll be right back"),
        "{}",
        down.body
    );
    assert!(
        down.body
            .contains(r#"http-equiv="refresh" content="5; url=/tasks?status=pending""#),
        "the page reloads itself: {}",
        down.body
    );
    for leak in ["Connection refused", "hyper", "panicked", "127.0.0.1"] {
        assert!(
            !down.body.contains(leak),
            "internals leaked ({leak}): {}",
            down.body
        );
    }
    assert_eq!(
        ann.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        ann.get("/healthz").await.status,
        StatusCode::OK,
        "liveness does not depend on the backend"
    );
    let token = down.csrf();
    let htmx_down = ann
        .request(
            Method::POST,
            "/tasks",
            &[("hx-request", "true"), ("x-csrf-token", &token)],
            Some(&[("title", "x")]),
        )
        .await;
    assert_eq!(htmx_down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(htmx_down.header("hx-retarget"), "#flash");

    // Logged-out visitors get the same friendly page when logging in.
    let mut visitor = stack.visitor();
    let failed_login = visitor.log_in("ann@example.com", PASSWORD).await;
    assert_eq!(failed_login.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(failed_login.body.contains(r#"url=/""#));

    stack.backend.restart().await;
    let back = ann.get("/tasks?status=pending").await;
    assert_eq!(
        back.status,
        StatusCode::OK,
        "same URL works again once the backend is back"
    );
    assert!(back.body.contains("Survive the outage"));
}

#[tokio::test]
async fn an_unreachable_backend_never_yields_a_500() {
    // A port with nothing behind it, from the start.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let web = start_web(web_config(dead)).await;
    let mut visitor = Visitor::new(web);
    assert_eq!(
        visitor.get("/").await.status,
        StatusCode::OK,
        "probes still pass"
    );
    let token = visitor.csrf().await;
    let signup = visitor
        .post(
            "/signup",
            &[
                ("csrf_token", &token),
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signup.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_token_the_backend_refuses_ends_the_session() {
    let mut stack = Stack::start().await;
    let mut ann = stack.visitor();
    ann.sign_up("Ann", "ann@example.com", PASSWORD).await;
    stack.backend.restart_with_new_secret().await;

    let page = ann.get("/tasks").await;
    assert_eq!(
        (page.status, page.location()),
        (StatusCode::SEE_OTHER, "/login?expired=1")
    );
    assert!(
        page.session_cookie()
            .expect("cookie cleared")
            .contains("Max-Age=0")
    );
    let login = ann.get("/login?expired=1").await;
    assert!(
        login
            .body
            .contains("Your session ended. Please log in again.")
    );
    let htmx = ann.htmx_get("/tasks/list").await;
    assert_eq!(
        htmx.header("hx-redirect"),
        "/login",
        "no session left, so htmx is sent to log in"
    );
    // Logging in again issues a token under the new secret, and all is well.
    let again = ann.log_in("ann@example.com", PASSWORD).await;
    assert_eq!(again.location(), "/tasks");
    assert_eq!(ann.get("/tasks").await.status, StatusCode::OK);
}
