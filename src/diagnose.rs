//! The read-only pipeline: project -> local -> ledger -> (evidence, cause) -> report.

use std::sync::Arc;
use std::time::Duration;

use crate::cause;
use crate::connection::{self, Connection, ConnectionSpec};
use crate::error::Result;
use crate::evidence;
use crate::execution::{self, LazyPrisma};
use crate::ledger::{self, Classification, LedgerRow};
use crate::local::{self, LocalMigrations};
use crate::project::{self, Options, Project};
use crate::report::{self, CauseInfo, DatabaseInfo, Diagnosis, FailedMigration, Finding, Severity};
use crate::verdict;

/// An opened project: configuration resolved, migrations read, database connected.
///
/// The project and the migrations (read and hashed once) are shared; `spec` (the schema) and
/// `conn` are this session's own. A fleet run (`fleet.rs`) builds one session per target from
/// the same shared parts and a connection it reuses across the schemas of one database.
pub struct Session {
    pub project: Arc<Project>,
    pub spec: ConnectionSpec,
    pub local: Arc<LocalMigrations>,
    pub conn: Connection,
    /// The Prisma that deploys the project, as far as the project or the options tell.
    pub prisma: Arc<LazyPrisma>,
}

impl Session {
    /// Reading and hashing the migrations folder and connecting are the slow parts of opening
    /// and do not depend on each other: they run at the same time. A local error still wins
    /// over a connection error (as if the folder had been read first).
    pub async fn open(options: &Options) -> Result<Session> {
        Ok(Session::open_with(options, false, false).await?.0)
    }

    /// `open`, on a connection a previous diagnose kept (`connection::keep_idle`) when `reuse`
    /// and there is one for these settings (says whether it was); with `read_ledger`, the ledger
    /// is read as soon as the connection is up, while the folder is still being read (its
    /// outcome apart: a local or connection error still comes first).
    async fn open_with(
        options: &Options,
        reuse: bool,
        read_ledger: bool,
    ) -> Result<(Session, bool, Result<LedgerRead>)> {
        let (project, spec) = locate(options)?;
        let (dir, root) = (project.migrations_dir.clone(), project.root.clone());
        let dir_ahead = dir.clone();
        let prisma = Arc::new(LazyPrisma::new(options.prisma_version.as_deref(), &root));
        let reading = tokio::task::spawn_blocking(move || local::read_migrations_dir(&dir));
        let kept = if reuse {
            connection::take_idle(&spec)
        } else {
            None
        };
        let reused = kept.is_some();
        let connecting = async {
            let conn = match kept {
                Some(conn) => conn,
                None => connection::connect(&spec, connect_timeout(options)).await?,
            };
            let read = if read_ledger {
                read_ledger_ahead(&conn, &spec, &dir_ahead).await
            } else {
                Ok(LedgerRead::default())
            };
            Ok::<_, crate::error::DoctorError>((conn, read))
        };
        let (read, connected) = tokio::join!(reading, connecting);
        let local = read.map_err(|_| {
            crate::error::DoctorError::new(
                crate::error::ErrorCode::Internal,
                "Reading the migrations folder stopped on an internal error.",
            )
        })?;
        let local = local?;
        let (conn, rows) = connected?;
        Ok((
            Session {
                project: Arc::new(project),
                spec,
                local: Arc::new(local),
                conn,
                prisma,
            },
            reused,
            rows,
        ))
    }

    /// Hands the (read-only, untouched) connection to `connection::keep_idle`.
    fn keep_connection(self) {
        connection::keep_idle(&self.spec, self.conn);
    }

    /// Connects an already prepared project (callers that check local state first).
    pub async fn connect(prepared: Prepared, options: &Options) -> Result<Session> {
        let Prepared {
            project,
            spec,
            local,
        } = prepared;
        let conn = connection::connect(&spec, connect_timeout(options)).await?;
        let prisma = Arc::new(LazyPrisma::new(
            options.prisma_version.as_deref(),
            &project.root,
        ));
        Ok(Session {
            project: Arc::new(project),
            spec,
            local: Arc::new(local),
            conn,
            prisma,
        })
    }

