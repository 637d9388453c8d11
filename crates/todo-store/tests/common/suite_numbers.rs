//! Per-user task numbers, restoring deleted tasks, recurrence and due ranges.

use chrono::{Duration, Utc, Weekday};
use todo_core::{
    DueRange, NewTask, Recurrence, StoreError, Task, TaskChange, TaskId, TaskPatch, TaskQuery,
};

use super::*;

pub async fn each_user_numbers_tasks_from_one_never_reusing(store: DynStore) {
    // Other people's tasks must not move a new user's numbers.
    let early = user(&store).await;
    for i in 0..3 {
        task(&store, &early, &format!("someone else's {i}")).await;
    }
    let ann = user(&store).await;
    let bob = user(&store).await;
    let mut ann_numbers = Vec::new();
    for i in 0..4 {
        ann_numbers.push(task(&store, &ann, &format!("ann {i}")).await.id.0);
        if i % 2 == 0 {
            task(&store, &bob, &format!("bob {i}")).await;
        }
    }
    assert_eq!(ann_numbers, vec![1, 2, 3, 4], "Ann's first task is 1");
    assert_eq!(
        ids(&store, &bob, all(TaskQuery::default())).await,
        vec![1, 2]
    );
    // Same number, different users, different tasks.
    assert_eq!(
        store.task(&ann.id, TaskId(1)).await.unwrap().title.as_str(),
        "ann 0"
    );
    assert_eq!(
        store.task(&bob.id, TaskId(1)).await.unwrap().title.as_str(),
        "bob 0"
    );

    store.delete_task(&ann.id, TaskId(4)).await.unwrap();
    store.delete_task(&ann.id, TaskId(2)).await.unwrap();
    let next = task(&store, &ann, "after deletes").await;
    assert_eq!(
        next.id,
        TaskId(5),
        "a deleted number is never handed out again"
    );
    assert_eq!(
        ids(&store, &ann, all(TaskQuery::default())).await,
        vec![1, 3, 5]
    );
    assert_not_found(store.task(&ann.id, TaskId(2)).await, "task");
    // Bob's number 2 is his own and unaffected.
    assert_eq!(
        store.task(&bob.id, TaskId(2)).await.unwrap().title.as_str(),
        "bob 2"
    );
}

pub async fn concurrent_creates_by_one_user_get_distinct_numbers(store: DynStore) {
    let ann = user(&store).await;
    let bob = user(&store).await;
    const EACH: usize = 24;
    let handles: Vec<_> = (0..EACH * 2)
        .map(|i| {
            let store = store.clone();
            let owner = if i % 2 == 0 {
                ann.id.clone()
            } else {
                bob.id.clone()
            };
            tokio::spawn(async move {
                store
                    .create_task(&owner, NewTask::titled(title(&format!("parallel {i}"))))
                    .await
                    .map(|t| (owner, t.id.0))
            })
        })
        .collect();
    let mut ann_numbers = Vec::new();
    let mut bob_numbers = Vec::new();
    for h in handles {
        let (owner, number) = h.await.unwrap().expect("every create succeeds");
        if owner == ann.id {
            ann_numbers.push(number);
        } else {
            bob_numbers.push(number);
        }
    }
    ann_numbers.sort_unstable();
    bob_numbers.sort_unstable();
    let expected: Vec<i64> = (1..=EACH as i64).collect();
    assert_eq!(ann_numbers, expected, "no number shared, none skipped");
    assert_eq!(bob_numbers, expected);
}

