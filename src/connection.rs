//! Prisma-style PostgreSQL URLs and connections. tokio-postgres's own URL parser rejects Prisma's
//! parameters (`schema`, `pgbouncer`, `sslaccept`, ...), so the URL is parsed here and the
//! `Config` is built by hand. TLS follows libpq's sslmode semantics on rustls.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, NoTls};

use crate::error::{DoctorError, ErrorCode, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp {
        host: String,
        port: u16,
    },
    /// A Unix socket directory (`?host=/var/run/postgresql`); the socket is `.s.PGSQL.<port>`.
    Unix {
        dir: PathBuf,
        port: u16,
    },
}

/// A TLS client certificate and its key.
#[derive(Clone, PartialEq, Eq)]
pub enum ClientIdentity {
    /// A PKCS#12 archive (`sslidentity`) and its password (`sslpassword`, a secret).
    Pkcs12 {
        path: PathBuf,
        password: Option<String>,
    },
    /// PEM certificate chain (`sslcert`) and private key (`sslkey`), as libpq takes them.
    Pem { cert: PathBuf, key: PathBuf },
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientIdentity::Pkcs12 { path, password } => f
                .debug_struct("Pkcs12")
                .field("path", path)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .finish(),
            ClientIdentity::Pem { cert, key } => f
                .debug_struct("Pem")
                .field("cert", cert)
                .field("key", key)
                .finish(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// Everything a Prisma PostgreSQL URL says. `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionSpec {
    pub endpoint: Endpoint,
    pub user: String,
    password: Option<String>,
    pub database: String,
    /// Prisma's `?schema=`: where `_prisma_migrations` and unqualified objects live.
    pub schema: String,
    pub ssl_mode: SslMode,
    /// Prisma's `sslaccept=strict` turns certificate checks on under require/prefer.
    pub ssl_accept_strict: bool,
    /// `sslcert` (Prisma) or `sslrootcert` (libpq): a PEM file of trusted roots.
    pub root_cert: Option<PathBuf>,
    /// A client certificate: `sslidentity` + `sslpassword` (Prisma, PKCS#12), or libpq's
    /// `sslcert` + `sslkey` (PEM) when `sslkey` is given.
    pub client_identity: Option<ClientIdentity>,
    /// `channel_binding` (libpq): disable, prefer (default) or require.
    pub channel_binding: ChannelBinding,
    pub connect_timeout: Option<Duration>,
    pub socket_timeout: Option<Duration>,
    pub application_name: Option<String>,
    pub options: Option<String>,
    pub pgbouncer: bool,
    /// Parameters we do not know; reported as a warning, never fatal.
    pub unknown_params: Vec<String>,
}

impl std::fmt::Debug for ConnectionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSpec")
            .field("endpoint", &self.endpoint)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("database", &self.database)
            .field("schema", &self.schema)
            .field("ssl_mode", &self.ssl_mode)
            .field("root_cert", &self.root_cert)
            .field("client_identity", &self.client_identity)
            .field("pgbouncer", &self.pgbouncer)
            .finish_non_exhaustive()
    }
}

