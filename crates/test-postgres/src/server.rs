//! The one PostgreSQL server of a test process: initdb, start, readiness, stop.
//!
//! Stopping has two layers, because Rust never drops statics:
//! - at a normal exit (tests passed or failed) an `atexit` hook stops the server and
//!   removes its directory;
//! - if the process dies without running exit hooks (SIGKILL, abort), the kernel sends
//!   the postmaster SIGQUIT through `PR_SET_PDEATHSIG`, and the next test process
//!   removes the orphaned directory.

use std::ffi::CString;
use std::fs;
use std::io;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{DEFAULT_BIN_DIR, Error, Result};

const DIR_PREFIX: &str = "test-postgres-";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const PORT_ATTEMPTS: usize = 5;

/// User and group ids to drop to before exec.
#[derive(Debug, Clone, Copy)]
struct Ids {
    uid: libc::uid_t,
    gid: libc::gid_t,
}

pub(crate) struct Server {
    bin_dir: PathBuf,
    root: PathBuf,
    port: u16,
    run_as: Option<Ids>,
    settings: Settings,
    postmaster: Mutex<Option<Child>>,
}

/// How a server is configured beyond the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    /// Acknowledge a commit only once its WAL is written (to the OS), so a killed
    /// server loses no acknowledged write. `fsync` stays off: the tests kill
    /// processes, not the machine.
    pub(crate) durable: bool,
    /// Serve TLS with this certificate and key (copied into the server's directory).
    pub(crate) tls: Option<crate::TlsFiles>,
}