pub async fn restore_puts_a_deleted_task_back_exactly(store: DynStore) {
    let ann = user(&store).await;
    let bob = user(&store).await;
    let new = NewTask {
        description: Some(description("with notes")),
        tags: tags(&["home"]),
        due_at: Some(at(2031, 1, 2, 9)),
        recurrence: Some(Recurrence::Weekdays),
        ..NewTask::titled(title("Water the plants"))
    };
    let first = store.create_task(&ann.id, new).await.unwrap();
    let second = task(&store, &ann, "Second").await;
    // Completed, so restoring must keep completion (and create no occurrence).
    let patch = TaskPatch {
        completed: Some(true),
        recurrence: Some(None),
        ..TaskPatch::default()
    };
    let done = store.update_task(&ann.id, first.id, &patch).await.unwrap();
    assert_eq!(done.next_occurrence, None, "no rule any more, no next one");
    let patch = TaskPatch {
        recurrence: Some(Some(Recurrence::Weekdays)),
        ..TaskPatch::default()
    };
    let done = store
        .update_task(&ann.id, first.id, &patch)
        .await
        .unwrap()
        .task;
    assert!(done.completed && done.recurrence.is_some());
    let deleted = store.delete_task(&ann.id, first.id).await.unwrap();
    assert_eq!(deleted, done);

    let restored = store.restore_task(&ann.id, deleted.clone()).await.unwrap();
    assert_eq!(restored, deleted, "every field as it was");
    assert_eq!(store.task(&ann.id, first.id).await.unwrap(), deleted);
    let listed = store
        .list_tasks(&ann.id, &all(TaskQuery::default()))
        .await
        .unwrap();
    assert_eq!(
        listed.tasks,
        vec![deleted.clone(), second.clone()],
        "back in its place"
    );

    match store.restore_task(&ann.id, deleted.clone()).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("task 1"), "{m}"),
        other => panic!("restoring over a live number: {other:?}"),
    }
    // Restoring a number never handed out moves the counter past it.
    let future = Task {
        id: TaskId(10),
        ..deleted.clone()
    };
    store.restore_task(&ann.id, future).await.unwrap();
    assert_eq!(task(&store, &ann, "after").await.id, TaskId(11));
    // Restoring as Bob puts it in Bob's list, never in Ann's.
    let bobs = store.restore_task(&bob.id, deleted.clone()).await.unwrap();
    assert_eq!(bobs.user_id, bob.id);
    assert_eq!(
        store.task(&bob.id, TaskId(1)).await.unwrap().title.as_str(),
        "Water the plants"
    );
    assert_not_found(
        store.restore_task(&UserId::random(), deleted.clone()).await,
        "user",
    );
    assert_invalid(
        store
            .restore_task(
                &ann.id,
                Task {
                    id: TaskId(0),
                    ..deleted
                },
            )
            .await,
        "id",
    );
}

pub async fn completing_a_recurring_task_creates_the_next(store: DynStore) {
    let ann = user(&store).await;
    // 2031-01-02 is a Thursday.
    let rule = Recurrence::weekly([Weekday::Mon, Weekday::Thu]).unwrap();
    let new = NewTask {
        tags: tags(&["garden"]),
        due_at: Some(at(2031, 1, 2, 9)),
        recurrence: Some(rule.clone()),
        priority: todo_core::Priority::High,
        description: Some(description("the ferns too")),
        ..NewTask::titled(title("Water the plants"))
    };
    let first = store.create_task(&ann.id, new).await.unwrap();
    let TaskChange {
        task: done,
        next_occurrence,
    } = store.toggle_task(&ann.id, first.id).await.unwrap();
    assert!(done.completed);
    let next = next_occurrence.expect("completing creates the next one");
    assert_eq!(next.id, TaskId(2));
    assert_eq!(
        next.due_at,
        Some(at(2031, 1, 6, 9)),
        "the next Monday, same time"
    );
    assert_eq!(
        (
            &next.title,
            &next.description,
            next.priority,
            &next.tags,
            &next.recurrence,
            next.completed
        ),
        (
            &first.title,
            &first.description,
            first.priority,
            &first.tags,
            &first.recurrence,
            false
        )
    );
    assert_eq!(
        store.task(&ann.id, next.id).await.unwrap(),
        next,
        "stored as returned"
    );

    // Reopening creates nothing; completing again (via a patch) creates one more.
    let reopened = store.toggle_task(&ann.id, first.id).await.unwrap();
    assert_eq!(reopened.next_occurrence, None);
    let patch = TaskPatch {
        completed: Some(true),
        ..TaskPatch::default()
    };
    let again = store.update_task(&ann.id, first.id, &patch).await.unwrap();
    assert_eq!(again.next_occurrence.map(|t| t.id), Some(TaskId(3)));
    // Completing what is complete already creates nothing.
    let twice = store.update_task(&ann.id, first.id, &patch).await.unwrap();
    assert_eq!(twice.next_occurrence, None);

    // An overdue task's next occurrence is in the future, never overdue at once.
    let overdue = NewTask {
        due_at: Some(Utc::now() - Duration::days(10)),
        recurrence: Some(Recurrence::Daily),
        ..NewTask::titled(title("Stretch"))
    };
    let late = store.create_task(&ann.id, overdue).await.unwrap();
    let next = store
        .toggle_task(&ann.id, late.id)
        .await
        .unwrap()
        .next_occurrence
        .unwrap();
    let due = next.due_at.unwrap();
    assert!(
        due > Utc::now() && due < Utc::now() + Duration::days(2),
        "{due}"
    );

    // A task without a rule completes without a successor.
    let plain = task(&store, &ann, "Once").await;
    assert_eq!(
        store
            .toggle_task(&ann.id, plain.id)
            .await
            .unwrap()
            .next_occurrence,
        None
    );
    let total = store
        .list_tasks(&ann.id, &TaskQuery::default())
        .await
        .unwrap()
        .total;
    assert_eq!(total, 6, "three plants, two stretches, one once");
}

