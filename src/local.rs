//! The migrations folder as Prisma reads it: every subfolder is a migration (sorted by name),
//! its `migration.sql` is the script, and `migration_lock.toml` names the provider.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{DoctorError, ErrorCode, Result};

#[derive(Debug, Clone)]
pub struct LocalMigration {
    pub name: String,
    pub dir: PathBuf,
    /// The bytes of migration.sql; `None` when the folder has no migration.sql.
    pub script: Option<Vec<u8>>,
    /// SHA-256 of `script`, computed once when it is read (a fleet compares it with many ledgers).
    digest: Option<String>,
}

impl LocalMigration {
    pub fn new(name: String, dir: PathBuf, script: Option<Vec<u8>>) -> Self {
        let digest = script.as_deref().map(checksum);
        LocalMigration {
            name,
            dir,
            script,
            digest,
        }
    }

    pub fn script_text(&self) -> Option<String> {
        self.script
            .as_ref()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    }

    /// The checksum Prisma would record for this script today.
    pub fn checksum(&self) -> Option<String> {
        self.digest.clone()
    }

    /// Prisma's comparison (status/dev): raw, CRLF->LF or LF->CRLF, legacy unpadded hex. The raw
    /// digest is known already; the other forms are hashed only when it does not match.
    pub fn matches_checksum(&self, stored: &str) -> bool {
        if self.digest.as_deref() == Some(stored) {
            return true;
        }
        self.script
            .as_deref()
            .is_some_and(|script| script_matches_checksum(script, stored))
    }
}

#[derive(Debug, Clone)]
pub struct LocalMigrations {
    pub dir: PathBuf,
    pub migrations: Vec<LocalMigration>,
    /// `provider` from migration_lock.toml, when the file exists and names one.
    pub lock_provider: Option<String>,
}

impl LocalMigrations {
    pub fn get(&self, name: &str) -> Option<&LocalMigration> {
        self.migrations.iter().find(|m| m.name == name)
    }

    /// Prisma's P3019 check: a lock file for another provider stops every command.
    pub fn check_provider(&self) -> Result<()> {
        match self.lock_provider.as_deref() {
            None | Some("postgresql") | Some("postgres") => Ok(()),
            Some(other) => Err(DoctorError::new(
                ErrorCode::P3019,
                format!(
                    "The datasource provider `postgresql` specified in your schema does not match the one specified in the \
                     migration_lock.toml, `{other}`. Please remove your current migration directory and start a new migration \
                     history with prisma migrate dev. Read more: https://pris.ly/d/migrate-provider-switch"
                ),
            )),
        }
    }
}

pub fn checksum(script: &[u8]) -> String {
    hex::encode(Sha256::digest(script))
}

/// Some ledgers hold checksums written without zero padding (prisma-engines#1887).
fn checksum_unpadded(script: &[u8]) -> String {
    Sha256::digest(script)
        .iter()
        .map(|b| format!("{b:x}"))
        .collect()
}

const CHECKSUM_LEN: usize = 64;

pub fn script_matches_checksum(script: &[u8], stored: &str) -> bool {
    let variants = [
        script.to_vec(),
        replace_bytes(script, b"\r\n", b"\n"),
        replace_bytes(script, b"\n", b"\r\n"),
    ];
    variants.iter().any(|v| {
        if !stored.is_empty() && stored.len() != CHECKSUM_LEN {
            checksum_unpadded(v) == stored
        } else {
            checksum(v) == stored
        }
    })
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len() + haystack.len() / 16);
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

pub fn read_migrations_dir(dir: &Path) -> Result<LocalMigrations> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        DoctorError::config(format!(
            "Cannot read the migrations folder `{}`: {e}. Pass migrationsDir (CLI: --migrations-dir) or run from the project root.",
            dir.display()
        ))
    })?;
    let mut folders = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let path = entry.path();
        // The entry's own type needs no stat; a symlink is followed, as `is_dir` does.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => path.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => path.is_dir(),
        };
        if is_dir {
            folders.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    folders.sort_by(|a, b| a.0.cmp(&b.0));
    let migrations = read_scripts(folders)?;
    let lock_provider = read_lock_provider(&dir.join("migration_lock.toml"))?;
    Ok(LocalMigrations {
        dir: dir.to_path_buf(),
        migrations,
        lock_provider,
    })
}

