//! The napi layer: options in, typed objects out, errors with stable codes. No logic here.
//!
//! Async functions cannot reject with a custom `code`, so errors carry it as a `[CODE] ` prefix
//! that `lib/index.js` moves onto `err.code`.

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::error::DoctorError;
use crate::fleet::{FleetProgress, FleetReport, FleetRequest, Mode as FleetMode};
use crate::project::Options;
use crate::report::{Diagnosis, HealAllow, HealOutcome, ResolveAs, ResolveOutcome};

/// Where to look and how to connect. Every field is optional.
#[napi(object)]
#[derive(Default)]
pub struct DoctorOptions {
    /// PostgreSQL connection URL (Prisma style, e.g. `?schema=`); default: found as Prisma finds it
    /// (prisma.config.*, the schema's directUrl/url, .env files, DATABASE_URL).
    pub url: Option<String>,
    /// Project root; default: the current directory.
    pub cwd: Option<String>,
    /// Path to schema.prisma (or a folder of .prisma files); the migrations folder is beside it.
    pub schema: Option<String>,
    /// Migrations folder; default: next to the schema, else `prisma/migrations` under `cwd`.
    pub migrations_dir: Option<String>,
    /// Connection timeout in milliseconds; default: the URL's connect_timeout, else 5000.
    pub connect_timeout_ms: Option<u32>,
    /// How long to wait for Prisma's advisory lock, in milliseconds; default 10000.
    pub lock_timeout_ms: Option<u32>,
    /// The Prisma version that ran (or runs) `migrate deploy`, e.g. `6.19.3` or `7.10.1`; it
    /// decides how the failed script ran (one transaction, or statement by statement). Default:
    /// the version installed under `cwd` (node_modules, then the lockfile, then package.json).
    pub prisma_version: Option<String>,
    /// A loaded Prisma config file (filled in by the JS wrapper, lib/config.js, from the project's
    /// own `@prisma/config`); explicit options win over it.
    pub prisma_config: Option<crate::project::PrismaConfigInput>,
    /// diagnose(): keep the (plaintext) connection open for 5 seconds so that a next call with
    /// the same settings starts on it. Default false: a kept session would make `DROP DATABASE`
    /// or `CREATE DATABASE ... TEMPLATE` of that database wait, then fail, meanwhile.
    pub keep_connection: Option<bool>,
}

/// Options of `resolve()`: the DoctorOptions plus what to resolve.
#[napi(object)]
pub struct ResolveOptions {
    pub url: Option<String>,
    pub cwd: Option<String>,
    pub schema: Option<String>,
    pub migrations_dir: Option<String>,
    pub connect_timeout_ms: Option<u32>,
    pub lock_timeout_ms: Option<u32>,
    /// The Prisma version that ran (or runs) `migrate deploy`, e.g. `6.19.3` or `7.10.1`; it
    /// decides how the failed script ran (one transaction, or statement by statement). Default:
    /// the version installed under `cwd` (node_modules, then the lockfile, then package.json).
    pub prisma_version: Option<String>,
    /// The migration's folder name, e.g. `20240530213853_create_session_table`.
    pub migration: String,
    /// `applied` (like `prisma migrate resolve --applied`) or `rolled-back`.
    pub r#as: ResolveAs,
    /// Plan only: return the ledger changes that would be made, write nothing.
    pub dry_run: Option<bool>,
    /// Write even through a URL that looks like a transaction-mode pooler (default false).
    pub allow_pooler: Option<bool>,
    /// A loaded Prisma config file (filled in by the JS wrapper, lib/config.js, from the project's
    /// own `@prisma/config`); explicit options win over it.
    pub prisma_config: Option<crate::project::PrismaConfigInput>,
}

