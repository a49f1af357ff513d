//! Deterministic rendering of a template document as YAML or JSON.

use serde_json::Value as Json;

use crate::error::Error;

/// The output format of templates: `Yaml` or `Json`. (The variants carry
/// no doc comments: clap would show them in `--help`.)
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// Renders `doc`. The document's maps keep their insertion order, so the same
/// template always gives the same bytes.
pub fn render(doc: &Json, format: Format) -> Result<String, Error> {
    let mut text = match format {
        Format::Yaml => return yaml(doc),
        Format::Json => serde_json::to_string_pretty(doc)
            .map_err(|e| Error::Internal(format!("rendering JSON: {e}")))?,
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

thread_local! {
    /// Where this thread renders JSON templates: it keeps its capacity, so
    /// a thousand nested templates are written into memory already touched
    /// instead of each growing a string by doubling (a third of rendering
    /// time was reallocating and first-touching fresh pages).
    static JSON_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Renders a template: the same text as `render(&template.to_json(), format)`,
/// written without copying the template into a JSON document first.
pub fn render_template(template: &crate::cfn::Template, format: Format) -> Result<String, Error> {
    if format == Format::Yaml {
        return yaml(template);
    }
    JSON_BUFFER.with_borrow_mut(|buf| {
        buf.clear();
        serde_json::to_writer_pretty(&mut *buf, template)
            .map_err(|e| Error::Internal(format!("rendering JSON: {e}")))?;
        if buf.last() != Some(&b'\n') {
            buf.push(b'\n');
        }
        // One allocation of the exact size.
        std::str::from_utf8(buf)
            .map(str::to_owned)
            .map_err(|e| Error::Internal(format!("rendering JSON: {e}")))
    })
}

/// `value` as YAML that YAML 1.1 reads alike ([`yaml11_safe`]), ending in
/// a line break.
fn yaml(value: &impl serde::Serialize) -> Result<String, Error> {
    let text = serde_norway::to_string(value)
        .map_err(|e| Error::Internal(format!("rendering YAML: {e}")))?;
    let mut text = yaml11_safe(text);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Plain scalars that YAML 1.2 reads as strings but YAML 1.1 (which
/// CloudFormation and most Python tools speak) reads as something else.
pub(crate) fn ambiguous_in_yaml11(scalar: &str) -> bool {
    // Most scalars are names and ARNs: only these first characters can
    // begin a boolean, `<<`, `=` or a number.
    if !matches!(
        scalar.as_bytes().first(),
        Some(b'y' | b'Y' | b'n' | b'N' | b'o' | b'O' | b'<' | b'=' | b'-' | b'+' | b'0'..=b'9')
    ) {
        return false;
    }
    const BOOLS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    if BOOLS.contains(&scalar) || scalar == "<<" || scalar == "=" {
        return true;
    }
    // Integers and floats with `_` separators, and base-60 numbers (1:20).
    let body = scalar.trim_start_matches(['-', '+']);
    let numeric = !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '_' | ':' | '.'));
    numeric && (body.contains('_') || body.contains(':'))
}

/// serde_norway quotes what YAML 1.2 would misread; this also quotes what
/// YAML 1.1 would misread (`ON` as a boolean, `1_000` as a number). Real
/// booleans and numbers never reach here as strings: they render as `true`,
/// `false` and digits, which are left alone. Block scalars are left untouched.
///
/// Most templates need no quote at all: the text is then returned as it came,
/// and otherwise copied once, around the quotes (copying it line by line was
/// a tenth of rendering `synth todo`'s template).
pub(crate) fn yaml11_safe(text: String) -> String {
    let mut out: Option<String> = None;
    // The end of what `out` already holds of `text`.
    let mut copied = 0;
    let mut block_indent: Option<usize> = None;
    let mut start = 0;
    while start < text.len() {
        // Not the memchr crate: its first search asks the processor for its
        // features (up to ten `cpuid`, each trapped by a virtual machine).
        let end = text.as_bytes()[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| start + i);
        let at = quote_from(&text[start..end], &mut block_indent);
        if let Some(at) = at {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            out.push_str(&text[copied..start + at]);
            out.push('\'');
            out.push_str(text[start + at..end].trim_end_matches('\r'));
            out.push('\'');
            copied = end;
        }
        start = end + 1;
    }
    match out {
        None => text,
        Some(mut out) => {
            out.push_str(&text[copied..]);
            out
        }
    }
}

/// Where the value of `line` (one line of serde_norway's YAML, without its
/// line break) starts, when it is a scalar YAML 1.1 would misread; tracks
/// block scalars across lines in `block_indent`. Byte by byte where the
/// bytes are ASCII (`str::trim_start` and friends decode characters: they
/// were most of this function's time), as `str` would where they are not.
fn quote_from(line: &str, block_indent: &mut Option<usize>) -> Option<usize> {
    // As `str::lines` gives it: a line ending in "\r\n" without the "\r".
    let line = line.strip_suffix('\r').unwrap_or(line);
    let bytes = line.as_bytes();
    let indent = match bytes.iter().position(|&b| b != b' ') {
        Some(i) if bytes[i].is_ascii() && !bytes[i].is_ascii_whitespace() => i,
        None => bytes.len(),
        Some(_) => line.len() - line.trim_start().len(),
    };
    let blank = indent == bytes.len();
    if let Some(b) = *block_indent {
        if blank || indent > b {
            return None;
        }
        *block_indent = None;
    }
    let trimmed = match bytes.iter().rposition(|&b| b != b' ') {
        Some(i) if bytes[i].is_ascii() && !bytes[i].is_ascii_whitespace() => &bytes[..=i],
        None => &[],
        Some(_) => line.trim_end().as_bytes(),
    };
    if let [.., b'|'] | [.., b'|', b'-' | b'+'] = trimmed {
        *block_indent = Some(indent);
    }
    // The last `: ` on the line, from its last colon back.
    let mut colon = bytes.len();
    let split = loop {
        match bytes[..colon].iter().rposition(|&b| b == b':') {
            Some(i) if bytes.get(i + 1) == Some(&b' ') => break Some(i + 2),
            Some(i) => colon = i,
            None => break None,
        }
    }
    // `- key:` opens a mapping in a sequence: the key is not a value.
    .or_else(|| {
        (bytes[indent..].starts_with(b"- ") && bytes.last() != Some(&b':')).then_some(indent + 2)
    });
    split.filter(|&at| ambiguous_in_yaml11(&line[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The JSON buffer a thread reuses holds nothing of the template
    /// rendered before: a long one, then a short one, each render exactly as
    /// its JSON document does.
    #[test]
    fn json_templates_render_alike_one_after_another() {
        let long = crate::cfn::Template::new("x".repeat(100_000));
        let short = crate::cfn::Template::new("short");
        for t in [&long, &short, &long, &short] {
            for format in [Format::Json, Format::Yaml] {
                let want = render(&t.to_json(), format).unwrap();
                assert_eq!(render_template(t, format).unwrap(), want);
            }
        }
        let got = render_template(&short, Format::Json).unwrap();
        assert!(got.len() < 200 && got.ends_with("}\n"), "{got}");
    }

    #[test]
    fn yaml_and_json_keep_key_order() {
        let doc = json!({"Z": 1, "A": {"y": "2010-09-09", "b": true}});
        let y = render(&doc, Format::Yaml).unwrap();
        assert!(y.find("Z:").unwrap() < y.find("A:").unwrap());
        let back: Json = serde_norway::from_str(&y).unwrap();
        assert_eq!(back, doc, "YAML must read back as the same document");
        for tricky in [
            "yes", "no", "on", "off", "null", "~", "1.0", "0x10", "true", "-", "",
        ] {
            let d = json!({ "k": tricky });
            let y = render(&d, Format::Yaml).unwrap();
            let back: Json = serde_norway::from_str(&y).unwrap();
            assert_eq!(back, d, "{tricky:?} rendered as {y}");
        }
        let d = json!({"MfaConfiguration": "ON", "L": ["yes", "n", "1_000", "1:20", "<<", "ok", true],
                       "Code": "line: on\nOFF\n", "N": 10, "Arn": "arn:aws:s3:::b"});
        let y = render(&d, Format::Yaml).unwrap();
        assert!(y.contains("MfaConfiguration: 'ON'\n"), "{y}");
        for q in [
            "- 'yes'\n",
            "- 'n'\n",
            "- '1_000'\n",
            "- '1:20'\n",
            "- '<<'\n",
            "- ok\n",
            "- true\n",
            "N: 10\n",
            "Arn: arn:aws:s3:::b\n",
        ] {
            assert!(y.contains(q), "{q} in {y}");
        }
        let back: Json = serde_norway::from_str(&y).unwrap();
        assert_eq!(back, d, "{y}");
        let j = render(&doc, Format::Json).unwrap();
        assert!(j.find("\"Z\"").unwrap() < j.find("\"A\"").unwrap());
        assert!(j.ends_with("}\n"));
    }
}
