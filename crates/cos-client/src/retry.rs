//! How failed attempts are retried.

use std::time::Duration;

/// Retry settings: bounded attempts, exponential backoff with full jitter, a total budget.
///
/// Which failures are retried is decided by [`cos_types::Error::is_retryable`] (connect
/// failures, timeouts, broken connections, 500/502/503/504, `SlowDown`, 429, ...). On top
/// of that a request is retried only when its body can be sent again: in-memory bytes and
/// files (re-opened at their offset) can, a one-shot stream cannot. Each retry is signed
/// afresh and carries `x-cos-sdk-retry: true`. When the operation fails in the end, its
/// error is the last attempt's and carries the earlier attempts' errors
/// ([`cos_types::Error::earlier_attempts`]).
///
/// ```
/// use std::time::Duration;
/// let policy = cos_client::RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(50))
///     .max_delay(Duration::from_secs(2))
///     .total_budget(Some(Duration::from_secs(20)));
/// assert_eq!(policy.attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    total_budget: Option<Duration>,
}

impl Default for RetryPolicy {
    /// 4 attempts (3 retries, as the official Java and Python SDKs), 100 ms base delay,
    /// 5 s cap, 60 s total budget.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            total_budget: Some(Duration::from_secs(60)),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before retry `n` is drawn uniformly from `0..=min(max_delay, base_delay * 2^(n-1))`.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The cap on one backoff.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// No retry starts once this much time has passed since the first attempt (`None`: no budget).
    pub fn total_budget(mut self, budget: Option<Duration>) -> Self {
        self.total_budget = budget;
        self
    }

    /// Total attempts allowed.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total time budget.
    pub fn budget(&self) -> Option<Duration> {
        self.total_budget
    }

    /// The upper bound of the backoff before retry number `retry` (1-based).
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// A full-jitter backoff for retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(700));
        let ceilings: Vec<_> = (1..=5)
            .map(|n| policy.backoff_ceiling(n).as_millis())
            .collect();
        assert_eq!(ceilings, vec![100, 200, 400, 700, 700]);
        assert_eq!(policy.backoff_ceiling(200), Duration::from_millis(700));
    }

    #[test]
    fn jitter_stays_under_the_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..10 {
            assert!(policy.backoff(retry) <= policy.backoff_ceiling(retry));
        }
    }

    #[test]
    fn disabled_means_one_attempt() {
        assert_eq!(RetryPolicy::disabled().attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }
}