/// Parameters Prisma's PostgreSQL connector understands, all accepted here; those that only
/// tune a query engine pool are accepted and ignored.
const KNOWN_PARAMS: &[&str] = &[
    "schema",
    "sslmode",
    "sslaccept",
    "sslcert",
    "sslrootcert",
    "sslidentity",
    "sslpassword",
    "pgbouncer",
    "connect_timeout",
    "socket_timeout",
    "pool_timeout",
    "connection_limit",
    "statement_cache_size",
    "application_name",
    "options",
    "host",
    "port",
    "user",
    "password",
    "max_connection_lifetime",
    "max_idle_connection_lifetime",
    "single_use_connections",
    "channel_binding",
    "sslkey",
    "dbname",
    "target_session_attrs",
];

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl ConnectionSpec {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        // Never echo the URL itself: it may hold a password.
        let url = url::Url::parse(raw).map_err(|e| {
            DoctorError::config(format!(
                "The database URL is not a valid URL ({e}). Expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE?schema=SCHEMA; \
                 percent-encode special characters in the user and password."
            ))
        })?;
        match url.scheme() {
            "postgres" | "postgresql" => {}
            other => {
                return Err(DoctorError::new(
                    ErrorCode::UnsupportedProvider,
                    format!(
                        "The database URL uses the `{other}` scheme; prisma-migrate-doctor supports PostgreSQL only \
                         (postgresql:// or postgres://)."
                    ),
                ))
            }
        }

        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let mut user = decode(url.username());
        let mut password = url.password().map(decode);
        let mut host = match url.host() {
            Some(url::Host::Ipv6(addr)) => addr.to_string(),
            Some(h) => decode(&h.to_string()),
            None => String::new(),
        };
        let mut port = url.port().unwrap_or(5432);
        let raw_path = url.path().trim_start_matches('/');
        // `postgresql://user:12/34@host/db` parses as host `user`, port 12 and a path that holds
        // the rest of the password (same with `?` and `#`): say what is wrong, echo none of it.
        let malformed = || {
            DoctorError::config(
                "The database URL is malformed: an `@` or `/` ends up in the database name, a parameter or a \
                 fragment, which usually means the password holds a special character (`/`, `#`, `?`, `@`, `:`) \
                 that is not percent-encoded. Percent-encode the user and password (for example with \
                 encodeURIComponent).",
            )
        };
        if raw_path.contains('@') || raw_path.contains('/') || url.fragment().is_some() {
            return Err(malformed());
        }
        let mut database = decode(raw_path);

        let mut spec = ConnectionSpec {
            endpoint: Endpoint::Tcp {
                host: String::new(),
                port,
            },
            user: String::new(),
            password: None,
            database: String::new(),
            schema: "public".to_string(),
            ssl_mode: SslMode::Prefer,
            ssl_accept_strict: false,
            root_cert: None,
            client_identity: None,
            channel_binding: ChannelBinding::Prefer,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            socket_timeout: None,
            application_name: None,
            options: None,
            pgbouncer: false,
            unknown_params: Vec::new(),
        };

        let mut sslcert: Option<PathBuf> = None;
        let mut sslrootcert: Option<PathBuf> = None;
        let mut sslkey: Option<PathBuf> = None;
        let mut sslidentity: Option<PathBuf> = None;
        let mut sslpassword: Option<String> = None;
        for (key, value) in url.query_pairs() {
            let value = value.into_owned();
            match key.as_ref() {
                "schema" => {
                    if value.is_empty() {
                        return Err(DoctorError::config("The URL parameter `schema` is empty."));
                    }
                    spec.schema = value
                }
                "sslmode" => {
                    spec.ssl_mode = match value.as_str() {
                        "disable" => SslMode::Disable,
                        "prefer" | "allow" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(DoctorError::config(format!(
                                "Unknown sslmode `{other}` in the database URL: use disable, prefer, require, verify-ca or verify-full."
                            )))
                        }
                    }
                }
                "sslaccept" => {
                    spec.ssl_accept_strict = match value.as_str() {
                        "strict" => true,
                        "accept_invalid_certs" => false,
                        other => {
                            return Err(DoctorError::config(format!(
                                "Unknown sslaccept `{other}` in the database URL: use strict or accept_invalid_certs."
                            )))
                        }
                    }
                }
                "sslcert" => sslcert = Some(PathBuf::from(value)),
                "sslrootcert" => sslrootcert = Some(PathBuf::from(value)),
                "sslkey" => sslkey = Some(PathBuf::from(value)),
                "sslidentity" => sslidentity = Some(PathBuf::from(value)),
                "sslpassword" => sslpassword = Some(value),
                "channel_binding" => {
                    spec.channel_binding = match value.as_str() {
                        "disable" => ChannelBinding::Disable,
                        "prefer" => ChannelBinding::Prefer,
                        "require" => ChannelBinding::Require,
                        other => {
                            return Err(DoctorError::config(format!(
                                "Unknown channel_binding `{other}` in the database URL: use disable, prefer or require."
                            )))
                        }
                    }
                }
                "pgbouncer" => spec.pgbouncer = parse_bool(&key, &value)?,
                "connect_timeout" => {
                    let secs = parse_u64(&key, &value)?;
                    spec.connect_timeout = (secs > 0).then(|| Duration::from_secs(secs));
                }
                "socket_timeout" => {
                    let secs = parse_u64(&key, &value)?;
                    spec.socket_timeout = (secs > 0).then(|| Duration::from_secs(secs));
                }
                "application_name" => spec.application_name = Some(value),
                "options" => spec.options = Some(value),
                "host" => host = value,
                "port" => port = parse_u64(&key, &value)?.try_into().map_err(|_| {
                    DoctorError::config("The URL parameter `port` is not a valid port number.")
                })?,
                "user" => user = value,
                "password" => password = Some(value),
                "dbname" => database = value,
                k if KNOWN_PARAMS.contains(&k) => {}
                other if other.contains('@') || other.contains('/') => return Err(malformed()),
                other => spec.unknown_params.push(other.to_string()),
            }
        }

        // Prisma: `sslcert` is the root certificate. libpq: `sslcert` + `sslkey` are the client
        // certificate and key, roots come from `sslrootcert`. `sslkey` tells them apart.
        match (sslkey, sslcert) {
            (Some(key), Some(cert)) => {
                spec.client_identity = Some(ClientIdentity::Pem { cert, key });
                spec.root_cert = sslrootcert;
            }
            (Some(_), None) => {
                return Err(DoctorError::config(
                    "The database URL has `sslkey` without `sslcert`: libpq-style client certificates need both \
                     (or use Prisma's `sslidentity` with a PKCS#12 file).",
                ))
            }
            (None, cert) => spec.root_cert = sslrootcert.or(cert),
        }
        if let Some(path) = sslidentity {
            spec.client_identity = Some(ClientIdentity::Pkcs12 {
                path,
                password: sslpassword,
            });
        }

        if user.is_empty() {
            user = "postgres".to_string();
        }
        if database.is_empty() {
            database = "postgres".to_string();
        }
        spec.endpoint = if host.starts_with('/') {
            Endpoint::Unix {
                dir: PathBuf::from(host),
                port,
            }
        } else if host.is_empty() {
            return Err(DoctorError::config(
                "The database URL has no host. Expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or ?host=/socket/dir for a Unix socket.",
            ));
        } else {
            Endpoint::Tcp { host, port }
        };
        spec.user = user;
        spec.password = password.filter(|p| !p.is_empty());
        spec.database = database;
        Ok(spec)
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    pub fn host_display(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } => host.clone(),
            Endpoint::Unix { dir, .. } => dir.display().to_string(),
        }
    }

    pub fn port(&self) -> u16 {
        match &self.endpoint {
            Endpoint::Tcp { port, .. } | Endpoint::Unix { port, .. } => *port,
        }
    }

    /// `host:port` as Prisma prints it in P1001.
    pub fn address(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            Endpoint::Tcp { host, port } => format!("{host}:{port}"),
            Endpoint::Unix { dir, port } => format!("{}/.s.PGSQL.{port}", dir.display()),
        }
    }

    /// Why this URL looks like a transaction-mode pooler, where Prisma's session advisory lock
    /// cannot be held: `pgbouncer=true`, port 6543 (Supabase's transaction pooler), or a Neon
    /// `-pooler.` host. Supabase's session pooler (`*.pooler.supabase.com` on port 5432) keeps
    /// one server connection per client and is not reported.
    pub fn pooler_reason(&self) -> Option<String> {
        if self.pgbouncer {
            return Some("the URL sets pgbouncer=true".to_string());
        }
        let Endpoint::Tcp { host, port } = &self.endpoint else {
            return None;
        };
        if *port == 6543 {
            return Some(
                "port 6543 is the transaction-mode pooler port (Supabase Supavisor / PgBouncer)"
                    .to_string(),
            );
        }
        if host.to_ascii_lowercase().contains("-pooler.") {
            return Some(format!(
                "`{host}` is a pooled endpoint (Neon's `-pooler` hosts run PgBouncer in transaction mode)"
            ));
        }
        None
    }

    /// Resolves relative certificate paths (`sslcert`, `sslrootcert`, `sslidentity`, `sslkey`)
    /// against the first of `bases` where the file exists (Prisma: the schema's folder), else
    /// against the first base.
    pub fn resolve_relative_paths(&mut self, bases: &[PathBuf]) {
        let resolve = |p: &mut PathBuf| {
            if p.is_absolute() || bases.is_empty() {
                return;
            }
            let found = bases.iter().map(|b| b.join(&*p)).find(|c| c.exists());
            *p = found.unwrap_or_else(|| bases[0].join(&*p));
        };
        if let Some(p) = self.root_cert.as_mut() {
            resolve(p);
        }
        match self.client_identity.as_mut() {
            Some(ClientIdentity::Pkcs12 { path, .. }) => resolve(path),
            Some(ClientIdentity::Pem { cert, key }) => {
                resolve(cert);
                resolve(key);
            }
            None => {}
        }
    }

    pub(crate) fn identity_password(&self) -> Option<&str> {
        match &self.client_identity {
            Some(ClientIdentity::Pkcs12 { password, .. }) => password.as_deref(),
            _ => None,
        }
    }

    /// The URL with the password replaced, safe to print.
    pub fn redacted_url(&self) -> String {
        let auth = match self.password {
            Some(_) => format!("{}:****@", self.user),
            None => format!("{}@", self.user),
        };
        let (host, extra) = match &self.endpoint {
            Endpoint::Tcp { host, port } if host.contains(':') => {
                (format!("[{host}]:{port}"), String::new())
            }
            Endpoint::Tcp { host, port } => (format!("{host}:{port}"), String::new()),
            Endpoint::Unix { dir, port } => (
                format!("localhost:{port}"),
                format!("&host={}", dir.display()),
            ),
        };
        format!(
            "postgresql://{auth}{host}/{}?schema={}{extra}",
            self.database, self.schema
        )
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(DoctorError::config(format!(
            "The URL parameter `{key}` must be true or false, not `{value}`."
        ))),
    }
}

