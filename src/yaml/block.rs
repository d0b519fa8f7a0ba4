//! A quick reader for the block YAML that configuration files are nearly always written in:
//! block mappings and sequences, plain and quoted scalars (over several lines too), one-line
//! flow collections, and literal or folded block scalars. It builds the same value tree as the
//! full parser in about a third of the time, and gives up (`None`) on anything else: anchors,
//! aliases, tags, directives, flow collections over several lines, keep chomping, tabs where
//! indentation goes, duplicate keys, numbers that need more than 64 bits, and every construct
//! YAML calls an error. The caller then reads the file with the full parser, which also
//! reports the errors.
//!
//! Plain scalars resolve as the full parser resolves them (YAML 1.2 core schema): `null`,
//! `~` and the empty scalar to null, `true`/`false` in three spellings to booleans, decimal
//! integers without leading zeros to numbers, decimal floats to numbers when finite, and
//! everything else to strings. Hexadecimal, octal and binary integers and `.inf`/`.nan` give up.

use serde_yaml::{Mapping, Number, Value};

/// The documents of a YAML stream, an empty one as null; `None` when the text uses anything
/// this reader leaves to the full parser.
pub(crate) fn documents(text: &str) -> Option<Vec<Value>> {
    // A CRLF line break is a line feed to YAML; a lone carriage return is left to the full
    // parser, as are a byte-order mark and control characters.
    let unix;
    let text = if text.contains('\r') {
        unix = text.replace("\r\n", "\n");
        if unix.contains('\r') {
            return None;
        }
        unix.as_str()
    } else {
        text
    };
    if !printable(text) {
        return None;
    }
    // Without a final line feed, a block scalar on the last line would end differently.
    let (body, open_end) = match text.strip_suffix('\n') {
        Some(body) => (body, false),
        None => (text, true),
    };
    let lines: Vec<&str> = body.split('\n').collect();
    let mut docs = Vec::new();
    let mut start = 0;
    let mut markers = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
            if line.trim_end_matches(' ') != "---" {
                return None;
            }
            // Blank lines and comments before the first marker are no document.
            if markers > 0 || !all_blank(&lines[start..i])? {
                docs.push(document(&lines[start..i], false)?);
            }
            markers += 1;
            start = i + 1;
        }
    }
    // After the last marker comes a document, empty or not.
    docs.push(document(&lines[start..], open_end)?);
    // A stream of only comments is left to the full parser.
    if markers == 0 && docs[0].is_null() {
        return None;
    }
    Some(docs)
}

/// Whether every character is one YAML allows in a stream: tab, line feed, printable ASCII,
/// and the printable ranges beyond it.
fn printable(text: &str) -> bool {
    if text
        .bytes()
        .all(|b| b == b'\t' || b == b'\n' || (0x20..0x7f).contains(&b))
    {
        return true;
    }
    text.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
            && c != '\u{feff}'
    })
}

/// Whether every line is blank or a comment; `None` on a tab before the first character.
fn all_blank(lines: &[&str]) -> Option<bool> {
    for l in lines {
        if !blank(l)? {
            return Some(false);
        }
    }
    Some(true)
}

/// Spaces at the start of a line.
fn indent(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// Whether a line is empty, spaces, or a comment; `None` when a tab follows its indentation
/// (tabs cannot indent, and a tab-only line is left to the full parser too).
fn blank(line: &str) -> Option<bool> {
    match line.as_bytes().get(indent(line)) {
        None | Some(b'#') => Some(true),
        Some(b'\t') => None,
        Some(_) => Some(false),
    }
}

/// One document: a block mapping or sequence at the root, or nothing (null). `open_end`: its
/// last line is the text's and has no line feed.
fn document(lines: &[&str], open_end: bool) -> Option<Value> {
    let mut r = Reader {
        lines,
        at: 0,
        depth: 0,
        open_end,
    };
    r.skip_blank()?;
    if r.at == lines.len() {
        return Some(Value::Null);
    }
    let col = indent(lines[r.at]);
    let rest = &lines[r.at][col..];
    let value = if sequence_entry(rest) {
        r.sequence(col)?
    } else if let Entry::Key(key, after) = key_of(rest)? {
        r.mapping(col, key, after)?
    } else {
        return None;
    };
    r.skip_blank()?;
    (r.at == lines.len()).then_some(value)
}

/// Whether `rest` (a line from its first character) starts a block sequence entry.
fn sequence_entry(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.first() == Some(&b'-') && matches!(b.get(1), None | Some(b' '))
}

/// Where a comment starts in the unquoted text `s`: a `#` at its start or after a space or tab.
fn comment_at(s: &str) -> usize {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'#', &b[from..]) {
        let at = from + i;
        if at == 0 || matches!(b[at - 1], b' ' | b'\t') {
            return at;
        }
        from = at + 1;
    }
    s.len()
}

