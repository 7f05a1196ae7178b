//! Where things are: the database URL and the migrations folder, and where each came from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{DoctorError, Result};

/// What the caller passed; every field optional (the CLI and JS options map onto this).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub url: Option<String>,
    pub cwd: Option<PathBuf>,
    pub schema: Option<PathBuf>,
    pub migrations_dir: Option<PathBuf>,
    pub connect_timeout_ms: Option<u32>,
    pub lock_timeout_ms: Option<u32>,
}

/// The resolved project. `url` holds a secret: never print it, use `ConnectionSpec::redacted_url`.
#[derive(Clone)]
pub struct Project {
    pub root: PathBuf,
    pub url: String,
    pub url_source: String,
    pub migrations_dir: PathBuf,
    pub migrations_dir_source: String,
}

pub fn discover(options: &Options) -> Result<Project> {
    let root = match &options.cwd {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()
            .map_err(|e| DoctorError::config(format!("Cannot read the current directory: {e}")))?,
    };
    let schema_dir = options.schema.as_ref().map(|s| {
        let path = root.join(s);
        if path.is_dir() {
            path
        } else {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.clone())
        }
    });

    let (migrations_dir, migrations_dir_source) = match (&options.migrations_dir, &schema_dir) {
        (Some(dir), _) => (root.join(dir), "option migrationsDir".to_string()),
        (None, Some(dir)) => (
            dir.join("migrations"),
            "next to the schema option".to_string(),
        ),
        (None, None) => (
            root.join("prisma").join("migrations"),
            "default prisma/migrations".to_string(),
        ),
    };
    if !migrations_dir.is_dir() {
        return Err(DoctorError::config(format!(
            "No migrations folder at `{}` ({migrations_dir_source}). Pass migrationsDir (CLI: --migrations-dir) or run \
             from the project root, the folder that holds prisma/migrations.",
            migrations_dir.display()
        )));
    }

    let env_files: Vec<PathBuf> = {
        let mut files = vec![root.join(".env"), root.join("prisma").join(".env")];
        if let Some(dir) = &schema_dir {
            files.push(dir.join(".env"));
        }
        files.dedup();
        files
    };
    let (url, url_source) = match &options.url {
        Some(url) if !url.trim().is_empty() => (url.clone(), "option url".to_string()),
        _ => match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => (url, "environment variable DATABASE_URL".to_string()),
            _ => find_in_env_files(&env_files, "DATABASE_URL")?.ok_or_else(|| {
                let looked: Vec<String> = env_files.iter().map(|p| p.display().to_string()).collect();
                DoctorError::config(format!(
                    "No database URL: pass url (CLI: --url) or set DATABASE_URL. Looked in: the url option, the DATABASE_URL \
                     environment variable, {}.",
                    looked.join(", ")
                ))
            })?,
        },
    };
    Ok(Project {
        root,
        url,
        url_source,
        migrations_dir,
        migrations_dir_source,
    })
}

fn find_in_env_files(files: &[PathBuf], key: &str) -> Result<Option<(String, String)>> {
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(DoctorError::config(format!(
                    "Cannot read `{}`: {e}",
                    file.display()
                )))
            }
        };
        if let Some(value) = parse_dotenv(&text).remove(key).filter(|v| !v.is_empty()) {
            return Ok(Some((value, format!("{key} in {}", file.display()))));
        }
    }
    Ok(None)
}

/// The dotenv subset Prisma projects use: `KEY=value`, `export KEY=value`, quotes, comments.
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => match value[1..].find(q) {
                Some(end) => {
                    let inner = &value[1..1 + end];
                    if q == '"' {
                        inner.replace("\\n", "\n")
                    } else {
                        inner.to_string()
                    }
                }
                None => value.to_string(),
            },
            // An unquoted value ends at an inline comment.
            _ => value.split(" #").next().unwrap_or("").trim().to_string(),
        };
        out.insert(key.trim().to_string(), value);
    }
    out
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
}
