//! Splits a migration script into statements the way PostgreSQL (and psql) sees them.
//!
//! One hand-written lexer serves the splitter, the statement recogniser in `effects` and the
//! default-expression comparison in `catalog`: it never fails, keeps exact byte offsets, and knows
//! PostgreSQL's lexical rules (nested comments, `E''`, `U&""`, dollar quotes).

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub index: usize,
    /// Exact source text from its first to its last token (comments around it and the `;` left out).
    pub sql: String,
    /// Byte span of `sql` in the script: `&script[start..end] == sql`.
    pub start: usize,
    pub end: usize,
    /// BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT / SAVEPOINT / RELEASE / PREPARE TRANSACTION.
    pub transaction_control: bool,
    /// Why the statement cannot run inside a transaction block, when it cannot.
    pub non_transactional: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitScript {
    pub statements: Vec<Statement>,
    pub has_transaction_control: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Unquoted identifier or keyword; its text is the source.
    Word,
    /// `"..."` or `U&"..."`, decoded.
    QuotedIdent(String),
    /// Any string constant (`'..'`, `E'..'`, `U&'..'`, `B'..'`, `X'..'`, `N'..'`), decoded.
    Str(String),
    /// `$tag$ ... $tag$`; holds the body.
    Dollar(String),
    Number,
    /// `$1`
    Param,
    /// Operator characters, `::` included.
    Op,
    /// One of `( ) [ ] , ; . :`
    Punct(u8),
    Comment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

fn is_op_char(b: u8) -> bool {
    b"+-*/<>=~!@#%^&|`?".contains(&b)
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Lexes `src` completely; unterminated constructs run to the end of the input.
pub(crate) fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let next = b.get(i + 1).copied();
        let kind = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if b[i..].starts_with(BOM) {
            // Editors on Windows save UTF-8 with a byte order mark; it is not SQL.
            i += BOM.len();
            continue;
        } else if c == b'-' && next == Some(b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            Tok::Comment
        } else if c == b'/' && next == Some(b'*') {
            i = block_comment_end(b, i);
            Tok::Comment
        } else if c == b'\'' {
            let (end, value) = quoted(src, i, b'\'', false);
            i = end;
            Tok::Str(value)
        } else if c == b'"' {
            let (end, value) = quoted(src, i, b'"', false);
            i = end;
            Tok::QuotedIdent(value)
        } else if matches!(c, b'e' | b'E') && next == Some(b'\'') {
            let (end, value) = quoted(src, i + 1, b'\'', true);
            i = end;
            Tok::Str(value)
        } else if matches!(c, b'b' | b'B' | b'x' | b'X' | b'n' | b'N') && next == Some(b'\'') {
            let (end, value) = quoted(src, i + 1, b'\'', false);
            i = end;
            Tok::Str(value)
        } else if matches!(c, b'u' | b'U')
            && next == Some(b'&')
            && matches!(b.get(i + 2), Some(b'\'' | b'"'))
        {
            // Unicode escapes are left undecoded: these forms do not occur in generated DDL.
            let q = b[i + 2];
            let (end, value) = quoted(src, i + 2, q, false);
            i = end;
            if q == b'"' {
                Tok::QuotedIdent(value)
            } else {
                Tok::Str(value)
            }
        } else if is_ident_start(c) {
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            Tok::Word
        } else if c == b'$' {
            if next.is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                Tok::Param
            } else if let Some((body_start, tag_len)) = dollar_open(b, i) {
                let tag = &src[i..i + tag_len];
                let (body_end, end) = match src[body_start..].find(tag) {
                    Some(k) => (body_start + k, body_start + k + tag_len),
                    None => (b.len(), b.len()),
                };
                i = end;
                Tok::Dollar(src[body_start..body_end].to_string())
            } else {
                i += 1;
                Tok::Op
            }
        } else if c.is_ascii_digit() || (c == b'.' && next.is_some_and(|d| d.is_ascii_digit())) {
            i = number_end(b, i);
            Tok::Number
        } else if c == b':' && next == Some(b':') {
            i += 2;
            Tok::Op
        } else if b"()[],;.:".contains(&c) {
            i += 1;
            Tok::Punct(c)
        } else if is_op_char(c) {
            // An operator stops where a comment starts, as in PostgreSQL's lexer.
            while i < b.len() && is_op_char(b[i]) {
                if i > start && b[i] == b'-' && b.get(i + 1) == Some(&b'-') {
                    break;
                }
                if i > start && b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    break;
                }
                i += 1;
            }
            Tok::Op
        } else {
            // Anything else (`\`, `{`, ...) is invalid SQL; keep it as a one-byte operator.
            i += 1;
            Tok::Op
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// Reads a quoted token whose opening quote is at `i`; returns its end and decoded content.
fn quoted(src: &str, i: usize, q: u8, backslash: bool) -> (usize, String) {
    let b = src.as_bytes();
    let mut value = Vec::new();
    let mut j = i + 1;
    while j < b.len() {
        let c = b[j];
        if c == q {
            if b.get(j + 1) == Some(&q) {
                value.push(q);
                j += 2;
                continue;
            }
            return (j + 1, String::from_utf8_lossy(&value).into_owned());
        }
        if backslash && c == b'\\' && j + 1 < b.len() {
            j = unescape(b, j + 1, &mut value);
            continue;
        }
        value.push(c);
        j += 1;
    }
    (b.len(), String::from_utf8_lossy(&value).into_owned())
}

/// Decodes the `E''` escape whose first byte after the backslash is at `j`; returns the next index.
fn unescape(b: &[u8], j: usize, out: &mut Vec<u8>) -> usize {
    let simple = match b[j] {
        b'b' => Some(8),
        b'f' => Some(12),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        _ => None,
    };
    if let Some(c) = simple {
        out.push(c);
        return j + 1;
    }
    let digits = |from: usize, max: usize, radix: u32| {
        let mut k = from;
        while k < b.len() && k - from < max && (b[k] as char).is_digit(radix) {
            k += 1;
        }
        let n = std::str::from_utf8(&b[from..k])
            .ok()
            .and_then(|s| u32::from_str_radix(s, radix).ok());
        (k, n)
    };
    let (end, code) = match b[j] {
        b'0'..=b'7' => digits(j, 3, 8),
        b'x' => digits(j + 1, 2, 16),
        b'u' => digits(j + 1, 4, 16),
        b'U' => digits(j + 1, 8, 16),
        _ => (j, None),
    };
    match code.and_then(char::from_u32) {
        Some(ch) if end > j => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            end
        }
        _ => {
            out.push(b[j]);
            j + 1
        }
    }
}

