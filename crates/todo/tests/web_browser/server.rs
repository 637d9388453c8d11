//! The `todo serve` process under test and the plumbing every spawned child needs:
//! free loopback ports, waiting for a listener, and killing the child however the test ends.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn wait_for_port(addr: SocketAddr, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {addr} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process that is killed when the test ends, however it ends.
pub struct Guarded(pub Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `todo serve` on two free loopback ports over a fresh data directory.
pub struct Server {
    pub web: String,
    _process: Guarded,
    _data: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let (web_port, api_port) = (free_port(), free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_todo"))
            .args([
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                &web_port.to_string(),
                "--api-port",
                &api_port.to_string(),
            ])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", data.path())
            .env("TODO_DATA_DIR", data.path().join("data"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start todo serve");
        wait_for_port(
            ([127, 0, 0, 1], web_port).into(),
            &mut child,
            "todo serve (web)",
        );
        wait_for_port(
            ([127, 0, 0, 1], api_port).into(),
            &mut child,
            "todo serve (api)",
        );
        Self {
            web: format!("http://127.0.0.1:{web_port}"),
            _process: Guarded(child),
            _data: data,
        }
    }
}
