//! Where things are: the schema, the database URL and the migrations folder, found the way the
//! Prisma CLI finds them, and where each value came from.
//!
//! Order (first match wins):
//! - schema: option `schema`, `schema` of a Prisma 7 config file (loaded in JS by `lib/config.js`
//!   and passed in as `prisma_config`), `package.json` `"prisma": {"schema"}`, `./schema.prisma`,
//!   `./prisma/schema.prisma`, a `./prisma/schema/` folder of `.prisma` files;
//! - URL: option `url`, `datasource.url` of the config file, the schema's `directUrl` (what
//!   Prisma Migrate uses when it is set), the schema's `url`, then `DATABASE_URL`. `env("NAME")`
//!   reads the real environment first, then `.env` in the project root, then `.env` in the
//!   schema's folder (values expanded like dotenv-expand);
//! - migrations: option `migrationsDir`, `migrations.path` of the config file, `migrations/`
//!   next to the schema, `./prisma/migrations`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[cfg(feature = "node")]
use napi_derive::napi;

use crate::error::{DoctorError, ErrorCode, Result};

/// What the caller passed; every field optional (the CLI and JS options map onto this).
#[derive(Clone, Default)]
pub struct Options {
    pub url: Option<String>,
    pub cwd: Option<PathBuf>,
    pub schema: Option<PathBuf>,
    pub migrations_dir: Option<PathBuf>,
    pub connect_timeout_ms: Option<u32>,
    pub lock_timeout_ms: Option<u32>,
    /// What `lib/config.js` read from a Prisma 7 `prisma.config.*` with the project's own
    /// `@prisma/config`.
    pub prisma_config: Option<PrismaConfigInput>,
    /// resolve/heal: write even through a URL that looks like a transaction pooler (the caller
    /// knows it runs in session mode).
    pub allow_pooler: bool,
    /// The Prisma version that runs `migrate deploy` (overrides the one found under `cwd`).
    pub prisma_version: Option<String>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("cwd", &self.cwd)
            .field("schema", &self.schema)
            .field("migrations_dir", &self.migrations_dir)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("lock_timeout_ms", &self.lock_timeout_ms)
            .field("prisma_config", &self.prisma_config)
            .field("allow_pooler", &self.allow_pooler)
            .field("prisma_version", &self.prisma_version)
            .finish()
    }
}

/// The values of a loaded Prisma config file (`prisma.config.ts` & co). Paths are absolute
/// (`@prisma/config` resolves them against the file's folder). Filled in by `lib/config.js`.
#[cfg_attr(feature = "node", napi(object))]
#[derive(Clone, Default)]
pub struct PrismaConfigInput {
    /// The config file that was loaded.
    pub file: String,
    /// Its `schema`: a schema file or a folder of `.prisma` files.
    pub schema: Option<String>,
    /// Its `migrations.path`.
    pub migrations_path: Option<String>,
    /// Its `datasource.url` (a secret: never printed).
    pub datasource_url: Option<String>,
}

impl std::fmt::Debug for PrismaConfigInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrismaConfigInput")
            .field("file", &self.file)
            .field("schema", &self.schema)
            .field("migrations_path", &self.migrations_path)
            .field(
                "datasource_url",
                &self.datasource_url.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The schema that was found: one file, or a folder of `.prisma` files.
#[derive(Debug, Clone)]
pub struct SchemaLocation {
    /// The file, or the folder for a multi-file schema.
    pub path: PathBuf,
    pub is_folder: bool,
    /// Where the location came from ("option schema", "package.json \"prisma.schema\"", ...).
    pub source: String,
    /// The `.prisma` files read (one for a single-file schema).
    pub files: Vec<PathBuf>,
}

impl SchemaLocation {
    /// The folder the schema lives in: the file's parent, or the folder itself.
    pub fn dir(&self) -> PathBuf {
        if self.is_folder {
            self.path.clone()
        } else {
            self.path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| self.path.clone())
        }
    }
}

/// The resolved project. `url` holds a secret: never print it, use `ConnectionSpec::redacted_url`.
#[derive(Clone)]
pub struct Project {
    pub root: PathBuf,
    pub url: String,
    /// Where the URL came from; never contains the URL itself.
    pub url_source: String,
    pub migrations_dir: PathBuf,
    pub migrations_dir_source: String,
    pub schema: Option<SchemaLocation>,
    /// The datasource block that was read, when there is a schema with one.
    pub datasource: Option<Datasource>,
    /// The Prisma config file that was used, if any.
    pub config_file: Option<PathBuf>,
    /// The `.env` files that were read, in precedence order.
    pub env_files: Vec<PathBuf>,
    /// The URL is the datasource's `directUrl`.
    pub uses_direct_url: bool,
    /// Things worth a warning that are not errors (e.g. a variable defined in two `.env` files).
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field("root", &self.root)
            .field("url", &"<redacted>")
            .field("url_source", &self.url_source)
            .field("migrations_dir", &self.migrations_dir)
            .field("migrations_dir_source", &self.migrations_dir_source)
            .field("schema", &self.schema)
            .field("config_file", &self.config_file)
            .field("env_files", &self.env_files)
            .field("uses_direct_url", &self.uses_direct_url)
            .finish_non_exhaustive()
    }
}

impl Project {
    /// Folders a relative certificate path in the URL (`sslcert`, `sslrootcert`, `sslidentity`)
    /// is looked up in: Prisma resolves them against the schema's folder; libpq against the
    /// working directory (here: the project root).
    pub fn cert_base_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(schema) = &self.schema {
            dirs.push(schema.dir());
        }
        if !dirs.contains(&self.root) {
            dirs.push(self.root.clone());
        }
        dirs
    }
}

