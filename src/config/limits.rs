//! Limits on a configuration file, checked before the YAML parser sees it and
//! in time linear in the file's size: its size, how deeply it nests, and how
//! much its aliases expand to. A file past a limit is refused with a plain
//! message; none of them is near what a project file needs.

use std::io::Read;
use std::path::Path;

/// The largest project file read, in bytes (1 MiB; a 1,000-service
/// project is about 250 KB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The deepest nesting of mappings and lists (block and flow style together).
pub const MAX_DEPTH: usize = 64;

/// How much a file's aliases (`*name`) may add when they are expanded, as
/// bytes of the anchored text they repeat (16 MiB).
pub const MAX_ALIAS_EXPANSION: u64 = 16 * 1024 * 1024;

/// Why a file was refused: a message, and where (1-based line and column)
/// when the limit is passed at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Line and column, when known.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

/// Reads a configuration file of at most [`MAX_FILE_BYTES`], stopping there
/// (so a device such as /dev/zero is not read forever). `Ok(Err(message))`
/// when the file is too big or not UTF-8 text.
pub fn read_capped(path: &Path) -> std::io::Result<Result<String, String>> {
    let file = std::fs::File::open(path)?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Ok(Err(
            "is a directory; name the project file (blueprint.yaml)".to_string(),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(Err(too_big()));
    }
    Ok(String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!("is not UTF-8 text (the first bad byte is at offset {at}); save it as UTF-8")
    }))
}

fn too_big() -> String {
    format!(
        "the file is larger than {} MiB, the most blueprint reads; a project file is far smaller",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// The text without a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Where a second YAML document starts (its `---` line, or the first
/// content after a `...` line), for a file that holds more than one.
pub fn second_document(text: &str) -> Option<(usize, usize)> {
    let marker = |line: &str, m: &str| {
        line.strip_prefix(m)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r']))
    };
    let mut started = false;
    let mut ended = false;
    for (n, line) in text.lines().enumerate() {
        let content = !line.trim().is_empty() && !line.trim_start().starts_with('#');
        if marker(line, "---") {
            if started || ended {
                return Some((n + 1, 1));
            }
            started = true;
        } else if marker(line, "...") {
            ended = true;
        } else if content && !line.starts_with('%') {
            if ended {
                return Some((n + 1, 1));
            }
            started = true;
        }
    }
    None
}

/// Checks size, nesting depth and alias expansion of a YAML text.
pub fn check(text: &str) -> Result<(), Refused> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(Refused {
            location: None,
            message: too_big(),
        });
    }
    let scan = scan(text)?;
    check_aliases(&scan)
}

/// An anchor (`&name`) and the byte range of the node it names.
struct Anchor<'a> {
    name: &'a str,
    start: usize,
    end: usize,
}

/// An alias (`*name`) at a byte offset.
struct Alias<'a> {
    name: &'a str,
    at: usize,
    line: usize,
    col: usize,
}

#[derive(Default)]
struct Scan<'a> {
    anchors: Vec<Anchor<'a>>,
    aliases: Vec<Alias<'a>>,
}

/// The end of the scalar starting at byte `at`: its closing quote, or for a
/// plain scalar the end of its line (in flow style, the next `,`, `]` or `}`).
fn scalar_end(text: &str, at: usize, in_flow: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = at;
    match bytes.get(at) {
        Some(&q @ (b'"' | b'\'')) => {
            i += 1;
            while i < bytes.len() {
                if q == b'"' && bytes[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if bytes[i] == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i += 1;
            }
            bytes.len()
        }
        _ => {
            while i < bytes.len() && bytes[i] != b'\n' && !(in_flow && b",]}".contains(&bytes[i])) {
                i += 1;
            }
            i
        }
    }
}

fn col_of(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

fn too_deep(line: usize, col: usize) -> Refused {
    Refused {
        location: Some((line, col)),
        message: format!(
            "mappings and lists nest more than {MAX_DEPTH} levels deep here, more than any project file needs"
        ),
    }
}

/// One pass over the text: nesting depth (refused past [`MAX_DEPTH`]), and
/// where anchors and aliases are. An approximation of YAML's grammar that
/// errs on the side of counting too deep and anchored nodes too large.
fn scan(text: &str) -> Result<Scan<'_>, Refused> {
    let mut scanner = Scanner {
        text,
        out: Scan::default(),
        block: Vec::new(),
        flow: 0,
        quote: None,
        block_scalar: None,
        open_anchors: Vec::new(),
        flow_anchors: Vec::new(),
    };
    let mut offset = 0usize;
    for (n, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        scanner.line(&Line {
            no: n + 1,
            start,
            text: line,
            indent,
        })?;
    }
    Ok(scanner.out)
}

/// One line of the text, without its line break.
struct Line<'a> {
    /// 1-based.
    no: usize,
    /// The byte offset of its start in the text.
    start: usize,
    text: &'a str,
    /// Its leading spaces.
    indent: usize,
}

