//! Many databases or tenant schemas at once: `diagnoseMany` / `healMany`.
//!
//! Every target gets exactly what `diagnose()` / `heal()` give one database (the same
//! `diagnose::assemble` and `heal::heal_session`); what the fleet adds is how the work is shared:
//! - the project is discovered and the migrations folder read and hashed ONCE;
//! - connections are reused per server: targets that differ only by schema share a connection,
//!   which switches schema with `SET search_path` (as Prisma's own connections do on connect);
//! - at most `concurrency` targets are in flight, each on its own connection;
//! - a target's error (unreachable server, bad URL, refused write) becomes that target's entry and
//!   never stops the run; a server that cannot be reached is tried once, not once per schema;
//! - writes (healMany) take Prisma's advisory lock around each target, exactly as one
//!   `prisma migrate deploy` per tenant would. That lock (72707369) is one per DATABASE, not per
//!   schema, so the targets of one database are healed one at a time (databases in parallel).
//!
//! Memory: a target's full `Diagnosis` is dropped once its entry (`FleetTarget`: state, failed
//! migrations with their evidence and verdicts, pending names, findings) is taken from it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[cfg(feature = "node")]
use napi_derive::napi;

use crate::connection::{self, Connection, ConnectionSpec};
use crate::diagnose::{self, Session};
use crate::error::{DoctorError, ErrorCode, Result};
use crate::ledger;
use crate::local::LocalMigrations;
use crate::project::{Options, Project};
use crate::report::{Diagnosis, FailedMigration, Finding, HealAllow, HealDecision, HealOutcome};

pub const DEFAULT_CONCURRENCY: usize = 4;
const MAX_CONCURRENCY: usize = 64;

/// Where one target stands; also the order of the report (most urgent first).
#[cfg_attr(feature = "node", napi(string_enum = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetState {
    /// `prisma migrate deploy` stops with P3009 (diagnoseMany).
    Blocked,
    /// healMany could not prove a resolution safe: still blocked.
    Refused,
    /// No ledger but a non-empty schema: deploy stops with P3005.
    NeedsBaseline,
    /// The target could not be diagnosed (see `error`).
    Error,
    /// healMany resolved its failed migrations (or would, for a dry run).
    Healed,
    /// Not blocked; deploy would apply migrations that are not in the ledger yet.
    Behind,
    /// No `_prisma_migrations` and an empty schema: nothing deployed yet.
    NoLedger,
    /// Up to date.
    Healthy,
}

impl TargetState {
    pub const ALL: [TargetState; 8] = [
        TargetState::Blocked,
        TargetState::Refused,
        TargetState::NeedsBaseline,
        TargetState::Error,
        TargetState::Healed,
        TargetState::Behind,
        TargetState::NoLedger,
        TargetState::Healthy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Blocked => "blocked",
            TargetState::Refused => "refused",
            TargetState::NeedsBaseline => "needs-baseline",
            TargetState::Error => "error",
            TargetState::Healed => "healed",
            TargetState::Behind => "behind",
            TargetState::NoLedger => "no-ledger",
            TargetState::Healthy => "healthy",
        }
    }

    /// Deploy cannot proceed on this target as it is.
    pub fn is_blocking(self) -> bool {
        matches!(
            self,
            TargetState::Blocked | TargetState::Refused | TargetState::NeedsBaseline
        )
    }
}

/// A target that could not be diagnosed: the error `diagnose()` would have thrown for it.
#[cfg_attr(feature = "node", napi(object))]
#[derive(Debug, Clone)]
pub struct TargetError {
    pub code: String,
    pub message: String,
}

/// One database or schema of the fleet.
#[cfg_attr(feature = "node", napi(object, use_nullable = true))]
#[derive(Debug, Clone)]
pub struct FleetTarget {
    /// The target as given: a schema name, or the URL with its password replaced by ****.
    pub target: String,
    pub host: String,
    pub port: u32,
    pub database: String,
    /// The schema `_prisma_migrations` is read from.
    pub schema: String,
    pub state: TargetState,
    pub error: Option<TargetError>,
    /// Failed migrations with their evidence, cause, verdict and action, as `diagnose()` has them.
    pub failed: Vec<FailedMigration>,
    pub unapplied_migration_names: Vec<String>,
    pub edited_migration_names: Vec<String>,
    pub missing_locally_names: Vec<String>,
    pub baseline_migration_names: Vec<String>,
    /// How many local migrations are recorded as applied.
    pub applied_count: u32,
    pub has_migrations_table: bool,
    pub findings: Vec<Finding>,
    /// healMany: what heal decided per failed migration (empty for diagnoseMany).
    pub decisions: Vec<HealDecision>,
    /// healMany: Prisma's advisory lock was held while it decided and wrote.
    pub locked: bool,
    pub duration_ms: f64,
}

