//! Fault injection: rules that make matching requests fail in the ways real networks and
//! services fail, plus a skewed server clock.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::Method;
use serde::{Deserialize, Serialize};

use crate::route::Operation;

/// What happens to a request a [`FaultRule`] matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with a COS error (`x-cos-request-id`, XML body) without performing the request,
    /// e.g. 503 `SlowDown`.
    Error {
        /// HTTP status, e.g. 503.
        status: u16,
        /// The `<Code>`, e.g. `SlowDown`.
        code: String,
        /// The `<Message>`; a generic one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Wait this long, then serve the request normally (other rules still apply).
    Latency {
        /// Delay in milliseconds.
        millis: u64,
    },
    /// Close the connection: before any response when `after_bytes` is absent, otherwise
    /// after the headers and that many body bytes (the request itself is performed).
    CloseConnection {
        /// Body bytes sent before the connection is closed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_bytes: Option<u64>,
    },
    /// Serve the request but end the body early while `Content-Length` announces all of it
    /// (half of it when `after_bytes` is absent).
    TruncateBody {
        /// Body bytes sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_bytes: Option<u64>,
    },
    /// Serve the request with one body byte inverted (the middle one) while every header,
    /// including `x-cos-hash-crc64ecma` and `ETag`, keeps the true value.
    CorruptBody,
    /// Answer 502 with an HTML page, as a load balancer does: no `x-cos-request-id`.
    BadGatewayHtml,
    /// Answer 200 with an `<Error>` body without performing the request, as COS does when
    /// Copy or CompleteMultipartUpload fails after the status line was sent.
    OkWithErrorBody {
        /// The `<Code>`, e.g. `InternalError`.
        code: String,
        /// The `<Message>`; a generic one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// When a fault applies, and what it does.
///
/// Every matcher is optional; a rule without matchers applies to every request (except the
/// admin API). `path` is matched against `/<bucket>/<key>` (`/` for list buckets): a pattern
/// with `*` (any run of characters) or `?` (one character) must match the whole path,
/// otherwise it is a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method, upper case (`PUT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path prefix or glob over `/<bucket>/<key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// COS operation (`CompleteMultipartUpload`, `CopyObject`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// How many requests the rule applies to; forever when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// What happens.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule applying `fault` to every request; narrow it with the other methods.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            method: None,
            path: None,
            operation: None,
            times: None,
            fault,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method.as_str().to_owned());
        self
    }

    /// Only requests whose `/<bucket>/<key>` starts with (or, with `*`/`?`, matches) `pattern`.
    pub fn path(mut self, pattern: impl Into<String>) -> Self {
        self.path = Some(pattern.into());
        self
    }

    /// Only requests for this operation.
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Only the next `n` matching requests.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &Method, path: &str, operation: Operation) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self.operation.is_none_or(|o| o == operation)
            && self.path.as_deref().is_none_or(|p| path_matches(p, path))
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.contains(['*', '?']) {
        glob_matches(pattern.as_bytes(), path.as_bytes())
    } else {
        path.starts_with(pattern)
    }
}

/// `*` and `?` glob over bytes, iterative with single backtracking point.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Identifies an installed rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

/// An installed rule and how many more requests it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveFault {
    /// Its id.
    pub id: FaultId,
    /// The rule.
    pub rule: FaultRule,
    /// Requests left; `None` for a rule without `times`.
    pub remaining: Option<u64>,
}

/// The largest clock skew [`Faults::set_clock_skew`] accepts, either way: ten years.
pub const MAX_CLOCK_SKEW_SECS: i64 = 10 * 366 * 24 * 60 * 60;

/// The fault rules and clock skew of a running emulator. Cheap to clone; every clone
/// controls the same emulator.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<FaultsInner>,
}

#[derive(Debug, Default)]
struct FaultsInner {
    rules: Mutex<Vec<ActiveFault>>,
    next_id: AtomicU64,
    clock_skew_millis: AtomicI64,
}

/// The faults chosen for one request.
#[derive(Debug, Default)]
pub(crate) struct Chosen {
    pub(crate) latency: Duration,
    pub(crate) action: Option<Fault>,
}

