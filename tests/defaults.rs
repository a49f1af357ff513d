//! The documented defaults in blueprints/<name>/blueprint.yaml are exactly the
//! defaults the code applies, so a project file may leave any option out.

use blueprint::blueprints::ALL;

#[test]
fn every_blueprints_documented_defaults_are_the_code_defaults() {
    for b in ALL {
        let source = b.defaults().unwrap();
        assert!(
            b.documents_defaults(&source).unwrap(),
            "blueprints/{}/blueprint.yaml does not match the code's defaults",
            b.name()
        );
        assert!(source.text.contains(&format!("blueprint: {}", b.name())));
        every_option_is_commented(&source.text);
    }
    // And the check can fail.
    let todo = blueprint::blueprints::find("todo").unwrap();
    let changed = blueprint::config::Source {
        name: "x".into(),
        text: "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: dax\n".into(),
    };
    assert!(!todo.documents_defaults(&changed).unwrap());
}

fn every_option_is_commented(text: &str) {
    // Every option is commented: a comment right above it, or above the
    // mapping that holds it (`retain:` documents `table:` and `user_pool:`).
    let lines: Vec<&str> = text.lines().collect();
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
