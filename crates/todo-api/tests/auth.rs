//! Sign-up, log-in and every way a token can be wrong.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{SECRET, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use todo_api::ApiConfig;
use todo_api::auth::token::Claims;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn signup_then_login_gives_working_tokens() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("Ann@Example.com").await;
    assert_eq!(ann.id.len(), 36, "user ids are hyphenated UUIDs");

    let reply = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ann@example.com", "password": "correct horse"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["user_id"], ann.id.as_str());
    let token = reply.body["token"].as_str().unwrap();
    let list = app.get(&format!("/api/{}/tasks", ann.id), token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);

    // The token is HS256 with sub = user id and a 7-day lifetime.
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");
    assert_eq!(claims["sub"], ann.id.as_str());
    let ttl = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(ttl, 7 * 24 * 3600);
}

#[tokio::test]
async fn duplicate_email_is_409_regardless_of_case() {
    let app = TestApp::sqlite().await;
    app.signup("bob@example.com").await;
    let reply = app
        .call(
            Method::POST,
            "/api/auth/signup",
            None,
            Some(json!({"email": " BOB@example.com ", "password": "another password", "name": "Bob 2"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply.error().contains("already exists"),
        "{}",
        reply.error()
    );
}

#[tokio::test]
async fn signup_validation_names_the_field() {
    let app = TestApp::sqlite().await;
    for (body, field) in [
        (
            json!({"email": "not-an-email", "password": "long enough", "name": "A"}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "password": "short", "name": "A"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": "long enough", "name": "  "}),
            "name",
        ),
        (
            json!({"email": "a@example.com", "password": "long enough"}),
            "name",
        ),
        (
            json!({"email": "a@example.com", "password": "long enough", "name": "A", "admin": true}),
            "admin",
        ),
    ] {
        let reply = app
            .call(Method::POST, "/api/auth/signup", None, Some(body.clone()))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.body
        );
        assert!(reply.error().contains(field), "{body}: {}", reply.error());
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::sqlite().await;
    app.signup("carol@example.com").await;
    let wrong = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "carol@example.com", "password": "wrong password"})),
        )
        .await;
    let unknown = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "nobody@example.com", "password": "wrong password"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.raw, unknown.raw,
        "the bodies must not tell the cases apart"
    );
}

/// With production Argon2 cost, an unknown e-mail must cost a full password
/// verification too. The bounds are wide on purpose (the machine is shared);
/// skipping the decoy verification would make the unknown-e-mail case ~100x faster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_take_the_same_time() {
    let app = TestApp::sqlite_with(ApiConfig::default()).await;
    app.signup("dave@example.com").await;
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..5 {
        for (email, times) in [
            ("dave@example.com", &mut wrong),
            ("nobody@example.com", &mut unknown),
        ] {
            let started = Instant::now();
            let reply = app
                .call(
                    Method::POST,
                    "/api/auth/login",
                    None,
                    Some(json!({"email": email, "password": format!("nope {round}")})),
                )
                .await;
            times.push(started.elapsed());
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (w, u) = (median(&mut wrong), median(&mut unknown));
    let ratio = u.as_secs_f64() / w.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "wrong password {w:?} vs unknown e-mail {u:?}"
    );
}

#[tokio::test]
async fn login_rejects_bad_bodies() {
    let app = TestApp::sqlite().await;
    let reply = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.error().contains("password"));
    let reply = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "nope", "password": "whatever1"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.error().contains("email"));
}

