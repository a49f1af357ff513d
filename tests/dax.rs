//! DAX for real (TODO-5, BLOG-2): a function that reads through DAX gets the
//! Python DAX client in its package (pinned, installed by pip for its
//! platform, cached, reproducible), the same function without DAX is
//! packaged exactly as its code alone, and synth warns when a project's own
//! handler never imports the client.
//!
//! The packaging tests run the real pip (PyPI, like the Pillow tests); the
//! warning tests use a stand-in pip, so they need no network.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use blueprint::assets::{zip_files, CodeSource};

use crate::common::{blueprint, command, input_header, run_and_format};

fn variant(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/variants")
        .join(name)
}

/// Synthesizes `config` (or a blueprint's defaults) into `out` with `cache`.
fn synth(target: &[&str], out: &Path, cache: &Path) {
    blueprint()
        .env("BLUEPRINT_CACHE_DIR", cache)
        .arg("-q")
        .arg("synth")
        .args(target)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// The package of `function` from a synth's manifest: its bytes and unzipped size.
fn package(out: &Path, function: &str) -> (Vec<u8>, u64) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let asset = manifest["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["function"] == function)
        .unwrap_or_else(|| panic!("no package for {function}"));
    let bytes = std::fs::read(out.join(asset["file"].as_str().unwrap())).unwrap();
    (bytes, asset["unzipped_bytes"].as_u64().unwrap())
}

/// A zip's entries and their uncompressed contents.
fn entries(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut body = Vec::new();
            f.read_to_end(&mut body).unwrap();
            (f.name().unwrap().to_string(), body)
        })
        .collect()
}

/// The package the built-in code of `blueprint`'s `function` had before
/// extras existed: its files zipped, nothing else.
fn code_only(blueprint: &str, function: &str) -> Vec<u8> {
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    zip_files(&code.files(function).unwrap().1).unwrap()
}

/// Entries the DAX client brings (module, dependencies, license files).
fn is_client(name: &str) -> bool {
    ["amazondax/", "antlr4/", "six.py"]
        .iter()
        .any(|p| name.starts_with(p))
        || name.starts_with("amazon_dax_client-2.1.0.dist-info/")
        || name.starts_with("six-1.17.0.dist-info/")
        || name.starts_with("antlr4_python3_runtime-4.13.2.dist-info/")
}

#[test]
fn dax_packages_hold_the_client_and_the_defaults_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    for (blueprint_name, dax_variant) in [
        ("todo", "todo-cache-dax.yaml"),
        ("blog", "blog-global-dax.yaml"),
    ] {
        let plain_out = dir.path().join(format!("{blueprint_name}-defaults"));
        let dax_out = dir.path().join(format!("{blueprint_name}-dax"));
        synth(&[blueprint_name], &plain_out, &cache);
        let config = variant(dax_variant);
        synth(&["--config", config.to_str().unwrap()], &dax_out, &cache);

        let (plain, _) = package(&plain_out, "api");
        let (with_dax, unzipped) = package(&dax_out, "api");
        // Without DAX: the code alone, byte for byte as it was packaged before.
        assert_eq!(plain, code_only(blueprint_name, "api"), "{blueprint_name}");
        let plain_entries = entries(&plain);
        assert!(
            !plain_entries.keys().any(|n| n.contains("amazondax")),
            "{blueprint_name}: {:?}",
            plain_entries.keys()
        );
        // With DAX: the same code files, plus the client and nothing else.
        let dax_entries = entries(&with_dax);
        for needed in [
            "amazondax/__init__.py",
            "amazondax/AmazonDaxClient.py",
            "antlr4/__init__.py",
            "six.py",
            "amazon_dax_client-2.1.0.dist-info/licenses/NOTICE.txt",
        ] {
            assert!(
                dax_entries.contains_key(needed),
                "{blueprint_name}: {needed}"
            );
        }
        let (client, code): (BTreeMap<_, _>, BTreeMap<_, _>) = dax_entries
            .into_iter()
            .partition(|(name, _)| is_client(name));
        assert_eq!(
            code, plain_entries,
            "{blueprint_name}: the code files differ"
        );
        assert!(
            !client
                .keys()
                .any(|n| n.starts_with("botocore/") || n.starts_with("boto3/")),
            "the runtime's botocore is used, not packaged"
        );
        // Generated install metadata (naming the build tool) stays out.
        assert!(
            !client.keys().any(|n| n.ends_with("/WHEEL")
                || n.ends_with("/METADATA")
                || n.ends_with("/RECORD")),
            "{:?}",
            client.keys()
        );
        assert!(
            unzipped < 2 * 1024 * 1024,
            "{blueprint_name}: {unzipped} bytes unzipped"
        );
    }
}

