//! Everything the SQL of the two backends differs in. The statements themselves
//! are written once (`writes.rs`, `reads.rs`, `list.rs`) and ask the dialect for
//! these fragments; both use `$n` placeholders.

use crate::engine::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The larger of two values: SQLite's two-argument `max`, PostgreSQL's `GREATEST`.
    pub(crate) fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "max",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// `param`, but later than `column` by at least one microsecond (the unit both
    /// store times in), so every change moves `updated_at`.
    pub(crate) fn later_than(self, param: &str, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("max({param}, {column} + 1)"),
            Dialect::Postgres => {
                format!("GREATEST({param}, {column} + interval '1 microsecond')")
            }
        }
    }

    /// A text parameter stored in a JSON column (PostgreSQL's `json`; text on SQLite).
    pub(crate) fn json_param(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("${n}"),
            Dialect::Postgres => format!("${n}::json"),
        }
    }

    /// A JSON column read back as its text.
    pub(crate) fn json_text(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_string(),
            Dialect::Postgres => format!("{column}::text"),
        }
    }

    /// Locks the rows a SELECT read inside a write transaction. SQLite needs none:
    /// its write transactions start with the database's write lock (`BEGIN IMMEDIATE`).
    pub(crate) fn lock_rows(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// `LIMIT … OFFSET …`, with the values to bind after parameter `bound`.
    /// SQLite gets them as literals (validated integers): since 3.46 a bound LIMIT
    /// marks the statement for re-preparation at every new binding, so a bound one
    /// would parse and plan the query on every call. PostgreSQL binds them, so one
    /// prepared statement serves every page.
    pub(crate) fn paging(self, limit: u32, offset: u32, bound: usize) -> (String, Vec<Value>) {
        match self {
            Dialect::Sqlite => (format!("LIMIT {limit} OFFSET {offset}"), Vec::new()),
            Dialect::Postgres => (
                format!("LIMIT ${} OFFSET ${}", bound + 1, bound + 2),
                vec![Value::Int(i64::from(limit)), Value::Int(i64::from(offset))],
            ),
        }
    }

    /// Tasks whose tag list holds exactly `$n`, never a substring of another tag.
    pub(crate) fn has_tag(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => {
                format!("EXISTS (SELECT 1 FROM json_each(tasks.tags) WHERE json_each.value = ${n})")
            }
            Dialect::Postgres => format!("${n} = ANY(tags)"),
        }
    }

    /// Tasks whose search key holds `$n` as a plain substring: no LIKE, so `%`
    /// and `_` in the search are literal.
    pub(crate) fn contains(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("instr(search_key, ${n}) > 0"),
            Dialect::Postgres => format!("strpos(search_key, ${n}) > 0"),
        }
    }
}