/// `$tag$` at `i`: returns where the body starts and the delimiter's length.
fn dollar_open(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i + 1;
    if j < b.len() && is_ident_start(b[j]) {
        while j < b.len() && is_ident_char(b[j]) && b[j] != b'$' {
            j += 1;
        }
    }
    (b.get(j) == Some(&b'$')).then_some((j + 1, j + 1 - i))
}

fn number_end(b: &[u8], mut i: usize) -> usize {
    let mut seen_dot = false;
    let mut seen_exp = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() && !matches!(c, b'e' | b'E') || c == b'_' {
            // Digits, hex/octal/binary prefixes and PostgreSQL 16 digit separators.
            i += 1;
        } else if c == b'.' && !seen_dot && !seen_exp && b.get(i + 1) != Some(&b'.') {
            seen_dot = true;
            i += 1;
        } else if matches!(c, b'e' | b'E') && !seen_exp {
            seen_exp = true;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
        } else {
            break;
        }
    }
    i
}

/// Splits `script` at top-level semicolons.
pub fn split_script(script: &str) -> SplitScript {
    let tokens = lex(script);
    let mut pieces: Vec<&[Token]> = Vec::new();
    let mut from = 0;
    let mut block = BlockDepth::default();
    for (k, t) in tokens.iter().enumerate() {
        if t.kind == Tok::Punct(b';') && block.depth == 0 {
            pieces.push(&tokens[from..k]);
            from = k + 1;
            block = BlockDepth::default();
        } else {
            block.feed(script, t);
        }
    }
    pieces.push(&tokens[from..]);

    let mut statements = Vec::new();
    let mut words = Vec::new();
    for piece in pieces {
        let code: Vec<&Token> = piece.iter().filter(|t| t.kind != Tok::Comment).collect();
        let (Some(first), Some(last)) = (code.first(), code.last()) else {
            continue;
        };
        let (start, end) = (first.start, last.end);
        words.push(code_words(script, &code));
        statements.push(Statement {
            index: statements.len(),
            sql: script[start..end].to_string(),
            start,
            end,
            transaction_control: false,
            non_transactional: None,
        });
    }
    for (k, stmt) in statements.iter_mut().enumerate() {
        let w: Vec<&str> = words[k].iter().map(String::as_str).collect();
        stmt.transaction_control = is_transaction_control(&w);
        stmt.non_transactional = non_transactional(&w);
    }
    mark_enum_values_used_later(&mut statements);
    let has_transaction_control = statements.iter().any(|s| s.transaction_control);
    SplitScript {
        statements,
        has_transaction_control,
    }
}

