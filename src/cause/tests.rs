use super::script::ScriptFacts;
use super::*;

const NONE: &CauseContext = &CauseContext {
    server_major: None,
    server_version: None,
    cockroach: false,
    current_user: None,
    schema: String::new(),
    host: None,
    port: None,
    pooler: None,
    extensions: None,
    available_extensions: None,
    named: Vec::new(),
    dependants: Vec::new(),
    owners: Vec::new(),
    schema_privileges: Vec::new(),
};

fn classify(logs: &str, script: Option<&str>) -> Cause {
    classify_cause(&CauseInput {
        migration_name: "20240101000000_x",
        logs,
        script,
        lock_provider: None,
        context: NONE,
        earlier_attempts: &[],
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
context: NONE,
earlier_attempts: &[],
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
        context: NONE,
        earlier_attempts: &[],
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
            CauseCode::NotOwner,
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
            CauseCode::ServerVersionTooOld,
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
        c.fix
            .contains("SELECT \"email\", count(*) FROM \"User\" GROUP BY 1 HAVING count(*) > 1;"),
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
            context: NONE,
            specifics: &rules::Specifics::default(),
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
            context: NONE,
            earlier_attempts: &[],
        });
    }
}

fn classify_with(
    logs: &str,
    script: Option<&str>,
    context: &CauseContext,
    earlier: &[EarlierAttempt],
) -> Cause {
    classify_cause(&CauseInput {
        migration_name: "20240101000000_x",
        logs,
        script,
        lock_provider: None,
        context,
        earlier_attempts: earlier,
    })
}

fn p3018(code: &str, message: &str) -> String {
    format!("A migration failed to apply.\n\nDatabase error code: {code}\n\nDatabase error:\nERROR: {message}\n")
}

fn ctx_public() -> CauseContext {
    CauseContext {
        schema: "public".into(),
        ..Default::default()
    }
}

#[test]
fn cockroach_drop_elsewhere_is_transient_drop_here_is_not() {
    let logs = p3018("55000", "column \"kind\" being dropped, try again later");
    let cr = CauseContext {
        cockroach: true,
        ..ctx_public()
    };
    let c = classify_with(
        &logs,
        Some("ALTER TABLE \"T\" ADD COLUMN \"kind\" INT8;"),
        &cr,
        &[],
    );
    assert_eq!(c.code, CauseCode::CockroachSchemaChangeInProgress);
    assert!(c.transient);
    let c = classify_with(
        &logs,
        Some(
            "ALTER TABLE \"T\" DROP COLUMN \"kind\";\nALTER TABLE \"T\" ADD COLUMN \"kind\" INT8;",
        ),
        &cr,
        &[],
    );
    assert_eq!(c.code, CauseCode::CockroachSchemaChange);
    assert!(!c.transient);
    // without the script nothing shows the drop happened elsewhere: not transient
    assert_eq!(
        classify_with(&logs, None, &cr, &[]).code,
        CauseCode::CockroachSchemaChange
    );
    // "unimplemented" on PostgreSQL is no CockroachDB evidence
    let pg = classify_with(
        &p3018("0A000", "unimplemented feature"),
        None,
        &ctx_public(),
        &[],
    );
    assert_ne!(pg.code, CauseCode::CockroachSchemaChange);
}

#[test]
fn builtin_function_of_a_newer_server() {
    let logs = p3018("42883", "function uuidv7() does not exist");
    let old = CauseContext {
        server_major: Some(17),
        ..ctx_public()
    };
    let c = classify_with(&logs, None, &old, &[]);
    assert_eq!(c.code, CauseCode::ServerVersionTooOld);
    assert!(c.explanation.contains("PostgreSQL 18"), "{}", c.explanation);
    assert!(c.fix.contains("uuid(7)"), "{}", c.fix);
    // with arguments on a new server: a signature problem, not the version
    let logs = p3018("42883", "function uuidv7(integer) does not exist");
    let new = CauseContext {
        server_major: Some(18),
        ..ctx_public()
    };
    assert_eq!(
        classify_with(&logs, None, &new, &[]).code,
        CauseCode::UndefinedObject
    );
}

#[test]
fn extension_refinements_by_catalog() {
    use super::context::InstalledExtension;
    let logs = p3018(
        "42704",
        "operator class \"gin_trgm_ops\" does not exist for access method \"gin\"",
    );
    let c = classify_with(&logs, None, &ctx_public(), &[]);
    assert_eq!(c.code, CauseCode::ExtensionMissing);
    assert_eq!(c.object.as_deref(), Some("pg_trgm"));
    let installed_here = CauseContext {
        extensions: Some(vec![InstalledExtension {
            name: "pg_trgm".into(),
            schema: "public".into(),
            version: "1.6".into(),
        }]),
        ..ctx_public()
    };
    let c = classify_with(&logs, None, &installed_here, &[]);
    assert_eq!(c.code, CauseCode::ExtensionMissing);
    assert!(c.explanation.contains("installed now"), "{}", c.explanation);
    let unavailable = CauseContext {
        available_extensions: Some(vec!["hstore".into()]),
        ..ctx_public()
    };
    assert_eq!(
        classify_with(&logs, None, &unavailable, &[]).code,
        CauseCode::ExtensionUnavailable
    );
    // localized, read by its SQLSTATE
    let c = classify_with(
        &p3018("42704", "类型 \"hstore\" 不存在"),
        None,
        &ctx_public(),
        &[],
    );
    assert_eq!(c.code, CauseCode::ExtensionMissing);
    // an English message naming something else with an extension type's name
    let c = classify_with(
        &p3018(
            "42704",
            "constraint \"cube\" of relation \"T\" does not exist",
        ),
        None,
        &ctx_public(),
        &[],
    );
    assert_eq!(c.code, CauseCode::UndefinedObject);
}

