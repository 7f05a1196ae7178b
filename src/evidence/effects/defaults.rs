//! Default expressions reduced to tokens that compare as PostgreSQL prints them.

use super::display::quote;
use super::parse_types::*;
use super::parser::*;
use crate::evidence::split::{lex, Tok, Token};

// Default expressions

/// Date/time literals are re-printed by the server in its own format (`'1 hour'` becomes
/// `'01:00:00'`): they compare as this placeholder.
/// How `default_tokens` reduces a date/time literal: its text is not compared.
pub(crate) const OPAQUE: &str = "'<date/time literal>'";

pub(super) fn is_datetime(type_name: &str) -> bool {
    ["interval", "timestamp", "time", "date"]
        .iter()
        .any(|t| type_name.starts_with(t))
}

/// A default expression reduced to comparable tokens, so that the script's spelling and
/// `pg_get_expr()`'s agree: casts (`'x'::text`) and typed-literal prefixes (`interval '1 day'`)
/// are dropped, grouping parentheses are dropped, numbers and strings become literals
/// (`'-1'::integer` = `-1`), keywords and unquoted names are lower-cased.
pub(crate) fn default_tokens(expr: &str) -> Vec<String> {
    let toks: Vec<Token> = lex(expr)
        .into_iter()
        .filter(|t| t.kind != Tok::Comment)
        .collect();
    let mut p = Parser {
        src: expr,
        toks,
        pos: 0,
        default_schema: "",
        steps: Vec::new(),
        if_not_exists: false,
    };
    let mut out: Vec<String> = Vec::new();
    let mut call_parens: Vec<bool> = Vec::new();
    let mut prev_operand = false;
    while let Some(t) = p.tok(0).cloned() {
        p.pos += 1;
        let text = p.text(&t);
        let next_is_str = p.tok(0).is_some_and(|n| matches!(n.kind, Tok::Str(_)));
        match &t.kind {
            Tok::Op if text == "::" => {
                let at = p.pos;
                match p.data_type() {
                    Ok(t) if t.canonical.as_deref().is_some_and(is_datetime) => {
                        if out.last().is_some_and(|l| l.starts_with('\'')) {
                            out.pop();
                            out.push(OPAQUE.into());
                        }
                    }
                    Ok(_) => {}
                    Err(_) => p.pos = at,
                }
                continue;
            }
            Tok::Punct(b'(') => {
                call_parens.push(prev_operand);
                if prev_operand {
                    out.push("(".into());
                }
                prev_operand = false;
                continue;
            }
            Tok::Punct(b')') => {
                if call_parens.pop().unwrap_or(false) {
                    out.push(")".into());
                }
                prev_operand = true;
                continue;
            }
            Tok::Op
                if text == "-"
                    && !prev_operand
                    && p.tok(0).is_some_and(|n| n.kind == Tok::Number) =>
            {
                let n = p.tok(0).map(|n| p.text(n)).unwrap_or_default();
                p.pos += 1;
                out.push(format!("'-{n}'"));
            }
            // A typed literal (`interval '1 day'`): PostgreSQL prints it as a cast.
            Tok::Word if next_is_str && is_datetime(&text.to_ascii_lowercase()) => {
                p.pos += 1;
                out.push(OPAQUE.into());
            }
            Tok::Word
                if next_is_str
                    && builtin_name(&text.to_ascii_lowercase(), false, false).is_some() =>
            {
                continue;
            }
            Tok::Word if matches!(text.to_ascii_lowercase().as_str(), "true" | "false") => {
                out.push(format!("'{}'", text.to_ascii_lowercase()));
            }
            Tok::Word => out.push(text.to_ascii_lowercase()),
            Tok::QuotedIdent(v) => out.push(quote(v)),
            Tok::Str(v) | Tok::Dollar(v) => out.push(format!("'{v}'")),
            Tok::Number => out.push(format!("'{text}'")),
            _ => out.push(text.to_string()),
        }
        prev_operand = matches!(
            t.kind,
            Tok::Word | Tok::QuotedIdent(_) | Tok::Str(_) | Tok::Number | Tok::Dollar(_)
        ) || t.kind == Tok::Punct(b']');
    }
    out
}
