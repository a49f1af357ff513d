//! The output directory under hostile input and faults: synth writes and
//! deletes only inside `--out`, whatever the previous `manifest.json` says;
//! every file appears complete or not at all (a full disk, a folder in the
//! way, two synths at once); links in function code are followed only
//! inside the project. Each error case checks the exit code, the message and
//! that nothing was written or deleted.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::common::blueprint;

/// Every entry under `dir`: a file's bytes, a link's target (`-> target`),
/// a folder as `/`. Links are not followed.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("-> {}", t.display()).into_bytes());
            } else if meta.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `tree` that are temporary files.
fn temporaries(tree: &BTreeMap<String, Vec<u8>>) -> Vec<&String> {
    tree.keys()
        .filter(|k| {
            let name = k.rsplit('/').next().unwrap_or(k);
            name.starts_with('.') && name.ends_with(".tmp")
        })
        .collect()
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

fn set_manifest(out: &Path, m: &serde_json::Value) {
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(m).unwrap(),
    )
    .unwrap();
}

/// A folder holding `out/` (synthesized from the built-in todo) and an
/// outside file `notes.txt`.
fn synthesized() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "my notes\n").unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "todo", "--out", "out"])
        .assert()
        .success();
    dir
}

/// Adds `template` as one more stack entry of the manifest in `out`.
fn list_template(out: &Path, template: &str) {
    let mut m = manifest(out);
    let mut extra = m["stacks"][0].clone();
    extra["template"] = template.into();
    m["stacks"].as_array_mut().unwrap().push(extra);
    set_manifest(out, &m);
}

/// Adds `file` as one more asset entry of the manifest in `out`.
fn list_asset(out: &Path, file: &str) {
    let mut m = manifest(out);
    let mut extra = m["assets"][0].clone();
    extra["file"] = file.into();
    m["assets"].as_array_mut().unwrap().push(extra);
    set_manifest(out, &m);
}

