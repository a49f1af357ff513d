//! The CloudFront blueprints (blog, conference, update-offload) as a user
//! runs them: bad option values are refused with their location, `explain`
//! lists every requirement, a custom domain outside us-east-1 writes two
//! templates, and function dependencies are installed with pip once, cached,
//! and then work offline; a missing pip or an unavailable wheel is a clear
//! error naming the function and the requirement.

use std::path::{Path, PathBuf};

use crate::common::{blueprint, command, input_header, project, run_and_format};

/// `synth --stdout` of the project file `body`, which must fail with exit
/// code 1: the file and the output, for a snapshot.
fn refused(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path(), body);
    let (text, out) = run_and_format(command().args(["synth", "--stdout", "--config"]).arg(&path));
    assert_eq!(out.status.code(), Some(1), "{text}");
    input_header("blueprint.yaml", body) + &text
}

#[test]
fn bad_domain_names_and_zones_are_located() {
    let all = [
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  domain:\n    name: https://blog.example.com\n    hosted_zone_id: Z0123456789ABCDEFGHIJ\n",
        "blueprint: conference\nstack_name: c\nregion: us-east-1\noptions:\n  domain:\n    name: conf.example.com\n    hosted_zone_id: zone-1\n",
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  domain:\n    name: blog.example.com\n",
    ]
    .map(refused);
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn bad_regions_are_refused() {
    let all = [
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  tables:\n    replica_regions: [eu-west]\n",
        "blueprint: blog\nstack_name: blog\nregion: eu-west-1\noptions:\n  tables:\n    replica_regions: [eu-west-1]\n",
        "blueprint: update-offload\nstack_name: u\nregion: eu-west-1\noptions:\n  origin_shield_region: eu-west-3\n",
    ]
    .map(refused);
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn bad_cache_settings_and_values_are_refused() {
    let all = [
        "blueprint: update-offload\nstack_name: u\nregion: eu-west-1\noptions:\n  cache:\n    update_files:\n      path_patterns: ['*']\n",
        "blueprint: update-offload\nstack_name: u\nregion: eu-west-1\noptions:\n  failover:\n    secondary_domain_name: b.example.com\n    status_codes: [418]\n",
        "blueprint: update-offload\nstack_name: u\nregion: eu-west-1\noptions:\n  demo_origin:\n    instance_type: large\n",
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  cdn:\n    price_class: PriceClass_300\n",
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  welcome_email:\n    sender: nobody\n",
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  functions:\n    thumbnails:\n      memory_mb: 20000\n",
        "blueprint: conference\nstack_name: c\nregion: us-east-1\noptions:\n  cdn:\n    default_ttl_seconds: 31536001\n",
    ]
    .map(refused);
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn explain_lists_every_requirement_with_its_resources() {
    for (name, ids, absent) in [
        (
            "blog",
            &[
                "BLOG-1", "BLOG-2", "BLOG-3", "BLOG-4", "BLOG-5", "BLOG-6", "BLOG-7",
            ][..],
            &["BLOG-7"][..],
        ),
        (
            "conference",
            &["CONF-1", "CONF-2", "CONF-3", "CONF-4"][..],
            &[][..],
        ),
        (
            "update-offload",
            &["OFFLOAD-1", "OFFLOAD-2", "OFFLOAD-3"][..],
            &["OFFLOAD-3"][..],
        ),
    ] {
        let out = blueprint().args(["explain", name]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for id in ids {
            let section = text
                .split("\n\n")
                .find(|s| s.starts_with(id))
                .unwrap_or_else(|| panic!("{name}: {id} missing from\n{text}"));
            let listed = section.lines().count() > 1
                && !section.contains("(no resources with these options)");
            // Option-gated requirements show their resources once enabled.
            assert_eq!(listed, !absent.contains(id), "{name} {id}:\n{section}");
        }
    }
    // With the options on, the gated ones have resources too.
    for (variant, id, resource) in [
        (
            "tests/variants/blog-domain-eu-west-1.yaml",
            "BLOG-7",
            "myblog-cert/Certificate",
        ),
        (
            "tests/variants/blog-global-dax.yaml",
            "BLOG-2",
            "DaxCluster",
        ),
        (
            "tests/variants/update-offload-shield-failover.yaml",
            "OFFLOAD-3",
            "CdnDistribution",
        ),
        (
            "tests/variants/update-offload-demo-origin.yaml",
            "OFFLOAD-3",
            "OriginTargetGroup",
        ),
    ] {
        let out = blueprint()
            .args(["explain", "--config", variant])
            .output()
            .unwrap();
        assert!(out.status.success(), "{variant}");
        let text = String::from_utf8(out.stdout).unwrap();
        let section = text.split("\n\n").find(|s| s.starts_with(id)).unwrap();
        assert!(section.contains(resource), "{variant}: {section}");
    }
}

#[test]
fn a_domain_outside_us_east_1_writes_two_templates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    blueprint()
        .args([
            "synth",
            "--config",
            "tests/variants/conference-domain-ap-northeast-2.yaml",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let templates: Vec<&str> = manifest["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["template"].as_str().unwrap())
        .collect();
    assert_eq!(
        templates,
        ["conf2026-cert.template.yaml", "conf2026.template.yaml"]
    );
    for t in templates {
        assert!(out.join(t).is_file());
    }
}

/// A stand-in for pip: writes a small package (with the files pip leaves
/// that must not reach the zip) into `--target`, and logs its arguments.
const FAKE_PIP: &str = r##"#!/bin/sh
echo "$@" >> "$FAKE_PIP_LOG"
target=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--target" ]; then target="$2"; shift; fi
  shift
done
mkdir -p "$target/fakeimg/__pycache__" "$target/fakeimg-1.0.dist-info" "$target/bin"
echo "VERSION = 1" > "$target/fakeimg/__init__.py"
echo "junk" > "$target/fakeimg/__pycache__/__init__.cpython-313.pyc"
echo "Metadata-Version: 2.1" > "$target/fakeimg-1.0.dist-info/METADATA"
echo "fakeimg/__init__.py,sha256=x,12" > "$target/fakeimg-1.0.dist-info/RECORD"
echo "pip" > "$target/fakeimg-1.0.dist-info/INSTALLER"
echo "#!/usr/local/bin/python3" > "$target/bin/fakeimg-cli"
"##;

const FAILING_PIP: &str = r#"#!/bin/sh
echo "$@" >> "$FAKE_PIP_LOG"
echo "ERROR: Could not find a version that satisfies the requirement Pillow==12.2.0 (from versions: none)" >&2
echo "ERROR: No matching distribution found for Pillow==12.2.0" >&2
exit 1
"#;

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

fn zip_names(path: &Path) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

fn thumbnails_zip(out: &Path) -> PathBuf {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let asset = manifest["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["function"] == "thumbnails")
        .unwrap();
    out.join(asset["file"].as_str().unwrap())
}

#[cfg(unix)]
#[test]
fn dependencies_are_installed_once_for_the_functions_platform_then_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let log = dir.path().join("pip.log");
    let pip = script(dir.path(), "pip", FAKE_PIP);
    let failing = script(dir.path(), "failing-pip", FAILING_PIP);
    let config = project(
        dir.path(),
        "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  functions:\n    architecture: x86_64\n",
    );
    let synth = |pip: &Path, out: &Path, suffix: &str| {
        let (text, output) = run_and_format(
            command()
                .env("BLUEPRINT_CACHE_DIR", &cache)
                .env("BLUEPRINT_PIP", pip)
                .env("FAKE_PIP_LOG", &log)
                .args(["synth", "--config"])
                .arg(&config)
                .arg("--out")
                .arg(out),
        );
        assert!(output.status.success(), "{text}");
        redacted_snapshot!(text, suffix);
    };
    // The first run says why it takes a while; a cached run says nothing.
    let first = dir.path().join("first");
    synth(&pip, &first, "first");
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(args.lines().count(), 1, "{args}");
    for expected in [
        "install",
        "--only-binary=:all:",
        "--platform manylinux2014_x86_64",
        "--python-version 3.13",
        "--implementation cp",
        "--no-compile",
        "--target",
    ] {
        assert!(args.contains(expected), "{expected}: {args}");
    }
    let names = zip_names(&thumbnails_zip(&first));
    assert!(names.contains(&"handler.py".to_string()), "{names:?}");
    assert!(names.contains(&"requirements.txt".to_string()));
    assert!(names.contains(&"fakeimg/__init__.py".to_string()));
    assert!(names.contains(&"fakeimg-1.0.dist-info/METADATA".to_string()));
    for dropped in ["RECORD", "INSTALLER", "__pycache__", "bin/", ".pyc"] {
        assert!(
            !names.iter().any(|n| n.contains(dropped)),
            "{dropped}: {names:?}"
        );
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let entries = std::fs::read_dir(cache.join("deps")).unwrap().count();
    assert_eq!(entries, 1);

    // Cached: pip is not run again (a failing pip would fail the synth), and
    // the package is byte for byte the same.
    let second = dir.path().join("second");
    synth(&failing, &second, "cached");
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    assert_eq!(
        std::fs::read(thumbnails_zip(&first)).unwrap(),
        std::fs::read(thumbnails_zip(&second)).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn an_unavailable_wheel_names_the_function_and_the_requirement() {
    let dir = tempfile::tempdir().unwrap();
    let failing = script(dir.path(), "failing-pip", FAILING_PIP);
    let out = cli_snapshot!(command()
        .env("BLUEPRINT_CACHE_DIR", dir.path().join("cache"))
        .env("BLUEPRINT_PIP", &failing)
        .env("FAKE_PIP_LOG", dir.path().join("pip.log"))
        .args(["synth", "blog", "--stdout"]));
    assert_eq!(out.status.code(), Some(1));
    // Nothing half-installed stays in the cache.
    let left = std::fs::read_dir(dir.path().join("cache/deps"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0);
}

#[test]
fn a_missing_pip_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli_snapshot!(command()
        .env("BLUEPRINT_CACHE_DIR", dir.path().join("cache"))
        .env("BLUEPRINT_PIP", dir.path().join("no-such-pip"))
        .args(["synth", "blog", "--stdout"]));
    assert_eq!(out.status.code(), Some(1));
}
