//! One error type for the whole core. Every failure a user can meet carries a stable `code`
//! (Prisma's where Prisma has one) and a message that says what to do; the cause chain is kept
//! for logs. Messages never contain the connection password: nothing here formats a URL.

use std::fmt;

/// Stable error codes: part of the public contract (`err.code` in JS, exit codes in the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Authentication failed.
    P1000,
    /// Database server unreachable.
    P1001,
    /// Timed out waiting for Prisma's advisory lock.
    P1002,
    /// The database does not exist.
    P1003,
    /// TLS connection error.
    P1011,
    /// `resolve --applied` on a migration already recorded as applied.
    P3008,
    /// `resolve --rolled-back` on a migration never applied.
    P3011,
    /// `resolve --rolled-back` on a migration that is not failed.
    P3012,
    /// `resolve --applied` on a migration missing locally.
    P3017,
    /// migration_lock.toml names another provider.
    P3019,
    /// Missing or invalid configuration (URL, folders).
    Config,
    /// An argument is malformed.
    InvalidArg,
    /// TLS set-up problem on our side (certificate files, unsupported mode).
    Tls,
    /// The requested action is refused because it is not provably safe.
    Unsafe,
    /// A transaction-mode pooler cannot hold Prisma's session lock.
    Pooler,
    /// The datasource is not PostgreSQL.
    UnsupportedProvider,
    /// A database error we did not expect.
    Database,
    /// Reading local files failed.
    Io,
    /// A bug: please report it.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::P1000 => "P1000",
            ErrorCode::P1001 => "P1001",
            ErrorCode::P1002 => "P1002",
            ErrorCode::P1003 => "P1003",
            ErrorCode::P1011 => "P1011",
            ErrorCode::P3008 => "P3008",
            ErrorCode::P3011 => "P3011",
            ErrorCode::P3012 => "P3012",
            ErrorCode::P3017 => "P3017",
            ErrorCode::P3019 => "P3019",
            ErrorCode::Config => "E_CONFIG",
            ErrorCode::InvalidArg => "E_INVALID_ARG",
            ErrorCode::Tls => "E_TLS",
            ErrorCode::Unsafe => "E_UNSAFE",
            ErrorCode::Pooler => "E_POOLER",
            ErrorCode::UnsupportedProvider => "E_UNSUPPORTED_PROVIDER",
            ErrorCode::Database => "E_DATABASE",
            ErrorCode::Io => "E_IO",
            ErrorCode::Internal => "E_INTERNAL",
        }
    }

    /// Configuration and connection problems (CLI exit code 2) as opposed to refusals.
    pub fn is_setup_problem(self) -> bool {
        matches!(
            self,
            ErrorCode::P1000
                | ErrorCode::P1001
                | ErrorCode::P1003
                | ErrorCode::P1011
                | ErrorCode::Config
                | ErrorCode::InvalidArg
                | ErrorCode::Tls
                | ErrorCode::UnsupportedProvider
                | ErrorCode::Io
        )
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug)]
pub struct DoctorError {
    pub code: ErrorCode,
    pub message: String,
    source: Option<Source>,
}

pub type Result<T, E = DoctorError> = std::result::Result<T, E>;

impl DoctorError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DoctorError {
            code,
            message: message.into(),
            source: None,
        }
    }

    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Config, message)
    }

    pub fn invalid_arg(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArg, message)
    }

    /// A database error during a step; `what` says which step ("reading the migrations table").
    pub fn database(what: &str, err: tokio_postgres::Error) -> Self {
        let detail = describe_pg_error(&err);
        Self::new(
            ErrorCode::Database,
            format!("Database error while {what}: {detail}"),
        )
        .with_source(err)
    }

    /// The message followed by its cause chain, one "caused by" per line.
    pub fn full_message(&self) -> String {
        let mut out = self.message.clone();
        let mut next = self.source.as_deref().map(|s| s as &dyn std::error::Error);
        while let Some(err) = next {
            let text = err.to_string();
            if !out.contains(&text) {
                out.push_str("\n  caused by: ");
                out.push_str(&text);
            }
            next = err.source();
        }
        out
    }
}

/// tokio-postgres prints "db error" for server errors; the useful part is the DbError itself.
pub fn describe_pg_error(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DoctorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
