//! The names a query gives its output columns (what a view's columns are called), for the select
//! items whose name is certain; any other item makes the whole list unknown.
//!
//! PostgreSQL names an item (`FigureColname`) by its alias, else by the column it refers to,
//! else by the function it calls, with many special cases (`CASE` -> `case`, `a + b` ->
//! `?column?`, `extract` spelled differently across versions). Only the first three forms are
//! followed here; `*` (expanded from the tables at creation time) and everything else give None.

use super::parser::{truncate_ident, Parser};
use crate::evidence::split::{Tok, Token};

/// Reserved, type/function-name and column-name keywords (PostgreSQL's kwlist categories other
/// than "unreserved"): none of them can stand alone as a column name or a bare alias.
const NOT_NAMES: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Unreserved keywords that can end an expression or sit inside one without parentheses
/// (`'1' DAY`, `AT TIME ZONE`, `AT LOCAL`, `IS UNKNOWN`, `IS JSON VALUE`, `NULLS LAST`, ...):
/// never read as an alias, nor as the end of the expression an alias follows.
const EXPRESSION_WORDS: &[&str] = &[
    "at",
    "by",
    "day",
    "document",
    "escape",
    "filter",
    "first",
    "following",
    "groups",
    "hour",
    "keys",
    "last",
    "local",
    "minute",
    "month",
    "nfc",
    "nfd",
    "nfkc",
    "nfkd",
    "no",
    "normalized",
    "nulls",
    "object",
    "of",
    "operator",
    "ordinality",
    "others",
    "over",
    "preceding",
    "range",
    "rows",
    "scalar",
    "second",
    "ties",
    "uescape",
    "unknown",
    "value",
    "within",
    "without",
    "year",
    "zone",
];

/// Words that end the select list at the top level of the query.
const LIST_ENDS: &[&str] = &[
    "from",
    "where",
    "union",
    "intersect",
    "except",
    "into",
    "window",
    "having",
    "limit",
    "offset",
    "fetch",
    "for",
];

fn is_keyword(w: &str) -> bool {
    NOT_NAMES.contains(&w) || EXPRESSION_WORDS.contains(&w)
}

/// One unit of a select item: a token, or a whole parenthesised / bracketed group.
#[derive(Debug, Clone, Copy)]
struct Unit<'t> {
    tok: &'t Token,
    group: bool,
}

impl<'a> Parser<'a> {
    /// The output column names of the query starting at the current token (after `AS`), or
    /// None when one of them is not certain. Does not move.
    pub(super) fn query_output_names(&self) -> Option<Vec<String>> {
        let items = self.select_items()?;
        let mut names: Vec<String> = Vec::with_capacity(items.len());
        for item in &items {
            let name = self.item_name(item)?;
            if names.contains(&name) {
                // A view cannot have two columns of one name: the reading is off.
                return None;
            }
            names.push(name);
        }
        Some(names)
    }

    /// How many columns the query returns, when no select item is a `*` (for a view with its
    /// own column list), else None.
    pub(super) fn query_column_count(&self) -> Option<usize> {
        let items = self.select_items()?;
        let star = |item: &Vec<Unit>| {
            item.iter()
                .any(|u| !u.group && u.tok.kind == Tok::Op && self.text(u.tok) == "*")
        };
        let expressions = items.iter().all(|i| !i.is_empty() && !star(i));
        expressions.then_some(items.len())
    }

