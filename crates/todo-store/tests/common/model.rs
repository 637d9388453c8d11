//! The reference model for the property test: tasks in a `BTreeMap`, listing by
//! plain iterator code. Random sequences of create/update/toggle/delete by two users
//! must leave a real store answering exactly like this model.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::Weekday;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use todo_core::{
    Description, DueRange, NewTask, Priority, Recurrence, SortKey, SortOrder, StatusFilter,
    StoreError, Task, TaskChange, TaskId, TaskPage, TaskPatch, TaskQuery, Title, UserId,
};

use super::*;

/// Tasks by owner and number, and each owner's last number handed out.
#[derive(Debug, Default)]
pub struct Model {
    tasks: BTreeMap<(String, TaskId), Task>,
    last_number: BTreeMap<String, i64>,
}

impl Model {
    fn owned(&self, user: &UserId, id: TaskId) -> Option<&Task> {
        self.tasks.get(&(user.as_str().to_string(), id))
    }

    fn insert(&mut self, task: Task) {
        let last = self
            .last_number
            .entry(task.user_id.as_str().to_string())
            .or_default();
        *last = (*last).max(task.id.0);
        self.tasks
            .insert((task.user_id.as_str().to_string(), task.id), task);
    }

    fn next_number(&self, user: &UserId) -> TaskId {
        TaskId(self.last_number.get(user.as_str()).copied().unwrap_or(0) + 1)
    }

    /// Checks what a completing change created: nothing unless the task was just
    /// completed and recurs; then the next occurrence, numbered next.
    fn expect_next(
        &mut self,
        before: &Task,
        after: &Task,
        next: Option<Task>,
    ) -> Result<(), TestCaseError> {
        let expected_kind = (!before.completed && after.completed)
            .then(|| after.recurrence.clone())
            .flatten();
        match (expected_kind, next) {
            (None, None) => Ok(()),
            (Some(rule), Some(next)) => {
                let now = next.created_at;
                let expected = Task {
                    id: self.next_number(&after.user_id),
                    user_id: after.user_id.clone(),
                    title: after.title.clone(),
                    description: after.description.clone(),
                    completed: false,
                    priority: after.priority,
                    tags: after.tags.clone(),
                    due_at: Some(rule.next_due(after.due_at, now)),
                    recurrence: Some(rule),
                    created_at: now,
                    updated_at: now,
                };
                prop_assert_eq!(&next, &expected, "next occurrence");
                self.insert(next);
                Ok(())
            }
            (want, got) => Err(TestCaseError::fail(format!(
                "completing {before:?} into {after:?}: expected a next occurrence {want:?}, got {got:?}"
            ))),
        }
    }

    pub fn list(&self, user: &UserId, query: &TaskQuery) -> TaskPage {
        let needle = query.search.as_ref().map(|s| s.as_str().to_lowercase());
        let mut rows: Vec<&Task> = self
            .tasks
            .values()
            .filter(|t| t.user_id == *user)
            .filter(|t| query.due.is_none_or(|d| d.contains(t)))
            .filter(|t| match query.status {
                StatusFilter::All => true,
                StatusFilter::Pending => !t.completed,
                StatusFilter::Completed => t.completed,
            })
            .filter(|t| query.priority.is_none_or(|p| t.priority == p))
            .filter(|t| query.tag.as_ref().is_none_or(|tag| t.tags.contains(tag)))
            .filter(|t| {
                needle.as_ref().is_none_or(|n| {
                    t.title.as_str().to_lowercase().contains(n)
                        || t.description
                            .as_ref()
                            .is_some_and(|d| d.as_str().to_lowercase().contains(n))
                })
            })
            .collect();
        rows.sort_by(|a, b| compare(a, b, query.sort, query.order).then(a.id.cmp(&b.id)));
        let total = rows.len() as u64;
        let tasks = rows
            .into_iter()
            .skip(query.offset as usize)
            .take(query.limit as usize)
            .cloned()
            .collect();
        TaskPage { tasks, total }
    }
}