impl Faults {
    /// Installs a rule; rules apply in the order they were added.
    pub fn add(&self, rule: FaultRule) -> FaultId {
        let id = FaultId(self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        let remaining = rule.times;
        self.lock().push(ActiveFault {
            id,
            rule,
            remaining,
        });
        id
    }

    /// Removes a rule; `false` if it was not installed (or already used up).
    pub fn remove(&self, id: FaultId) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|r| r.id != id);
        rules.len() != before
    }

    /// Removes every rule (the clock skew stays).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The installed rules.
    pub fn list(&self) -> Vec<ActiveFault> {
        self.lock().clone()
    }

    /// Moves the server clock by `seconds` (negative: into the past). It shows in the
    /// `Date` header and in the checks of request time and signature validity.
    ///
    /// The skew is clamped to ±[`MAX_CLOCK_SKEW_SECS`] (about ten years), which keeps the
    /// server's time a date an HTTP header can show; the clamped value is returned.
    pub fn set_clock_skew(&self, seconds: i64) -> i64 {
        let seconds = seconds.clamp(-MAX_CLOCK_SKEW_SECS, MAX_CLOCK_SKEW_SECS);
        self.inner
            .clock_skew_millis
            .store(seconds * 1000, Ordering::Relaxed);
        seconds
    }

    /// The current clock skew in seconds.
    pub fn clock_skew(&self) -> i64 {
        self.inner.clock_skew_millis.load(Ordering::Relaxed) / 1000
    }

    /// The server's (possibly skewed) time.
    pub(crate) fn now(&self) -> SystemTime {
        let skew = self.inner.clock_skew_millis.load(Ordering::Relaxed);
        let now = SystemTime::now();
        let shift = Duration::from_millis(skew.unsigned_abs());
        let skewed = if skew >= 0 {
            now.checked_add(shift)
        } else {
            now.checked_sub(shift)
        };
        // The skew is clamped when set, so this only guards against a host clock gone wild.
        skewed.unwrap_or(now)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ActiveFault>> {
        self.inner.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Picks the faults for a request, using up one of each matched rule's `times`:
    /// every matching latency adds up, and the first other matching fault is the action.
    pub(crate) fn choose(&self, method: &Method, path: &str, operation: Operation) -> Chosen {
        let mut chosen = Chosen::default();
        let mut rules = self.lock();
        for active in rules.iter_mut() {
            if active.remaining == Some(0) || !active.rule.matches(method, path, operation) {
                continue;
            }
            match &active.rule.fault {
                Fault::Latency { millis } => {
                    chosen.latency += Duration::from_millis(*millis);
                }
                other if chosen.action.is_none() => chosen.action = Some(other.clone()),
                _ => continue,
            }
            if let Some(remaining) = &mut active.remaining {
                *remaining -= 1;
            }
        }
        rules.retain(|r| r.remaining != Some(0));
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_prefixes() {
        assert!(path_matches("/b-1/dir/", "/b-1/dir/x"));
        assert!(!path_matches("/b-1/dir/", "/b-1/other"));
        assert!(path_matches("/*/big-*", "/b-1/big-file"));
        assert!(!path_matches("/*/big-*", "/b-1/small"));
        assert!(path_matches("/b-?/k", "/b-1/k"));
        assert!(!path_matches("/b-?/k", "/b-1/k2"));
    }

    #[test]
    fn times_are_used_up_and_latency_adds_to_an_action() {
        let faults = Faults::default();
        faults.add(FaultRule::new(Fault::Latency { millis: 5 }).times(1));
        let id = faults.add(
            FaultRule::new(Fault::Error {
                status: 503,
                code: "SlowDown".into(),
                message: None,
            })
            .method(Method::PUT)
            .times(2),
        );
        let first = faults.choose(&Method::PUT, "/b/k", Operation::PutObject);
        assert_eq!(first.latency, Duration::from_millis(5));
        assert!(matches!(
            first.action,
            Some(Fault::Error { status: 503, .. })
        ));
        let get = faults.choose(&Method::GET, "/b/k", Operation::GetObject);
        assert!(get.action.is_none());
        assert!(
            faults
                .choose(&Method::PUT, "/b/k", Operation::PutObject)
                .action
                .is_some()
        );
        assert!(
            faults
                .choose(&Method::PUT, "/b/k", Operation::PutObject)
                .action
                .is_none()
        );
        assert!(!faults.remove(id), "a used-up rule is gone");
    }

    #[test]
    fn json_shape() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"method":"POST","operation":"CompleteMultipartUpload","times":1,
                "fault":{"type":"ok_with_error_body","code":"InternalError"}}"#,
        )
        .unwrap();
        assert_eq!(rule.operation, Some(Operation::CompleteMultipartUpload));
        assert_eq!(
            rule.fault,
            Fault::OkWithErrorBody {
                code: "InternalError".into(),
                message: None
            }
        );
        assert!(serde_json::from_str::<FaultRule>(r#"{"fault":{"type":"nope"}}"#).is_err());
    }

    #[test]
    fn clock_skew_moves_now() {
        let faults = Faults::default();
        faults.set_clock_skew(-3600);
        let behind = SystemTime::now().duration_since(faults.now()).unwrap();
        assert!(behind >= Duration::from_secs(3599), "{behind:?}");
        assert_eq!(faults.clock_skew(), -3600);
    }

    #[test]
    fn clock_skew_is_clamped_to_ten_years() {
        let faults = Faults::default();
        assert_eq!(faults.set_clock_skew(i64::MIN), -MAX_CLOCK_SKEW_SECS);
        assert_eq!(faults.clock_skew(), -MAX_CLOCK_SKEW_SECS);
        assert!(faults.now() < SystemTime::now());
        assert_eq!(faults.set_clock_skew(i64::MAX), MAX_CLOCK_SKEW_SECS);
        assert!(faults.now() > SystemTime::now());
        assert_eq!(faults.set_clock_skew(-42), -42);
    }
}