/// How many targets are in each state.
#[cfg_attr(feature = "node", napi(object))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetCounts {
    pub total: u32,
    pub blocked: u32,
    pub refused: u32,
    pub needs_baseline: u32,
    pub error: u32,
    pub healed: u32,
    pub behind: u32,
    pub no_ledger: u32,
    pub healthy: u32,
}

impl FleetCounts {
    fn add(&mut self, state: TargetState) {
        self.total += 1;
        *match state {
            TargetState::Blocked => &mut self.blocked,
            TargetState::Refused => &mut self.refused,
            TargetState::NeedsBaseline => &mut self.needs_baseline,
            TargetState::Error => &mut self.error,
            TargetState::Healed => &mut self.healed,
            TargetState::Behind => &mut self.behind,
            TargetState::NoLedger => &mut self.no_ledger,
            TargetState::Healthy => &mut self.healthy,
        } += 1;
    }

    pub fn get(&self, state: TargetState) -> u32 {
        match state {
            TargetState::Blocked => self.blocked,
            TargetState::Refused => self.refused,
            TargetState::NeedsBaseline => self.needs_baseline,
            TargetState::Error => self.error,
            TargetState::Healed => self.healed,
            TargetState::Behind => self.behind,
            TargetState::NoLedger => self.no_ledger,
            TargetState::Healthy => self.healthy,
        }
    }
}

/// The result of `diagnoseMany()` / `healMany()`.
#[cfg_attr(feature = "node", napi(object))]
#[derive(Debug, Clone)]
pub struct FleetReport {
    /// `diagnose` or `heal`.
    pub mode: String,
    pub dry_run: bool,
    /// Some target cannot deploy as it is (blocked, refused or needs a baseline).
    pub blocked: bool,
    pub counts: FleetCounts,
    /// Every target, most urgent first (blocked, refused, needs-baseline, error, healed, behind,
    /// no-ledger, healthy), in the order given within a state.
    pub targets: Vec<FleetTarget>,
    pub migrations_dir: String,
    /// Local migrations (read and hashed once for the whole run).
    pub local_migrations: u32,
    pub concurrency: u32,
    /// Connections opened for the whole run.
    pub connections: u32,
    pub duration_ms: f64,
    /// The human-readable report (what the CLI prints); no passwords.
    pub summary: String,
}

/// Progress of a run: one call per finished target.
#[cfg_attr(feature = "node", napi(object))]
#[derive(Debug, Clone)]
pub struct FleetProgress {
    pub done: u32,
    pub total: u32,
    pub target: String,
    pub state: TargetState,
}

/// What to do to each target.
#[derive(Debug, Clone)]
pub enum Mode {
    Diagnose,
    Heal {
        dry_run: bool,
        allow: Option<Vec<HealAllow>>,
    },
}

/// A fleet run: the project (`options`: cwd, schema, migrationsDir, the base URL, timeouts) and
/// its targets: URLs and schema names (`targets`), and/or a LIKE pattern over the schemas of the
/// base database that hold `_prisma_migrations` (`schemas`).
#[derive(Debug, Clone, Default)]
pub struct FleetRequest {
    pub options: Options,
    pub targets: Vec<String>,
    pub schemas: Option<String>,
    pub concurrency: Option<u32>,
}

pub type ProgressFn = Arc<dyn Fn(FleetProgress) + Send + Sync>;

/// A target once parsed: its connection settings and the server it shares connections with.
struct Target {
    label: String,
    spec: std::result::Result<ConnectionSpec, TargetError>,
    server: usize,
}

/// Targets that can share a connection: the same URL but for the schema.
struct Server {
    idle: Mutex<Vec<Connection>>,
    /// A failure to connect, given to every later target of this server without retrying.
    unreachable: Mutex<Option<TargetError>>,
    remaining: Mutex<usize>,
    /// Prisma's advisory lock is per database: one write at a time per database (healMany).
    write_turn: Arc<tokio::sync::Mutex<()>>,
}

