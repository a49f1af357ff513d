//! A blueprint of one's own (issue 16, item 6): a `Catalog` with a custom
//! blueprint beside the built-in ones resolves it by name and from a project
//! file, embeds its defaults and code (`Blueprint::FILES`), refuses its
//! options' mistakes at file:line:col, and runs through the whole command
//! line (`run_with_args`); the built-in catalog does not know it.

use blueprint::assets::CodeSource;
use blueprint::blueprints::{
    Blueprint, Catalog, Expansion, ProjectInfo, Requirement, SharedOptions, StackTemplate,
};
use blueprint::cfn::policy::Statement;
use blueprint::cfn::Template;
use blueprint::commands::project::ProjectArgs;
use blueprint::components::assets::{assets_parameter, ASSETS_BUCKET};
use blueprint::components::function::LambdaFunction;
use blueprint::components::queue::{BufferedQueue, CONSUME_ACTIONS};
use blueprint::config::security::SecurityOptions;
use blueprint::config::{Architecture, Ranged};
use blueprint::error::Error;
use include_dir::{include_dir, Dir};

static FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/tests/custom/blueprints");

struct Tiny;

#[derive(Debug, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
struct Options {
    max_receive_count: Ranged<1, 10>,
    security: SecurityOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_receive_count: Ranged::of(3),
            security: SecurityOptions::default(),
        }
    }
}

impl SharedOptions for Options {
    fn security(&self) -> &SecurityOptions {
        &self.security
    }
}

impl Blueprint for Tiny {
    type Options = Options;
    const NAME: &'static str = "tiny";
    const SUMMARY: &'static str = "A queue and its worker";
    const REQUIREMENTS: &'static [Requirement] = &[Requirement {
        id: "TINY-1",
        text: "A queue consumed by a function",
    }];
    const FILES: Option<&'static Dir<'static>> = Some(&FILES);

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        let mut t = Template::new(format!("tiny (stack {})", project.stack_name));
        let assets = t.parameter(ASSETS_BUCKET, assets_parameter())?;
        let package = code.package_for("worker", Architecture::Arm64)?;
        let queue = BufferedQueue {
            name: "Jobs",
            max_receive_count: o.max_receive_count.get_u32(),
            visibility_timeout_s: 180,
            retention_s: 345_600,
            requirements: &["TINY-1"],
        }
        .add_to(&mut t)?;
        LambdaFunction {
            name: "Worker",
            description: "Works",
            package: &package,
            assets_bucket: &assets,
            handler: "handler.handler",
            memory_mb: 128,
            timeout_s: 30,
            architecture: "arm64",
            environment: Default::default(),
            statements: vec![Statement::allow(
                CONSUME_ACTIONS,
                vec![queue.queue.get_att("Arn")],
            )],
            managed_policies: Vec::new(),
            log_retention_days: 30,
            vpc: None,
            requirements: &["TINY-1"],
        }
        .add_to(&mut t)?;
        Ok(Expansion {
            project: project.clone(),
            stacks: vec![StackTemplate::single(project, t)],
            packages: vec![package],
        })
    }
}

fn catalog() -> Catalog {
    Catalog::builtin().with(&Tiny).unwrap()
}

fn synth(args: &ProjectArgs) -> Result<blueprint::synthesis::Synthesized, Error> {
    crate::common::synth_resolved(args)
}

#[test]
fn the_catalog_resolves_a_custom_blueprint_with_its_embedded_defaults_and_code() {
    let args = ProjectArgs {
        blueprint: Some("tiny".into()),
        catalog: catalog(),
        ..Default::default()
    };
    let s = synth(&args).unwrap();
    let t = &s.expansion.stacks[0].template.to_json();
    assert_eq!(
        t["Resources"]["Jobs"]["Properties"]["RedrivePolicy"]["maxReceiveCount"],
        3
    );
    assert_eq!(
        t["Resources"]["WorkerFunction"]["Type"],
        "AWS::Lambda::Function"
    );
    assert_eq!(
        s.expansion.packages[0].origin,
        "<built-in>/tiny/functions/worker"
    );
    // The built-in catalog does not know it, and says which names it knows.
    let e = synth(&ProjectArgs {
        blueprint: Some("tiny".into()),
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("unknown blueprint `tiny`"), "{e}");
    assert!(e.contains("todo"), "{e}");
    // A typo of its name gets the nearest one.
    let e = synth(&ProjectArgs {
        blueprint: Some("tinny".into()),
        catalog: catalog(),
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("did you mean `tiny`?"), "{e}");
}

#[test]
fn a_project_of_a_custom_blueprint_uses_its_own_code_and_gets_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blueprint.yaml");
    std::fs::create_dir_all(dir.path().join("functions/worker")).unwrap();
    std::fs::write(
        dir.path().join("functions/worker/handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    let project = |options: &str| {
        std::fs::write(
            &file,
            format!("blueprint: tiny\nstack_name: mine\nregion: eu-west-1\noptions:\n{options}"),
        )
        .unwrap();
        synth(&ProjectArgs {
            config: Some(file.clone()),
            catalog: catalog(),
            ..Default::default()
        })
    };
    let s = project("  max_receive_count: 7\n").unwrap();
    assert_eq!(s.expansion.packages[0].origin, "functions/worker");
    assert_eq!(s.expansion.stacks[0].stack_name, "mine");
    let name = file.display().to_string();
    for (options, want) in [
        (
            "  max_receive_cont: 7\n",
            format!("{name}:5:3: options.max_receive_cont: unknown key"),
        ),
        (
            "  max_receive_count: 11\n",
            format!("{name}:5:22: options.max_receive_count: expected a whole number from 1 to 10"),
        ),
        (
            "  max_receive_count: [1]\n",
            format!("{name}:5:22: options.max_receive_count:"),
        ),
    ] {
        let e = project(options).err().unwrap().to_string();
        assert!(e.starts_with(&want), "{e}\nwanted: {want}");
    }
}

#[test]
fn the_whole_command_line_runs_with_a_custom_catalog() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("synth");
    let args = |d: &std::path::Path| {
        vec![
            "blueprint".to_string(),
            "-q".into(),
            "synth".into(),
            "tiny".into(),
            "--out".into(),
            d.display().to_string(),
        ]
    };
    assert_eq!(blueprint::run_with_args(&catalog(), args(&dir)), 0);
    let template = std::fs::read_to_string(dir.join("tiny.template.yaml")).unwrap();
    assert!(template.contains("WorkerFunction:"), "{template}");
    // The built-in catalog refuses it and writes nothing.
    let refused = out.path().join("refused");
    assert_eq!(
        blueprint::run_with_args(&Catalog::builtin(), args(&refused)),
        1
    );
    assert!(!refused.exists());
    // `list --output json` shows it after the built-in ones.
    let list = blueprint::commands::list::to_json(&catalog());
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.last(), Some(&"tiny"));
    assert_eq!(names.len(), blueprint::blueprints::ALL.len() + 1);
}