/// Discovers the project with the real process environment.
pub fn discover(options: &Options) -> Result<Project> {
    discover_with(options, &|key| std::env::var(key).ok())
}

/// Discovers the project; `real_env` is the process environment (injectable for tests).
pub fn discover_with(
    options: &Options,
    real_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Project> {
    let root = project_root(options)?;
    let config = options.prisma_config.as_ref();
    let config_file = config.map(|c| PathBuf::from(&c.file));

    // 1. The schema.
    let schema = find_schema(&root, options, config)?;
    let datasource = match &schema {
        Some(s) => read_datasource(s)?,
        None => None,
    };
    if let Some(ds) = &datasource {
        check_provider(ds)?;
    }

    // 2. .env files: the project root, then the schema's folder (default: ./prisma).
    let mut env_candidates = vec![root.join(".env")];
    let schema_env = match &schema {
        Some(s) => s.dir().join(".env"),
        None => root.join("prisma").join(".env"),
    };
    if !env_candidates.contains(&schema_env) {
        env_candidates.push(schema_env);
    }
    let dotenv = DotenvLayers::load(&env_candidates)?;

    // 3. The URL.
    let mut notes = dotenv.conflicts.clone();
    let (url, url_source, uses_direct_url) =
        find_url(options, config, datasource.as_ref(), &dotenv, real_env)?;
    // shadowDatabaseUrl only matters to `migrate dev`: ignored.
    if let Some(ds) = &datasource {
        if let Some(DsValue::Other) = ds.url {
            notes.push(format!(
                "The `url` of the datasource in {} is neither a string nor env(\"NAME\"); it was ignored.",
                ds.file.display()
            ));
        }
    }

    // 4. The migrations folder.
    let (migrations_dir, migrations_dir_source) =
        find_migrations_dir(&root, options, config, schema.as_ref(), datasource.as_ref())?;

    Ok(Project {
        root,
        url,
        url_source,
        migrations_dir,
        migrations_dir_source,
        schema,
        datasource,
        config_file,
        env_files: dotenv.files_read.clone(),
        uses_direct_url,
        notes,
    })
}

fn project_root(options: &Options) -> Result<PathBuf> {
    let current = || {
        std::env::current_dir()
            .map_err(|e| DoctorError::config(format!("Cannot read the current directory: {e}")))
    };
    let root = match &options.cwd {
        Some(dir) if dir.is_absolute() => dir.clone(),
        Some(dir) => current()?.join(dir),
        None => current()?,
    };
    if !root.is_dir() {
        return Err(DoctorError::config(format!(
            "The project directory `{}` (option cwd) does not exist or is not a folder.",
            root.display()
        )));
    }
    Ok(root)
}

// ---------------------------------------------------------------------------------------------
// schema location

fn find_schema(
    root: &Path,
    options: &Options,
    config: Option<&PrismaConfigInput>,
) -> Result<Option<SchemaLocation>> {
    if let Some(s) = &options.schema {
        return explicit_schema(root.join(s), "option schema".to_string()).map(Some);
    }
    if let Some(c) = config {
        if let Some(s) = &c.schema {
            return explicit_schema(root.join(s), format!("schema in {}", c.file)).map(Some);
        }
    }
    let package_json = root.join("package.json");
    if let Some(s) = package_json_schema(&package_json)? {
        return explicit_schema(
            root.join(&s),
            format!("\"prisma\": {{\"schema\"}} in {}", package_json.display()),
        )
        .map(Some);
    }
    for (candidate, folder) in [
        (root.join("schema.prisma"), false),
        (root.join("prisma").join("schema.prisma"), false),
        (root.join("prisma").join("schema"), true),
    ] {
        let exists = if folder {
            candidate.is_dir()
        } else {
            candidate.is_file()
        };
        if exists {
            let source = format!("default location {}", candidate.display());
            let location = explicit_schema(candidate, source)?;
            if !location.files.is_empty() {
                return Ok(Some(location));
            }
        }
    }
    Ok(None)
}

fn explicit_schema(path: PathBuf, source: String) -> Result<SchemaLocation> {
    if path.is_file() {
        return Ok(SchemaLocation {
            files: vec![path.clone()],
            path,
            is_folder: false,
            source,
        });
    }
    if path.is_dir() {
        let mut files = Vec::new();
        collect_prisma_files(&path, &mut files, 0)?;
        files.sort();
        if files.is_empty() {
            return Err(DoctorError::config(format!(
                "The schema folder `{}` ({source}) holds no .prisma file.",
                path.display()
            )));
        }
        return Ok(SchemaLocation {
            path,
            is_folder: true,
            source,
            files,
        });
    }
    Err(DoctorError::config(format!(
        "The Prisma schema `{}` ({source}) does not exist. Pass schema (CLI: --schema) with the path of schema.prisma \
         or of the folder of .prisma files.",
        path.display()
    )))
}

fn collect_prisma_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 8 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        DoctorError::config(format!(
            "Cannot read the schema folder `{}`: {e}",
            dir.display()
        ))
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "node_modules" && name != "migrations" && !name.starts_with('.') {
                collect_prisma_files(&path, out, depth + 1)?;
            }
        } else if name.ends_with(".prisma") {
            out.push(path);
        }
    }
    Ok(())
}

