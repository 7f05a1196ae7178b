//! What the pipeline hands back: typed results (napi objects in JS) and the human-readable
//! summary the CLI prints. The field names are the public contract of DESIGN.md.

#[cfg(feature = "node")]
use napi_derive::napi;

/// Where the database is, without the password.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone, Default)]
pub struct DatabaseInfo {
    pub host: String,
    pub port: u32,
    pub database: String,
    /// The schema `_prisma_migrations` lives in (Prisma's `?schema=`, default public).
    pub schema: String,
    pub user: String,
    pub server_version: String,
    /// The connection URL with the password replaced by ****.
    pub url: String,
    /// Where the URL came from (option, environment variable, .env file, ...).
    pub url_source: String,
    /// The session is encrypted with TLS.
    pub tls: bool,
    /// Where the migrations folder came from (option, config file, next to the schema, default).
    pub migrations_dir_source: String,
    /// The Prisma schema that was read (a file, or a folder of .prisma files), if any.
    pub schema_path: Option<String>,
    /// Where the schema location came from (option, config file, package.json, default).
    pub schema_source: Option<String>,
    /// The Prisma config file (prisma.config.ts & co) that was loaded, if any.
    pub config_file: Option<String>,
    /// The .env files that were read, in precedence order (the real environment wins over all).
    pub env_files: Vec<String>,
}

#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One observation about the project or the database.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct Finding {
    /// Stable identifier, e.g. `failed-migration`, `edited-migration`, `missing-locally`.
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub migration: Option<String>,
}

/// A failed row of `_prisma_migrations` and what we know about it.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct FailedMigration {
    pub name: String,
    /// The ledger row's id (one migration can have several failed rows).
    pub row_id: String,
    /// ISO 8601, UTC.
    pub started_at: String,
    /// The error text Prisma stored when the migration failed.
    pub logs: String,
    /// The SQLSTATE found in `logs`, when present.
    pub error_code: Option<String>,
    /// The PostgreSQL error message found in `logs`, when present.
    pub database_error: Option<String>,
    /// Whether migration.sql differs from the checksum recorded on the failed row;
    /// absent when the migration folder is gone.
    pub script_changed: Option<bool>,
    pub exists_locally: bool,
    /// Why it failed, named, with the fix.
    pub cause: CauseInfo,
    /// How the deploy ran the script: it decides which prefixes of it the database can hold.
    pub execution: Execution,
    /// Where `execution` came from (the logs, the prismaVersion option, the installed Prisma, ...).
    pub execution_source: String,
    pub execution_note: String,
    /// How many leading statements are applied, when the evidence decides it: 0 for
    /// not-applied, all of them for fully-applied.
    pub applied_statements: Option<u32>,
    /// Every prefix length `k` (statements `0..k` applied) that the live catalog and the
    /// execution model allow, ascending; empty when none does (conflicting) or there is no script.
    pub matching_prefixes: Vec<u32>,
    /// The statement the logs say failed, when they say it.
    pub failing_statement: Option<u32>,
    /// Each statement of the local migration.sql and what the live catalog says about it.
    pub statements: Vec<StatementEvidence>,
    pub verdict: Verdict,
    pub verdict_reason: String,
    /// What the evidence supports doing.
    pub action: Action,
    pub action_reason: String,
    /// The commands that would resolve it, in order.
    pub commands: Vec<String>,
}

/// The result of `diagnose()`: read-only, never writes.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// `prisma migrate deploy` would stop with P3009.
    pub blocked: bool,
    pub has_migrations_table: bool,
    /// Failed rows, in `started_at` order (the order P3009 lists them).
    pub failed: Vec<FailedMigration>,
    /// Names of the failed rows, as `prisma migrate status` lists them (repeats possible).
    pub failed_migration_names: Vec<String>,
    /// Local migrations whose script differs from the checksum in the ledger.
    pub edited_migration_names: Vec<String>,
    /// Local migrations `migrate deploy` would apply next.
    pub unapplied_migration_names: Vec<String>,
    /// Migrations recorded in the database with no local folder.
    pub missing_locally_names: Vec<String>,
    pub applied_migration_names: Vec<String>,
    /// No ledger but a non-empty schema: `migrate deploy` stops with P3005 until it is baselined.
    pub needs_baseline: bool,
    /// When `needsBaseline`: the leading local migrations whose changes are all already in the
    /// database (evidence, per statement), i.e. what to `resolve --applied` to baseline.
    pub baseline_migration_names: Vec<String>,
    pub findings: Vec<Finding>,
    pub database: DatabaseInfo,
    pub migrations_dir: String,
    /// The human-readable report (what the CLI prints); safe to log as is.
    pub summary: String,
}

#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveAs {
    Applied,
    RolledBack,
}

