//! A background prober: GETs a few URLs every 200 ms while a change rolls out, so a test
//! can show that the app answered throughout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one probe may take before it counts as failed (curl's `--max-time 3`).
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// A prober stops by itself after this long, whatever the test does.
const PROBE_LIMIT: Duration = Duration::from_secs(300);

/// GETs every URL, then sleeps 200 ms, until [`AppProber::stop`] (or 300 s). Dropped
/// without `stop` (a check panicked), it tells its thread to stop probing.
#[derive(Debug)]
pub struct AppProber {
    stop: Arc<AtomicBool>,
    /// Taken by `stop`; None only after it.
    thread: Option<std::thread::JoinHandle<Vec<Probe>>>,
}

/// One probe: the URL and its HTTP status, or why there was none.
#[derive(Debug, Clone)]
pub struct Probe {
    pub url: String,
    pub outcome: Result<u16, String>,
}

impl Probe {
    /// 2xx or 3xx.
    pub fn answered(&self) -> bool {
        matches!(self.outcome, Ok(code) if (200..400).contains(&code))
    }
}

/// What a prober saw.
#[derive(Debug, Clone)]
pub struct ProbeSummary {
    pub probes: Vec<Probe>,
}

impl ProbeSummary {
    pub fn failed(&self) -> Vec<&Probe> {
        self.probes.iter().filter(|p| !p.answered()).collect()
    }

    /// Ok when more than 10 probes ran and every one answered 2xx/3xx; else what failed.
    pub fn check(&self) -> Result<(), String> {
        let failed = self.failed();
        if self.probes.len() > 10 && failed.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} probes, {} failed; first failures: {:?}",
            self.probes.len(),
            failed.len(),
            failed.iter().take(5).collect::<Vec<_>>()
        ))
    }
}

impl AppProber {
    /// Starts probing `urls` (plain `http://HOST:PORT/PATH`) on a thread of its own, so
    /// that a test blocked on a child process (kubectl-assist, kubectl) does not stop it.
    pub fn start(urls: Vec<String>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    return vec![Probe {
                        url: urls.join(" "),
                        outcome: Err(format!("no runtime for the prober: {e}")),
                    }];
                }
            };
            runtime.block_on(probe_until_stopped(&urls, &flag))
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops probing and returns every probe made.
    pub fn stop(mut self) -> ProbeSummary {
        self.stop.store(true, Ordering::Relaxed);
        let probes = self
            .thread
            .take()
            .map(|thread| thread.join())
            .and_then(Result::ok)
            .unwrap_or_else(|| {
                vec![Probe {
                    url: String::new(),
                    outcome: Err("the prober's thread panicked".into()),
                }]
            });
        ProbeSummary { probes }
    }
}

impl Drop for AppProber {
    fn drop(&mut self) {
        // Not joined: the thread ends within one probe's timeout, and a panicking test
        // should not wait for it.
        self.stop.store(true, Ordering::Relaxed);
    }
}

async fn probe_until_stopped(urls: &[String], stop: &AtomicBool) -> Vec<Probe> {
    let end = Instant::now() + PROBE_LIMIT;
    let mut probes = Vec::new();
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        for url in urls {
            let outcome = match tokio::time::timeout(PROBE_TIMEOUT, http_get(url)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("no answer in {} s", PROBE_TIMEOUT.as_secs())),
            };
            probes.push(Probe {
                url: url.clone(),
                outcome,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    probes
}

/// One HTTP/1.1 GET with `Connection: close`; the status code of the answer.
async fn http_get(url: &str) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url} is not an http:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connect {authority}: {e}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    // The status line is all we need; read until it is complete.
    while !head.contains(&b'\n') {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or_default();
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {line:?}"))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::AppProber;

    /// A loopback server answering 200 to every request; the number of requests so far.
    fn counting_server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}/health", listener.local_addr().expect("address"));
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                seen.fetch_add(1, Ordering::SeqCst);
            }
        });
        (url, count)
    }

    fn wait_for(count: &AtomicUsize, at_least: usize) {
        let end = Instant::now() + Duration::from_secs(30);
        while count.load(Ordering::SeqCst) < at_least {
            assert!(Instant::now() < end, "the prober made no probes");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn stop_returns_the_probes_and_a_dropped_prober_stops_probing() {
        let (url, count) = counting_server();
        let prober = AppProber::start(vec![url.clone()]);
        wait_for(&count, 3);
        let summary = prober.stop();
        assert!(summary.probes.len() >= 3, "{:?}", summary.probes);
        assert!(summary.failed().is_empty(), "{:?}", summary.failed());

        let (url, count) = counting_server();
        let prober = AppProber::start(vec![url]);
        wait_for(&count, 2);
        drop(prober);
        // A probe under way when it was dropped may still finish (it times out in 3 s).
        std::thread::sleep(super::PROBE_TIMEOUT + Duration::from_millis(500));
        let after_drop = count.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_secs(1));
        assert_eq!(
            count.load(Ordering::SeqCst),
            after_drop,
            "the dropped prober kept probing"
        );
    }
}
