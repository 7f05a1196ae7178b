//! How the deploy ran the failed script: in one transaction (a failure leaves nothing), or
//! statement by statement (a failure leaves the statements before it committed). It decides
//! which prefixes of the script the database can hold, so it is read from facts, strongest
//! first, and reported with where it came from:
//! 1. the logs: a driver adapter ("external connector error") always runs statement by statement;
//! 2. the script's own BEGIN/COMMIT: what precedes a COMMIT persists whatever the engine;
//! 3. the `prismaVersion` option;
//! 4. the Prisma installed under the project (node_modules/prisma, @prisma/engines,
//!    @prisma/client, searched upwards as Node resolves them), then the lockfile, then the
//!    package.json range.
//!
//! Up to Prisma 7.3 the native engine sends the whole script as one query: one implicit
//! transaction (read in the 5.22 and 6.19 sources). The first engine built after
//! prisma-engines #5767 (merged 2026-02-09) ships with Prisma 7.4.0, or 7.4.1 if the merge
//! came after that build: it splits the script and runs each statement in autocommit, and sends
//! the whole script at once when its splitter cannot parse it. So 7.4.0 itself is `unknown`, and
//! for splitting versions every prefix stays possible: one transaction is never assumed where it
//! cannot be shown. `@prisma/client` is read last among the installed packages: it usually has
//! the CLI's version, which Prisma warns about when they differ. CockroachDB never runs a script
//! in one transaction.

use std::path::{Path, PathBuf};

use crate::report::Execution;

