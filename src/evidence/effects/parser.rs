//! The recogniser: a strict parser over the `split` lexer that turns one statement into steps;
//! token helpers and the dispatch on the statement's first words.

use super::carry::*;
use super::facts::*;
use crate::evidence::split::{lex, Statement, Tok, Token};

// The recogniser

pub(super) type Res<T> = Result<T, String>;

pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) toks: Vec<Token>,
    pub(super) pos: usize,
    pub(super) default_schema: &'a str,
    pub(super) steps: Vec<Step>,
    /// The statement's object was guarded with `IF NOT EXISTS`.
    pub(super) if_not_exists: bool,
}

/// Maximum identifier length (NAMEDATALEN - 1): PostgreSQL truncates longer names.
pub(super) const MAX_IDENT: usize = 63;

pub(super) fn truncate_ident(mut s: String) -> String {
    if s.len() > MAX_IDENT {
        let mut cut = MAX_IDENT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

pub(super) fn statement_steps(stmt: &Statement, default_schema: &str) -> Res<Vec<Step>> {
    let toks: Vec<Token> = lex(&stmt.sql)
        .into_iter()
        .filter(|t| t.kind != Tok::Comment)
        .collect();
    let mut p = Parser {
        src: &stmt.sql,
        toks,
        pos: 0,
        default_schema,
        steps: Vec::new(),
        if_not_exists: false,
    };
    p.statement()?;
    Ok(p.steps)
}

impl<'a> Parser<'a> {
    // --- token helpers

    pub(super) fn tok(&self, k: usize) -> Option<&Token> {
        self.toks.get(self.pos + k)
    }

    pub(super) fn text(&self, t: &Token) -> &'a str {
        &self.src[t.start..t.end]
    }

    pub(super) fn word_at(&self, k: usize) -> Option<String> {
        self.tok(k)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| self.text(t).to_ascii_lowercase())
    }

    pub(super) fn is_kw(&self, kw: &str) -> bool {
        self.word_at(0).as_deref() == Some(kw)
    }

    pub(super) fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Eats one of `kws`, if there.
    pub(super) fn eat_any(&mut self, kws: &[&str]) -> bool {
        kws.iter().any(|k| self.eat_kw(k))
    }

    /// Eats the whole sequence or nothing.
    pub(super) fn eat_kws(&mut self, kws: &[&str]) -> bool {
        let hit = kws
            .iter()
            .enumerate()
            .all(|(k, kw)| self.word_at(k).as_deref() == Some(*kw));
        if hit {
            self.pos += kws.len();
        }
        hit
    }

    pub(super) fn expect_kw(&mut self, kw: &str) -> Res<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&kw.to_ascii_uppercase()))
        }
    }

    pub(super) fn is_punct(&self, c: u8) -> bool {
        self.tok(0).is_some_and(|t| t.kind == Tok::Punct(c))
    }

    pub(super) fn eat_punct(&mut self, c: u8) -> bool {
        let hit = self.is_punct(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(super) fn expect_punct(&mut self, c: u8) -> Res<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", c as char)))
        }
    }

    pub(super) fn is_op(&self, op: &str) -> bool {
        self.tok(0)
            .is_some_and(|t| t.kind == Tok::Op && self.text(t) == op)
    }

    pub(super) fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.is_op(op);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub(super) fn expect_end(&self) -> Res<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected("the end of the statement"))
        }
    }

    pub(super) fn unexpected(&self, wanted: &str) -> String {
        match self.tok(0) {
            Some(t) => format!(
                "not recognised with confidence: expected {wanted} at `{}`",
                self.text(t)
            ),
            None => format!("not recognised with confidence: expected {wanted} at the end"),
        }
    }

    pub(super) fn ident(&mut self) -> Res<String> {
        let t = self
            .tok(0)
            .cloned()
            .ok_or_else(|| self.unexpected("a name"))?;
        let name = match &t.kind {
            Tok::Word => self.text(&t).to_ascii_lowercase(),
            Tok::QuotedIdent(v) => v.clone(),
            _ => return Err(self.unexpected("a name")),
        };
        self.pos += 1;
        Ok(truncate_ident(name))
    }

    /// `name` or `schema.name`.
    pub(super) fn qname(&mut self) -> Res<(Option<String>, String)> {
        let first = self.ident()?;
        if self.eat_punct(b'.') {
            let second = self.ident()?;
            if self.is_punct(b'.') {
                return Err("three-part names are not supported".into());
            }
            return Ok((Some(first), second));
        }
        Ok((None, first))
    }

    /// A schema-qualified object, unqualified names resolved to the default schema.
    pub(super) fn object(&mut self) -> Res<(String, String)> {
        let (schema, name) = self.qname()?;
        Ok((
            schema.unwrap_or_else(|| self.default_schema.to_string()),
            name,
        ))
    }

    pub(super) fn string(&mut self) -> Res<String> {
        match self.tok(0).map(|t| t.kind.clone()) {
            Some(Tok::Str(v)) => {
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.unexpected("a string")),
        }
    }

    pub(super) fn number(&mut self) -> Res<u64> {
        let t = self
            .tok(0)
            .cloned()
            .ok_or_else(|| self.unexpected("a number"))?;
        let n = (t.kind == Tok::Number)
            .then(|| self.text(&t).parse::<u64>().ok())
            .flatten();
        let n = n.ok_or_else(|| self.unexpected("a number"))?;
        self.pos += 1;
        Ok(n)
    }

    /// `( item, ... )`
    pub(super) fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Res<T>) -> Res<Vec<T>> {
        self.expect_punct(b'(')?;
        let mut out = Vec::new();
        if self.eat_punct(b')') {
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat_punct(b')') {
                return Ok(out);
            }
            self.expect_punct(b',')?;
        }
    }

    pub(super) fn name_list(&mut self) -> Res<Vec<String>> {
        self.list(|p| p.ident())
    }

    /// Skips a balanced `( ... )` or `[ ... ]` group starting at the current token.
    pub(super) fn skip_group(&mut self) -> Res<()> {
        let mut depth = 0usize;
        while let Some(t) = self.tok(0) {
            match t.kind {
                Tok::Punct(b'(' | b'[') => depth += 1,
                Tok::Punct(b')' | b']') => depth = depth.saturating_sub(1),
                _ if depth == 0 => return Err(self.unexpected("'('")),
                _ => {}
            }
            self.pos += 1;
            if depth == 0 {
                return Ok(());
            }
        }
        Err(self.unexpected("')'"))
    }

    /// Skips an expression up to a top-level `,` / `)` / end or a stop word (never the first
    /// token); returns its source text.
    pub(super) fn expr(&mut self, stops: &[&str]) -> Res<String> {
        let from = self.pos;
        while let Some(t) = self.tok(0) {
            let at_stop = match t.kind {
                Tok::Punct(b',' | b')' | b']') => true,
                Tok::Word => {
                    self.pos > from && stops.contains(&self.text(t).to_ascii_lowercase().as_str())
                }
                _ => false,
            };
            if at_stop {
                break;
            }
            if matches!(t.kind, Tok::Punct(b'(' | b'[')) {
                self.skip_group()?;
            } else {
                self.pos += 1;
            }
        }
        if self.pos == from {
            return Err(self.unexpected("an expression"));
        }
        Ok(self.src[self.toks[from].start..self.toks[self.pos - 1].end].to_string())
    }

    /// `DO $$ BEGIN <one creation>; EXCEPTION WHEN duplicate_... THEN NULL; END $$`: the usual
    /// hand-written "create unless it exists". Once it ran, the object exists (made by it, or
    /// already there and the error swallowed), in whatever shape: like `IF NOT EXISTS`. Any
    /// other procedural code is opaque.
    pub(super) fn do_block(&mut self) -> Res<()> {
        const OPAQUE_CODE: &str = "procedural code: what it did cannot be read from the script";
        let opaque = || Err(OPAQUE_CODE.to_string());
        let plpgsql =
            |p: &mut Self| !p.eat_kw("language") || p.ident().is_ok_and(|l| l == "plpgsql");
        if !plpgsql(self) {
            return opaque();
        }
        let body = match self.tok(0).map(|t| t.kind.clone()) {
            Some(Tok::Dollar(b)) => b,
            _ => return opaque(),
        };
        self.pos += 1;
        if !plpgsql(self) || !self.at_end() {
            return opaque();
        }
        let toks: Vec<Token> = lex(&body)
            .into_iter()
            .filter(|t| t.kind != Tok::Comment)
            .collect();
        let word = |k: usize| {
            toks.get(k)
                .filter(|t| t.kind == Tok::Word)
                .map(|t| body[t.start..t.end].to_ascii_lowercase())
        };
        let semi = |k: usize| toks.get(k).is_some_and(|t| t.kind == Tok::Punct(b';'));
        if word(0).as_deref() != Some("begin") {
            return opaque();
        }
        let Some(end_inner) = (1..toks.len()).find(|&k| semi(k)) else {
            return opaque();
        };
        // EXCEPTION WHEN duplicate_x [OR duplicate_y ...] THEN NULL; END [;]
        let mut k = end_inner + 1;
        if word(k).as_deref() != Some("exception") || word(k + 1).as_deref() != Some("when") {
            return opaque();
        }
        k += 2;
        loop {
            // Only errors that say the statement's own object exists: `others` would swallow a
            // real failure, `duplicate_table` a clash with another relation of that name (an
            // index or a constraint's index named like a table).
            let own = [
                "duplicate_object",
                "duplicate_column",
                "duplicate_schema",
                "duplicate_function",
            ];
            if !word(k).is_some_and(|w| own.contains(&w.as_str())) {
                return opaque();
            }
            k += 1;
            if word(k).as_deref() == Some("or") {
                k += 1;
                continue;
            }
            break;
        }
        if word(k).as_deref() != Some("then")
            || word(k + 1).as_deref() != Some("null")
            || !semi(k + 2)
            || word(k + 3).as_deref() != Some("end")
        {
            return opaque();
        }
        k += 4;
        if semi(k) {
            k += 1;
        }
        if k != toks.len() || end_inner < 2 {
            return opaque();
        }
        let inner = Statement {
            index: 0,
            sql: body[toks[1].start..toks[end_inner - 1].end].to_string(),
            start: 0,
            end: 0,
            transaction_control: false,
            non_transactional: None,
        };
        let Ok(steps) = statement_steps(&inner, self.default_schema) else {
            return opaque();
        };
        let renames = steps.iter().any(|s| matches!(s, Step::Rename(_)));
        if renames || !matches!(steps.first(), Some(Step::Expect(e)) if e.exists() == Some(true)) {
            return opaque();
        }
        let mark = self.steps.len();
        self.steps.extend(steps);
        self.only_existence_since(mark);
        self.skip_rest();
        Ok(())
    }

    pub(super) fn skip_rest(&mut self) {
        self.pos = self.toks.len();
    }

    pub(super) fn push(&mut self, e: Expectation) {
        self.steps.push(Step::Expect(e));
    }

    // --- statements

    pub(super) fn statement(&mut self) -> Res<()> {
        let first = self.word_at(0).unwrap_or_default();
        let unverifiable = |why: &str| Err(why.to_string());
        match first.as_str() {
            "create" => {
                self.pos += 1;
                self.create()
            }
            "alter" => {
                self.pos += 1;
                self.alter()
            }
            "drop" => {
                self.pos += 1;
                self.drop()
            }
            "comment" => {
                self.pos += 1;
                self.comment()
            }
            "insert" | "update" | "delete" | "copy" | "merge" | "truncate" => {
                unverifiable("changes rows; data is not compared with the catalog")
            }
            "select" | "with" | "values" | "table" => {
                unverifiable("a query: its effect (if any) is not visible in the catalog")
            }
            "do" => {
                self.pos += 1;
                self.do_block()
            }
            "call" => unverifiable("procedural code: what it did cannot be read from the script"),
            "set" | "reset" => unverifiable("a session setting: leaves nothing in the catalog"),
            "grant" | "revoke" => unverifiable("privileges are not compared"),
            "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint"
            | "release" | "prepare" => {
                unverifiable("transaction control: leaves nothing in the catalog")
            }
            "" => Err(self.unexpected("a statement")),
            other => Err(format!(
                "`{}` statements are not modelled",
                other.to_ascii_uppercase()
            )),
        }
    }
}