    pub fn database_info(&self) -> DatabaseInfo {
        DatabaseInfo {
            host: self.spec.host_display(),
            port: u32::from(self.spec.port()),
            database: self.spec.database.clone(),
            schema: self.spec.schema.clone(),
            user: self.spec.user.clone(),
            server_version: self.conn.server_version.clone(),
            url: self.spec.redacted_url(),
            url_source: self.project.url_source.clone(),
            tls: self.conn.tls,
            migrations_dir_source: self.project.migrations_dir_source.clone(),
            schema_path: self
                .project
                .schema
                .as_ref()
                .map(|s| s.path.display().to_string()),
            schema_source: self.project.schema.as_ref().map(|s| s.source.clone()),
            config_file: self
                .project
                .config_file
                .as_ref()
                .map(|p| p.display().to_string()),
            env_files: self
                .project
                .env_files
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        }
    }
}

/// What can be known without the database: the project, the URL, the migrations folder.
pub struct Prepared {
    pub project: Project,
    pub spec: ConnectionSpec,
    pub local: LocalMigrations,
}

fn connect_timeout(options: &Options) -> Option<Duration> {
    options
        .connect_timeout_ms
        .map(|ms| Duration::from_millis(u64::from(ms)))
}

/// The project and its connection settings: no files read beyond the configuration.
fn locate(options: &Options) -> Result<(Project, ConnectionSpec)> {
    let project = project::discover(options)?;
    let mut spec = ConnectionSpec::parse(&project.url)?;
    spec.resolve_relative_paths(&project.cert_base_dirs());
    Ok((project, spec))
}

pub fn prepare(options: &Options) -> Result<Prepared> {
    let (project, spec) = locate(options)?;
    let local = local::read_migrations_dir(&project.migrations_dir)?;
    Ok(Prepared {
        project,
        spec,
        local,
    })
}

pub async fn diagnose(options: &Options) -> Result<Diagnosis> {
    let (session, _, read) = Session::open_with(options, false, true).await?;
    assemble_read(&session, read?).await
}

/// The ledger and the database reads done by `open_with`, then `assemble`.
async fn open_and_assemble(
    options: &Options,
    reuse: bool,
) -> Result<(Session, bool, Result<Diagnosis>)> {
    let (session, reused, read) = Session::open_with(options, reuse, true).await?;
    let result = match read {
        Ok(read) => assemble_read(&session, read).await,
        Err(e) => Err(e),
    };
    Ok((session, reused, result))
}

/// What `open_with` read while the folder was being read: the ledger, and (when it has rows)
/// the database reads for its failed migrations, made with their scripts read straight from
/// their folders (checked against the folder's copy before they are used).
#[derive(Default)]
struct LedgerRead {
    rows: Option<Vec<LedgerRow>>,
    ahead: Option<Result<DatabaseReads>>,
}

async fn read_ledger_ahead(
    conn: &Connection,
    spec: &ConnectionSpec,
    dir: &std::path::Path,
) -> Result<LedgerRead> {
    let rows = ledger::read_rows(&conn.client, &spec.schema).await?;
    let ahead = match rows.as_deref() {
        Some(rows) => match scripts_from_folders(dir, &failed_names(rows)) {
            Some(scripts) => Some(read_database(conn, spec, rows, scripts).await),
            None => None,
        },
        None => None,
    };
    Ok(LedgerRead { rows, ahead })
}

/// The failed migrations' scripts read straight from `<dir>/<name>/migration.sql`, as the
/// folder read will find them; `None` when a name is not a plain folder name (the ledger's
/// names are data: nothing outside the migrations folder is read for them).
fn scripts_from_folders(dir: &std::path::Path, names: &[String]) -> Option<Vec<Option<String>>> {
    names
        .iter()
        .map(|name| {
            let plain = !name.is_empty()
                && name != "."
                && name != ".."
                && !name.contains(['/', '\\', ':', '\0']);
            plain.then(|| {
                std::fs::read(dir.join(name).join("migration.sql"))
                    .ok()
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            })
        })
        .collect()
}

