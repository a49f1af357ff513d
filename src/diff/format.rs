//! Formats a [`TemplateDiff`] for people: one line per resource, property
//! paths with old → new values, long text as a unified diff, IAM statements as
//! statements.

use std::fmt::Write as _;

use serde_json::Value as Json;
use similar::TextDiff;

use super::{Impact, PropertyChange, ResourceDiff, TemplateDiff};

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

fn label(r: &ResourceDiff) -> String {
    let mut tags = Vec::new();
    match r.impact {
        Impact::Replace => tags.push("REPLACE".to_string()),
        Impact::MayReplace => tags.push("MAY REPLACE".to_string()),
        _ => {}
    }
    if r.data_loss {
        tags.push(match (r.impact, r.old_kept) {
            (Impact::Remove, true) => "DATA LOSS (removed from the stack; the resource and its data are kept by DeletionPolicy)".to_string(),
            (Impact::Remove, false) => "DATA LOSS (deleted with its data)".to_string(),
            (_, true) => "DATA LOSS (a new, empty resource takes its place; the old one is kept by UpdateReplacePolicy)".to_string(),
            (_, false) => "DATA LOSS (a new, empty resource takes its place; the old one is deleted)".to_string(),
        });
    }
    tags.join("  ")
}

fn change(out: &mut String, c: &PropertyChange, indent: &str) {
    if let Some(st) = &c.statements {
        let _ = writeln!(out, "{indent}{} statements:", c.path);
        for s in &st.removed {
            let _ = writeln!(out, "{indent}  - {}", statement(s));
        }
        for s in &st.added {
            let _ = writeln!(out, "{indent}  + {}", statement(s));
        }
        if st.removed.is_empty() && st.added.is_empty() {
            let _ = writeln!(
                out,
                "{indent}  (statements reordered or other keys changed)"
            );
        }
        return;
    }
    let suffix = if c.replaces {
        "  (create-only: replaces the resource)"
    } else {
        ""
    };
    if is_long(c.old.as_ref()) || is_long(c.new.as_ref()) {
        let _ = writeln!(out, "{indent}{}:{suffix}", c.path);
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
        for line in diff.unified_diff().context_radius(2).to_string().lines() {
            if line.starts_with("@@") || line.starts_with("\\ No newline") {
                continue;
            }
            let _ = writeln!(out, "{indent}  {line}");
        }
        return;
    }
    let show = |v: &Option<Json>| v.as_ref().map(compact).unwrap_or_else(|| "(none)".into());
    let _ = writeln!(
        out,
        "{indent}{}: {} → {}{suffix}",
        c.path,
        show(&c.old),
        show(&c.new)
    );
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

/// The diff as text, one block per resource.
pub fn format(diff: &TemplateDiff) -> String {
    let mut out = String::new();
    let width = diff
        .resources
        .iter()
        .map(|r| r.logical_id.len())
        .max()
        .unwrap_or(0);
    for r in &diff.resources {
        let _ = writeln!(
            out,
            "  {} {:width$}  {}  {}",
            marker(r.impact),
            r.logical_id,
            r.resource_type,
            label(r)
        );
        for c in &r.changes {
            change(&mut out, c, "      ");
        }
        for why in &r.reasons {
            let _ = writeln!(out, "      why: {why}");
        }
    }
    for o in &diff.outputs {
        let m = match (&o.old, &o.new) {
            (None, _) => "+",
            (_, None) => "-",
            _ => "~",
        };
        let _ = writeln!(out, "  {m} output {}", o.name);
    }
    for s in &diff.sections {
        let _ = writeln!(out, "  ~ section {s}");
    }
    // Trim the trailing spaces of lines without a label.
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + if out.is_empty() { "" } else { "\n" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::compute;
    use serde_json::json;

    #[test]
    fn a_modification_and_a_replacement_read_well() {
        let old = json!({"Resources": {
            "F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256}},
            "T": {"Type": "AWS::DynamoDB::Table", "UpdateReplacePolicy": "Retain", "Properties": {"TableName": "a"}}
        }});
        let new = json!({"Resources": {
            "F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512}},
            "T": {"Type": "AWS::DynamoDB::Table", "UpdateReplacePolicy": "Retain", "Properties": {"TableName": "b"}}
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
        let old = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "Description": long_a,
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}}}}});
        let new = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
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
