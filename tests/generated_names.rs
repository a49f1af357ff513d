//! Generated names read well (issue 15): scripts/gen-resource-types turns
//! schema names into Rust names by one rule (its `words`: acronyms and
//! version markers one word, digits with the word before them, digit groups
//! kept apart), and this holds every identifier it wrote under
//! src/cfn/resources/ to that rule, so the generator cannot slip back into
//! names like `TlSv122021` (from `TLSv1.2_2021`), `SsLv3`, `WaFv2WebAcl`,
//! `ETag`, `GlacierX`, `Python312` or `i_pv6_address`.
//!
//! Each type, enum variant, `Properties` variant and field is checked on its
//! own spelling, and, where the file says what it was made from (a variant's
//! or field's serde name, a `Properties` variant's type), against that name.

use std::fs;
use std::path::Path;

/// Single-letter snake_case words that are words of their own (a DNS A record).
const ONE_LETTER_WORDS: &[&str] = &["a"];

/// Acronyms the schemas write together with no case change between them; a
/// name may split them where they meet (`ASGCPUUtilization`: `AsgCpuUtilization`).
const RUN_TOGETHER: &[(&str, usize)] = &[("ASGCPU", 3)];

/// Names that do not spell their schema name, each chosen by the generator
/// on purpose (scripts/gen-resource-types' `VARIANT_NAMES`, and the spelling
/// suffix of a value that differs from another only in case).
const NAMED: &[(&str, &str)] = &[("http/s", "HttpOrHttps"), ("Glacier", "GlacierTitleCase")];

#[derive(Debug)]
enum Kind {
    Type,
    Variant,
    Field,
}

/// One generated identifier, with what it was made from when the file says.
#[derive(Debug)]
struct Name {
    file: String,
    kind: Kind,
    ident: String,
    source: Option<String>,
}

/// The identifiers of every generated module (not mod.rs).
fn generated() -> Vec<Name> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cfn/resources");
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "mod.rs"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        names_in(&file, &fs::read_to_string(&path).unwrap(), &mut out);
    }
    out
}

fn names_in(file: &str, text: &str, out: &mut Vec<Name>) {
    let mut inside = None;
    let mut rename: Option<String> = None;
    let mut resource_type: Option<String> = None;
    let mut push = |kind, ident: &str, source: Option<String>| {
        out.push(Name {
            file: file.to_string(),
            kind,
            ident: ident.to_string(),
            source,
        })
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed
            .strip_prefix("pub struct ")
            .or_else(|| trimmed.strip_prefix("pub enum "))
        {
            let ident = rest.split([' ', '{']).next().unwrap_or_default();
            push(Kind::Type, ident, None);
            inside = Some(trimmed.starts_with("pub enum"));
        } else if trimmed.starts_with('}') {
            inside = None;
        } else if let Some(r) = trimmed.strip_prefix("#[serde(rename = \"") {
            rename = r.strip_suffix("\")]").map(str::to_string);
        } else if let Some(t) = trimmed
            .strip_prefix("/// `AWS::")
            .filter(|_| file == "properties.rs")
        {
            // properties.rs: the type each variant holds
            resource_type = t.strip_suffix("`.").map(str::to_string);
        } else if let Some(v) = trimmed.strip_suffix(',').filter(|_| inside == Some(true)) {
            let source = rename.take().unwrap_or_else(|| v.to_string());
            push(Kind::Variant, v, Some(source));
        } else if let Some(f) = trimmed
            .strip_prefix("pub ")
            .filter(|_| inside == Some(false))
        {
            let ident = f.split(':').next().unwrap_or_default();
            let ident = ident.trim_start_matches("r#");
            let source = rename.take().unwrap_or_else(|| pascal_of_snake(ident));
            push(Kind::Field, ident, Some(source));
        } else if let Some((v, _)) = trimmed
            .split_once("(super::")
            .filter(|_| file == "properties.rs")
        {
            // `AWS::WAFv2::WebACL` → `WAFv2WebACL`
            let source = resource_type.take().map(|t| t.replace("::", ""));
            push(Kind::Variant, v, source);
        }
    }
}