/// `assemble`, with the database reads done ahead when the folder holds the same scripts.
async fn assemble_read(session: &Session, read: LedgerRead) -> Result<Diagnosis> {
    let LedgerRead { rows, ahead } = read;
    let rows = rows.as_deref();
    let reads = match ahead {
        Some(reads) => {
            let reads = reads?;
            let same = reads
                .names
                .iter()
                .zip(&reads.scripts)
                .all(|(name, script)| {
                    session.local.get(name).and_then(|m| m.script_text()) == *script
                });
            if same {
                reads
            } else {
                read_database_for(session, rows.unwrap_or(&[])).await?
            }
        }
        None => read_database_for(session, rows.unwrap_or(&[])).await?,
    };
    assemble_with(session, rows, reads).await
}

/// `diagnose` for repeated calls (the napi binding): the connection stays open a few seconds
/// after it returns (`connection::keep_idle`) and the next call with the same settings starts
/// on it, without a new connection and with the server's catalog caches warm. diagnose only
/// reads, in autocommit, and changes no session state, so a kept session is as good as new. If
/// it was closed meanwhile (server restarted, backend terminated), the call runs again on a new
/// connection.
pub async fn diagnose_reusing(options: &Options) -> Result<Diagnosis> {
    let (session, reused, result) = open_and_assemble(options, true).await?;
    if result.is_err() && reused && session.conn.client.is_closed() {
        drop(session);
        let (session, _, result) = open_and_assemble(options, false).await?;
        session.keep_connection();
        return result;
    }
    session.keep_connection();
    result
}

/// Classifies the ledger, gathers evidence for the failed migrations (one catalog read for all
/// of them), names causes, and decides verdicts and actions. Reads only.
pub async fn assemble(session: &Session, rows: Option<&[LedgerRow]>) -> Result<Diagnosis> {
    let reads = read_database_for(session, rows.unwrap_or(&[])).await?;
    assemble_with(session, rows, reads).await
}

/// The failed migrations of a ledger, each once (a migration can have several failed rows),
/// in the ledger's order.
fn failed_names(rows: &[LedgerRow]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for row in rows.iter().filter(|r| r.is_failed()) {
        if !names.contains(&row.migration_name) {
            names.push(row.migration_name.clone());
        }
    }
    names
}

/// What `assemble` reads from the database about the failed migrations: the catalog for their
/// evidence, the cause's context, and who holds Prisma's migration lock.
struct DatabaseReads {
    names: Vec<String>,
    scripts: Vec<Option<String>>,
    loaded: evidence::assess::Loaded,
    cause_context: cause::CauseContext,
    running: Option<crate::action::lock::LockHolder>,
}

async fn read_database_for(session: &Session, rows: &[LedgerRow]) -> Result<DatabaseReads> {
    let names = failed_names(rows);
    let scripts = names
        .iter()
        .map(|name| session.local.get(name).and_then(|m| m.script_text()))
        .collect();
    read_database(&session.conn, &session.spec, rows, scripts).await
}

/// `scripts[i]`: the script of the i-th of `failed_names(rows)`.
async fn read_database(
    conn: &Connection,
    spec: &ConnectionSpec,
    rows: &[LedgerRow],
    scripts: Vec<Option<String>>,
) -> Result<DatabaseReads> {
    let names = failed_names(rows);
    let failures: Vec<cause::context::Failure> = rows
        .iter()
        .filter(|r| r.is_failed())
        .map(|row| cause::context::Failure {
            logs: row.logs.as_deref().unwrap_or(""),
            script: names
                .iter()
                .position(|n| *n == row.migration_name)
                .and_then(|i| scripts.get(i))
                .and_then(|s| s.as_deref()),
        })
        .collect();
    // The catalog read for the evidence, the cause's context and the lock holder do not depend
    // on each other: their queries go out together (pipelined on the one connection).
    let (loaded, cause_context, running) = tokio::join!(
        evidence::assess::load(&conn.client, &scripts, &spec.schema),
        cause::context::gather(
            &conn.client,
            cause::context::Connection {
                host: Some(spec.host_display()),
                port: Some(spec.port()),
                schema: &spec.schema,
                pooler: spec.pooler_reason(),
                server_version: &conn.server_version,
            },
            &failures,
        ),
        crate::action::lock::holder(&conn.client),
    );
    let (loaded, running) = (loaded?, running?);
    drop(failures);
    Ok(DatabaseReads {
        names,
        scripts,
        loaded,
        cause_context,
        running,
    })
}