/// Looks like a connection URL rather than a schema name.
pub fn is_url(target: &str) -> bool {
    let lower = target.trim_start().to_ascii_lowercase();
    lower.starts_with("postgresql://") || lower.starts_with("postgres://")
}

/// The URL without its `schema` parameter, parameters sorted: targets with the same key can use
/// the same connection (after `SET search_path`).
fn server_key(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(mut u) => {
            let mut pairs: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "schema")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            pairs.sort();
            u.set_query(None);
            if !pairs.is_empty() {
                u.query_pairs_mut().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) => raw.trim().to_string(),
    }
}

fn target_error(err: &DoctorError) -> TargetError {
    TargetError {
        code: err.code.as_str().to_string(),
        message: err.full_message(),
    }
}

/// Failures that say the server as a whole cannot be used (every schema would fail the same).
fn is_server_failure(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::P1000 | ErrorCode::P1001 | ErrorCode::P1003 | ErrorCode::P1011 | ErrorCode::Tls
    )
}

/// The project once for the whole fleet. When every target is a URL, the project needs no URL
/// of its own (only its migrations folder): the first target stands in for it during discovery.
/// Schema names and patterns are read in the project's database, so they still need its URL.
fn prepare(request: &FleetRequest) -> Result<diagnose::Prepared> {
    let targets: Vec<&str> = request
        .targets
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let only_urls = request.schemas.is_none() && targets.iter().all(|t| is_url(t));
    match diagnose::prepare(&request.options) {
        Err(e) if e.code == ErrorCode::Config && request.options.url.is_none() && only_urls => {
            let Some(first) = targets.first() else {
                return Err(e);
            };
            let mut options = request.options.clone();
            options.url = Some((*first).to_string());
            diagnose::prepare(&options).map_err(|_| e)
        }
        other => other,
    }
}

