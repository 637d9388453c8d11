//! Turns flags and environment into a validated configuration: the data
//! directory, the database to use and the token-signing secret.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use todo_api::auth::token::JwtSecret;

use crate::cli::StoreArgs;
use crate::error::{CliError, Result};

/// Name of the generated secret file in the data directory.
pub const SECRET_FILE: &str = "auth-secret";
/// Name of the embedded database file in the data directory.
pub const DATABASE_FILE: &str = "todo.db";

/// Which database, and whether it is the embedded default.
#[derive(Debug, Clone)]
pub struct StoreChoice {
    pub url: todo_store::DatabaseUrl,
    /// True when DATABASE_URL was given (production mode).
    pub explicit: bool,
    pub data_dir: PathBuf,
}

impl StoreChoice {
    pub fn from_args(args: &StoreArgs) -> Result<Self> {
        let data_dir = data_dir(args.data_dir.as_deref())?;
        match args
            .database_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(raw) => {
                let url = raw
                    .parse()
                    .map_err(|e| CliError::BadDatabaseUrl(format!("{e}")))?;
                Ok(Self {
                    url,
                    explicit: true,
                    data_dir,
                })
            }
            None => {
                create_private_dir(&data_dir)?;
                let path = data_dir.join(DATABASE_FILE);
                let url = format!("sqlite://{}", path.display())
                    .parse()
                    .map_err(|e| CliError::BadDatabaseUrl(format!("{e}")))?;
                Ok(Self {
                    url,
                    explicit: false,
                    data_dir,
                })
            }
        }
    }
}

/// `--data-dir`/`TODO_DATA_DIR`, else `$XDG_DATA_HOME/todo-chatbot`, else
/// `~/.local/share/todo-chatbot`.
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir.to_path_buf());
    }
    let non_empty = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = non_empty("XDG_DATA_HOME") {
        return Ok(xdg.join("todo-chatbot"));
    }
    if let Some(home) = non_empty("HOME") {
        return Ok(home.join(".local/share/todo-chatbot"));
    }
    Err(CliError::NoDataDir)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let io = |source| CliError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(io)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)
}

/// The token-signing secret: `BETTER_AUTH_SECRET` when set; otherwise, with
/// the embedded database only, the secret kept in the data directory (generated
/// on first start). With DATABASE_URL set and no secret, refuses to start.
pub fn auth_secret(explicit: Option<&str>, store: &StoreChoice) -> Result<JwtSecret> {
    if let Some(secret) = explicit.filter(|s| !s.is_empty()) {
        return Ok(JwtSecret::new(secret.as_bytes().to_vec())?);
    }
    if store.explicit {
        return Err(CliError::SecretRequired);
    }
    create_private_dir(&store.data_dir)?;
    load_or_generate_secret(&store.data_dir.join(SECRET_FILE))
}

fn load_or_generate_secret(path: &Path) -> Result<JwtSecret> {
    let io = |source| CliError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // create_new: if two processes start at once, one writes and the other reads.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(fresh.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io)?;
            tracing::warn!(
                path = %path.display(),
                "BETTER_AUTH_SECRET is not set: generated a token-signing secret and saved it (mode 0600). \
                 Keep this file; set BETTER_AUTH_SECRET in production"
            );
            Ok(JwtSecret::new(fresh.into_bytes())?)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let mode = fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "the secret file is readable by others; restricting it to 0600");
                fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
            let stored = fs::read_to_string(path).map_err(io)?;
            JwtSecret::new(stored.trim().as_bytes().to_vec()).map_err(|e| CliError::BadSecretFile {
                path: path.to_path_buf(),
                problem: e.to_string(),
            })
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded(dir: &Path) -> StoreChoice {
        StoreChoice::from_args(&StoreArgs {
            database_url: None,
            data_dir: Some(dir.to_path_buf()),
        })
        .unwrap()
    }

    #[test]
    fn secret_is_generated_once_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let store = embedded(&dir.path().join("data"));
        let first = auth_secret(None, &store).unwrap();
        let path = store.data_dir.join(SECRET_FILE);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(&store.data_dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let second = auth_secret(None, &store).unwrap();
        assert_eq!(first.as_bytes(), second.as_bytes());
        assert_eq!(first.as_bytes().len(), 64);
    }

    #[test]
    fn explicit_database_needs_explicit_secret() {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreChoice::from_args(&StoreArgs {
            database_url: Some(format!("sqlite://{}/x.db", dir.path().display())),
            data_dir: Some(dir.path().to_path_buf()),
        })
        .unwrap();
        assert!(matches!(
            auth_secret(None, &store),
            Err(CliError::SecretRequired)
        ));
        assert!(matches!(
            auth_secret(Some("short"), &store),
            Err(CliError::BadSecret(_))
        ));
        assert!(auth_secret(Some(&"s".repeat(32)), &store).is_ok());
        assert!(!dir.path().join(SECRET_FILE).exists());
    }

    #[test]
    fn a_too_short_secret_file_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let store = embedded(dir.path());
        fs::write(dir.path().join(SECRET_FILE), "tiny").unwrap();
        let err = auth_secret(None, &store).unwrap_err();
        assert!(err.to_string().contains("delete it"), "{err}");
    }
}