#[test]
fn the_dax_package_is_the_same_from_a_fresh_cache_and_a_fresh_build() {
    let dir = tempfile::tempdir().unwrap();
    let config = variant("todo-cache-dax.yaml");
    let mut zips = Vec::new();
    for (i, pip_cache) in ["", "1"].iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let mut cmd = blueprint();
        cmd.env("BLUEPRINT_CACHE_DIR", dir.path().join(format!("cache{i}")));
        if !pip_cache.is_empty() {
            // pip builds the client's source distribution again.
            cmd.env("PIP_NO_CACHE_DIR", pip_cache);
        }
        cmd.args(["-q", "synth", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        zips.push(package(&out, "api").0);
    }
    assert_eq!(zips[0], zips[1]);
}

/// A stand-in pip: records its arguments and the requirement file it was
/// given, and installs a small `amazondax` (with the metadata a build
/// leaves) and `six` when they are asked for.
const FAKE_PIP: &str = r##"#!/bin/sh
echo "ARGS $@" >> "$FAKE_PIP_LOG"
target=""; req=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--target" ]; then target="$2"; shift; fi
  if [ "$1" = "-r" ]; then req="$2"; shift; fi
  shift
done
cat "$req" >> "$FAKE_PIP_LOG"
if grep -q amazon-dax-client "$req"; then
  mkdir -p "$target/amazondax" "$target/amazon_dax_client-2.1.0.dist-info/licenses"
  echo "class AmazonDaxClient: pass" > "$target/amazondax/__init__.py"
  echo "Generator: setuptools (99.0)" > "$target/amazon_dax_client-2.1.0.dist-info/WHEEL"
  echo "Apache" > "$target/amazon_dax_client-2.1.0.dist-info/licenses/LICENSE.txt"
fi
if grep -q six== "$req"; then echo "# six" > "$target/six.py"; fi
"##;

fn fake_pip(dir: &Path) -> PathBuf {
    let path = dir.join("pip");
    std::fs::write(&path, FAKE_PIP).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// A project of `blueprint` (with `options`) whose own `functions/api`
/// holds `handler` as handler.py, when given.
fn own_project(dir: &Path, body: &str, handler: Option<&str>) -> PathBuf {
    let config = dir.join("blueprint.yaml");
    std::fs::write(&config, body).unwrap();
    if let Some(code) = handler {
        let api = dir.join("functions/api");
        std::fs::create_dir_all(&api).unwrap();
        std::fs::write(api.join("handler.py"), code).unwrap();
    }
    config
}

/// `synth --config CONFIG --out DIR/out` with the fake pip and a cache in `dir`.
fn synth_own(dir: &Path, config: &Path) -> std::process::Command {
    let mut c = command();
    c.env("BLUEPRINT_CACHE_DIR", dir.join("cache"))
        .env("BLUEPRINT_PIP", fake_pip(dir))
        .env("FAKE_PIP_LOG", dir.join("pip.log"))
        .args(["synth", "--config"])
        .arg(config)
        .arg("--out")
        .arg(dir.join("out"));
    c
}

const TODO_DAX: &str =
    "blueprint: todo\nstack_name: todo\nregion: us-east-1\noptions:\n  cache: dax\n";
const BLOG_DAX: &str =
    "blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  dax:\n    enabled: true\n";
const PLAIN_HANDLER: &str =
    "import boto3\n\n# amazondax would be nice\ndef handler(event, context):\n    return boto3.resource('dynamodb')\n";

#[cfg(unix)]
#[test]
fn own_code_that_never_imports_the_client_is_warned_about() {
    for (name, body) in [("todo", TODO_DAX), ("blog", BLOG_DAX)] {
        let dir = tempfile::tempdir().unwrap();
        let config = own_project(dir.path(), body, Some(PLAIN_HANDLER));
        // The warning, and the first synth says why it takes a while (pip
        // builds the client).
        let out = cli_snapshot!(&mut synth_own(dir.path(), &config), name);
        assert!(out.status.success());
        // The client is packaged all the same, installed as an extra: no
        // dependencies, hashes required, for the function's platform.
        let log = std::fs::read_to_string(dir.path().join("pip.log")).unwrap();
        let extras = log
            .lines()
            .position(|l| l.starts_with("ARGS") && l.contains("--no-deps"))
            .unwrap_or_else(|| panic!("{log}"));
        let args = log.lines().nth(extras).unwrap();
        for expected in [
            "--require-hashes",
            "--platform manylinux2014_aarch64",
            "--python-version 3.13",
            "--no-compile",
        ] {
            assert!(args.contains(expected), "{expected}: {args}");
        }
        assert!(!args.contains("--only-binary"), "{args}");
        assert!(
            log.contains("amazon-dax-client==2.1.0 --hash=sha256:e1afa0e112b6f29d06f52c390bab3485cd745f71a90f9d4d12f8b9af8320dcc4"),
            "{log}"
        );
        let (zip, _) = package(&dir.path().join("out"), "api");
        let names: Vec<String> = entries(&zip).into_keys().collect();
        assert_eq!(
            names,
            [
                "amazon_dax_client-2.1.0.dist-info/licenses/LICENSE.txt",
                "amazondax/__init__.py",
                "handler.py",
                "six.py"
            ]
        );
    }
}

#[cfg(unix)]
#[test]
fn no_warning_for_built_in_code_code_that_imports_the_client_or_no_dax() {
    let mut all = Vec::new();
    let mut quiet = |body: &str, handler: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        let config = own_project(dir.path(), body, handler);
        let (text, out) = run_and_format(&mut synth_own(dir.path(), &config));
        assert!(out.status.success(), "{text}");
        all.push(
            input_header(
                "functions/api/handler.py",
                handler.unwrap_or("(none: built-in code)"),
            ) + &text,
        );
        dir
    };
    // Built-in code (no functions/ folder): it reads through the client.
    quiet(TODO_DAX, None);
    quiet(BLOG_DAX, None);
    // Own code that imports it, either way.
    quiet(
        TODO_DAX,
        Some("import os\nfrom amazondax import AmazonDaxClient\n\ndef handler(e, c):\n    return AmazonDaxClient\n"),
    );
    quiet(
        BLOG_DAX,
        Some("def handler(e, c):\n    import amazondax\n    return amazondax\n"),
    );
    // Own code without DAX: nothing to read through, no warning, no pip.
    let dir = quiet(
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\n",
        Some(PLAIN_HANDLER),
    );
    assert!(!dir.path().join("pip.log").exists());
    redacted_snapshot!(all.join("\n"));
}

#[cfg(unix)]
#[test]
fn a_client_pinned_in_requirements_txt_is_left_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = own_project(
        dir.path(),
        TODO_DAX,
        Some("from amazondax import AmazonDaxClient\n"),
    );
    std::fs::write(
        dir.path().join("functions/api/requirements.txt"),
        "amazon-dax-client==2.0.6\n",
    )
    .unwrap();
    let out = synth_own(dir.path(), &config).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let log = std::fs::read_to_string(dir.path().join("pip.log")).unwrap();
    assert!(log.contains("amazon-dax-client==2.0.6"), "{log}");
    assert!(!log.contains("amazon-dax-client==2.1.0"), "{log}");
    // The rest of the client's pinned list still comes as extras.
    assert!(
        log.contains("antlr4-python3-runtime==4.13.2 --hash="),
        "{log}"
    );
}
