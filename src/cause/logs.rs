//! Reading `_prisma_migrations.logs`: which engine path wrote it, the SQLSTATE, the database
//! message and its DETAIL, the SQLSTATE a message stands for, and a foreign `migration_lock.toml`.

use super::text::{contains_ci, find_ci, sqlstate_at, strip_ansi};
use super::LogShape;

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

const NOISE_PREFIXES: [&str; 7] = [
    // Prisma 2.x: "Database error: Error querying the database: db error: ERROR: ..."
    "Database error: ",
    "Error: ",
    "Error querying the database: ",
    "db error: ",
    "Error in the underlying connector (WASM_ERROR): ",
    "external connector error: ",
    "Raw query failed. ",
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
    let pg: [(&str, &'static str); 57] = [
        // before the generic "does not exist" / "already exists"
        ("prepared statement \"", "26000"),
        ("current transaction is aborted", "25P02"),
        ("cannot alter type of a column used", "0A000"),
        ("being dropped, try again later", "55000"),
        (
            "only implemented in the declarative schema changer",
            "0A000",
        ),
        ("cannot be cast automatically", "42804"),
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
        if p == "prepared statement \"" {
            if contains_ci(m, p) && contains_ci(m, "already exists") {
                return Some("42P05");
            }
            if contains_ci(m, p) && contains_ci(m, "does not exist") {
                return Some(c);
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