/// Runs `synth todo --out out` in `dir`; returns its standard error.
fn synth_ok(dir: &Path) -> String {
    let o = blueprint()
        .current_dir(dir)
        .args(["synth", "todo", "-q", "--out", "out"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    String::from_utf8(o.stderr).unwrap()
}

/// Runs `args` in `dir`, expecting exit code 1; returns standard error.
fn fails(dir: &Path, args: &[&str]) -> String {
    let o = blueprint().current_dir(dir).args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
    String::from_utf8(o.stderr).unwrap()
}

const STALE: &str = "assets/0000000000000000000000000000000000000000000000000000000000000000.zip";

#[test]
fn an_absolute_path_in_the_manifest_is_not_deleted() {
    let dir = synthesized();
    let notes = dir.path().join("notes.txt");
    let zip = dir.path().join(&STALE["assets/".len()..]);
    std::fs::write(&zip, "mine").unwrap();
    list_template(&dir.path().join("out"), notes.to_str().unwrap());
    list_asset(&dir.path().join("out"), zip.to_str().unwrap());
    let err = synth_ok(dir.path());
    let line = |p: &Path| {
        format!(
            "warning: out/manifest.json lists `{}`, which was not removed: it is an absolute path; synth removes files only inside the output directory out\n",
            p.display()
        )
    };
    assert_eq!(err, line(&notes) + &line(&zip));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    assert_eq!(std::fs::read_to_string(&zip).unwrap(), "mine");
}

#[test]
fn a_path_with_dot_dot_in_the_manifest_is_not_deleted() {
    let dir = synthesized();
    let out = dir.path().join("out");
    list_template(&out, "../notes.txt");
    list_asset(&out, "assets/../../notes.txt");
    let err = synth_ok(dir.path());
    assert_eq!(
        err,
        "warning: out/manifest.json lists `../notes.txt`, which was not removed: it contains `..`; synth removes files only inside the output directory out\n\
         warning: out/manifest.json lists `assets/../../notes.txt`, which was not removed: it contains `..`; synth removes files only inside the output directory out\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "my notes\n"
    );
}

#[test]
fn a_link_in_the_output_directory_to_a_file_outside_is_not_deleted() {
    let dir = synthesized();
    let out = dir.path().join("out");
    let notes = dir.path().join("notes.txt");
    symlink(&notes, out.join("old.template.yaml")).unwrap();
    list_template(&out, "old.template.yaml");
    let err = synth_ok(dir.path());
    assert_eq!(
        err,
        format!(
            "warning: out/manifest.json lists `old.template.yaml`, which was not removed: it is a symbolic link to {}, outside the output directory out\n",
            notes.canonicalize().unwrap().display()
        )
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    assert!(std::fs::symlink_metadata(out.join("old.template.yaml")).is_ok());
}

#[test]
fn a_listed_name_synth_never_writes_is_not_deleted() {
    let dir = synthesized();
    let out = dir.path().join("out");
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    list_template(&out, "keep.txt");
    let err = synth_ok(dir.path());
    assert_eq!(
        err,
        "warning: out/manifest.json lists `keep.txt`, which was not removed: synth never writes a file by that name\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_stale_file_of_synth_inside_the_output_directory_is_removed() {
    let dir = synthesized();
    let out = dir.path().join("out");
    let before = tree(&out);
    std::fs::write(out.join(STALE), "old").unwrap();
    std::fs::write(out.join("old.template.yaml"), "old").unwrap();
    list_asset(&out, STALE);
    list_template(&out, "old.template.yaml");
    assert_eq!(synth_ok(dir.path()), "");
    assert_eq!(tree(&out), before);
}

#[test]
fn an_assets_link_to_a_folder_outside_is_refused_and_nothing_changes() {
    let dir = synthesized();
    let out = dir.path().join("out");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join(&STALE["assets/".len()..]), "precious").unwrap();
    std::fs::rename(out.join("assets"), dir.path().join("moved")).unwrap();
    symlink(&elsewhere, out.join("assets")).unwrap();
    list_asset(&out, STALE);
    // Another synth's output, so the templates would change.
    let before = tree(dir.path());
    let err = fails(
        dir.path(),
        &["synth", "todo", "--format", "json", "--out", "out"],
    );
    assert_eq!(
        err,
        format!(
            "error: out/assets is a symbolic link to `{}` ({}), outside out; synth writes only inside its output directory: remove the link, or choose another --out\n",
            elsewhere.display(),
            elsewhere.canonicalize().unwrap().display()
        )
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn an_assets_link_inside_the_output_directory_is_used() {
    let dir = synthesized();
    let out = dir.path().join("out");
    std::fs::rename(out.join("assets"), out.join("real")).unwrap();
    symlink("real", out.join("assets")).unwrap();
    std::fs::write(out.join("real").join(&STALE["assets/".len()..]), "old").unwrap();
    list_asset(&out, STALE);
    assert_eq!(synth_ok(dir.path()), "");
    assert!(!out.join(STALE).exists());
    assert_eq!(
        std::fs::read_dir(out.join("real")).unwrap().count(),
        1,
        "{:?}",
        tree(&out).keys()
    );
}

#[test]
fn a_manifest_that_is_not_json_deletes_nothing() {
    let dir = synthesized();
    let out = dir.path().join("out");
    std::fs::write(out.join(STALE), "not listed anywhere").unwrap();
    for (body, why) in [
        ("{\"stacks\": [", "is not valid JSON (line 1, column 12)"),
        ("", "is not valid JSON (line 1, column 0)"),
        ("\u{0}\u{1}garbage", "is not valid JSON (line 1, column 1)"),
        (
            "{\"stacks\": [{\"template\": \"/etc/passwd\"}]}",
            "is not a manifest blueprint wrote",
        ),
        ("[1, 2]", "is not a manifest blueprint wrote"),
    ] {
        std::fs::write(out.join("manifest.json"), body).unwrap();
        let err = synth_ok(dir.path());
        assert_eq!(
            err,
            format!("warning: out/manifest.json {why}, so no file it lists was removed; it is replaced by this run's manifest\n"),
            "{body}"
        );
        assert!(out.join(STALE).exists());
        assert_eq!(manifest(&out)["blueprint"], "todo");
    }
}

#[test]
fn a_manifest_of_another_schema_version_deletes_nothing() {
    let dir = synthesized();
    let out = dir.path().join("out");
    std::fs::write(out.join(STALE), "x").unwrap();
    list_asset(&out, STALE);
    let mut m = manifest(&out);
    m["version"] = 7.into();
    set_manifest(&out, &m);
    assert_eq!(
        synth_ok(dir.path()),
        "warning: out/manifest.json has schema version 7, which this blueprint does not write, so no file it lists was removed; it is replaced by this run's manifest\n"
    );
    assert!(out.join(STALE).exists());
}

#[test]
fn an_endless_manifest_is_not_read_whole_and_deletes_nothing() {
    let dir = synthesized();
    let out = dir.path().join("out");
    std::fs::write(out.join(STALE), "x").unwrap();
    list_asset(&out, STALE);
    // A manifest that never ends: synth reads a bounded prefix, then stops.
    std::fs::remove_file(out.join("manifest.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", out.join("manifest.json")).unwrap();
    assert_eq!(
        synth_ok(dir.path()),
        "warning: out/manifest.json is larger than any manifest blueprint writes (16 MiB at most), so no file it lists was removed; it is replaced by this run's manifest\n"
    );
    assert!(out.join(STALE).exists());
    // Replaced by a real file, not written through the link.
    assert!(!std::fs::symlink_metadata(out.join("manifest.json"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_file_where_the_assets_folder_goes_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/assets"), "a file").unwrap();
    let before = tree(dir.path());
    let err = fails(dir.path(), &["synth", "todo", "--out", "out"]);
    assert_eq!(
        err,
        "error: out/assets exists and is not a directory; synth keeps the function packages there: remove it, or choose another --out\n"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_folder_where_a_file_goes_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("out/todo.template.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("out/assets")).unwrap();
    let before = tree(dir.path());
    let err = fails(dir.path(), &["synth", "todo", "--out", "out"]);
    assert_eq!(
        err,
        "error: out/todo.template.yaml is a directory, but synth writes a file there: remove it, or choose another --out\n"
    );
    assert_eq!(tree(dir.path()), before);
}

/// Runs `blueprint args` in `dir` with files limited to 4 KiB (the write
/// that crosses it fails as on a full disk).
fn synth_with_small_files(dir: &Path, args: &[&str]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("blueprint");
    std::process::Command::new("sh")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"")
        .arg(bin)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_failed_write_leaves_no_temporary_and_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = synth_with_small_files(dir.path(), &["synth", "todo", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
    // Standard error, whole (the package that crosses the limit first).
    redacted_snapshot!(String::from_utf8(o.stderr).unwrap());
    let out = tree(&dir.path().join("out"));
    assert_eq!(
        out.keys().collect::<Vec<_>>(),
        ["assets/"],
        "{:?}",
        out.keys()
    );
}

#[test]
fn a_failed_write_keeps_the_previous_files() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("blueprint.yaml");
    std::fs::write(
        &project,
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\n",
    )
    .unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "--out", "out"])
        .assert()
        .success();
    let before = tree(&dir.path().join("out"));
    // Only the template changes; the package is there already.
    std::fs::write(
        &project,
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\noptions:\n  cache: api\n",
    )
    .unwrap();
    let o = synth_with_small_files(dir.path(), &["synth", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(
        String::from_utf8(o.stderr).unwrap(),
        "error: could not write out/todo.template.yaml: the file is larger than the system allows; the file there before (if any) is unchanged\n"
    );
    assert_eq!(tree(&dir.path().join("out")), before);
}

/// Unmounts a tmpfs when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_no_temporary_and_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&disk)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("no tmpfs can be mounted here; a_failed_write_* simulate the full disk");
        return;
    }
    let _guard = Mounted(disk.clone());
    let o = blueprint()
        .current_dir(&disk)
        .args(["synth", "microservices", "--out", "out"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("error: could not write out/")
            && err.ends_with(": the disk is full; the file there before (if any) is unchanged\n"),
        "{err}"
    );
    let out = tree(&disk.join("out"));
    assert!(temporaries(&out).is_empty(), "{:?}", out.keys());
    assert!(!out.contains_key("manifest.json"));
    for (name, bytes) in &out {
        if let Some(asset) = name.strip_prefix("assets/").filter(|n| !n.is_empty()) {
            let sha = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>();
            assert!(asset.starts_with(&sha), "{asset} is not complete");
        }
    }
}

/// Checks that every asset under `out/assets` holds what its name says.
fn assets_complete(out: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(out.join("assets")) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(bytes) = std::fs::read(e.path()) else {
            continue;
        };
        let sha = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        if !name.starts_with(&sha) {
            return Err(format!(
                "{name} holds {} bytes that are not its content",
                bytes.len()
            ));
        }
    }
    Ok(())
}

/// A microservices project in `dir` with 30 services, each with code of its
/// own (about 64 KB), so a synth writes a few megabytes.
fn many_services(dir: &Path) {
    let mut yaml = String::from(
        "blueprint: microservices\nstack_name: services\nregion: us-east-1\noptions:\n  services:\n",
    );
    for i in 0..30 {
        yaml.push_str(&format!(
            "    - name: svc{i:02}\n      code: c{i:02}\n      routes:\n        - {{method: GET, path: \"/\"}}\n"
        ));
        let code = dir.join(format!("functions/c{i:02}"));
        std::fs::create_dir_all(&code).unwrap();
        let mut body = format!("def handler(event, context):\n    return {i}\n");
        for line in 0..2000 {
            body.push_str(&format!("# {i} {line} {}\n", "x".repeat(line % 40)));
        }
        std::fs::write(code.join("handler.py"), body).unwrap();
    }
    std::fs::write(dir.join("blueprint.yaml"), yaml).unwrap();
}

#[test]
fn concurrent_synths_into_one_directory_leave_complete_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    many_services(dir.path());
    let args = ["synth", "-q", "--out"];
    blueprint()
        .current_dir(dir.path())
        .args(args)
        .arg("single")
        .assert()
        .success();
    let single = tree(&dir.path().join("single"));
    assert!(single.len() > 60, "{:?}", single.keys());
    let bin = assert_cmd::cargo::cargo_bin("blueprint");
    let shared = dir.path().join("shared");
    for round in 0..6 {
        if round % 2 == 0 {
            let _ = std::fs::remove_dir_all(&shared);
        }
        let children: Vec<_> = (0..3)
            .map(|_| {
                std::process::Command::new(&bin)
                    .current_dir(dir.path())
                    .args(args)
                    .arg("shared")
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        // While they run, every asset under its final name is complete.
        let mut running = children;
        let mut outputs = Vec::new();
        while !running.is_empty() {
            assets_complete(&shared).unwrap();
            let mut i = 0;
            while i < running.len() {
                if running[i].try_wait().unwrap().is_some() {
                    outputs.push(running.swap_remove(i).wait_with_output().unwrap());
                } else {
                    i += 1;
                }
            }
        }
        for o in outputs {
            assert!(o.status.success(), "round {round}: {o:?}");
            assert!(o.stderr.is_empty(), "round {round}: {o:?}");
        }
        let got = tree(&shared);
        assert!(
            temporaries(&got).is_empty(),
            "round {round}: {:?}",
            got.keys()
        );
        assert_eq!(got, single, "round {round}");
    }
}

/// A todo project in `dir/proj` with its own `functions/api/handler.py`.
fn code_project(dir: &Path) -> PathBuf {
    let proj = dir.join("proj");
    let api = proj.join("functions/api");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(
        proj.join("blueprint.yaml"),
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\n",
    )
    .unwrap();
    std::fs::write(api.join("handler.py"), "def handler(e, c):\n    return 1\n").unwrap();
    proj
}

fn zip_entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut body = Vec::new();
            f.read_to_end(&mut body).unwrap();
            (f.name().unwrap().to_string(), body)
        })
        .collect()
}

#[test]
fn a_link_in_function_code_inside_the_project_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let proj = code_project(dir.path());
    std::fs::create_dir_all(proj.join("shared")).unwrap();
    std::fs::write(proj.join("shared/util.py"), "UTIL = 1\n").unwrap();
    symlink("../../shared/util.py", proj.join("functions/api/util.py")).unwrap();
    symlink("../../shared", proj.join("functions/api/shared")).unwrap();
    blueprint()
        .current_dir(&proj)
        .args(["synth", "-q", "--out", "out"])
        .assert()
        .success();
    let m = manifest(&proj.join("out"));
    let zip = proj
        .join("out")
        .join(m["assets"][0]["file"].as_str().unwrap());
    let entries = zip_entries(&zip);
    assert_eq!(
        entries.keys().collect::<Vec<_>>(),
        ["handler.py", "shared/util.py", "util.py"]
    );
    assert_eq!(entries["util.py"], b"UTIL = 1\n");
    assert_eq!(entries["shared/util.py"], b"UTIL = 1\n");
    // Byte-reproducible: the same package as plain copies of the files.
    let copy = code_project(&dir.path().join("copy"));
    std::fs::write(copy.join("functions/api/util.py"), "UTIL = 1\n").unwrap();
    std::fs::create_dir_all(copy.join("functions/api/shared")).unwrap();
    std::fs::write(copy.join("functions/api/shared/util.py"), "UTIL = 1\n").unwrap();
    blueprint()
        .current_dir(&copy)
        .args(["synth", "-q", "--out", "out"])
        .assert()
        .success();
    assert_eq!(manifest(&copy.join("out"))["assets"], m["assets"]);
}

/// Runs synth in `proj`, expecting it to refuse; checks that nothing under
/// `dir` changed; returns the message.
fn refused(dir: &Path, proj: &Path) -> String {
    let before = tree(dir);
    let err = fails(proj, &["synth", "--out", "out"]);
    assert_eq!(tree(dir), before);
    err
}

#[test]
fn a_link_in_function_code_to_a_file_outside_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let proj = code_project(dir.path());
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    symlink("../../../secret.txt", proj.join("functions/api/config.txt")).unwrap();
    assert_eq!(
        refused(dir.path(), &proj),
        format!(
            "error: function `api`: ./functions/api/config.txt is a symbolic link to `../../../secret.txt` ({}), outside the project folder {}; links in function code must stay inside the project, so copy what it points to into the project instead\n",
            dir.path().join("secret.txt").canonicalize().unwrap().display(),
            proj.canonicalize().unwrap().display()
        )
    );
}

#[test]
fn a_link_in_function_code_to_a_folder_outside_the_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let proj = code_project(dir.path());
    let lib = dir.path().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(lib.join("x.py"), "X = 1\n").unwrap();
    symlink(&lib, proj.join("functions/api/lib")).unwrap();
    assert_eq!(
        refused(dir.path(), &proj),
        format!(
            "error: function `api`: ./functions/api/lib is a symbolic link to `{}`{}, outside the project folder {}; links in function code must stay inside the project, so copy what it points to into the project instead\n",
            lib.display(),
            if lib.canonicalize().unwrap() == lib {
                String::new()
            } else {
                format!(" ({})", lib.canonicalize().unwrap().display())
            },
            proj.canonicalize().unwrap().display()
        )
    );
}

#[test]
fn a_dangling_link_in_function_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let proj = code_project(dir.path());
    symlink("gone.py", proj.join("functions/api/util.py")).unwrap();
    assert_eq!(
        refused(dir.path(), &proj),
        "error: function `api`: ./functions/api/util.py is a symbolic link to `gone.py`, which does not exist; fix the link or remove it\n"
    );
}

#[test]
fn a_loop_of_links_in_function_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let proj = code_project(dir.path());
    symlink("b.py", proj.join("functions/api/a.py")).unwrap();
    symlink("a.py", proj.join("functions/api/b.py")).unwrap();
    assert_eq!(
        refused(dir.path(), &proj),
        "error: function `api`: ./functions/api/a.py is a symbolic link to `b.py`, which leads back to itself (a loop of links); fix the link or remove it\n"
    );
    std::fs::remove_file(proj.join("functions/api/a.py")).unwrap();
    std::fs::remove_file(proj.join("functions/api/b.py")).unwrap();
    symlink("../..", proj.join("functions/api/project")).unwrap();
    assert_eq!(
        refused(dir.path(), &proj),
        "error: function `api`: ./functions/api/project is a symbolic link to `../..`, a folder that contains the link itself, so following it would never end; remove the link\n"
    );
}