/// Below this many folders one thread reads them faster than several start.
const PARALLEL_READ_MIN: usize = 64;

/// Reads and hashes every folder's migration.sql, on a few threads for a long history (the
/// reads are syscall-bound and the hashing CPU-bound: both split well). Order is kept.
fn read_scripts(folders: Vec<(String, PathBuf)>) -> Result<Vec<LocalMigration>> {
    let read_one = |(name, path): (String, PathBuf)| -> Result<LocalMigration> {
        let script_path = path.join("migration.sql");
        let script = match std::fs::read(&script_path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_error(&script_path, e)),
        };
        Ok(LocalMigration::new(name, path, script))
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    if folders.len() < PARALLEL_READ_MIN || threads == 1 {
        return folders.into_iter().map(read_one).collect();
    }
    let chunk = folders.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(String, PathBuf)>> = Vec::with_capacity(threads);
    let mut rest = folders.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    let parts: Vec<Result<Vec<LocalMigration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| scope.spawn(move || c.into_iter().map(read_one).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(DoctorError::new(
                        ErrorCode::Internal,
                        "Reading the migrations folder stopped on an internal error.",
                    ))
                })
            })
            .collect()
    });
    let mut out = Vec::new();
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn io_error(path: &Path, e: std::io::Error) -> DoctorError {
    DoctorError::new(
        ErrorCode::Io,
        format!("Cannot read `{}`: {e}", path.display()),
    )
    .with_source(e)
}

/// `provider = "postgresql"`, read without a TOML parser: the file has one meaningful line.
fn read_lock_provider(path: &Path) -> Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    Ok(text.lines().find_map(|line| {
        let line = line.trim();
        let rest = line
            .strip_prefix("provider")?
            .trim_start()
            .strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').trim_matches('\'').to_string())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_padded_sha256_hex() {
        assert_eq!(
            checksum(b"hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn comparison_tolerates_line_endings_only() {
        let lf = b"CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
        let crlf = b"CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n";
        assert!(script_matches_checksum(lf, &checksum(crlf)));
        assert!(script_matches_checksum(crlf, &checksum(lf)));
        assert!(!script_matches_checksum(b"abc\n", &checksum(b"abc")));
        assert!(!script_matches_checksum(b"abc", &checksum(b"abcd")));
    }

    #[test]
    fn legacy_unpadded_checksums_match() {
        // Find a script whose digest has a byte < 0x10 so the legacy form is shorter.
        let script = (0..)
            .map(|i| format!("SELECT {i};"))
            .find(|s| Sha256::digest(s.as_bytes()).iter().any(|b| *b < 0x10))
            .unwrap();
        let legacy = checksum_unpadded(script.as_bytes());
        assert!(legacy.len() < CHECKSUM_LEN);
        assert!(script_matches_checksum(script.as_bytes(), &legacy));
        assert!(!script_matches_checksum(b"other", &legacy));
    }

    #[test]
    fn reads_sorted_folders_and_lock_provider() {
        let dir = std::env::temp_dir().join(format!("pmd-local-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for name in ["20240102_b", "20240101_a", "20240103_c"] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
        }
        std::fs::write(dir.join("20240101_a/migration.sql"), "SELECT 1;").unwrap();
        std::fs::write(dir.join("20240102_b/migration.sql"), "SELECT 2;").unwrap();
        std::fs::write(
            dir.join("migration_lock.toml"),
            "# Please do not edit this file manually\nprovider = \"sqlite\"\n",
        )
        .unwrap();
        let local = read_migrations_dir(&dir).unwrap();
        let names: Vec<_> = local.migrations.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["20240101_a", "20240102_b", "20240103_c"]);
        assert!(local.migrations[2].script.is_none());
        assert_eq!(local.lock_provider.as_deref(), Some("sqlite"));
        assert_eq!(local.check_provider().unwrap_err().code, ErrorCode::P3019);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
