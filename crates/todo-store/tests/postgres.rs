//! The store suite on a real PostgreSQL 15 server started on loopback by
//! `test-postgres` (a fresh database per test), plus what only PostgreSQL has:
//! connection errors, TLS negotiation, and replicas migrating at the same time.

mod common;

use common::*;
use test_postgres::TestPostgres;
use todo_store::{DatabaseUrl, Error, PgStore};

fn database() -> TestPostgres {
    TestPostgres::start().unwrap_or_else(|e| panic!("PostgreSQL is needed for these tests: {e}"))
}

async fn fresh() -> (DynStore, ()) {
    let url: DatabaseUrl = database().url().parse().expect("postgres url");
    let store = todo_store::connect(&url)
        .await
        .expect("connect to the test PostgreSQL");
    (store, ())
}

store_suite!(fresh);

#[tokio::test]
async fn replicas_starting_together_migrate_once() {
    let db = database();
    let connects = (0..4).map(|_| {
        let url = db.url().to_string();
        tokio::spawn(async move { PgStore::connect(&url).await })
    });
    for handle in connects.collect::<Vec<_>>() {
        handle
            .await
            .unwrap()
            .expect("every replica connects and finds the schema ready");
    }
    let store = PgStore::connect(db.url()).await.unwrap();
    drop(store);
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        applied,
        common::migration_files("postgres"),
        "each migration applied once"
    );
}

#[tokio::test]
async fn unreachable_server_fails_with_the_target_but_not_the_password() {
    // Port 1 on loopback: nothing listens there, the refusal is immediate.
    let err = PgStore::connect("postgres://app:hunter2secret@127.0.0.1:1/todo")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectPostgres { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("127.0.0.1:1/todo") && text.contains("DATABASE_URL"),
        "{text}"
    );
    assert!(!text.contains("hunter2secret"), "password leaked: {text}");
}

#[tokio::test]
async fn tls_is_built_in_and_required_when_the_url_says_so() {
    // The test server has no certificate: sslmode=require must refuse to fall back
    // to plain text, and the refusal must come from the server's answer, not from
    // a build without TLS support.
    let db = database();
    let url = db.url().replace("sslmode=disable", "sslmode=require");
    let err = PgStore::connect(&url).await.unwrap_err().to_string();
    assert!(err.contains("server does not support TLS"), "{err}");
    let preferred = db.url().replace("sslmode=disable", "sslmode=prefer");
    PgStore::connect(&preferred)
        .await
        .expect("sslmode=prefer falls back to plain text on loopback");
}

#[test]
fn random_operations_match_the_model() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (store, ()) = runtime.block_on(fresh());
    common::model::check_against_model(&runtime, store, 24);
}
