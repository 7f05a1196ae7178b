//! The statement the logs name as the one that failed: the native engine's P3018 text shows the
//! script around the error in a `Position:` block, numbered lines with the failing one
//! highlighted. That line is mapped onto the script's statements: by its number when the
//! script has that very line there (the whole script was sent as one query), else by its text
//! when exactly one statement holds it (the statement was sent alone). Nothing is guessed: no
//! block, no highlighted line, or a text several statements share gives None.

use super::split::Statement;

/// The highlighted line of the logs' `Position:` block: (its number, its text).
fn highlighted_line(logs: &str) -> Option<(usize, String)> {
    let block = &logs[logs.find("Position:")?..];
    for line in block.lines().skip(1) {
        if !line.contains('\u{1b}') {
            // the block ends at the first line without the engine's markup
            if line.trim().is_empty() {
                break;
            }
            continue;
        }
        if !line.contains("\u{1b}[1;31m") {
            continue;
        }
        let plain = strip_ansi(line);
        let trimmed = plain.trim_start();
        let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
        let number = digits.parse().ok()?;
        let text = trimmed[digits.len()..].trim().to_string();
        return Some((number, text));
    }
    None
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The index of the failing statement, when the logs say it (see the module comment).
pub fn from_logs(logs: &str, script: &str, statements: &[Statement]) -> Option<usize> {
    let (number, text) = highlighted_line(logs)?;
    if text.is_empty() {
        return None;
    }
    let containing = |offset: usize| {
        statements
            .iter()
            .position(|s| s.start <= offset && offset < s.end.max(s.start + 1))
    };
    // By number: line `number` (1-based) of the script is that text.
    let mut offset = 0;
    for (i, line) in script.split_inclusive('\n').enumerate() {
        if i + 1 == number {
            if line.trim() == text {
                let lead = line.len() - line.trim_start().len();
                if let Some(k) = containing(offset + lead) {
                    return Some(k);
                }
            }
            break;
        }
        offset += line.len();
    }
    // By text: exactly one statement has that line.
    // (a statement's text leaves its `;` out)
    let bare = |l: &str| l.trim().trim_end_matches(';').trim_end().to_string();
    let wanted = bare(&text);
    let mut holders = statements
        .iter()
        .filter(|s| s.sql.lines().any(|l| bare(l) == wanted));
    let first = holders.next()?;
    holders.next().is_none().then_some(first.index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::split::split_script;

    const SCRIPT: &str = "-- CreateTable\nCREATE TABLE \"Session\" (\n    \"id\" TEXT NOT NULL,\n    \"expiresAt\" DATETIME NOT NULL,\n    CONSTRAINT \"Session_pkey\" PRIMARY KEY (\"id\")\n);\n\n-- CreateIndex\nCREATE INDEX \"Session_expiresAt_idx\" ON \"Session\"(\"expiresAt\");\n";

    fn logs(block: &str) -> String {
        format!("A migration failed to apply.\n\nMigration name: 1_x\n\nDatabase error code: 42704\n\nDatabase error:\nERROR: type \"datetime\" does not exist\n\nPosition:\n{block}\n\nDbError {{ severity: \"ERROR\" }}\n")
    }

    #[test]
    fn the_highlighted_line_names_the_statement() {
        let split = split_script(SCRIPT);
        // The whole script sent: line 4 of the script.
        let whole = logs("\u{1b}[1m  0\u{1b}[0m\n\u{1b}[1m  1\u{1b}[0m -- CreateTable\n\u{1b}[1m  2\u{1b}[0m CREATE TABLE \"Session\" (\n\u{1b}[1m  3\u{1b}[0m     \"id\" TEXT NOT NULL,\n\u{1b}[1m  4\u{1b}[1;31m     \"expiresAt\" DATETIME NOT NULL,\u{1b}[0m");
        assert_eq!(from_logs(&whole, SCRIPT, &split.statements), Some(0));
        // The statement sent alone: its own line numbers, found by the text.
        let alone = logs("\u{1b}[1m  0\u{1b}[0m\n\u{1b}[1m  1\u{1b}[1;31m CREATE INDEX \"Session_expiresAt_idx\" ON \"Session\"(\"expiresAt\");\u{1b}[0m");
        assert_eq!(from_logs(&alone, SCRIPT, &split.statements), Some(1));
    }

    #[test]
    fn nothing_is_guessed() {
        let split = split_script(SCRIPT);
        assert_eq!(
            from_logs("external connector error", SCRIPT, &split.statements),
            None
        );
        // A line several statements share, at a number where the script has another line.
        let twice =
            "ALTER TABLE \"a\" ADD COLUMN \"x\" INT;\nALTER TABLE \"a\" ADD COLUMN \"x\" INT;\n";
        let split2 = split_script(twice);
        let shared =
            logs("\u{1b}[1m  7\u{1b}[1;31m ALTER TABLE \"a\" ADD COLUMN \"x\" INT;\u{1b}[0m");
        assert_eq!(from_logs(&shared, twice, &split2.statements), None);
        // ... but its number decides when the script has it there.
        let second =
            logs("\u{1b}[1m  2\u{1b}[1;31m ALTER TABLE \"a\" ADD COLUMN \"x\" INT;\u{1b}[0m");
        assert_eq!(from_logs(&second, twice, &split2.statements), Some(1));
        // No highlighted line.
        let plain = logs("\u{1b}[1m  0\u{1b}[0m\n\u{1b}[1m  1\u{1b}[0m -- CreateTable");
        assert_eq!(from_logs(&plain, SCRIPT, &split.statements), None);
    }
}