/// Whether `s` is only spaces and perhaps a comment.
fn rest_blank(s: &str) -> bool {
    let t = s.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// Whether a plain scalar may start with this text (YAML's indicators may not, except `-`,
/// `?` and `:` before a non-space; those three give up here but for `-`).
fn plain_start(s: &str) -> bool {
    match s.as_bytes() {
        [] | [b'-'] => false,
        [b'-', next, ..] => !matches!(next, b' ' | b'\t'),
        [first, ..] => !matches!(
            first,
            b'[' | b']'
                | b'{'
                | b'}'
                | b','
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b'?'
                | b':'
                | b' '
                | b'\t'
        ),
    }
}

/// What a line holds from a collection's column on.
enum Entry<'s> {
    /// A mapping key and the text after its `:`.
    Key(Value, &'s str),
    /// Anything else: a sequence entry or a scalar.
    Other,
}

/// Whether `rest` starts with a mapping key; `None` to give up.
fn key_of(rest: &str) -> Option<Entry<'_>> {
    match rest.as_bytes().first() {
        Some(b'"' | b'\'') => {
            // A quoted scalar that goes on past this line is no key.
            let Some((key, after)) = quoted(rest) else {
                return Some(Entry::Other);
            };
            let after = after.trim_start_matches(' ');
            return match after.strip_prefix(':') {
                Some(value) if value.is_empty() || value.starts_with(' ') => {
                    Some(Entry::Key(Value::String(key), value))
                }
                Some(_) => None,
                None => Some(Entry::Other),
            };
        }
        Some(b'[' | b'{' | b'?' | b'&' | b'*' | b'!') => return Some(Entry::Other),
        _ => {}
    }
    let text = &rest[..comment_at(rest)];
    let b = text.as_bytes();
    let mut from = 0;
    let colon = loop {
        let Some(i) = memchr::memchr(b':', &b[from..]) else {
            return Some(Entry::Other);
        };
        let at = from + i;
        match b.get(at + 1) {
            None | Some(b' ') => break at,
            Some(b'\t') => return None,
            _ => from = at + 1,
        }
    };
    let key = text[..colon].trim_end_matches([' ', '\t']);
    if !plain_start(key) || key.len() > 1000 {
        return None;
    }
    Some(Entry::Key(resolve(key)?, &rest[colon + 1..]))
}

/// A one-line quoted scalar at the start of `s` and the text after it; `None` when it goes on
/// past the line.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    match quoted_line(s.as_bytes()[0], &s[1..], &mut out)? {
        QuotedLine::Closed(after) => Some((out, after)),
        QuotedLine::Open { .. } => None,
    }
}

/// Where one line of a quoted scalar's text ended.
enum QuotedLine<'s> {
    /// At the closing quote, with the text after it.
    Closed(&'s str),
    /// At the line end; `escaped`: a `\` before it (in double quotes) joins the next line on.
    Open { escaped: bool },
}

