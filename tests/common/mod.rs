//! Helpers shared by the tests that drive plan / apply / destroy over the
//! in-memory CloudFormation (`deploy_fake.rs`, `deploy_nested.rs`).

#![allow(dead_code)]

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::commands::plan::DeployArgs;
use blueprint::commands::project::ProjectArgs;
use blueprint::config::Source;
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::regions::Regions;
use blueprint::deploy::sdk::AwsOptions;
use blueprint::deploy::types::StackStatus;
use blueprint::output::Captured;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};

/// The toolkit stack, with its assets bucket `assets-bucket`.
pub const TOOLKIT: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  AssetsBucket:\n    Type: AWS::S3::Bucket\nOutputs:\n  AssetsBucketName:\n    Value: assets-bucket\n";

/// Synthesizes `text` (a project file) of `blueprint` with its built-in code.
pub fn synth_project(blueprint: &str, text: String) -> Synthesized {
    let source = Source {
        name: "blueprint.yaml".into(),
        text,
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    synthesize(
        find(blueprint).unwrap(),
        &source,
        &code,
        &Overrides::default(),
        Format::Yaml,
    )
    .unwrap()
}

/// A fake cloud in us-east-1 with the toolkit stack in place.
pub fn cloud() -> Regions<FakeCloud> {
    let fake = FakeCloud::new();
    fake.set_stack(
        "blueprint-toolkit",
        StackStatus::CreateComplete,
        Some(TOOLKIT),
    );
    Regions::single("us-east-1", fake)
}

pub fn fake(r: &Regions<FakeCloud>) -> &FakeCloud {
    r.get("us-east-1").unwrap()
}

pub fn deploy_args() -> DeployArgs {
    DeployArgs {
        project: ProjectArgs::default(),
        aws: AwsOptions::default(),
        toolkit_stack: "blueprint-toolkit".into(),
        wait: false,
        allow_placeholders: false,
    }
}

pub fn text(c: &Captured) -> String {
    String::from_utf8(c.borrow().clone()).unwrap()
}

pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The defaults of `blueprint` and every variant of it in `tests/variants`
/// (files named `BLUEPRINT-*.yaml`), sorted: `(name, project file)`.
pub fn defaults_and_variants(blueprint: &str) -> Vec<(String, String)> {
    let defaults = find(blueprint).unwrap().defaults().unwrap().text;
    let mut variants: Vec<std::path::PathBuf> = std::fs::read_dir("tests/variants")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with(&format!("{blueprint}-")) && name.ends_with(".yaml")
        })
        .collect();
    variants.sort();
    let mut out = vec![("defaults".to_string(), defaults)];
    for p in variants {
        out.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    out
}

/// Synthesizes `text` (a project file) of `blueprint` with its built-in
/// code, panicking with `name` on an error.
pub fn synth_named(blueprint: &str, name: &str, text: &str) -> Synthesized {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: text.to_string(),
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    synthesize(
        find(blueprint).unwrap(),
        &source,
        &code,
        &Overrides::default(),
        Format::Yaml,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}
