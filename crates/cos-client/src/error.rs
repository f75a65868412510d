//! Building `cos_types` errors from the client's failures.

use std::borrow::Cow;

use cos_types::{ClientError, ClientErrorKind, Error};

use crate::transport::{TransportError, TransportErrorKind};

pub(crate) fn client_error(kind: ClientErrorKind, context: impl Into<Cow<'static, str>>) -> Error {
    Error::from(ClientError::new(kind, context))
}

pub(crate) fn client_error_with(
    kind: ClientErrorKind,
    context: impl Into<Cow<'static, str>>,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::from(ClientError::new(kind, context).with_source(source))
}

pub(crate) fn transport_kind(kind: TransportErrorKind) -> ClientErrorKind {
    match kind {
        TransportErrorKind::Connect => ClientErrorKind::Connect,
        TransportErrorKind::Timeout => ClientErrorKind::Timeout,
        TransportErrorKind::Io => ClientErrorKind::Io,
        _ => ClientErrorKind::Other,
    }
}

pub(crate) fn from_transport(operation: &'static str, error: TransportError) -> Error {
    let kind = error.kind();
    let client = ClientError::new(transport_kind(kind), operation).with_source(error);
    match kind {
        // A transport's i/o error means the connection broke under the exchange (hyper reports
        // an early close without an io::Error inside), so it is worth another attempt.
        TransportErrorKind::Io => Error::from(client.with_retryable(true)),
        TransportErrorKind::Other => Error::from(client.with_retryable(false)),
        _ => Error::from(client),
    }
}

pub(crate) fn invalid_input(context: impl Into<Cow<'static, str>>) -> Error {
    client_error(ClientErrorKind::InvalidInput, context)
}