/// The schemas of the base database that hold a ledger and match the LIKE `pattern`.
async fn schemas_matching(conn: &Connection, pattern: &str) -> Result<Vec<String>> {
    let rows = conn
        .client
        .query_typed(
            "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relname = '_prisma_migrations' AND c.relkind IN ('r', 'p') AND n.nspname LIKE $1
              ORDER BY 1",
            &[(&pattern, tokio_postgres::types::Type::TEXT)],
        )
        .await
        .map_err(|e| DoctorError::database("listing the schemas that match the pattern", e))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

struct Plan {
    targets: Vec<Target>,
    servers: Vec<Server>,
    /// A connection already open to the base server (made to list schemas): reused.
    base_connection: Option<(usize, Connection)>,
}

async fn plan(
    request: &FleetRequest,
    project: &Project,
    base: &ConnectionSpec,
    connect_timeout: Option<std::time::Duration>,
) -> Result<Plan> {
    let mut server_ids: HashMap<String, usize> = HashMap::new();
    let mut write_turns: HashMap<String, Arc<tokio::sync::Mutex<()>>> = HashMap::new();
    let mut servers: Vec<Server> = Vec::new();
    let mut server_for = |key: String, spec: Option<&ConnectionSpec>| -> usize {
        if let Some(&id) = server_ids.get(&key) {
            return id;
        }
        let database = spec
            .map(|s| format!("{}/{}", s.address(), s.database))
            .unwrap_or_else(|| key.clone());
        let write_turn = write_turns.entry(database).or_default().clone();
        servers.push(Server {
            idle: Mutex::new(Vec::new()),
            unreachable: Mutex::new(None),
            remaining: Mutex::new(0),
            write_turn,
        });
        server_ids.insert(key, servers.len() - 1);
        servers.len() - 1
    };
    let base_key = server_key(&project.url);
    let mut targets: Vec<Target> = Vec::new();
    let mut seen: std::collections::HashSet<(usize, String)> = Default::default();
    let mut push =
        |targets: &mut Vec<Target>, label: String, spec: Result<ConnectionSpec>, server: usize| {
            match spec {
                Ok(spec) => {
                    if seen.insert((server, spec.schema.clone())) {
                        targets.push(Target {
                            label,
                            spec: Ok(spec),
                            server,
                        });
                    }
                }
                Err(e) => targets.push(Target {
                    label,
                    spec: Err(target_error(&e)),
                    server,
                }),
            }
        };
    for raw in &request.targets {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        if is_url(raw) {
            let spec = ConnectionSpec::parse(raw).map(|mut s| {
                s.resolve_relative_paths(&project.cert_base_dirs());
                s
            });
            let label = match &spec {
                Ok(s) => s.redacted_url(),
                Err(_) => "(a URL that could not be parsed)".to_string(),
            };
            let server = server_for(server_key(raw), spec.as_ref().ok());
            push(&mut targets, label, spec, server);
        } else {
            let mut spec = base.clone();
            spec.schema = raw.to_string();
            let server = server_for(base_key.clone(), Some(base));
            push(&mut targets, raw.to_string(), Ok(spec), server);
        }
    }
    let mut base_connection = None;
    if let Some(pattern) = &request.schemas {
        // The pattern needs the base database itself: failing to reach it fails the run.
        let conn = connection::connect(base, connect_timeout).await?;
        let server = server_for(base_key.clone(), Some(base));
        for schema in schemas_matching(&conn, pattern).await? {
            let mut spec = base.clone();
            spec.schema = schema.clone();
            push(&mut targets, schema, Ok(spec), server);
        }
        base_connection = Some((server, conn));
    }
    for t in &targets {
        if let Ok(mut remaining) = servers[t.server].remaining.lock() {
            *remaining += 1;
        }
    }
    Ok(Plan {
        targets,
        servers,
        base_connection,
    })
}

/// Runs `mode` over every target of `request`. Errors only for what concerns the whole run (the
/// project, the migrations folder, the base database a `schemas` pattern is listed from).
pub async fn run(
    request: FleetRequest,
    mode: Mode,
    progress: Option<ProgressFn>,
) -> Result<FleetReport> {
    let started = Instant::now();
    if request.targets.iter().all(|t| t.trim().is_empty()) && request.schemas.is_none() {
        return Err(DoctorError::invalid_arg(
            "No targets: pass targets (URLs or schema names) and/or schemas (a LIKE pattern, e.g. \"tenant_%\"). \
             CLI: --targets FILE or --schemas PATTERN.",
        ));
    }
    let concurrency = request
        .concurrency
        .map(|c| c as usize)
        .unwrap_or(DEFAULT_CONCURRENCY);
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        return Err(DoctorError::invalid_arg(format!(
            "concurrency must be between 1 and {MAX_CONCURRENCY}, not {concurrency}."
        )));
    }
    let prepared = prepare(&request)?;
    let connect_timeout = request
        .options
        .connect_timeout_ms
        .map(|ms| std::time::Duration::from_millis(u64::from(ms)));
    let Plan {
        targets,
        servers,
        base_connection,
    } = plan(&request, &prepared.project, &prepared.spec, connect_timeout).await?;
    let opened = Arc::new(Mutex::new(u32::from(base_connection.is_some())));
    if let Some((server, conn)) = base_connection {
        if let Ok(mut idle) = servers[server].idle.lock() {
            idle.push(conn);
        }
    }
    let prisma = Arc::new(crate::execution::LazyPrisma::new(
        request.options.prisma_version.as_deref(),
        &prepared.project.root,
    ));
    let shared = Arc::new(Shared {
        prisma,
        project: Arc::new(prepared.project),
        local: Arc::new(prepared.local),
        options: request.options.clone(),
        mode: mode.clone(),
        targets,
        servers,
        queue: Mutex::new(VecDeque::new()),
        results: Mutex::new(Vec::new()),
        done: Mutex::new(0),
        opened: opened.clone(),
        progress,
        connect_timeout,
    });
    let total = shared.targets.len();
    if let (Ok(mut q), Ok(mut r)) = (shared.queue.lock(), shared.results.lock()) {
        q.extend(0..total);
        r.resize_with(total, || None);
    }
    let workers = concurrency.min(total.max(1));
    let mut handles = Vec::with_capacity(workers);
    for _ in 0..workers {
        let shared = shared.clone();
        handles.push(tokio::spawn(async move { worker(shared).await }));
    }
    for h in handles {
        h.await.map_err(|_| {
            DoctorError::new(
                ErrorCode::Internal,
                "A fleet worker stopped on an internal error.",
            )
        })?;
    }
    let results = shared
        .results
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    let mut entries: Vec<FleetTarget> = results.into_iter().flatten().collect();
    entries.sort_by_key(|e| e.state);
    let mut counts = FleetCounts::default();
    for e in &entries {
        counts.add(e.state);
    }
    let (dry_run, mode_name) = match &mode {
        Mode::Diagnose => (false, "diagnose"),
        Mode::Heal { dry_run, .. } => (*dry_run, "heal"),
    };
    let mut report = FleetReport {
        mode: mode_name.to_string(),
        dry_run,
        blocked: entries.iter().any(|e| e.state.is_blocking()),
        counts,
        targets: entries,
        migrations_dir: shared.local.dir.display().to_string(),
        local_migrations: u32::try_from(shared.local.migrations.len()).unwrap_or(u32::MAX),
        concurrency: u32::try_from(concurrency).unwrap_or(u32::MAX),
        connections: opened.lock().map(|n| *n).unwrap_or(0),
        duration_ms: started.elapsed().as_secs_f64() * 1e3,
        summary: String::new(),
    };
    report.summary = render(&report);
    Ok(report)
}