fn package_json_schema(path: &Path) -> Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(_) => return Ok(None),
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        // npm would refuse it too; not ours to report.
        Err(_) => return Ok(None),
    };
    match json.get("prisma").and_then(|p| p.get("schema")) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(DoctorError::config(format!(
            "\"prisma\": {{\"schema\"}} in {} must be a path string.",
            path.display()
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// the datasource block

/// A datasource field value: `env("NAME")`, a string literal (a secret when it is a URL), or
/// something else we do not interpret.
#[derive(Clone, PartialEq, Eq)]
pub enum DsValue {
    Env(String),
    Literal(String),
    Other,
}

impl std::fmt::Debug for DsValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DsValue::Env(name) => write!(f, "env({name:?})"),
            DsValue::Literal(_) => f.write_str("\"<literal>\""),
            DsValue::Other => f.write_str("<other>"),
        }
    }
}

/// One `datasource NAME { ... }` block.
#[derive(Debug, Clone, Default)]
pub struct Datasource {
    pub name: String,
    pub provider: Option<DsValue>,
    pub url: Option<DsValue>,
    pub direct_url: Option<DsValue>,
    pub shadow_database_url: Option<DsValue>,
    /// The file that holds it (empty when parsed from a string).
    pub file: PathBuf,
    /// 1-based line of the `datasource` keyword.
    pub line: usize,
}

fn read_datasource(schema: &SchemaLocation) -> Result<Option<Datasource>> {
    for file in &schema.files {
        let text = std::fs::read_to_string(file).map_err(|e| {
            DoctorError::config(format!(
                "Cannot read the Prisma schema `{}`: {e}",
                file.display()
            ))
        })?;
        if let Some(mut ds) = parse_datasources(&text).into_iter().next() {
            ds.file = file.clone();
            return Ok(Some(ds));
        }
    }
    Ok(None)
}

fn check_provider(ds: &Datasource) -> Result<()> {
    match &ds.provider {
        Some(DsValue::Literal(p)) if p == "postgresql" || p == "postgres" => Ok(()),
        Some(DsValue::Literal(p)) => Err(DoctorError::new(
            ErrorCode::UnsupportedProvider,
            format!(
                "The datasource `{}` in {} (line {}) uses provider \"{p}\"; prisma-migrate-doctor supports PostgreSQL only \
                 (provider = \"postgresql\").",
                ds.name,
                ds.file.display(),
                ds.line
            ),
        )),
        Some(_) => Err(DoctorError::new(
            ErrorCode::UnsupportedProvider,
            format!(
                "The datasource `{}` in {} (line {}) has a provider that is not a string; prisma-migrate-doctor supports \
                 provider = \"postgresql\" only.",
                ds.name,
                ds.file.display(),
                ds.line
            ),
        )),
        None => Err(DoctorError::config(format!(
            "The datasource `{}` in {} (line {}) has no provider.",
            ds.name,
            ds.file.display(),
            ds.line
        ))),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Punct(char),
    Newline,
}

/// Splits Prisma schema text into words, strings, punctuation and newlines; drops `//` and
/// `/* */` comments. Never fails: malformed input yields odd tokens, not errors.
fn tokenize(text: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                out.push((Tok::Newline, line));
                line += 1;
            }
            c if c.is_whitespace() => {}
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push((Tok::Newline, line));
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' => {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\n' => {
                            // Unterminated: strings cannot span lines.
                            out.push((Tok::Str(std::mem::take(&mut s)), line));
                            out.push((Tok::Newline, line));
                            line += 1;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(other) => s.push(other),
                            None => {}
                        },
                        c => s.push(c),
                    }
                }
                if !matches!(out.last(), Some((Tok::Newline, _))) || !s.is_empty() {
                    out.push((Tok::Str(s), line));
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut w = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '-' || n == '.' {
                        w.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Word(w), line));
            }
            c => out.push((Tok::Punct(c), line)),
        }
    }
    out
}

/// Every `datasource` block in a schema text, in order. Other blocks (generator, model, enum,
/// view, type) are skipped; comments and strings are honoured.
pub fn parse_datasources(text: &str) -> Vec<Datasource> {
    let toks = tokenize(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Word(w) if w == "datasource" => {
                let line = toks[i].1;
                let mut j = i + 1;
                let name = match toks.get(j) {
                    Some((Tok::Word(n), _)) => {
                        j += 1;
                        n.clone()
                    }
                    _ => String::new(),
                };
                while matches!(toks.get(j), Some((Tok::Newline, _))) {
                    j += 1;
                }
                if matches!(toks.get(j), Some((Tok::Punct('{'), _))) {
                    let (ds, end) = parse_block(&toks, j + 1);
                    out.push(Datasource { name, line, ..ds });
                    i = end;
                } else {
                    i = j;
                }
            }
            Tok::Punct('{') => i = skip_balanced(&toks, i + 1, '{', '}'),
            _ => i += 1,
        }
    }
    out
}

