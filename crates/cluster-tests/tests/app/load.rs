//! Bounded load while a fault happens: two readers (the web task page through the frontend's
//! NodePort with the web session's cookie, the task list from the backend API through its
//! ClusterIP) and a writer that counts acknowledged creates. Every loop stops at a stop
//! signal, a time limit or a request limit, whichever comes first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header;
use serde::Serialize;
use tokio::task::JoinHandle;

use super::api::{AppSession, http_client, unique};
use super::{Result, fail, note};

/// A client here is well behaved: a GET whose connection failed (no HTTP answer at all) is
/// safe to send again, and it does so at most this many times in all…
const RETRY_ATTEMPTS: u32 = 10;
/// …within this long of the first try. Every HTTP answer, 5xx included, is final.
const RETRY_WITHIN: Duration = Duration::from_secs(4);
/// Between two requests of one reader: about what a curl per request ran at, so the figures
/// stay comparable and two cores shared by several suites are not flooded.
const PACE: Duration = Duration::from_millis(50);

/// One request of a reader: when it started (seconds since the epoch), the final HTTP status
/// (0: no answer after the retries), and how often it was resent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: f64,
    pub status: u16,
    pub resends: u32,
}

impl Sample {
    fn ok(&self) -> bool {
        (200..400).contains(&self.status)
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// The two readers of a fault test, running until [`Load::stop`].
pub struct Load {
    stop: Arc<AtomicBool>,
    frontend: JoinHandle<Vec<Sample>>,
    backend: JoinHandle<Vec<Sample>>,
}

/// What the readers saw.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    pub frontend: Vec<Sample>,
    pub backend: Vec<Sample>,
}

/// The figures of bench/results/cluster.json for one load: over both readers.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct LoadFigures {
    pub requests: usize,
    pub failed: usize,
    /// Requests resent at least once after a broken connection.
    pub client_resent: usize,
    /// All resends.
    pub client_resends: u32,
}

impl Load {
    /// Starts both readers for at most `max` time and `max_requests` requests each.
    pub fn start(session: &AppSession, max: Duration, max_requests: usize) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let http = http_client(Duration::from_secs(5))?;
        let fe = http
            .get(format!("{}/tasks", session.frontend))
            .header(header::COOKIE, &session.web_cookie);
        let be = http.get(session.tasks_url()).bearer_auth(&session.token);
        Ok(Self {
            frontend: tokio::spawn(reader(fe, stop.clone(), max, max_requests)),
            backend: tokio::spawn(reader(be, stop.clone(), max, max_requests)),
            stop,
        })
    }

    pub async fn stop(self) -> LoadResult {
        self.stop.store(true, Ordering::SeqCst);
        LoadResult {
            frontend: self.frontend.await.unwrap_or_default(),
            backend: self.backend.await.unwrap_or_default(),
        }
    }
}

async fn reader(
    request: reqwest::RequestBuilder,
    stop: Arc<AtomicBool>,
    max: Duration,
    max_requests: usize,
) -> Vec<Sample> {
    let started = Instant::now();
    let mut samples = Vec::new();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < max && samples.len() < max_requests {
        let at = now();
        let first = Instant::now();
        let mut resends = 0;
        let status = loop {
            let Some(attempt) = request.try_clone() else {
                break 0;
            };
            match attempt.send().await {
                Ok(resp) => break resp.status().as_u16(),
                Err(_) if resends + 1 < RETRY_ATTEMPTS && first.elapsed() < RETRY_WITHIN => {
                    resends += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(_) => break 0,
            }
        };
        samples.push(Sample {
            at,
            status,
            resends,
        });
        tokio::time::sleep(PACE).await;
    }
    samples
}

/// Requests, failures and resends of one reader, as a line for the log.
fn describe(name: &str, samples: &[Sample]) -> String {
    let failed = samples.iter().filter(|s| !s.ok()).count();
    let span = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.at - a.at,
        _ => 0.0,
    };
    let mut codes = std::collections::BTreeMap::<u16, usize>::new();
    for s in samples {
        *codes.entry(s.status).or_default() += 1;
    }
    let codes: Vec<String> = codes.iter().map(|(c, n)| format!("{c}:{n}")).collect();
    let resent = samples.iter().filter(|s| s.resends > 0).count();
    format!(
        "{name}: {} requests in {span:.1}s, {failed} failed, {resent} resent by the client after a broken connection (codes {})",
        samples.len(),
        codes.join(" ")
    )
}

