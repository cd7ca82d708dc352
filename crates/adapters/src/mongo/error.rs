//! MongoDB driver errors as domain errors, in one place.
use mongodb::error::{Error as MongoError, ErrorKind, WriteFailure};
use tsuru_domain::Error;

/// MongoDB's code for a unique-index violation.
const DUPLICATE_KEY: i32 = 11000;

/// Whether `e` is a unique-index violation (E11000).
pub(crate) fn is_duplicate_key(e: &MongoError) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(m) => {
            m.write_errors.iter().flatten().any(|w| w.code == DUPLICATE_KEY)
        }
        _ => false,
    }
}

/// Whether `e` means the server could not be reached (or was lost mid-operation), as opposed
/// to a server that answered with an error.
fn is_unavailable(e: &MongoError) -> bool {
    matches!(
        e.kind.as_ref(),
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
    ) || e.contains_label("NetworkError")
}

/// A driver error as a domain error: an unreachable server is `Unavailable` (503 with a short
/// text; the driver's long topology report goes to the log), anything else `Unexpected`.
pub(crate) fn db_error(e: MongoError) -> Error {
    if is_unavailable(&e) {
        tracing::warn!(error = %e, "database unavailable");
        let why = match e.kind.as_ref() {
            ErrorKind::ServerSelection { .. } => "no MongoDB server answered in time",
            _ => "the connection to MongoDB failed",
        };
        Error::Unavailable(format!("database unavailable: {why}"))
    } else {
        Error::Unexpected(anyhow::Error::new(e).context("MongoDB operation failed"))
    }
}

/// A document that does not map onto a domain value (a corrupt or foreign document).
pub(crate) fn bad_document(collection: &str, what: impl std::fmt::Display) -> Error {
    Error::unexpected(format!("malformed document in {collection}: {what}"))
}