impl Server {
    pub(crate) fn launch(settings: Settings) -> Result<Self> {
        let bin_dir = std::env::var_os("TEST_POSTGRES_BIN_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_BIN_DIR));
        for program in ["initdb", "postgres", "psql"] {
            let path = bin_dir.join(program);
            if !path.is_file() {
                return Err(Error::MissingBinary(path));
            }
        }
        remove_orphaned_directories();
        let run_as = unprivileged_ids()?;
        let root = create_root_dir(run_as)?;

        let mut initdb = Command::new(bin_dir.join("initdb"));
        initdb.arg("--pgdata").arg(root.join("data")).args([
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        prepare(&mut initdb, &root, run_as);
        let output = output_of(&mut initdb, "initdb")?;
        if !output.status.success() {
            let _ = fs::remove_dir_all(&root);
            return Err(Error::Command {
                step: "initdb".into(),
                output: describe(&output),
            });
        }

        if let Some(tls) = &settings.tls
            && let Err(e) = install_tls_files(tls, &root, run_as)
        {
            let _ = fs::remove_dir_all(&root);
            return Err(e);
        }

        let mut last_failure = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port().map_err(|source| Error::Spawn {
                program: "a loopback port probe".into(),
                source,
            })?;
            let server = Server {
                bin_dir: bin_dir.clone(),
                root: root.clone(),
                port,
                run_as,
                settings: settings.clone(),
                postmaster: Mutex::new(None),
            };
            if let Err(e) = server.spawn_postmaster() {
                let _ = fs::remove_dir_all(&root);
                return Err(e);
            }
            match server.wait_until_ready() {
                Ok(()) => {
                    // SAFETY: registering a plain `extern "C" fn` with no captured state.
                    unsafe { libc::atexit(stop_at_exit) };
                    return Ok(server);
                }
                Err(reason) => {
                    server.stop_postmaster();
                    last_failure = reason;
                    // Another process may have taken the port between probe and bind.
                    if !last_failure.contains("could not bind") && !last_failure.contains("in use")
                    {
                        break;
                    }
                }
            }
        }
        let _ = fs::remove_dir_all(&root);
        Err(Error::Startup(last_failure))
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn spawn_postmaster(&self) -> Result<()> {
        let child = start_postmaster(
            &self.bin_dir,
            &self.root,
            self.port,
            self.run_as,
            &self.settings,
        )?;
        *self.postmaster.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        Ok(())
    }

    /// SIGKILL to the postmaster and every backend (its process group): a crash,
    /// with no shutdown checkpoint.
    pub(crate) fn kill(&self) {
        let mut guard = self.postmaster.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mut child) = guard.take() else {
            return;
        };
        let group = libc::pid_t::try_from(child.id()).ok();
        if let Some(pid) = group {
            // SAFETY: the postmaster leads its own process group (see start_postmaster).
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = child.wait();
        // The backends die with it; a new postmaster would refuse to start while one
        // still holds the old shared memory. Signal 0 only asks whether any is left.
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Some(pid) = group {
            // SAFETY: as above; signal 0 sends nothing.
            if unsafe { libc::kill(-pid, 0) } != 0 || Instant::now() > deadline {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same port and data (crash recovery runs).
    pub(crate) fn start_again(&self) -> Result<()> {
        let mut last = String::new();
        // A killed backend that is still exiting makes the first start fail with
        // "shared memory block is still in use": try again briefly.
        for _ in 0..5 {
            self.spawn_postmaster()?;
            match self.wait_until_ready() {
                Ok(()) => return Ok(()),
                Err(reason) => last = reason,
            }
            self.stop_postmaster();
            thread::sleep(Duration::from_millis(200));
        }
        Err(Error::Startup(last))
    }

    pub(crate) fn stop_and_remove(&self) {
        self.stop_postmaster();
        let _ = fs::remove_dir_all(&self.root);
    }

    pub(crate) fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }

    pub(crate) fn create_database(&self, name: &str) -> Result<()> {
        // `name` is generated by this crate (test_N), so quoting is enough.
        let output = self.psql("postgres", &format!("CREATE DATABASE \"{name}\""))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Error::Command {
                step: format!("CREATE DATABASE {name}"),
                output: describe(&output),
            })
        }
    }

    fn psql(&self, database: &str, sql: &str) -> Result<Output> {
        let mut psql = Command::new(self.bin_dir.join("psql"));
        psql.args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
        ])
        .arg("-p")
        .arg(self.port.to_string())
        .arg("-d")
        .arg(database)
        .arg("-c")
        .arg(sql)
        .env("PGCONNECT_TIMEOUT", "5");
        output_of(&mut psql, "psql")
    }

    fn wait_until_ready(&self) -> std::result::Result<(), String> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let exited = {
                let mut guard = self.postmaster.lock().unwrap_or_else(|p| p.into_inner());
                match guard.as_mut().map(Child::try_wait) {
                    Some(Ok(Some(status))) => Some(status.to_string()),
                    Some(Err(e)) => Some(e.to_string()),
                    _ => None,
                }
            };
            if let Some(status) = exited {
                return Err(format!(
                    "postgres exited ({status}); its log says: {}",
                    self.log_tail()
                ));
            }
            if matches!(self.psql("postgres", "SELECT 1"), Ok(out) if out.status.success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "not ready after {} s; its log says: {}",
                    STARTUP_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.root.join("postgres.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Immediate shutdown (SIGQUIT): no checkpoint, the data is thrown away anyway.
    fn stop_postmaster(&self) {
        let mut guard = self.postmaster.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mut child) = guard.take() else {
            return;
        };
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: signalling our own child process, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGQUIT) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

extern "C" fn stop_at_exit() {
    if let Some(Ok(server)) = crate::SERVER.get() {
        server.stop_postmaster();
        let _ = fs::remove_dir_all(&server.root);
    }
}

/// Spawns `postgres` from a thread that lives as long as the process: the kernel's
/// parent-death signal follows the thread that forked, not the process.
fn start_postmaster(
    bin_dir: &Path,
    root: &Path,
    port: u16,
    run_as: Option<Ids>,
    settings: &Settings,
) -> Result<Child> {
    // Appended to, so a restarted server's log follows the crashed one's.
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root.join("postgres.log"))
        .map_err(|source| Error::Directory {
            path: root.join("postgres.log"),
            source,
        })?;
    let log_err = log.try_clone().map_err(|source| Error::Directory {
        path: root.join("postgres.log"),
        source,
    })?;
    let mut postgres = Command::new(bin_dir.join("postgres"));
    postgres
        .arg("-D")
        .arg(root.join("data"))
        .arg("-p")
        .arg(port.to_string())
        .args(["-h", "127.0.0.1", "-k"])
        .arg(root.join("sock"))
        .args([
            "-c",
            "fsync=off",
            "-c",
            if settings.durable {
                "synchronous_commit=on"
            } else {
                "synchronous_commit=off"
            },
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=32MB",
            "-c",
            "log_min_messages=warning",
        ])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // its own process group, so a simulated crash can kill every backend at once
        .process_group(0);
    if settings.tls.is_some() {
        postgres.args([
            "-c",
            "ssl=on",
            "-c",
            "ssl_cert_file=tls/server.crt",
            "-c",
            "ssl_key_file=tls/server.key",
        ]);
    }
    prepare(&mut postgres, root, run_as);
    // SAFETY: prctl is async-signal-safe; it runs after the privilege drop that
    // `prepare` installed, since a credential change would clear the setting.
    unsafe {
        postgres.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT as libc::c_ulong) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (sender, receiver) = mpsc::channel();
    thread::Builder::new()
        .name("test-postgres-guard".into())
        .spawn(move || {
            let _ = sender.send(postgres.spawn());
            loop {
                thread::park();
            }
        })
        .map_err(|source| Error::Spawn {
            program: "the guard thread".into(),
            source,
        })?;
    receiver
        .recv()
        .map_err(|_| Error::Startup("the guard thread ended before spawning postgres".into()))?
        .map_err(|source| Error::Spawn {
            program: bin_dir.join("postgres").display().to_string(),
            source,
        })
}

/// Copies the certificate and key to `root/tls/` (the paths relative to the data
/// directory would not do: initdb owns that), key mode 0600 owned by the server's
/// user, as PostgreSQL demands.
fn install_tls_files(tls: &crate::TlsFiles, root: &Path, run_as: Option<Ids>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = root.join("data/tls");
    let fail = |path: &Path, source| Error::Directory {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(&dir).map_err(|e| fail(&dir, e))?;
    for (from, name, mode) in [
        (&tls.certificate, "server.crt", 0o644),
        (&tls.private_key, "server.key", 0o600),
    ] {
        let to = dir.join(name);
        fs::copy(from, &to).map_err(|e| fail(from, e))?;
        fs::set_permissions(&to, fs::Permissions::from_mode(mode)).map_err(|e| fail(&to, e))?;
        if let Some(Ids { uid, gid }) = run_as {
            std::os::unix::fs::chown(&to, Some(uid), Some(gid)).map_err(|e| fail(&to, e))?;
        }
    }
    if let Some(Ids { uid, gid }) = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| fail(&dir, e))?;
    }
    Ok(())
}

/// Runs the command in `root` with a C locale, as `run_as` when given.
fn prepare(command: &mut Command, root: &Path, run_as: Option<Ids>) {
    command
        .current_dir(root)
        .env("LC_ALL", "C")
        .env("LANG", "C");
    if let Some(Ids { uid, gid }) = run_as {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

fn output_of(command: &mut Command, program: &str) -> Result<Output> {
    command
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: program.into(),
            source,
        })
}

fn describe(output: &Output) -> String {
    format!(
        "{}; stdout: {}; stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `None` when already unprivileged; as root, the `postgres` user (the Debian
/// package creates it) or else `nobody`.
fn unprivileged_ids() -> Result<Option<Ids>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    ["postgres", "nobody"]
        .into_iter()
        .find_map(user_ids)
        .map(Some)
        .ok_or(Error::NoUnprivilegedUser)
}

fn user_ids(name: &str) -> Option<Ids> {
    let name = CString::new(name).ok()?;
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 4096];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call; getpwnam_r is the reentrant lookup.
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    (rc == 0 && !found.is_null()).then_some(Ids {
        uid: entry.pw_uid,
        gid: entry.pw_gid,
    })
}

/// `$TMPDIR/test-postgres-<pid>-<nanos>/{sock}`, owned by the server's user.
fn create_root_dir(run_as: Option<Ids>) -> Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let root = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{nanos}", std::process::id()));
    let fail = |path: &Path, source| Error::Directory {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir(&root).map_err(|e| fail(&root, e))?;
    fs::create_dir(root.join("sock")).map_err(|e| fail(&root, e))?;
    if let Some(Ids { uid, gid }) = run_as {
        for dir in [root.clone(), root.join("sock")] {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| fail(&dir, e))?;
        }
    }
    Ok(root)
}

/// Removes directories left by test processes that died without running exit hooks.
fn remove_orphaned_directories() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