/// Options of `heal()`: the DoctorOptions plus the policy.
#[napi(object)]
#[derive(Default)]
pub struct HealOptions {
    pub url: Option<String>,
    pub cwd: Option<String>,
    pub schema: Option<String>,
    pub migrations_dir: Option<String>,
    pub connect_timeout_ms: Option<u32>,
    pub lock_timeout_ms: Option<u32>,
    /// The Prisma version that ran (or runs) `migrate deploy`, e.g. `6.19.3` or `7.10.1`; it
    /// decides how the failed script ran (one transaction, or statement by statement). Default:
    /// the version installed under `cwd` (node_modules, then the lockfile, then package.json).
    pub prisma_version: Option<String>,
    /// Plan only: report what heal would do, write nothing.
    pub dry_run: Option<bool>,
    /// What heal may do; default `['retry', 'mark-applied']`. `complete` must be allowed
    /// explicitly; `revert` is always refused.
    pub allow: Option<Vec<HealAllow>>,
    /// Write even through a URL that looks like a transaction-mode pooler (default false).
    pub allow_pooler: Option<bool>,
    /// A loaded Prisma config file (filled in by the JS wrapper, lib/config.js, from the project's
    /// own `@prisma/config`); explicit options win over it.
    pub prisma_config: Option<crate::project::PrismaConfigInput>,
}

macro_rules! core_options {
    ($o:expr, $allow_pooler:expr) => {
        Options {
            url: $o.url,
            cwd: $o.cwd.map(Into::into),
            schema: $o.schema.map(Into::into),
            migrations_dir: $o.migrations_dir.map(Into::into),
            connect_timeout_ms: $o.connect_timeout_ms,
            lock_timeout_ms: $o.lock_timeout_ms,
            prisma_version: $o.prisma_version,
            allow_pooler: $allow_pooler,
            prisma_config: $o.prisma_config,
        }
    };
}

/// Runs the core on its own task so that a bug (a panic) becomes an `E_INTERNAL` rejection
/// instead of crossing into JS. The panic's text is not shown: it could quote user input.
async fn run<T: Send + 'static>(
    work: impl std::future::Future<Output = crate::error::Result<T>> + Send + 'static,
) -> Result<T> {
    match tokio::spawn(work).await {
        Ok(result) => result.map_err(to_napi_error),
        Err(join) => Err(Error::new(
            Status::GenericFailure,
            format!(
                "[E_INTERNAL] prisma-migrate-doctor stopped on an internal error ({}); nothing was written after it. \
                 Please report it with the output of `prisma-migrate-doctor diagnose --json`.",
                if join.is_panic() { "panic" } else { "cancelled" }
            ),
        )),
    }
}

/// The one error mapping: code prefix + message with its cause chain.
fn to_napi_error(err: DoctorError) -> Error {
    Error::new(
        Status::GenericFailure,
        format!("[{}] {}", err.code.as_str(), err.full_message()),
    )
}

/// Reads the ledger, the migrations folder and the live schema, and says why deploy is blocked
/// and what would resolve it. Never writes.
#[napi]
pub async fn diagnose(options: Option<DoctorOptions>) -> Result<Diagnosis> {
    let o = options.unwrap_or_default();
    let keep = o.keep_connection.unwrap_or(false);
    let options = core_options!(o, false);
    run(async move {
        if keep {
            crate::diagnose::diagnose_reusing(&options).await
        } else {
            crate::diagnose::diagnose(&options).await
        }
    })
    .await
}

