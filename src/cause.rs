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

use std::borrow::Cow;

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
    Unknown,
}

impl CauseCode {
    pub const ALL: [CauseCode; 21] = [
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
        )
    }

    /// Retrying the unchanged migration against the unchanged database fails the same way.
    pub fn is_deterministic(&self) -> bool {
        !self.is_transient() && *self != CauseCode::Unknown
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

// ------------------------------------------------------------------------------------------------
// text helpers

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, and lone ESC + one char).
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{1b}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('[') => {
                // parameters/intermediates until a final byte in @..~
                for d in it.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            Some(']') => {
                // OSC: until BEL or ESC \
                while let Some(d) = it.next() {
                    if d == '\u{7}' {
                        break;
                    }
                    if d == '\u{1b}' {
                        it.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// ASCII case-insensitive find (byte offset into `hay`).
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay, needle).is_some()
}

fn is_sqlstate(code: &str) -> bool {
    code.len() == 5
        && code
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && code.bytes().any(|b| b.is_ascii_digit())
}

/// Five SQLSTATE characters at the start of `s` (after optional quotes/`E` prefix handled by callers).
fn sqlstate_at(s: &str) -> Option<String> {
    let code: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let upper = code.to_ascii_uppercase();
    is_sqlstate(&upper).then_some(upper)
}

/// The double-quoted name that starts at `s` (which must begin with `"`); `""` unescapes to `"`.
fn read_quoted(s: &str) -> Option<String> {
    let rest = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut it = rest.chars().peekable();
    while let Some(c) = it.next() {
        if c == '"' {
            if it.peek() == Some(&'"') {
                it.next();
                out.push('"');
                continue;
            }
            return Some(out);
        }
        out.push(c);
    }
    None
}

/// The first `"name"` after `marker` (case-insensitive) in `s`.
fn quoted_after(s: &str, marker: &str) -> Option<String> {
    let i = find_ci(s, marker)?;
    let rest = &s[i + marker.len()..];
    let q = rest.find('"')?;
    read_quoted(&rest[q..])
}

/// First `"name"` in `s`.
fn first_quoted(s: &str) -> Option<String> {
    let q = s.find('"')?;
    read_quoted(&s[q..])
}

/// SQL-ready identifier.
fn qi(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

// ------------------------------------------------------------------------------------------------
// extraction

/// The shape of a logs text.
pub fn log_shape(logs: &str) -> LogShape {
    if contains_ci(logs, "Database error code:")
        || contains_ci(logs, "A migration failed to apply")
        || logs.contains("DbError {")
    {
        LogShape::NativeP3018
    } else if contains_ci(logs, "external connector error")
        || contains_ci(logs, "schema_engine_wasm")
        || contains_ci(logs, "(WASM_ERROR)")
    {
        LogShape::DriverAdapter
    } else if contains_ci(logs, "db error:") || contains_ci(logs, "sql_migration_connector") {
        LogShape::NativeLegacy
    } else {
        LogShape::Other
    }
}

/// The SQLSTATE written in the logs: `Database error code: 23505`, `code: SqlState(E42704)`,
/// `SqlState(Other("XX000"))`, `SQLSTATE 42704` / `SQLSTATE[42704]` / `sqlstate: 42704`,
/// `originalCode: '23505'`. Not inferred from the message (see [`infer_sqlstate`]). MySQL-style
/// numeric codes (`Database error code: 1067`) are not SQLSTATEs and give `None`.
pub fn extract_sqlstate(logs: &str) -> Option<String> {
    let logs = strip_ansi(logs);
    let logs = logs.as_ref();
    if let Some(i) = find_ci(logs, "Database error code:") {
        let rest = logs[i + "Database error code:".len()..].trim_start();
        if let Some(c) = sqlstate_at(rest) {
            return Some(c);
        }
    }
    if let Some(i) = logs.find("SqlState(") {
        let rest = &logs[i + "SqlState(".len()..];
        if let Some(r) = rest.strip_prefix('E') {
            if let Some(c) = sqlstate_at(r) {
                return Some(c);
            }
        }
        if let Some(r) = rest.strip_prefix("Other(\"") {
            if let Some(c) = sqlstate_at(r) {
                return Some(c);
            }
        }
    }
    for marker in ["SQLSTATE", "originalCode"] {
        let mut from = 0;
        while let Some(j) = find_ci(&logs[from..], marker) {
            let start = from + j + marker.len();
            let rest = logs[start..].trim_start_matches([' ', ':', '=', '[', '(', '"', '\'']);
            if let Some(c) = sqlstate_at(rest) {
                return Some(c);
            }
            from = start;
        }
    }
    None
}

fn is_backtrace_line(line: &str) -> bool {
    let t = line.trim_start();
    if t.is_empty() {
        return false;
    }
    // "   0: sql_schema_connector::apply_migration::apply_script"
    if line.starts_with(' ') {
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() && t[digits.len()..].starts_with(": ") {
            return true;
        }
        if t.starts_with("at ") || t.starts_with("with ") {
            return true;
        }
    }
    false
}

const SEVERITY_PREFIXES: [&str; 7] = [
    "ERROR: ",
    "FATAL: ",
    "PANIC: ",
    "WARNING: ",
    "ERROR:  ",
    "FATAL:  ",
    "PANIC:  ",
];

const NOISE_PREFIXES: [&str; 6] = [
    "Error querying the database: ",
    "db error: ",
    "Error in the underlying connector (WASM_ERROR): ",
    "external connector error: ",
    "Raw query failed. ",
    "Error: ",
];

fn strip_message_prefixes(line: &str) -> String {
    let mut s = line.trim();
    loop {
        let before = s;
        for p in NOISE_PREFIXES.iter().chain(SEVERITY_PREFIXES.iter()) {
            if let Some(r) = s.strip_prefix(p) {
                s = r.trim_start();
            }
        }
        // "Code: `42P01`. Message: `...`" (Raw query failed shape)
        if let Some(i) = s.find("Message: `") {
            let r = &s[i + "Message: `".len()..];
            s = r.strip_suffix('`').unwrap_or(r);
        }
        if s == before {
            break;
        }
    }
    // unknown driver-adapter error kind: keep only the kind
    if let Some(r) = s.strip_prefix("unknown variant `") {
        if let Some(end) = r.find('`') {
            return format!("unknown variant `{}`", &r[..end]);
        }
    }
    s.trim_end().to_string()
}

fn is_header_line(line: &str) -> bool {
    let t = line.trim();
    t.is_empty()
        || t.eq_ignore_ascii_case("external connector error")
        || t.starts_with("Error: P3018")
        || t.starts_with("Error: P3009")
        || t.starts_with("A migration failed to apply")
        || t.starts_with("Migration name:")
        || t.starts_with("Database error code:")
        || t == "Database error:"
        || t.starts_with("DETAIL:")
        || t.starts_with("HINT:")
        || t.starts_with("CONTEXT:")
        || t.starts_with("Position:")
        || t.starts_with("DbError {")
}

/// The database message: the Postgres message, quaint's sentence, or the driver-adapter kind,
/// without `external connector error`, `Error querying the database:`, `db error:` and severity
/// prefixes, and without DETAIL/HINT/backtrace/position lines.
pub fn extract_database_error(logs: &str) -> Option<String> {
    let logs = strip_ansi(logs);
    let logs = logs.as_ref();
    // native P3018: the line(s) after "Database error:"
    let lines: Vec<&str> = logs.lines().collect();
    if let Some(pos) = lines.iter().position(|l| l.trim() == "Database error:") {
        if let Some(l) = lines[pos + 1..].iter().find(|l| !l.trim().is_empty()) {
            let m = strip_message_prefixes(l);
            if !m.is_empty() && !l.trim_start().starts_with("DbError {") {
                return Some(m);
            }
        }
    }
    for l in &lines {
        if is_header_line(l) || is_backtrace_line(l) {
            continue;
        }
        let m = strip_message_prefixes(l);
        if !m.is_empty() {
            return Some(m);
        }
    }
    // only a DbError dump: message: "..."
    let i = logs.find("message: \"")?;
    debug_string(&logs[i + "message: ".len()..])
}

/// A `"..."` literal as Rust's Debug prints it (a DbError dump), unescaped; `None` if unterminated.
fn debug_string(quoted: &str) -> Option<String> {
    let mut out = String::new();
    let mut esc = false;
    for c in quoted.chars().skip(1) {
        if esc {
            out.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == '"' {
            return Some(out);
        } else {
            out.push(c);
        }
    }
    None
}

/// The `DETAIL:` line (Postgres), or the `detail: Some("...")` of a DbError dump.
pub fn extract_detail(logs: &str) -> Option<String> {
    let logs = strip_ansi(logs);
    for l in logs.lines() {
        if let Some(r) = l.trim().strip_prefix("DETAIL:") {
            return Some(r.trim().to_string());
        }
    }
    let i = logs.find("detail: Some(\"")?;
    debug_string(&logs[i + "detail: Some(".len()..])
}

/// The SQLSTATE a message stands for: quaint's sentences (driver adapters) and Postgres messages.
/// `None` when the message is ambiguous (quaint's `Transaction write conflict` is 40001 or 40P01).
pub fn infer_sqlstate(message: &str) -> Option<&'static str> {
    let m = message;
    let starts =
        |p: &str| m.len() >= p.len() && m.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    // quaint sentences (error kinds of @prisma/driver-adapter-utils as rendered by the engine)
    let quaint: [(&str, &'static str); 20] = [
        ("Unique constraint failed", "23505"),
        ("Null constraint failed", "23502"),
        ("Null constraint violation", "23502"),
        ("Foreign key constraint failed", "23503"),
        ("No such table:", "42P01"),
        ("Error accessing result set, column not found", "42703"),
        ("The value provided for column", "22001"),
        ("The provided value for the column is too long", "22001"),
        ("Value out of range", "22003"),
        ("Invalid input provided to query", "22P02"),
        ("Database does not exist", "3D000"),
        ("Access denied to database", "28000"),
        ("Authentication failed for user", "28P01"),
        ("Authentication failed against database server", "28P01"),
        ("Database already exists", "42P04"),
        ("Too many DB connections opened", "53300"),
        ("Server has closed the connection", "08006"),
        ("Database not reachable", "08001"),
        ("Socket timeout", "08006"),
        ("Error opening a TLS connection", "08001"),
    ];
    for (p, c) in quaint {
        if starts(p) {
            return Some(c);
        }
    }
    if let Some(r) = m.strip_prefix("unknown variant `") {
        let kind = r.split('`').next().unwrap_or("");
        return match kind {
            "InvalidInputValue" => Some("22P02"),
            "RestrictViolation" => Some("23001"),
            "LengthMismatch" => Some("22001"),
            "ValueOutOfRange" => Some("22003"),
            "UniqueConstraintViolation" => Some("23505"),
            "NullConstraintViolation" => Some("23502"),
            "ForeignKeyConstraintViolation" => Some("23503"),
            "TableDoesNotExist" => Some("42P01"),
            "ColumnNotFound" => Some("42703"),
            "TooManyConnections" => Some("53300"),
            "SocketTimeout" | "ConnectionClosed" => Some("08006"),
            "DatabaseNotReachable" | "TlsConnectionError" => Some("08001"),
            "InconsistentColumnData" => Some("22000"),
            _ => None,
        };
    }
    let pg: [(&str, &'static str); 52] = [
        ("could not create unique index", "23505"),
        ("duplicate key value violates unique constraint", "23505"),
        ("contains null values", "23502"),
        ("null value in column", "23502"),
        ("violates foreign key constraint", "23503"),
        ("violates check constraint", "23514"),
        ("is violated by some row", "23514"),
        ("violates exclusion constraint", "23P01"),
        ("permission denied", "42501"),
        ("must be owner of", "42501"),
        ("canceling statement due to lock timeout", "55P03"),
        ("could not obtain lock on", "55P03"),
        ("canceling statement due to statement timeout", "57014"),
        ("canceling statement due to user request", "57014"),
        ("terminating connection due to transaction timeout", "25P04"),
        (
            "terminating connection due to idle-in-transaction timeout",
            "25P03",
        ),
        ("deadlock detected", "40P01"),
        ("could not serialize access", "40001"),
        (
            "terminating connection due to administrator command",
            "57P01",
        ),
        ("terminating connection due to crash", "57P02"),
        ("the database system is shutting down", "57P03"),
        ("the database system is starting up", "57P03"),
        ("the database system is in recovery mode", "57P03"),
        ("server closed the connection unexpectedly", "08006"),
        ("connection terminated", "08006"),
        ("connection closed", "08006"),
        ("connection reset", "08006"),
        ("econnreset", "08006"),
        ("could not receive data from", "08006"),
        ("cannot run inside a transaction block", "25001"),
        ("unsafe use of new value", "55P04"),
        ("because other objects depend on it", "2BP01"),
        ("no space left on device", "53100"),
        ("could not extend file", "53100"),
        ("out of memory", "53200"),
        ("division by zero", "22012"),
        ("invalid input syntax", "22P02"),
        ("invalid input value for enum", "22P02"),
        ("value too long for type", "22001"),
        ("out of range", "22003"),
        ("cannot be cast automatically", "42804"),
        ("syntax error at", "42601"),
        ("unterminated dollar-quoted string", "42601"),
        ("unterminated quoted string", "42601"),
        ("unterminated quoted identifier", "42601"),
        ("multiple primary keys for table", "42P16"),
        ("extension \"", "58P01"),
        ("could not open extension control file", "58P01"),
        ("does not exist", "42704"),
        ("already exists", "42710"),
        ("Transaction already closed", "25P01"),
        ("Transaction write conflict", "40001"),
    ];
    for (p, c) in pg {
        if p == "Transaction write conflict" {
            if starts(p) {
                return None; // 40001 or 40P01: ambiguous
            }
            continue;
        }
        if p == "extension \"" {
            if contains_ci(m, p) && contains_ci(m, "is not available") {
                return Some(c);
            }
            continue;
        }
        if contains_ci(m, p) {
            // refine the generic "does not exist" / "already exists"
            if c == "42704" {
                return Some(refine_does_not_exist(m));
            }
            if c == "42710" {
                return Some(refine_already_exists(m));
            }
            return Some(c);
        }
    }
    None
}

fn refine_does_not_exist(m: &str) -> &'static str {
    let l = m.to_ascii_lowercase();
    if l.starts_with("relation ") || l.starts_with("table ") || l.starts_with("view ") {
        "42P01"
    } else if l.starts_with("column ") {
        "42703"
    } else if l.starts_with("function ")
        || l.starts_with("operator ")
        || l.starts_with("procedure ")
    {
        "42883"
    } else if l.starts_with("schema ") {
        "3F000"
    } else if l.starts_with("database ") {
        "3D000"
    } else {
        "42704"
    }
}

fn refine_already_exists(m: &str) -> &'static str {
    let l = m.to_ascii_lowercase();
    if l.starts_with("relation ") || l.starts_with("table ") || l.starts_with("index ") {
        "42P07"
    } else if l.starts_with("column ") {
        "42701"
    } else if l.starts_with("schema ") {
        "42P06"
    } else if l.starts_with("function ") || l.starts_with("procedure ") {
        "42723"
    } else if l.starts_with("database ") {
        "42P04"
    } else {
        "42710"
    }
}

/// The provider named in `migration_lock.toml` when it is not PostgreSQL (`sqlite`, `mysql`, ...).
/// Accepts the file content or a bare provider name.
pub fn foreign_lock_provider(lock: &str) -> Option<String> {
    let mut provider = None;
    for line in lock.lines() {
        let t = line.trim();
        if t.starts_with('#') {
            continue;
        }
        if let Some(r) = t.strip_prefix("provider") {
            let v = r.trim_start().strip_prefix('=').unwrap_or(r).trim();
            let v = v
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(['"', '\'']);
            provider = Some(v.to_string());
            break;
        }
    }
    let provider = match provider {
        Some(p) => p,
        None => {
            let t = lock.trim().trim_matches(['"', '\'']);
            if t.is_empty() || t.contains(['\n', '=', ' ']) {
                return None;
            }
            t.to_string()
        }
    };
    let p = provider.to_ascii_lowercase();
    if p.is_empty() || p == "postgresql" || p == "postgres" {
        None
    } else {
        Some(provider)
    }
}

// ------------------------------------------------------------------------------------------------
// script analysis (a small lexer: enough to find statements, skip comments/strings/identifiers)

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),  // bare word, original case
    Ident(String), // "quoted identifier"
    Str,           // 'string' / $$body$$
    Backtick(String),
    Bracket(String), // [mssql identifier]
    Punct(char),
}

impl Tok {
    fn kw(&self, k: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(k))
    }
    fn name(&self) -> Option<&str> {
        match self {
            Tok::Word(w) | Tok::Ident(w) | Tok::Backtick(w) | Tok::Bracket(w) => Some(w),
            _ => None,
        }
    }
}