impl LoadResult {
    fn readers(&self) -> [(&'static str, &[Sample]); 2] {
        [("frontend", &self.frontend), ("backend", &self.backend)]
    }

    /// Fails when a reader sent nothing or had more than `max_failed` failures (status 0 or
    /// not 2xx/3xx).
    pub fn check(&self, max_failed: usize) -> Result<()> {
        let mut problems = Vec::new();
        for (name, samples) in self.readers() {
            let line = describe(name, samples);
            note(&line);
            let failed = samples.iter().filter(|s| !s.ok()).count();
            if samples.is_empty() || failed > max_failed {
                problems.push(line);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            fail(format!(
                "more than {max_failed} failed: {}",
                problems.join("; ")
            ))
        }
    }

    /// Fails when a reader went longer than `limit` without a successful answer.
    pub fn check_max_gap(&self, limit: Duration) -> Result<()> {
        let mut problems = Vec::new();
        for (name, samples) in self.readers() {
            let gap = longest_gap(samples);
            note(format!(
                "{name}: longest time without a successful answer {gap:.2}s"
            ));
            if gap > limit.as_secs_f64() {
                problems.push(format!("{name} {gap:.2}s"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            fail(format!(
                "longer than {}s without a success: {}",
                limit.as_secs(),
                problems.join(", ")
            ))
        }
    }

    pub fn figures(&self) -> LoadFigures {
        let all = self.frontend.iter().chain(&self.backend);
        LoadFigures {
            requests: all.clone().count(),
            failed: all.clone().filter(|s| !s.ok()).count(),
            client_resent: all.clone().filter(|s| s.resends > 0).count(),
            client_resends: all.map(|s| s.resends).sum(),
        }
    }
}

/// The longest time between two successive successful answers.
pub fn longest_gap(samples: &[Sample]) -> f64 {
    let ok: Vec<f64> = samples.iter().filter(|s| s.ok()).map(|s| s.at).collect();
    ok.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}

/// One create of the acknowledged-writes loop: its title and the final status (0: no answer).
#[derive(Debug, Clone)]
pub struct Write {
    pub title: String,
    pub status: u16,
}

/// Creates tasks `pg-ack-N` one after another through the backend Service until stopped or
/// `max` has passed, each with its own Idempotency-Key: a resend after a broken connection
/// (at most 3, 0.2 s apart) carries the same key, so it cannot make a second task.
pub fn acked_writer(
    session: &AppSession,
    stop: Arc<AtomicBool>,
    max: Duration,
) -> Result<JoinHandle<Vec<Write>>> {
    let http = http_client(Duration::from_secs(5))?;
    let url = session.tasks_url();
    let token = session.token.clone();
    let run = unique();
    Ok(tokio::spawn(async move {
        let started = Instant::now();
        let mut writes = Vec::new();
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) && started.elapsed() < max {
            n += 1;
            let title = format!("pg-ack-{n}");
            let key = format!("e2e-{run}-{n}");
            let mut tries = 0;
            let status = loop {
                let sent = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("idempotency-key", &key)
                    .json(&serde_json::json!({"title": title}))
                    .send()
                    .await;
                match sent {
                    Ok(resp) => break resp.status().as_u16(),
                    Err(_) if tries < 3 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(_) => break 0,
                }
            };
            writes.push(Write { title, status });
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        writes
    }))
}

#[cfg(test)]
mod tests {
    use super::{LoadResult, Sample, longest_gap};

    fn s(at: f64, status: u16, resends: u32) -> Sample {
        Sample {
            at,
            status,
            resends,
        }
    }

    #[test]
    fn figures_count_failures_and_resends_over_both_readers() {
        let r = LoadResult {
            frontend: vec![s(0.0, 200, 0), s(0.1, 502, 0), s(0.2, 303, 2)],
            backend: vec![s(0.0, 0, 9), s(0.3, 200, 1)],
        };
        let f = r.figures();
        assert_eq!(
            (f.requests, f.failed, f.client_resent, f.client_resends),
            (5, 2, 3, 12)
        );
        assert!(r.check(0).is_err());
        assert!(r.check(1).is_ok());
        assert!(
            LoadResult::default().check(0).is_err(),
            "a reader that sent nothing fails"
        );
    }

    #[test]
    fn the_longest_gap_is_between_successes() {
        let samples = [
            s(1.0, 200, 0),
            s(1.5, 0, 3),
            s(2.0, 500, 0),
            s(4.5, 200, 0),
            s(5.0, 204, 0),
        ];
        assert!((longest_gap(&samples) - 3.5).abs() < 1e-9);
        assert_eq!(longest_gap(&[]), 0.0);
    }
}