fn compare(a: &Task, b: &Task, sort: SortKey, order: SortOrder) -> Ordering {
    let directed = |o: Ordering| {
        if order == SortOrder::Desc {
            o.reverse()
        } else {
            o
        }
    };
    match sort {
        SortKey::Created => directed(a.created_at.cmp(&b.created_at)),
        SortKey::Title => directed(
            a.title
                .as_str()
                .to_lowercase()
                .cmp(&b.title.as_str().to_lowercase()),
        ),
        SortKey::Priority => directed(a.priority.rank().cmp(&b.priority.rank())),
        // Missing due dates last, whatever the order.
        SortKey::Due => match (a.due_at, b.due_at) {
            (Some(x), Some(y)) => directed(x.cmp(&y)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

#[derive(Debug, Clone)]
pub enum Op {
    Create {
        user: usize,
        task: NewTask,
    },
    Update {
        user: usize,
        target: usize,
        patch: TaskPatch,
    },
    Toggle {
        user: usize,
        target: usize,
    },
    Delete {
        user: usize,
        target: usize,
    },
    /// Puts back the `target`-th task deleted so far, as its owner.
    Restore {
        target: usize,
    },
}

fn base_time() -> DateTime<Utc> {
    at(2030, 6, 1, 12)
}

fn title_strategy() -> impl Strategy<Value = Title> {
    // A tiny alphabet, so titles tie case-insensitively and searches hit.
    "[abAB%_][abAB%_ ]{0,4}".prop_map(|s| Title::parse(&s).unwrap())
}

fn description_strategy() -> impl Strategy<Value = Option<Description>> {
    proptest::option::of("[abAB%_ ]{0,5}".prop_map(|s| Description::parse(&s).unwrap()))
}

fn priority_strategy() -> impl Strategy<Value = Priority> {
    prop_oneof![
        Just(Priority::Low),
        Just(Priority::Medium),
        Just(Priority::High)
    ]
}

fn tags_strategy() -> impl Strategy<Value = Tags> {
    proptest::collection::vec(
        prop_oneof![Just("work"), Just("home"), Just("homework")],
        0..3,
    )
    .prop_map(|t| Tags::parse(&t).unwrap())
}

fn due_strategy() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    // Few distinct days (ties), with sub-microsecond noise the stores must truncate.
    proptest::option::of((0i64..3, 0i64..3_000).prop_map(|(days, nanos)| {
        base_time() + Duration::days(days) + Duration::nanoseconds(nanos)
    }))
}

fn recurrence_strategy() -> impl Strategy<Value = Option<Recurrence>> {
    proptest::option::of(prop_oneof![
        Just(Recurrence::Daily),
        Just(Recurrence::Weekdays),
        Just(Recurrence::weekly([Weekday::Mon, Weekday::Thu]).unwrap()),
        Just(Recurrence::monthly(31).unwrap()),
    ])
}

fn patch_strategy() -> impl Strategy<Value = TaskPatch> {
    (
        proptest::option::of(title_strategy()),
        proptest::option::of(description_strategy()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(priority_strategy()),
        proptest::option::of(tags_strategy()),
        proptest::option::of(due_strategy()),
        proptest::option::of(recurrence_strategy()),
    )
        .prop_map(
            |(title, description, completed, priority, tags, due_at, recurrence)| TaskPatch {
                title,
                description,
                completed,
                priority,
                tags,
                due_at,
                recurrence,
            },
        )
}

pub fn op_strategy() -> impl Strategy<Value = Op> {
    let user = 0usize..2;
    let target = 0usize..64;
    prop_oneof![
        4 => (user.clone(), title_strategy(), description_strategy(), priority_strategy(), tags_strategy(), due_strategy(), recurrence_strategy())
            .prop_map(|(user, title, description, priority, tags, due_at, recurrence)| {
                Op::Create { user, task: NewTask { title, description, priority, tags, due_at, recurrence } }
            }),
        3 => (user.clone(), target.clone(), patch_strategy()).prop_map(|(user, target, patch)| Op::Update { user, target, patch }),
        2 => (user.clone(), target.clone()).prop_map(|(user, target)| Op::Toggle { user, target }),
        1 => (user, target.clone()).prop_map(|(user, target)| Op::Delete { user, target }),
        1 => target.prop_map(|target| Op::Restore { target }),
    ]
}

pub fn query_strategy() -> impl Strategy<Value = TaskQuery> {
    (
        prop_oneof![
            Just(StatusFilter::All),
            Just(StatusFilter::Pending),
            Just(StatusFilter::Completed)
        ],
        proptest::option::of(priority_strategy()),
        proptest::option::of(prop_oneof![Just("work"), Just("home"), Just("homework")]),
        proptest::option::of("[abAB%_]{1,2}"),
        prop_oneof![
            Just(SortKey::Created),
            Just(SortKey::Title),
            Just(SortKey::Due),
            Just(SortKey::Priority)
        ],
        prop_oneof![Just(SortOrder::Asc), Just(SortOrder::Desc)],
        prop_oneof![1u32..6, Just(TaskQuery::MAX_LIMIT)],
        0u32..8,
        proptest::option::of((proptest::option::of(0i64..3), 0i64..4, any::<bool>())),
    )
        .prop_map(
            |(status, priority, tag_name, search_text, sort, order, limit, offset, due)| {
                TaskQuery {
                    status,
                    priority,
                    tag: tag_name.map(tag),
                    search: search_text.map(|s| search(&s)),
                    // Day boundaries on the days the due dates fall on, so ranges split ties.
                    due: due.map(|(from, before, pending_only)| DueRange {
                        from: from.map(|d| base_time() + Duration::days(d)),
                        before: base_time() + Duration::days(before),
                        pending_only,
                    }),
                    sort,
                    order,
                    limit,
                    offset,
                }
            },
        )
}

fn expect_not_found<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    op: &Op,
) -> Result<(), TestCaseError> {
    match result {
        Err(StoreError::NotFound("task")) => Ok(()),
        other => Err(TestCaseError::fail(format!(
            "{op:?}: expected task not found, got {other:?}"
        ))),
    }
}

/// Applies `ops` to the store and the model side by side, checking every answer,
/// then compares full listings and the given queries for both users.
pub async fn run_case(
    store: &DynStore,
    ops: &[Op],
    queries: &[TaskQuery],
) -> Result<(), TestCaseError> {
    let users = [user(store).await.id, user(store).await.id];
    let mut model = Model::default();
    // Every number this case has seen, of either user and deleted ones too;
    // targets index into it, so a number often names a task of the other user
    // as well. An index past the end aims at a number that never existed.
    let mut seen: Vec<TaskId> = Vec::new();
    let mut deleted: Vec<Task> = Vec::new();
    let pick = |seen: &[TaskId], target: usize| {
        seen.get(target % (seen.len() + 1))
            .copied()
            .unwrap_or(TaskId(i64::MAX - 7))
    };
    let fail = |op: &Op, e: StoreError| TestCaseError::fail(format!("{op:?}: {e}"));

    for op in ops {
        match op {
            Op::Create { user, task } => {
                let got = store
                    .create_task(&users[*user], task.clone())
                    .await
                    .map_err(|e| fail(op, e))?;
                let expected = Task {
                    id: model.next_number(&users[*user]),
                    user_id: users[*user].clone(),
                    title: task.title.clone(),
                    description: task.description.clone().filter(|d| !d.as_str().is_empty()),
                    completed: false,
                    priority: task.priority,
                    tags: task.tags.clone(),
                    due_at: task.due_at.map(|d| d.trunc_subsecs(6)),
                    recurrence: task.recurrence.clone(),
                    created_at: got.created_at,
                    updated_at: got.created_at,
                };
                prop_assert_eq!(&got, &expected, "numbered next for its user");
                seen.push(got.id);
                model.insert(got);
            }
            Op::Update {
                user,
                target,
                patch,
            } => {
                let id = pick(&seen, *target);
                let result = store.update_task(&users[*user], id, patch).await;
                let Some(before) = model.owned(&users[*user], id).cloned() else {
                    expect_not_found(result, op)?;
                    continue;
                };
                let TaskChange {
                    task: got,
                    next_occurrence,
                } = result.map_err(|e| fail(op, e))?;
                let mut expected = before.clone();
                patch.apply_to(&mut expected);
                expected.due_at = expected.due_at.map(|d| d.trunc_subsecs(6));
                if !patch.is_empty() {
                    prop_assert!(
                        got.updated_at > before.updated_at,
                        "update bumps updated_at"
                    );
                    expected.updated_at = got.updated_at;
                }
                prop_assert_eq!(&got, &expected);
                model.insert(got.clone());
                model.expect_next(&before, &got, next_occurrence)?;
            }
            Op::Toggle { user, target } => {
                let id = pick(&seen, *target);
                let result = store.toggle_task(&users[*user], id).await;
                let Some(before) = model.owned(&users[*user], id).cloned() else {
                    expect_not_found(result, op)?;
                    continue;
                };
                let TaskChange {
                    task: got,
                    next_occurrence,
                } = result.map_err(|e| fail(op, e))?;
                prop_assert!(got.updated_at > before.updated_at);
                prop_assert_eq!(
                    &got,
                    &Task {
                        completed: !before.completed,
                        updated_at: got.updated_at,
                        ..before.clone()
                    }
                );
                model.insert(got.clone());
                model.expect_next(&before, &got, next_occurrence)?;
            }
            Op::Delete { user, target } => {
                let id = pick(&seen, *target);
                let result = store.delete_task(&users[*user], id).await;
                let Some(before) = model.owned(&users[*user], id).cloned() else {
                    expect_not_found(result, op)?;
                    continue;
                };
                prop_assert_eq!(result.map_err(|e| fail(op, e))?, before.clone());
                model
                    .tasks
                    .remove(&(before.user_id.as_str().to_string(), id));
                deleted.push(before);
            }
            Op::Restore { target } => {
                let Some(task) = deleted.get(target % (deleted.len() + 1)).cloned() else {
                    continue;
                };
                let result = store.restore_task(&task.user_id, task.clone()).await;
                if model.owned(&task.user_id, task.id).is_some() {
                    prop_assert!(
                        matches!(result, Err(StoreError::Conflict(_))),
                        "{:?}: restoring over a live number: {:?}",
                        op,
                        result
                    );
                    continue;
                }
                let got = result.map_err(|e| fail(op, e))?;
                prop_assert_eq!(&got, &task, "restored exactly");
                model.insert(got);
            }
        }
    }

    for user in &users {
        let everything = all(TaskQuery::default());
        let got = store
            .list_tasks(user, &everything)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(got, model.list(user, &everything), "full listing");
        for query in queries {
            let got = store
                .list_tasks(user, query)
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(got, model.list(user, query), "query {:?}", query);
        }
    }
    Ok(())
}

/// Runs the property on one store with `cases` random cases (fresh users per case).
/// `PROPTEST_CASES` overrides the count.
pub fn check_against_model(runtime: &tokio::runtime::Runtime, store: DynStore, cases: u32) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let strategy = (
        proptest::collection::vec(op_strategy(), 1..40),
        proptest::collection::vec(query_strategy(), 1..6),
    );
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&strategy, |(ops, queries)| {
        runtime.block_on(run_case(&store, &ops, &queries))
    });
    if let Err(e) = outcome {
        panic!("store and model disagree: {e}");
    }
}