fn parse_u64(key: &str, value: &str) -> Result<u64> {
    value.parse().map_err(|_| {
        DoctorError::config(format!(
            "The URL parameter `{key}` must be a whole number, not `{value}`."
        ))
    })
}

/// An open session plus what we learnt while opening it.
pub struct Connection {
    pub client: Client,
    pub server_version: String,
    /// The session is encrypted (the server accepted TLS and the handshake succeeded).
    pub tls: bool,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // The session ends with the socket: this also releases any session advisory lock.
        self.task.abort();
    }
}

/// `"name"` with embedded quotes doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Opens a session the way Prisma's connector would, mapping failures to Prisma's P1xxx codes.
/// Every statement is unnamed (simple query or `query_typed`), so the session also works
/// through PgBouncer in transaction mode (`pgbouncer=true`).
pub async fn connect(
    spec: &ConnectionSpec,
    timeout_override: Option<Duration>,
) -> Result<Connection> {
    let mut config = tokio_postgres::Config::new();
    match &spec.endpoint {
        Endpoint::Tcp { host, port } => {
            config.host(host).port(*port);
        }
        Endpoint::Unix { dir, port } => {
            config.host_path(dir).port(*port);
        }
    }
    config.user(&spec.user).dbname(&spec.database);
    if let Some(pw) = &spec.password {
        config.password(pw);
    }
    config.application_name(
        spec.application_name
            .as_deref()
            .unwrap_or("prisma-migrate-doctor"),
    );
    if let Some(options) = &spec.options {
        config.options(options);
    }
    config.channel_binding(match spec.channel_binding {
        ChannelBinding::Disable => tokio_postgres::config::ChannelBinding::Disable,
        ChannelBinding::Prefer => tokio_postgres::config::ChannelBinding::Prefer,
        ChannelBinding::Require => tokio_postgres::config::ChannelBinding::Require,
    });
    let timeout = timeout_override.or(spec.connect_timeout);
    if let Some(t) = timeout {
        config.connect_timeout(t);
    }
    if let Some(t) = spec.socket_timeout {
        config.tcp_user_timeout(t);
    }

    // libpq ignores sslmode for Unix sockets; so do we.
    let unix = matches!(spec.endpoint, Endpoint::Unix { .. });
    let tls_used = Arc::new(AtomicBool::new(false));
    let attempt = async {
        if spec.ssl_mode == SslMode::Disable || unix {
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
            let (client, conn) = config.connect(NoTls).await?;
            Ok((client, spawn_connection(conn)))
        } else {
            config.ssl_mode(match spec.ssl_mode {
                SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
                _ => tokio_postgres::config::SslMode::Require,
            });
            let tls = RecordingTls {
                inner: crate::tls::make_connector(spec)?,
                used: tls_used.clone(),
            };
            let (client, conn) = config.connect(tls).await?;
            Ok((client, spawn_connection(conn)))
        }
    };
    let result: std::result::Result<(Client, tokio::task::JoinHandle<()>), ConnectFailure> =
        match timeout {
            Some(t) => match tokio::time::timeout(t + Duration::from_millis(250), attempt).await {
                Ok(r) => r,
                Err(_) => Err(ConnectFailure::Timeout),
            },
            None => attempt.await,
        };
    let tls = tls_used.load(Ordering::SeqCst);
    let (client, task) =
        result.map_err(|failure| map_connect_failure(spec, failure, tls, timeout))?;

    // As Prisma does on every connection (with or without pgbouncer=true): unqualified names in
    // migration scripts resolve in `?schema=`. A plain SET, no startup parameter, so it also
    // passes through PgBouncer.
    let setup = format!(
        "SET search_path = {}; SHOW server_version",
        quote_ident(&spec.schema)
    );
    let version = client
        .simple_query(&setup)
        .await
        .map_err(|e| DoctorError::database("setting up the session", e))?;
    let server_version = version
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        })
        .unwrap_or_default();
    Ok(Connection {
        client,
        server_version,
        tls,
        task,
    })
}

