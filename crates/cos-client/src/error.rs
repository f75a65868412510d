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
        _ => ClientErrorKind::Io,
    }
}

pub(crate) fn from_transport(operation: &'static str, error: TransportError) -> Error {
    let kind = transport_kind(error.kind());
    client_error_with(kind, operation, error)
}

pub(crate) fn invalid_input(context: impl Into<Cow<'static, str>>) -> Error {
    client_error(ClientErrorKind::InvalidInput, context)
}