impl ResolveAs {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveAs::Applied => "applied",
            ResolveAs::RolledBack => "rolled-back",
        }
    }
}

#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerChangeKind {
    /// `CREATE TABLE _prisma_migrations` (resolve --applied on a database without one).
    CreateTable,
    /// `rolled_back_at = now()` on a failed row.
    MarkRolledBack,
    /// A new finished row, as `prisma migrate resolve --applied` writes it.
    InsertApplied,
    /// heal's `complete`: one missing statement of the migration, run in the same transaction.
    RunStatement,
}

#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct LedgerChange {
    pub kind: LedgerChangeKind,
    pub migration_name: String,
    /// The row changed or inserted (absent for create-table).
    pub row_id: Option<String>,
    /// The checksum written (insert-applied only).
    pub checksum: Option<String>,
    /// The statement run (run-statement only).
    pub sql: Option<String>,
}

/// The result of `resolve()`.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct ResolveOutcome {
    pub migration: String,
    pub r#as: ResolveAs,
    pub dry_run: bool,
    /// The ledger writes, in order (planned ones when dryRun).
    pub changes: Vec<LedgerChange>,
    /// Whether the advisory lock was taken (false when disabled by
    /// PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK or for a dry run).
    pub locked: bool,
    pub summary: String,
}

impl LedgerChange {
    pub fn describe(&self) -> String {
        match self.kind {
            LedgerChangeKind::CreateTable => "create the _prisma_migrations table".to_string(),
            LedgerChangeKind::MarkRolledBack => format!(
                "mark the failed row {} of `{}` as rolled back",
                self.row_id.as_deref().unwrap_or("?"),
                self.migration_name
            ),
            LedgerChangeKind::RunStatement => format!(
                "run the missing statement of `{}`: {}",
                self.migration_name,
                self.sql
                    .as_deref()
                    .and_then(|s| s.lines().next())
                    .unwrap_or("")
            ),
            LedgerChangeKind::InsertApplied => format!(
                "record `{}` as applied (new row {}, checksum {})",
                self.migration_name,
                self.row_id.as_deref().unwrap_or("?"),
                self.checksum
                    .as_deref()
                    .map(|c| &c[..c.len().min(12)])
                    .unwrap_or("?")
            ),
        }
    }
}

pub fn render_resolve(outcome: &ResolveOutcome) -> String {
    let mut out = String::new();
    let verb = if outcome.dry_run { "Would" } else { "Did" };
    if outcome.changes.is_empty() {
        out.push_str(&format!(
            "Nothing to change: `{}` is already resolved as {}.\n",
            outcome.migration,
            outcome.r#as.as_str()
        ));
    } else {
        out.push_str(&format!(
            "{verb} resolve `{}` as {}:\n",
            outcome.migration,
            outcome.r#as.as_str()
        ));
        for change in &outcome.changes {
            out.push_str(&format!("  - {}\n", change.describe()));
        }
    }
    if outcome.dry_run {
        out.push_str("Dry run: nothing was written.\n");
    }
    out
}

