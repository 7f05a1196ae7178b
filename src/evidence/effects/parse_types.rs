//! Type names as written in a script, reduced to the spelling `format_type()` prints.

use super::display::quote;
use super::parser::*;
use crate::evidence::split::Tok;

// Types

/// Built-in types by catalog name, which may also be written quoted or `pg_catalog.`-qualified,
/// and the name `format_type()` prints for them.
pub(super) const CATALOG_TYPES: &[(&str, &str)] = &[
    ("int4", "integer"),
    ("int2", "smallint"),
    ("int8", "bigint"),
    ("float4", "real"),
    ("float8", "double precision"),
    ("bool", "boolean"),
    ("varchar", "character varying"),
    ("bpchar", "bpchar"),
    ("varbit", "bit varying"),
    ("timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("time", "time without time zone"),
    ("timetz", "time with time zone"),
    ("char", "\"char\""),
    ("numeric", "numeric"),
    ("interval", "interval"),
    ("bit", "bit"),
    ("text", "text"),
    ("bytea", "bytea"),
    ("uuid", "uuid"),
    ("json", "json"),
    ("jsonb", "jsonb"),
    ("date", "date"),
    ("money", "money"),
    ("inet", "inet"),
    ("cidr", "cidr"),
    ("macaddr", "macaddr"),
    ("macaddr8", "macaddr8"),
    ("xml", "xml"),
    ("tsvector", "tsvector"),
    ("tsquery", "tsquery"),
    ("oid", "oid"),
    ("point", "point"),
    ("line", "line"),
    ("lseg", "lseg"),
    ("box", "box"),
    ("path", "path"),
    ("polygon", "polygon"),
    ("circle", "circle"),
    ("pg_lsn", "pg_lsn"),
    ("jsonpath", "jsonpath"),
    ("int4range", "int4range"),
    ("int8range", "int8range"),
    ("numrange", "numrange"),
    ("tsrange", "tsrange"),
    ("tstzrange", "tstzrange"),
    ("daterange", "daterange"),
    ("regclass", "regclass"),
    ("name", "name"),
    ("regtype", "regtype"),
    ("regproc", "regproc"),
    ("regprocedure", "regprocedure"),
    ("regnamespace", "regnamespace"),
    ("regrole", "regrole"),
    // pseudo-types (function arguments and results)
    ("anyelement", "anyelement"),
    ("anyarray", "anyarray"),
    ("anynonarray", "anynonarray"),
    ("anyenum", "anyenum"),
    ("anyrange", "anyrange"),
    ("anymultirange", "anymultirange"),
    ("anycompatible", "anycompatible"),
    ("anycompatiblearray", "anycompatiblearray"),
    ("anycompatiblenonarray", "anycompatiblenonarray"),
    ("anycompatiblerange", "anycompatiblerange"),
    ("record", "record"),
    ("void", "void"),
    ("trigger", "trigger"),
    ("event_trigger", "event_trigger"),
    ("cstring", "cstring"),
    ("internal", "internal"),
];

/// SQL keyword spellings, which only work unquoted and unqualified.
pub(super) const KEYWORD_TYPES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("integer", "integer"),
    ("smallint", "smallint"),
    ("bigint", "bigint"),
    ("real", "real"),
    ("boolean", "boolean"),
];

/// SERIAL pseudo-types: the column gets the integer type, NOT NULL and a sequence default.
pub(super) const SERIAL_TYPES: &[(&str, &str)] = &[
    ("serial", "integer"),
    ("serial4", "integer"),
    ("smallserial", "smallint"),
    ("serial2", "smallint"),
    ("bigserial", "bigint"),
    ("serial8", "bigint"),
];

#[derive(Debug, Clone, Default)]
pub(super) struct TypeSpec {
    /// None when the type could not be normalised with confidence (then it is not compared).
    pub(super) canonical: Option<String>,
    pub(super) serial: bool,
}

impl<'a> Parser<'a> {
    // --- types

