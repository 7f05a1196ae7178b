//! What a failed migration script does, read with a small lexer (enough to find statements and
//! skip comments, strings and identifiers): uniques and NOT NULL columns it adds, rows it writes,
//! objects it creates, drops and retypes, other dialects' markers, version-gated syntax.

use super::text::qi;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),  // bare word, original case
    Ident(String), // "quoted identifier"
    Str,           // 'string' / $$body$$
    Backtick(String),
    Bracket(String), // [mssql identifier]
    Punct(char),
}

impl Tok {
    fn kw(&self, k: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(k))
    }
    fn name(&self) -> Option<&str> {
        match self {
            Tok::Word(w) | Tok::Ident(w) | Tok::Backtick(w) | Tok::Bracket(w) => Some(w),
            _ => None,
        }
    }
}

fn lex(script: &str) -> Vec<Vec<Tok>> {
    let chars: Vec<char> = script.chars().collect();
    let mut stmts = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && i + 1 < n && chars[i + 1] == '-' {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '#' && cur.is_empty() {
            // MySQL comment at statement start
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && i + 1 < n && chars[i + 1] == '*' {
            i += 2;
            while i + 1 < n && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            i += 1;
            while i < n {
                if chars[i] == '\'' {
                    if i + 1 < n && chars[i + 1] == '\'' {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            cur.push(Tok::Str);
        } else if c == '"' || c == '`' || c == '[' {
            let close = match c {
                '"' => '"',
                '`' => '`',
                _ => ']',
            };
            let mut s = String::new();
            i += 1;
            while i < n {
                if chars[i] == close {
                    if close != ']' && i + 1 < n && chars[i + 1] == close {
                        s.push(close);
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            cur.push(match c {
                '"' => Tok::Ident(s),
                '`' => Tok::Backtick(s),
                _ => {
                    // `[` is also an array subscript/type suffix in PostgreSQL (TEXT[]).
                    if s.is_empty() || s.chars().all(|ch| ch.is_ascii_digit() || ch == ':') {
                        Tok::Punct('[')
                    } else {
                        Tok::Bracket(s)
                    }
                }
            });
        } else if c == '$' {
            // dollar quote $tag$ ... $tag$
            let mut j = i + 1;
            while j < n && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j < n && chars[j] == '$' {
                let tag: String = chars[i..=j].iter().collect();
                let tagc: Vec<char> = tag.chars().collect();
                let mut k = j + 1;
                while k < n && !(chars[k..].starts_with(&tagc)) {
                    k += 1;
                }
                i = (k + tagc.len()).min(n);
                cur.push(Tok::Str);
            } else {
                i = j;
                cur.push(Tok::Punct('$'));
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut s = String::new();
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                // keep qualified bare names split at '.'
                if chars[i] == '.' {
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            cur.push(Tok::Word(s));
        } else if c == ';' {
            if !cur.is_empty() {
                stmts.push(std::mem::take(&mut cur));
            }
            i += 1;
        } else {
            cur.push(Tok::Punct(c));
            i += 1;
        }
    }
    if !cur.is_empty() {
        stmts.push(cur);
    }
    stmts
}

/// Reads a possibly qualified name at `toks[i..]`: returns (parts, next index).
fn read_name(toks: &[Tok], mut i: usize) -> Option<(Vec<String>, usize)> {
    let mut parts = vec![toks.get(i)?.name()?.to_string()];
    i += 1;
    while toks.get(i) == Some(&Tok::Punct('.')) {
        match toks.get(i + 1).and_then(|t| t.name()) {
            Some(p) => {
                parts.push(p.to_string());
                i += 2;
            }
            None => break,
        }
    }
    Some((parts, i))
}

fn skip_kws(toks: &[Tok], mut i: usize, kws: &[&str]) -> usize {
    while let Some(t) = toks.get(i) {
        if kws.iter().any(|k| t.kw(k)) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Names inside the parenthesised list starting at `toks[i]` (`(`), top level only.
fn paren_names(toks: &[Tok], i: usize) -> Vec<String> {
    let mut out = Vec::new();
    if toks.get(i) != Some(&Tok::Punct('(')) {
        return out;
    }
    let mut depth = 0;
    let mut expect = true;
    for t in &toks[i..] {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Tok::Punct(',') if depth == 1 => expect = true,
            _ if depth == 1 && expect => {
                if let Some(n) = t.name() {
                    out.push(n.to_string());
                }
                expect = false;
            }
            _ => {}
        }
    }
    out
}

pub(super) fn render_name(parts: &[String]) -> String {
    parts.iter().map(|p| qi(p)).collect::<Vec<_>>().join(".")
}

#[derive(Debug, Clone, Default)]
pub(super) struct UniqueDef {
    pub(super) name: Option<String>,
    pub(super) table: Vec<String>,
    pub(super) columns: Vec<String>,
    pub(super) primary: bool,
}

#[derive(Debug, Clone)]
pub(super) struct NotNullDef {
    pub(super) table: Vec<String>,
    pub(super) column: String,
    /// ADD COLUMN (true) or SET NOT NULL (false)
    pub(super) add_column: bool,
    pub(super) has_default: bool,
}

#[derive(Debug, Default)]
pub(super) struct ScriptFacts {
    pub(super) uniques: Vec<UniqueDef>,
    pub(super) not_nulls: Vec<NotNullDef>,
    pub(super) writes_rows: bool,
    pub(super) concurrently: Vec<String>,
    pub(super) enum_adds: Vec<(Vec<String>, String)>,
    pub(super) foreign: Vec<&'static str>,
    pub(super) own_transaction: bool,
    /// Names of objects the script creates (tables, types, indexes, constraints, views, sequences,
    /// schemas, functions, rename targets) and columns it adds (`table.column`), unqualified.
    pub(super) created: Vec<String>,
    /// Names of objects the script drops or renames away, and columns it drops (`table.column`).
    pub(super) dropped: Vec<String>,
    /// Columns whose type the script changes (`ALTER COLUMN ... TYPE` / `SET DATA TYPE`).
    pub(super) retyped: Vec<ColumnRef>,
    /// Columns the script drops.
    pub(super) dropped_columns: Vec<ColumnRef>,
    /// Extensions the script creates.
    pub(super) extensions: Vec<String>,
    /// Syntax that needs a minimum PostgreSQL version, as found in the script.
    pub(super) versioned: Vec<&'static str>,
}

/// A table column named by the script (table possibly schema-qualified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ColumnRef {
    pub(super) table: Vec<String>,
    pub(super) column: String,
}

/// Split an ALTER TABLE action list on top-level commas.
fn split_actions(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                out.push(&toks[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out
}

const FOREIGN_WORDS: [(&str, &str); 22] = [
    ("AUTOINCREMENT", "AUTOINCREMENT (SQLite)"),
    ("AUTO_INCREMENT", "AUTO_INCREMENT (MySQL)"),
    ("PRAGMA", "PRAGMA (SQLite)"),
    ("DATETIME", "DATETIME (SQLite/MySQL)"),
    ("DATETIME2", "DATETIME2 (SQL Server)"),
    ("DATETIMEOFFSET", "DATETIMEOFFSET (SQL Server)"),
    ("TINYINT", "TINYINT (MySQL/SQL Server)"),
    ("MEDIUMINT", "MEDIUMINT (MySQL)"),
    ("UNSIGNED", "UNSIGNED (MySQL)"),
    ("LONGTEXT", "LONGTEXT (MySQL)"),
    ("MEDIUMTEXT", "MEDIUMTEXT (MySQL)"),
    ("TINYTEXT", "TINYTEXT (MySQL)"),
    ("LONGBLOB", "LONGBLOB (MySQL)"),
    ("MEDIUMBLOB", "MEDIUMBLOB (MySQL)"),
    ("TINYBLOB", "TINYBLOB (MySQL)"),
    ("BLOB", "BLOB (SQLite/MySQL)"),
    ("NVARCHAR", "NVARCHAR (SQL Server)"),
    ("UNIQUEIDENTIFIER", "UNIQUEIDENTIFIER (SQL Server)"),
    ("ENGINE", "ENGINE=... (MySQL)"),
    ("CHARSET", "CHARSET (MySQL)"),
    ("WITHOUT", "WITHOUT ROWID (SQLite)"),
    ("IDENTITY", "IDENTITY(1,1) (SQL Server)"),
];

pub(super) fn analyze_script(script: &str) -> ScriptFacts {
    let mut f = ScriptFacts::default();
    let add_foreign = |f: &mut ScriptFacts, m: &'static str| {
        if !f.foreign.contains(&m) {
            f.foreign.push(m);
        }
    };
    for st in lex(script) {
        objects(&st, &mut f);
        // dialect markers
        for (k, t) in st.iter().enumerate() {
            match t {
                Tok::Backtick(_) => add_foreign(&mut f, "`backtick` identifiers (MySQL)"),
                Tok::Bracket(_) => add_foreign(&mut f, "[bracket] identifiers (SQL Server)"),
                Tok::Word(w) => {
                    for (word, label) in FOREIGN_WORDS {
                        if w.eq_ignore_ascii_case(word) {
                            let ok = match word {
                                "ENGINE" => st.get(k + 1) == Some(&Tok::Punct('=')),
                                "WITHOUT" => st.get(k + 1).is_some_and(|n| n.kw("ROWID")),
                                "IDENTITY" => st.get(k + 1) == Some(&Tok::Punct('(')),
                                "CHARSET" => k > 0 && st[k - 1].kw("DEFAULT"),
                                _ => true,
                            };
                            if ok {
                                add_foreign(&mut f, label);
                            }
                        }
                    }
                    if w.eq_ignore_ascii_case("CHARACTER")
                        && st.get(k + 1).is_some_and(|n| n.kw("SET"))
                        && k > 0
                        && st[k - 1].kw("DEFAULT")
                    {
                        add_foreign(&mut f, "DEFAULT CHARACTER SET (MySQL)");
                    }
                }
                _ => {}
            }
        }
        let first = match st.first() {
            Some(t) => t,
            None => continue,
        };
        if first.kw("BEGIN")
            || first.kw("COMMIT")
            || (first.kw("START") && st.get(1).is_some_and(|t| t.kw("TRANSACTION")))
        {
            f.own_transaction = true;
        }
        if first.kw("INSERT")
            || first.kw("UPDATE")
            || first.kw("DELETE")
            || first.kw("MERGE")
            || first.kw("COPY")
        {
            f.writes_rows = true;
        }
        if first.kw("CREATE") {
            let mut i = 1;
            let unique = st.get(i).is_some_and(|t| t.kw("UNIQUE"));
            if unique {
                i += 1;
            }
            if st.get(i).is_some_and(|t| t.kw("INDEX")) {
                i += 1;
                let conc = st.get(i).is_some_and(|t| t.kw("CONCURRENTLY"));
                i = skip_kws(&st, i, &["CONCURRENTLY", "IF", "NOT", "EXISTS"]);
                let (name, j) = if st.get(i).is_some_and(|t| t.kw("ON")) {
                    (None, i)
                } else {
                    match read_name(&st, i) {
                        Some((p, j)) => (p.last().cloned(), j),
                        None => (None, i),
                    }
                };
                let mut j = skip_kws(&st, j, &["ON", "ONLY"]);
                let table = match read_name(&st, j) {
                    Some((p, k)) => {
                        j = k;
                        p
                    }
                    None => Vec::new(),
                };
                if st.get(j).is_some_and(|t| t.kw("USING")) {
                    j += 2;
                }
                if conc {
                    f.concurrently.push(name.clone().unwrap_or_default());
                }
                if unique {
                    f.uniques.push(UniqueDef {
                        name,
                        table,
                        columns: paren_names(&st, j),
                        primary: false,
                    });
                }
            }
        }
        if (first.kw("DROP") || first.kw("REINDEX"))
            && st.iter().take(4).any(|t| t.kw("CONCURRENTLY"))
        {
            let name = st.iter().skip(2).filter_map(|t| t.name()).find(|n| {
                !n.eq_ignore_ascii_case("CONCURRENTLY")
                    && !n.eq_ignore_ascii_case("IF")
                    && !n.eq_ignore_ascii_case("EXISTS")
            });
            f.concurrently.push(name.unwrap_or("").to_string());
        }
        if first.kw("ALTER") && st.get(1).is_some_and(|t| t.kw("TYPE")) {
            if let Some((ty, j)) = read_name(&st, 2) {
                if st.get(j).is_some_and(|t| t.kw("ADD"))
                    && st.get(j + 1).is_some_and(|t| t.kw("VALUE"))
                {
                    f.enum_adds.push((ty, String::new()));
                }
            }
        }
        if first.kw("ALTER") && st.get(1).is_some_and(|t| t.kw("TABLE")) {
            let i = skip_kws(&st, 2, &["IF", "EXISTS", "ONLY"]);
            let Some((table, j)) = read_name(&st, i) else {
                continue;
            };
            for act in split_actions(&st[j..]) {
                let Some(a0) = act.first() else { continue };
                if a0.kw("ADD") {
                    let mut k = 1;
                    if act.get(k).is_some_and(|t| t.kw("CONSTRAINT")) {
                        let name = act.get(k + 1).and_then(|t| t.name()).map(str::to_string);
                        k += 2;
                        if act.get(k).is_some_and(|t| t.kw("UNIQUE")) {
                            let mut c = k + 1;
                            c = skip_kws(act, c, &["NULLS", "NOT", "DISTINCT"]);
                            f.uniques.push(UniqueDef {
                                name,
                                table: table.clone(),
                                columns: paren_names(act, c),
                                primary: false,
                            });
                        } else if act.get(k).is_some_and(|t| t.kw("PRIMARY")) {
                            f.uniques.push(UniqueDef {
                                name,
                                table: table.clone(),
                                columns: paren_names(act, k + 2),
                                primary: true,
                            });
                        }
                        continue;
                    }
                    if act.get(k).is_some_and(|t| t.kw("PRIMARY")) {
                        let name = table.last().map(|t| format!("{t}_pkey"));
                        f.uniques.push(UniqueDef {
                            name,
                            table: table.clone(),
                            columns: paren_names(act, k + 2),
                            primary: true,
                        });
                        continue;
                    }
                    if act.get(k).is_some_and(|t| t.kw("UNIQUE")) {
                        f.uniques.push(UniqueDef {
                            name: None,
                            table: table.clone(),
                            columns: paren_names(act, k + 1),
                            primary: false,
                        });
                        continue;
                    }
                    if act.get(k).is_some_and(|t| t.kw("COLUMN")) {
                        k += 1;
                    }
                    k = skip_kws(act, k, &["IF", "NOT", "EXISTS"]);
                    let Some(col) = act.get(k).and_then(|t| t.name()) else {
                        continue;
                    };
                    let rest = &act[k + 1..];
                    let not_null = rest.windows(2).any(|w| w[0].kw("NOT") && w[1].kw("NULL"));
                    let has_default = rest.iter().any(|t| t.kw("DEFAULT") || t.kw("GENERATED"));
                    if not_null {
                        f.not_nulls.push(NotNullDef {
                            table: table.clone(),
                            column: col.to_string(),
                            add_column: true,
                            has_default,
                        });
                    }
                    let primary = rest
                        .windows(2)
                        .any(|w| w[0].kw("PRIMARY") && w[1].kw("KEY"));
                    if rest.iter().any(|t| t.kw("UNIQUE")) || primary {
                        f.uniques.push(UniqueDef {
                            name: None,
                            table: table.clone(),
                            columns: vec![col.to_string()],
                            primary,
                        });
                    }
                } else if a0.kw("ALTER") {
                    let mut k = 1;
                    if act.get(k).is_some_and(|t| t.kw("COLUMN")) {
                        k += 1;
                    }
                    let Some(col) = act.get(k).and_then(|t| t.name()) else {
                        continue;
                    };
                    let rest = &act[k + 1..];
                    if rest.len() >= 3
                        && rest[0].kw("SET")
                        && rest[1].kw("NOT")
                        && rest[2].kw("NULL")
                    {
                        f.not_nulls.push(NotNullDef {
                            table: table.clone(),
                            column: col.to_string(),
                            add_column: false,
                            has_default: false,
                        });
                    }
                }
            }
        }
    }
    f
}

/// Statement kinds whose name follows `CREATE [OR REPLACE] [UNIQUE|MATERIALIZED|...] <kind>`.
const OBJECT_KINDS: [&str; 11] = [
    "TABLE",
    "TYPE",
    "INDEX",
    "SEQUENCE",
    "VIEW",
    "SCHEMA",
    "EXTENSION",
    "FUNCTION",
    "PROCEDURE",
    "TRIGGER",
    "DOMAIN",
];

fn push_unique(list: &mut Vec<String>, name: String) {
    if !name.is_empty() && !list.contains(&name) {
        list.push(name);
    }
}

/// Objects a statement creates, drops, renames and retypes; version-gated syntax it uses.
fn objects(st: &[Tok], f: &mut ScriptFacts) {
    let Some(first) = st.first() else { return };
    if st
        .windows(3)
        .any(|w| w[0].kw("NULLS") && w[1].kw("NOT") && w[2].kw("DISTINCT"))
    {
        f.versioned.push("NULLS NOT DISTINCT");
    }
    if first.kw("MERGE") {
        f.versioned.push("MERGE");
    }
    if first.kw("CREATE") {
        let or_replace =
            st.get(1).is_some_and(|t| t.kw("OR")) && st.get(2).is_some_and(|t| t.kw("REPLACE"));
        let mut i = skip_kws(
            st,
            1,
            &[
                "OR",
                "REPLACE",
                "UNIQUE",
                "TEMP",
                "TEMPORARY",
                "UNLOGGED",
                "MATERIALIZED",
                "RECURSIVE",
                "CONSTRAINT",
            ],
        );
        let Some(kind) = st.get(i).and_then(|t| match t {
            Tok::Word(w) => OBJECT_KINDS
                .iter()
                .find(|k| w.eq_ignore_ascii_case(k))
                .copied(),
            _ => None,
        }) else {
            return;
        };
        if kind == "TRIGGER" && or_replace {
            f.versioned.push("CREATE OR REPLACE TRIGGER");
        }
        i = skip_kws(st, i + 1, &["CONCURRENTLY", "IF", "NOT", "EXISTS"]);
        if kind == "INDEX" && st.get(i).is_some_and(|t| t.kw("ON")) {
            return;
        }
        if let Some((parts, _)) = read_name(st, i) {
            let name = parts.last().cloned().unwrap_or_default();
            if kind == "EXTENSION" {
                push_unique(&mut f.extensions, name.to_ascii_lowercase());
            }
            push_unique(&mut f.created, name);
        }
        return;
    }
    if first.kw("DROP") {
        let i = skip_kws(st, 1, &["MATERIALIZED"]);
        if !st.get(i).is_some_and(
            |t| matches!(t, Tok::Word(w) if OBJECT_KINDS.iter().any(|k| w.eq_ignore_ascii_case(k))),
        ) {
            return;
        }
        let mut i = skip_kws(st, i + 1, &["CONCURRENTLY", "IF", "EXISTS"]);
        while let Some((parts, j)) = read_name(st, i) {
            push_unique(&mut f.dropped, parts.last().cloned().unwrap_or_default());
            if st.get(j) == Some(&Tok::Punct(',')) {
                i = j + 1;
            } else {
                break;
            }
        }
        return;
    }
    if !first.kw("ALTER") {
        return;
    }
    let Some(kind) = st.get(1) else { return };
    let table_like = kind.kw("TABLE");
    if !(table_like
        || kind.kw("INDEX")
        || kind.kw("TYPE")
        || kind.kw("SEQUENCE")
        || kind.kw("VIEW")
        || kind.kw("SCHEMA"))
    {
        return;
    }
    let i = skip_kws(st, 2, &["IF", "EXISTS", "ONLY"]);
    let Some((target, j)) = read_name(st, i) else {
        return;
    };
    let target_last = target.last().cloned().unwrap_or_default();
    let rest = &st[j..];
    // ALTER <kind> x RENAME TO y
    if rest.first().is_some_and(|t| t.kw("RENAME")) && rest.get(1).is_some_and(|t| t.kw("TO")) {
        if let Some(new) = rest.get(2).and_then(|t| t.name()) {
            push_unique(&mut f.dropped, target_last);
            push_unique(&mut f.created, new.to_string());
        }
        return;
    }
    if !table_like {
        return;
    }
    let qualified = |c: &str| format!("{target_last}.{c}");
    for act in split_actions(rest) {
        let Some(a0) = act.first() else { continue };
        if a0.kw("ADD") {
            if act.get(1).is_some_and(|t| t.kw("CONSTRAINT")) {
                if let Some(n) = act.get(2).and_then(|t| t.name()) {
                    push_unique(&mut f.created, n.to_string());
                }
                continue;
            }
            if act.get(1).is_some_and(|t| {
                t.kw("PRIMARY") || t.kw("UNIQUE") || t.kw("FOREIGN") || t.kw("CHECK")
            }) {
                continue;
            }
            let k = if act.get(1).is_some_and(|t| t.kw("COLUMN")) {
                2
            } else {
                1
            };
            let k = skip_kws(act, k, &["IF", "NOT", "EXISTS"]);
            if let Some(c) = act.get(k).and_then(|t| t.name()) {
                push_unique(&mut f.created, qualified(c));
            }
        } else if a0.kw("DROP") {
            if act.get(1).is_some_and(|t| t.kw("CONSTRAINT")) {
                let k = skip_kws(act, 2, &["IF", "EXISTS"]);
                if let Some(n) = act.get(k).and_then(|t| t.name()) {
                    push_unique(&mut f.dropped, n.to_string());
                }
                continue;
            }
            if act.get(1).is_some_and(|t| t.kw("DEFAULT") || t.kw("NOT")) {
                continue;
            }
            let k = if act.get(1).is_some_and(|t| t.kw("COLUMN")) {
                2
            } else {
                1
            };
            let k = skip_kws(act, k, &["IF", "EXISTS"]);
            if let Some(c) = act.get(k).and_then(|t| t.name()) {
                push_unique(&mut f.dropped, qualified(c));
                f.dropped_columns.push(ColumnRef {
                    table: target.clone(),
                    column: c.to_string(),
                });
            }
        } else if a0.kw("ALTER") {
            let k = if act.get(1).is_some_and(|t| t.kw("COLUMN")) {
                2
            } else {
                1
            };
            let Some(c) = act.get(k).and_then(|t| t.name()) else {
                continue;
            };
            let after = &act[(k + 1).min(act.len())..];
            let retype = after.first().is_some_and(|t| t.kw("TYPE"))
                || (after.first().is_some_and(|t| t.kw("SET"))
                    && after.get(1).is_some_and(|t| t.kw("DATA"))
                    && after.get(2).is_some_and(|t| t.kw("TYPE")));
            if retype {
                let r = ColumnRef {
                    table: target.clone(),
                    column: c.to_string(),
                };
                if !f.retyped.contains(&r) {
                    f.retyped.push(r);
                }
            }
        } else if a0.kw("RENAME") {
            // RENAME [COLUMN|CONSTRAINT] a TO b
            let constraint = act.get(1).is_some_and(|t| t.kw("CONSTRAINT"));
            let k = if act
                .get(1)
                .is_some_and(|t| t.kw("COLUMN") || t.kw("CONSTRAINT"))
            {
                2
            } else {
                1
            };
            if let (Some(a), Some(true), Some(b)) = (
                act.get(k).and_then(|t| t.name()),
                act.get(k + 1).map(|t| t.kw("TO")),
                act.get(k + 2).and_then(|t| t.name()),
            ) {
                if constraint {
                    push_unique(&mut f.dropped, a.to_string());
                    push_unique(&mut f.created, b.to_string());
                } else {
                    push_unique(&mut f.dropped, qualified(a));
                    push_unique(&mut f.created, qualified(b));
                }
            }
        }
    }
}
