//! What kind of statement each one is, for the replay: whether it can change the catalog facts
//! we model, whether running it twice is harmless, whether skipping it is. Read with the
//! splitter's own lexer, so quoted identifiers and strings never match a keyword.

use super::effects::{Expectation, StatementEffects};
use super::split::{lex, Statement, Tok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// DDL the recogniser understood: its effect on the catalog is modelled.
    Modelled,
    /// Leaves nothing behind: session settings, LOCK, transaction control, ANALYZE.
    Inert,
    /// Changes rows (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY, a query that may call
    /// functions): invisible in the catalog, and neither re-running nor skipping it is harmless.
    Data,
    /// GRANT / REVOKE: not compared; re-running is harmless, skipping is not.
    Privilege,
    /// DO, CALL, DDL that is not modelled: may have changed anything.
    Opaque,
}

/// One statement as the replay sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementTraits {
    pub kind: StatementKind,
    /// `IF [NOT] EXISTS` / `OR REPLACE` anywhere in it: it does not fail when its object is
    /// already in the state it makes, so nothing can be inferred about the state before it.
    pub guarded: bool,
    /// Parts of its effect that are recognised but not compared (a view's query, a function's
    /// body, a CHECK expression, a partial index's predicate, an enum value's position).
    pub has_uncompared_parts: bool,
    /// It only sets properties to given values (`ALTER COLUMN ... SET DEFAULT / DROP DEFAULT /
    /// SET NOT NULL / DROP NOT NULL`, `COMMENT ON`, `OWNED BY`, `VALIDATE CONSTRAINT`): running
    /// it again changes nothing.
    pub idempotent: bool,
}

impl StatementTraits {
    /// Running it again where it already ran leaves the same database (or does nothing).
    pub fn rerun_safe(&self) -> bool {
        match self.kind {
            StatementKind::Inert | StatementKind::Privilege => true,
            StatementKind::Modelled => self.guarded || self.idempotent,
            StatementKind::Data | StatementKind::Opaque => false,
        }
    }

    /// Not running it where it did not run leaves a database no one can tell apart, given that
    /// the catalog already shows its compared effects.
    pub fn skip_safe(&self) -> bool {
        match self.kind {
            StatementKind::Inert => true,
            StatementKind::Modelled => !self.has_uncompared_parts,
            _ => false,
        }
    }

    /// It cannot change the catalog facts the replay models.
    pub fn catalog_neutral(&self) -> bool {
        matches!(
            self.kind,
            StatementKind::Inert | StatementKind::Data | StatementKind::Privilege
        )
    }
}

/// `modelled`: the recogniser derived its effects (they are verifiable).
pub fn traits(stmt: &Statement, modelled: bool) -> StatementTraits {
    let words = words(&stmt.sql);
    let first = words.first().map(String::as_str).unwrap_or("");
    // A `DO` block is modelled only as "create unless it exists" (effects::do_block).
    let guarded = words.windows(2).any(|w| {
        (w[0] == "if" && (w[1] == "exists" || w[1] == "not")) || (w[0] == "or" && w[1] == "replace")
    }) || (modelled && first == "do");
    let kind = if stmt.transaction_control {
        StatementKind::Inert
    } else if modelled {
        StatementKind::Modelled
    } else {
        match first {
            "set" | "reset" | "lock" | "analyze" | "analyse" | "checkpoint" | "discard"
            | "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint"
            | "release" => StatementKind::Inert,
            // `SELECT ... INTO` creates a table (and `WITH ... AS (INSERT INTO ...)` is taken as
            // opaque too: more cautious, never less).
            "select" | "with" if words.iter().any(|w| w == "into") => StatementKind::Opaque,
            "insert" | "update" | "delete" | "copy" | "merge" | "truncate" | "select" | "with"
            | "values" | "table" | "refresh" | "vacuum" | "cluster" | "reindex" => {
                StatementKind::Data
            }
            "grant" | "revoke" => StatementKind::Privilege,
            _ => StatementKind::Opaque,
        }
    };
    let uncompared_word = |w: &str| {
        matches!(
            w,
            "view"
                | "function"
                | "procedure"
                | "trigger"
                | "rule"
                | "policy"
                | "check"
                | "where"
                | "before"
                | "after"
                | "using"
                | "as"
        )
    };
    StatementTraits {
        kind,
        guarded,
        has_uncompared_parts: kind == StatementKind::Modelled
            && words.iter().any(|w| uncompared_word(w)),
        idempotent: false,
    }
}