/// Reads one line of a scalar quoted with `quote` into `out`, unescaped; an open line loses
/// its trailing white space (but escaped white space). `None` on an escape left to the full
/// parser.
fn quoted_line<'s>(quote: u8, line: &'s str, out: &mut String) -> Option<QuotedLine<'s>> {
    // The length of `out` that trailing white space may not be cut below.
    let mut keep = out.len();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if quote == b'\'' => {
                if line[i + 1..].starts_with('\'') {
                    chars.next();
                    out.push('\'');
                    keep = out.len();
                } else {
                    return Some(QuotedLine::Closed(&line[i + 1..]));
                }
            }
            '"' if quote == b'"' => return Some(QuotedLine::Closed(&line[i + 1..])),
            '\\' if quote == b'"' => {
                let Some((_, e)) = chars.next() else {
                    return Some(QuotedLine::Open { escaped: true });
                };
                out.push(unescape(e, &mut chars)?);
                keep = out.len();
            }
            _ => out.push(c),
        }
    }
    let trimmed = out[keep..].trim_end_matches([' ', '\t']).len();
    out.truncate(keep + trimmed);
    Some(QuotedLine::Open { escaped: false })
}

/// The character a double-quoted escape `\e` stands for, reading the hex digits of `\x`,
/// `\u` and `\U` from `chars`; `None` for escapes left to the full parser.
fn unescape(e: char, chars: &mut std::str::CharIndices) -> Option<char> {
    let mut hex = |n: usize| -> Option<char> {
        let mut v = 0u32;
        for _ in 0..n {
            v = v * 16 + chars.next()?.1.to_digit(16)?;
        }
        char::from_u32(v)
    };
    Some(match e {
        '\\' => '\\',
        '"' => '"',
        '/' => '/',
        ' ' => ' ',
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        'x' => hex(2)?,
        'u' => hex(4)?,
        'U' => hex(8)?,
        _ => return None,
    })
}

/// The value of a plain scalar, as the full parser resolves it; `None` to give up.
fn resolve(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let b = s.as_bytes();
    if !(b[0].is_ascii_digit() || matches!(b[0], b'+' | b'-' | b'.')) {
        return Some(Value::String(s.to_owned()));
    }
    let (sign, unsigned) = match b[0] {
        b'+' | b'-' => (Some(b[0]), &s[1..]),
        _ => (None, s),
    };
    let u = unsigned.as_bytes();
    let digits = |t: &[u8]| !t.is_empty() && t.iter().all(u8::is_ascii_digit);
    if digits(u) {
        // Leading zeros make a string (YAML 1.2), not an octal number.
        if u.len() > 1 && u[0] == b'0' {
            return Some(Value::String(s.to_owned()));
        }
        // Numbers beyond 64 bits are left to the full parser.
        return if sign == Some(b'-') {
            s.parse::<i64>()
                .ok()
                .map(|n| Value::Number(Number::from(n)))
        } else {
            unsigned
                .parse::<u64>()
                .ok()
                .map(|n| Value::Number(Number::from(n)))
        };
    }
    if u.len() > 1 && u[0] == b'0' && matches!(u[1], b'x' | b'o' | b'b') {
        return None;
    }
    if matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    ) {
        return None;
    }
    // A decimal float: digits with a point and/or an exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let point = mantissa.contains('.');
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = if point {
        (whole.is_empty() || digits(whole.as_bytes()))
            && (fraction.is_empty() || digits(fraction.as_bytes()))
            && !(whole.is_empty() && fraction.is_empty())
    } else {
        digits(whole.as_bytes())
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        digits(e.as_bytes())
    });
    if mantissa_ok && exponent_ok && (point || exponent.is_some()) {
        if let Ok(f) = s.parse::<f64>() {
            if f.is_finite() {
                return Some(Value::Number(Number::from(f)));
            }
        }
    }
    Some(Value::String(s.to_owned()))
}

/// A one-line plain scalar in block context: up to a comment, trimmed. Gives up on `: ` or a
/// final `:` (a mapping where YAML allows none).
fn plain(s: &str) -> Option<&str> {
    let v = s[..comment_at(s)].trim_end_matches([' ', '\t']);
    if v.contains(": ") || v.contains(":\t") || v.ends_with(':') {
        return None;
    }
    Some(v)
}

