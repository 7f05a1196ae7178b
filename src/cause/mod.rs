//! Cause stage: reads the error text Prisma stored in `_prisma_migrations.logs` for a failed
//! migration (plus, when available, the local `migration.sql` and `migration_lock.toml`) and names
//! the root cause, with a concrete, Prisma-specific fix.
//!
//! Shapes of `logs` handled (all seen in real databases):
//! - driver-adapter path (`@prisma/schema-engine-wasm` + `@prisma/adapter-pg`): `external connector
//!   error`, then either `Error querying the database: ERROR: <postgres message>` (no SQLSTATE) or,
//!   when adapter-pg maps the SQLSTATE to an error kind, quaint's sentence for that kind (e.g.
//!   `Unique constraint failed: User_email_key`), then a backtrace. Kinds the engine does not know
//!   show up as `Error in the underlying connector (WASM_ERROR): Error: unknown variant `X``.
//! - native engine (P3018 text): `Database error code: 42704`, `Database error:` + `ERROR: ...`,
//!   optional `DETAIL:`/`HINT:`, a `Position:` excerpt (may carry ANSI escapes) and a tokio-postgres
//!   `DbError { .. code: SqlState(E42704) .. }` debug dump.
//! - older native engines: `Error querying the database: db error: ERROR: ...` + backtrace.
//!
//! Order of evidence: SQLSTATE (found in the text) first, the message second (quaint sentences and
//! Postgres messages are mapped to the SQLSTATE they stand for), the script third.
//!
//! Unique violations (23505): when the failing statement builds a unique index / unique constraint /
//! primary key over existing rows, the cause is [`CauseCode::DuplicateRowsBlockUnique`]; when the
//! migration itself writes a duplicate row (INSERT/UPDATE in a data migration), the cause is
//! [`CauseCode::DataException`] (a data conflict: the fix is in the data the script writes).
//!
//! Beyond the logs, a [`CauseContext`] (the server version, CockroachDB or not, the URL, the live
//! catalog: extensions, dependants of retyped columns, owners) and the earlier ledger rows of the
//! same migration refine the cause: an extension installed in another schema than the search_path,
//! a server too old for a statement, views built on a column, leftovers of an earlier attempt.
//! A rule names a cause only on positive evidence: `unknown` is better than a wrong cause.
//!
//! Files: `logs` (reading the logs), `script` (what the script does), `knowledge` (extensions,
//! versions), `context` (the catalog read), `rules` (codes), `fixes` (the words).

pub mod context;
mod fixes;
mod knowledge;
mod logs;
mod rules;
mod script;
#[cfg(test)]
mod tests;
mod text;

pub use context::{CauseContext, EarlierAttempt};
pub use logs::{
    extract_database_error, extract_detail, extract_sqlstate, foreign_lock_provider,
    infer_sqlstate, log_shape,
};
pub use text::strip_ansi;

use fixes::{texts, Ctx};
use rules::{
    base_code, foreign_from_message, object_for, refine, refine_not_null, refine_unique, Signals,
};
use script::{analyze_script, NotNullDef, UniqueDef};

/// Where the logs text comes from (decides, e.g., whether earlier statements may have been applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogShape {
    /// `@prisma/schema-engine-wasm` through a driver adapter: statements run one by one, so the
    /// statements before the failing one were applied.
    DriverAdapter,
    /// Native engine P3018 text: the script ran as one implicit transaction (all or nothing,
    /// unless the script has its own BEGIN/COMMIT).
    NativeP3018,
    /// Older native engines: `Error querying the database: db error: ...`.
    NativeLegacy,
    /// Empty or unrecognised.
    Other,
}

impl LogShape {
    pub fn as_str(&self) -> &'static str {
        match self {
            LogShape::DriverAdapter => "driver-adapter",
            LogShape::NativeP3018 => "native-p3018",
            LogShape::NativeLegacy => "native-legacy",
            LogShape::Other => "other",
        }
    }
}

