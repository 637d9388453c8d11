//! Real OpenAI-compatible servers on loopback for the real-server test tier: llama.cpp's
//! `llama-server` and llama-cpp-python's server, with the small instruct model that
//! `scripts/install.d/llm-server.sh` puts under `$TODO_CACHE_DIR/llm-server`.
//!
//! When those are missing the tests do not pass quietly: under CI (`CI=true`) or with
//! `TODO_LLM_SERVER_REQUIRED=1` (set by ./test.sh) that is a failure; elsewhere
//! [`LocalServer::start`] returns `Missing` and the test prints that it skipped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{LlmConfig, Provider, RetryPolicy};

/// The two server modes the tier covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// llama.cpp's `llama-server --jinja`: native tool calling from the model's template.
    LlamaServer,
    /// `python -m llama_cpp.server` with the model's own chat template: tool calls come
    /// back as `<tool_call>` text, which the tool loop recovers.
    LlamaCppPython,
}

impl ServerMode {
    pub const ALL: [ServerMode; 2] = [ServerMode::LlamaServer, ServerMode::LlamaCppPython];

    pub fn name(self) -> &'static str {
        match self {
            ServerMode::LlamaServer => "llama-server",
            ServerMode::LlamaCppPython => "llama-cpp-python",
        }
    }
}

/// Context size the servers are started with. kubectl-assist's first request with its full
/// registry measured 6,600 prompt tokens, and a turn of several round trips grows it by
/// about a thousand more, so 8k is too tight (see the README for the measured sizes).
pub const CONTEXT_TOKENS: u32 = 16384;

/// Threads the servers compute with: half the cores (at least one), or
/// `TODO_LLM_SERVER_THREADS`. llama.cpp's threads wait for each other at every step, so
/// when one of them loses its core to another process all of them stall: measured on the
/// shared 2-core build machine at load 11, two threads generated 1.0 token/s and one
/// thread 13.5 (prefill 7 and 26 tokens/s).
pub fn server_threads() -> usize {
    std::env::var("TODO_LLM_SERVER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)))
}

/// `max_tokens` of the tier's requests: a tool call takes 20-60 tokens, a short answer
/// fits, and a slow machine never spends minutes on one reply.
pub const TEST_MAX_TOKENS: u32 = 160;

/// One request of the tier: a first prefill of kubectl-assist's full registry (~5,200
/// tokens) at the loaded machine's worst measured 7 tokens/s is about 750 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(900);

/// One chat turn of the tier: up to the planner's step limit of round trips, each
/// mostly cached prefix (both servers reuse the common prefix of consecutive requests).
pub const TURN_TIMEOUT: Duration = Duration::from_secs(1200);

/// Where the install script put things.
pub struct Assets {
    pub llama_server: PathBuf,
    pub python: PathBuf,
    pub model: PathBuf,
}

impl Assets {
    pub fn locate() -> Result<Self, String> {
        let cache = std::env::var("TODO_CACHE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                    .join(".cache/todo-chatbot")
            });
        let dir = cache.join("llm-server");
        let assets = Self {
            llama_server: dir.join("bin/llama-server"),
            python: dir.join("venv/bin/python"),
            model: dir.join("models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
        };
        for p in [&assets.llama_server, &assets.python, &assets.model] {
            if !p.exists() {
                return Err(format!(
                    "{} is missing; run scripts/install.d/llm-server.sh (./test.sh does)",
                    p.display()
                ));
            }
        }
        Ok(assets)
    }
}

/// Whether a missing server must fail the test rather than skip it.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("TODO_LLM_SERVER_REQUIRED").is_ok_and(|v| v == "1")
}

/// A running server; killed when dropped.
pub struct LocalServer {
    pub mode: ServerMode,
    pub base_url: String,
    child: Child,
    log: PathBuf,
}

impl LocalServer {
    /// Starts `mode` on a free loopback port and waits until it answers.
    /// `Err` is a real failure (with the server's log tail); a missing install is
    /// `Err` too when [`required`], and `Ok(None)` otherwise.
    pub fn start(mode: ServerMode) -> Result<Option<Self>, String> {
        let assets = match Assets::locate() {
            Ok(a) => a,
            Err(e) if required() => return Err(e),
            Err(e) => {
                eprintln!("real-server test SKIPPED ({}): {e}", mode.name());
                return Ok(None);
            }
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let log = std::env::temp_dir().join(format!("llm-{}-{port}.log", mode.name()));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let threads = server_threads().to_string();
        let ctx = CONTEXT_TOKENS.to_string();
        let port_s = port.to_string();
        let model = assets.model.to_string_lossy().into_owned();
        let mut cmd = match mode {
            ServerMode::LlamaServer => {
                let mut c = Command::new(&assets.llama_server);
                c.args(["-m", &model, "--host", "127.0.0.1", "--port", &port_s])
                    .args(["-c", &ctx, "-np", "1", "-t", &threads, "-tb", &threads])
                    .arg("--jinja");
                c
            }
            ServerMode::LlamaCppPython => {
                let mut c = Command::new(&assets.python);
                c.args(["-m", "llama_cpp.server", "--model", &model])
                    .args(["--host", "127.0.0.1", "--port", &port_s])
                    .args(["--n_ctx", &ctx, "--n_threads", &threads])
                    .args(["--n_threads_batch", &threads]);
                c
            }
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", mode.name()))?;
        let mut server = Self {
            mode,
            base_url: format!("http://127.0.0.1:{port}/v1"),
            child,
            log,
        };
        server.wait_ready(port, Duration::from_secs(180))?;
        Ok(Some(server))
    }

    fn wait_ready(&mut self, port: u16, within: Duration) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited with {status}: {}",
                    self.mode.name(),
                    self.log_tail()
                ));
            }
            if models_answer(port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "{} not ready within {within:?}: {}",
            self.mode.name(),
            self.log_tail()
        ))
    }

    /// The last lines the server printed.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(25)..].join("\n")
    }

    /// A client config for this server: temperature 0, small `max_tokens`
    /// ([`TEST_MAX_TOKENS`]), no retries (a real server's answer is the answer), and
    /// timeouts generous enough for a shared, loaded 2-core machine
    /// ([`REQUEST_TIMEOUT`], [`TURN_TIMEOUT`]).
    pub fn config(&self) -> LlmConfig {
        let mut c = LlmConfig::new(Provider::LlamaCpp, self.base_url.clone(), "default");
        c.temperature = 0.0;
        c.max_tokens = TEST_MAX_TOKENS;
        c.retry = RetryPolicy::none();
        c.request_timeout = REQUEST_TIMEOUT;
        c.turn_timeout = TURN_TIMEOUT;
        c
    }

    /// The settings of [`LocalServer::config`] as the environment of a binary that reads
    /// its LLM settings from `LLM_*` variables (kubectl-assist).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LLM_BASE_URL", self.base_url.clone()),
            ("LLM_MODEL", "default".into()),
            ("LLM_TEMPERATURE", "0".into()),
            ("LLM_MAX_TOKENS", TEST_MAX_TOKENS.to_string()),
            ("LLM_TIMEOUT_SECS", REQUEST_TIMEOUT.as_secs().to_string()),
            ("LLM_TURN_TIMEOUT_SECS", TURN_TIMEOUT.as_secs().to_string()),
        ]
    }
}

/// `GET /v1/models` answers 200 once the model is loaded.
fn models_answer(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req =
        format!("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 16];
    matches!(s.read(&mut head), Ok(n) if n >= 12 && &head[9..12] == b"200")
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
