//! The documented defaults in blueprints/<name>/blueprint.yaml are exactly the
//! defaults the code applies, so a project file may leave any option out.

use blueprint::blueprints::todo;
use blueprint::blueprints::ALL;
use blueprint::config::{parse, Project};

#[test]
fn the_documented_todo_defaults_are_the_code_defaults() {
    let source = blueprint::blueprints::find("todo").unwrap().defaults().unwrap();
    let documented: Project<todo::Options> = parse(&source).unwrap();
    assert_eq!(documented.options, todo::Options::default());
    assert_eq!(documented.blueprint, "todo");
    // Every option is commented.
    let lines: Vec<&str> = source.text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with("- ") {
            continue;
        }
        if t.contains(':') && !matches!(t, "min: 5" | "max: 100" | "max: 50") {
            let prev = lines[..i].iter().rev().find(|l| !l.trim().is_empty()).unwrap();
            let parent_is_documented = prev.trim_start().starts_with('#')
                || prev.trim_end().ends_with(':');
            assert!(parent_is_documented, "option on line {} has no comment: {line}", i + 1);
        }
    }
}

#[test]
fn every_blueprint_has_documented_defaults() {
    for b in ALL {
        let d = b.defaults().unwrap();
        assert!(d.text.contains(&format!("blueprint: {}", b.name)));
    }
}