pub struct CauseInput<'a> {
    pub migration_name: &'a str,
    pub logs: &'a str,
    /// The local `migration.sql`, when the folder exists.
    pub script: Option<&'a str>,
    /// The local `migration_lock.toml`, when present.
    pub lock_provider: Option<&'a str>,
    /// Server, URL and catalog facts (`CauseContext::default()`: none known).
    pub context: &'a CauseContext,
    /// Earlier ledger rows of the same migration.
    pub earlier_attempts: &'a [EarlierAttempt],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CauseCode {
    ForeignDialect,
    ObjectAlreadyExists,
    DuplicateRowsBlockUnique,
    NotNullWithoutDefault,
    ForeignKeyViolation,
    CheckViolation,
    InsufficientPrivilege,
    LockTimeout,
    StatementTimeout,
    Deadlock,
    SerializationFailure,
    ConnectionLost,
    ConcurrentlyInTransaction,
    EnumValueUsedInSameTransaction,
    UndefinedObject,
    DependentObjects,
    SyntaxError,
    DataException,
    DiskFull,
    /// No error recorded: the process running the migration stopped (deploy timeout, OOM kill,
    /// restart) before Prisma could write one, or it is still running.
    Interrupted,
    /// A type, function or operator class of an extension the database has not created.
    ExtensionMissing,
    /// An extension the server cannot install (not shipped by the server or the provider).
    ExtensionUnavailable,
    /// The extension is installed, in a schema outside the search_path (Supabase: `extensions`).
    ExtensionInOtherSchema,
    /// A statement, syntax or function newer than the server that ran the script.
    ServerVersionTooOld,
    /// Migrate ran through a transaction-mode pooler (`prepared statement "s0" ...`).
    TransactionPooler,
    /// 25P02: the real error happened earlier in the transaction and is not in the logs.
    AbortedTransaction,
    /// An object owned by another role (or the provider): `must be owner of ...`.
    NotOwner,
    /// A CockroachDB schema-change limitation that fails the same script again.
    CockroachSchemaChange,
    /// A CockroachDB background schema change still running: retrying later works.
    CockroachSchemaChangeInProgress,
    /// An object the migration creates (or drops) already exists (or is gone): an earlier attempt
    /// of the same migration left it.
    PartialEarlierRun,
    /// A column type change PostgreSQL cannot do without `USING` (or without dropping its default).
    TypeChangeNeedsUsing,
    Unknown,
}

impl CauseCode {
    pub const ALL: [CauseCode; 32] = [
        CauseCode::ForeignDialect,
        CauseCode::ObjectAlreadyExists,
        CauseCode::DuplicateRowsBlockUnique,
        CauseCode::NotNullWithoutDefault,
        CauseCode::ForeignKeyViolation,
        CauseCode::CheckViolation,
        CauseCode::InsufficientPrivilege,
        CauseCode::LockTimeout,
        CauseCode::StatementTimeout,
        CauseCode::Deadlock,
        CauseCode::SerializationFailure,
        CauseCode::ConnectionLost,
        CauseCode::ConcurrentlyInTransaction,
        CauseCode::EnumValueUsedInSameTransaction,
        CauseCode::UndefinedObject,
        CauseCode::DependentObjects,
        CauseCode::SyntaxError,
        CauseCode::DataException,
        CauseCode::DiskFull,
        CauseCode::Interrupted,
        CauseCode::ExtensionMissing,
        CauseCode::ExtensionUnavailable,
        CauseCode::ExtensionInOtherSchema,
        CauseCode::ServerVersionTooOld,
        CauseCode::TransactionPooler,
        CauseCode::AbortedTransaction,
        CauseCode::NotOwner,
        CauseCode::CockroachSchemaChange,
        CauseCode::CockroachSchemaChangeInProgress,
        CauseCode::PartialEarlierRun,
        CauseCode::TypeChangeNeedsUsing,
        CauseCode::Unknown,
    ];

    /// Kebab-case name (public contract).
    pub fn as_str(&self) -> &'static str {
        match self {
            CauseCode::ForeignDialect => "foreign-dialect",
            CauseCode::ObjectAlreadyExists => "object-already-exists",
            CauseCode::DuplicateRowsBlockUnique => "duplicate-rows-block-unique",
            CauseCode::NotNullWithoutDefault => "not-null-without-default",
            CauseCode::ForeignKeyViolation => "foreign-key-violation",
            CauseCode::CheckViolation => "check-violation",
            CauseCode::InsufficientPrivilege => "insufficient-privilege",
            CauseCode::LockTimeout => "lock-timeout",
            CauseCode::StatementTimeout => "statement-timeout",
            CauseCode::Deadlock => "deadlock",
            CauseCode::SerializationFailure => "serialization-failure",
            CauseCode::ConnectionLost => "connection-lost",
            CauseCode::ConcurrentlyInTransaction => "concurrently-in-transaction",
            CauseCode::EnumValueUsedInSameTransaction => "enum-value-used-in-same-transaction",
            CauseCode::UndefinedObject => "undefined-object",
            CauseCode::DependentObjects => "dependent-objects",
            CauseCode::SyntaxError => "syntax-error",
            CauseCode::DataException => "data-exception",
            CauseCode::DiskFull => "disk-full",
            CauseCode::Interrupted => "interrupted",
            CauseCode::ExtensionMissing => "extension-missing",
            CauseCode::ExtensionUnavailable => "extension-unavailable",
            CauseCode::ExtensionInOtherSchema => "extension-in-other-schema",
            CauseCode::ServerVersionTooOld => "server-version-too-old",
            CauseCode::TransactionPooler => "transaction-pooler",
            CauseCode::AbortedTransaction => "aborted-transaction",
            CauseCode::NotOwner => "not-owner",
            CauseCode::CockroachSchemaChange => "cockroach-schema-change",
            CauseCode::CockroachSchemaChangeInProgress => "cockroach-schema-change-in-progress",
            CauseCode::PartialEarlierRun => "partial-earlier-run",
            CauseCode::TypeChangeNeedsUsing => "type-change-needs-using",
            CauseCode::Unknown => "unknown",
        }
    }

    /// Retrying the unchanged migration later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CauseCode::LockTimeout
                | CauseCode::StatementTimeout
                | CauseCode::Deadlock
                | CauseCode::SerializationFailure
                | CauseCode::ConnectionLost
                | CauseCode::Interrupted
                | CauseCode::CockroachSchemaChangeInProgress
        )
    }

    /// Retrying the unchanged migration against the unchanged database fails the same way.
    /// Not known for `unknown`, for a hidden error (25P02) and through a pooler (it fails at random).
    pub fn is_deterministic(&self) -> bool {
        !self.is_transient()
            && !matches!(
                self,
                CauseCode::Unknown | CauseCode::AbortedTransaction | CauseCode::TransactionPooler
            )
    }
}