/// How long `diagnose()` keeps its connection open after it returns, for a next call with the
/// same settings (an app or a bench calling it in a loop). Closed after that: a hook that calls
/// it once holds no server connection for longer than this.
const KEEP_IDLE_FOR: Duration = Duration::from_secs(5);
/// At most this many kept connections (different URLs); the oldest goes first.
const KEEP_IDLE_MAX: usize = 4;

struct Idle {
    id: u64,
    spec: ConnectionSpec,
    conn: Connection,
}

static IDLE: std::sync::Mutex<Vec<Idle>> = std::sync::Mutex::new(Vec::new());
static IDLE_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A connection kept by `keep_idle` for exactly these settings (URL, password, TLS files,
/// timeouts, schema), still open; it leaves the cache (one user at a time).
pub fn take_idle(spec: &ConnectionSpec) -> Option<Connection> {
    let mut idle = IDLE.lock().ok()?;
    while let Some(at) = idle.iter().position(|i| i.spec == *spec) {
        let entry = idle.swap_remove(at);
        if !entry.conn.client.is_closed() {
            return Some(entry.conn);
        }
    }
    None
}

/// Keeps a read-only session (no transaction open, no session state changed since `connect`)
/// for `KEEP_IDLE_FOR`, then closes it. Outside a tokio runtime, or closed already: dropped.
/// An encrypted session is never kept: each call verifies the server's certificate again (a
/// certificate replaced on the server must be checked by the next call, as a new connection
/// would).
pub fn keep_idle(spec: &ConnectionSpec, conn: Connection) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    if conn.tls || conn.client.is_closed() {
        return;
    }
    let id = IDLE_IDS.fetch_add(1, Ordering::Relaxed);
    let evicted = {
        let Ok(mut idle) = IDLE.lock() else { return };
        let evicted = if idle.len() >= KEEP_IDLE_MAX {
            Some(idle.remove(0))
        } else {
            None
        };
        idle.push(Idle {
            id,
            spec: spec.clone(),
            conn,
        });
        evicted
    };
    drop(evicted);
    runtime.spawn(async move {
        tokio::time::sleep(KEEP_IDLE_FOR).await;
        let expired = IDLE.lock().ok().and_then(|mut idle| {
            idle.iter()
                .position(|i| i.id == id)
                .map(|at| idle.swap_remove(at))
        });
        drop(expired);
    });
}

