//! The documented defaults in blueprints/<name>/blueprint.yaml are exactly the
//! defaults the code applies, so a project file may leave any option out.

use blueprint::blueprints::todo;
use blueprint::blueprints::ALL;
use blueprint::config::{parse, Project};

#[test]
fn the_documented_todo_defaults_are_the_code_defaults() {
    let source = blueprint::blueprints::find("todo")
        .unwrap()
        .defaults()
        .unwrap();
    let parsed: Project<todo::Options> = parse(&source).unwrap();
    assert_eq!(parsed.options, todo::Options::default());
    assert_eq!(parsed.blueprint, "todo");
    // Every option is commented: a comment right above it, or above the
    // mapping that holds it (`retain:` documents `table:` and `user_pool:`).
    let lines: Vec<&str> = source.text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') || !t.contains(':') {
            continue;
        }
        assert!(
            documented(&lines, i),
            "option on line {} has no comment: {line}",
            i + 1
        );
    }
}

fn indent(l: &str) -> usize {
    l.len() - l.trim_start().len()
}

fn documented(lines: &[&str], i: usize) -> bool {
    let prev = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
    if prev.is_some_and(|p| p.trim_start().starts_with('#')) {
        return true;
    }
    let me = indent(lines[i]);
    match (0..i).rev().find(|&j| {
        let l = lines[j];
        !l.trim().is_empty() && !l.trim_start().starts_with('#') && indent(l) < me
    }) {
        Some(parent) => documented(lines, parent),
        None => false,
    }
}

#[test]
fn every_blueprint_has_documented_defaults() {
    for b in ALL {
        let d = b.defaults().unwrap();
        assert!(d.text.contains(&format!("blueprint: {}", b.name)));
    }
}