/// `traits`, with what the statement's modelled effects add (`idempotent`).
pub fn traits_of(stmt: &Statement, effects: &StatementEffects) -> StatementTraits {
    let mut t = traits(stmt, matches!(effects, StatementEffects::Verifiable(_)));
    let facts = effects.expectations();
    t.idempotent = t.kind == StatementKind::Modelled
        && !facts.is_empty()
        && facts.iter().all(|e| {
            matches!(
                e,
                Expectation::ColumnDefault { .. }
                    | Expectation::ColumnNotNull { .. }
                    | Expectation::CommentEquals { .. }
                    | Expectation::FunctionComment { .. }
                    | Expectation::SequenceOwnedBy { .. }
                    | Expectation::ConstraintValidated { .. }
            )
        });
    t
}

/// The statement's keywords and unquoted names, lower-cased, comments left out.
pub(crate) fn words(sql: &str) -> Vec<String> {
    lex(sql)
        .iter()
        .filter(|t| t.kind == Tok::Word)
        .map(|t| sql[t.start..t.end].to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::split::split_script;

    fn t(sql: &str, modelled: bool) -> StatementTraits {
        let s = split_script(sql);
        traits(&s.statements[0], modelled)
    }

    #[test]
    fn kinds() {
        assert_eq!(
            t("SET lock_timeout = '5s'", false).kind,
            StatementKind::Inert
        );
        assert_eq!(
            t("LOCK TABLE \"User\" IN ACCESS EXCLUSIVE MODE", false).kind,
            StatementKind::Inert
        );
        assert_eq!(
            t("UPDATE \"User\" SET \"slug\" = \"id\"", false).kind,
            StatementKind::Data
        );
        assert_eq!(
            t("GRANT SELECT ON \"User\" TO app", false).kind,
            StatementKind::Privilege
        );
        assert_eq!(
            t("DO $$ BEGIN CREATE TABLE x (); END $$", false).kind,
            StatementKind::Opaque
        );
        assert_eq!(
            t("SELECT * INTO TEMP TABLE t FROM x", false).kind,
            StatementKind::Opaque
        );
        assert_eq!(
            t(
                "WITH r AS (INSERT INTO a SELECT 1 RETURNING *) SELECT * INTO TEMP TABLE t FROM r",
                false
            )
            .kind,
            StatementKind::Opaque
        );
        assert!(t("CREATE INDEX IF NOT EXISTS \"i\" ON \"t\"(\"a\")", true).guarded);
        assert!(t("ALTER TABLE \"t\" ADD COLUMN IF NOT EXISTS \"a\" int", true).guarded);
        assert!(!t("CREATE TABLE \"if\" (\"exists\" int)", true).guarded);
        assert!(!t("CREATE TABLE \"IF\" (\"exists\" int)", true).guarded);
        assert!(t("CREATE SCHEMA IF NOT EXISTS \"public\"", true).guarded);
        assert!(
            t(
                "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
                true
            )
            .guarded
        );
        assert!(t("DROP INDEX IF EXISTS \"a\"", true).guarded);
        assert!(t("CREATE VIEW v AS SELECT 1", true).has_uncompared_parts);
        assert!(!t("CREATE INDEX \"i\" ON \"t\"(\"a\")", true).has_uncompared_parts);
    }

    #[test]
    fn safety() {
        let inert = t("SET x = 1", false);
        assert!(inert.rerun_safe() && inert.skip_safe() && inert.catalog_neutral());
        let data = t("INSERT INTO t VALUES (1)", false);
        assert!(!data.rerun_safe() && !data.skip_safe() && data.catalog_neutral());
        let ddl = t("CREATE INDEX \"i\" ON \"t\"(\"a\")", true);
        assert!(!ddl.rerun_safe() && ddl.skip_safe() && !ddl.catalog_neutral());
        let opaque = t("DO $$ BEGIN NULL; END $$", false);
        assert!(!opaque.rerun_safe() && !opaque.skip_safe() && !opaque.catalog_neutral());
    }
}