struct Shared {
    prisma: Arc<crate::execution::LazyPrisma>,
    project: Arc<Project>,
    local: Arc<LocalMigrations>,
    options: Options,
    mode: Mode,
    targets: Vec<Target>,
    servers: Vec<Server>,
    queue: Mutex<VecDeque<usize>>,
    results: Mutex<Vec<Option<FleetTarget>>>,
    done: Mutex<u32>,
    opened: Arc<Mutex<u32>>,
    progress: Option<ProgressFn>,
    connect_timeout: Option<std::time::Duration>,
}

async fn worker(shared: Arc<Shared>) {
    loop {
        let next = shared.queue.lock().ok().and_then(|mut q| q.pop_front());
        let Some(index) = next else { break };
        let target = &shared.targets[index];
        let t0 = Instant::now();
        let mut entry = match &target.spec {
            Err(e) => error_entry(target, None, e.clone()),
            Ok(spec) => one_target(&shared, target, spec).await,
        };
        entry.duration_ms = t0.elapsed().as_secs_f64() * 1e3;
        let server = &shared.servers[target.server];
        let last = server
            .remaining
            .lock()
            .map(|mut r| {
                *r = r.saturating_sub(1);
                *r == 0
            })
            .unwrap_or(false);
        if last {
            // No target of this server is left: close its connections now, not at the end.
            if let Ok(mut idle) = server.idle.lock() {
                idle.clear();
            }
        }
        let done = shared
            .done
            .lock()
            .map(|mut d| {
                *d += 1;
                *d
            })
            .unwrap_or(0);
        if let Some(progress) = &shared.progress {
            progress(FleetProgress {
                done,
                total: u32::try_from(shared.targets.len()).unwrap_or(u32::MAX),
                target: entry.target.clone(),
                state: entry.state,
            });
        }
        if let Ok(mut results) = shared.results.lock() {
            results[index] = Some(entry);
        }
    }
}

async fn one_target(shared: &Shared, target: &Target, spec: &ConnectionSpec) -> FleetTarget {
    let server = &shared.servers[target.server];
    if let Some(e) = server.unreachable.lock().ok().and_then(|u| u.clone()) {
        return error_entry(target, Some(spec), e);
    }
    let reused = server.idle.lock().ok().and_then(|mut idle| idle.pop());
    let (conn, fresh) = match reused {
        Some(conn) if !conn.client.is_closed() => (conn, false),
        _ => match connection::connect(spec, shared.connect_timeout).await {
            Ok(conn) => {
                if let Ok(mut n) = shared.opened.lock() {
                    *n += 1;
                }
                (conn, true)
            }
            Err(e) => {
                let err = target_error(&e);
                if is_server_failure(e.code) {
                    if let Ok(mut u) = server.unreachable.lock() {
                        *u = Some(err.clone());
                    }
                }
                return error_entry(target, Some(spec), err);
            }
        },
    };
    let mut session = Session {
        project: shared.project.clone(),
        spec: spec.clone(),
        local: shared.local.clone(),
        conn,
        prisma: shared.prisma.clone(),
    };
    let result = async {
        if !fresh {
            // A fresh connection has it already (connection::connect), as Prisma sets it.
            session
                .conn
                .client
                .batch_execute(&format!(
                    "SET search_path = {}",
                    ledger::quote_ident(&session.spec.schema)
                ))
                .await
                .map_err(|e| DoctorError::database("switching to the schema", e))?;
        }
        match &shared.mode {
            Mode::Diagnose => {
                let rows = ledger::read_rows(&session.conn.client, &session.spec.schema).await?;
                let d = diagnose::assemble(&session, rows.as_deref()).await?;
                Ok(diagnosis_entry(target, d, Vec::new(), false, None))
            }
            Mode::Heal { dry_run, allow } => {
                // Prisma's lock is per database: wait for our own turn first rather than
                // queueing several of our sessions on the server-side lock.
                let turn = if *dry_run {
                    None
                } else {
                    Some(server.write_turn.lock().await)
                };
                let outcome = crate::action::heal::heal_session(
                    &mut session,
                    &shared.options,
                    *dry_run,
                    allow.as_deref(),
                )
                .await;
                drop(turn);
                outcome.map(|o| heal_entry(target, o))
            }
        }
    }
    .await;
    match result {
        Ok(entry) => {
            if !session.conn.client.is_closed() {
                if let Ok(mut idle) = server.idle.lock() {
                    idle.push(session.conn);
                }
            }
            entry
        }
        // After an error the session's state is not known (a lock, a transaction): not reused.
        Err(e) => error_entry(target, Some(spec), target_error(&e)),
    }
}