    /// Reads a type name and returns it in canonical form.
    pub(super) fn data_type(&mut self) -> Res<TypeSpec> {
        let t = self
            .tok(0)
            .cloned()
            .ok_or_else(|| self.unexpected("a type"))?;
        let mut spec = TypeSpec::default();
        let word = self.word_at(0);
        let mut canonical: Option<String> = match word.as_deref() {
            Some("double") if self.word_at(1).as_deref() == Some("precision") => {
                self.pos += 2;
                Some("double precision".into())
            }
            Some("character" | "char" | "nchar" | "national") => {
                if self.eat_kw("national") {
                    if !self.eat_kw("character") {
                        self.expect_kw("char")?;
                    }
                } else {
                    self.pos += 1;
                }
                let varying = self.eat_kw("varying");
                let n = self.type_mods()?;
                Some(match (varying, n.as_slice()) {
                    (true, []) => "character varying".into(),
                    (true, [n]) => format!("character varying({n})"),
                    (false, []) => "character(1)".into(),
                    (false, [n]) => format!("character({n})"),
                    _ => return Err("bad character type modifiers".into()),
                })
            }
            Some(
                "varchar" | "bit" | "varbit" | "bpchar" | "float" | "numeric" | "decimal" | "dec"
                | "interval",
            ) => {
                self.pos += 1;
                let base = word.unwrap_or_default();
                let varying = base == "bit" && self.eat_kw("varying");
                if base == "interval"
                    && self
                        .word_at(0)
                        .is_some_and(|w| INTERVAL_FIELDS.contains(&w.as_str()))
                {
                    while self
                        .word_at(0)
                        .is_some_and(|w| INTERVAL_FIELDS.contains(&w.as_str()))
                    {
                        self.pos += 1;
                    }
                    self.type_mods()?;
                    None
                } else {
                    let mods = self.type_mods()?;
                    sized_builtin(&base, varying, &mods)
                }
            }
            Some("timestamp" | "time" | "timestamptz" | "timetz") => {
                self.pos += 1;
                let base = word.unwrap_or_default();
                let p = self.type_mods()?;
                let tz = base.ends_with("tz") || self.eat_kws(&["with", "time", "zone"]);
                if !tz {
                    self.eat_kws(&["without", "time", "zone"]);
                }
                let stem = base.trim_end_matches("tz");
                let zone = if tz {
                    "with time zone"
                } else {
                    "without time zone"
                };
                match p.as_slice() {
                    [] => Some(format!("{stem} {zone}")),
                    [p] => Some(format!("{stem}({p}) {zone}")),
                    _ => return Err("bad time type modifiers".into()),
                }
            }
            _ => {
                let quoted = matches!(t.kind, Tok::QuotedIdent(_));
                let (schema, name) = self.qname()?;
                let mods = self.user_mods()?;
                let builtin = match schema.as_deref() {
                    None | Some("pg_catalog") => builtin_name(&name, quoted, schema.is_some()),
                    Some(_) => None,
                };
                match builtin {
                    Some((canon, serial)) if mods.is_empty() => {
                        spec.serial = serial;
                        Some(canon)
                    }
                    Some(_) => None,
                    None => {
                        let base = match schema {
                            Some(s) => format!("{}.{}", quote(&s), quote(&name)),
                            None => quote(&name),
                        };
                        Some(if mods.is_empty() {
                            base
                        } else {
                            format!("{base}({})", mods.join(","))
                        })
                    }
                }
            }
        };
        // Array bounds are not enforced: any number of dimensions is one `[]` in the catalog.
        let mut array = false;
        loop {
            if self.is_punct(b'[') {
                self.skip_group()?;
                array = true;
            } else if self.eat_kw("array") {
                if self.is_punct(b'[') {
                    self.skip_group()?;
                }
                array = true;
            } else {
                break;
            }
        }
        if array {
            canonical = canonical.map(|c| format!("{c}[]"));
            if spec.serial {
                return Err("an array of SERIAL is not a valid type".into());
            }
        }
        spec.canonical = canonical;
        Ok(spec)
    }

    /// `(n)` or `(p, s)` of a built-in type.
    pub(super) fn type_mods(&mut self) -> Res<Vec<u64>> {
        if !self.is_punct(b'(') {
            return Ok(Vec::new());
        }
        self.list(|p| p.number())
    }

    /// Modifiers of a user-defined type (`vector(1536)`, `geometry(Point, 4326)`), as written.
    pub(super) fn user_mods(&mut self) -> Res<Vec<String>> {
        if !self.is_punct(b'(') {
            return Ok(Vec::new());
        }
        self.list(|p| {
            let t = p
                .tok(0)
                .cloned()
                .ok_or_else(|| p.unexpected("a type modifier"))?;
            if !matches!(
                t.kind,
                Tok::Word | Tok::Number | Tok::QuotedIdent(_) | Tok::Str(_)
            ) {
                return Err(p.unexpected("a type modifier"));
            }
            p.pos += 1;
            Ok(p.text(&t).to_string())
        })
    }
}

pub(super) const INTERVAL_FIELDS: &[&str] =
    &["year", "month", "day", "hour", "minute", "second", "to"];

/// Words that end a column's type or default expression in a column definition.
pub(super) const COLUMN_OPTION_WORDS: &[&str] = &[
    "constraint",
    "not",
    "null",
    "default",
    "check",
    "unique",
    "primary",
    "references",
    "generated",
    "collate",
    "deferrable",
    "initially",
];

pub(super) fn sized_builtin(base: &str, varying: bool, mods: &[u64]) -> Option<String> {
    let name = match (base, varying) {
        ("varchar", _) => "character varying",
        ("bit", true) | ("varbit", _) => "bit varying",
        ("bpchar", _) => "character",
        (other, _) => other,
    };
    match (name, mods) {
        ("float", []) => Some("double precision".into()),
        ("float", [p]) => match p {
            1..=24 => Some("real".into()),
            25..=53 => Some("double precision".into()),
            _ => None,
        },
        ("decimal" | "dec" | "numeric", []) => Some("numeric".into()),
        ("decimal" | "dec" | "numeric", [p]) => Some(format!("numeric({p},0)")),
        ("decimal" | "dec" | "numeric", [p, s]) => Some(format!("numeric({p},{s})")),
        ("bit", []) => Some("bit(1)".into()),
        ("character", []) => Some("bpchar".into()),
        (n, []) => Some(n.into()),
        (n, [m]) => Some(format!("{n}({m})")),
        _ => None,
    }
}

/// A built-in type written as a plain name: (canonical, is serial).
pub(super) fn builtin_name(name: &str, quoted: bool, qualified: bool) -> Option<(String, bool)> {
    let find = |table: &[(&str, &str)]| {
        table
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.to_string())
    };
    if let Some(c) = find(SERIAL_TYPES).filter(|_| !qualified) {
        return Some((c, true));
    }
    let keyword = find(KEYWORD_TYPES).filter(|_| !quoted && !qualified);
    keyword.or_else(|| find(CATALOG_TYPES)).map(|c| (c, false))
}
