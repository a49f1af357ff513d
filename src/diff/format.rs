//! Formats a [`TemplateDiff`] for people: one line per resource, property
//! paths with old → new values, long text as a unified diff, IAM statements as
//! statements.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::Value as Json;
use similar::TextDiff;

use super::{Impact, PropertyChange, ResourceDiff, TemplateDiff};
use crate::output::{style, Styled};

/// Values longer than this (or multi-line) are shown as a line diff.
const LONG: usize = 72;

fn compact(v: &Json) -> String {
    match v {
        Json::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn text_of(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn is_long(v: Option<&Json>) -> bool {
    v.is_some_and(|v| {
        let s = compact(v);
        s.len() > LONG || text_of(v).contains('\n')
    })
}

/// The marker of an impact: `+`, `~`, `±`, `-`.
pub fn marker(impact: Impact) -> &'static str {
    match impact {
        Impact::Add => "+",
        Impact::Modify => "~",
        Impact::MayReplace | Impact::Replace => "±",
        Impact::Remove => "-",
    }
}

/// The style of an impact's lines.
pub fn style_of(impact: Impact) -> anstyle::Style {
    match impact {
        Impact::Add => style::ADD,
        Impact::Modify => style::MODIFY,
        Impact::MayReplace | Impact::Replace => style::REPLACE,
        Impact::Remove => style::REMOVE,
    }
}

/// What follows "DATA LOSS" in a resource's heading, if its data is at risk.
fn data_loss_detail(r: &ResourceDiff) -> Option<&'static str> {
    if !r.data_loss {
        return None;
    }
    Some(match (r.impact, r.old_kept) {
        (Impact::Remove, true) => {
            " (removed from the stack; the resource and its data are kept by DeletionPolicy)"
        }
        (Impact::Remove, false) => " (deleted with its data)",
        (_, true) => {
            " (a new, empty resource takes its place; the old one is kept by UpdateReplacePolicy)"
        }
        (_, false) => " (a new, empty resource takes its place; the old one is deleted)",
    })
}

/// A line with its trailing whitespace removed (and each of its lines, if
/// it has several).
fn line<W: Write>(out: &mut W, text: &str) -> io::Result<()> {
    for piece in text.split('\n') {
        writeln!(out, "{}", piece.trim_end())?;
    }
    Ok(())
}

/// A resource's heading, in its impact's style: marker, logical ID, type,
/// then REPLACE / MAY REPLACE and DATA LOSS (in its own style).
fn heading<W: Write>(out: &mut Styled<W>, r: &ResourceDiff, width: usize) -> io::Result<()> {
    let st = style_of(r.impact);
    let mut text = format!(
        "  {} {:width$}  {}",
        marker(r.impact),
        r.logical_id,
        r.resource_type
    );
    let replace = match r.impact {
        Impact::Replace => Some("REPLACE"),
        Impact::MayReplace => Some("MAY REPLACE"),
        _ => None,
    };
    let loss = data_loss_detail(r);
    if replace.is_none() && loss.is_none() {
        out.styled(st, text.trim_end())?;
        return writeln!(out);
    }
    text.push_str("  ");
    if let Some(tag) = replace {
        text.push_str(tag);
        if loss.is_some() {
            text.push_str("  ");
        }
    }
    out.styled(st, &text)?;
    if let Some(detail) = loss {
        out.styled(style::DATA_LOSS, "DATA LOSS")?;
        out.styled(st, detail)?;
    }
    writeln!(out)
}

fn change<W: Write>(out: &mut W, c: &PropertyChange, indent: &str) -> io::Result<()> {
    if let Some(st) = &c.statements {
        line(out, &format!("{indent}{} statements:", c.path))?;
        for s in &st.removed {
            line(out, &format!("{indent}  - {}", statement(s)))?;
        }
        for s in &st.added {
            line(out, &format!("{indent}  + {}", statement(s)))?;
        }
        if st.removed.is_empty() && st.added.is_empty() {
            line(
                out,
                &format!("{indent}  (statements reordered or other keys changed)"),
            )?;
        }
        return Ok(());
    }
    let suffix = if c.replaces {
        "  (create-only: replaces the resource)"
    } else {
        ""
    };
    if is_long(c.old.as_ref()) || is_long(c.new.as_ref()) {
        line(out, &format!("{indent}{}:{suffix}", c.path))?;
        // Both ending in a newline: no "\ No newline at end of file" marker.
        let text = |v: &Option<Json>| {
            let mut t = v.as_ref().map(text_of).unwrap_or_default();
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t
        };
        let (old, new) = (text(&c.old), text(&c.new));
        let diff = TextDiff::from_lines(&old, &new);
        for l in diff.unified_diff().context_radius(2).to_string().lines() {
            if l.starts_with("@@") || l.starts_with("\\ No newline") {
                continue;
            }
            line(out, &format!("{indent}  {l}"))?;
        }
        return Ok(());
    }
    let show = |v: &Option<Json>| v.as_ref().map(compact).unwrap_or_else(|| "(none)".into());
    line(
        out,
        &format!(
            "{indent}{}: {} → {}{suffix}",
            c.path,
            show(&c.old),
            show(&c.new)
        ),
    )
}

/// `Allow s3:GetObject, s3:PutObject on [..] (+ condition)`.
fn statement(s: &Json) -> String {
    let list = |v: Option<&Json>| -> String {
        match v {
            Some(Json::Array(a)) => a.iter().map(compact_plain).collect::<Vec<_>>().join(", "),
            Some(other) => compact_plain(other),
            None => String::new(),
        }
    };
    let mut line = format!(
        "{} {}",
        s.get("Effect").and_then(Json::as_str).unwrap_or("?"),
        list(s.get("Action"))
    );
    if let Some(p) = s.get("Principal") {
        let _ = write!(line, " for {}", compact_plain(p));
    }
    if s.get("Resource").is_some() {
        let _ = write!(line, " on {}", list(s.get("Resource")));
    }
    if let Some(c) = s.get("Condition") {
        let _ = write!(line, " when {}", c);
    }
    if let Some(sid) = s.get("Sid").and_then(Json::as_str) {
        let _ = write!(line, " [{sid}]");
    }
    line
}

fn compact_plain(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The diff as text, one block per resource (without colour).
pub fn format(diff: &TemplateDiff) -> String {
    crate::output::to_text(|out| write(out, diff))
}

/// Writes the diff, one block per resource, each heading in the colour of
/// its impact and DATA LOSS in bold red when `out` styles. Lines end
/// without trailing spaces.
pub fn write<W: Write>(out: &mut Styled<W>, diff: &TemplateDiff) -> io::Result<()> {
    let width = diff
        .resources
        .iter()
        .map(|r| r.logical_id.len())
        .max()
        .unwrap_or(0);
    for r in &diff.resources {
        heading(out, r, width)?;
        for c in &r.changes {
            change(out, c, "      ")?;
        }
        for why in &r.reasons {
            line(out, &format!("      why: {why}"))?;
        }
    }
    for o in &diff.outputs {
        let (m, st) = match (&o.old, &o.new) {
            (None, _) => ("+", style::ADD),
            (_, None) => ("-", style::REMOVE),
            _ => ("~", style::MODIFY),
        };
        out.styled(st, format!("  {m} output {}", o.name).trim_end())?;
        writeln!(out)?;
    }
    for s in &diff.sections {
        out.styled(style::MODIFY, format!("  ~ section {s}").trim_end())?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{dynamodb, iam, lambda};
    use crate::cfn::ResourceProperties;
    use crate::diff::compute;
    use serde_json::json;

    #[test]
    fn a_modification_and_a_replacement_read_well() {
        let old = json!({"Resources": {
            "F": {"Type": lambda::Function::TYPE, "Properties": {"MemorySize": 256}},
            "T": {"Type": dynamodb::Table::TYPE, "UpdateReplacePolicy": "Retain", "Properties": {"TableName": "a"}}
        }});
        let new = json!({"Resources": {
            "F": {"Type": lambda::Function::TYPE, "Properties": {"MemorySize": 512}},
            "T": {"Type": dynamodb::Table::TYPE, "UpdateReplacePolicy": "Retain", "Properties": {"TableName": "b"}}
        }});
        let text = format(&compute(Some(&old), &new));
        assert_eq!(
            text,
            "  ~ F  AWS::Lambda::Function\n      Properties.MemorySize: 256 → 512\n  ± T  AWS::DynamoDB::Table  REPLACE  DATA LOSS (a new, empty resource takes its place; the old one is kept by UpdateReplacePolicy)\n      Properties.TableName: \"a\" → \"b\"  (create-only: replaces the resource)\n      why: TableName is create-only\n"
        );
    }

    #[test]
    fn long_values_are_line_diffs_and_statements_are_statements() {
        let long_a = "line one\nline two\nline three\n";
        let long_b = "line one\nline 2\nline three\n";
        let old = json!({"Resources": {"R": {"Type": iam::Role::TYPE, "Properties": {
            "Description": long_a,
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}}}}});
        let new = json!({"Resources": {"R": {"Type": iam::Role::TYPE, "Properties": {
            "Description": long_b,
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "edgelambda.amazonaws.com"}}]}}}}});
        let text = format(&compute(Some(&old), &new));
        assert!(text.contains("      Properties.AssumeRolePolicyDocument statements:\n        - Allow sts:AssumeRole for {\"Service\":\"lambda.amazonaws.com\"}\n        + Allow sts:AssumeRole for {\"Service\":\"edgelambda.amazonaws.com\"}\n"), "{text}");
        assert!(text.contains("      Properties.Description:\n"), "{text}");
        assert!(
            text.contains("        -line two\n        +line 2\n"),
            "{text}"
        );
    }
}