/// The report the CLI prints and `Diagnosis.summary` carries.
pub fn render_diagnosis(d: &Diagnosis) -> String {
    let mut out = String::new();
    let db = &d.database;
    out.push_str(&format!(
        "Database: {} (PostgreSQL {}), schema \"{}\"\n          from {}\nMigrations: {}\n          from {}\n\n",
        db.url, db.server_version, db.schema, db.url_source, d.migrations_dir, db.migrations_dir_source
    ));
    if d.blocked {
        out.push_str(&format!(
            "BLOCKED: `prisma migrate deploy` stops with P3009: {} failed migration row(s).\n",
            d.failed.len()
        ));
    } else if d.needs_baseline {
        out.push_str(&format!(
            "BLOCKED: `prisma migrate deploy` stops with P3005: schema \"{}\" is not empty and has no _prisma_migrations table.\n",
            db.schema
        ));
        if d.baseline_migration_names.is_empty() {
            out.push_str("  None of the migrations is fully present in the database: compare it with the migrations before baselining.\n");
        } else {
            out.push_str("  These migrations are already fully in the database; baseline with:\n");
            for name in &d.baseline_migration_names {
                out.push_str(&format!(
                    "    npx prisma migrate resolve --applied {name}\n"
                ));
            }
            out.push_str("    npx prisma migrate deploy\n");
        }
    } else if !d.has_migrations_table {
        out.push_str(
            "OK: no _prisma_migrations table yet; `prisma migrate deploy` will create it.\n",
        );
    } else {
        out.push_str("OK: no failed migrations; `prisma migrate deploy` can proceed.\n");
    }
    for f in &d.failed {
        out.push_str(&format!("\n✗ {} (started {})\n", f.name, f.started_at));
        match (&f.database_error, &f.error_code) {
            (Some(msg), Some(code)) => {
                out.push_str(&format!("  error:   {msg} (SQLSTATE {code})\n"))
            }
            (Some(msg), None) => out.push_str(&format!("  error:   {msg}\n")),
            (None, Some(code)) => out.push_str(&format!("  error:   SQLSTATE {code}\n")),
            (None, None) => {
                let first = f
                    .logs
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("(no logs recorded)");
                out.push_str(&format!("  error:   {first}\n"));
            }
        }
        out.push_str(&format!(
            "  cause:   {} [{}]\n",
            f.cause.title, f.cause.code
        ));
        match f.script_changed {
            Some(true) => out.push_str("  script:  migration.sql changed since it failed\n"),
            Some(false) => out.push_str("  script:  migration.sql unchanged since it failed\n"),
            None => out.push_str("  script:  the migration folder is missing locally\n"),
        }
        out.push_str(&format!(
            "  ran as:  {} ({})\n",
            f.execution.as_str(),
            f.execution_source
        ));
        if !f.statements.is_empty() {
            out.push_str("  evidence:\n");
            for st in &f.statements {
                let first_line = st.sql.lines().next().unwrap_or("").trim();
                let shown: String = first_line.chars().take(70).collect();
                let ellipsis = if shown.len() < st.sql.trim().len() {
                    " …"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "    #{:<2} {:<12} {shown}{ellipsis}\n",
                    st.index,
                    st.effect.as_str()
                ));
                if let Some(detail) = &st.detail {
                    if st.effect != Effect::Present {
                        out.push_str(&format!("        {detail}\n"));
                    }
                }
            }
        }
        out.push_str(&format!(
            "  verdict: {} — {}\n",
            f.verdict.as_str(),
            f.verdict_reason
        ));
        out.push_str(&format!(
            "  action:  {} — {}\n",
            f.action.as_str(),
            f.action_reason
        ));
        if !f.cause.explanation.is_empty() {
            out.push_str(&format!("  why:     {}\n", f.cause.explanation));
        }
        if !f.cause.fix.is_empty() {
            out.push_str("  fix:\n");
            for line in f.cause.fix.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
        if !f.commands.is_empty() {
            out.push_str("  to resolve:\n");
            for c in &f.commands {
                out.push_str(&format!("    {c}\n"));
            }
        }
    }
    let other: Vec<&Finding> = d
        .findings
        .iter()
        .filter(|f| f.code != "failed-migration")
        .collect();
    if !other.is_empty() {
        out.push_str("\nFindings:\n");
        for f in other {
            out.push_str(&format!("  [{}] {}\n", f.severity.as_str(), f.message));
        }
    }
    if !d.unapplied_migration_names.is_empty() {
        out.push_str(&format!(
            "\nPending (deploy would apply next): {}\n",
            d.unapplied_migration_names.join(", ")
        ));
    }
    out
}

/// What the live catalog says about one statement of a failed migration.
#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Every change the statement makes is in the database, with the statement's shape.
    Present,
    /// None of its changes are in the database.
    Absent,
    /// Its object exists with another shape (type, nullability, columns, kind).
    Conflicting,
    /// Data changes, DO blocks and anything not parsed with confidence, whose state the
    /// statements around it do not decide: never guessed.
    Unverifiable,
    /// The catalog looks the same whether or not it ran (and the statements around it do not
    /// decide).
    Unknown,
}

#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct StatementEvidence {
    pub index: u32,
    pub sql: String,
    pub effect: Effect,
    /// Why it is unverifiable or conflicting, or which part is missing.
    pub detail: Option<String>,
    /// `IF NOT EXISTS` / `OR REPLACE` / `IF EXISTS`: present either way, so it proves nothing.
    pub idempotent: bool,
    /// BEGIN / COMMIT / ROLLBACK / SAVEPOINT in the script itself.
    pub transaction_control: bool,
    /// Why it cannot run inside a transaction block (CONCURRENTLY, VACUUM, ...), if so.
    pub non_transactional: Option<String>,
}

#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every verifiable change is absent.
    NotApplied,
    /// Every change is present with the right shape.
    FullyApplied,
    /// Some changes are present, some absent.
    PartiallyApplied,
    /// An object exists with another shape than the migration creates.
    Conflicting,
    /// Too much cannot be verified to decide.
    Unknown,
}

#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Mark rolled back; the next deploy runs the script again.
    Retry,
    /// Mark applied: every change is already in the database.
    MarkApplied,
    /// Run the missing statements, then mark applied.
    Complete,
    /// Undo the statements that ran, then mark rolled back.
    Revert,
    /// The script is wrong for this database: fix it, then retry.
    FixScript,
    /// The data blocks the script (duplicates, NULLs, orphans): fix the data, then retry.
    FixData,
    /// Needs a person: the evidence does not support an automatic choice.
    Manual,
}