async fn assemble_with(
    session: &Session,
    rows: Option<&[LedgerRow]>,
    reads: DatabaseReads,
) -> Result<Diagnosis> {
    let local = &session.local;
    let has_migrations_table = rows.is_some();
    let rows = rows.unwrap_or(&[]);
    let c: Classification = ledger::classify(local, rows);

    let failed_rows: Vec<&LedgerRow> = c.failed_rows.iter().map(|&i| &rows[i]).collect();
    let DatabaseReads {
        names,
        scripts,
        loaded,
        cause_context,
        running,
    } = reads;
    // The migrations before each failed one: what they leave is the state it started from.
    let histories: Vec<Vec<&[u8]>> = names
        .iter()
        .map(|name| {
            local
                .migrations
                .iter()
                .take_while(|m| m.name.as_str() < name.as_str())
                .filter_map(|m| m.script.as_deref())
                .collect()
        })
        .collect();
    let assessed = loaded.finish(&histories, &session.spec.schema);
    let script_of = |row: &LedgerRow| {
        let i = names
            .iter()
            .position(|n| *n == row.migration_name)
            .unwrap_or(0);
        (i, scripts.get(i).and_then(|s| s.as_deref()))
    };
    let failed: Vec<FailedMigration> = failed_rows
        .iter()
        .map(|row| {
            let (i, script) = script_of(row);
            failed_migration(session, row, script, &assessed[i], &cause_context, rows)
        })
        .collect();
    let mut findings = findings(session, &c, &failed, has_migrations_table);
    if let Some(h) = running {
        findings.insert(
            0,
            finding(
                "deploy-in-progress",
                Severity::Warning,
                format!(
                    "Another session (pid {}{}{}) holds Prisma's migration lock: a `prisma migrate deploy` or `migrate \
                     resolve` is running right now. A failed row without logs may be that migration still running: let it \
                     finish (or stop it) before resolving anything.",
                    h.pid,
                    if h.application_name.is_empty() { String::new() } else { format!(", {}", h.application_name) },
                    if h.since.is_empty() { String::new() } else { format!(", connected since {}", h.since) },
                ),
                None,
            ),
        );
    }

    let (needs_baseline, baseline_migration_names) = if has_migrations_table {
        (false, Vec::new())
    } else {
        baseline(session).await?
    };
    if !has_migrations_table {
        let elsewhere = ledger::schemas_with_ledger(&session.conn.client).await?;
        if !elsewhere.is_empty() {
            findings.push(finding(
                "ledger-in-other-schema",
                Severity::Warning,
                format!(
                    "There is no _prisma_migrations table in schema \"{}\", but there is one in {}: if that is this \
                     project's, the URL needs ?schema={}.",
                    session.spec.schema,
                    elsewhere.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
                    elsewhere[0]
                ),
                None,
            ));
        }
    }
    if needs_baseline {
        findings.push(finding(
            "baseline-needed",
            Severity::Error,
            format!(
                "Schema \"{}\" already has objects but no _prisma_migrations table: `prisma migrate deploy` stops with P3005. \
                 Baseline it by recording as applied the migrations whose changes are already there{}.",
                session.spec.schema,
                if baseline_migration_names.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", baseline_migration_names.join(", "))
                }
            ),
            None,
        ));
    }

    let mut diagnosis = Diagnosis {
        blocked: !failed.is_empty(),
        has_migrations_table,
        failed_migration_names: failed.iter().map(|f| f.name.clone()).collect(),
        failed,
        edited_migration_names: c.edited,
        unapplied_migration_names: c.unapplied,
        missing_locally_names: c.missing_locally,
        applied_migration_names: c.applied,
        needs_baseline,
        baseline_migration_names,
        findings,
        database: session.database_info(),
        migrations_dir: local.dir.display().to_string(),
        summary: String::new(),
    };
    diagnosis.summary = report::render_diagnosis(&diagnosis);
    Ok(diagnosis)
}

