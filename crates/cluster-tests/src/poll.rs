use std::future::Future;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Calls `check` every `every` until it returns `Some`, for at most `timeout`; the cluster
/// takes a moment to show most effects (a rollout, an eviction, a crash loop). On timeout
/// the error names `what` and the last state `check` reported through `Err`.
pub async fn poll_until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut check: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, String>>,
{
    let end = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(value) => return Ok(value),
            Err(state) => state,
        };
        if Instant::now() >= end {
            return Err(Error::Timeout(format!(
                "{what} after {} s (last: {last})",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(every).await;
    }
}
