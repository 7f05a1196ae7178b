//! From the SQLSTATE, the message, the script and the context to a cause code.

use super::context::{CauseContext, Dependant, EarlierAttempt, Owner, SchemaPrivilege};
use super::knowledge;
use super::script::{NotNullDef, ScriptFacts, UniqueDef};
use super::text::{contains_ci, find_ci, first_quoted, quoted_after};
use super::CauseCode;

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

pub(super) fn foreign_from_message(sqlstate: Option<&str>, msg: &str) -> Option<String> {
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

/// The cause the SQLSTATE alone stands for.
pub(super) fn base_code(ss: Option<&str>, msg: &str) -> CauseCode {
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
pub(super) fn refine_unique(
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
pub(super) fn refine_not_null(
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

pub(super) fn object_for(
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

/// What a refinement found, for the cause's words.
#[derive(Debug, Default, Clone)]
pub(super) struct Specifics {
    /// The extension that provides the missing type/function/operator class.
    pub(super) extension: Option<String>,
    /// Where that extension is installed (outside the search_path).
    pub(super) extension_schema: Option<String>,
    /// Schemas where the named type/function exists (when not an extension's).
    pub(super) named_elsewhere: Vec<String>,
    /// The statement, syntax or function that needs a newer server, and the version it needs.
    pub(super) feature: Option<String>,
    pub(super) version_needed: Option<u32>,
    /// The message proves the failing server was older than the one diagnosed now.
    pub(super) upgraded_since: bool,
    /// The major version of the server diagnosed now.
    pub(super) server_major: Option<u32>,
    pub(super) dependants: Vec<Dependant>,
    pub(super) owner: Option<Owner>,
    pub(super) schema_privilege: Option<SchemaPrivilege>,
    pub(super) earlier: Vec<EarlierAttempt>,
    /// Why the server is taken for CockroachDB.
    pub(super) cockroach_evidence: Option<&'static str>,
    /// The object the error names, before refinement (`T.c`, an index, a type).
    pub(super) named_object: Option<String>,
}

/// Everything a refinement may look at.
pub(super) struct Signals<'a> {
    pub(super) ss: Option<&'a str>,
    pub(super) msg: &'a str,
    pub(super) logs: &'a str,
    pub(super) facts: &'a ScriptFacts,
    pub(super) have_script: bool,
    pub(super) ctx: &'a CauseContext,
    pub(super) earlier: &'a [EarlierAttempt],
    /// The object named by the error under the SQLSTATE's cause.
    pub(super) object: Option<&'a str>,
}

/// Refines the SQLSTATE's cause with the message, the script, the server, the URL, the catalog
/// and the ledger. Each rule names a cause only on positive evidence; otherwise `code` stays.
pub(super) fn refine(code: CauseCode, s: &Signals) -> (CauseCode, Specifics) {
    let mut sp = Specifics {
        named_object: s.object.map(str::to_string),
        ..Default::default()
    };
    let msg = s.msg;
    let ss = s.ss.unwrap_or("");

    // A transaction-mode pooler: Migrate's prepared statements land on another server connection.
    if contains_ci(msg, "prepared statement \"")
        && (contains_ci(msg, "does not exist") || contains_ci(msg, "already exists"))
    {
        return (CauseCode::TransactionPooler, sp);
    }
    // 25P02: a statement failed earlier in the same transaction; its error is not in the logs.
    if ss == "25P02" || contains_ci(msg, "current transaction is aborted") {
        return (CauseCode::AbortedTransaction, sp);
    }
    if let Some(c) = cockroach(code, s, &mut sp) {
        return (c, sp);
    }
    if let Some(c) = version_gated(s, &mut sp) {
        return (c, sp);
    }
    if let Some(c) = extension(code, s, &mut sp) {
        return (c, sp);
    }
    if let Some(c) = dependants(code, s, &mut sp) {
        return (c, sp);
    }
    if contains_ci(msg, "must be owner of ") {
        if let Some(i) = find_ci(msg, "must be owner of ") {
            let (kind, name) = super::context::owner_target(&msg[i + "must be owner of ".len()..]);
            sp.owner = s
                .ctx
                .owners
                .iter()
                .find(|o| o.kind == kind && o.name == name)
                .cloned()
                .or(Some(Owner {
                    kind,
                    name,
                    owner: String::new(),
                }));
        }
        return (CauseCode::NotOwner, sp);
    }
    if code == CauseCode::InsufficientPrivilege {
        sp.schema_privilege = s
            .ctx
            .schema_privileges
            .iter()
            .find(|p| {
                contains_ci(msg, &format!("schema {}", p.schema))
                    || contains_ci(msg, &format!("schema \"{}\"", p.schema))
            })
            .cloned();
        return (code, sp);
    }
    if ss == "42804" && contains_ci(msg, "cannot be cast automatically") {
        return (CauseCode::TypeChangeNeedsUsing, sp);
    }
    // Leftovers of an earlier attempt of this same migration.
    if !s.earlier.is_empty() {
        if let Some(obj) = s.object {
            let bare = obj.rsplit('.').next().unwrap_or(obj);
            let created = s.facts.created.iter().any(|c| c == obj || c == bare);
            let dropped = s.facts.dropped.iter().any(|c| c == obj || c == bare);
            if (code == CauseCode::ObjectAlreadyExists && created)
                || (code == CauseCode::UndefinedObject
                    && dropped
                    && contains_ci(msg, "does not exist"))
            {
                sp.earlier = s.earlier.to_vec();
                return (CauseCode::PartialEarlierRun, sp);
            }
        }
    }
    (code, sp)
}

/// CockroachDB's schema changes run as background jobs and are not transactional.
fn cockroach(code: CauseCode, s: &Signals, sp: &mut Specifics) -> Option<CauseCode> {
    let msg = s.msg;
    let crdb_message = contains_ci(msg, "being dropped, try again later")
        || contains_ci(msg, "declarative schema changer")
        || contains_ci(msg, "schema change statement cannot follow");
    // The DbError dump names the server's source file: CockroachDB is written in Go.
    let go_source = s.logs.contains(".go\")");
    sp.cockroach_evidence = if s.ctx.cockroach {
        Some("the server reports itself as CockroachDB")
    } else if go_source {
        Some("the error comes from a Go source file (CockroachDB), not from PostgreSQL")
    } else if s.ctx.port == Some(26257) || s.ctx.provider() == Some("CockroachDB Cloud") {
        Some("the URL points at CockroachDB")
    } else if crdb_message {
        Some("the message is CockroachDB's")
    } else {
        None
    };
    sp.cockroach_evidence?;
    if contains_ci(msg, "being dropped, try again later") {
        // `column "x" being dropped`: is x dropped by this same script (a drop and re-add)?
        let name = first_quoted(msg).unwrap_or_default();
        let dropped_here = !name.is_empty()
            && (s
                .facts
                .dropped
                .iter()
                .any(|d| d == &name || d.ends_with(&format!(".{name}")))
                || s.facts.dropped_columns.iter().any(|c| c.column == name));
        sp.named_object = Some(name);
        return Some(if dropped_here || !s.have_script {
            // Without the script nothing shows the drop is finished elsewhere: not transient.
            CauseCode::CockroachSchemaChange
        } else {
            CauseCode::CockroachSchemaChangeInProgress
        });
    }
    if crdb_message || (contains_ci(msg, "unimplemented") && code != CauseCode::SyntaxError) {
        return Some(CauseCode::CockroachSchemaChange);
    }
    None
}

/// A statement or function newer than the server that ran the script.
fn version_gated(s: &Signals, sp: &mut Specifics) -> Option<CauseCode> {
    let msg = s.msg;
    let server = s.ctx.server_major;
    sp.server_major = server;
    // PostgreSQL 12 allows ALTER TYPE ... ADD VALUE in a transaction block; older servers say this.
    if contains_ci(
        msg,
        "ALTER TYPE ... ADD cannot run inside a transaction block",
    ) {
        sp.feature = Some(
            "ALTER TYPE ... ADD VALUE inside a transaction (Prisma runs a migration as one)".into(),
        );
        sp.version_needed = Some(12);
        sp.upgraded_since = server.is_some_and(|v| v >= 12);
        return Some(CauseCode::ServerVersionTooOld);
    }
    // A syntax error at the first word of a newer syntax the script uses, on a server known older.
    if s.ss == Some("42601") {
        let tok = quoted_after(msg, "at or near ").unwrap_or_default();
        for f in &s.facts.versioned {
            let Some(needed) = knowledge::syntax_since(f) else {
                continue;
            };
            if tok.eq_ignore_ascii_case(knowledge::syntax_error_token(f))
                && server.is_some_and(|v| v < needed)
            {
                sp.feature = Some((*f).to_string());
                sp.version_needed = Some(needed);
                return Some(CauseCode::ServerVersionTooOld);
            }
        }
    }
    // function uuidv7() does not exist: an unqualified call to a built-in of a newer server.
    let localized = !msg.starts_with(|c: char| c.is_ascii_alphabetic());
    let function = if msg.starts_with("function ") || (s.ss == Some("42883") && localized) {
        function_in_message(msg)
    } else {
        None
    };
    if let Some((name, no_args)) = function {
        let name = name.as_str();
        if let Some(since) = knowledge::builtin_function_since(name) {
            // gen_random_uuid() came from pgcrypto before 13: that is the extension rule's.
            if knowledge::extension_of_function(name).is_none()
                && !name.contains('.')
                && (no_args || server.is_some_and(|v| v < since))
            {
                sp.feature = Some(format!("{name}()"));
                sp.version_needed = Some(since);
                sp.upgraded_since = server.is_some_and(|v| v >= since);
                return Some(CauseCode::ServerVersionTooOld);
            }
        }
    }
    None
}

/// A type, function or operator class from an extension the database does not have where the
/// session looks, or an extension the server cannot install.
fn extension(code: CauseCode, s: &Signals, sp: &mut Specifics) -> Option<CauseCode> {
    let msg = s.msg;
    let ctx = s.ctx;
    // extension "vector" is not available / could not open extension control file ".../vector.control"
    if contains_ci(msg, "is not available") && contains_ci(msg, "extension") {
        sp.extension = quoted_after(msg, "extension ");
        return Some(CauseCode::ExtensionUnavailable);
    }
    if contains_ci(msg, "could not open extension control file") {
        let path = first_quoted(msg).unwrap_or_default();
        let file = path.rsplit('/').next().unwrap_or("");
        sp.extension = file.strip_suffix(".control").map(str::to_string);
        return Some(CauseCode::ExtensionUnavailable);
    }
    if !matches!(code, CauseCode::UndefinedObject) {
        return None;
    }
    // By the SQLSTATE first, so that a localized message (`类型 "hstore" 不存在`) is read too.
    let ss = s.ss.unwrap_or("");
    // English messages say what they name ("type ...", "function ..."); others are read by their
    // SQLSTATE only (an English `constraint "cube" ...` is no extension's type).
    let localized = !msg.starts_with(|c: char| c.is_ascii_alphabetic());
    let (kind, name, ext) = if contains_ci(msg, "operator class") {
        let o = quoted_after(msg, "operator class ")?;
        let e = knowledge::extension_of_opclass(&o);
        ("operator class", o, e)
    } else if msg.starts_with("type ") || (ss == "42704" && localized) {
        let t = first_quoted(msg)?;
        let e = knowledge::extension_of_type(&t);
        ("type", t, e)
    } else if msg.starts_with("function ") || (ss == "42883" && localized) {
        let (n, _) = function_in_message(msg)?;
        let e = knowledge::extension_of_function(&n);
        ("function", n, e)
    } else {
        return None;
    };
    let bare = name
        .rsplit('.')
        .next()
        .unwrap_or(&name)
        .to_ascii_lowercase();
    sp.named_elsewhere = ctx
        .named
        .iter()
        .filter(|n| {
            n.kind == kind && n.name.eq_ignore_ascii_case(&bare) && !ctx.on_search_path(&n.schema)
        })
        .map(|n| n.schema.clone())
        .collect();
    let ext = ext?;
    sp.extension = Some(ext.to_string());
    // gen_random_uuid() is built in since 13: the failing server was older.
    if let Some(since) = knowledge::builtin_function_since(&bare) {
        sp.feature = Some(format!("{bare}()"));
        sp.version_needed = Some(since);
        sp.server_major = ctx.server_major;
        sp.upgraded_since = ctx.server_major.is_some_and(|v| v >= since);
    }
    if let Some(installed) = ctx.installed(ext) {
        if !ctx.on_search_path(&installed.schema) {
            sp.extension_schema = Some(installed.schema.clone());
            return Some(CauseCode::ExtensionInOtherSchema);
        }
        return Some(CauseCode::ExtensionMissing);
    }
    if ctx.available(ext) == Some(false) && !sp.upgraded_since {
        return Some(CauseCode::ExtensionUnavailable);
    }
    Some(CauseCode::ExtensionMissing)
}

/// Views, materialized views, rules and partial/expression indexes built on a column the script
/// retypes or drops.
fn dependants(code: CauseCode, s: &Signals, sp: &mut Specifics) -> Option<CauseCode> {
    let msg = s.msg;
    let on_script_columns = |d: &&Dependant| {
        s.facts
            .retyped
            .iter()
            .chain(s.facts.dropped_columns.iter())
            .any(|c| {
                d.on_column
                    == format!(
                        "{}.{}",
                        c.table.last().map(String::as_str).unwrap_or(""),
                        c.column
                    )
            })
    };
    let view_rule = s.ss == Some("0A000")
        && (contains_ci(msg, "used by a view or rule")
            || contains_ci(msg, "used in a trigger definition")
            || contains_ci(msg, "used in a policy definition"));
    if view_rule || code == CauseCode::DependentObjects {
        sp.dependants = s.ctx.dependants.clone();
        return Some(CauseCode::DependentObjects);
    }
    // Retyping a column that a partial/expression index compares with the old type:
    // `operator does not exist: "Status" = text`.
    if s.ss == Some("42883")
        && contains_ci(msg, "operator does not exist")
        && !s.facts.retyped.is_empty()
    {
        let found: Vec<Dependant> = s
            .ctx
            .dependants
            .iter()
            .filter(on_script_columns)
            .cloned()
            .collect();
        if !found.is_empty() {
            sp.dependants = found;
            return Some(CauseCode::DependentObjects);
        }
    }
    None
}

/// The object a cause is about, once refined.
pub(super) fn final_object(
    code: CauseCode,
    named: Option<String>,
    sp: &Specifics,
    msg: &str,
    detail: Option<&str>,
) -> Option<String> {
    match code {
        // column "type" cannot be cast automatically to type "BlobTypes"
        CauseCode::TypeChangeNeedsUsing => first_quoted(msg).or(named),
        CauseCode::ExtensionMissing
        | CauseCode::ExtensionUnavailable
        | CauseCode::ExtensionInOtherSchema => sp.extension.clone().or(named),
        CauseCode::ServerVersionTooOld => sp.feature.clone().or(named),
        CauseCode::NotOwner => sp.owner.as_ref().map(|o| o.name.clone()).or(named),
        CauseCode::CockroachSchemaChange | CauseCode::CockroachSchemaChangeInProgress => {
            sp.named_object.clone().filter(|s| !s.is_empty()).or(named)
        }
        CauseCode::DependentObjects => named
            .or_else(|| {
                // DETAIL: rule _RETURN on view v_pm_tasks depends on column "status"
                let d = detail?;
                let i = find_ci(d, " on view ").or_else(|| find_ci(d, " on materialized view "))?;
                let rest = &d[i..];
                let rest = rest
                    .trim_start_matches(" on materialized view ")
                    .trim_start_matches(" on view ");
                Some(
                    rest.split(" depends")
                        .next()?
                        .trim()
                        .trim_matches('"')
                        .to_string(),
                )
            })
            .or_else(|| sp.dependants.first().map(|d| d.name.clone())),
        _ => named,
    }
}

/// The function a "does not exist" message names, and whether it was called without arguments:
/// `function uuid_generate_v4() does not exist`, or the first `name(` of a localized message
/// (`函数 gen_random_uuid() 不存在`).
fn function_in_message(msg: &str) -> Option<(String, bool)> {
    if let Some(r) = msg.strip_prefix("function ") {
        let call = r.split(" does not exist").next().unwrap_or("").trim();
        let name = call.split('(').next().unwrap_or("").trim();
        return (!name.is_empty()).then(|| (name.to_string(), call.ends_with("()")));
    }
    let open = msg.find('(')?;
    let before = &msg[..open];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, ch)| !(ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '.'))
        .map(|(i, ch)| i + ch.len_utf8())
        .unwrap_or(0);
    let name = &before[start..];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((name.to_string(), msg[open..].starts_with("()")))
}