/// [`scan`]'s state from one line to the next.
struct Scanner<'a> {
    text: &'a str,
    out: Scan<'a>,
    /// Indentations of the open block collections.
    block: Vec<usize>,
    /// Open flow collections ([ or {).
    flow: usize,
    /// Inside a quoted scalar: its quote character.
    quote: Option<u8>,
    /// The indentation of the line that opened a block scalar (| or >):
    /// lines indented further are its text.
    block_scalar: Option<usize>,
    /// Anchors whose node is a block collection still open: (index, indent).
    open_anchors: Vec<(usize, usize)>,
    /// Anchors whose node is a flow collection: (index, flow depth inside).
    flow_anchors: Vec<(usize, usize)>,
}

impl<'a> Scanner<'a> {
    fn line(&mut self, line: &Line<'a>) -> Result<(), Refused> {
        let bytes = line.text.as_bytes();
        let indent = line.indent;
        let blank = bytes[indent..].iter().all(|&b| b == b' ' || b == b'\t')
            || bytes.get(indent) == Some(&b'#');
        if let Some(parent) = self.block_scalar {
            if blank || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        let mut i = 0;
        if self.quote.is_none() && self.flow == 0 {
            if blank || bytes.first() == Some(&b'%') {
                return Ok(());
            }
            i = self.block_structure(line)?;
        }
        self.tokens(line, i)
    }

    /// A line in block context: closes the block anchors and collections
    /// its indentation ends, opens its own; returns where its content starts.
    fn block_structure(&mut self, line: &Line<'a>) -> Result<usize, Refused> {
        let (bytes, indent) = (line.text.as_bytes(), line.indent);
        // Block anchors end where the indentation returns to theirs.
        while let Some(&(a, ind)) = self.open_anchors.last() {
            if indent > ind {
                break;
            }
            self.out.anchors[a].end = line.start;
            self.open_anchors.pop();
        }
        let block = &mut self.block;
        let mut i;
        if line.text.starts_with("---") || line.text.starts_with("...") {
            block.clear();
            i = 3;
        } else {
            i = indent;
            while block.last().is_some_and(|&top| top > indent) {
                block.pop();
            }
            if block.last() != Some(&indent) {
                block.push(indent);
            }
            // Compact nested entries: `- - key: x` opens one level each.
            while matches!(bytes.get(i), Some(b'-' | b'?'))
                && matches!(bytes.get(i + 1), None | Some(b' '))
            {
                i += 1;
                while bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] != b'#' {
                    block.push(i);
                    if block.len() > MAX_DEPTH {
                        return Err(too_deep(line.no, col_of(line.text, i)));
                    }
                }
            }
        }
        if block.len() > MAX_DEPTH {
            return Err(too_deep(line.no, col_of(line.text, i.min(line.text.len()))));
        }
        Ok(i)
    }