/// Every broken token gets 401 with a JSON error and `WWW-Authenticate: Bearer`.
#[tokio::test]
async fn broken_tokens_are_401() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let eve = app.signup("eve@example.com").await;
    let path = format!("/api/{}/tasks", ann.id);
    let claims = Claims {
        sub: ann.id.clone(),
        iat: now(),
        exp: now() + 3600,
        jti: None,
    };
    let payload = b64(&serde_json::to_vec(&claims).unwrap());
    let key = EncodingKey::from_secret(SECRET);

    let expired = app
        .state
        .tokens
        .sign(&Claims {
            sub: ann.id.clone(),
            iat: now() - 7200,
            exp: now() - 3600,
            jti: None,
        })
        .unwrap();

    // Ann's header and signature around a payload that claims to be Eve.
    let parts: Vec<&str> = ann.token.split('.').collect();
    let eve_claims = Claims {
        sub: eve.id.clone(),
        iat: now(),
        exp: now() + 3600,
        jti: None,
    };
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(&serde_json::to_vec(&eve_claims).unwrap()),
        parts[2]
    );
    let mut flipped_sig = ann.token.clone();
    let last = flipped_sig.pop().unwrap();
    flipped_sig.push(if last == 'A' { 'B' } else { 'A' });

    let alg_none = format!("{}.{payload}.", b64(br#"{"alg":"none","typ":"JWT"}"#));
    let hs512 = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &key).unwrap();
    // The classic confusion: an RS256 header with an HMAC signature made with the secret.
    let rs_header = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
    let signing_input = format!("{rs_header}.{payload}");
    let rs_sig =
        jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key, Algorithm::HS256).unwrap();
    let rs256 = format!("{signing_input}.{rs_sig}");
    let other_secret = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"a-completely-different-secret-of-32-bytes"),
    )
    .unwrap();
    let no_exp = {
        let body = b64(&serde_json::to_vec(&json!({"sub": ann.id})).unwrap());
        let input = format!("{}.{body}", b64(br#"{"alg":"HS256","typ":"JWT"}"#));
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{input}.{sig}")
    };

    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("garbage", Some("Bearer not-a-token".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("wrong scheme", Some(format!("Basic {}", ann.token))),
        ("no scheme", Some(ann.token.clone())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("tampered payload", Some(format!("Bearer {tampered}"))),
        ("flipped signature", Some(format!("Bearer {flipped_sig}"))),
        ("alg none", Some(format!("Bearer {alg_none}"))),
        ("HS512", Some(format!("Bearer {hs512}"))),
        ("RS256 header", Some(format!("Bearer {rs256}"))),
        ("other secret", Some(format!("Bearer {other_secret}"))),
        ("no exp", Some(format!("Bearer {no_exp}"))),
    ];
    for (name, authorization) in cases {
        let mut request = axum::http::Request::builder().uri(&path);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let reply = app
            .send(request.body(axum::body::Body::empty()).unwrap())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            reply.body
        );
        assert!(!reply.error().is_empty(), "{name}");
        assert_eq!(reply.headers["www-authenticate"], "Bearer", "{name}");
    }
    // Sanity: the untouched token works, so the refusals above are about the damage.
    assert_eq!(app.get(&path, &ann.token).await.status, StatusCode::OK);
    let lower_scheme = axum::http::Request::builder()
        .uri(&path)
        .header("authorization", format!("bearer {}", ann.token))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(lower_scheme).await.status, StatusCode::OK);
}

#[tokio::test]
async fn expired_token_says_so() {
    let app = TestApp::sqlite().await;
    let ann = app.signup("ann@example.com").await;
    let expired = app
        .state
        .tokens
        .sign(&Claims {
            sub: ann.id.clone(),
            iat: now() - 7200,
            exp: now() - 3600,
            jti: None,
        })
        .unwrap();
    let reply = app.get(&format!("/api/{}/tasks", ann.id), &expired).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.error().contains("expired"), "{}", reply.error());
}

/// A correctly signed token for a user that is not in the database (say, the
/// database was reset but the secret kept) must not produce a 500.
#[tokio::test]
async fn token_for_a_vanished_user_is_not_a_server_error() {
    let app = TestApp::sqlite().await;
    let ghost = todo_core::UserId::random();
    let token = app.state.tokens.issue(&ghost).unwrap();
    let base = format!("/api/{ghost}/tasks");
    let list = app.get(&base, &token).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body, json!([]));
    let create = app
        .call(
            Method::POST,
            &base,
            Some(&token),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(create.status, StatusCode::NOT_FOUND, "{}", create.body);
    assert_eq!(create.error(), "user not found");
}

/// Log-out revokes the token it is called with: on every replica sharing the
/// database, for every endpoint, and no other token of the same user.
#[tokio::test]
async fn log_out_revokes_that_token_everywhere_and_no_other() {
    for app in [TestApp::sqlite().await, TestApp::postgres().await] {
        let replica = TestApp::with_store(app.store().clone(), common::test_config());
        let ann = app.signup("ann@example.com").await;
        let laptop = ann.token.clone();
        let login = app.login("ann@example.com").await;
        let phone = login.body["token"].as_str().unwrap().to_string();
        let tasks = format!("/api/{}/tasks", ann.id);

        let out = app
            .call(Method::POST, "/api/auth/logout", Some(&laptop), None)
            .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.body);
        let conversations = format!("/api/{}/conversations", ann.id);
        for (who, path) in [(&replica, &tasks), (&app, &conversations)] {
            let refused = who.get(path, &laptop).await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{path}");
            assert!(refused.error().contains("revoked"), "{}", refused.error());
        }
        assert_eq!(replica.get(&tasks, &phone).await.status, StatusCode::OK);
        let again = app
            .call(Method::POST, "/api/auth/logout", Some(&laptop), None)
            .await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);
        let anonymous = app.call(Method::POST, "/api/auth/logout", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

        // A token from before tokens had ids cannot be revoked, and says until when it works.
        let old = app
            .state
            .tokens
            .sign(&Claims {
                sub: ann.id.clone(),
                iat: now(),
                exp: now() + 3600,
                jti: None,
            })
            .unwrap();
        let refused = app
            .call(Method::POST, "/api/auth/logout", Some(&old), None)
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.error().contains("log in again"),
            "{}",
            refused.error()
        );
        assert_eq!(app.get(&tasks, &old).await.status, StatusCode::OK);
    }
}