/// psql's rule for SQL-standard function bodies (`BEGIN ATOMIC ... END`): inside a
/// CREATE [OR REPLACE] FUNCTION/PROCEDURE, BEGIN/CASE open and END closes a block, and a `;`
/// inside a block does not end the statement.
#[derive(Default)]
struct BlockDepth {
    depth: usize,
    parens: usize,
    head: Vec<String>,
}

impl BlockDepth {
    fn feed(&mut self, src: &str, t: &Token) {
        match t.kind {
            Tok::Punct(b'(') => self.parens += 1,
            Tok::Punct(b')') => self.parens = self.parens.saturating_sub(1),
            Tok::Word => {
                let w = src[t.start..t.end].to_ascii_lowercase();
                if self.head.len() < 4 {
                    self.head.push(w.clone());
                }
                let h: Vec<&str> = self.head.iter().map(String::as_str).collect();
                let routine = matches!(
                    h.as_slice(),
                    ["create", "function" | "procedure", ..]
                        | ["create", "or", "replace", "function" | "procedure", ..]
                );
                if routine && self.parens == 0 {
                    match w.as_str() {
                        "begin" => self.depth += 1,
                        "case" if self.depth > 0 => self.depth += 1,
                        "end" if self.depth > 0 => self.depth -= 1,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// The first few top-level words of a statement, lower-cased (quoted identifiers never match a keyword).
fn code_words(src: &str, code: &[&Token]) -> Vec<String> {
    code.iter()
        .take(12)
        .map(|t| match t.kind {
            Tok::Word => src[t.start..t.end].to_ascii_lowercase(),
            _ => String::new(),
        })
        .collect()
}

fn is_transaction_control(w: &[&str]) -> bool {
    matches!(
        w,
        [
            "begin" | "commit" | "end" | "rollback" | "abort" | "savepoint" | "release",
            ..
        ] | ["start", "transaction", ..]
            | ["prepare", "transaction", ..]
    )
}

fn non_transactional(w: &[&str]) -> Option<String> {
    let reason = |what: &str| Some(format!("{what} cannot run inside a transaction block"));
    match w {
        ["create", "index", "concurrently", ..]
        | ["create", "unique", "index", "concurrently", ..] => reason("CREATE INDEX CONCURRENTLY"),
        ["drop", "index", "concurrently", ..] => reason("DROP INDEX CONCURRENTLY"),
        ["reindex", ..] if w.contains(&"concurrently") => reason("REINDEX CONCURRENTLY"),
        ["reindex", kind @ ("system" | "database"), ..] => {
            reason(&format!("REINDEX {}", kind.to_ascii_uppercase()))
        }
        ["vacuum", ..] => reason("VACUUM"),
        ["cluster"] => reason("CLUSTER without a table"),
        ["create" | "drop", what @ ("database" | "tablespace"), ..] => reason(&format!(
            "{} {}",
            w[0].to_ascii_uppercase(),
            what.to_ascii_uppercase()
        )),
        ["alter", "database", ..] if w.contains(&"tablespace") => {
            reason("ALTER DATABASE ... SET TABLESPACE")
        }
        ["alter", "system", ..] => reason("ALTER SYSTEM"),
        ["alter", "table", ..] if w.contains(&"detach") && w.contains(&"concurrently") => {
            reason("ALTER TABLE ... DETACH PARTITION CONCURRENTLY")
        }
        _ => None,
    }
}

/// `ALTER TYPE t ADD VALUE 'v'` followed, in the same transaction, by a statement that uses 'v'.
fn mark_enum_values_used_later(statements: &mut [Statement]) {
    for k in 0..statements.len() {
        let Some(value) = added_enum_value(&statements[k].sql) else {
            continue;
        };
        let user = statements[k + 1..]
            .iter()
            .take_while(|s| !ends_transaction(&s.sql))
            .find(|s| uses_string(&s.sql, &value));
        if let Some(user) = user {
            statements[k].non_transactional.get_or_insert(format!(
                "the new enum value '{value}' is used by a later statement (index {}) in the same \
                 transaction: PostgreSQL 12+ rejects that (unsafe use of new value), and PostgreSQL 11 \
                 and older reject ALTER TYPE ... ADD VALUE inside any transaction block",
                user.index
            ));
        }
    }
}

fn ends_transaction(sql: &str) -> bool {
    let toks = lex(sql);
    let first = toks.iter().find(|t| t.kind != Tok::Comment);
    first.is_some_and(|t| {
        t.kind == Tok::Word
            && matches!(
                sql[t.start..t.end].to_ascii_lowercase().as_str(),
                "commit" | "end" | "rollback" | "abort"
            )
    })
}

/// The value of `ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'value' ...`.
fn added_enum_value(sql: &str) -> Option<String> {
    let toks: Vec<Token> = lex(sql)
        .into_iter()
        .filter(|t| t.kind != Tok::Comment)
        .collect();
    let word = |k: usize| {
        toks.get(k)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| sql[t.start..t.end].to_ascii_lowercase())
    };
    if word(0).as_deref() != Some("alter") || word(1).as_deref() != Some("type") {
        return None;
    }
    let add = (2..toks.len())
        .find(|&k| word(k).as_deref() == Some("add") && word(k + 1).as_deref() == Some("value"))?;
    toks[add + 2..].iter().find_map(|t| match &t.kind {
        Tok::Str(v) => Some(v.clone()),
        _ => None,
    })
}

/// Whether a string constant equal to `value` appears in `sql`, dollar-quoted bodies included.
fn uses_string(sql: &str, value: &str) -> bool {
    lex(sql).iter().any(|t| match &t.kind {
        Tok::Str(v) => v == value,
        Tok::Dollar(body) => uses_string(body, value),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(script: &str) -> Vec<String> {
        let s = split_script(script);
        for st in &s.statements {
            assert_eq!(
                &script[st.start..st.end],
                st.sql,
                "span of statement {}",
                st.index
            );
        }
        s.statements.into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn a_byte_order_mark_is_not_sql() {
        let script = "\u{feff}-- CreateTable\r\nCREATE TABLE \"a\" (\"x\" INT);\r\n";
        assert_eq!(sqls(script), vec!["CREATE TABLE \"a\" (\"x\" INT)"]);
    }

    #[test]
    fn comments_are_not_statements() {
        let script = "/*\n  Warnings:\n  - drop; really\n*/\n-- CreateTable; x\nCREATE TABLE \"a\" (\"x\" INT);\n\n-- trailing ; comment\n/* /* nested; */ still; */";
        assert_eq!(sqls(script), vec!["CREATE TABLE \"a\" (\"x\" INT)"]);
    }

    #[test]
    fn strings_and_identifiers_hide_semicolons() {
        let script =
            "INSERT INTO \"a;b\" VALUES ('x;''y'); SELECT E'it\\'s; ok', e'\\\\'; SELECT 1";
        assert_eq!(
            sqls(script),
            vec![
                "INSERT INTO \"a;b\" VALUES ('x;''y')",
                "SELECT E'it\\'s; ok', e'\\\\'",
                "SELECT 1"
            ]
        );
        let toks = lex("E'it\\'s\\n' 'a''b' \"q\"\"x\" U&'d\\0061'");
        let kinds: Vec<Tok> = toks.into_iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Str("it's\n".into()),
                Tok::Str("a'b".into()),
                Tok::QuotedIdent("q\"x".into()),
                Tok::Str("d\\0061".into())
            ]
        );
    }

    #[test]
    fn dollar_bodies_and_do_blocks() {
        let f = "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql";
        let g = "CREATE FUNCTION g() RETURNS int AS $fn$ SELECT 1; $body$ ; $fn$ LANGUAGE sql";
        let d = "DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN RAISE NOTICE 'a;b'; END IF; END $$";
        let script = format!("{f};\n{g};\n{d};\nSELECT $1, a$b FROM t");
        assert_eq!(sqls(&script), vec![f, g, d, "SELECT $1, a$b FROM t"]);
    }

    #[test]
    fn sql_standard_function_body() {
        let f = "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND";
        let script = format!("{f};\nBEGIN;\nSELECT 1;\nEND;");
        assert_eq!(sqls(&script), vec![f, "BEGIN", "SELECT 1", "END"]);
    }

    #[test]
    fn transaction_control() {
        let s = split_script(
            "BEGIN;\nCREATE TABLE a (x int);\nSAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nCOMMIT;",
        );
        let flags: Vec<bool> = s.statements.iter().map(|s| s.transaction_control).collect();
        assert_eq!(flags, vec![true, false, true, true, true]);
        assert!(s.has_transaction_control);
        let s = split_script("START TRANSACTION; SELECT 1; END");
        assert!(s.statements[0].transaction_control && s.statements[2].transaction_control);
        assert!(!split_script("CREATE TABLE \"begin\" (x int)").has_transaction_control);
    }

    #[test]
    fn non_transactional_statements() {
        let script = "CREATE UNIQUE INDEX CONCURRENTLY \"i\" ON \"t\"(\"a\");\nDROP INDEX CONCURRENTLY \"i\";\nREINDEX INDEX CONCURRENTLY \"i\";\nVACUUM ANALYZE \"t\";\nCREATE DATABASE x;\nALTER SYSTEM SET work_mem = '1MB';\nCREATE INDEX \"j\" ON \"t\"(\"a\")";
        let s = split_script(script);
        let flags: Vec<bool> = s
            .statements
            .iter()
            .map(|s| s.non_transactional.is_some())
            .collect();
        assert_eq!(flags, vec![true, true, true, true, true, true, false]);
        assert!(s.statements[0]
            .non_transactional
            .as_deref()
            .is_some_and(|r| r.contains("CONCURRENTLY")));
    }

    #[test]
    fn enum_value_used_later() {
        let script = "-- AlterEnum\nALTER TYPE \"Role\" ADD VALUE 'MOD';\nALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS 'X' BEFORE 'USER';\n\n-- AlterTable\nALTER TABLE \"User\" ALTER COLUMN \"role\" SET DEFAULT 'MOD';";
        let s = split_script(script);
        let r = s.statements[0]
            .non_transactional
            .as_deref()
            .unwrap_or_default();
        assert!(r.contains("'MOD'") && r.contains("index 2"), "{r}");
        assert_eq!(s.statements[1].non_transactional, None);
        // A COMMIT in between ends the transaction, and a use inside a DO body counts.
        let s = split_script("ALTER TYPE r ADD VALUE 'a'; COMMIT; UPDATE t SET c = 'a'");
        assert_eq!(s.statements[0].non_transactional, None);
        let s =
            split_script("ALTER TYPE r ADD VALUE 'a'; DO $$ BEGIN UPDATE t SET c = 'a'; END $$");
        assert!(s.statements[0].non_transactional.is_some());
    }

    #[test]
    fn last_statement_without_semicolon_and_exact_spans() {
        let script = "  \n CREATE SCHEMA IF NOT EXISTS \"public\" ;;\n\n  -- c\n ALTER TABLE \"é\" ADD COLUMN \"ü\" TEXT -- tail\n";
        let s = split_script(script);
        assert_eq!(s.statements.len(), 2);
        assert_eq!(
            s.statements[0].sql,
            "CREATE SCHEMA IF NOT EXISTS \"public\""
        );
        assert_eq!(
            s.statements[1].sql,
            "ALTER TABLE \"é\" ADD COLUMN \"ü\" TEXT"
        );
        assert_eq!(s.statements[1].index, 1);
        assert_eq!(
            &script[s.statements[1].start..s.statements[1].end],
            s.statements[1].sql
        );
        assert!(split_script("  -- nothing\n/* here */ ; ")
            .statements
            .is_empty());
    }

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        for script in [
            "SELECT 'abc; def",
            "SELECT $$ a; b",
            "SELECT 1 /* a; b",
            "SELECT \"a;b",
        ] {
            assert_eq!(sqls(script).len(), 1, "{script}");
        }
    }

    #[test]
    fn operators_numbers_and_casts() {
        let src = "a::int+-- c\n1.5e-3 .5 ->> '{}'::jsonb";
        let texts: Vec<&str> = lex(src)
            .iter()
            .filter(|t| t.kind != Tok::Comment)
            .map(|t| &src[t.start..t.end])
            .collect();
        assert_eq!(
            texts,
            vec!["a", "::", "int", "+", "1.5e-3", ".5", "->>", "'{}'", "::", "jsonb"]
        );
    }
}
