//! A reusable signer with a correctable clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use http::Request;

use crate::presign::{Presign, PresignError};
use crate::{Credentials, DEFAULT_VALIDITY, HeaderPolicy, KeyTime, SignError, unix_now};

/// Credentials, a [`HeaderPolicy`], a validity, and a clock offset.
///
/// Key times run from `now − 60 s` to `now + validity` (default one hour), where `now` is the
/// local clock plus the offset. After a `RequestTimeTooSkewed` (or `Request has expired` with a
/// fresh signature) answer, set the offset from the server's `Date` with
/// [`Signer::sync_clock`]; the offset is atomic, so a shared signer can be corrected while in
/// use.
///
/// ```
/// use cos_sign::{Credentials, Signer};
///
/// let signer = Signer::new(Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLE"));
/// let mut request = http::Request::get("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt")
///     .body(())
///     .unwrap();
/// signer.sign(&mut request).unwrap();
/// assert!(request.headers().contains_key("authorization"));
///
/// // The server said its clock reads 1 700 000 000.
/// signer.sync_clock_at(1_700_000_000, 1_699_999_000);
/// assert_eq!(signer.clock_offset(), 1000);
/// ```
#[derive(Debug)]
pub struct Signer {
    credentials: Credentials,
    policy: HeaderPolicy,
    validity: Duration,
    clock_offset: AtomicI64,
}

impl Clone for Signer {
    fn clone(&self) -> Self {
        Signer {
            credentials: self.credentials.clone(),
            policy: self.policy.clone(),
            validity: self.validity,
            clock_offset: AtomicI64::new(self.clock_offset()),
        }
    }
}

impl Signer {
    /// A signer with the default policy, a one-hour validity and no clock offset.
    pub fn new(credentials: Credentials) -> Self {
        Signer {
            credentials,
            policy: HeaderPolicy::cos_default(),
            validity: DEFAULT_VALIDITY,
            clock_offset: AtomicI64::new(0),
        }
    }

    /// Uses `policy` to choose the signed headers.
    pub fn with_policy(mut self, policy: HeaderPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How long a request signature stays valid after "now".
    pub fn with_validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The header policy.
    pub fn policy(&self) -> &HeaderPolicy {
        &self.policy
    }

    /// Seconds added to the local clock (server time − local time).
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    /// Sets the seconds added to the local clock.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.clock_offset.store(seconds, Ordering::Relaxed);
    }

    /// Sets the offset so that "now" matches `server_now` (Unix seconds, e.g. from the
    /// `Date` header of a `RequestTimeTooSkewed` answer).
    pub fn sync_clock(&self, server_now: u64) {
        self.sync_clock_at(server_now, unix_now());
    }

    /// [`Signer::sync_clock`] with the local time given explicitly.
    pub fn sync_clock_at(&self, server_now: u64, local_now: u64) {
        let offset = i128::from(server_now) - i128::from(local_now);
        self.set_clock_offset(offset.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64);
    }

    /// The corrected current time, Unix seconds.
    pub fn now(&self) -> u64 {
        unix_now().saturating_add_signed(self.clock_offset())
    }

    /// The key time for a request signed now: `now − 60 s ..= now + validity`.
    pub fn key_time(&self) -> KeyTime {
        KeyTime::starting_at(self.now(), self.validity)
    }

    /// Signs `request` in place (see [`crate::try_sign`]) for [`Signer::key_time`].
    pub fn sign<B>(&self, request: &mut Request<B>) -> Result<(), SignError> {
        crate::try_sign(request, &self.credentials, self.key_time(), &self.policy)
    }

    /// The `Authorization` value for `request` (see [`crate::authorization`]).
    pub fn authorization<B>(&self, request: &Request<B>) -> String {
        crate::authorization_with_policy(request, &self.credentials, self.key_time(), &self.policy)
    }

    /// A presigned URL valid from `now − 60 s` to `now + expires_in` (corrected clock).
    pub fn presigned_url(
        &self,
        presign: &Presign,
        expires_in: Duration,
    ) -> Result<String, PresignError> {
        presign.url_with_policy(
            &self.credentials,
            KeyTime::starting_at(self.now(), expires_in),
            &self.policy,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_moves_the_key_time() {
        let signer =
            Signer::new(Credentials::new("id", "key")).with_validity(Duration::from_secs(900));
        signer.sync_clock_at(1_000_000, 1_000_600);
        assert_eq!(signer.clock_offset(), -600);
        let before = unix_now();
        let key_time = signer.key_time();
        let after = unix_now();
        assert!(
            (before - 600 - 60..=after - 600 - 60).contains(&key_time.start()),
            "{key_time:?}"
        );
        assert_eq!(key_time.end() - key_time.start(), 960);
        signer.set_clock_offset(0);
        assert!(signer.key_time().start() >= before - 60);
        assert_eq!(signer.clone().clock_offset(), 0);
    }

    #[test]
    fn debug_redacts_the_secrets() {
        let signer = Signer::new(
            Credentials::new("AKIDvisible", "very-secret").with_session_token("token-secret"),
        );
        let text = format!("{signer:?}");
        assert!(text.contains("AKIDvisible"));
        assert!(
            !text.contains("very-secret") && !text.contains("token-secret"),
            "{text}"
        );
    }
}