fn coordinates(spec: Option<&ConnectionSpec>) -> (String, u32, String, String) {
    match spec {
        Some(s) => (
            s.host_display(),
            u32::from(s.port()),
            s.database.clone(),
            s.schema.clone(),
        ),
        None => (String::new(), 0, String::new(), String::new()),
    }
}

fn error_entry(target: &Target, spec: Option<&ConnectionSpec>, error: TargetError) -> FleetTarget {
    let (host, port, database, schema) = coordinates(spec.or(target.spec.as_ref().ok()));
    FleetTarget {
        target: target.label.clone(),
        host,
        port,
        database,
        schema,
        state: TargetState::Error,
        error: Some(error),
        failed: Vec::new(),
        unapplied_migration_names: Vec::new(),
        edited_migration_names: Vec::new(),
        missing_locally_names: Vec::new(),
        baseline_migration_names: Vec::new(),
        applied_count: 0,
        has_migrations_table: false,
        findings: Vec::new(),
        decisions: Vec::new(),
        locked: false,
        duration_ms: 0.0,
    }
}

fn diagnosis_state(d: &Diagnosis) -> TargetState {
    if d.blocked {
        TargetState::Blocked
    } else if d.needs_baseline {
        TargetState::NeedsBaseline
    } else if !d.has_migrations_table {
        TargetState::NoLedger
    } else if !d.unapplied_migration_names.is_empty() {
        TargetState::Behind
    } else {
        TargetState::Healthy
    }
}

fn diagnosis_entry(
    target: &Target,
    d: Diagnosis,
    decisions: Vec<HealDecision>,
    locked: bool,
    state: Option<TargetState>,
) -> FleetTarget {
    let state = state.unwrap_or_else(|| diagnosis_state(&d));
    FleetTarget {
        target: target.label.clone(),
        host: d.database.host,
        port: d.database.port,
        database: d.database.database,
        schema: d.database.schema,
        state,
        error: None,
        applied_count: u32::try_from(d.applied_migration_names.len()).unwrap_or(u32::MAX),
        has_migrations_table: d.has_migrations_table,
        failed: d.failed,
        unapplied_migration_names: d.unapplied_migration_names,
        edited_migration_names: d.edited_migration_names,
        missing_locally_names: d.missing_locally_names,
        baseline_migration_names: d.baseline_migration_names,
        // `failed` carries the failed migrations already.
        findings: d
            .findings
            .into_iter()
            .filter(|f| f.code != "failed-migration")
            .collect(),
        decisions,
        locked,
        duration_ms: 0.0,
    }
}

fn heal_entry(target: &Target, outcome: HealOutcome) -> FleetTarget {
    let state = if outcome.diagnosis.needs_baseline {
        TargetState::NeedsBaseline
    } else if outcome.blocked {
        TargetState::Refused
    } else if outcome.decisions.iter().any(|d| d.resolved) {
        TargetState::Healed
    } else {
        diagnosis_state(&outcome.diagnosis)
    };
    diagnosis_entry(
        target,
        outcome.diagnosis,
        outcome.decisions,
        outcome.locked,
        Some(state),
    )
}