fn lex(script: &str) -> Vec<Vec<Tok>> {
    let chars: Vec<char> = script.chars().collect();
    let mut stmts = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && i + 1 < n && chars[i + 1] == '-' {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '#' && cur.is_empty() {
            // MySQL comment at statement start
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && i + 1 < n && chars[i + 1] == '*' {
            i += 2;
            while i + 1 < n && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            i += 1;
            while i < n {
                if chars[i] == '\'' {
                    if i + 1 < n && chars[i + 1] == '\'' {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            cur.push(Tok::Str);
        } else if c == '"' || c == '`' || c == '[' {
            let close = match c {
                '"' => '"',
                '`' => '`',
                _ => ']',
            };
            let mut s = String::new();
            i += 1;
            while i < n {
                if chars[i] == close {
                    if close != ']' && i + 1 < n && chars[i + 1] == close {
                        s.push(close);
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            cur.push(match c {
                '"' => Tok::Ident(s),
                '`' => Tok::Backtick(s),
                _ => {
                    // `[` is also an array subscript/type suffix in PostgreSQL (TEXT[]).
                    if s.is_empty() || s.chars().all(|ch| ch.is_ascii_digit() || ch == ':') {
                        Tok::Punct('[')
                    } else {
                        Tok::Bracket(s)
                    }
                }
            });
        } else if c == '$' {
            // dollar quote $tag$ ... $tag$
            let mut j = i + 1;
            while j < n && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j < n && chars[j] == '$' {
                let tag: String = chars[i..=j].iter().collect();
                let tagc: Vec<char> = tag.chars().collect();
                let mut k = j + 1;
                while k < n && !(chars[k..].starts_with(&tagc)) {
                    k += 1;
                }
                i = (k + tagc.len()).min(n);
                cur.push(Tok::Str);
            } else {
                i = j;
                cur.push(Tok::Punct('$'));
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut s = String::new();
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                // keep qualified bare names split at '.'
                if chars[i] == '.' {
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            cur.push(Tok::Word(s));
        } else if c == ';' {
            if !cur.is_empty() {
                stmts.push(std::mem::take(&mut cur));
            }
            i += 1;
        } else {
            cur.push(Tok::Punct(c));
            i += 1;
        }
    }
    if !cur.is_empty() {
        stmts.push(cur);
    }
    stmts
}

/// Reads a possibly qualified name at `toks[i..]`: returns (parts, next index).
fn read_name(toks: &[Tok], mut i: usize) -> Option<(Vec<String>, usize)> {
    let mut parts = vec![toks.get(i)?.name()?.to_string()];
    i += 1;
    while toks.get(i) == Some(&Tok::Punct('.')) {
        match toks.get(i + 1).and_then(|t| t.name()) {
            Some(p) => {
                parts.push(p.to_string());
                i += 2;
            }
            None => break,
        }
    }
    Some((parts, i))
}

fn skip_kws(toks: &[Tok], mut i: usize, kws: &[&str]) -> usize {
    while let Some(t) = toks.get(i) {
        if kws.iter().any(|k| t.kw(k)) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Names inside the parenthesised list starting at `toks[i]` (`(`), top level only.
fn paren_names(toks: &[Tok], i: usize) -> Vec<String> {
    let mut out = Vec::new();
    if toks.get(i) != Some(&Tok::Punct('(')) {
        return out;
    }
    let mut depth = 0;
    let mut expect = true;
    for t in &toks[i..] {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Tok::Punct(',') if depth == 1 => expect = true,
            _ if depth == 1 && expect => {
                if let Some(n) = t.name() {
                    out.push(n.to_string());
                }
                expect = false;
            }
            _ => {}
        }
    }
    out
}

fn render_name(parts: &[String]) -> String {
    parts.iter().map(|p| qi(p)).collect::<Vec<_>>().join(".")
}

#[derive(Debug, Clone, Default)]
struct UniqueDef {
    name: Option<String>,
    table: Vec<String>,
    columns: Vec<String>,
    primary: bool,
}

#[derive(Debug, Clone)]
struct NotNullDef {
    table: Vec<String>,
    column: String,
    /// ADD COLUMN (true) or SET NOT NULL (false)
    add_column: bool,
    has_default: bool,
}

#[derive(Debug, Default)]
struct ScriptFacts {
    uniques: Vec<UniqueDef>,
    not_nulls: Vec<NotNullDef>,
    writes_rows: bool,
    concurrently: Vec<String>,
    enum_adds: Vec<(Vec<String>, String)>,
    foreign: Vec<&'static str>,
    own_transaction: bool,
}

/// Split an ALTER TABLE action list on top-level commas.
fn split_actions(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                out.push(&toks[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out
}

const FOREIGN_WORDS: [(&str, &str); 22] = [
    ("AUTOINCREMENT", "AUTOINCREMENT (SQLite)"),
    ("AUTO_INCREMENT", "AUTO_INCREMENT (MySQL)"),
    ("PRAGMA", "PRAGMA (SQLite)"),
    ("DATETIME", "DATETIME (SQLite/MySQL)"),
    ("DATETIME2", "DATETIME2 (SQL Server)"),
    ("DATETIMEOFFSET", "DATETIMEOFFSET (SQL Server)"),
    ("TINYINT", "TINYINT (MySQL/SQL Server)"),
    ("MEDIUMINT", "MEDIUMINT (MySQL)"),
    ("UNSIGNED", "UNSIGNED (MySQL)"),
    ("LONGTEXT", "LONGTEXT (MySQL)"),
    ("MEDIUMTEXT", "MEDIUMTEXT (MySQL)"),
    ("TINYTEXT", "TINYTEXT (MySQL)"),
    ("LONGBLOB", "LONGBLOB (MySQL)"),
    ("MEDIUMBLOB", "MEDIUMBLOB (MySQL)"),
    ("TINYBLOB", "TINYBLOB (MySQL)"),
    ("BLOB", "BLOB (SQLite/MySQL)"),
    ("NVARCHAR", "NVARCHAR (SQL Server)"),
    ("UNIQUEIDENTIFIER", "UNIQUEIDENTIFIER (SQL Server)"),
    ("ENGINE", "ENGINE=... (MySQL)"),
    ("CHARSET", "CHARSET (MySQL)"),
    ("WITHOUT", "WITHOUT ROWID (SQLite)"),
    ("IDENTITY", "IDENTITY(1,1) (SQL Server)"),
];

fn analyze_script(script: &str) -> ScriptFacts {
    let mut f = ScriptFacts::default();
    let add_foreign = |f: &mut ScriptFacts, m: &'static str| {
        if !f.foreign.contains(&m) {
            f.foreign.push(m);
        }
    };
    for st in lex(script) {
        // dialect markers
        for (k, t) in st.iter().enumerate() {
            match t {
                Tok::Backtick(_) => add_foreign(&mut f, "`backtick` identifiers (MySQL)"),
                Tok::Bracket(_) => add_foreign(&mut f, "[bracket] identifiers (SQL Server)"),
                Tok::Word(w) => {
                    for (word, label) in FOREIGN_WORDS {
                        if w.eq_ignore_ascii_case(word) {
                            let ok = match word {
                                "ENGINE" => st.get(k + 1) == Some(&Tok::Punct('=')),
                                "WITHOUT" => st.get(k + 1).is_some_and(|n| n.kw("ROWID")),
                                "IDENTITY" => st.get(k + 1) == Some(&Tok::Punct('(')),
                                "CHARSET" => k > 0 && st[k - 1].kw("DEFAULT"),
                                _ => true,
                            };
                            if ok {
                                add_foreign(&mut f, label);
                            }
                        }
                    }
                    if w.eq_ignore_ascii_case("CHARACTER")
                        && st.get(k + 1).is_some_and(|n| n.kw("SET"))
                        && k > 0
                        && st[k - 1].kw("DEFAULT")
                    {
                        add_foreign(&mut f, "DEFAULT CHARACTER SET (MySQL)");
                    }
                }
                _ => {}
            }
        }
        let first = match st.first() {
            Some(t) => t,
            None => continue,
        };
        if first.kw("BEGIN")
            || first.kw("COMMIT")
            || (first.kw("START") && st.get(1).is_some_and(|t| t.kw("TRANSACTION")))
        {
            f.own_transaction = true;
        }
        if first.kw("INSERT")
            || first.kw("UPDATE")
            || first.kw("DELETE")
            || first.kw("MERGE")
            || first.kw("COPY")
        {
            f.writes_rows = true;
        }
        if first.kw("CREATE") {
            let mut i = 1;
            let unique = st.get(i).is_some_and(|t| t.kw("UNIQUE"));
            if unique {
                i += 1;
            }
            if st.get(i).is_some_and(|t| t.kw("INDEX")) {
                i += 1;
                let conc = st.get(i).is_some_and(|t| t.kw("CONCURRENTLY"));
                i = skip_kws(&st, i, &["CONCURRENTLY", "IF", "NOT", "EXISTS"]);
                let (name, j) = if st.get(i).is_some_and(|t| t.kw("ON")) {
                    (None, i)
                } else {
                    match read_name(&st, i) {
                        Some((p, j)) => (p.last().cloned(), j),
                        None => (None, i),
                    }
                };
                let mut j = skip_kws(&st, j, &["ON", "ONLY"]);
                let table = match read_name(&st, j) {
                    Some((p, k)) => {
                        j = k;
                        p
                    }
                    None => Vec::new(),
                };
                if st.get(j).is_some_and(|t| t.kw("USING")) {
                    j += 2;
                }
                if conc {
                    f.concurrently.push(name.clone().unwrap_or_default());
                }
                if unique {
                    f.uniques.push(UniqueDef {
                        name,
                        table,
                        columns: paren_names(&st, j),
                        primary: false,
                    });
                }
            }
        }
        if (first.kw("DROP") || first.kw("REINDEX"))
            && st.iter().take(4).any(|t| t.kw("CONCURRENTLY"))
        {
            let name = st.iter().skip(2).filter_map(|t| t.name()).find(|n| {
                !n.eq_ignore_ascii_case("CONCURRENTLY")
                    && !n.eq_ignore_ascii_case("IF")
                    && !n.eq_ignore_ascii_case("EXISTS")
            });
            f.concurrently.push(name.unwrap_or("").to_string());
        }
        if first.kw("ALTER") && st.get(1).is_some_and(|t| t.kw("TYPE")) {
            if let Some((ty, j)) = read_name(&st, 2) {
                if st.get(j).is_some_and(|t| t.kw("ADD"))
                    && st.get(j + 1).is_some_and(|t| t.kw("VALUE"))
                {
                    f.enum_adds.push((ty, String::new()));
                }
            }
        }
        if first.kw("ALTER") && st.get(1).is_some_and(|t| t.kw("TABLE")) {
            let i = skip_kws(&st, 2, &["IF", "EXISTS", "ONLY"]);
            let Some((table, j)) = read_name(&st, i) else {
                continue;
            };
            for act in split_actions(&st[j..]) {
                let Some(a0) = act.first() else { continue };
                if a0.kw("ADD") {
                    let mut k = 1;
                    if act.get(k).is_some_and(|t| t.kw("CONSTRAINT")) {
                        let name = act.get(k + 1).and_then(|t| t.name()).map(str::to_string);
                        k += 2;
                        if act.get(k).is_some_and(|t| t.kw("UNIQUE")) {
                            let mut c = k + 1;
                            c = skip_kws(act, c, &["NULLS", "NOT", "DISTINCT"]);
                            f.uniques.push(UniqueDef {
                                name,
                                table: table.clone(),
                                columns: paren_names(act, c),
                                primary: false,
                            });
                        } else if act.get(k).is_some_and(|t| t.kw("PRIMARY")) {
                            f.uniques.push(UniqueDef {
                                name,
                                table: table.clone(),
                                columns: paren_names(act, k + 2),
                                primary: true,
                            });
                        }
                        continue;
                    }
                    if act.get(k).is_some_and(|t| t.kw("PRIMARY")) {
                        let name = table.last().map(|t| format!("{t}_pkey"));
                        f.uniques.push(UniqueDef {
                            name,
                            table: table.clone(),
                            columns: paren_names(act, k + 2),
                            primary: true,
                        });
                        continue;
                    }
                    if act.get(k).is_some_and(|t| t.kw("UNIQUE")) {
                        f.uniques.push(UniqueDef {
                            name: None,
                            table: table.clone(),
                            columns: paren_names(act, k + 1),
                            primary: false,
                        });
                        continue;
                    }
                    if act.get(k).is_some_and(|t| t.kw("COLUMN")) {
                        k += 1;
                    }
                    k = skip_kws(act, k, &["IF", "NOT", "EXISTS"]);
                    let Some(col) = act.get(k).and_then(|t| t.name()) else {
                        continue;
                    };
                    let rest = &act[k + 1..];
                    let not_null = rest.windows(2).any(|w| w[0].kw("NOT") && w[1].kw("NULL"));
                    let has_default = rest.iter().any(|t| t.kw("DEFAULT") || t.kw("GENERATED"));
                    if not_null {
                        f.not_nulls.push(NotNullDef {
                            table: table.clone(),
                            column: col.to_string(),
                            add_column: true,
                            has_default,
                        });
                    }
                    let primary = rest
                        .windows(2)
                        .any(|w| w[0].kw("PRIMARY") && w[1].kw("KEY"));
                    if rest.iter().any(|t| t.kw("UNIQUE")) || primary {
                        f.uniques.push(UniqueDef {
                            name: None,
                            table: table.clone(),
                            columns: vec![col.to_string()],
                            primary,
                        });
                    }
                } else if a0.kw("ALTER") {
                    let mut k = 1;
                    if act.get(k).is_some_and(|t| t.kw("COLUMN")) {
                        k += 1;
                    }
                    let Some(col) = act.get(k).and_then(|t| t.name()) else {
                        continue;
                    };
                    let rest = &act[k + 1..];
                    if rest.len() >= 3
                        && rest[0].kw("SET")
                        && rest[1].kw("NOT")
                        && rest[2].kw("NULL")
                    {
                        f.not_nulls.push(NotNullDef {
                            table: table.clone(),
                            column: col.to_string(),
                            add_column: false,
                            has_default: false,
                        });
                    }
                }
            }
        }
    }
    f
}

// ------------------------------------------------------------------------------------------------
// classification

/// Foreign (SQLite/MySQL/SQL Server) type names PostgreSQL does not know.
const FOREIGN_TYPES: [&str; 20] = [
    "datetime",
    "datetime2",
    "datetimeoffset",
    "smalldatetime",
    "tinyint",
    "mediumint",
    "longtext",
    "mediumtext",
    "tinytext",
    "longblob",
    "mediumblob",
    "tinyblob",
    "blob",
    "nvarchar",
    "ntext",
    "uniqueidentifier",
    "double",
    "year",
    "unsigned",
    "image",
];

/// Tokens a PostgreSQL syntax error points at when the script is another dialect's.
const FOREIGN_SYNTAX_TOKENS: [&str; 15] = [
    "`",
    "AUTOINCREMENT",
    "AUTO_INCREMENT",
    "PRAGMA",
    "UNSIGNED",
    "ENGINE",
    "MODIFY",
    "[",
    "GO",
    "CHARSET",
    "IDENTITY",
    "ROWID",
    "CHARACTER",
    "NVARCHAR",
    "TINYINT",
];

fn foreign_from_message(sqlstate: Option<&str>, msg: &str) -> Option<String> {
    match sqlstate {
        Some("42704") => {
            let name = quoted_after(msg, "type ")?;
            let base = name.trim().to_ascii_lowercase();
            let base = base.split(['(', ' ']).next().unwrap_or("");
            FOREIGN_TYPES.contains(&base).then_some(name)
        }
        Some("42601") => {
            let tok = quoted_after(msg, "at or near ")?;
            FOREIGN_SYNTAX_TOKENS
                .iter()
                .any(|t| tok.eq_ignore_ascii_case(t) || (t.len() == 1 && tok.starts_with(t)))
                .then_some(tok)
        }
        _ => None,
    }
}

fn sqlstate_class(code: &str) -> &str {
    code.get(..2).unwrap_or("")
}

/// Classifies the cause of a failed migration.
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

    if code == CauseCode::ConcurrentlyInTransaction
        && (contains_ci(&msg, "ALTER TYPE")
            || (!contains_ci(&msg, "CONCURRENTLY")
                && facts.concurrently.is_empty()
                && !facts.enum_adds.is_empty()))
    {
        code = CauseCode::EnumValueUsedInSameTransaction;
    }

    let object = object_for(
        code,
        &msg,
        ss,
        &facts,
        unique.as_ref(),
        not_null.as_ref(),
        foreign_token.as_deref(),
    );
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

fn base_code(ss: Option<&str>, msg: &str) -> CauseCode {
    let Some(c) = ss else {
        return CauseCode::Unknown;
    };
    match c {
        "42P07" | "42701" | "42710" | "42P06" | "42723" | "42P04" | "42712" | "42P05" | "42P16" => {
            CauseCode::ObjectAlreadyExists
        }
        "23505" => CauseCode::DuplicateRowsBlockUnique,
        "23502" => CauseCode::NotNullWithoutDefault,
        "23503" | "23001" => CauseCode::ForeignKeyViolation,
        "23514" | "23P01" => CauseCode::CheckViolation,
        "42501" | "28000" | "28P01" => CauseCode::InsufficientPrivilege,
        "55P03" => CauseCode::LockTimeout,
        "57014" | "25P04" => {
            if contains_ci(msg, "lock timeout") {
                CauseCode::LockTimeout
            } else {
                CauseCode::StatementTimeout
            }
        }
        "40P01" => CauseCode::Deadlock,
        "40001" => CauseCode::SerializationFailure,
        "57P01" | "57P02" | "57P03" | "53300" | "25P03" => CauseCode::ConnectionLost,
        "25001" => CauseCode::ConcurrentlyInTransaction,
        "55P04" => CauseCode::EnumValueUsedInSameTransaction,
        "42P01" | "42703" | "42883" | "42704" | "3F000" | "3D000" | "42P02" | "58P01" => {
            CauseCode::UndefinedObject
        }
        "2BP01" => CauseCode::DependentObjects,
        "42601" | "42P10" | "42611" | "42P17" | "42830" | "42P18" | "42P20" | "42P21" | "42P22" => {
            CauseCode::SyntaxError
        }
        "42804" | "42846" | "54000" => CauseCode::DataException,
        "53100" => CauseCode::DiskFull,
        _ => match sqlstate_class(c) {
            "08" => CauseCode::ConnectionLost,
            "22" => CauseCode::DataException,
            "23" => CauseCode::CheckViolation,
            "42" => CauseCode::SyntaxError,
            "0A" if contains_ci(msg, "is not available") => CauseCode::UndefinedObject,
            _ => CauseCode::Unknown,
        },
    }
}

/// 23505: building a unique index/constraint over existing duplicates, or a duplicate row written
/// by the migration itself.
fn refine_unique(
    msg: &str,
    detail: Option<&str>,
    facts: &ScriptFacts,
    have_script: bool,
) -> (CauseCode, Option<UniqueDef>) {
    // index name: native "could not create unique index "X"", or "... unique constraint "X"",
    // or quaint "Unique constraint failed: X"
    let native_build = contains_ci(msg, "could not create unique index");
    let native_insert = contains_ci(msg, "duplicate key value violates");
    let name = first_quoted(msg).or_else(|| {
        msg.split_once("Unique constraint failed")
            .map(|(_, r)| {
                r.trim_start_matches([':', ' '])
                    .trim_start_matches("on the constraint")
                    .trim_start_matches("on the fields")
                    .trim_matches([':', ' ', '`', '(', ')'])
                    .to_string()
            })
            .filter(|s| !s.is_empty())
    });
    let detail_cols: Vec<String> = detail
        .and_then(|d| {
            let r = d.strip_prefix("Key (")?;
            let end = r.find(")=")?;
            Some(
                r[..end]
                    .split(", ")
                    .map(|c| c.trim().trim_matches('"').replace("\"\"", "\""))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let in_script = name.as_ref().and_then(|n| {
        facts
            .uniques
            .iter()
            .find(|u| u.name.as_deref() == Some(n.as_str()))
            .cloned()
    });
    let build = if native_build {
        true
    } else if native_insert {
        false
    } else if in_script.is_some() {
        true
    } else if have_script {
        // unknown name: the script decides (only DDL creating uniques => build)
        !facts.uniques.is_empty() && !facts.writes_rows
    } else {
        // no script: Prisma names a primary key T_pkey (rarely rebuilt) and unique indexes T_x_key
        !name.as_deref().is_some_and(|n| n.ends_with("_pkey"))
    };
    if !build {
        return (
            CauseCode::DataException,
            Some(UniqueDef {
                name,
                columns: detail_cols,
                ..Default::default()
            }),
        );
    }
    let mut def = in_script
        .or_else(|| {
            (facts.uniques.len() == 1)
                .then(|| facts.uniques.first().cloned())
                .flatten()
        })
        .unwrap_or_default();
    if name.is_some() {
        def.name = name;
    }
    if def.columns.is_empty() {
        def.columns = detail_cols;
    }
    if def.table.is_empty() {
        if let Some(n) = &def.name {
            // Prisma's naming: <Table>_<col>_..._key / <Table>_pkey
            if !def.columns.is_empty() {
                let suffix = format!("_{}_key", def.columns.join("_"));
                if let Some(t) = n.strip_suffix(&suffix) {
                    def.table = vec![t.to_string()];
                }
            } else if let Some(t) = n.strip_suffix("_pkey") {
                def.table = vec![t.to_string()];
            }
        }
    }
    (CauseCode::DuplicateRowsBlockUnique, Some(def))
}

/// 23502: a NOT NULL column added/set over rows that have no value, or a NULL written by the
/// migration itself.
fn refine_not_null(
    msg: &str,
    facts: &ScriptFacts,
    have_script: bool,
) -> (CauseCode, Option<NotNullDef>) {
    // native: column "c" of relation "T" contains null values  |  null value in column "c" of relation "T" violates ...
    let col = quoted_after(msg, "column ");
    let table = quoted_after(msg, "relation ").or_else(|| quoted_after(msg, "table "));
    let from_script = facts
        .not_nulls
        .iter()
        .find(|n| {
            col.as_deref().is_none_or(|c| c == n.column)
                && table
                    .as_deref()
                    .is_none_or(|t| n.table.last().map(String::as_str) == Some(t))
                && (!n.add_column || !n.has_default)
        })
        .or_else(|| {
            facts
                .not_nulls
                .iter()
                .find(|n| !n.add_column || !n.has_default)
        })
        .cloned();
    let native_write = contains_ci(msg, "null value in column");
    let native_build = contains_ci(msg, "contains null values");
    let ddl = if native_build {
        true
    } else if native_write {
        false
    } else if have_script {
        from_script.is_some() || !facts.writes_rows
    } else {
        true
    };
    let def = match (col, table, from_script) {
        (Some(c), Some(t), s) => Some(NotNullDef {
            table: vec![t],
            column: c,
            add_column: s.as_ref().map(|s| s.add_column).unwrap_or(true),
            has_default: false,
        }),
        (_, _, s) => s,
    };
    if ddl {
        (CauseCode::NotNullWithoutDefault, def)
    } else {
        (CauseCode::DataException, def)
    }
}

fn object_for(
    code: CauseCode,
    msg: &str,
    ss: Option<&str>,
    facts: &ScriptFacts,
    unique: Option<&UniqueDef>,
    not_null: Option<&NotNullDef>,
    foreign_token: Option<&str>,
) -> Option<String> {
    let after_colon = |m: &str, p: &str| -> Option<String> {
        let r = m.strip_prefix(p)?.trim();
        let r = r.trim_end_matches('.').trim();
        (!r.is_empty() && r != "Unavailable").then(|| r.to_string())
    };
    match code {
        CauseCode::ForeignDialect => foreign_token
            .map(str::to_string)
            .or_else(|| facts.foreign.first().map(|s| s.to_string())),
        CauseCode::DuplicateRowsBlockUnique => unique.and_then(|u| u.name.clone()),
        CauseCode::NotNullWithoutDefault => not_null.map(|n| {
            format!(
                "{}.{}",
                n.table.last().map(String::as_str).unwrap_or("?"),
                n.column
            )
        }),
        CauseCode::ObjectAlreadyExists => {
            // column "c" of relation "T" already exists -> T.c
            if contains_ci(msg, "of relation") {
                let c = first_quoted(msg)?;
                let t = quoted_after(msg, "of relation ")?;
                Some(format!("{t}.{c}"))
            } else {
                first_quoted(msg).or_else(|| after_colon(msg, "Database already exists"))
            }
        }
        CauseCode::UndefinedObject => first_quoted(msg)
            .or_else(|| after_colon(msg, "No such table:"))
            .or_else(|| after_colon(msg, "Error accessing result set, column not found:"))
            .or_else(|| {
                // function uuid_generate_v4() does not exist
                let r = msg.strip_prefix("function ")?;
                Some(r.split(" does not exist").next()?.to_string())
            })
            .or_else(|| after_colon(msg, "Database does not exist:")),
        CauseCode::EnumValueUsedInSameTransaction => quoted_after(msg, "enum type ")
            .or_else(|| facts.enum_adds.first().and_then(|(t, _)| t.last().cloned())),
        CauseCode::ConcurrentlyInTransaction => {
            facts.concurrently.iter().find(|s| !s.is_empty()).cloned()
        }
        CauseCode::ForeignKeyViolation | CauseCode::CheckViolation => {
            if msg.starts_with("Foreign key constraint failed") {
                msg.split_once(':')
                    .map(|(_, r)| r.trim().trim_matches('`').to_string())
                    .filter(|s| !s.is_empty() && s != "(not available)")
            } else {
                quoted_after(msg, "constraint ").or_else(|| first_quoted(msg))
            }
        }
        CauseCode::DependentObjects => first_quoted(msg),
        CauseCode::DataException => match ss {
            Some("23505") => unique.and_then(|u| u.name.clone()),
            Some("22001") => after_colon(msg, "The value provided for column")
                .map(|s| s.trim_end_matches("is too long").trim().to_string())
                .filter(|s| !s.is_empty() && s != "Unavailable"),
            _ => None,
        },
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------------
// texts

struct Ctx<'a> {
    name: &'a str,
    msg: &'a str,
    sqlstate: Option<&'a str>,
    sqlstate_found: bool,
    detail: Option<&'a str>,
    facts: &'a ScriptFacts,
    shape: LogShape,
    object: Option<&'a str>,
    unique: Option<&'a UniqueDef>,
    not_null: Option<&'a NotNullDef>,
    foreign_lock: Option<&'a str>,
}

impl Ctx<'_> {
    fn file(&self) -> String {
        format!("prisma/migrations/{}/migration.sql", self.name)
    }
    fn rolled_back(&self) -> String {
        format!("npx prisma migrate resolve --rolled-back {}", self.name)
    }
    fn error_quote(&self) -> String {
        if self.msg.is_empty() {
            String::from("The logs carry no database message.")
        } else {
            let code = self
                .sqlstate
                .map(|s| {
                    if self.sqlstate_found {
                        format!(" (SQLSTATE {s})")
                    } else {
                        format!(" (SQLSTATE {s}, inferred from the message)")
                    }
                })
                .unwrap_or_default();
            format!(
                "The database reported: {}{}.",
                self.msg.trim_end_matches([' ', ':', '.']),
                code
            )
        }
    }
    fn redeploy(&self) -> String {
        format!("`{}`, then `npx prisma migrate deploy`", self.rolled_back())
    }
}

fn texts(code: CauseCode, c: &Ctx) -> (String, String, String) {
    let obj = c.object.unwrap_or("");
    let name = c.name;
    let file = c.file();
    let eq = c.error_quote();
    match code {
        CauseCode::ForeignDialect => {
            let markers = if c.facts.foreign.is_empty() {
                String::new()
            } else {
                format!(" The script contains {}.", c.facts.foreign.join(", "))
            };
            let lock = c
                .foreign_lock
                .map(|p| format!(" migration_lock.toml says provider = \"{p}\": the migration history was generated for another database."))
                .unwrap_or_default();
            (
                "Migration SQL was written for another database (SQLite/MySQL), not PostgreSQL".into(),
                format!("{eq} The migration `{name}` uses another database's SQL dialect, typically because the migrations were generated while the datasource provider was sqlite or mysql and the project later switched to postgresql.{markers}{lock} PostgreSQL will reject this script on every attempt."),
                format!(
                    "1. Rewrite {file} for PostgreSQL (DATETIME -> TIMESTAMP(3), INTEGER PRIMARY KEY AUTOINCREMENT -> SERIAL PRIMARY KEY, AUTO_INCREMENT -> SERIAL / GENERATED BY DEFAULT AS IDENTITY, TINYINT(1) -> BOOLEAN, LONGTEXT -> TEXT, backticks -> double quotes, drop PRAGMA / ENGINE=... / CHARACTER SET clauses), or regenerate it: `npx prisma migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma --script > {file}` (use --from-migrations/--shadow-database-url instead of --from-empty when earlier migrations exist; Prisma 7: `--to-schema prisma/schema.prisma`).\n2. If the whole history was generated for another provider, set `provider = \"postgresql\"` in prisma/migrations/migration_lock.toml and recreate the history for PostgreSQL (move prisma/migrations away, `npx prisma migrate dev --name init` against a development database, then baseline production with `npx prisma migrate resolve --applied <new init migration>` only for objects that already exist).\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::ObjectAlreadyExists => (
            format!("Object already exists{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
            format!("{eq} The migration `{name}` creates something the database already has: usually the schema was changed outside Migrate (`prisma db push`, a manual change, another branch's migration, or a restored dump) or the migration ran partly before."),
            format!(
                "1. Compare the database with the migration: `npx prisma migrate diff --from-url \"$DATABASE_URL\" --to-migrations prisma/migrations --script` (Prisma 7: `--from-config-datasource`), and inspect {} in psql (`\\d`).\n2. If EVERY object the migration creates already exists with exactly the shape the script defines, record it as applied: `npx prisma migrate resolve --applied {name}`.\n3. Otherwise make the script match reality (drop the statements for objects that exist, or use CREATE ... IF NOT EXISTS / ADD COLUMN IF NOT EXISTS), or drop the conflicting object if it holds nothing you need, then {}.",
                if obj.is_empty() { "the conflicting object".to_string() } else { qi(obj.split('.').next().unwrap_or(obj)) },
                c.redeploy()
            ),
        ),
        CauseCode::DuplicateRowsBlockUnique => {
            let u = c.unique.cloned().unwrap_or_default();
            let table = if u.table.is_empty() { "\"<table>\"".to_string() } else { render_name(&u.table) };
            let cols: Vec<String> = if u.columns.is_empty() { vec!["\"<column>\"".into()] } else { u.columns.iter().map(|s| qi(s)).collect() };
            let group: Vec<String> = (1..=cols.len()).map(|i| i.to_string()).collect();
            let query = format!("SELECT {}, count(*) FROM {table} GROUP BY {} HAVING count(*) > 1;", cols.join(", "), group.join(", "));
            let what = if u.primary { "primary key" } else { "unique index" };
            let detail = c.detail.map(|d| format!(" First duplicate: {d}")).unwrap_or_default();
            (
                format!("Existing duplicate rows block the {what}{}", if obj.is_empty() { String::new() } else { format!(" {obj}") }),
                format!("{eq} The migration `{name}` adds a {what} ({} on {table} ({})), but rows already in the table share the same value(s), so PostgreSQL cannot build it. This is usually a schema change that made a field `@unique` (or `@@unique`/`@id`) after duplicates were written.{detail}", if obj.is_empty() { "unnamed" } else { obj }, cols.join(", ")),
                format!(
                    "1. List the duplicates: `{query}`\n2. Resolve them: delete or merge the duplicate rows, or change the values so they are unique (or drop the uniqueness from schema.prisma and regenerate the migration).\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::NotNullWithoutDefault => {
            let (table, col, add) = match c.not_null {
                Some(n) => (render_name(&n.table), qi(&n.column), n.add_column),
                None => ("\"<table>\"".into(), "\"<column>\"".into(), true),
            };
            let how = if add { "adds a required (NOT NULL) column without a default" } else { "makes a column required (SET NOT NULL)" };
            (
                format!("Required column without default over existing rows{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
                format!("{eq} The migration `{name}` {how} to a table that already has rows; those rows have no value for it, so PostgreSQL rejects the NOT NULL constraint. This is Prisma's \"Added the required column ... without a default value\" case."),
                format!(
                    "1. Edit {file}: either give the column a default in schema.prisma (`@default(...)`) and regenerate, or split it: `ALTER TABLE {table} ADD COLUMN {col} <type>;` (nullable), `UPDATE {table} SET {col} = <value> WHERE {col} IS NULL;` (backfill), then `ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL;`. Find the rows concerned with `SELECT count(*) FROM {table} WHERE {col} IS NULL;`{}.\n2. {}.",
                    if add { " (after the column exists)" } else { "" },
                    c.redeploy()
                ),
            )
        }
        CauseCode::ForeignKeyViolation => {
            let detail = c.detail.map(|d| format!(" {d}")).unwrap_or_default();
            (
                format!("Foreign key violated by existing rows{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
                format!("{eq} The migration `{name}` adds (or writes under) a foreign key{} but existing rows reference rows that do not exist (orphans).{detail}", if obj.is_empty() { String::new() } else { format!(" {obj}") }),
                format!(
                    "1. Find the orphans: `SELECT c.* FROM \"<child table>\" c LEFT JOIN \"<parent table>\" p ON p.\"<key>\" = c.\"<fk column>\" WHERE c.\"<fk column>\" IS NOT NULL AND p.\"<key>\" IS NULL;` (tables and columns as in the ADD CONSTRAINT ... FOREIGN KEY statement of {file}).\n2. Delete them, set the column to NULL, or insert the missing parent rows.\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::CheckViolation => (
            format!("Check constraint violated by existing rows{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
            format!("{eq} The migration `{name}` adds a CHECK (or exclusion) constraint that rows already in the table do not satisfy."),
            format!(
                "1. Find the rows: `SELECT * FROM \"<table>\" WHERE NOT (<check expression>);` (expression as in {file}).\n2. Fix or delete them, or add the constraint `NOT VALID` and validate later.\n3. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::InsufficientPrivilege => (
            "The database user lacks a privilege the migration needs".into(),
            format!("{eq} The role Prisma connects with may not create or alter this object (schema CREATE privilege, table ownership, CREATE EXTENSION, ...). Managed platforms often hand out a restricted application role."),
            format!(
                "1. Run migrations with the owner role: point `directUrl` (Prisma 5/6) or the migrate datasource URL (Prisma 7) at a user that owns the schema, or grant what is missing, e.g. `GRANT CREATE, USAGE ON SCHEMA public TO <role>;` / `ALTER TABLE <table> OWNER TO <role>;`, or create the extension as a superuser.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::LockTimeout => (
            "Timed out waiting for a lock (transient)".into(),
            format!("{eq} Another session held a lock on a table the migration alters (typically a long transaction or the running application), and the migration gave up waiting. Retrying when the table is quiet is expected to work."),
            format!(
                "1. Look for blockers: `SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE state <> 'idle' ORDER BY xact_start;`\n2. {} at a quieter time (stop workers/cron jobs first, or raise lock_timeout for the migration role: `ALTER ROLE <role> SET lock_timeout = '30s';`).",
                c.redeploy()
            ),
        ),
        CauseCode::StatementTimeout => (
            "Statement timed out (transient)".into(),
            format!("{eq} A statement of the migration ran longer than statement_timeout (or was cancelled), e.g. an index build or table rewrite on a large table. The same statement can succeed with more time."),
            format!(
                "1. Raise the limit for the migration: `ALTER ROLE <role> SET statement_timeout = 0;` (or add `SET statement_timeout = 0;` at the top of {file}), or run the migration through a direct (non-pooled) connection without the platform's limit.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::Deadlock => (
            "Deadlock with another session (transient)".into(),
            format!("{eq} The migration and another session locked the same rows/tables in opposite order and PostgreSQL aborted the migration to break the cycle.{} Retrying when the application is quiet is expected to work.", if c.sqlstate.is_none() { " (quaint's `Transaction write conflict` stands for 40P01 deadlock or 40001 serialization failure; a migration runs at READ COMMITTED, where it is a deadlock.)" } else { "" }),
            format!("1. {} while the application is idle (scale workers down or deploy during low traffic).", c.redeploy()),
        ),
        CauseCode::SerializationFailure => (
            "Serialization failure (transient)".into(),
            format!("{eq} A concurrent transaction changed data the migration read under REPEATABLE READ/SERIALIZABLE isolation. Retrying is expected to work."),
            format!("1. {} (at a quieter time if it repeats).", c.redeploy()),
        ),
        CauseCode::ConnectionLost => (
            "Connection lost during the migration (transient)".into(),
            format!("{eq} The connection to PostgreSQL was closed while the migration ran (server restart or failover, an administrator or pooler terminating the session, a network drop, or too many connections). The script itself may be fine."),
            format!(
                "1. Make sure the server is up and migrations use a direct connection (not a transaction-mode pooler such as PgBouncer / Supabase port 6543 / Neon -pooler: set `directUrl`).\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::ConcurrentlyInTransaction => (
            "Statement cannot run inside a transaction block".into(),
            format!("{eq} The migration `{name}` contains a statement that PostgreSQL refuses inside a transaction (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, ...). Prisma runs a migration as one transaction (the native engine sends the whole script as one implicit transaction), so such a statement fails unless it is alone."),
            format!(
                "1. Move the CONCURRENTLY statement into its own migration (a new folder under prisma/migrations containing only that one statement, no BEGIN/COMMIT), or drop CONCURRENTLY from {file}.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::EnumValueUsedInSameTransaction => (
            "New enum value used in the same transaction that adds it".into(),
            format!("{eq} `ALTER TYPE ... ADD VALUE` and a statement using the new value{} are in the same migration; PostgreSQL only allows a new enum value to be used after the transaction that added it commits, and Prisma runs a migration as one transaction.", if obj.is_empty() { String::new() } else { format!(" of enum {obj}") }),
            format!(
                "1. Split {file}: put `ALTER TYPE ... ADD VALUE` in its own migration (a folder that sorts before this one), and keep the statements that use the value here.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::UndefinedObject => {
            let ext = contains_ci(c.msg, "uuid_generate_v")
                || contains_ci(c.msg, "gen_random_uuid")
                || contains_ci(c.msg, "extension")
                || contains_ci(c.msg, "citext")
                || contains_ci(c.msg, "postgis")
                || contains_ci(c.msg, "vector");
            let hint = if ext {
                "create the extension first (`CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";` at the top of the migration, or `extensions = [...]` with the postgresqlExtensions preview feature), or use gen_random_uuid() (built in since PostgreSQL 13)"
            } else if contains_ci(c.msg, "schema") {
                "create the schema first (`CREATE SCHEMA IF NOT EXISTS ...;`) or list it in the datasource's `schemas`"
            } else {
                "an earlier migration that creates it was not applied here (check `npx prisma migrate status`), the object was dropped or renamed outside Migrate, or the name's case differs (unquoted names are folded to lower case)"
            };
            (
                format!("Referenced object does not exist{}", if obj.is_empty() { String::new() } else { format!(": {obj}") }),
                format!("{eq} The migration `{name}` refers to a table, column, type, function or schema the database does not have."),
                format!(
                    "1. Find out why it is missing: {hint}.\n2. Fix {file} (or create the missing object in an earlier migration).\n3. {}.",
                    c.redeploy()
                ),
            )
        }
        CauseCode::DependentObjects => (
            format!("Other objects depend on {}", if obj.is_empty() { "the object being dropped" } else { obj }),
            format!("{eq} The migration `{name}` drops or changes an object that other objects (columns, views, constraints, functions) still depend on.{}", c.detail.map(|d| format!(" {d}.")).unwrap_or_default()),
            format!(
                "1. Drop or migrate the dependents first in {file} (the DETAIL line names them), or use DROP ... CASCADE if losing them is intended.\n2. {}.",
                c.redeploy()
            ),
        ),
        CauseCode::SyntaxError => {
            let split = contains_ci(c.msg, "dollar-quoted") && c.shape == LogShape::DriverAdapter;
            let extra = if split {
                " The driver-adapter engine splits scripts on `;`, which breaks `$$ ... $$` bodies (functions, DO blocks, triggers): the same script works with the native Prisma CLI."
            } else {
                ""
            };
            (
                "SQL syntax error in the migration".into(),
                format!("{eq} PostgreSQL cannot parse a statement of the migration `{name}` (often a hand-edited migration.sql).{extra}"),
                format!(
                    "1. Fix the statement in {file}{}; check it with `npx prisma db execute --file {file}` against a scratch database.\n2. {}.",
                    if split { " (or deploy this migration with the native Prisma CLI, which sends the script unsplit)" } else { "" },
                    c.redeploy()
                ),
            )
        }
        CauseCode::DataException => {
            let dup = c.sqlstate == Some("23505");
            let nn = c.sqlstate == Some("23502");
            let what = if dup {
                "The migration writes a row whose key already exists (a data conflict, not a schema problem)."
            } else if nn {
                "The migration writes a NULL into a NOT NULL column."
            } else if contains_ci(c.msg, "unknown variant") {
                "The driver adapter reported an error kind the schema engine does not understand (adapter/engine version skew), so the original PostgreSQL message was lost; the kind says what happened: a value could not be converted."
            } else {
                "A value in the table cannot be converted or computed as the migration asks (invalid input for the new type, value too long, out of range, division by zero, ...)."
            };
            (
                if dup { format!("Duplicate key written by the migration{}", if obj.is_empty() { String::new() } else { format!(" ({obj})") }) } else { "Data does not fit the migration".into() },
                format!("{eq} {what}"),
                format!(
                    "1. Find the offending rows (e.g. for a type change: `SELECT * FROM \"<table>\" WHERE \"<column>\" !~ '<pattern>'`; for a length change: `WHERE length(\"<column>\") > <n>`{}).\n2. Clean the data, or change {file} to convert it (ALTER COLUMN ... TYPE ... USING <expression>, INSERT ... ON CONFLICT DO NOTHING, ...).\n3. {}.",
                    if dup { "; for a duplicate key: look up the existing row with the key from the logs" } else { "" },
                    c.redeploy()
                ),
            )
        }
        CauseCode::DiskFull => (
            "Database server out of disk space".into(),
            format!("{eq} PostgreSQL could not write (disk full); the migration may succeed once space is available, but it will fail the same way until then."),
            format!("1. Free or add disk space on the database server (check `SELECT pg_size_pretty(pg_database_size(current_database()));`).\n2. {}.", c.redeploy()),
        ),
        CauseCode::Interrupted => (
            "The migration was interrupted before Prisma recorded an error".into(),
            format!("The failed row of `{name}` has no error text: Prisma writes one when a script fails, so the process running the migration stopped before it could (a deploy or pre-deploy timeout, an out-of-memory kill, a restart), or it is still running. When the connection dropped, PostgreSQL rolled back the statement that was running; whatever committed before stays: the evidence below says what is in the database."),
            format!(
                "1. Make sure no deploy is running now (`prisma-migrate-doctor diagnose` reports a `deploy-in-progress` finding while another session holds Prisma's lock).\n2. {}.\n3. If the platform killed it for taking too long, raise its deploy timeout or run the migration outside the start command.",
                c.redeploy()
            ),
        ),
        CauseCode::Unknown => (
            "Unrecognised migration error".into(),
            format!("{eq} The error could not be matched to a known cause; read the full logs of `{name}` in _prisma_migrations."),
            format!(
                "1. Read the error: `SELECT logs FROM \"_prisma_migrations\" WHERE migration_name = '{name}';` and fix {file} or the database accordingly.\n2. {}.",
                c.redeploy()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(logs: &str, script: Option<&str>) -> Cause {
        classify_cause(&CauseInput {
            migration_name: "20240101000000_x",
            logs,
            script,
            lock_provider: None,
        })
    }

    const NATIVE: &str = "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\nMigration name: 20240530213853_create_session_table\n\nDatabase error code: 42704\n\nDatabase error:\nERROR: type \"datetime\" does not exist\n\nPosition:\n\u{1b}[1m  0\u{1b}[0m\n\u{1b}[1m  1\u{1b}[0m -- CreateTable\n\u{1b}[1m  2\u{1b}[1;31m CREATE TABLE \"Session\" (\u{1b}[0m\n\nDbError { severity: \"ERROR\", parsed_severity: Some(Error), code: SqlState(E42704), message: \"type \\\"datetime\\\" does not exist\", detail: None, hint: None, position: Some(Original(93)), where_: None, schema: None, table: None, column: None, datatype: None, constraint: None, file: Some(\"parse_type.c\"), line: Some(270), routine: Some(\"typenameType\") }";

    #[test]
    fn sqlstate_shapes() {
        assert_eq!(extract_sqlstate(NATIVE).as_deref(), Some("42704"));
        assert_eq!(
            extract_sqlstate("code: SqlState(E23505), message").as_deref(),
            Some("23505")
        );
        assert_eq!(
            extract_sqlstate("code: SqlState(Other(\"XX001\"))").as_deref(),
            Some("XX001")
        );
        assert_eq!(
            extract_sqlstate("failed with SQLSTATE 42P07").as_deref(),
            Some("42P07")
        );
        assert_eq!(
            extract_sqlstate("SQLSTATE[23505]: Unique violation").as_deref(),
            Some("23505")
        );
        assert_eq!(
            extract_sqlstate("sqlstate: 2bp01").as_deref(),
            Some("2BP01")
        );
        assert_eq!(
            extract_sqlstate("originalCode: '40P01'").as_deref(),
            Some("40P01")
        );
        assert_eq!(
            extract_sqlstate("Database error code: 1067\n\nDatabase error:\nInvalid default value"),
            None
        );
        assert_eq!(extract_sqlstate("SQLSTATE ERROR: x"), None);
        assert_eq!(extract_sqlstate("external connector error\nError querying the database: ERROR: type \"datetime\" does not exist"), None);
        assert_eq!(extract_sqlstate(""), None);
        assert_eq!(extract_sqlstate("Database error code:"), None);
        assert_eq!(extract_sqlstate("SqlState("), None);
    }

    #[test]
    fn database_error_shapes() {
        assert_eq!(
            extract_database_error(NATIVE).as_deref(),
            Some("type \"datetime\" does not exist")
        );
        let legacy = "Error querying the database: db error: ERROR: type \"datetime\" does not exist\n   0: sql_migration_connector::flavour::postgres::sql_schema_from_migration_history\n             at migration-engine/connectors/sql-migration-connector/src/flavour/postgres.rs:367";
        assert_eq!(
            extract_database_error(legacy).as_deref(),
            Some("type \"datetime\" does not exist")
        );
        assert_eq!(log_shape(legacy), LogShape::NativeLegacy);
        let adapter = "external connector error\nUnique constraint failed: User_email_key\n   0: sql_schema_connector::apply_migration::apply_script\n           with migration_name=\"x\"";
        assert_eq!(
            extract_database_error(adapter).as_deref(),
            Some("Unique constraint failed: User_email_key")
        );
        let wasm = "external connector error\nError in the underlying connector (WASM_ERROR): Error: unknown variant `InvalidInputValue`, expected one of `GenericJs`\n    at __wbg_Error (file:///x.js:1:2)";
        assert_eq!(
            extract_database_error(wasm).as_deref(),
            Some("unknown variant `InvalidInputValue`")
        );
        let only_dump = "DbError { severity: \"ERROR\", code: SqlState(E42P07), message: \"relation \\\"User\\\" already exists\", detail: None }";
        assert_eq!(
            extract_database_error(only_dump).as_deref(),
            Some("relation \"User\" already exists")
        );
        assert_eq!(extract_database_error(""), None);
        assert_eq!(extract_database_error("external connector error\n"), None);
        let mysql = "Error: P3018\n\nA migration failed to apply.\n\nDatabase error code: 1067\n\nDatabase error:\nInvalid default value for 'end'\n\nPlease check the query number 13 from the migration file";
        assert_eq!(
            extract_database_error(mysql).as_deref(),
            Some("Invalid default value for 'end'")
        );
        let raw = "Raw query failed. Code: `42P01`. Message: `relation \"x\" does not exist`";
        assert_eq!(
            extract_database_error(raw).as_deref(),
            Some("relation \"x\" does not exist")
        );
    }

    #[test]
    fn detail_shapes() {
        assert_eq!(
            extract_detail("ERROR: x\nDETAIL: Key (email)=(a) is duplicated.").as_deref(),
            Some("Key (email)=(a) is duplicated.")
        );
        assert_eq!(
            extract_detail(
                "DbError { detail: Some(\"Key (\\\"a\\\")=(1) is duplicated.\"), hint: None }"
            )
            .as_deref(),
            Some("Key (\"a\")=(1) is duplicated.")
        );
        assert_eq!(extract_detail("nothing"), None);
    }

    #[test]
    fn ansi_stripped() {
        assert_eq!(
            strip_ansi("\u{1b}[1m  1\u{1b}[0m x\u{1b}[1;31m y"),
            "  1 x y"
        );
        assert_eq!(strip_ansi("trailing \u{1b}"), "trailing ");
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}ok"), "ok");
    }

    #[test]
    fn native_datetime_is_foreign() {
        let c = classify(NATIVE, None);
        assert_eq!(c.code, CauseCode::ForeignDialect);
        assert_eq!(c.sqlstate.as_deref(), Some("42704"));
        assert_eq!(c.object.as_deref(), Some("datetime"));
        assert!(c.deterministic && !c.transient);
        assert!(c
            .fix
            .contains("npx prisma migrate resolve --rolled-back 20240101000000_x"));
        assert!(c
            .fix
            .contains("prisma/migrations/20240101000000_x/migration.sql"));
        assert!(!c.fix.contains('\u{1b}') && !c.explanation.contains('\u{1b}'));
    }

    #[test]
    fn lock_provider_makes_foreign() {
        let c = classify_cause(&CauseInput {
            migration_name: "m",
            logs: "external connector error\nError querying the database: ERROR: relation \"User\" already exists",
            script: None,
            lock_provider: Some("# Please do not edit\nprovider = \"sqlite\"\n"),
        });
        assert_eq!(c.code, CauseCode::ForeignDialect);
        assert_eq!(foreign_lock_provider("provider = \"postgresql\""), None);
        assert_eq!(foreign_lock_provider("mysql").as_deref(), Some("mysql"));
        // a transient failure stays transient
        let c = classify_cause(&CauseInput {
            migration_name: "m",
            logs: "Error querying the database: ERROR: deadlock detected",
            script: None,
            lock_provider: Some("provider = \"mysql\""),
        });
        assert_eq!(c.code, CauseCode::Deadlock);
    }

    #[test]
    fn script_only_foreign_markers() {
        let c = classify(
            "",
            Some("CREATE TABLE `a` (`id` INT UNSIGNED NOT NULL) ENGINE=InnoDB;"),
        );
        assert_eq!(c.code, CauseCode::ForeignDialect);
        let c = classify("", Some("PRAGMA foreign_keys=OFF;"));
        assert_eq!(c.code, CauseCode::ForeignDialect);
        // identifiers and strings do not count
        let c = classify(
            "ERROR: something else",
            Some("CREATE TABLE \"datetime\" (\"x\" TEXT DEFAULT 'AUTOINCREMENT', \"y\" TEXT[]);"),
        );
        assert_eq!(c.code, CauseCode::Unknown);
        assert!(!c.transient && !c.deterministic);
        // No logs at all: the process was cut off before Prisma could record an error.
        let c = classify("", Some("CREATE TABLE \"a\" (\"x\" TEXT);"));
        assert_eq!(c.code, CauseCode::Interrupted);
        assert!(c.transient);
    }

    #[test]
    fn no_sqlstate_fallbacks() {
        let cases: [(&str, CauseCode, Option<&str>); 16] = [
            (
                "server closed the connection unexpectedly",
                CauseCode::ConnectionLost,
                Some("08006"),
            ),
            (
                "Connection terminated unexpectedly",
                CauseCode::ConnectionLost,
                Some("08006"),
            ),
            (
                "Server has closed the connection.",
                CauseCode::ConnectionLost,
                Some("08006"),
            ),
            (
                "ERROR: could not serialize access due to concurrent update",
                CauseCode::SerializationFailure,
                Some("40001"),
            ),
            (
                "ERROR: deadlock detected",
                CauseCode::Deadlock,
                Some("40P01"),
            ),
            ("Transaction write conflict", CauseCode::Deadlock, None),
            (
                "ERROR: could not extend file \"base/1/2\": No space left on device",
                CauseCode::DiskFull,
                Some("53100"),
            ),
            (
                "ERROR: must be owner of table User",
                CauseCode::InsufficientPrivilege,
                Some("42501"),
            ),
            (
                "ERROR: syntax error at or near \"PRAGMA\"",
                CauseCode::ForeignDialect,
                Some("42601"),
            ),
            (
                "ERROR: type \"tinyint\" does not exist",
                CauseCode::ForeignDialect,
                Some("42704"),
            ),
            (
                "ERROR: ALTER TYPE ... ADD cannot run inside a transaction block",
                CauseCode::EnumValueUsedInSameTransaction,
                Some("25001"),
            ),
            (
                "Database does not exist: app",
                CauseCode::UndefinedObject,
                Some("3D000"),
            ),
            (
                "Too many DB connections opened",
                CauseCode::ConnectionLost,
                Some("53300"),
            ),
            (
                "ERROR: could not obtain lock on relation \"User\"",
                CauseCode::LockTimeout,
                Some("55P03"),
            ),
            (
                "ERROR: multiple primary keys for table \"User\" are not allowed",
                CauseCode::ObjectAlreadyExists,
                Some("42P16"),
            ),
            ("something else entirely", CauseCode::Unknown, None),
        ];
        for (logs, code, ss) in cases {
            let c = classify(logs, None);
            assert_eq!(c.code, code, "{logs}");
            assert_eq!(c.sqlstate.as_deref(), ss, "{logs}");
        }
    }

    #[test]
    fn unique_native_build_vs_insert() {
        let build = "Database error code: 23505\n\nDatabase error:\nERROR: could not create unique index \"User_email_key\"\nDETAIL: Key (email)=(a@b.c) is duplicated.\n\nDbError { }";
        let c = classify(build, None);
        assert_eq!(c.code, CauseCode::DuplicateRowsBlockUnique);
        assert_eq!(c.object.as_deref(), Some("User_email_key"));
        assert!(
            c.fix.contains(
                "SELECT \"email\", count(*) FROM \"User\" GROUP BY 1 HAVING count(*) > 1;"
            ),
            "{}",
            c.fix
        );
        let insert = "Database error code: 23505\n\nDatabase error:\nERROR: duplicate key value violates unique constraint \"Setting_pkey\"\nDETAIL: Key (key)=(theme) already exists.";
        let c = classify(
            insert,
            Some("CREATE UNIQUE INDEX \"Setting_pkey\" ON \"Setting\"(\"key\");"),
        );
        assert_eq!(c.code, CauseCode::DataException);
        assert_eq!(c.object.as_deref(), Some("Setting_pkey"));
    }

    #[test]
    fn unique_quaint_with_and_without_script() {
        let logs = "external connector error\nUnique constraint failed: Account_provider_providerAccountId_key\n   0: x";
        let script = "-- AddKey\nALTER TABLE \"public\".\"Account\" ADD CONSTRAINT \"Account_provider_providerAccountId_key\" UNIQUE (\"provider\", \"providerAccountId\");";
        let c = classify(logs, Some(script));
        assert_eq!(c.code, CauseCode::DuplicateRowsBlockUnique);
        assert_eq!(c.sqlstate.as_deref(), Some("23505"));
        assert!(c.fix.contains("SELECT \"provider\", \"providerAccountId\", count(*) FROM \"public\".\"Account\" GROUP BY 1, 2 HAVING count(*) > 1;"), "{}", c.fix);
        let c = classify(logs, None);
        assert_eq!(c.code, CauseCode::DuplicateRowsBlockUnique);
        let c = classify(
            "external connector error\nUnique constraint failed: Setting_pkey",
            None,
        );
        assert_eq!(c.code, CauseCode::DataException);
    }

    #[test]
    fn not_null_refinement() {
        let native = "Database error code: 23502\n\nDatabase error:\nERROR: column \"userAgent\" of relation \"UserDevice\" contains null values";
        let c = classify(native, None);
        assert_eq!(c.code, CauseCode::NotNullWithoutDefault);
        assert_eq!(c.object.as_deref(), Some("UserDevice.userAgent"));
        let write = "Database error code: 23502\n\nDatabase error:\nERROR: null value in column \"a\" of relation \"T\" violates not-null constraint";
        assert_eq!(classify(write, None).code, CauseCode::DataException);
        let quaint = "external connector error\nNull constraint failed: \n   0: x";
        let c = classify(quaint, Some("ALTER TABLE \"T\" ADD COLUMN \"a\" TEXT NOT NULL DEFAULT 'x',\nADD COLUMN \"b\" INTEGER NOT NULL;"));
        assert_eq!(c.code, CauseCode::NotNullWithoutDefault);
        assert_eq!(c.object.as_deref(), Some("T.b"));
        let c = classify(quaint, Some("INSERT INTO \"T\" (\"a\") VALUES (NULL);"));
        assert_eq!(c.code, CauseCode::DataException);
    }

    #[test]
    fn every_code_has_texts() {
        for code in CauseCode::ALL {
            let ctx = Ctx {
                name: "m1",
                msg: "x",
                sqlstate: None,
                sqlstate_found: false,
                detail: None,
                facts: &ScriptFacts::default(),
                shape: LogShape::Other,
                object: None,
                unique: None,
                not_null: None,
                foreign_lock: None,
            };
            let (t, e, f) = texts(code, &ctx);
            assert!(!t.is_empty() && !e.is_empty());
            assert!(
                f.contains("npx prisma migrate") || f.contains("resolve"),
                "{code}"
            );
            assert!(f.contains("m1"), "{code}");
            assert!(!(code.is_transient() && code.is_deterministic()));
        }
        let names: std::collections::HashSet<&str> =
            CauseCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), CauseCode::ALL.len());
        assert_eq!(
            CauseCode::EnumValueUsedInSameTransaction.as_str(),
            "enum-value-used-in-same-transaction"
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for s in [
            "\"",
            "Database error code: \u{e9}\u{e9}",
            "SqlState(E",
            "type \"",
            "Unique constraint failed",
            "\u{1b}[",
            "column \"",
            "Key (",
            "$$",
            "$a",
            "[",
            "`",
            "ALTER TABLE",
            "ALTER TABLE \"T\" ADD",
            "CREATE UNIQUE INDEX",
            "ALTER TYPE \"x\" ADD",
        ] {
            let _ = classify(s, Some(s));
            let _ = classify_cause(&CauseInput {
                migration_name: s,
                logs: s,
                script: Some(s),
                lock_provider: Some(s),
            });
        }
    }
}
