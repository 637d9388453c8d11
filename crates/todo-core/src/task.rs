use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Description, SearchText, Tag, Tags, Title, UserId, ValidationError};

/// A task's id: one sequence across all users, so an id alone never says whose task it is.
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated task to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: Title,
    pub description: Option<Description>,
    pub priority: Priority,
    pub tags: Tags,
    pub due_at: Option<DateTime<Utc>>,
}

impl NewTask {
    pub fn titled(title: Title) -> Self {
        Self {
            title,
            description: None,
            priority: Priority::default(),
            tags: Tags::default(),
            due_at: None,
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
            sort: SortKey::Created,
            order: SortOrder::Asc,
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of a task listing plus the number of tasks matching the filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: u64,
}