/// The human report: one headline, then every target that is not healthy, most urgent first.
pub fn render(report: &FleetReport) -> String {
    let c = &report.counts;
    let mut out = String::new();
    let noun = |n: u32| if n == 1 { "target" } else { "targets" };
    let headline = if c.total == 0 {
        "NOTHING CHECKED: no target matched.".to_string()
    } else if report.blocked {
        let stuck = c.blocked + c.refused + c.needs_baseline;
        let verb = if report.mode == "heal" {
            "are still blocked after heal"
        } else {
            "cannot deploy"
        };
        format!("BLOCKED: {stuck} of {} {} {verb}.", c.total, noun(c.total))
    } else if c.error > 0 {
        format!(
            "ERRORS: {} of {} {} could not be checked.",
            c.error,
            c.total,
            noun(c.total)
        )
    } else if c.healed > 0 {
        format!(
            "HEALED{}: {} of {} {}; every target can deploy.",
            if report.dry_run { " (dry run)" } else { "" },
            c.healed,
            c.total,
            noun(c.total)
        )
    } else {
        format!("OK: all {} {} can deploy.", c.total, noun(c.total))
    };
    out.push_str(&headline);
    out.push('\n');
    let parts: Vec<String> = TargetState::ALL
        .iter()
        .filter(|s| c.get(**s) > 0)
        .map(|s| format!("{} {}", c.get(*s), s.as_str()))
        .collect();
    if !parts.is_empty() {
        out.push_str(&parts.join(", "));
        out.push(' ');
    }
    out.push_str(&format!(
        "({} migration{} in {}; {} connection{}, concurrency {}, {:.0} ms)\n",
        report.local_migrations,
        if report.local_migrations == 1 {
            ""
        } else {
            "s"
        },
        report.migrations_dir,
        report.connections,
        if report.connections == 1 { "" } else { "s" },
        report.concurrency,
        report.duration_ms
    ));
    for t in report
        .targets
        .iter()
        .filter(|t| t.state != TargetState::Healthy)
    {
        out.push_str(&format!("\n{:<15} {}", t.state.as_str(), t.target));
        if !t.database.is_empty() && t.target == t.schema {
            out.push_str(&format!(" ({})", t.database));
        }
        out.push('\n');
        if let Some(e) = &t.error {
            out.push_str(&format!(
                "  {}: {}\n",
                e.code,
                e.message.lines().next().unwrap_or("")
            ));
        }
        for f in &t.failed {
            out.push_str(&format!(
                "  ✗ {}: {} -> {} ({})\n",
                f.name,
                f.verdict.as_str(),
                f.action.as_str(),
                f.cause.title
            ));
        }
        for d in &t.decisions {
            out.push_str(&format!(
                "  {} {}: {}\n",
                if d.resolved { "healed" } else { "refused" },
                d.migration,
                d.reason
            ));
        }
        if t.state == TargetState::NeedsBaseline && !t.baseline_migration_names.is_empty() {
            out.push_str(&format!(
                "  baseline: {}\n",
                t.baseline_migration_names.join(", ")
            ));
        }
        if !t.unapplied_migration_names.is_empty() {
            out.push_str(&format!(
                "  {} unapplied: {}\n",
                t.unapplied_migration_names.len(),
                abbreviate(&t.unapplied_migration_names)
            ));
        }
    }
    out
}

fn abbreviate(names: &[String]) -> String {
    if names.len() <= 3 {
        names.join(", ")
    } else {
        format!("{}, ... {}", names[..2].join(", "), names[names.len() - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_schema_names() {
        assert!(is_url("postgresql://u@h/db"));
        assert!(is_url("  Postgres://u@h/db"));
        assert!(!is_url("tenant_1"));
        assert!(!is_url("postgresql"));
    }

    #[test]
    fn the_server_key_ignores_the_schema_only() {
        let a = server_key("postgresql://u:p@h:5432/db?schema=a&sslmode=disable");
        let b = server_key("postgresql://u:p@h:5432/db?sslmode=disable&schema=b");
        assert_eq!(a, b);
        assert_ne!(a, server_key("postgresql://u:p@h:5432/other?schema=a"));
        assert_ne!(
            a,
            server_key("postgresql://u:q@h:5432/db?schema=a&sslmode=disable")
        );
    }

    #[test]
    fn states_sort_most_urgent_first() {
        let mut states = vec![
            TargetState::Healthy,
            TargetState::Error,
            TargetState::Blocked,
            TargetState::NoLedger,
        ];
        states.sort();
        assert_eq!(
            states,
            [
                TargetState::Blocked,
                TargetState::Error,
                TargetState::NoLedger,
                TargetState::Healthy
            ]
        );
    }
}