/// Every release before this one runs a script as one transaction.
pub const ATOMIC_BEFORE: Version = Version(7, 4, 0);
/// Every release from this one runs statements one by one.
pub const SPLITTING_SINCE: Version = Version(7, 4, 1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// `7.10.1`, `v6.19.3`, `7.4.0-dev.12`: the numeric core; None when it is not a version.
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.trim().trim_start_matches(['v', '=']);
        let core = core.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        Some(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionFacts {
    pub execution: Execution,
    /// Where that came from, for the report.
    pub source: String,
}

/// What the project says about the Prisma that deploys it, read once per diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPrisma {
    /// The version range the deploy can have run: (lowest, highest) inclusive; equal when exact.
    pub range: Option<(Version, Option<Version>)>,
    pub source: String,
}

impl ProjectPrisma {
    /// `option`: the `prismaVersion` option; `root`: the project root.
    pub fn find(option: Option<&str>, root: &Path) -> ProjectPrisma {
        if let Some(text) = option {
            return match Version::parse(text) {
                Some(v) => ProjectPrisma {
                    range: Some((v, Some(v))),
                    source: format!("the prismaVersion option ({v})"),
                },
                None => ProjectPrisma {
                    range: None,
                    source: format!("the prismaVersion option ({text:?}) is not a version"),
                },
            };
        }
        if let Some((v, path)) = installed(root) {
            return ProjectPrisma {
                range: Some((v, Some(v))),
                source: format!("Prisma {v} installed ({})", path.display()),
            };
        }
        if let Some((v, path)) = locked(root) {
            return ProjectPrisma {
                range: Some((v, Some(v))),
                source: format!("Prisma {v} in {}", path.display()),
            };
        }
        if let Some((range, text, path)) = declared(root) {
            return ProjectPrisma {
                range: Some(range),
                source: format!("the range {text:?} in {}", path.display()),
            };
        }
        ProjectPrisma {
            range: None,
            source:
                "no Prisma version found under the project (node_modules, lockfile, package.json)"
                    .into(),
        }
    }
}

/// The project's Prisma, read only when a failed migration needs it: a healthy project's hook
/// never reads node_modules or parses a lockfile. Shared by the sessions of a fleet run.
#[derive(Debug)]
pub struct LazyPrisma {
    option: Option<String>,
    root: PathBuf,
    found: std::sync::OnceLock<ProjectPrisma>,
}

impl LazyPrisma {
    pub fn new(option: Option<&str>, root: &Path) -> LazyPrisma {
        LazyPrisma {
            option: option.map(str::to_string),
            root: root.to_path_buf(),
            found: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self) -> &ProjectPrisma {
        self.found
            .get_or_init(|| ProjectPrisma::find(self.option.as_deref(), &self.root))
    }
}

/// The execution model of one failed migration.
pub fn detect(
    logs: &str,
    has_transaction_control: bool,
    server_is_cockroach: bool,
    prisma: &ProjectPrisma,
) -> ExecutionFacts {
    if server_is_cockroach {
        return ExecutionFacts {
            execution: Execution::StatementByStatement,
            source: "the server: CockroachDB never runs a migration in one transaction".into(),
        };
    }
    if logs.contains("external connector error") {
        return ExecutionFacts {
            execution: Execution::StatementByStatement,
            source: "the logs: a driver adapter ran the script, statement by statement".into(),
        };
    }
    if has_transaction_control {
        return ExecutionFacts {
            execution: Execution::StatementByStatement,
            source: "the script's own BEGIN/COMMIT: what precedes a COMMIT persists".into(),
        };
    }
    let Some((low, high)) = prisma.range else {
        return ExecutionFacts {
            execution: Execution::Unknown,
            source: format!(
                "{}; pass prismaVersion (CLI --prisma-version) to decide",
                prisma.source
            ),
        };
    };
    if high.is_some_and(|h| h < ATOMIC_BEFORE) {
        ExecutionFacts {
            execution: Execution::AllOrNothing,
            source: format!(
                "{}: before {ATOMIC_BEFORE} the native engine runs a script as one transaction",
                prisma.source
            ),
        }
    } else if low >= SPLITTING_SINCE {
        ExecutionFacts {
            execution: Execution::StatementByStatement,
            source: format!(
                "{}: since {SPLITTING_SINCE} the native engine runs statements one by one (the whole script at once only \
                 when its splitter cannot parse it)",
                prisma.source
            ),
        }
    } else {
        ExecutionFacts {
            execution: Execution::Unknown,
            source: format!(
                "{}: it includes {ATOMIC_BEFORE}, where the engine changed from one transaction to statement by statement",
                prisma.source
            ),
        }
    }
}

/// The prefixes `k` (statements `0..k` applied) a script of `n` statements can be left in.
pub fn possible_prefixes(execution: Execution, n: usize) -> Vec<usize> {
    match execution {
        // All: the script's changes made by hand afterwards (or an earlier `db push`).
        Execution::AllOrNothing if n > 0 => vec![0, n],
        _ => (0..=n).collect(),
    }
}

const VERSION_PACKAGES: &[&str] = &["prisma", "@prisma/engines", "@prisma/client"];

/// The version of the first of `prisma`, `@prisma/engines`, `@prisma/client` found in a
/// node_modules folder of `root` or one of its parents (hoisted installs in monorepos).
fn installed(root: &Path) -> Option<(Version, PathBuf)> {
    for dir in root.ancestors() {
        for package in VERSION_PACKAGES {
            let path = dir.join("node_modules").join(package).join("package.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if let Some(v) = json
                .get("version")
                .and_then(|v| v.as_str())
                .and_then(Version::parse)
            {
                return Some((v, path));
            }
        }
    }
    None
}

/// The version a lockfile pins: package-lock.json, pnpm-lock.yaml or yarn.lock.
fn locked(root: &Path) -> Option<(Version, PathBuf)> {
    for dir in root.ancestors() {
        let npm = dir.join("package-lock.json");
        if let Ok(text) = std::fs::read_to_string(&npm) {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                for package in VERSION_PACKAGES {
                    let key = format!("node_modules/{package}");
                    if let Some(v) = json
                        .pointer(&format!("/packages/{}", key.replace('/', "~1")))
                        .and_then(|p| p.get("version"))
                        .and_then(|v| v.as_str())
                        .and_then(Version::parse)
                    {
                        return Some((v, npm));
                    }
                }
            }
        }
        let pnpm = dir.join("pnpm-lock.yaml");
        if let Ok(text) = std::fs::read_to_string(&pnpm) {
            if let Some(v) = pnpm_version(&text) {
                return Some((v, pnpm));
            }
        }
        let yarn = dir.join("yarn.lock");
        if let Ok(text) = std::fs::read_to_string(&yarn) {
            if let Some(v) = yarn_version(&text) {
                return Some((v, yarn));
            }
        }
    }
    None
}

/// pnpm lockfiles list packages as `/prisma@6.19.3:` (v6) or `prisma@6.19.3:` (v9).
fn pnpm_version(text: &str) -> Option<Version> {
    for package in VERSION_PACKAGES {
        for line in text.lines() {
            let t = line
                .trim()
                .trim_start_matches('/')
                .trim_matches(['\'', '"']);
            if let Some(rest) = t.strip_prefix(&format!("{package}@")) {
                let v = rest.trim_end_matches(':').split(['(', ':']).next()?;
                if let Some(v) = Version::parse(v) {
                    return Some(v);
                }
            }
        }
    }
    None
}

/// yarn.lock: a `prisma@^6.0.0:` entry followed by `  version "6.19.3"`.
fn yarn_version(text: &str) -> Option<Version> {
    for package in VERSION_PACKAGES {
        let mut in_entry = false;
        for line in text.lines() {
            if !line.starts_with(' ') {
                in_entry = line
                    .trim_matches('"')
                    .split(", ")
                    .any(|spec| spec.trim_matches('"').starts_with(&format!("{package}@")));
                continue;
            }
            if in_entry {
                if let Some(v) = line.trim().strip_prefix("version") {
                    if let Some(v) = Version::parse(v.trim().trim_matches(['"', ':', ' '])) {
                        return Some(v);
                    }
                }
            }
        }
    }
    None
}

/// The range package.json declares for `prisma` (or `@prisma/client`): `6.19.3`, `^6.2.0`,
/// `~7.3.1`; anything else is not read.
fn declared(root: &Path) -> Option<((Version, Option<Version>), String, PathBuf)> {
    for dir in root.ancestors() {
        let path = dir.join("package.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        for package in ["prisma", "@prisma/client"] {
            for section in ["dependencies", "devDependencies"] {
                if let Some(spec) = json
                    .get(section)
                    .and_then(|d| d.get(package))
                    .and_then(|v| v.as_str())
                {
                    if let Some(range) = parse_range(spec) {
                        return Some((range, spec.to_string(), path));
                    }
                }
            }
        }
    }
    None
}

/// `^M.m.p` -> [M.m.p, M.max]; `~M.m.p` -> [M.m.p, M.m.max]; exact -> [v, v]; `M.x` -> [M.0.0, M.max].
pub fn parse_range(spec: &str) -> Option<(Version, Option<Version>)> {
    let spec = spec.trim();
    let below = |v: Version| Some(v);
    if let Some(rest) = spec.strip_prefix('^') {
        let v = Version::parse(rest)?;
        if v.0 == 0 {
            return Some((v, below(Version(0, v.1, u64::MAX))));
        }
        return Some((v, below(Version(v.0, u64::MAX, u64::MAX))));
    }
    if let Some(rest) = spec.strip_prefix('~') {
        let v = Version::parse(rest)?;
        return Some((v, below(Version(v.0, v.1, u64::MAX))));
    }
    if let Some(major) = spec
        .strip_suffix(".x")
        .or_else(|| spec.strip_suffix(".x.x"))
    {
        let m: u64 = major.parse().ok()?;
        return Some((Version(m, 0, 0), below(Version(m, u64::MAX, u64::MAX))));
    }
    if spec.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let v = Version::parse(spec)?;
        return Some((v, Some(v)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prisma(range: Option<(Version, Option<Version>)>) -> ProjectPrisma {
        ProjectPrisma {
            range,
            source: "test".into(),
        }
    }

    #[test]
    fn versions_and_ranges() {
        assert_eq!(Version::parse("7.10.1"), Some(Version(7, 10, 1)));
        assert_eq!(Version::parse("v6.19.3"), Some(Version(6, 19, 3)));
        assert_eq!(Version::parse("7.4.0-dev.3"), Some(Version(7, 4, 0)));
        assert_eq!(Version::parse("latest"), None);
        assert_eq!(
            parse_range("^6.2.0"),
            Some((Version(6, 2, 0), Some(Version(6, u64::MAX, u64::MAX))))
        );
        assert_eq!(
            parse_range("~7.3.1"),
            Some((Version(7, 3, 1), Some(Version(7, 3, u64::MAX))))
        );
        assert_eq!(parse_range(">=5"), None);
    }

    #[test]
    fn model_from_facts() {
        let six = prisma(Some((Version(6, 19, 3), Some(Version(6, 19, 3)))));
        let seven = prisma(Some((Version(7, 10, 1), Some(Version(7, 10, 1)))));
        let caret_seven = prisma(parse_range("^7.0.0"));
        let native = "A migration failed to apply.\n\nDatabase error code: 57014";
        assert_eq!(
            detect(native, false, false, &six).execution,
            Execution::AllOrNothing
        );
        assert_eq!(
            detect(native, false, false, &seven).execution,
            Execution::StatementByStatement
        );
        assert_eq!(
            detect(native, false, false, &caret_seven).execution,
            Execution::Unknown
        );
        assert_eq!(
            detect(native, false, false, &prisma(None)).execution,
            Execution::Unknown
        );
        assert_eq!(
            detect("external connector error", false, false, &six).execution,
            Execution::StatementByStatement
        );
        assert_eq!(
            detect(native, true, false, &six).execution,
            Execution::StatementByStatement
        );
        assert_eq!(
            detect(native, false, false, &prisma(parse_range("^6.1.0"))).execution,
            Execution::AllOrNothing
        );
        let exact = |v| prisma(Some((v, Some(v))));
        assert_eq!(
            detect(native, false, false, &exact(Version(7, 3, 9))).execution,
            Execution::AllOrNothing
        );
        assert_eq!(
            detect(native, false, false, &exact(Version(7, 4, 0))).execution,
            Execution::Unknown
        );
        assert_eq!(
            detect(native, false, true, &six).execution,
            Execution::StatementByStatement
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(possible_prefixes(Execution::AllOrNothing, 3), vec![0, 3]);
        assert_eq!(
            possible_prefixes(Execution::StatementByStatement, 2),
            vec![0, 1, 2]
        );
        assert_eq!(possible_prefixes(Execution::Unknown, 0), vec![0]);
    }

    #[test]
    fn lockfiles() {
        assert_eq!(
            pnpm_version("packages:\n  /prisma@6.19.3:\n    resolution: x\n"),
            Some(Version(6, 19, 3))
        );
        assert_eq!(
            pnpm_version("packages:\n  prisma@7.10.1:\n"),
            Some(Version(7, 10, 1))
        );
        assert_eq!(
            yarn_version("\"prisma@^6.0.0\":\n  version \"6.19.3\"\n  resolved x\n"),
            Some(Version(6, 19, 3))
        );
    }
}