fn spawn_connection<S, T>(conn: tokio_postgres::Connection<S, T>) -> tokio::task::JoinHandle<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        // Errors surface on the client's next call; nothing to do here.
        let _ = conn.await;
    })
}

/// Wraps a TLS connector to record whether the server accepted TLS (under sslmode=prefer the
/// session may also be plaintext).
#[derive(Clone)]
struct RecordingTls<T> {
    inner: T,
    used: Arc<AtomicBool>,
}

impl<S, T: MakeTlsConnect<S>> MakeTlsConnect<S> for RecordingTls<T> {
    type Stream = T::Stream;
    type TlsConnect = RecordingConnect<T::TlsConnect>;
    type Error = T::Error;

    fn make_tls_connect(
        &mut self,
        domain: &str,
    ) -> std::result::Result<Self::TlsConnect, T::Error> {
        Ok(RecordingConnect {
            inner: self.inner.make_tls_connect(domain)?,
            used: self.used.clone(),
        })
    }
}

struct RecordingConnect<T> {
    inner: T,
    used: Arc<AtomicBool>,
}

impl<S, T: TlsConnect<S>> TlsConnect<S> for RecordingConnect<T> {
    type Stream = T::Stream;
    type Error = T::Error;
    type Future = T::Future;

    fn connect(self, stream: S) -> T::Future {
        // Called only once the server has answered the SSLRequest with 'S'.
        self.used.store(true, Ordering::SeqCst);
        self.inner.connect(stream)
    }
}