    /// The line's tokens from byte `i`: quotes, flow brackets, block
    /// scalars, comments, anchors and aliases.
    fn tokens(&mut self, line: &Line<'a>, mut i: usize) -> Result<(), Refused> {
        let bytes = line.text.as_bytes();
        let mut at_start = true;
        while i < bytes.len() {
            let c = bytes[i];
            if let Some(q) = self.quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    self.quote = None;
                    at_start = false;
                }
                i += 1;
                continue;
            }
            let prev_space = i == 0 || matches!(bytes[i - 1], b' ' | b'\t');
            let flow = self.flow;
            match c {
                b' ' | b'\t' => {}
                b'#' if prev_space => break,
                b'"' | b'\'' if at_start => self.quote = Some(c),
                b'[' | b'{' if at_start || flow > 0 => {
                    self.flow += 1;
                    if self.block.len() + self.flow > MAX_DEPTH {
                        return Err(too_deep(line.no, col_of(line.text, i)));
                    }
                    at_start = true;
                }
                b']' | b'}' if flow > 0 => {
                    self.close_flow(line.start + i + 1);
                    at_start = false;
                }
                b',' if flow > 0 => at_start = true,
                b':' if flow > 0 || matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) => {
                    at_start = true
                }
                b'-' | b'?' if at_start && matches!(bytes.get(i + 1), None | Some(b' ')) => {}
                b'|' | b'>' if at_start && flow == 0 => {
                    self.block_scalar = Some(line.indent);
                    break;
                }
                b'&' | b'*' | b'!' if at_start => {
                    i = self.anchor_or_alias(line, i);
                    if c == b'*' {
                        at_start = false;
                    }
                    continue;
                }
                _ => at_start = false,
            }
            i += 1;
        }
        Ok(())
    }

    /// A `]` or `}` ending at byte `end`: the flow collection ends, with the
    /// anchors on it.
    fn close_flow(&mut self, end: usize) {
        while let Some(&(a, depth)) = self.flow_anchors.last() {
            if depth < self.flow {
                break;
            }
            self.out.anchors[a].end = end;
            self.flow_anchors.pop();
        }
        self.flow -= 1;
    }

    /// The anchor (`&`), alias (`*`) or tag (`!`) at byte `i` of the line:
    /// records an anchor with the node it names or an alias; returns the
    /// byte after its name.
    fn anchor_or_alias(&mut self, line: &Line<'a>, i: usize) -> usize {
        let (text, bytes, flow) = (line.text, line.text.as_bytes(), self.flow);
        let c = bytes[i];
        let end = bytes[i + 1..]
            .iter()
            .position(|&b| matches!(b, b' ' | b'\t') || (flow > 0 && b"[]{},".contains(&b)))
            .map_or(bytes.len(), |p| i + 1 + p);
        let name = &text[i + 1..end];
        let at = line.start + i;
        if c == b'&' {
            let index = self.out.anchors.len();
            // Until its end is found: the rest of the text.
            self.out.anchors.push(Anchor {
                name,
                start: at,
                end: self.text.len(),
            });
            let rest_at = end + (text[end..].len() - text[end..].trim_start().len());
            let rest = &text[rest_at..];
            if rest.starts_with(['[', '{']) {
                self.flow_anchors.push((index, flow + 1));
            } else if flow == 0
                && (rest.is_empty()
                    || rest.starts_with('#')
                    || !rest.starts_with(['"', '\''])
                    || rest.starts_with(['|', '>']))
            {
                // A block node: whatever is on this line and indented
                // under it.
                self.open_anchors.push((index, line.indent));
            } else {
                self.out.anchors[index].end = scalar_end(self.text, line.start + rest_at, flow > 0);
            }
        } else if c == b'*' {
            self.out.aliases.push(Alias {
                name,
                at,
                line: line.no,
                col: col_of(text, i),
            });
        }
        end
    }
}