    /// The top-level select list of the query at the current token, as units per item.
    fn select_items(&self) -> Option<Vec<Vec<Unit<'_>>>> {
        let toks = &self.toks[self.pos..];
        let word = |i: usize| {
            toks.get(i)
                .filter(|t| t.kind == Tok::Word)
                .map(|t| self.text(t).to_ascii_lowercase())
        };
        let mut i = 0;
        if word(i).as_deref() == Some("with") {
            i += 1;
            if word(i).as_deref() == Some("recursive") {
                i += 1;
            }
            // name [(columns)] AS [NOT] [MATERIALIZED] ( query ) [, ...]
            loop {
                // the name
                i += 1;
                if toks.get(i).is_some_and(|t| t.kind == Tok::Punct(b'(')) {
                    i = group_end(toks, i)?;
                }
                if word(i).as_deref() != Some("as") {
                    return None;
                }
                i += 1;
                if word(i).as_deref() == Some("not") {
                    i += 1;
                }
                if word(i).as_deref() == Some("materialized") {
                    i += 1;
                }
                if !toks.get(i).is_some_and(|t| t.kind == Tok::Punct(b'(')) {
                    return None;
                }
                i = group_end(toks, i)?;
                if toks.get(i).is_some_and(|t| t.kind == Tok::Punct(b',')) {
                    i += 1;
                    continue;
                }
                break;
            }
        }
        if word(i).as_deref() != Some("select") {
            return None;
        }
        i += 1;
        if word(i).as_deref() == Some("all") {
            i += 1;
        } else if word(i).as_deref() == Some("distinct") {
            i += 1;
            if word(i).as_deref() == Some("on") {
                i += 1;
                if !toks.get(i).is_some_and(|t| t.kind == Tok::Punct(b'(')) {
                    return None;
                }
                i = group_end(toks, i)?;
            }
        }
        // The items, as units, split at top-level commas.
        let mut items: Vec<Vec<Unit>> = vec![Vec::new()];
        while let Some(t) = toks.get(i) {
            match t.kind {
                Tok::Punct(b'(' | b'[') => {
                    let end = group_end(toks, i)?;
                    items.last_mut()?.push(Unit {
                        tok: t,
                        group: true,
                    });
                    i = end;
                    continue;
                }
                Tok::Punct(b',') => items.push(Vec::new()),
                Tok::Punct(b';') => break,
                Tok::Punct(b')' | b']') => return None,
                Tok::Word => {
                    let w = self.text(t).to_ascii_lowercase();
                    // `a IS [NOT] DISTINCT FROM b`: not the end of the list, which is not
                    // followed further.
                    if w == "from" && i > 0 && word(i - 1).as_deref() == Some("distinct") {
                        return None;
                    }
                    let by = word(i + 1).as_deref() == Some("by");
                    if LIST_ENDS.contains(&w.as_str()) || ((w == "group" || w == "order") && by) {
                        break;
                    }
                    items.last_mut()?.push(Unit {
                        tok: t,
                        group: false,
                    });
                }
                _ => items.last_mut()?.push(Unit {
                    tok: t,
                    group: false,
                }),
            }
            i += 1;
        }
        Some(items)
    }

    fn item_name(&self, item: &[Unit]) -> Option<String> {
        let n = item.len();
        let last = item.last()?;
        // `a OPERATOR(s.+) b`: the group is an operator, not the end of an expression.
        if item.iter().any(|u| self.unit_is_word(*u, "operator")) {
            return None;
        }
        // expr AS name
        if n >= 3 && self.unit_is_word(item[n - 2], "as") {
            return self.name_of(*last, true);
        }
        // expr name (a bare alias)
        if n >= 2 && self.ends_expression(item, n - 2) {
            if let Some(alias) = self.name_of(*last, false) {
                return Some(alias);
            }
        }
        // a column: name, t.name, s.t.name; optionally cast to a one-word type
        // (`t.name::text`, `"x"::"Enum"[]`, `x::varchar(20)`)
        let mut segments = item.split(|u| self.unit_is_op(*u, "::"));
        let column = segments.next()?;
        if item.iter().any(|u| self.unit_is_op(*u, "::")) {
            let type_like = |seg: &[Unit]| {
                let words = seg.iter().take_while(|u| !u.group).count();
                let name_ok = match words {
                    1 => true,
                    3 => matches!(seg[1].tok.kind, Tok::Punct(b'.')),
                    _ => false,
                };
                name_ok
                    && seg[..words].iter().enumerate().all(|(k, u)| {
                        k % 2 == 1 || matches!(u.tok.kind, Tok::Word | Tok::QuotedIdent(_))
                    })
                    && seg[words..].iter().all(|u| u.group)
            };
            if !segments.all(type_like) {
                return None;
            }
            return self.column_ref(column);
        }
        if let Some(name) = self.column_ref(column) {
            return Some(name);
        }
        // a function call: f(...), s.f(...), with FILTER (...) / OVER w|(...)
        self.function_name(item)
    }

    fn column_ref(&self, units: &[Unit]) -> Option<String> {
        if units.is_empty() || units.len().is_multiple_of(2) || units.len() > 5 {
            return None;
        }
        for (k, u) in units.iter().enumerate() {
            if k % 2 == 1 {
                if !matches!(u.tok.kind, Tok::Punct(b'.')) {
                    return None;
                }
            } else if k == 0 {
                self.name_of(*u, false)?;
            } else {
                self.name_of(*u, true)?;
            }
        }
        self.name_of(*units.last()?, true)
    }

    fn function_name(&self, item: &[Unit]) -> Option<String> {
        let call = item.iter().position(|u| u.group)?;
        if call == 0 || call.is_multiple_of(2) || call > 3 {
            return None;
        }
        let name_units = &item[..call];
        for (k, u) in name_units.iter().enumerate() {
            if k % 2 == 1 && !matches!(u.tok.kind, Tok::Punct(b'.')) {
                return None;
            }
        }
        if !matches!(self.text(item[call].tok), "(") {
            return None;
        }
        // What may follow the call without changing the name.
        let mut k = call + 1;
        if k < item.len() && self.unit_is_word(item[k], "filter") {
            k += 1;
            if !item.get(k).is_some_and(|u| u.group) {
                return None;
            }
            k += 1;
        }
        if k < item.len() && self.unit_is_word(item[k], "over") {
            k += 1;
            let window = item.get(k)?;
            if !window.group {
                self.name_of(*window, false)?;
            }
            k += 1;
        }
        if k != item.len() {
            return None;
        }
        let f = *name_units.last()?;
        let special = ["coalesce", "greatest", "least", "nullif"];
        if call == 1 && f.tok.kind == Tok::Word {
            let w = self.text(f.tok).to_ascii_lowercase();
            if special.contains(&w.as_str()) {
                return Some(w);
            }
        }
        if call == 1 {
            self.name_of(f, false)
        } else {
            self.name_of(name_units[0], false)?;
            self.name_of(f, true)
        }
    }

    /// Whether `item[k]` can end the expression an alias follows.
    fn ends_expression(&self, item: &[Unit], k: usize) -> bool {
        let u = item[k];
        if u.group {
            return true;
        }
        match &u.tok.kind {
            Tok::QuotedIdent(_) => true,
            Tok::Word => {
                let w = self.text(u.tok).to_ascii_lowercase();
                let after_dot = k > 0 && matches!(item[k - 1].tok.kind, Tok::Punct(b'.'));
                after_dot || w == "end" || !is_keyword(&w)
            }
            _ => false,
        }
    }

    /// The name a unit spells, as stored: a quoted identifier as written, an unquoted word in
    /// lower case. `any_word`: keywords allowed (after a dot or AS).
    fn name_of(&self, u: Unit, any_word: bool) -> Option<String> {
        if u.group {
            return None;
        }
        match &u.tok.kind {
            // `U&"..."` escapes are not decoded by the lexer.
            Tok::QuotedIdent(_) if self.text(u.tok).starts_with(['u', 'U']) => None,
            Tok::QuotedIdent(v) if !v.is_empty() => Some(truncate_ident(v.clone())),
            Tok::Word => {
                let w = self.text(u.tok).to_ascii_lowercase();
                (any_word || !is_keyword(&w)).then(|| truncate_ident(w))
            }
            _ => None,
        }
    }

    fn unit_is_word(&self, u: Unit, w: &str) -> bool {
        !u.group && u.tok.kind == Tok::Word && self.text(u.tok).eq_ignore_ascii_case(w)
    }

    fn unit_is_op(&self, u: Unit, op: &str) -> bool {
        !u.group && u.tok.kind == Tok::Op && self.text(u.tok) == op
    }
}

/// The index after the group that opens at `toks[open]`.
fn group_end(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Tok::Punct(b'(' | b'[') => depth += 1,
            Tok::Punct(b')' | b']') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    None
}