/// Prisma's P3005 check (no ledger, non-empty schema) and, when it applies, which leading
/// migrations are already fully in the database: what to mark applied to baseline.
async fn baseline(session: &Session) -> Result<(bool, Vec<String>)> {
    let rows = session
        .conn
        .client
        .query_typed(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
                 OR EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                             WHERE n.nspname = $1 AND t.typtype = 'e')",
            &[(&session.spec.schema, tokio_postgres::types::Type::TEXT)],
        )
        .await
        .map_err(|e| {
            crate::error::DoctorError::database("checking whether the schema is empty", e)
        })?;
    let not_empty: bool = rows.first().map(|r| r.get(0)).unwrap_or(false);
    if !not_empty {
        return Ok((false, Vec::new()));
    }
    let scripts: Vec<Option<String>> = session
        .local
        .migrations
        .iter()
        .map(|m| m.script_text())
        .collect();
    let count =
        evidence::assess::baseline_prefix(&session.conn.client, &scripts, &session.spec.schema)
            .await?;
    let present = session.local.migrations[..count]
        .iter()
        .map(|m| m.name.clone())
        .collect();
    Ok((true, present))
}

fn failed_migration(
    session: &Session,
    row: &LedgerRow,
    script: Option<&str>,
    evidence: &evidence::Assessed,
    cause_context: &cause::CauseContext,
    rows: &[LedgerRow],
) -> FailedMigration {
    let local = &session.local;
    let logs = row.logs.clone().unwrap_or_default();
    let local_migration = local.get(&row.migration_name);
    let script_changed = local_migration.map(|m| !m.matches_checksum(&row.checksum));
    let name = &row.migration_name;
    let cause = cause::classify_cause(&cause::CauseInput {
        migration_name: name,
        logs: &logs,
        script,
        lock_provider: local.lock_provider.as_deref(),
        context: cause_context,
        earlier_attempts: &cause::context::earlier_attempts(
            &row.id,
            &iso(&row.started_at),
            rows.iter()
                .filter(|r| r.migration_name == row.migration_name)
                .map(|r| {
                    (
                        r.id.as_str(),
                        iso(&r.started_at),
                        r.rolled_back_at.is_some(),
                        r.logs.as_deref(),
                    )
                }),
        ),
    });
    let message = cause.message.clone();
    let cause = CauseInfo {
        code: cause.code.as_str().to_string(),
        title: cause.title,
        explanation: cause.explanation,
        fix: cause.fix,
        transient: cause.transient,
        object: cause.object,
    };
    let cockroach = session.conn.server_version.contains("CockroachDB");
    let model = execution::detect(
        &logs,
        evidence.has_transaction_control,
        cockroach,
        session.prisma.get(),
    );
    let n = evidence.statement_count();
    let matched = evidence.select(execution::possible_prefixes(model.execution, n));
    // The statement the logs name, when they refer to this very script.
    let failing = match (script, script_changed) {
        (Some(sql), Some(false)) if logs.contains("Position:") => {
            let split = evidence::split::split_script(sql);
            evidence::failing::from_logs(&logs, sql, &split.statements)
        }
        _ => None,
    };
    let (decided_on, note) = verdict::pin_to_failing(&matched, n, failing, model.execution);
    let mut decision = verdict::decide_verdict(&decided_on, &evidence.traits, n);
    if let Some(note) = note {
        decision.reason.push_str(&note);
    }
    let statements = evidence::assess::statements_under(evidence, &decided_on, model.execution);
    let (action, action_reason) = verdict::choose_action(decision.verdict, &cause, script_changed);
    let commands =
        verdict::commands_for(action, name, &statements, &cause, local_migration.is_some());
    let count = |k: usize| u32::try_from(k).unwrap_or(u32::MAX);
    FailedMigration {
        name: name.clone(),
        row_id: row.id.clone(),
        started_at: iso(&row.started_at),
        error_code: cause::extract_sqlstate(&logs),
        database_error: message,
        logs,
        script_changed,
        exists_locally: local_migration.is_some(),
        cause,
        execution: model.execution,
        execution_source: model.source,
        execution_note: verdict::execution_note(model.execution).to_string(),
        applied_statements: decision.applied.map(count),
        matching_prefixes: matched.matching.iter().map(|&k| count(k)).collect(),
        failing_statement: failing.map(count),
        statements,
        verdict: decision.verdict,
        verdict_reason: decision.reason,
        action,
        action_reason,
        commands,
    }
}