enum ConnectFailure {
    Timeout,
    Tls(DoctorError),
    Pg(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for ConnectFailure {
    fn from(e: tokio_postgres::Error) -> Self {
        ConnectFailure::Pg(e)
    }
}

impl From<DoctorError> for ConnectFailure {
    fn from(e: DoctorError) -> Self {
        ConnectFailure::Tls(e)
    }
}

/// The rustls error in a failure's cause chain, if any.
fn find_rustls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(r);
            }
        }
        next = e.source();
    }
    None
}

fn tls_hint(spec: &ConnectionSpec, err: Option<&rustls::Error>, text: &str) -> String {
    use rustls::CertificateError as C;
    match err {
        Some(rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature)) => {
            if spec.root_cert.is_some() {
                let without = if spec.ssl_mode == SslMode::Require {
                    "drop sslrootcert/sslcert (with a root certificate, require verifies the chain as libpq does)"
                } else {
                    "use sslmode=require without sslrootcert/sslcert"
                };
                format!(
                    "The server's certificate is not signed by the certificate(s) in sslrootcert/sslcert: pass the \
                     CA that signed it, or {without} to encrypt without verifying."
                )
            } else {
                "The server's certificate is not signed by a public root: pass sslrootcert=/path/to/ca.pem (the CA \
                 that signed it; your provider publishes it), or sslmode=require to encrypt without verifying."
                    .to_string()
            }
        }
        Some(rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        )) => format!(
            "The server's certificate does not name `{}`: connect with a host name the certificate lists, or use \
             sslmode=verify-ca to check the chain only.",
            spec.host_display()
        ),
        Some(rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. })) => {
            "The server's certificate has expired.".to_string()
        }
        Some(rustls::Error::InvalidCertificate(C::Other(_))) if text.contains("CaUsedAsEndEntity") => {
            "The server presents a CA certificate as its own (a self-signed certificate with CA:TRUE): use \
             sslmode=require, or give the server a certificate signed by that CA."
                .to_string()
        }
        _ if text.contains("does not support TLS") => {
            "The server does not accept TLS connections: use sslmode=prefer or sslmode=disable, or turn ssl on in \
             the server."
                .to_string()
        }
        _ => String::new(),
    }
}