/// Index just past the `close` matching an already consumed `open`.
fn skip_balanced(toks: &[(Tok, usize)], mut i: usize, open: char, close: char) -> usize {
    let mut depth = 1;
    while i < toks.len() {
        match toks[i].0 {
            Tok::Punct(c) if c == open => depth += 1,
            Tok::Punct(c) if c == close => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Parses `key = value` lines up to the closing `}`; returns the fields and the index after it.
fn parse_block(toks: &[(Tok, usize)], mut i: usize) -> (Datasource, usize) {
    let mut ds = Datasource::default();
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Newline => i += 1,
            Tok::Punct('}') => return (ds, i + 1),
            Tok::Word(key) if matches!(toks.get(i + 1), Some((Tok::Punct('='), _))) => {
                let (value, next) = parse_value(toks, i + 2);
                match key.as_str() {
                    "provider" => ds.provider = Some(value),
                    "url" => ds.url = Some(value),
                    "directUrl" => ds.direct_url = Some(value),
                    "shadowDatabaseUrl" => ds.shadow_database_url = Some(value),
                    _ => {}
                }
                i = next;
            }
            _ => i = skip_to_line_end(toks, i),
        }
    }
    (ds, i)
}

fn parse_value(toks: &[(Tok, usize)], i: usize) -> (DsValue, usize) {
    let at = |k: usize| toks.get(k).map(|t| &t.0);
    let ends_line = |k: usize| matches!(at(k), None | Some(Tok::Newline) | Some(Tok::Punct('}')));
    if let (
        Some(Tok::Word(w)),
        Some(Tok::Punct('(')),
        Some(Tok::Str(name)),
        Some(Tok::Punct(')')),
    ) = (at(i), at(i + 1), at(i + 2), at(i + 3))
    {
        if w == "env" && ends_line(i + 4) {
            return (DsValue::Env(name.clone()), i + 4);
        }
    }
    if let Some(Tok::Str(s)) = at(i) {
        if ends_line(i + 1) {
            return (DsValue::Literal(s.clone()), i + 1);
        }
    }
    (DsValue::Other, skip_to_line_end(toks, i))
}

/// Index of the newline (or block end) that ends the current line, skipping bracketed groups.
fn skip_to_line_end(toks: &[(Tok, usize)], mut i: usize) -> usize {
    while i < toks.len() {
        match toks[i].0 {
            Tok::Newline | Tok::Punct('}') => return i,
            Tok::Punct('(') => i = skip_balanced(toks, i + 1, '(', ')'),
            Tok::Punct('[') => i = skip_balanced(toks, i + 1, '[', ']'),
            Tok::Punct('{') => i = skip_balanced(toks, i + 1, '{', '}'),
            _ => i += 1,
        }
    }
    i
}

// ---------------------------------------------------------------------------------------------
// the URL

fn find_url(
    options: &Options,
    config: Option<&PrismaConfigInput>,
    datasource: Option<&Datasource>,
    dotenv: &DotenvLayers,
    real_env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String, bool)> {
    if let Some(url) = options.url.as_ref().filter(|u| !u.trim().is_empty()) {
        return Ok((url.clone(), "option url".to_string(), false));
    }
    let mut looked = vec!["the url option".to_string()];
    if let Some(c) = config {
        if let Some(url) = c.datasource_url.as_ref().filter(|u| !u.trim().is_empty()) {
            return Ok((url.clone(), format!("datasource.url in {}", c.file), false));
        }
        looked.push(format!("datasource.url in {}", c.file));
    }
    if let Some(ds) = datasource {
        let file = ds.file.display();
        for (field, value, direct) in [("directUrl", &ds.direct_url, true), ("url", &ds.url, false)]
        {
            match value {
                Some(DsValue::Literal(url)) if !url.trim().is_empty() => {
                    return Ok((
                        url.clone(),
                        format!("{field} (a literal) in {file}"),
                        direct,
                    ));
                }
                Some(DsValue::Env(name)) => {
                    let via = format!("{field} = env(\"{name}\") in {file}");
                    if let Some((url, from)) = dotenv.lookup(name, real_env) {
                        return Ok((url, format!("{from}, via {via}"), direct));
                    }
                    if direct {
                        // Prisma refuses to run when directUrl's variable is missing.
                        return Err(DoctorError::config(format!(
                            "{via}, but {name} is not set: looked in the environment and in {}. Set {name} to the \
                             direct (non-pooled) connection URL, or pass url (CLI: --url).",
                            dotenv.describe_candidates()
                        )));
                    }
                    looked.push(format!(
                        "{name} (from {via}) in the environment and in {}",
                        dotenv.describe_candidates()
                    ));
                }
                _ => {}
            }
        }
    }
    // A schema that names its own variable is never silently pointed at another database.
    let schema_names_url = matches!(
        datasource.and_then(|d| d.url.as_ref()),
        Some(DsValue::Env(_)) | Some(DsValue::Literal(_))
    );
    if !schema_names_url {
        if let Some((url, from)) = dotenv.lookup("DATABASE_URL", real_env) {
            return Ok((url, from, false));
        }
        looked.push(format!(
            "DATABASE_URL in the environment and in {}",
            dotenv.describe_candidates()
        ));
    }
    let var = match datasource.and_then(|d| d.url.as_ref()) {
        Some(DsValue::Env(name)) => name.as_str(),
        _ => "DATABASE_URL",
    };
    Err(DoctorError::config(format!(
        "No database URL: pass url (CLI: --url) or set {var}. Looked in: {}.",
        looked.join("; ")
    )))
}

// ---------------------------------------------------------------------------------------------
// the migrations folder

fn find_migrations_dir(
    root: &Path,
    options: &Options,
    config: Option<&PrismaConfigInput>,
    schema: Option<&SchemaLocation>,
    datasource: Option<&Datasource>,
) -> Result<(PathBuf, String)> {
    let must_exist = |dir: PathBuf, source: String| -> Result<(PathBuf, String)> {
        if dir.is_dir() {
            Ok((dir, source))
        } else {
            Err(DoctorError::config(format!(
                "No migrations folder at `{}` ({source}).",
                dir.display()
            )))
        }
    };
    if let Some(dir) = &options.migrations_dir {
        return must_exist(root.join(dir), "option migrationsDir".to_string());
    }
    if let Some(c) = config {
        if let Some(dir) = &c.migrations_path {
            return must_exist(root.join(dir), format!("migrations.path in {}", c.file));
        }
    }
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    match schema {
        Some(s) if s.is_folder => {
            let folder = s.path.display().to_string();
            candidates.push((
                s.path.join("migrations"),
                format!("inside the schema folder {folder}"),
            ));
            if let Some(parent) = datasource.and_then(|d| d.file.parent()) {
                candidates.push((
                    parent.join("migrations"),
                    format!(
                        "next to {}, the file with the datasource",
                        datasource
                            .map(|d| d.file.display().to_string())
                            .unwrap_or_default()
                    ),
                ));
            }
            if let Some(parent) = s.path.parent() {
                candidates.push((
                    parent.join("migrations"),
                    format!("next to the schema folder {folder}"),
                ));
            }
        }
        Some(s) => candidates.push((
            s.dir().join("migrations"),
            format!("next to the schema {}", s.path.display()),
        )),
        None => candidates.push((
            root.join("prisma").join("migrations"),
            "default location".to_string(),
        )),
    }
    candidates.dedup_by(|a, b| a.0 == b.0);
    if let Some(found) = candidates.iter().find(|(dir, _)| dir.is_dir()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|(dir, why)| format!("{} ({why})", dir.display()))
        .collect();
    let schema_hint = match schema {
        Some(s) => format!("schema {} ({})", s.path.display(), s.source),
        None => format!(
            "no Prisma schema found in {} (looked for schema.prisma, prisma/schema.prisma, prisma/schema/ and \
             package.json \"prisma\": {{\"schema\"}})",
            root.display()
        ),
    };
    Err(DoctorError::config(format!(
        "No migrations folder: looked at {}; {schema_hint}. Pass migrationsDir (CLI: --migrations-dir) or schema \
         (CLI: --schema), or run from the project root.",
        looked.join(", ")
    )))
}

// ---------------------------------------------------------------------------------------------
// .env files

/// One `KEY=value` line of a `.env` file.
#[derive(Clone, PartialEq, Eq)]
pub struct DotenvEntry {
    pub key: String,
    pub value: String,
    /// `$VAR` / `${VAR}` references are expanded (not in single-quoted values).
    pub expand: bool,
}

impl std::fmt::Debug for DotenvEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DotenvEntry")
            .field("key", &self.key)
            .field("expand", &self.expand)
            .finish_non_exhaustive()
    }
}