pub async fn due_ranges_filter_and_overdue_means_pending(store: DynStore) {
    let ann = user(&store).await;
    let bob = user(&store).await;
    let now = at(2031, 3, 12, 12);
    let yesterday = task_with(
        &store,
        &ann,
        "yesterday",
        Default::default(),
        &[],
        Some(at(2031, 3, 11, 8)),
    )
    .await;
    let done_late = task_with(
        &store,
        &ann,
        "done late",
        Default::default(),
        &[],
        Some(at(2031, 3, 11, 9)),
    )
    .await;
    store.toggle_task(&ann.id, done_late.id).await.unwrap();
    let today = task_with(
        &store,
        &ann,
        "today",
        Default::default(),
        &[],
        Some(at(2031, 3, 12, 0)),
    )
    .await;
    let later = task_with(
        &store,
        &ann,
        "later today",
        Default::default(),
        &[],
        Some(at(2031, 3, 12, 23)),
    )
    .await;
    let tomorrow = task_with(
        &store,
        &ann,
        "tomorrow",
        Default::default(),
        &[],
        Some(at(2031, 3, 13, 0)),
    )
    .await;
    task(&store, &ann, "no date").await;
    task_with(
        &store,
        &bob,
        "bob's today",
        Default::default(),
        &[],
        Some(at(2031, 3, 12, 10)),
    )
    .await;

    let listing = |due: DueRange| TaskQuery {
        due: Some(due),
        ..all(TaskQuery::default())
    };
    let today_range = DueRange {
        from: Some(at(2031, 3, 12, 0)),
        before: at(2031, 3, 13, 0),
        pending_only: false,
    };
    assert_eq!(
        ids(&store, &ann, listing(today_range)).await,
        vec![today.id.0, later.id.0],
        "from is inclusive, before exclusive, no-date tasks never match"
    );
    let overdue = DueRange {
        from: None,
        before: now,
        pending_only: true,
    };
    assert_eq!(
        ids(&store, &ann, listing(overdue)).await,
        vec![yesterday.id.0, today.id.0],
        "overdue leaves out completed tasks"
    );
    let page = store.list_tasks(&ann.id, &listing(overdue)).await.unwrap();
    assert_eq!(page.total, 2, "the total counts the range too");
    let all_past = DueRange {
        pending_only: false,
        ..overdue
    };
    assert_eq!(ids(&store, &ann, listing(all_past)).await.len(), 3);
    let week = DueRange {
        from: Some(at(2031, 3, 10, 0)),
        before: at(2031, 3, 17, 0),
        pending_only: false,
    };
    let mut in_week = ids(&store, &ann, listing(week)).await;
    in_week.sort_unstable();
    assert_eq!(
        in_week,
        vec![
            yesterday.id.0,
            done_late.id.0,
            today.id.0,
            later.id.0,
            tomorrow.id.0
        ]
    );
    assert_eq!(
        ids(&store, &bob, listing(today_range)).await.len(),
        1,
        "only Bob's own"
    );
}
