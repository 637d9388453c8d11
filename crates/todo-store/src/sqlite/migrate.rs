//! Applies the SQLite migrations through rusqlite, keeping sqlx's bookkeeping
//! table `_sqlx_migrations` exactly as sqlx's own migrator wrote it, so files
//! migrated by earlier versions (which ran sqlx on SQLite) open unchanged and an
//! edited migration is still refused by its checksum.

use std::time::Instant;

use rusqlite::{Connection, OptionalExtension};

const TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)";

/// Applies every embedded migration not applied yet (up to `up_to`, for tests
/// that build an old schema), each in its own transaction with its bookkeeping row.
pub(crate) fn apply(conn: &mut Connection, up_to: Option<i64>) -> Result<(), String> {
    let migrator = crate::migrate::sqlite();
    let sql_error = |e: rusqlite::Error| e.to_string();
    conn.execute_batch(TABLE).map_err(sql_error)?;
    let dirty: Option<i64> = conn
        .query_row(
            "SELECT version FROM _sqlx_migrations WHERE success = false ORDER BY version LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql_error)?;
    if let Some(version) = dirty {
        return Err(format!(
            "migration {version} is partially applied; fix and remove row from `_sqlx_migrations` table"
        ));
    }
    let applied: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .map_err(sql_error)?;
    for (version, _) in &applied {
        if !migrator.iter().any(|m| m.version == *version) {
            return Err(format!(
                "migration {version} was previously applied but is missing in the resolved migrations"
            ));
        }
    }
    for migration in migrator.iter() {
        if up_to.is_some_and(|last| migration.version > last) {
            break;
        }
        if let Some((_, checksum)) = applied.iter().find(|(v, _)| *v == migration.version) {
            if checksum.as_slice() != &*migration.checksum {
                return Err(format!(
                    "migration {} was previously applied but has been modified",
                    migration.version
                ));
            }
            continue;
        }
        let start = Instant::now();
        let tx = conn.transaction().map_err(sql_error)?;
        tx.execute_batch(migration.sql.as_str())
            .map_err(|e| format!("while executing migration {}: {e}", migration.version))?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, -1)",
            (
                migration.version,
                &*migration.description,
                &*migration.checksum,
            ),
        )
        .map_err(sql_error)?;
        tx.commit().map_err(sql_error)?;
        let nanos = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX);
        conn.execute(
            "UPDATE _sqlx_migrations SET execution_time = ?1 WHERE version = ?2",
            (nanos, migration.version),
        )
        .map_err(sql_error)?;
    }
    Ok(())
}