/// Marks a migration applied or rolled back exactly as `prisma migrate resolve` does, under
/// Prisma's advisory lock, in one transaction.
#[napi]
pub async fn resolve(options: ResolveOptions) -> Result<ResolveOutcome> {
    let (migration, resolve_as, dry_run) =
        (options.migration.clone(), options.r#as, options.dry_run);
    let core = core_options!(options, options.allow_pooler.unwrap_or(false));
    run(async move {
        crate::action::resolve::resolve(&core, &migration, resolve_as, dry_run.unwrap_or(false))
            .await
    })
    .await
}

/// Resolves failed migrations only where the evidence proves it safe; refuses and explains
/// everything else. Meant for `prestart` hooks.
#[napi]
pub async fn heal(options: Option<HealOptions>) -> Result<HealOutcome> {
    let o = options.unwrap_or_default();
    let (dry_run, allow) = (o.dry_run.unwrap_or(false), o.allow.clone());
    let core = core_options!(o, o.allow_pooler.unwrap_or(false));
    run(async move { crate::action::heal::heal(&core, dry_run, allow.as_deref()).await }).await
}

/// Options of `diagnoseMany()`: the project (as for `diagnose()`) and its targets.
#[napi(object)]
#[derive(Default)]
pub struct FleetOptions {
    /// The base URL: schema-name targets and `schemas` are read in its database. Default: found as
    /// for `diagnose()`.
    pub url: Option<String>,
    pub cwd: Option<String>,
    /// Path to schema.prisma (the Prisma schema file, not a database schema).
    pub schema: Option<String>,
    pub migrations_dir: Option<String>,
    pub connect_timeout_ms: Option<u32>,
    pub lock_timeout_ms: Option<u32>,
    /// Connection URLs (`postgresql://...`, own `?schema=` honoured) and/or database schema names
    /// in the base URL's database.
    pub targets: Option<Vec<String>>,
    /// A LIKE pattern (e.g. `tenant_%`) over the schemas of the base database that hold
    /// `_prisma_migrations`.
    pub schemas: Option<String>,
    /// Targets in flight at once, one connection each (default 4, at most 64).
    pub concurrency: Option<u32>,
    /// The Prisma version that deploys these targets, as for `diagnose()`.
    pub prisma_version: Option<String>,
    /// Filled in by the JS wrapper from a Prisma 7 config file, as for `diagnose()`.
    pub prisma_config: Option<crate::project::PrismaConfigInput>,
}

/// Options of `healMany()`: the FleetOptions plus heal's policy, applied to each target.
#[napi(object)]
#[derive(Default)]
pub struct HealManyOptions {
    pub url: Option<String>,
    pub cwd: Option<String>,
    pub schema: Option<String>,
    pub migrations_dir: Option<String>,
    pub connect_timeout_ms: Option<u32>,
    pub lock_timeout_ms: Option<u32>,
    pub targets: Option<Vec<String>>,
    pub schemas: Option<String>,
    pub concurrency: Option<u32>,
    pub prisma_version: Option<String>,
    /// Plan only: report what heal would do on each target, write nothing.
    pub dry_run: Option<bool>,
    /// What heal may do; default `['retry', 'mark-applied']`.
    pub allow: Option<Vec<HealAllow>>,
    pub allow_pooler: Option<bool>,
    pub prisma_config: Option<crate::project::PrismaConfigInput>,
}

/// Called once per finished target, on the JS thread; it never blocks the run. (Written out in
/// full in the signatures below: napi's type generator does not follow aliases.)
type ProgressCallback = ThreadsafeFunction<FleetProgress, (), FleetProgress, Status, false, true>;

fn progress_fn(callback: Option<ProgressCallback>) -> Option<crate::fleet::ProgressFn> {
    callback.map(|tsfn| {
        let tsfn = std::sync::Arc::new(tsfn);
        std::sync::Arc::new(move |p: FleetProgress| {
            let _ = tsfn.call(p, ThreadsafeFunctionCallMode::NonBlocking);
        }) as crate::fleet::ProgressFn
    })
}

/// `diagnose()` for many databases or tenant schemas: one aggregated report, blocked targets
/// first. A target's error is its entry; it never stops the run. Never writes.
#[napi]
pub async fn diagnose_many(
    options: FleetOptions,
    on_progress: Option<ThreadsafeFunction<FleetProgress, (), FleetProgress, Status, false, true>>,
) -> Result<FleetReport> {
    let (targets, schemas, concurrency) = (
        options.targets.clone().unwrap_or_default(),
        options.schemas.clone(),
        options.concurrency,
    );
    let request = FleetRequest {
        options: core_options!(options, false),
        targets,
        schemas,
        concurrency,
    };
    let progress = progress_fn(on_progress);
    run(async move { crate::fleet::run(request, FleetMode::Diagnose, progress).await }).await
}

/// `heal()` for many targets, each under Prisma's advisory lock (one database at a time: the
/// lock is per database), each with the same policy.
#[napi]
pub async fn heal_many(
    options: HealManyOptions,
    on_progress: Option<ThreadsafeFunction<FleetProgress, (), FleetProgress, Status, false, true>>,
) -> Result<FleetReport> {
    let (targets, schemas, concurrency) = (
        options.targets.clone().unwrap_or_default(),
        options.schemas.clone(),
        options.concurrency,
    );
    let mode = FleetMode::Heal {
        dry_run: options.dry_run.unwrap_or(false),
        allow: options.allow.clone(),
    };
    let request = FleetRequest {
        options: core_options!(options, options.allow_pooler.unwrap_or(false)),
        targets,
        schemas,
        concurrency,
    };
    let progress = progress_fn(on_progress);
    run(async move { crate::fleet::run(request, mode, progress).await }).await
}