fn map_connect_failure(
    spec: &ConnectionSpec,
    failure: ConnectFailure,
    tls_started: bool,
    timeout: Option<Duration>,
) -> DoctorError {
    let address = spec.address();
    let unreachable = |detail: &str| {
        DoctorError::new(
            ErrorCode::P1001,
            format!(
                "Can't reach database server at `{address}` ({detail}). Please make sure your database server is running at `{address}`."
            ),
        )
    };
    let err = match failure {
        ConnectFailure::Timeout => {
            let after = timeout
                .map(|t| format!("timed out after {} s", t.as_secs_f32()))
                .unwrap_or_else(|| "timed out".to_string());
            return unreachable(&after);
        }
        ConnectFailure::Tls(e) => return e,
        ConnectFailure::Pg(e) => e,
    };
    if let Some(db) = err.as_db_error() {
        let code = db.code().code();
        let mapped = match code {
            "28P01" | "28000" => DoctorError::new(
                ErrorCode::P1000,
                format!(
                    "Authentication failed against database server at `{}`, the provided database credentials for `{}` are not valid. \
                     Please make sure to provide valid database credentials for the database server at `{}`. The server said: {}",
                    spec.host_display(),
                    spec.user,
                    spec.host_display(),
                    db.message()
                ),
            ),
            "3D000" => DoctorError::new(
                ErrorCode::P1003,
                format!("Database `{}` does not exist on the database server at `{address}`.", spec.database),
            ),
            _ => DoctorError::new(
                ErrorCode::Database,
                format!("The server at `{address}` refused the connection: {} (SQLSTATE {code})", db.message()),
            ),
        };
        return mapped.with_source(err);
    }
    let text = error_chain(&err);
    let rustls_err = find_rustls_error(&err);
    let tls_failure = rustls_err.is_some()
        || text.contains("TLS")
        || text.contains("tls")
        || text.contains("certificate")
        || (tls_started && text.contains("handshake"));
    if tls_failure {
        let hint = tls_hint(spec, rustls_err, &text);
        return DoctorError::new(
            ErrorCode::P1011,
            format!(
                "Error opening a TLS connection to `{address}` (sslmode={}): {text}{}{hint}",
                spec.ssl_mode.as_str(),
                if hint.is_empty() { "" } else { ". " }
            ),
        )
        .with_source(err);
    }
    if text.contains("timeout") || text.contains("timed out") {
        return unreachable("timed out").with_source(err);
    }
    unreachable(&text).with_source(err)
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        next = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prisma_parameters_and_decodes_credentials() {
        let spec = ConnectionSpec::parse(
            "postgresql://app%40corp:p%40ss%3Aw%2Frd%231@db.example.com:6543/my_db?schema=tenant_1&sslmode=require&pgbouncer=true&connect_timeout=0&foo=bar",
        )
        .unwrap();
        assert_eq!(spec.user, "app@corp");
        assert_eq!(spec.password(), Some("p@ss:w/rd#1"));
        assert_eq!(
            spec.endpoint,
            Endpoint::Tcp {
                host: "db.example.com".into(),
                port: 6543
            }
        );
        assert_eq!(spec.database, "my_db");
        assert_eq!(spec.schema, "tenant_1");
        assert_eq!(spec.ssl_mode, SslMode::Require);
        assert!(spec.pgbouncer);
        assert_eq!(spec.connect_timeout, None);
        assert_eq!(spec.unknown_params, vec!["foo".to_string()]);
        let shown = format!("{spec:?} {}", spec.redacted_url());
        assert!(!shown.contains("p@ss"), "{shown}");
    }

    #[test]
    fn defaults_and_unix_sockets_and_ipv6() {
        let spec =
            ConnectionSpec::parse("postgres://u@localhost/db?host=/var/run/postgresql").unwrap();
        assert_eq!(
            spec.endpoint,
            Endpoint::Unix {
                dir: "/var/run/postgresql".into(),
                port: 5432
            }
        );
        assert_eq!(spec.schema, "public");
        assert_eq!(spec.ssl_mode, SslMode::Prefer);
        assert_eq!(spec.connect_timeout, Some(Duration::from_secs(5)));
        let v6 = ConnectionSpec::parse("postgresql://u:p@[::1]:5433/db").unwrap();
        assert_eq!(
            v6.endpoint,
            Endpoint::Tcp {
                host: "::1".into(),
                port: 5433
            }
        );
        assert_eq!(v6.address(), "[::1]:5433");
    }

    #[test]
    fn rejects_bad_urls_without_echoing_them() {
        let err = ConnectionSpec::parse("mysql://u:secret@h/db").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedProvider);
        let err = ConnectionSpec::parse("postgresql://u:secret@h/db?sslmode=bogus").unwrap_err();
        assert_eq!(err.code, ErrorCode::Config);
        assert!(!err.message.contains("secret"));
        let err = ConnectionSpec::parse("not a url secret").unwrap_err();
        assert!(!err.message.contains("secret"));
        // Unencoded special characters in the password: malformed, and nothing of it echoed.
        for url in [
            "postgresql://u:12/se@cret@h/db",
            "postgresql://u:12?se@cret@h/db",
            "postgresql://u:12#secret@h/db",
            "postgresql://u:12/secret/x@h/db",
        ] {
            match ConnectionSpec::parse(url) {
                Ok(spec) => panic!("{url} parsed as {spec:?}"),
                Err(err) => {
                    assert_eq!(err.code, ErrorCode::Config, "{url}");
                    assert!(
                        !err.message.contains("secret") && !err.message.contains("cret"),
                        "{}",
                        err.message
                    );
                }
            }
        }
    }

    #[test]
    fn tls_and_identity_parameters() {
        let spec = ConnectionSpec::parse(
            "postgresql://u:p@db.example.com/d?sslmode=verify-full&sslrootcert=certs/ca.pem&sslidentity=id.p12&sslpassword=s3cr%26t&channel_binding=require",
        )
        .unwrap();
        assert_eq!(spec.ssl_mode, SslMode::VerifyFull);
        assert_eq!(spec.root_cert, Some(PathBuf::from("certs/ca.pem")));
        assert_eq!(spec.identity_password(), Some("s3cr&t"));
        assert_eq!(spec.channel_binding, ChannelBinding::Require);
        assert!(
            matches!(&spec.client_identity, Some(ClientIdentity::Pkcs12 { path, .. }) if path == &PathBuf::from("id.p12"))
        );
        assert!(!format!("{spec:?}").contains("s3cr"), "{spec:?}");
        assert!(!spec.redacted_url().contains("s3cr"));

        // Prisma's sslcert is the root certificate...
        let spec = ConnectionSpec::parse("postgresql://u@h/d?sslcert=root.pem").unwrap();
        assert_eq!(spec.root_cert, Some(PathBuf::from("root.pem")));
        assert!(spec.client_identity.is_none());
        // ...libpq's sslcert + sslkey are the client certificate.
        let spec = ConnectionSpec::parse(
            "postgresql://u@h/d?sslcert=client.crt&sslkey=client.key&sslrootcert=ca.pem",
        )
        .unwrap();
        assert_eq!(spec.root_cert, Some(PathBuf::from("ca.pem")));
        assert!(
            matches!(&spec.client_identity, Some(ClientIdentity::Pem { cert, key }) if cert == &PathBuf::from("client.crt") && key == &PathBuf::from("client.key"))
        );
        assert!(ConnectionSpec::parse("postgresql://u@h/d?sslkey=k.pem").is_err());
        assert!(ConnectionSpec::parse("postgresql://u@h/d?channel_binding=maybe").is_err());

        // Relative certificate paths resolve against the first base that has the file.
        let dir = std::env::temp_dir().join(format!("pmd-conn-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("b/certs")).unwrap();
        std::fs::write(dir.join("b/certs/ca.pem"), "x").unwrap();
        let mut spec = ConnectionSpec::parse(
            "postgresql://u@h/d?sslrootcert=certs/ca.pem&sslidentity=id.p12&sslrootcert=certs/ca.pem",
        )
        .unwrap();
        spec.resolve_relative_paths(&[dir.join("a"), dir.join("b")]);
        assert_eq!(spec.root_cert, Some(dir.join("b/certs/ca.pem")));
        assert!(
            matches!(&spec.client_identity, Some(ClientIdentity::Pkcs12 { path, .. }) if path == &dir.join("a/id.p12"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pooler_detection() {
        let reason = |url: &str| ConnectionSpec::parse(url).unwrap().pooler_reason();
        assert!(reason("postgresql://u:p@db.internal:5432/d?pgbouncer=true")
            .unwrap()
            .contains("pgbouncer=true"));
        assert!(reason(
            "postgresql://postgres.ref:p@aws-0-eu-central-1.pooler.supabase.com:6543/postgres"
        )
        .unwrap()
        .contains("6543"));
        assert!(reason("postgresql://u:p@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require")
            .unwrap()
            .contains("-pooler"));
        // Direct endpoints and Supabase's session pooler (port 5432) hold session locks.
        assert_eq!(
            reason("postgresql://u:p@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb"),
            None
        );
        assert_eq!(
            reason(
                "postgresql://postgres.ref:p@aws-0-eu-central-1.pooler.supabase.com:5432/postgres"
            ),
            None
        );
        assert_eq!(
            reason("postgresql://u:p@db.ref.supabase.co:5432/postgres"),
            None
        );
        assert_eq!(
            reason("postgresql://u:p@localhost/d?host=/var/run/postgresql"),
            None
        );
    }
}
