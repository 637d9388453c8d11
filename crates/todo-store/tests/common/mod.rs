//! The one store test suite, shared by `tests/sqlite.rs` and `tests/postgres.rs`.
//!
//! Every function in `suite_*` takes a fresh `Arc<dyn Store>`; `store_suite!`
//! turns each into a `#[tokio::test]` for the backend at hand, so both backends
//! run exactly the same checks. `model` is the reference model of the proptest.

#![allow(dead_code)] // each test binary uses a different part of the helpers

pub mod model;
pub mod suite_conversations;
pub mod suite_listing;
pub mod suite_numbers;
pub mod suite_tasks;
pub mod suite_tokens;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use todo_core::{
    Description, Email, NewTask, NewUser, PersonName, Priority, SearchText, Store, StoreError, Tag,
    Tags, Task, TaskQuery, Title, User, UserId,
};

/// Generates one `#[tokio::test]` per suite function, each on a fresh store from
/// `$fresh` (an async fn returning `(Arc<dyn Store>, guard)`).
#[macro_export]
macro_rules! store_suite {
    ($fresh:path) => {
        $crate::store_suite!(@tests $fresh;
            suite_tasks::users_are_created_and_found,
            suite_tasks::duplicate_email_is_a_conflict_whatever_the_case,
            suite_tasks::created_task_round_trips_exactly,
            suite_tasks::task_for_unknown_user_is_not_found,
            suite_tasks::invalid_inputs_are_rejected_the_same_way,
            suite_tasks::another_users_task_is_not_found_for_every_method,
            suite_numbers::each_user_numbers_tasks_from_one_never_reusing,
            suite_numbers::concurrent_creates_by_one_user_get_distinct_numbers,
            suite_numbers::restore_puts_a_deleted_task_back_exactly,
            suite_numbers::completing_a_recurring_task_creates_the_next,
            suite_numbers::due_ranges_filter_and_overdue_means_pending,
            suite_listing::filters_by_status_priority_and_exact_tag,
            suite_listing::search_is_case_insensitive_with_literal_wildcards,
            suite_listing::every_sort_key_and_order_with_ties_and_missing_due_dates,
            suite_listing::pages_never_overlap_and_total_counts_all_matches,
            suite_tasks::patch_sets_clears_and_bumps_updated_at,
            suite_tasks::empty_patch_changes_nothing,
            suite_tasks::toggle_flips_and_delete_returns_the_task,
            suite_tasks::concurrent_toggles_lose_no_update,
            suite_conversations::conversations_are_listed_most_recent_first,
            suite_conversations::messages_come_oldest_first_and_limit_keeps_the_latest,
            suite_conversations::tool_calls_round_trip_as_json,
            suite_conversations::another_users_conversation_is_not_found,
            suite_conversations::ping_answers,
            suite_tokens::revoked_tokens_are_remembered_until_they_expire,
        );
    };
    (@tests $fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                // The guard (a temporary directory, say) outlives the store.
                let (store, _guard) = $fresh().await;
                common::$module::$name(store).await;
            }
        )*
    };
}

pub type DynStore = Arc<dyn Store>;

/// How many migration files the dialect has: each must be applied exactly once.
pub fn migration_files(dialect: &str) -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    i64::try_from(files).unwrap()
}

static NEXT_EMAIL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

pub fn new_user(email: Email) -> NewUser {
    NewUser {
        email,
        name: PersonName::parse("Test Person").unwrap(),
        password_hash: "$argon2id$v=19$fake".into(),
    }
}

/// A user with a unique e-mail address.
pub async fn user(store: &DynStore) -> User {
    let n = NEXT_EMAIL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let unique = format!("person{n}-{}@example.com", UserId::random());
    store.create_user(new_user(email(&unique))).await.unwrap()
}

pub fn title(raw: &str) -> Title {
    Title::parse(raw).unwrap()
}

pub fn description(raw: &str) -> Description {
    Description::parse(raw).unwrap()
}

pub fn tags(raw: &[&str]) -> Tags {
    Tags::parse(raw).unwrap()
}

pub fn tag(raw: &str) -> Tag {
    Tag::parse(raw).unwrap()
}

pub fn search(raw: &str) -> SearchText {
    SearchText::parse(raw).unwrap()
}

pub fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// A task with everything but the title at defaults.
pub async fn task(store: &DynStore, user: &User, raw_title: &str) -> Task {
    store
        .create_task(&user.id, NewTask::titled(title(raw_title)))
        .await
        .unwrap()
}

pub async fn task_with(
    store: &DynStore,
    user: &User,
    raw_title: &str,
    priority: Priority,
    tag_list: &[&str],
    due: Option<DateTime<Utc>>,
) -> Task {
    let new = NewTask {
        title: title(raw_title),
        description: None,
        priority,
        tags: tags(tag_list),
        due_at: due,
        recurrence: None,
    };
    store.create_task(&user.id, new).await.unwrap()
}

/// Ids of one page of a listing.
pub async fn ids(store: &DynStore, user: &User, query: TaskQuery) -> Vec<i64> {
    store
        .list_tasks(&user.id, &query)
        .await
        .unwrap()
        .tasks
        .iter()
        .map(|t| t.id.0)
        .collect()
}

pub fn all(query: TaskQuery) -> TaskQuery {
    TaskQuery {
        limit: TaskQuery::MAX_LIMIT,
        ..query
    }
}

pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound(thing)) => assert_eq!(thing, what),
        other => panic!("expected {what} not found, got {other:?}"),
    }
}

pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, field: &str) {
    match result {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field, field, "{e}"),
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}
