//! When a backend call that failed on the way may be sent again.
//!
//! Behind a Kubernetes Service every new connection is balanced on its own, so
//! a call that found a crashed backend pod (connection refused or reset) reaches
//! a live one on the next attempt. Only calls the backend does at most once are
//! sent again after they may have arrived: reads, and writes carrying an
//! `Idempotency-Key`. Any call is sent again when its connection was never made,
//! since then nothing reached the backend.

use std::time::Duration;

/// Whether a call may arrive at the backend twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// A read, or a write with an idempotency key: sending it again is harmless.
    Safe,
    /// A write the backend would do twice: sent again only when nothing was sent.
    UnsentOnly,
}

/// How one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection was never made: the request did not leave this process.
    Connect,
    /// The connection broke after the request may have been sent.
    Transport,
}

/// The bound on retries of one call: attempts and wall-clock time, whichever
/// runs out first (the call's own time limit still applies on top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryBudget {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// No attempt starts later than this after the first.
    pub window: Duration,
    /// The pause before the second attempt; it doubles up to `max_pause`.
    pub first_pause: Duration,
    pub max_pause: Duration,
}

impl RetryBudget {
    /// Long enough to outlast a crashed pod still listed as an endpoint (the
    /// kubelet notices a dead container within about a second), short enough
    /// that a backend that is really gone is reported within a few seconds.
    pub const BACKEND: Self = Self {
        attempts: 12,
        window: Duration::from_secs(4),
        first_pause: Duration::from_millis(20),
        max_pause: Duration::from_millis(400),
    };

    /// The pause before attempt `next` (2 = the first retry), or `None` when the
    /// budget does not allow it after `elapsed` since the first attempt.
    pub fn pause_before(
        &self,
        next: u32,
        elapsed: Duration,
        replay: Replay,
        failure: Failure,
    ) -> Option<Duration> {
        if next > self.attempts || (replay == Replay::UnsentOnly && failure == Failure::Transport) {
            return None;
        }
        let doublings = next.saturating_sub(2).min(16);
        let pause = self
            .first_pause
            .saturating_mul(1 << doublings)
            .min(self.max_pause);
        (elapsed + pause <= self.window).then_some(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_calls_retry_any_failure_within_the_budget() {
        let b = RetryBudget::BACKEND;
        let zero = Duration::ZERO;
        assert_eq!(
            b.pause_before(2, zero, Replay::Safe, Failure::Transport),
            Some(Duration::from_millis(20))
        );
        assert_eq!(
            b.pause_before(3, zero, Replay::Safe, Failure::Connect),
            Some(Duration::from_millis(40))
        );
        assert_eq!(
            b.pause_before(10, zero, Replay::Safe, Failure::Connect),
            Some(Duration::from_millis(400)),
            "pauses are capped"
        );
        assert_eq!(
            b.pause_before(13, zero, Replay::Safe, Failure::Connect),
            None,
            "attempts are bounded"
        );
        assert_eq!(
            b.pause_before(
                4,
                Duration::from_millis(3_950),
                Replay::Safe,
                Failure::Connect
            ),
            None,
            "time is bounded"
        );
    }

    #[test]
    fn unsafe_writes_retry_only_what_was_never_sent() {
        let b = RetryBudget::BACKEND;
        assert!(
            b.pause_before(2, Duration::ZERO, Replay::UnsentOnly, Failure::Connect)
                .is_some()
        );
        assert_eq!(
            b.pause_before(2, Duration::ZERO, Replay::UnsentOnly, Failure::Transport),
            None
        );
    }
}