/// Nesting deeper than this is left to the full parser, which has its own limit.
const MAX_DEPTH: usize = 64;

/// A flow collection at the start of `s` and the text after it, all on one line, nested
/// `depth` deep.
fn flow(s: &str, depth: usize) -> Option<(Value, &str)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let b = s.as_bytes();
    let close = if b[0] == b'[' { b']' } else { b'}' };
    let mut rest = s[1..].trim_start_matches(' ');
    let mut seq = Vec::new();
    let mut map = Mapping::new();
    if rest.as_bytes().first() == Some(&close) {
        rest = &rest[1..];
    } else {
        loop {
            if close == b']' {
                let (v, after) = flow_node(rest, depth)?;
                seq.push(v);
                rest = after;
            } else {
                let (k, after) = flow_node(rest, depth)?;
                let after = after.strip_prefix(": ")?.trim_start_matches(' ');
                let (v, after) = flow_node(after, depth)?;
                // A duplicate key is an error for the full parser to report.
                if map.insert(k, v).is_some() {
                    return None;
                }
                rest = after;
            }
            rest = rest.trim_start_matches(' ');
            match rest.as_bytes().first() {
                Some(b',') => {
                    rest = rest[1..].trim_start_matches(' ');
                    // A trailing comma is left to the full parser.
                    if matches!(rest.as_bytes().first(), Some(b']' | b'}')) {
                        return None;
                    }
                }
                Some(&c) if c == close => {
                    rest = &rest[1..];
                    break;
                }
                _ => return None,
            }
        }
    }
    let v = if close == b']' {
        Value::Sequence(seq)
    } else {
        Value::Mapping(map)
    };
    Some((v, rest))
}

/// One node inside a flow collection and the text after it.
fn flow_node(s: &str, depth: usize) -> Option<(Value, &str)> {
    match s.as_bytes().first()? {
        b'[' | b'{' => flow(s, depth + 1),
        b'"' | b'\'' => {
            let (v, after) = quoted(s)?;
            Some((Value::String(v), after.trim_start_matches(' ')))
        }
        _ => {
            let end = s
                .find([',', '[', ']', '{', '}', ':', '#'])
                .unwrap_or(s.len());
            let b = s.as_bytes();
            // A `:` or `#` inside a flow scalar is left to the full parser.
            if matches!(b.get(end), Some(b'#') | None)
                || (b[end] == b':' && b.get(end + 1) != Some(&b' '))
            {
                return None;
            }
            let v = s[..end].trim_end_matches([' ', '\t']);
            if !plain_start(v) {
                return None;
            }
            Some((resolve(v)?, &s[end..]))
        }
    }
}

/// Joins the next line of a folded scalar: a line break becomes a space, or, with `empty`
/// empty lines between, that many line feeds.
fn fold(text: &mut String, empty: usize) {
    if empty == 0 {
        text.push(' ');
    }
    for _ in 0..empty {
        text.push('\n');
    }
}

/// Walks the lines of one document.
struct Reader<'a, 'l> {
    lines: &'l [&'a str],
    at: usize,
    /// Block collections entered and not left.
    depth: usize,
    /// The last line has no line feed.
    open_end: bool,
}