/// Refuses aliases that would expand past [`MAX_ALIAS_EXPANSION`] bytes
/// (the "billion laughs": anchors that repeat anchors), and an alias used
/// inside the node its anchor names (a cycle).
fn check_aliases(scan: &Scan<'_>) -> Result<(), Refused> {
    if scan.aliases.is_empty() {
        return Ok(());
    }
    // Events in text order: an anchor's node ending (its expanded size is then
    // known) and aliases.
    enum Event {
        AnchorEnd(usize),
        Alias(usize),
    }
    let mut events: Vec<(usize, u8, Event)> = Vec::new();
    for (i, a) in scan.anchors.iter().enumerate() {
        events.push((a.end, 0, Event::AnchorEnd(i)));
    }
    for (i, a) in scan.aliases.iter().enumerate() {
        events.push((a.at, 1, Event::Alias(i)));
    }
    events.sort_by_key(|(at, order, _)| (*at, *order));
    // Bytes added by aliases before each position: prefix sums over aliases.
    let mut added: u64 = 0;
    // `added` when each anchor's node started.
    let mut added_at_start: Vec<Option<u64>> = vec![None; scan.anchors.len()];
    // Expanded size of each anchor whose node has ended.
    let mut size: Vec<Option<u64>> = vec![None; scan.anchors.len()];
    let mut starts: Vec<usize> = (0..scan.anchors.len()).collect();
    starts.sort_by_key(|&i| scan.anchors[i].start);
    let mut next_start = 0;
    // The latest anchor of each name seen so far.
    let mut latest: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (at, _, event) in events {
        while next_start < starts.len() && scan.anchors[starts[next_start]].start <= at {
            let i = starts[next_start];
            added_at_start[i] = Some(added);
            latest.insert(scan.anchors[i].name, i);
            next_start += 1;
        }
        match event {
            Event::AnchorEnd(i) => {
                let a = &scan.anchors[i];
                let own = (a.end - a.start) as u64;
                let inner = added - added_at_start[i].unwrap_or(added);
                size[i] = Some(own.saturating_add(inner));
            }
            Event::Alias(j) => {
                let alias = &scan.aliases[j];
                let target = latest.get(alias.name).copied();
                let Some(target) = target else {
                    // Unknown alias: the parser reports it.
                    continue;
                };
                let Some(s) = size[target] else {
                    return Err(Refused {
                        location: Some((alias.line, alias.col)),
                        message: format!(
                            "the alias `*{}` is used inside the value its anchor `&{}` names, so it would repeat forever",
                            alias.name, alias.name
                        ),
                    });
                };
                added = added.saturating_add(s);
                if added > MAX_ALIAS_EXPANSION {
                    return Err(Refused {
                        location: Some((alias.line, alias.col)),
                        message: format!(
                            "aliases (`*name`) repeat more than {} MiB of text by here, more than any project file needs",
                            MAX_ALIAS_EXPANSION / (1024 * 1024)
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(text: &str) -> Option<(usize, usize)> {
        scan(text).err().and_then(|r| r.location)
    }

    #[test]
    fn flow_nesting_is_counted() {
        let ok = format!("a: {}{}\n", "[".repeat(60), "]".repeat(60));
        assert_eq!(depth_error(&ok), None);
        let deep = format!("a: {}{}\n", "[".repeat(70), "]".repeat(70));
        assert_eq!(depth_error(&deep), Some((1, 67)));
        // Brackets in quotes, comments and plain text do not count.
        let quoted = format!(
            "a: \"{0}\"\nb: '{0}'\nc: x{0}\n# {0}\nd: |\n  {0}\n",
            "[".repeat(100)
        );
        assert_eq!(depth_error(&quoted), None);
        let json = format!("{{\"a\":\"{}\"}}\n", "{".repeat(100));
        assert_eq!(depth_error(&json), None);
        // Brackets inside plain text after other characters, an apostrophe
        // in plain text, CRLF line ends.
        let plain = format!(
            "path: /{0}id\r\nnote: don't {0}\r\nlist: [a, \"b\", 'c''{0}']\r\n",
            "{".repeat(100)
        );
        assert_eq!(depth_error(&plain), None);
    }

    #[test]
    fn block_nesting_is_counted() {
        let mut text = String::new();
        for i in 0..70 {
            text.push_str(&format!("{}k{i}:\n", "  ".repeat(i)));
        }
        assert_eq!(depth_error(&text), Some((65, 129)));
        let seq = format!("a:\n  {}x\n", "- ".repeat(70));
        assert!(depth_error(&seq).is_some());
        let ok = "a:\n  b:\n    - c: 1\n      d: [1, {e: 2}]\n  f: 3\n";
        assert_eq!(depth_error(ok), None);
    }

    #[test]
    fn alias_expansion_is_bounded() {
        let mut laughs = String::from("a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(", ");
            laughs.push_str(&format!("{0}: &{0} [{refs}]\n", w[1]));
        }
        let err = check(&laughs).unwrap_err();
        assert!(err.message.contains("repeat more than 16 MiB"), "{err:?}");
        // A block anchor used a few times is fine.
        let ok = "base: &base\n  x: 1\n  y: [1, 2]\nuse1: *base\nuse2: *base\n";
        assert_eq!(check(ok), Ok(()));
        let cyclic = "a: &a\n  b: *a\n";
        assert!(check(cyclic)
            .unwrap_err()
            .message
            .contains("repeat forever"));
    }

    #[test]
    fn the_second_document_is_found() {
        assert_eq!(second_document("a: 1\n---\nb: 2\n"), Some((2, 1)));
        assert_eq!(second_document("# c\n---\na: 1\n--- \n"), Some((4, 1)));
        assert_eq!(second_document("a: 1\n...\nb: 2\n"), Some((3, 1)));
        assert_eq!(second_document("---\na: 1\n...\n"), None);
        assert_eq!(second_document("a: |\n  ---x\n"), None);
    }

    #[test]
    fn a_bom_is_stripped() {
        assert_eq!(strip_bom("\u{feff}a: 1"), "a: 1");
        assert_eq!(strip_bom("a: 1"), "a: 1");
    }
}