#[test]
fn leftovers_need_an_earlier_attempt() {
    let logs = p3018("42P07", "relation \"Audit\" already exists");
    let script = "CREATE TABLE \"Audit\" (\"id\" INT);\nALTER TABLE \"User\" ADD COLUMN \"x\" INT;";
    assert_eq!(
        classify_with(&logs, Some(script), &ctx_public(), &[]).code,
        CauseCode::ObjectAlreadyExists
    );
    let earlier = [EarlierAttempt {
        row_id: "r1".into(),
        started_at: "2026-01-01T00:00:00.000Z".into(),
        rolled_back: true,
        message: Some("canceling statement due to statement timeout".into()),
    }];
    let c = classify_with(&logs, Some(script), &ctx_public(), &earlier);
    assert_eq!(c.code, CauseCode::PartialEarlierRun);
    assert!(c.explanation.contains("row r1") && c.explanation.contains("statement timeout"));
    // an object the script does not create: not a leftover of it
    let other = p3018("42P07", "relation \"Other\" already exists");
    assert_eq!(
        classify_with(&other, Some(script), &ctx_public(), &earlier).code,
        CauseCode::ObjectAlreadyExists
    );
    // a column added by the script
    let col = p3018("42701", "column \"x\" of relation \"User\" already exists");
    assert_eq!(
        classify_with(&col, Some(script), &ctx_public(), &earlier).code,
        CauseCode::PartialEarlierRun
    );
}

#[test]
fn pooler_and_hidden_errors_are_not_deterministic() {
    let c = classify_with(
        &p3018("26000", "prepared statement \"s1\" does not exist"),
        None,
        &ctx_public(),
        &[],
    );
    assert_eq!(c.code, CauseCode::TransactionPooler);
    assert!(!c.transient && !c.deterministic);
    let pooled = CauseContext {
        pooler: Some("port 6543".into()),
        ..ctx_public()
    };
    let c = classify_with(
        &p3018("42P05", "prepared statement \"s0\" already exists"),
        None,
        &pooled,
        &[],
    );
    assert_eq!(c.code, CauseCode::TransactionPooler);
    assert!(c.explanation.contains("port 6543"));
    let c = classify_with(
        "Error querying the database: db error: ERROR: current transaction is aborted, commands ignored until end of transaction block",
        Some("BEGIN;\nINSERT INTO \"T\" VALUES (1);\nCOMMIT;"),
        &ctx_public(),
        &[],
    );
    assert_eq!(c.code, CauseCode::AbortedTransaction);
    assert!(!c.transient && !c.deterministic);
    assert!(c.explanation.contains("its own BEGIN/COMMIT"));
    // a failed row without logs through a pooler stays interrupted, with the pooler pointed out
    let c = classify_with("", Some("SELECT 1;"), &pooled, &[]);
    assert_eq!(c.code, CauseCode::Interrupted);
    assert!(c.explanation.contains("pooler"));
}

#[test]
fn old_alter_type_message_is_the_version_not_enum_use() {
    let logs = p3018(
        "25001",
        "ALTER TYPE ... ADD cannot run inside a transaction block",
    );
    let script = "ALTER TYPE \"Role\" ADD VALUE 'X';\nUPDATE \"User\" SET \"role\" = 'X';";
    let c = classify_with(&logs, Some(script), &ctx_public(), &[]);
    assert_eq!(c.code, CauseCode::ServerVersionTooOld);
    assert!(c.explanation.contains("PostgreSQL 12"));
    // the same on an upgraded server: the unchanged script now runs
    let upgraded = CauseContext {
        server_major: Some(16),
        ..ctx_public()
    };
    let c = classify_with(&logs, Some(script), &upgraded, &[]);
    assert_eq!(c.code, CauseCode::ServerVersionTooOld);
    assert!(c.fix.contains("supports it now"), "{}", c.fix);
    // a real CONCURRENTLY message stays what it was
    let c = classify_with(
        &p3018(
            "25001",
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block",
        ),
        Some(
            "ALTER TYPE \"Role\" ADD VALUE 'X';\nCREATE INDEX CONCURRENTLY \"i\" ON \"T\"(\"a\");",
        ),
        &ctx_public(),
        &[],
    );
    assert_eq!(c.code, CauseCode::ConcurrentlyInTransaction);
}

#[test]
fn every_new_code_is_in_all_with_a_stable_name() {
    for (code, name) in [
        (CauseCode::ExtensionMissing, "extension-missing"),
        (CauseCode::ExtensionUnavailable, "extension-unavailable"),
        (
            CauseCode::ExtensionInOtherSchema,
            "extension-in-other-schema",
        ),
        (CauseCode::ServerVersionTooOld, "server-version-too-old"),
        (CauseCode::TransactionPooler, "transaction-pooler"),
        (CauseCode::AbortedTransaction, "aborted-transaction"),
        (CauseCode::NotOwner, "not-owner"),
        (CauseCode::CockroachSchemaChange, "cockroach-schema-change"),
        (
            CauseCode::CockroachSchemaChangeInProgress,
            "cockroach-schema-change-in-progress",
        ),
        (CauseCode::PartialEarlierRun, "partial-earlier-run"),
        (CauseCode::TypeChangeNeedsUsing, "type-change-needs-using"),
    ] {
        assert!(CauseCode::ALL.contains(&code));
        assert_eq!(code.as_str(), name);
    }
    let transient: Vec<&str> = CauseCode::ALL
        .iter()
        .filter(|c| c.is_transient())
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        transient,
        [
            "lock-timeout",
            "statement-timeout",
            "deadlock",
            "serialization-failure",
            "connection-lost",
            "interrupted",
            "cockroach-schema-change-in-progress"
        ]
    );
}
