//! Small text helpers shared by the cause stage: ANSI stripping, case-insensitive search, quoted
//! names, SQLSTATE shapes.

use std::borrow::Cow;
// text helpers

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, and lone ESC + one char).
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{1b}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('[') => {
                // parameters/intermediates until a final byte in @..~
                for d in it.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            Some(']') => {
                // OSC: until BEL or ESC \
                while let Some(d) = it.next() {
                    if d == '\u{7}' {
                        break;
                    }
                    if d == '\u{1b}' {
                        it.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// ASCII case-insensitive find (byte offset into `hay`).
pub(crate) fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay, needle).is_some()
}

pub(crate) fn is_sqlstate(code: &str) -> bool {
    code.len() == 5
        && code
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && code.bytes().any(|b| b.is_ascii_digit())
}

/// Five SQLSTATE characters at the start of `s` (after optional quotes/`E` prefix handled by callers).
pub(crate) fn sqlstate_at(s: &str) -> Option<String> {
    let code: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let upper = code.to_ascii_uppercase();
    is_sqlstate(&upper).then_some(upper)
}

/// The double-quoted name that starts at `s` (which must begin with `"`); `""` unescapes to `"`.
pub(crate) fn read_quoted(s: &str) -> Option<String> {
    let rest = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut it = rest.chars().peekable();
    while let Some(c) = it.next() {
        if c == '"' {
            if it.peek() == Some(&'"') {
                it.next();
                out.push('"');
                continue;
            }
            return Some(out);
        }
        out.push(c);
    }
    None
}

/// The first `"name"` after `marker` (case-insensitive) in `s`.
pub(crate) fn quoted_after(s: &str, marker: &str) -> Option<String> {
    let i = find_ci(s, marker)?;
    let rest = &s[i + marker.len()..];
    let q = rest.find('"')?;
    read_quoted(&rest[q..])
}

/// First `"name"` in `s`.
pub(crate) fn first_quoted(s: &str) -> Option<String> {
    let q = s.find('"')?;
    read_quoted(&s[q..])
}

/// SQL-ready identifier.
pub(crate) fn qi(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