#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Execution {
    /// The native engine ran the script as one implicit transaction: a failure left no trace.
    AllOrNothing,
    /// Statements ran one by one (driver adapters, or the script's own COMMITs): earlier ones may persist.
    StatementByStatement,
    /// The logs do not say which engine ran it.
    Unknown,
}

impl Execution {
    pub fn as_str(self) -> &'static str {
        match self {
            Execution::AllOrNothing => "one transaction",
            Execution::StatementByStatement => "statement by statement",
            Execution::Unknown => "unknown",
        }
    }
}

/// Why the migration failed, named.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct CauseInfo {
    /// Stable identifier, e.g. `foreign-dialect`, `object-already-exists`, `lock-timeout`.
    pub code: String,
    pub title: String,
    pub explanation: String,
    pub fix: String,
    /// A retry of the unchanged script may succeed (timeouts, deadlocks, lost connections).
    pub transient: bool,
    /// The object named by the error, when known.
    pub object: Option<String>,
}

/// What `heal` may do. `complete` (off by default) runs a partially applied migration's missing
/// statements and records it applied, in one transaction; `revert` is accepted and always
/// refused: heal never drops what a migration created.
#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealAllow {
    Retry,
    MarkApplied,
    Complete,
    Revert,
}

impl HealAllow {
    pub fn as_str(self) -> &'static str {
        match self {
            HealAllow::Retry => "retry",
            HealAllow::MarkApplied => "mark-applied",
            HealAllow::Complete => "complete",
            HealAllow::Revert => "revert",
        }
    }
}

/// What heal decided for one failed migration.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct HealDecision {
    pub migration: String,
    pub action: Action,
    /// The ledger was changed for it (or would be, for a dry run).
    pub resolved: bool,
    /// Why heal acted, or why it refused.
    pub reason: String,
    /// What to run by hand when heal refused.
    pub commands: Vec<String>,
    pub changes: Vec<LedgerChange>,
}

/// The result of `heal()`.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct HealOutcome {
    pub dry_run: bool,
    /// Deploy would still stop with P3009 after this heal (for a dry run: if the plan were carried out).
    pub blocked: bool,
    pub locked: bool,
    pub decisions: Vec<HealDecision>,
    /// The diagnosis heal decided on (taken under the lock).
    pub diagnosis: Diagnosis,
    pub summary: String,
}

pub fn render_heal(outcome: &HealOutcome) -> String {
    let mut out = String::new();
    if outcome.diagnosis.needs_baseline {
        out.push_str("REFUSED: heal does not baseline a database.\n");
        out.push_str(&render_diagnosis(&outcome.diagnosis));
        return out;
    }
    if outcome.decisions.is_empty() {
        out.push_str("OK: no failed migrations; nothing to heal.\n");
        return out;
    }
    let verb = if outcome.dry_run {
        "would resolve"
    } else {
        "resolved"
    };
    for d in &outcome.decisions {
        if d.resolved {
            out.push_str(&format!(
                "✓ {} — {verb} ({}): {}\n",
                d.migration,
                d.action.as_str(),
                d.reason
            ));
            for c in &d.changes {
                out.push_str(&format!("    - {}\n", c.describe()));
            }
        } else {
            out.push_str(&format!(
                "✗ {} — refused ({}): {}\n",
                d.migration,
                d.action.as_str(),
                d.reason
            ));
            for c in &d.commands {
                out.push_str(&format!("    {c}\n"));
            }
        }
    }
    out.push('\n');
    out.push_str(match (outcome.blocked, outcome.dry_run) {
        (true, _) => "REFUSED: deploy stays blocked until the migrations above are resolved by hand.\n",
        (false, true) => "OK (dry run): carrying out this plan would unblock `prisma migrate deploy`. Nothing was written.\n",
        (false, false) => "HEALED: `prisma migrate deploy` can proceed.\n",
    });
    out
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::MarkApplied => "mark-applied",
            Action::Complete => "complete",
            Action::Revert => "revert",
            Action::FixScript => "fix-script",
            Action::FixData => "fix-data",
            Action::Manual => "manual",
        }
    }
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotApplied => "not-applied",
            Verdict::FullyApplied => "fully-applied",
            Verdict::PartiallyApplied => "partially-applied",
            Verdict::Conflicting => "conflicting",
            Verdict::Unknown => "unknown",
        }
    }
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Present => "present",
            Effect::Absent => "absent",
            Effect::Conflicting => "conflicting",
            Effect::Unverifiable => "unverifiable",
            Effect::Unknown => "unknown",
        }
    }
}