/// What serde's `rename_all = "PascalCase"` makes of a field.
fn pascal_of_snake(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What reads badly in an UpperCamelCase identifier on its own.
fn camel_problems(ident: &str) -> Vec<String> {
    let c: Vec<char> = ident.chars().collect();
    let mut p = Vec::new();
    if !c[0].is_ascii_uppercase() {
        p.push("does not start with a capital".into());
    }
    if c.windows(2)
        .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
    {
        p.push("two capitals in a row (an acronym not written as one word)".into());
    }
    for (i, ch) in c.iter().enumerate() {
        let digit = |j: Option<&char>| j.is_some_and(char::is_ascii_digit);
        if *ch == '_' && !(i > 0 && digit(c.get(i - 1)) && digit(c.get(i + 1))) {
            p.push("`_` other than between two digit groups".into());
        }
    }
    p
}

/// What reads badly in a snake_case identifier on its own.
fn snake_problems(ident: &str) -> Vec<String> {
    let mut p = Vec::new();
    if !ident
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        p.push("not lower case".into());
    }
    for w in ident.split('_') {
        if w.is_empty() {
            p.push("an empty word (`__` or an `_` at an end)".into());
        } else if w.len() == 1 && !ONE_LETTER_WORDS.contains(&w) {
            p.push(format!("the one-letter word `{w}` (a word split apart)"));
        }
    }
    p
}

/// The runs of digits, in order.
fn digit_groups(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect()
}

fn letters(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The positions (in `letters(source)`) where a word may not start: inside
/// an acronym. An acronym is a run of two or more capitals; its last capital
/// starts the next word when a lower-case letter follows (`HTTPServer`),
/// unless that is a version marker (`TLSv1`, `IPv6`).
fn inside_acronyms(source: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    for chunk in source
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|c| !c.is_empty())
    {
        let c: Vec<char> = chunk.chars().collect();
        let mut i = 0;
        while i < c.len() {
            if !c[i].is_ascii_uppercase() {
                i += 1;
                continue;
            }
            let start = i;
            while i < c.len() && c[i].is_ascii_uppercase() {
                i += 1;
            }
            let version = c.get(i) == Some(&'v') && c.get(i + 1).is_some_and(char::is_ascii_digit);
            let end = if c.get(i).is_some_and(char::is_ascii_lowercase) && !version {
                i - 1
            } else {
                i
            };
            let run: String = c[start..end].iter().collect();
            let allowed: Vec<usize> = RUN_TOGETHER
                .iter()
                .filter_map(|(r, at)| run.find(r).map(|p| start + p + at))
                .collect();
            out.extend(
                (start + 1..end)
                    .filter(|p| !allowed.contains(p))
                    .map(|p| offset + p),
            );
        }
        offset += c.len();
    }
    out
}

/// Where words start in an identifier, as positions in `letters(ident)`.
fn word_starts(ident: &str, kind: &Kind) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut after_underscore = true;
    for c in ident.chars() {
        if c == '_' {
            after_underscore = true;
            continue;
        }
        let starts = match kind {
            Kind::Field => after_underscore,
            _ => c.is_ascii_uppercase() || (after_underscore && at == 0),
        };
        if starts {
            out.push(at);
        }
        after_underscore = false;
        at += 1;
    }
    out
}

/// What is wrong with `ident` against the schema name it was made from.
fn source_problems(name: &Name, source: &str) -> Vec<String> {
    if NAMED.contains(&(source, name.ident.as_str())) {
        return Vec::new();
    }
    let mut p = Vec::new();
    if digit_groups(&name.ident) != digit_groups(source) {
        p.push(format!(
            "digit groups {:?} where {source:?} has {:?}",
            digit_groups(&name.ident),
            digit_groups(source)
        ));
    }
    // "Bits/Second" reads "BitsPerSecond"; a value starting with a digit
    // gets a leading V.
    let source = source.replace("/Second", "PerSecond");
    let spelled = letters(&source);
    let mut ident = letters(&name.ident);
    let mut shift = 0;
    if spelled.starts_with(|c: char| c.is_ascii_digit()) && ident.starts_with('v') {
        ident.remove(0);
        shift = 1;
    }
    if ident != spelled {
        p.push(format!("does not spell {source:?}"));
    } else {
        let inside = inside_acronyms(&source);
        for s in word_starts(&name.ident, &name.kind) {
            if s >= shift && inside.contains(&(s - shift)) {
                p.push(format!("starts a word inside an acronym of {source:?}"));
            }
        }
    }
    p
}

