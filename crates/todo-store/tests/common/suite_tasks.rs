//! Users and tasks: the suite part that both backends must pass unchanged.

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use todo_core::{NewTask, Priority, StoreError, TaskId, TaskPatch, TaskQuery};

use super::*;

pub async fn users_are_created_and_found(store: DynStore) {
    let created = store
        .create_user(new_user(email("Ann.Lee@Example.com")))
        .await
        .unwrap();
    assert_eq!(created.email.as_str(), "ann.lee@example.com");
    assert_eq!(
        created.created_at.timestamp_subsec_nanos() % 1000,
        0,
        "stored at microsecond precision"
    );

    let record = store
        .user_by_email(&email("ann.lee@example.com"))
        .await
        .unwrap()
        .expect("found by e-mail");
    assert_eq!(record.user, created);
    assert_eq!(record.password_hash, "$argon2id$v=19$fake");
    assert_eq!(
        store.user(&created.id).await.unwrap(),
        Some(created.clone())
    );

    assert!(
        store
            .user_by_email(&email("nobody@example.com"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.user(&UserId::random()).await.unwrap().is_none());
}

pub async fn duplicate_email_is_a_conflict_whatever_the_case(store: DynStore) {
    store
        .create_user(new_user(email("bob@example.com")))
        .await
        .unwrap();
    // Email normalises case, so this is the same address.
    match store
        .create_user(new_user(email("  BOB@Example.COM ")))
        .await
    {
        Err(StoreError::Conflict(message)) => {
            assert!(
                message.contains("bob@example.com") && message.contains("already exists"),
                "{message}"
            )
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // The failed insert left nothing behind and broke nothing.
    assert!(
        store
            .create_user(new_user(email("bob2@example.com")))
            .await
            .is_ok()
    );
}

pub async fn created_task_round_trips_exactly(store: DynStore) {
    let ann = user(&store).await;
    let due =
        Utc.with_ymd_and_hms(2031, 5, 17, 9, 30, 15).unwrap() + Duration::nanoseconds(123_456_789);
    let new = NewTask {
        title: title("  Buy groceries  "),
        description: Some(description("milk, eggs\nand 50% off bread")),
        priority: Priority::High,
        tags: tags(&["#Home", "errands", "home"]),
        due_at: Some(due),
        recurrence: None,
    };
    let created = store.create_task(&ann.id, new).await.unwrap();
    assert_eq!(created.title.as_str(), "Buy groceries");
    assert_eq!(
        created.description.as_ref().unwrap().as_str(),
        "milk, eggs\nand 50% off bread"
    );
    assert!(!created.completed);
    assert_eq!(created.priority, Priority::High);
    assert_eq!(created.tags.to_strings(), vec!["errands", "home"]);
    assert_eq!(
        created.due_at.unwrap().timestamp_subsec_nanos(),
        123_456_000,
        "due date kept to the microsecond"
    );
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(created.user_id, ann.id);
    let age = Utc::now() - created.created_at;
    assert!(
        age >= Duration::zero() && age < Duration::seconds(60),
        "created_at is now, in UTC: {age}"
    );

    assert_eq!(
        store.task(&ann.id, created.id).await.unwrap(),
        created,
        "read back equals what create returned"
    );
    let listed = store
        .list_tasks(&ann.id, &TaskQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.tasks, vec![created.clone()]);
    assert_eq!(listed.total, 1);

    let empty_description = NewTask {
        description: Some(description("")),
        ..NewTask::titled(title("No notes"))
    };
    let plain = store.create_task(&ann.id, empty_description).await.unwrap();
    assert_eq!(
        plain.description, None,
        "an empty description is stored as none"
    );
    assert_eq!(
        store.task(&ann.id, plain.id).await.unwrap().description,
        None
    );
    assert_eq!(
        (plain.priority, plain.tags.len(), plain.due_at),
        (Priority::Medium, 0, None)
    );
}

pub async fn task_for_unknown_user_is_not_found(store: DynStore) {
    let ghost = UserId::random();
    assert_not_found(
        store.create_task(&ghost, NewTask::titled(title("x"))).await,
        "user",
    );
    assert_not_found(store.create_conversation(&ghost).await, "user");
}

pub async fn invalid_inputs_are_rejected_the_same_way(store: DynStore) {
    let ann = user(&store).await;
    let far = Utc.with_ymd_and_hms(12000, 1, 1, 0, 0, 0).unwrap();
    let new = NewTask {
        due_at: Some(far),
        ..NewTask::titled(title("Someday"))
    };
    assert_invalid(store.create_task(&ann.id, new).await, "due_at");
    let t = task(&store, &ann, "Now").await;
    let patch = TaskPatch {
        due_at: Some(Some(far)),
        ..TaskPatch::default()
    };
    assert_invalid(store.update_task(&ann.id, t.id, &patch).await, "due_at");
    assert_eq!(
        store.task(&ann.id, t.id).await.unwrap(),
        t,
        "a rejected patch changes nothing"
    );

    for limit in [0, TaskQuery::MAX_LIMIT + 1] {
        assert_invalid(
            store
                .list_tasks(
                    &ann.id,
                    &TaskQuery {
                        limit,
                        ..TaskQuery::default()
                    },
                )
                .await,
            "limit",
        );
    }
    let conversation = store.create_conversation(&ann.id).await.unwrap();
    let nul = todo_core::NewMessage {
        role: todo_core::Role::Assistant,
        content: "a\0b".into(),
        tool_calls: vec![],
    };
    assert_invalid(
        store.append_message(&ann.id, conversation.id, nul).await,
        "content",
    );
}

pub async fn another_users_task_is_not_found_for_every_method(store: DynStore) {
    let ann = user(&store).await;
    let bob = user(&store).await;
    let hers = task(&store, &ann, "Ann's secret plan").await;
    let patch = TaskPatch {
        title: Some(title("hijacked")),
        ..TaskPatch::default()
    };

    assert_not_found(store.task(&bob.id, hers.id).await, "task");
    assert_not_found(store.update_task(&bob.id, hers.id, &patch).await, "task");
    assert_not_found(
        store
            .update_task(&bob.id, hers.id, &TaskPatch::default())
            .await,
        "task",
    );
    assert_not_found(store.toggle_task(&bob.id, hers.id).await, "task");
    assert_not_found(store.delete_task(&bob.id, hers.id).await, "task");
    let secret = TaskQuery {
        search: Some(search("secret")),
        ..all(TaskQuery::default())
    };
    let bobs = store.list_tasks(&bob.id, &secret).await.unwrap();
    assert!(bobs.tasks.is_empty() && bobs.total == 0);

    assert_eq!(
        store.task(&ann.id, hers.id).await.unwrap(),
        hers,
        "untouched by Bob's attempts"
    );
    // A missing id looks exactly like another user's id.
    assert_not_found(
        store.task(&ann.id, TaskId(hers.id.0 + 1_000_000)).await,
        "task",
    );
}

pub async fn patch_sets_clears_and_bumps_updated_at(store: DynStore) {
    let ann = user(&store).await;
    let new = NewTask {
        title: title("Draft report"),
        description: Some(description("first notes")),
        priority: Priority::Low,
        tags: tags(&["work"]),
        due_at: Some(at(2030, 3, 1, 12)),
        recurrence: None,
    };
    let original = store.create_task(&ann.id, new).await.unwrap();

    let patch = TaskPatch {
        title: Some(title("Final report")),
        priority: Some(Priority::High),
        tags: Some(tags(&["urgent"])),
        completed: Some(true),
        ..TaskPatch::default()
    };
    let updated = store
        .update_task(&ann.id, original.id, &patch)
        .await
        .unwrap()
        .task;
    assert_eq!(updated.title.as_str(), "Final report");
    assert_eq!(
        (updated.priority, updated.completed),
        (Priority::High, true)
    );
    assert_eq!(updated.tags.to_strings(), vec!["urgent"]);
    assert_eq!(
        updated.description, original.description,
        "absent fields are left alone"
    );
    assert_eq!(updated.due_at, original.due_at);
    assert_eq!(updated.created_at, original.created_at);
    assert!(updated.updated_at > original.updated_at, "updated_at bumps");
    assert_eq!(
        store.task(&ann.id, original.id).await.unwrap(),
        updated,
        "stored as returned"
    );

    // Derived columns follow the patch: search and sort see the new title only.
    let found = |raw| TaskQuery {
        search: Some(search(raw)),
        ..TaskQuery::default()
    };
    assert_eq!(
        store
            .list_tasks(&ann.id, &found("final"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .list_tasks(&ann.id, &found("draft"))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .list_tasks(&ann.id, &found("first notes"))
            .await
            .unwrap()
            .total,
        1
    );
    let by_tag = TaskQuery {
        tag: Some(tag("work")),
        ..TaskQuery::default()
    };
    assert_eq!(store.list_tasks(&ann.id, &by_tag).await.unwrap().total, 0);

    let clear = TaskPatch {
        description: Some(None),
        due_at: Some(None),
        ..TaskPatch::default()
    };
    let cleared = store
        .update_task(&ann.id, original.id, &clear)
        .await
        .unwrap()
        .task;
    assert_eq!((cleared.description.clone(), cleared.due_at), (None, None));
    assert!(cleared.updated_at > updated.updated_at);
    assert_eq!(
        store
            .list_tasks(&ann.id, &found("first notes"))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(store.task(&ann.id, original.id).await.unwrap(), cleared);

    let set = TaskPatch {
        description: Some(Some(description("fresh"))),
        ..TaskPatch::default()
    };
    assert_eq!(
        store
            .update_task(&ann.id, original.id, &set)
            .await
            .unwrap()
            .task
            .description,
        Some(description("fresh"))
    );
    let blank = TaskPatch {
        description: Some(Some(description(""))),
        ..TaskPatch::default()
    };
    let blanked = store
        .update_task(&ann.id, original.id, &blank)
        .await
        .unwrap()
        .task;
    assert_eq!(blanked.description, None, "an empty description clears it");
    assert_eq!(
        store.task(&ann.id, original.id).await.unwrap().description,
        None
    );

    // Bumps stay strictly increasing even when updates land within one microsecond.
    let mut previous = blanked.updated_at;
    for i in 0..20 {
        let p = TaskPatch {
            priority: Some([Priority::Low, Priority::High][i % 2]),
            ..TaskPatch::default()
        };
        let t = store
            .update_task(&ann.id, original.id, &p)
            .await
            .unwrap()
            .task;
        assert!(t.updated_at > previous);
        previous = t.updated_at;
    }
}

pub async fn empty_patch_changes_nothing(store: DynStore) {
    let ann = user(&store).await;
    let t = task(&store, &ann, "Stay the same").await;
    let same = store
        .update_task(&ann.id, t.id, &TaskPatch::default())
        .await
        .unwrap()
        .task;
    assert_eq!(same, t, "no bump of updated_at either");
    assert_not_found(
        store
            .update_task(&ann.id, TaskId(t.id.0 + 999_999), &TaskPatch::default())
            .await,
        "task",
    );
}

pub async fn toggle_flips_and_delete_returns_the_task(store: DynStore) {
    let ann = user(&store).await;
    let t = task(&store, &ann, "Flip me").await;
    let done = store.toggle_task(&ann.id, t.id).await.unwrap().task;
    assert!(done.completed);
    assert!(done.updated_at > t.updated_at);
    assert_eq!(
        Task {
            completed: false,
            updated_at: t.updated_at,
            ..done.clone()
        },
        t,
        "only completion and time change"
    );
    let undone = store.toggle_task(&ann.id, t.id).await.unwrap().task;
    assert!(!undone.completed && undone.updated_at > done.updated_at);
    assert_eq!(store.task(&ann.id, t.id).await.unwrap(), undone);

    let deleted = store.delete_task(&ann.id, t.id).await.unwrap();
    assert_eq!(deleted, undone, "delete returns the task as it was");
    assert_not_found(store.task(&ann.id, t.id).await, "task");
    assert_not_found(store.delete_task(&ann.id, t.id).await, "task");
    assert_not_found(store.toggle_task(&ann.id, t.id).await, "task");
    assert_eq!(
        store
            .list_tasks(&ann.id, &TaskQuery::default())
            .await
            .unwrap()
            .total,
        0
    );
}

pub async fn concurrent_toggles_lose_no_update(store: DynStore) {
    let ann = user(&store).await;
    let t = task(&store, &ann, "Contended").await;
    const TOGGLES: usize = 41;
    let handles: Vec<_> = (0..TOGGLES)
        .map(|_| {
            let (store, ann) = (store.clone(), ann.clone());
            tokio::spawn(async move { store.toggle_task(&ann.id, t.id).await.unwrap().task })
        })
        .collect();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.unwrap());
    }
    // Each toggle saw the previous one's result: states alternate in updated_at order.
    results.sort_by_key(|r| r.updated_at);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.completed, i % 2 == 0, "toggle {i} in commit order");
    }
    let distinct: BTreeSet<_> = results.iter().map(|r| r.updated_at).collect();
    assert_eq!(distinct.len(), TOGGLES, "every toggle bumped updated_at");
    assert!(
        store.task(&ann.id, t.id).await.unwrap().completed,
        "an odd number of toggles completes it"
    );
}