/// The `.env` files of a project, merged: the first file that defines a variable wins.
struct DotenvLayers {
    candidates: Vec<PathBuf>,
    files_read: Vec<PathBuf>,
    values: HashMap<String, (DotenvEntry, PathBuf)>,
    conflicts: Vec<String>,
}

impl DotenvLayers {
    fn load(candidates: &[PathBuf]) -> Result<Self> {
        let mut layers = DotenvLayers {
            candidates: candidates.to_vec(),
            files_read: Vec::new(),
            values: HashMap::new(),
            conflicts: Vec::new(),
        };
        for file in candidates {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => continue,
                Err(e) => {
                    return Err(DoctorError::config(format!(
                        "Cannot read `{}`: {e}",
                        file.display()
                    )))
                }
            };
            layers.files_read.push(file.clone());
            for entry in parse_dotenv_entries(&text) {
                match layers.values.get(&entry.key) {
                    Some((existing, first)) => {
                        if existing.value != entry.value {
                            layers.conflicts.push(format!(
                                "{} is defined in both {} and {}; the first one is used (Prisma 5/6 stop with an \
                                 error on such a conflict).",
                                entry.key,
                                first.display(),
                                file.display()
                            ));
                        }
                    }
                    None => {
                        layers
                            .values
                            .insert(entry.key.clone(), (entry, file.clone()));
                    }
                }
            }
        }
        Ok(layers)
    }

    /// The value of `name`: the real environment wins, then the `.env` files. Returns the value
    /// and where it came from. Empty values count as unset.
    fn lookup(
        &self,
        name: &str,
        real_env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<(String, String)> {
        if let Some(v) = real_env(name).filter(|v| !v.trim().is_empty()) {
            return Some((v, format!("environment variable {name}")));
        }
        let (entry, file) = self.values.get(name)?;
        let value = if entry.expand {
            let lookup = |key: &str| -> Option<String> {
                if let Some(v) = real_env(key) {
                    return Some(v);
                }
                self.values.get(key).map(|(e, _)| e.value.clone())
            };
            expand_value(&entry.value, &lookup, &mut vec![name.to_string()])
        } else {
            entry.value.clone()
        };
        if value.trim().is_empty() {
            return None;
        }
        Some((value, format!("{name} in {}", file.display())))
    }

    fn describe_candidates(&self) -> String {
        self.candidates
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The dotenv subset Prisma projects use: `KEY=value`, `export KEY=value`, single, double and
/// backtick quotes (multi-line allowed), `#` comments; an unquoted value ends at `#` (as in
/// dotenv). In double quotes `\n` is a newline.
pub fn parse_dotenv_entries(text: &str) -> Vec<DotenvEntry> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(raw) = lines.next() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            continue;
        }
        let rest = rest.trim_start();
        let (value, expand) = match rest.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => {
                let body = &rest[1..];
                let mut collected = String::new();
                let closed = match body.find(q) {
                    Some(end) => {
                        collected.push_str(&body[..end]);
                        true
                    }
                    None => {
                        // Multi-line value: read until a line holding the closing quote.
                        collected.push_str(body);
                        let mut closed = false;
                        for next in lines.by_ref() {
                            collected.push('\n');
                            if let Some(end) = next.find(q) {
                                collected.push_str(&next[..end]);
                                closed = true;
                                break;
                            }
                            collected.push_str(next);
                        }
                        closed
                    }
                };
                if !closed {
                    // dotenv would take the raw text; so do we.
                    (rest.trim_end().to_string(), true)
                } else if q == '"' {
                    (collected.replace("\\n", "\n").replace("\\r", "\r"), true)
                } else {
                    (collected, q != '\'')
                }
            }
            _ => (
                rest.split('#').next().unwrap_or("").trim().to_string(),
                true,
            ),
        };
        out.push(DotenvEntry {
            key: key.to_string(),
            value,
            expand,
        });
    }
    out
}