fn problems(name: &Name) -> Vec<String> {
    let mut p = match name.kind {
        Kind::Field => snake_problems(&name.ident),
        Kind::Type | Kind::Variant => camel_problems(&name.ident),
    };
    if let Some(source) = &name.source {
        let from_names_table =
            name.file == "properties.rs" && letters(&name.ident) != letters(source);
        if !from_names_table {
            p.extend(source_problems(name, source));
        }
    }
    p
}

#[test]
fn every_generated_name_reads_as_one_word_per_schema_word() {
    let names = generated();
    assert!(names.len() > 5000, "only {} names found", names.len());
    let mut bad = Vec::new();
    for name in &names {
        for problem in problems(name) {
            bad.push(format!(
                "{}: {:?} `{}`: {problem}",
                name.file, name.kind, name.ident
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} generated names read badly (fix the rule in scripts/gen-resource-types and regenerate):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// The checks catch the names the generator used to write.
#[test]
fn the_old_clumsy_names_are_caught() {
    let name = |kind, ident: &str, source: Option<&str>| Name {
        file: "x.rs".into(),
        kind,
        ident: ident.into(),
        source: source.map(str::to_string),
    };
    let clumsy = [
        name(Kind::Variant, "TlSv122021", Some("TLSv1.2_2021")),
        name(Kind::Variant, "TlSv1", Some("TLSv1")),
        name(Kind::Variant, "SsLv3", Some("SSLv3")),
        name(Kind::Variant, "Python312", Some("python3.12")),
        name(Kind::Variant, "X8664", Some("x86_64")),
        name(Kind::Variant, "GlacierX", Some("Glacier")),
        name(Kind::Variant, "ETag", Some("ETag")),
        name(Kind::Variant, "WaFv2WebAcl", Some("WAFv2WebACL")),
        name(Kind::Type, "MemoryGiBPerVCpu", None),
        name(Kind::Field, "i_pv6_address", Some("IPv6Address")),
        name(Kind::Field, "e_tag", Some("ETag")),
        name(
            Kind::Field,
            "memory_gi_b_per_v_cpu",
            Some("MemoryGiBPerVCpu"),
        ),
        name(Kind::Field, "anti_d_do_s_rule_set", Some("AntiDDoSRuleSet")),
    ];
    for n in &clumsy {
        assert!(!problems(n).is_empty(), "{n:?} passes");
    }
    let fine = [
        name(Kind::Variant, "Tlsv1_2_2021", Some("TLSv1.2_2021")),
        name(Kind::Variant, "TlsV1_2_2021", Some("TLS_V1_2_2021")),
        name(Kind::Variant, "Python3_12", Some("python3.12")),
        name(Kind::Variant, "Nodejs18X", Some("nodejs18.x")),
        name(Kind::Variant, "V1_0", Some("1.0")),
        name(
            Kind::Variant,
            "AsgCpuUtilization",
            Some("ASGCPUUtilization"),
        ),
        name(Kind::Variant, "BitsPerSecond", Some("Bits/Second")),
        name(Kind::Variant, "EccSecgP256K1", Some("ECC_SECG_P256K1")),
        name(Kind::Field, "ipv6_address", Some("IPv6Address")),
        name(Kind::Field, "enable_dns_a_record", Some("EnableDnsARecord")),
        name(Kind::Field, "s3_bucket", Some("S3Bucket")),
    ];
    for n in &fine {
        assert!(problems(n).is_empty(), "{n:?}: {:?}", problems(n));
    }
}