pub fn iso(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn finding(code: &str, severity: Severity, message: String, migration: Option<&str>) -> Finding {
    Finding {
        code: code.to_string(),
        severity,
        message,
        migration: migration.map(str::to_string),
    }
}

fn findings(
    session: &Session,
    c: &Classification,
    failed: &[FailedMigration],
    has_migrations_table: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in failed {
        out.push(finding(
            "failed-migration",
            Severity::Error,
            format!(
                "The `{}` migration started at {} failed",
                f.name, f.started_at
            ),
            Some(&f.name),
        ));
    }
    if !has_migrations_table {
        out.push(finding(
            "no-migrations-table",
            Severity::Info,
            format!(
                "There is no _prisma_migrations table in schema \"{}\": nothing has been deployed here yet.",
                session.spec.schema
            ),
            None,
        ));
    }
    if let Some(provider) = session.local.lock_provider.as_deref() {
        if session.local.check_provider().is_err() {
            out.push(finding(
                "lock-provider-mismatch",
                Severity::Error,
                format!(
                    "migration_lock.toml says provider = \"{provider}\" but the database is PostgreSQL: these migrations were \
                     written for another database (P3019)."
                ),
                None,
            ));
        }
    }
    for name in &c.edited {
        out.push(finding(
            "edited-migration",
            Severity::Warning,
            format!("`{name}`: migration.sql was modified after it was recorded in the database."),
            Some(name),
        ));
    }
    for name in &c.missing_locally {
        out.push(finding(
            "missing-locally",
            Severity::Warning,
            format!("`{name}` is recorded in the database but has no folder in the migrations directory."),
            Some(name),
        ));
    }
    for m in session
        .local
        .migrations
        .iter()
        .filter(|m| m.script.is_none())
    {
        out.push(finding(
            "missing-migration-file",
            Severity::Error,
            format!(
                "`{}` has no migration.sql: `prisma migrate deploy` fails with P3015 until the folder has one or is removed.",
                m.name
            ),
            Some(&m.name),
        ));
    }
    for param in &session.spec.unknown_params {
        out.push(finding(
            "unknown-url-parameter",
            Severity::Warning,
            format!("The database URL has a parameter Prisma does not know: `{param}` (ignored)."),
            None,
        ));
    }
    out.extend(connection_findings(session));
    out
}

/// Findings about where the configuration came from and how we connect.
fn connection_findings(session: &Session) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(reason) = session.spec.pooler_reason() {
        let project = &session.project;
        let fix = if let Some(config) = &project.config_file {
            format!(
                "Point datasource.url in {} at the direct (non-pooled) connection string, or pass that URL as url \
                 (CLI: --url).",
                config.display()
            )
        } else if project.uses_direct_url {
            "directUrl itself points at a pooler: set it to the direct (non-pooled) connection string.".to_string()
        } else if project
            .datasource
            .as_ref()
            .is_some_and(|d| d.direct_url.is_some())
        {
            "The datasource declares directUrl for this: drop the pooled url option (CLI: --url) so directUrl is \
             used, or pass the direct URL."
                .to_string()
        } else {
            "Add `directUrl = env(\"DIRECT_URL\")` to the datasource block with the direct (non-pooled) connection \
             string, as Prisma Migrate uses it, or pass that URL as url (CLI: --url)."
                .to_string()
        };
        out.push(finding(
            "pooler-url",
            Severity::Warning,
            format!(
                "The database URL goes through a transaction-mode connection pooler ({reason}): Prisma's advisory \
                 lock (pg_advisory_lock(72707369)) cannot be held there, and resolve/heal refuse to write (E_POOLER). \
                 {fix}"
            ),
            None,
        ));
    }
    for note in &session.project.notes {
        out.push(finding(
            "configuration",
            Severity::Warning,
            note.clone(),
            None,
        ));
    }
    out
}