/// `KEY -> value` of a `.env` text, without expansion (later lines override earlier ones).
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    parse_dotenv_entries(text)
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect()
}

/// dotenv-expand's substitutions: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`;
/// `\$` is a literal `$`. Unknown variables expand to "" (or the default). `stack` guards
/// against cycles.
pub fn expand_value(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    stack: &mut Vec<String>,
) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
        if chars.get(i + 1) == Some(&'{') {
            // ${NAME}, ${NAME:-default}, ${NAME-default}; the default may itself hold ${...}.
            let mut j = i + 2;
            let mut depth = 1;
            while j < chars.len() {
                match chars[j] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= chars.len() {
                out.extend(&chars[i..]);
                break;
            }
            let inner: String = chars[i + 2..j].iter().collect();
            let name_len = inner.chars().take_while(|&c| is_name(c)).count();
            let name: String = inner.chars().take(name_len).collect();
            let rest: String = inner.chars().skip(name_len).collect();
            // `:-` also replaces an empty value, `-` only a missing one.
            let (default, or_empty) = match rest.strip_prefix(":-") {
                Some(d) => (Some(d.to_string()), true),
                None => (rest.strip_prefix('-').map(str::to_string), false),
            };
            let resolved = resolve_var(&name, lookup, stack);
            let value = match (resolved, default) {
                (Some(v), Some(d)) if v.is_empty() && or_empty => expand_value(&d, lookup, stack),
                (Some(v), _) => v,
                (None, Some(d)) => expand_value(&d, lookup, stack),
                (None, None) => String::new(),
            };
            out.push_str(&value);
            i = j + 1;
        } else {
            let name: String = chars[i + 1..].iter().take_while(|&&c| is_name(c)).collect();
            if name.is_empty() {
                out.push('$');
                i += 1;
            } else {
                out.push_str(&resolve_var(&name, lookup, stack).unwrap_or_default());
                i += 1 + name.chars().count();
            }
        }
    }
    out
}