impl std::fmt::Display for CauseCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub code: CauseCode,
    /// Found in the logs, or inferred from the message (e.g. "Unique constraint failed" => 23505).
    pub sqlstate: Option<String>,
    pub title: String,
    /// One paragraph.
    pub explanation: String,
    /// Exact steps, with commands.
    pub fix: String,
    pub transient: bool,
    pub deterministic: bool,
    /// The table/index/type/constraint named by the error, when known.
    pub object: Option<String>,
    /// The database message (as returned by [`extract_database_error`]).
    pub message: Option<String>,
    /// Which engine path wrote the logs.
    pub shape: LogShape,
}

pub fn classify_cause(input: &CauseInput) -> Cause {
    let shape = log_shape(input.logs);
    let message = extract_database_error(input.logs);
    let detail = extract_detail(input.logs);
    let found = extract_sqlstate(input.logs);
    let sqlstate_found = found.is_some();
    let msg = message.clone().unwrap_or_default();
    let sqlstate: Option<String> = found.or_else(|| infer_sqlstate(&msg).map(str::to_string));
    let facts = input.script.map(analyze_script).unwrap_or_default();
    let foreign_lock = input.lock_provider.and_then(foreign_lock_provider);
    let ss = sqlstate.as_deref();
    let name = input.migration_name;

    let mut code = base_code(ss, &msg);

    // quaint's "Transaction write conflict" (40001 or 40P01): a migration runs at READ COMMITTED,
    // where only deadlocks produce it.
    if ss.is_none() && msg.starts_with("Transaction write conflict") {
        code = CauseCode::Deadlock;
    }

    // foreign dialect: message, then script, then lock file
    let mut foreign_token = foreign_from_message(ss, &msg);
    if foreign_token.is_some()
        || !facts.foreign.is_empty()
            && matches!(
                code,
                CauseCode::SyntaxError | CauseCode::UndefinedObject | CauseCode::Unknown
            )
    {
        code = CauseCode::ForeignDialect;
    }
    // refine constraint violations with the message and the script
    let mut unique: Option<UniqueDef> = None;
    let mut not_null: Option<NotNullDef> = None;
    if ss == Some("23505") {
        let (c, u) = refine_unique(&msg, detail.as_deref(), &facts, input.script.is_some());
        code = c;
        unique = u;
    }
    if ss == Some("23502") {
        let (c, n) = refine_not_null(&msg, &facts, input.script.is_some());
        code = c;
        not_null = n;
    }
    if let Some(p) = &foreign_lock {
        if !code.is_transient() {
            code = CauseCode::ForeignDialect;
            if foreign_token.is_none() && facts.foreign.is_empty() {
                foreign_token = Some(format!("provider = \"{p}\""));
            }
        }
    }

    // Prisma writes `logs` only when the script fails: a failed row without them was cut off.
    if code == CauseCode::Unknown && strip_ansi(input.logs).trim().is_empty() {
        code = CauseCode::Interrupted;
    }

    let named = object_for(
        code,
        &msg,
        ss,
        &facts,
        unique.as_ref(),
        not_null.as_ref(),
        foreign_token.as_deref(),
    );
    let mut specifics = rules::Specifics::default();
    if !matches!(code, CauseCode::ForeignDialect | CauseCode::Interrupted) {
        let (refined, sp) = refine(
            code,
            &Signals {
                ss,
                msg: &msg,
                logs: input.logs,
                facts: &facts,
                have_script: input.script.is_some(),
                ctx: input.context,
                earlier: input.earlier_attempts,
                object: named.as_deref(),
            },
        );
        code = refined;
        specifics = sp;
    }
    let object = rules::final_object(code, named, &specifics, &msg, detail.as_deref());
    let ctx = Ctx {
        name,
        msg: &msg,
        sqlstate: ss,
        sqlstate_found,
        detail: detail.as_deref(),
        facts: &facts,
        shape,
        object: object.as_deref(),
        unique: unique.as_ref(),
        not_null: not_null.as_ref(),
        foreign_lock: foreign_lock.as_deref(),
        context: input.context,
        specifics: &specifics,
    };
    let (title, explanation, fix) = texts(code, &ctx);
    Cause {
        code,
        sqlstate,
        title,
        explanation,
        fix,
        transient: code.is_transient(),
        deterministic: code.is_deterministic(),
        object,
        message,
        shape,
    }
}
