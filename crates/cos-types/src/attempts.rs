//! The errors of earlier attempts, carried by the error of the last one.

use std::fmt;
use std::sync::Arc;

use crate::Error;

/// The errors of the attempts that came before the one an error is about, oldest first.
///
/// `None` when there were none, so an error from a first attempt allocates nothing for
/// it. Shared (`Arc`) so that a [`ServiceError`](crate::ServiceError) stays cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct EarlierAttempts(Option<Arc<[Error]>>);

impl EarlierAttempts {
    pub(crate) fn new(errors: Vec<Error>) -> Self {
        if errors.is_empty() {
            EarlierAttempts(None)
        } else {
            EarlierAttempts(Some(errors.into()))
        }
    }

    pub(crate) fn as_slice(&self) -> &[Error] {
        self.0.as_deref().unwrap_or_default()
    }

    /// Ends a one-line `Display` with ` (after N attempts)` when there were earlier ones.
    pub(crate) fn write_suffix(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let earlier = self.as_slice().len();
        if earlier == 0 {
            return Ok(());
        }
        write!(f, " (after {} attempts)", earlier + 1)
    }
}
