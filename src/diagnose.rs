//! The read-only pipeline: project -> local -> ledger -> (evidence, cause) -> report.

use std::time::Duration;

use crate::cause;
use crate::connection::{self, Connection, ConnectionSpec};
use crate::error::Result;
use crate::ledger::{self, Classification, LedgerRow};
use crate::local::{self, LocalMigrations};
use crate::project::{self, Options, Project};
use crate::report::{self, DatabaseInfo, Diagnosis, FailedMigration, Finding, Severity};

/// An opened project: configuration resolved, migrations read, database connected.
pub struct Session {
    pub project: Project,
    pub spec: ConnectionSpec,
    pub local: LocalMigrations,
    pub conn: Connection,
}

impl Session {
    /// Everything that can fail without a database fails first, before connecting.
    pub async fn open(options: &Options) -> Result<Session> {
        let (project, spec, local) = prepare(options)?;
        let timeout = options
            .connect_timeout_ms
            .map(|ms| Duration::from_millis(u64::from(ms)));
        let conn = connection::connect(&spec, timeout).await?;
        Ok(Session {
            project,
            spec,
            local,
            conn,
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
        }
    }
}

pub fn prepare(options: &Options) -> Result<(Project, ConnectionSpec, LocalMigrations)> {
    let project = project::discover(options)?;
    let spec = ConnectionSpec::parse(&project.url)?;
    let local = local::read_migrations_dir(&project.migrations_dir)?;
    Ok((project, spec, local))
}

pub async fn diagnose(options: &Options) -> Result<Diagnosis> {
    let session = Session::open(options).await?;
    let rows = ledger::read_rows(&session.conn.client, &session.spec.schema).await?;
    Ok(build(&session, rows.as_deref()))
}

/// Assembles the diagnosis from what was read; no I/O.
pub fn build(session: &Session, rows: Option<&[LedgerRow]>) -> Diagnosis {
    let local = &session.local;
    let has_migrations_table = rows.is_some();
    let rows = rows.unwrap_or(&[]);
    let c: Classification = ledger::classify(local, rows);

    let failed: Vec<FailedMigration> = c
        .failed_rows
        .iter()
        .map(|&i| failed_migration(&rows[i], local))
        .collect();
    let findings = findings(session, &c, &failed, has_migrations_table);

    let mut diagnosis = Diagnosis {
        blocked: !failed.is_empty(),
        has_migrations_table,
        failed_migration_names: failed.iter().map(|f| f.name.clone()).collect(),
        failed,
        edited_migration_names: c.edited,
        unapplied_migration_names: c.unapplied,
        missing_locally_names: c.missing_locally,
        applied_migration_names: c.applied,
        findings,
        database: session.database_info(),
        migrations_dir: local.dir.display().to_string(),
        summary: String::new(),
    };
    diagnosis.summary = report::render_diagnosis(&diagnosis);
    diagnosis
}

fn failed_migration(row: &LedgerRow, local: &LocalMigrations) -> FailedMigration {
    let logs = row.logs.clone().unwrap_or_default();
    let local_migration = local.get(&row.migration_name);
    let script_changed = local_migration.map(|m| !m.matches_checksum(&row.checksum));
    let name = &row.migration_name;
    let commands = match script_changed {
        None => vec![
            format!("npx prisma migrate resolve --rolled-back {name}   # its folder is gone: deploy will not re-run it"),
        ],
        Some(true) => vec![
            format!("npx prisma migrate resolve --rolled-back {name}   # the fixed script runs on the next deploy"),
            "npx prisma migrate deploy".to_string(),
        ],
        Some(false) => vec![
            format!(
                "# fix prisma/migrations/{name}/migration.sql and revert any of its changes that are in the database, then:"
            ),
            format!("npx prisma migrate resolve --rolled-back {name}"),
            "npx prisma migrate deploy".to_string(),
            format!("# or, only if all of its changes are already in the database: npx prisma migrate resolve --applied {name}"),
        ],
    };
    FailedMigration {
        name: name.clone(),
        row_id: row.id.clone(),
        started_at: iso(&row.started_at),
        error_code: cause::extract_sqlstate(&logs),
        database_error: cause::extract_database_error(&logs),
        logs,
        script_changed,
        exists_locally: local_migration.is_some(),
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
    out
}