impl<'a> Reader<'a, '_> {
    /// Moves past blank and comment lines.
    fn skip_blank(&mut self) -> Option<()> {
        while self.at < self.lines.len() && blank(self.lines[self.at])? {
            self.at += 1;
        }
        Some(())
    }

    /// The indentation of this line, or `None` past the last one.
    fn indent_here(&self) -> Option<usize> {
        self.lines.get(self.at).map(|l| indent(l))
    }

    /// A block sequence whose entries' `-` sit at column `n`, the first on this line.
    fn sequence(&mut self, n: usize) -> Option<Value> {
        self.deeper(|r| r.sequence_entries(n))
    }

    fn sequence_entries(&mut self, n: usize) -> Option<Value> {
        let mut items = Vec::new();
        loop {
            let after = &self.lines[self.at][n + 1..];
            let content = after.trim_start_matches(' ');
            let item = if rest_blank(after) {
                self.at += 1;
                self.nested(n, false)?
            } else {
                self.node(n + 1 + (after.len() - content.len()), n)?
            };
            items.push(item);
            self.skip_blank()?;
            match self.indent_here() {
                Some(i) if i == n && sequence_entry(&self.lines[self.at][n..]) => {}
                Some(i) if i > n => return None,
                _ => break,
            }
        }
        Some(Value::Sequence(items))
    }

    /// A block mapping whose keys sit at column `n`; its first key (read from this line) and
    /// the text after that key's `:`.
    fn mapping(&mut self, n: usize, key: Value, after: &'a str) -> Option<Value> {
        self.deeper(|r| r.mapping_entries(n, key, after))
    }

    fn mapping_entries(&mut self, n: usize, mut key: Value, mut after: &'a str) -> Option<Value> {
        let mut map = Mapping::new();
        loop {
            let value = if rest_blank(after) {
                self.at += 1;
                self.nested(n, true)?
            } else {
                self.inline(after.trim_start_matches(' '), n)?
            };
            // A duplicate key is an error for the full parser to report.
            if map.insert(key, value).is_some() {
                return None;
            }
            self.skip_blank()?;
            match self.indent_here() {
                Some(i) if i == n => {
                    let rest = &self.lines[self.at][n..];
                    if sequence_entry(rest) {
                        return None;
                    }
                    let Entry::Key(next, next_after) = key_of(rest)? else {
                        return None;
                    };
                    (key, after) = (next, next_after);
                }
                Some(i) if i > n => return None,
                _ => break,
            }
        }
        Some(Value::Mapping(map))
    }

    /// The value of an entry whose line ended after `key:` or `-`: a node indented deeper than
    /// `n` on the next lines, a sequence at `n` itself for a mapping value, or null.
    fn nested(&mut self, n: usize, same_indent_sequence: bool) -> Option<Value> {
        self.skip_blank()?;
        match self.indent_here() {
            Some(i) if i > n => self.node(i, n),
            Some(i)
                if i == n && same_indent_sequence && sequence_entry(&self.lines[self.at][n..]) =>
            {
                self.sequence(n)
            }
            _ => Some(Value::Null),
        }
    }

    /// A node starting at column `col` of this line, inside a collection at column `n`.
    fn node(&mut self, col: usize, n: usize) -> Option<Value> {
        let rest = &self.lines[self.at][col..];
        if sequence_entry(rest) {
            return self.sequence(col);
        }
        match key_of(rest)? {
            Entry::Key(key, after) => self.mapping(col, key, after),
            Entry::Other => self.inline(rest, n),
        }
    }

    /// Runs `f` one collection deeper; `None` past [`MAX_DEPTH`].
    fn deeper(&mut self, f: impl FnOnce(&mut Self) -> Option<Value>) -> Option<Value> {
        if self.depth == MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    /// A scalar or flow node that starts at `s` on this line, inside a collection at column
    /// `n`: a block scalar goes on over the next lines, anything else ends with the line.
    fn inline(&mut self, s: &'a str, n: usize) -> Option<Value> {
        let value = match s.as_bytes()[0] {
            b'|' | b'>' => return self.block_scalar(s, n),
            b'[' | b'{' => {
                let (v, after) = flow(s, 0)?;
                rest_blank(after).then_some(v)?
            }
            b'"' | b'\'' => {
                let (v, after) = self.quoted_lines(s, n)?;
                rest_blank(after).then_some(Value::String(v))?
            }
            _ if plain_start(s) => return self.plain_lines(s, n),
            _ => return None,
        };
        self.at += 1;
        Some(value)
    }

    /// The lines after this one that go on a flow scalar inside a collection at column `n`:
    /// the number of empty lines before the next line indented deeper than `n`, and that
    /// line from its first character; `None` when no such line follows.
    fn continuation(&self, n: usize) -> Option<(usize, usize, &'a str)> {
        let mut empty = 0;
        for (i, line) in self.lines.iter().enumerate().skip(self.at + 1) {
            let text = line.trim_start_matches(' ');
            if text.is_empty() {
                empty += 1;
                continue;
            }
            let sp = line.len() - text.len();
            return (sp > n).then_some((i, empty, text));
        }
        None
    }

    /// A plain scalar starting at `s` on this line, going on over the lines indented deeper
    /// than `n`: its lines join with a space, or with a line feed per empty line between.
    fn plain_lines(&mut self, s: &'a str, n: usize) -> Option<Value> {
        let cut = comment_at(s) < s.len();
        let mut text = std::borrow::Cow::Borrowed(plain(s)?);
        if !cut {
            while let Some((i, empty, next)) = self.continuation(n) {
                // A comment ends the scalar; more text below it is left to the full parser.
                if next.starts_with('#') {
                    break;
                }
                if next.starts_with(['\t', '-', '?', ':']) {
                    return None;
                }
                let part = plain(next)?;
                let joined = text.to_mut();
                fold(joined, empty);
                joined.push_str(part);
                self.at = i;
                if comment_at(next) < next.len() {
                    break;
                }
            }
        }
        self.at += 1;
        resolve(&text)
    }

    /// A quoted scalar starting at `s` on this line, going on over the lines indented deeper
    /// than `n`, and the text after its closing quote on the line it ends on (the current line
    /// once done). A line break folds to a space, or to a line feed per empty line between;
    /// in double quotes a `\` before it joins the lines with nothing.
    fn quoted_lines(&mut self, s: &'a str, n: usize) -> Option<(String, &'a str)> {
        let quote = s.as_bytes()[0];
        let mut out = String::new();
        let mut line: &'a str = &s[1..];
        loop {
            let escaped = match quoted_line(quote, line, &mut out)? {
                QuotedLine::Closed(after) => return Some((out, after)),
                QuotedLine::Open { escaped } => escaped,
            };
            let (i, empty, next) = self.continuation(n)?;
            if next.starts_with('\t') || (escaped && empty > 0) {
                return None;
            }
            if !escaped {
                fold(&mut out, empty);
            }
            self.at = i;
            line = next;
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is `s`, its lines indented
    /// deeper than `n`. Keep chomping (`+`), indentation indicators, folded text with more
    /// indented or leading blank lines, and spaces beyond the indentation on blank lines are
    /// left to the full parser.
    fn block_scalar(&mut self, s: &str, n: usize) -> Option<Value> {
        let folded = s.starts_with('>');
        let header = &s[1..];
        let (strip, after) = match header.as_bytes().first() {
            Some(b'-') => (true, &header[1..]),
            _ => (false, header),
        };
        if !(after.is_empty() || after.starts_with(' ') && rest_blank(after)) {
            return None;
        }
        self.at += 1;
        let start = self.at;
        let mut block = None;
        let mut lead = 0;
        let mut last = None;
        while self.at < self.lines.len() {
            let line = self.lines[self.at];
            let sp = indent(line);
            if sp == line.len() {
                match block {
                    None => lead = lead.max(sp),
                    Some(b) if sp > b => return None,
                    Some(_) => {}
                }
                self.at += 1;
                continue;
            }
            // A tab after the indentation is left to the full parser.
            if line.as_bytes()[sp] == b'\t' {
                return None;
            }
            match block {
                None if sp <= n => break,
                None if lead > sp => return None,
                None => block = Some(sp),
                Some(b) if sp < b => break,
                Some(_) => {}
            }
            last = Some(self.at);
            self.at += 1;
        }
        let (block, last) = (block?, last?);
        if self.open_end && last + 1 == self.lines.len() {
            return None;
        }
        let lines = &self.lines[start..=last];
        let mut text = String::new();
        if folded {
            let mut blanks = 0;
            for (i, line) in lines.iter().enumerate() {
                if line.len() <= block {
                    if i == 0 {
                        return None;
                    }
                    blanks += 1;
                    continue;
                }
                let content = &line[block..];
                if content.starts_with([' ', '\t']) {
                    return None;
                }
                if i > 0 {
                    fold(&mut text, blanks);
                }
                blanks = 0;
                text.push_str(content);
            }
        } else {
            for (i, line) in lines.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                text.push_str(line.get(block..).unwrap_or(""));
            }
        }
        if !strip {
            text.push('\n');
        }
        Some(Value::String(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every document of `text` as the full parser reads it; `None` if it fails.
    fn full(text: &str) -> Option<Vec<Value>> {
        use serde::Deserialize;
        serde_yaml::Deserializer::from_str(text)
            .map(|de| Value::deserialize(de).ok())
            .collect()
    }

    /// Whether the quick reader reads `text` (and then, reads it as the full parser does).
    fn check(text: &str) -> bool {
        match documents(text) {
            Some(quick) => {
                assert_eq!(Some(quick), full(text), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_block_yaml_as_the_full_parser_does() {
        let read = [
            "a: 1\nb: two\n",
            "on:\n  push:\n    branches: [main, 'rel/*']\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Test\n        run: |\n          pip install -e .\n          pytest -q\n\n      - run: echo done # trailing comment\n",
            "key:\n- a\n- b\nnext: 3\n",
            "- a\n-\n- - x\n  - y\n- k: v\n  k2: [1, {x: 2}]\n",
            "a: 'it''s'\nb: \"tab\\there \\u00e9\"\nc: \"#not a comment\"\n'd e': f\n\"g\": h\n",
            "n: -12\np: +7\nz: 0\nlead: 007\nf: 3.8\ng: .5\nh: 1e5\ni: 1.e5\nj: 1e400\nv: 1.2.3\nd: 2024-01-01\nm: 10Gi\nt: True\nfa: FALSE\nnu: ~\nnl: Null\nem:\n",
            "1: one\ntrue: yes\nnull: nothing\n",
            "text: >\n  folded\n  lines\n\n  para\nkeep: |-\n    strip\n    me\n\nafter: x\n",
            "url: http://example.com:8080/a#frag\nimage: gcr.io/p/i:latest\nmsg: a#b\n",
            "a: 1\n---\nb: 2\n---\n",
            "# header\n---\nkind: Deployment\n",
            "spec:\n  containers:\n    - name: c\n      args:\n      - --port\n      - \"8080\"\n",
            "k: |\n\n  leading blank\n",
            "flow: { a: [1, 2], b: 'x' , c: \"y\" }\nempty: []\nnone: {}\n",
            "k: [a b, c]\n",
            "a: \"multi\n  line\"\nb: 'single   \n\n    quoted ''x'''\n",
            "c: \"esc\\\n    \\ aped \\t \n  end\"\n",
            "a: plain\n  continued\n\n  para # note\nb: x\n",
            "- one\n  two\n- three\n",
            "a: 1\r\nb: |\r\n  x\r\n",
            "a: 1",
            "a: |\n  x\nb: 2",
        ];
        for text in read {
            assert!(check(text), "the quick reader gave up on:\n{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        let give_up = [
            "a: &x 1\nb: *x\n",
            "a: !tag 1\n",
            "a: [1,\n  2]\n",
            "a: 1\na: 2\n",
            "a: 0x1F\n",
            "a: .inf\n",
            "a: 99999999999999999999999\n",
            "a: |+\n  keep\n\n",
            "a: |2\n   indented\n",
            "a: >\n  text\n    more indented\n",
            "\ta: 1\n",
            "just a scalar\n",
            "? complex\n: key\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "a: b: c\n",
            "a: [x, y,]\n",
            "a: {x:1}\n",
            "- a\nb: 1\n",
            "a:\n  - x\n   - y\n",
            "# only a comment\n",
            "a: \"\\e\"\n",
            "a: |\n  open end",
            "a: 1\rb: 2\n",
            "a: plain\n  # comment\n  more\n",
            "a: plain\n  - dash\n",
            "a: \"esc\\\n\n  gap\"\n",
            "a: 'open\nb: 1\n",
        ];
        for text in give_up {
            assert!(!check(text), "the quick reader should give up on:\n{text}");
        }
    }

    #[test]
    fn reads_malformed_and_deep_input_without_panicking() {
        let deep = format!("a: {}1{}\n", "[".repeat(500), "]".repeat(500));
        assert!(!check(&deep));
        let nested: String = (0..200).fold(String::new(), |mut s, i| {
            s.push_str(&" ".repeat(i));
            s.push_str("k:\n");
            s
        });
        assert!(!check(&nested));
        for text in [
            "a: 'open\n",
            "a: [\n",
            "- \n-",
            ": x\n",
            "a:\n  b: 1\n c: 2\n",
            "\u{feff}a: 1\n",
            "a: \"\\u12\"\n",
            "a: \"\\ud800\"\n",
            "k: >\n\n  x\n",
        ] {
            check(text);
        }
    }

    /// The fixtures' YAML files: whatever the quick reader reads, it reads as the full parser.
    #[test]
    fn fixture_yaml_reads_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let (read, total) = compare_tree(&root);
        assert!(total > 50, "{total} YAML files under fixtures/");
        // Most configuration YAML is plain block YAML: the quick path must carry it.
        assert!(read * 10 >= total * 8, "{read} of {total} read quickly");
    }

    /// Fixture YAML with one byte changed, removed or added at a time (a fixed pseudo-random
    /// walk): the quick reader never panics, and whatever it reads it reads as the full parser.
    #[test]
    fn mutated_yaml_reads_the_same_or_is_left_alone() {
        let texts = [
            "on:\n  push: {branches: [main]}\njobs:\n  t:\n    steps:\n      - run: |\n          make test\n      - name: \"x y\"\n        with:\n          k: 'v'  # c\n",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: a:1\n    args: [\"--x\", 2.5, -3]\n    env:\n    - name: A\n      value: >-\n        folded\n        text\n---\nkind: B\n",
            "- \"multi\\\n  \\ line\"\n- 'single\n\n  q'\n- plain\n  more\n- k: ~\n  t: True\n",
        ];
        let alphabet = b" \n-:#'\"|>[]{},&*!?\\\tab01.";
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        let mut read = 0;
        for _ in 0..4000 {
            let mut t = texts[next(texts.len())].as_bytes().to_vec();
            for _ in 0..=next(3) {
                let at = next(t.len());
                match next(3) {
                    0 => t[at] = alphabet[next(alphabet.len())],
                    1 => {
                        t.remove(at);
                    }
                    _ => t.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            if let Ok(text) = String::from_utf8(t) {
                read += usize::from(check(&text));
            }
        }
        // Many mutants stay valid block YAML: the comparison above is not vacuous.
        assert!(read > 1000, "{read} mutants read quickly");
    }

    /// Compares the two readers on every `.yml`/`.yaml` file under `root`; (read quickly, all).
    fn compare_tree(root: &std::path::Path) -> (usize, usize) {
        let mut read = 0;
        let mut total = 0;
        for entry in ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .build()
            .flatten()
        {
            let path = entry.path();
            let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if yaml {
                total += 1;
                if check(&text) {
                    read += 1;
                }
            }
        }
        (read, total)
    }

    /// `MLOPS_CANVAS_YAML_CORPUS=DIR cargo test --release -- --ignored yaml_corpus` checks the
    /// quick reader against the full parser on every YAML file under DIR.
    #[test]
    #[ignore = "needs a corpus of YAML files (MLOPS_CANVAS_YAML_CORPUS)"]
    fn yaml_corpus_reads_the_same() {
        let dir = std::env::var("MLOPS_CANVAS_YAML_CORPUS").expect("MLOPS_CANVAS_YAML_CORPUS");
        let (read, total) = compare_tree(std::path::Path::new(&dir));
        eprintln!("{read} of {total} YAML files read quickly, the same as the full parser");
    }
}