fn resolve_var(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    stack: &mut Vec<String>,
) -> Option<String> {
    if stack.iter().any(|s| s == name) || stack.len() > 32 {
        return None;
    }
    let raw = lookup(name)?;
    stack.push(name.to_string());
    let expanded = expand_value(&raw, lookup, stack);
    stack.pop();
    Some(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_handles_quotes_exports_and_comments() {
        let env = parse_dotenv(
            "# c\nexport A=1\nB=\"postgresql://u:p#x@h/db?schema=s\" # note\nC='x y'\nD=plain # trailing\nE=\n",
        );
        assert_eq!(env["A"], "1");
        assert_eq!(env["B"], "postgresql://u:p#x@h/db?schema=s");
        assert_eq!(env["C"], "x y");
        assert_eq!(env["D"], "plain");
        assert_eq!(env["E"], "");
    }

    #[test]
    fn dotenv_multiline_and_escapes_and_unquoted_hash() {
        let entries = parse_dotenv_entries(
            "KEY=\"line1\nline2\"\nN=\"a\\nb\"\nS='${X}'\nU=abc#def\n  export   T = `tick` \nbad line\n=novalue\n",
        );
        let get = |k: &str| entries.iter().find(|e| e.key == k).unwrap();
        assert_eq!(get("KEY").value, "line1\nline2");
        assert_eq!(get("N").value, "a\nb");
        assert_eq!(get("S").value, "${X}");
        assert!(!get("S").expand);
        assert_eq!(get("U").value, "abc");
        assert_eq!(get("T").value, "tick");
        assert_eq!(entries.len(), 5);
    }

    #[test]
    fn expansion_like_dotenv_expand() {
        let vars: HashMap<&str, &str> = [
            ("USER", "app"),
            ("PASS", "p%40ss"),
            ("HOST", "db.internal"),
            ("URL", "postgresql://${USER}:${PASS}@$HOST:5432/db"),
            ("LOOP", "${LOOP}x"),
            ("EMPTY", ""),
        ]
        .into_iter()
        .collect();
        let lookup = |k: &str| vars.get(k).map(|v| v.to_string());
        let ex = |s: &str| expand_value(s, &lookup, &mut Vec::new());
        assert_eq!(
            ex("${URL}?schema=s"),
            "postgresql://app:p%40ss@db.internal:5432/db?schema=s"
        );
        assert_eq!(ex("${MISSING:-fallback}"), "fallback");
        assert_eq!(ex("${EMPTY:-fallback}"), "fallback");
        assert_eq!(ex("${EMPTY-fallback}"), "");
        assert_eq!(ex("${MISSING:-${HOST}}"), "db.internal");
        assert_eq!(ex("\\$HOST and $"), "$HOST and $");
        assert_eq!(ex("${LOOP}"), "x");
        assert_eq!(ex("$MISSING/x"), "/x");
        assert_eq!(ex("${UNCLOSED"), "${UNCLOSED");
    }

    #[test]
    fn datasource_parser_tolerates_comments_strings_and_other_blocks() {
        let text = r#"
// datasource fake { provider = "mysql" }
generator client {
  provider = "prisma-client-js"
  previewFeatures = ["multiSchema"] // { not a block
}

/* datasource commented {
  provider = "sqlite"
} */

model User {
  id   Int    @id @default(autoincrement())
  note String @default("datasource x { provider = \"mysql\" }")
  @@map("users")
}

datasource   db   {
  provider          = "postgresql" // the real one
  url               = env("DATABASE_URL")
  directUrl         = env( "DIRECT_URL" )
  shadowDatabaseUrl = "postgresql://shadow"
  extensions        = [pg_trgm, postgis(version: "3.4")]
  schemas           = ["public", "auth"]
}

enum Role {
  USER
  ADMIN
}
"#;
        let all = parse_datasources(text);
        assert_eq!(all.len(), 1, "{all:?}");
        let ds = &all[0];
        assert_eq!(ds.name, "db");
        assert_eq!(ds.line, 18);
        assert_eq!(ds.provider, Some(DsValue::Literal("postgresql".into())));
        assert_eq!(ds.url, Some(DsValue::Env("DATABASE_URL".into())));
        assert_eq!(ds.direct_url, Some(DsValue::Env("DIRECT_URL".into())));
        assert_eq!(
            ds.shadow_database_url,
            Some(DsValue::Literal("postgresql://shadow".into()))
        );
        // Secrets never show in Debug output.
        assert!(!format!("{ds:?}").contains("postgresql://shadow"));
    }

    #[test]
    fn datasource_parser_literal_url_other_values_and_garbage() {
        let ds = &parse_datasources(
            "datasource db {\nprovider = \"postgres\"\nurl = \"postgresql://u:p@h/db\"\n}\n",
        )[0];
        assert_eq!(ds.provider, Some(DsValue::Literal("postgres".into())));
        assert_eq!(
            ds.url,
            Some(DsValue::Literal("postgresql://u:p@h/db".into()))
        );
        assert_eq!(ds.direct_url, None);

        let ds = &parse_datasources(
            "datasource db {\n provider = \"mysql\"\n url = env(\"A\") + \"x\"\n}",
        )[0];
        assert_eq!(ds.provider, Some(DsValue::Literal("mysql".into())));
        assert_eq!(ds.url, Some(DsValue::Other));

        // Prisma 7: no url in the schema.
        let ds = &parse_datasources("datasource db {\n  provider = \"postgresql\"\n}\n")[0];
        assert_eq!(ds.url, None);

        // Garbage never panics.
        for text in [
            "datasource",
            "datasource db {",
            "datasource {}",
            "{{{",
            "\"unterminated\ndatasource db { provider = \"x",
            "} } datasource db { url = env(",
            "datasource db\n\n{ url = \"a\" }",
        ] {
            let _ = parse_datasources(text);
        }
        let ds = &parse_datasources("datasource db\n\n{ url = \"a\" }")[0];
        assert_eq!(ds.url, Some(DsValue::Literal("a".into())));
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pmd-project-{tag}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const DS: &str = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n  directUrl = env(\"DIRECT_URL\")\n}\n";

    #[test]
    fn discovery_layers_env_files_and_prefers_direct_url() {
        let root = temp_dir("layers");
        write(&root.join("prisma/schema.prisma"), DS);
        std::fs::create_dir_all(root.join("prisma/migrations")).unwrap();
        write(
            &root.join(".env"),
            "PGHOST=root-host\nDATABASE_URL=postgresql://pooled@${PGHOST}:6543/db\n",
        );
        write(
            &root.join("prisma/.env"),
            "PGHOST=schema-host\nDIRECT_URL=\"postgresql://direct@${PGHOST}:5432/db\"\n",
        );
        let opts = Options {
            cwd: Some(root.clone()),
            ..Default::default()
        };
        let none = |_: &str| None;
        let p = discover_with(&opts, &none).unwrap();
        // The root .env wins for PGHOST; DIRECT_URL comes from prisma/.env.
        assert_eq!(p.url, "postgresql://direct@root-host:5432/db");
        assert!(p.uses_direct_url);
        assert!(
            p.url_source.starts_with("DIRECT_URL in "),
            "{}",
            p.url_source
        );
        assert!(p.url_source.contains("prisma/.env"), "{}", p.url_source);
        assert!(
            p.url_source.contains("directUrl = env(\"DIRECT_URL\")"),
            "{}",
            p.url_source
        );
        assert_eq!(p.env_files.len(), 2);
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        assert!(p.notes[0].contains("PGHOST"));
        assert_eq!(p.migrations_dir, root.join("prisma/migrations"));
        assert!(p.migrations_dir_source.contains("next to the schema"));

        // The real environment wins over .env.
        let real = |k: &str| (k == "DIRECT_URL").then(|| "postgresql://real@h/db".to_string());
        let p = discover_with(&opts, &real).unwrap();
        assert_eq!(p.url, "postgresql://real@h/db");
        assert_eq!(
            p.url_source,
            "environment variable DIRECT_URL, via directUrl = env(\"DIRECT_URL\") in ".to_string()
                + &root.join("prisma/schema.prisma").display().to_string()
        );

        // An explicit url beats everything.
        let p = discover_with(
            &Options {
                url: Some("postgresql://opt@h/db".into()),
                ..opts.clone()
            },
            &real,
        )
        .unwrap();
        assert_eq!(p.url_source, "option url");

        // A declared directUrl whose variable is missing is an error that says where we looked.
        std::fs::remove_file(root.join("prisma/.env")).unwrap();
        let err = discover_with(&opts, &none).unwrap_err();
        assert_eq!(err.code, ErrorCode::Config);
        assert!(
            err.message.contains("DIRECT_URL is not set"),
            "{}",
            err.message
        );
        assert!(err.message.contains(".env"), "{}", err.message);
        assert!(!err.message.contains("pooled@"), "{}", err.message);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn discovery_order_and_errors() {
        let root = temp_dir("order");
        let none = |_: &str| None;
        let opts = Options {
            cwd: Some(root.clone()),
            url: Some("postgresql://u@h/db".into()),
            ..Default::default()
        };
        // Nothing at all: the error lists where it looked.
        let err = discover_with(&opts, &none).unwrap_err();
        assert!(err.message.contains("prisma/migrations"), "{}", err.message);
        assert!(
            err.message.contains("no Prisma schema found"),
            "{}",
            err.message
        );

        // A prisma/schema folder; migrations beside the folder.
        write(
            &root.join("prisma/schema/base.prisma"),
            "datasource db {\n provider = \"postgresql\"\n url = env(\"DATABASE_URL\")\n}\n",
        );
        write(
            &root.join("prisma/schema/models/user.prisma"),
            "model User {\n id Int @id\n}\n",
        );
        std::fs::create_dir_all(root.join("prisma/migrations")).unwrap();
        let p = discover_with(&opts, &none).unwrap();
        let schema = p.schema.as_ref().unwrap();
        assert!(schema.is_folder);
        assert_eq!(schema.files.len(), 2);
        assert_eq!(p.migrations_dir, root.join("prisma/migrations"));
        assert!(p
            .migrations_dir_source
            .contains("next to the schema folder"));

        // ./prisma/schema.prisma beats the folder; ./schema.prisma beats both.
        write(&root.join("prisma/schema.prisma"), DS);
        let p = discover_with(&opts, &none).unwrap();
        assert_eq!(p.schema.unwrap().path, root.join("prisma/schema.prisma"));
        write(
            &root.join("schema.prisma"),
            "datasource db {\n provider = \"mysql\"\n url = env(\"X\")\n}\n",
        );
        let err = discover_with(&opts, &none).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedProvider);
        assert!(err.message.contains("\"mysql\""), "{}", err.message);
        assert!(err.message.contains("schema.prisma"), "{}", err.message);

        // package.json beats the defaults; a missing file there is an error naming package.json.
        write(
            &root.join("package.json"),
            "{\"prisma\": {\"schema\": \"db/schema.prisma\"}}",
        );
        let err = discover_with(&opts, &none).unwrap_err();
        assert!(err.message.contains("package.json"), "{}", err.message);
        write(&root.join("db/schema.prisma"), DS);
        std::fs::create_dir_all(root.join("db/migrations")).unwrap();
        let p = discover_with(&opts, &none).unwrap();
        assert_eq!(p.migrations_dir, root.join("db/migrations"));
        assert!(p.schema.unwrap().source.contains("package.json"));

        // The schema option beats package.json; a config file beats package.json too.
        let p = discover_with(
            &Options {
                schema: Some("prisma/schema.prisma".into()),
                ..opts.clone()
            },
            &none,
        )
        .unwrap();
        assert_eq!(p.migrations_dir, root.join("prisma/migrations"));
        let config = PrismaConfigInput {
            file: root.join("prisma.config.ts").display().to_string(),
            schema: Some(root.join("prisma/schema").display().to_string()),
            migrations_path: Some(root.join("db/migrations").display().to_string()),
            datasource_url: Some("postgresql://cfg@h/db".into()),
        };
        let p = discover_with(
            &Options {
                url: None,
                prisma_config: Some(config),
                ..opts.clone()
            },
            &none,
        )
        .unwrap();
        assert_eq!(p.url, "postgresql://cfg@h/db");
        assert!(p.url_source.starts_with("datasource.url in "));
        assert!(p.migrations_dir_source.starts_with("migrations.path in "));
        assert!(p.schema.unwrap().source.starts_with("schema in "));

        // cwd that does not exist
        let err = discover_with(
            &Options {
                cwd: Some(root.join("nope")),
                ..Default::default()
            },
            &none,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Config);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn no_url_error_lists_every_place() {
        let root = temp_dir("nourl");
        write(
            &root.join("prisma/schema.prisma"),
            "datasource db {\n provider = \"postgresql\"\n url = env(\"APP_DB\")\n}\n",
        );
        std::fs::create_dir_all(root.join("prisma/migrations")).unwrap();
        let opts = Options {
            cwd: Some(root.clone()),
            ..Default::default()
        };
        let err = discover_with(&opts, &|_| None).unwrap_err();
        assert_eq!(err.code, ErrorCode::Config);
        for needle in ["the url option", "set APP_DB", ".env"] {
            assert!(err.message.contains(needle), "{needle}: {}", err.message);
        }
        // DATABASE_URL does not stand in for the schema's own variable (another database!)...
        let database_url =
            |k: &str| (k == "DATABASE_URL").then(|| "postgresql://x@h/d".to_string());
        assert!(discover_with(&opts, &database_url).is_err());
        // ...but is the default when the datasource names no URL (a Prisma 7 schema).
        write(
            &root.join("prisma/schema.prisma"),
            "datasource db {\n provider = \"postgresql\"\n}\n",
        );
        let p = discover_with(&opts, &database_url).unwrap();
        assert_eq!(p.url_source, "environment variable DATABASE_URL");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
