use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{Description, Recurrence, SearchText, Tag, Tags, Title, UserId, ValidationError};

/// A task's number: each user's tasks are numbered 1, 2, 3 … in the order they
/// were created, and a number is never handed out twice, even after a delete. It
/// is unique only together with the user, so it says nothing about other users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub i64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Medium, Priority::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    /// Sort rank, high first when ordering descending.
    pub fn rank(self) -> i64 {
        match self {
            Priority::Low => 0,
            Priority::Medium => 1,
            Priority::High => 2,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == rank)
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Priority::Low),
            "medium" => Ok(Priority::Medium),
            "high" => Ok(Priority::High),
            other => Err(ValidationError::new(
                "priority",
                format!("{other:?} is not a priority; use low, medium or high"),
            )),
        }
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub user_id: UserId,
    pub title: Title,
    pub description: Option<Description>,
    pub completed: bool,
    pub priority: Priority,
    pub tags: Tags,
    pub due_at: Option<DateTime<Utc>>,
    /// How the task repeats; completing it then creates the next occurrence.
    pub recurrence: Option<Recurrence>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// The task that completing this one creates, if it recurs: same title,
    /// description, priority, tags and rule, due on the rule's next day.
    pub fn next_occurrence(&self, now: DateTime<Utc>) -> Option<NewTask> {
        let rule = self.recurrence.clone()?;
        Some(NewTask {
            title: self.title.clone(),
            description: self.description.clone(),
            priority: self.priority,
            tags: self.tags.clone(),
            due_at: Some(rule.next_due(self.due_at, now)),
            recurrence: Some(rule),
        })
    }
}

/// What a change to a task did: the task as it is now, and, when the change
/// completed a recurring task, the next occurrence it created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskChange {
    pub task: Task,
    pub next_occurrence: Option<Task>,
}

/// A validated task to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: Title,
    pub description: Option<Description>,
    pub priority: Priority,
    pub tags: Tags,
    pub due_at: Option<DateTime<Utc>>,
    pub recurrence: Option<Recurrence>,
}

impl NewTask {
    pub fn titled(title: Title) -> Self {
        Self {
            title,
            description: None,
            priority: Priority::default(),
            tags: Tags::default(),
            due_at: None,
            recurrence: None,
        }
    }
}

/// A validated partial update. `None` leaves a field alone; for the optional
/// fields `Some(None)` clears them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    pub title: Option<Title>,
    pub description: Option<Option<Description>>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Tags>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub recurrence: Option<Option<Recurrence>>,
}

impl TaskPatch {
    pub fn is_empty(&self) -> bool {
        *self == TaskPatch::default()
    }

    /// Applies the patch to a task in memory (used by stores that read-modify-write,
    /// and by tests as the reference model).
    pub fn apply_to(&self, task: &mut Task) {
        if let Some(t) = &self.title {
            task.title = t.clone();
        }
        if let Some(d) = &self.description {
            task.description = d.clone().filter(|d| !d.as_str().is_empty());
        }
        if let Some(c) = self.completed {
            task.completed = c;
        }
        if let Some(p) = self.priority {
            task.priority = p;
        }
        if let Some(t) = &self.tags {
            task.tags = t.clone();
        }
        if let Some(d) = self.due_at {
            task.due_at = d;
        }
        if let Some(r) = &self.recurrence {
            task.recurrence = r.clone();
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    #[default]
    All,
    Pending,
    Completed,
}

impl StatusFilter {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "all" | "" => Ok(Self::All),
            "pending" => Ok(Self::Pending),
            "completed" => Ok(Self::Completed),
            other => Err(ValidationError::new(
                "status",
                format!("{other:?} is not a status; use all, pending or completed"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Pending => "pending",
            Self::Completed => "completed",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    #[default]
    Created,
    Title,
    Due,
    Priority,
}

impl SortKey {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "created" | "" => Ok(Self::Created),
            "title" => Ok(Self::Title),
            "due" => Ok(Self::Due),
            "priority" => Ok(Self::Priority),
            other => Err(ValidationError::new(
                "sort",
                format!("{other:?} is not a sort key; use created, title, due or priority"),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

impl SortOrder {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "asc" | "" => Ok(Self::Asc),
            "desc" => Ok(Self::Desc),
            other => Err(ValidationError::new(
                "order",
                format!("{other:?} is not an order; use asc or desc"),
            )),
        }
    }
}

/// A validated list query. Ordering is total: ties on the sort key are broken by
/// id ascending, so pages never overlap or skip rows. Tasks without a due date sort
/// after those with one, in both orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    pub status: StatusFilter,
    pub priority: Option<Priority>,
    pub tag: Option<Tag>,
    pub search: Option<SearchText>,
    /// Only tasks due in this range.
    pub due: Option<DueRange>,
    pub sort: SortKey,
    pub order: SortOrder,
    pub limit: u32,
    pub offset: u32,
}

impl TaskQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;

    pub fn check_limit(limit: u32) -> Result<u32, ValidationError> {
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(ValidationError::new(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(limit)
    }
}

impl Default for TaskQuery {
    fn default() -> Self {
        Self {
            status: StatusFilter::All,
            priority: None,
            tag: None,
            search: None,
            due: None,
            sort: SortKey::Created,
            order: SortOrder::Asc,
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// A due-date filter as people ask for it: what is due today, this week, or overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueWindow {
    /// Due between the start of today and the start of tomorrow.
    Today,
    /// Due in the current week, Monday to Sunday.
    ThisWeek,
    /// Not completed and due before now.
    Overdue,
}

impl DueWindow {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "today" => Ok(Self::Today),
            "this_week" | "week" => Ok(Self::ThisWeek),
            "overdue" => Ok(Self::Overdue),
            other => Err(ValidationError::new(
                "due",
                format!("{other:?} is not a due filter; use today, this_week or overdue"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::ThisWeek => "this_week",
            Self::Overdue => "overdue",
        }
    }

    /// The instants this window covers for a person whose calendar day `today`
    /// is, where `start_of(d)` is the instant day `d` begins in their time zone.
    pub fn range(
        self,
        now: DateTime<Utc>,
        today: NaiveDate,
        start_of: impl Fn(NaiveDate) -> DateTime<Utc>,
    ) -> DueRange {
        let day_after = |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n)).unwrap_or(d);
        match self {
            Self::Today => DueRange {
                from: Some(start_of(today)),
                before: start_of(day_after(today, 1)),
                pending_only: false,
            },
            Self::ThisWeek => {
                let monday = today
                    .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
                    .unwrap_or(today);
                DueRange {
                    from: Some(start_of(monday)),
                    before: start_of(day_after(monday, 7)),
                    pending_only: false,
                }
            }
            Self::Overdue => DueRange {
                from: None,
                before: now,
                pending_only: true,
            },
        }
    }
}

/// Tasks due at or after `from` (unbounded when `None`) and before `before`;
/// with `pending_only`, completed tasks are left out whatever the status filter.
/// Tasks without a due date never match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueRange {
    pub from: Option<DateTime<Utc>>,
    pub before: DateTime<Utc>,
    pub pending_only: bool,
}

impl DueRange {
    /// Whether `task` is in the range (the reference the stores are tested against).
    pub fn contains(&self, task: &Task) -> bool {
        task.due_at
            .is_some_and(|d| d < self.before && self.from.is_none_or(|f| d >= f))
            && !(self.pending_only && task.completed)
    }
}

/// One page of a task listing plus the number of tasks matching the filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: u64,
}
