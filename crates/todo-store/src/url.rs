use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

use crate::{Error, Result};

/// Which database to use, parsed from `DATABASE_URL`.
///
/// - `sqlite://PATH` or `sqlite:PATH`: the embedded SQLite file (`sqlite:///abs/x.db`
///   is the absolute path `/abs/x.db`; `sqlite://data/x.db` is relative). The only
///   query parameter accepted is sqlx's `mode=rwc`, which is what happens anyway.
/// - `postgres://...` or `postgresql://...`: PostgreSQL, libpq style, with
///   `sslmode=disable|prefer|require|verify-ca|verify-full` for TLS.
///
/// `Display` gives the URL as configured, password included, so that it can be
/// passed on; log [`DatabaseUrl::redacted`] instead. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }

    /// The URL without user, password and query: safe for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(raw) => redact_postgres(raw),
        }
    }
}

fn redact_postgres(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return "postgres://(unparsable)".into();
    };
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{rest}")
}

impl FromStr for DatabaseUrl {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            // Validate now so a typo fails at start-up, not at the first connection.
            // The parser's message never quotes the URL, so no password leaks here.
            PgConnectOptions::from_str(raw).map_err(|e| {
                Error::InvalidUrl(format!(
                    "{} is not a valid PostgreSQL URL ({e}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require",
                    redact_postgres(raw)
                ))
            })?;
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            return parse_sqlite(rest).map(DatabaseUrl::Sqlite);
        }
        let scheme = raw.split_once(':').map_or("", |(scheme, _)| scheme);
        Err(Error::InvalidUrl(if raw.is_empty() {
            "empty; use sqlite://PATH for the embedded database or postgres://USER:PASSWORD@HOST/DATABASE".into()
        } else {
            format!(
                "unsupported scheme {scheme:?}; use sqlite://PATH for the embedded database or postgres://USER:PASSWORD@HOST/DATABASE"
            )
        }))
    }
}

fn parse_sqlite(rest: &str) -> Result<PathBuf> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if pair != "mode=rwc" {
            return Err(Error::InvalidUrl(format!(
                "the SQLite URL parameter {pair:?} is not supported; write sqlite://PATH (the file is created when missing)"
            )));
        }
    }
    if path.is_empty() {
        return Err(Error::InvalidUrl(
            "the SQLite URL has no file path; write sqlite://PATH, e.g. sqlite://data/todo.db"
                .into(),
        ));
    }
    if path == ":memory:" || path.starts_with("file::memory:") {
        return Err(Error::InvalidUrl(
            "in-memory SQLite is not supported (its data would vanish and not be shared between connections); \
             write sqlite://PATH to a file"
                .into(),
        ));
    }
    Ok(PathBuf::from(path))
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(raw) => f.write_str(raw),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<DatabaseUrl> {
        raw.parse()
    }

    #[test]
    fn sqlite_forms() {
        assert_eq!(
            parse("sqlite:///var/lib/todo.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/todo.db".into())
        );
        assert_eq!(
            parse("sqlite://data/todo.db").unwrap(),
            DatabaseUrl::Sqlite("data/todo.db".into())
        );
        assert_eq!(
            parse("sqlite:todo.db").unwrap(),
            DatabaseUrl::Sqlite("todo.db".into())
        );
        assert_eq!(
            parse(" sqlite://x.db?mode=rwc ").unwrap(),
            DatabaseUrl::Sqlite("x.db".into())
        );
        assert_eq!(
            parse("sqlite:///tmp/x.db").unwrap().to_string(),
            "sqlite:///tmp/x.db"
        );
    }

    #[test]
    fn sqlite_mistakes_are_explained() {
        for (raw, hint) in [
            ("sqlite://", "no file path"),
            ("sqlite::memory:", "in-memory"),
            ("sqlite://x.db?mode=ro", "not supported"),
        ] {
            let err = parse(raw).unwrap_err().to_string();
            assert!(err.contains(hint), "{raw}: {err}");
        }
    }

    #[test]
    fn postgres_forms_keep_the_url_but_never_show_the_password() {
        let raw = "postgresql://app:s3cret@ep-cool-1.eu.aws.neon.tech/todo?sslmode=require&channel_binding=require";
        let url = parse(raw).unwrap();
        assert!(url.is_postgres());
        assert_eq!(url.to_string(), raw, "Display passes the URL on unchanged");
        assert_eq!(
            url.redacted(),
            "postgresql://ep-cool-1.eu.aws.neon.tech/todo"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(parse("postgres://localhost/todo").unwrap().is_postgres());
    }

    #[test]
    fn bad_urls_say_what_to_write() {
        let err = parse("mysql://root:pw@h/db").unwrap_err().to_string();
        assert!(
            err.contains("\"mysql\"") && err.contains("sqlite://PATH"),
            "{err}"
        );
        assert!(!err.contains("pw@"), "{err}");
        let err = parse("").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
        let err = parse("postgres://u:topsecret@host:notaport/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a valid PostgreSQL URL"), "{err}");
        assert!(!err.contains("topsecret"), "{err}");
    }
}
