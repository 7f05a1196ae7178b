//! Real failed-migration cases collected from public issue threads (tests/cause/cases/*.json, one
//! file per case: source, SQLSTATE and message as posted, the SQL, the server and the catalog the
//! thread describes, and the cause the thread found). Each is written into the logs shape the
//! engine of that report wrote, then classified with the thread's server and catalog as context.
//! The same files run through the whole pipeline on a real server in __test__/causes.test.js.
use std::path::PathBuf;

use prisma_migrate_doctor::cause::context::{Dependant, InstalledExtension, Owner};
use prisma_migrate_doctor::cause::{classify_cause, CauseContext, CauseInput, EarlierAttempt};
use serde_json::Value;

fn cases() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cause/cases");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read case");
            let v: Value = serde_json::from_str(&text).expect("case json");
            (
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string(),
                v,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// Rust's `{:?}` of a string, as in tokio-postgres' DbError dump.
fn dbg(s: &str) -> String {
    format!("{s:?}")
}

/// The logs text the engine of the report wrote (see the existing fixtures for the shapes).
pub fn logs_of(c: &Value, migration: &str, sqlstate: Option<&str>, message: &str) -> String {
    let detail = s(c, "detail");
    let hint = s(c, "hint");
    let extra = |prefix: &str| {
        let mut t = String::new();
        if let Some(d) = detail {
            t.push_str(&format!("{prefix}DETAIL: {d}\n"));
        }
        if let Some(h) = hint {
            t.push_str(&format!("{prefix}HINT: {h}\n"));
        }
        t
    };
    match (s(c, "shape").unwrap_or("p3018"), sqlstate) {
        ("p3018", Some(code)) => {
            let opt = |x: Option<&str>| x.map(|v| format!("Some({})", dbg(v))).unwrap_or_else(|| "None".into());
            format!(
                "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\nMigration name: {migration}\n\nDatabase error code: {code}\n\nDatabase error:\nERROR: {message}\n{}\nDbError {{ severity: \"ERROR\", parsed_severity: Some(Error), code: SqlState(E{code}), message: {}, detail: {}, hint: {}, position: None, where_: None, schema: None, table: None, column: None, datatype: None, constraint: None, file: Some({}), line: Some(1), routine: Some(\"x\") }}\n",
                extra(""),
                dbg(message),
                opt(detail),
                opt(hint),
                dbg(s(c, "dbErrorFile").unwrap_or("x.c"))
            )
        }
        ("schema-engine", _) => format!(
            "ERROR: {message}\n{}   0: schema_core::commands::apply_migrations::Applying migration\n           with migration_name=\"{migration}\"\n             at schema-engine/core/src/commands/apply_migrations.rs:91\n",
            extra("")
        ),
        _ => format!(
            "Database error: Error querying the database: db error: ERROR: {message}\n{}   0: sql_migration_connector::apply_migration::apply_script\n           with migration_name=\"{migration}\"\n             at migration-engine/connectors/sql-migration-connector/src/apply_migration.rs:86\n",
            extra("")
        ),
    }
}

/// The thread's server, URL and catalog as the doctor's context.
fn context_of(c: &Value) -> CauseContext {
    let cat = c.get("catalog").cloned().unwrap_or(Value::Null);
    let port = c
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok());
    let pgbouncer = c.pointer("/urlParams/pgbouncer").and_then(Value::as_str) == Some("true");
    CauseContext {
        server_major: c
            .get("serverMajor")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok()),
        server_version: s(c, "server").map(str::to_string),
        cockroach: cat
            .get("cockroach")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        current_user: s(&cat, "currentUser").map(str::to_string),
        schema: "public".into(),
        host: s(c, "host").map(str::to_string),
        port,
        pooler: (pgbouncer || port == Some(6543))
            .then(|| "the URL's port or pgbouncer=true".to_string()),
        extensions: cat.get("extensions").and_then(Value::as_array).map(|a| {
            a.iter()
                .map(|e| InstalledExtension {
                    name: s(e, "name").unwrap_or("").into(),
                    schema: s(e, "schema").unwrap_or("").into(),
                    version: String::new(),
                })
                .collect()
        }),
        available_extensions: None,
        named: Vec::new(),
        dependants: cat
            .get("dependants")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|d| Dependant {
                        kind: s(d, "kind").unwrap_or("").into(),
                        schema: s(d, "schema").unwrap_or("").into(),
                        name: s(d, "name").unwrap_or("").into(),
                        depth: d.get("depth").and_then(Value::as_i64).unwrap_or(1) as i32,
                        definition: s(d, "definition").unwrap_or("").into(),
                        on_column: s(d, "on_column").unwrap_or("").into(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        owners: cat
            .get("owners")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|o| Owner {
                        kind: s(o, "kind").unwrap_or("").into(),
                        name: s(o, "name").unwrap_or("").into(),
                        owner: s(o, "owner").unwrap_or("").into(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        schema_privileges: Vec::new(),
    }
}

#[test]
fn collected_cases_get_the_cause_the_thread_found() {
    let all = cases();
    assert!(all.len() >= 40, "at least 40 cases, found {}", all.len());
    let causes: std::collections::BTreeSet<&str> = all
        .iter()
        .filter_map(|(_, c)| c.pointer("/expect/cause").and_then(Value::as_str))
        .collect();
    assert!(
        causes.len() >= 15,
        "at least 15 distinct causes: {causes:?}"
    );
    for (file, c) in &all {
        for k in ["source", "message", "migration", "sql", "thread"] {
            assert!(s(c, k).is_some_and(|v| !v.is_empty()), "{file}: {k}");
        }
        assert!(
            s(c, "source").is_some_and(|u| u.starts_with("https://github.com/")),
            "{file}"
        );
        let migration = s(c, "migration").unwrap_or("");
        let logs = logs_of(
            c,
            migration,
            s(c, "sqlstate"),
            s(c, "message").unwrap_or(""),
        );
        let earlier: Vec<EarlierAttempt> = c
            .get("earlierAttempts")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(i, e)| EarlierAttempt {
                        row_id: format!("earlier-{i}"),
                        started_at: "2026-01-01T00:00:00.000Z".into(),
                        rolled_back: e
                            .get("rolledBack")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        message: s(e, "message").map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let context = context_of(c);
        let cause = classify_cause(&CauseInput {
            migration_name: migration,
            logs: &logs,
            script: s(c, "sql"),
            lock_provider: Some("provider = \"postgresql\""),
            context: &context,
            earlier_attempts: &earlier,
        });
        if std::env::var_os("PMD_PRINT_CASES").is_some() {
            eprintln!(
                "== {file}\n{}\n{}\n{}\n",
                cause.title, cause.explanation, cause.fix
            );
        }
        let want = c.get("expect").expect("expect");
        assert_eq!(
            cause.code.as_str(),
            s(want, "cause").unwrap_or(""),
            "{file}: {cause:#?}"
        );
        assert_eq!(
            cause.transient,
            want.get("transient")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            "{file} transient"
        );
        if let Some(o) = s(want, "object") {
            assert!(
                cause.object.as_deref().is_some_and(|x| x.contains(o)),
                "{file}: object {:?}, want {o}",
                cause.object
            );
        }
        for part in want
            .get("fix")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let part = part.as_str().unwrap_or("");
            assert!(
                cause.fix.contains(part) || cause.explanation.contains(part),
                "{file}: fix lacks {part:?}:\n{}\n{}",
                cause.explanation,
                cause.fix
            );
        }
        assert!(
            cause.fix.contains(&format!(
                "npx prisma migrate resolve --rolled-back {migration}"
            )) || cause.fix.contains("resolve --applied"),
            "{file}: {}",
            cause.fix
        );
        assert!(!cause.explanation.contains('\n'), "{file}: one paragraph");
    }
}
