//! `blueprint new`: a project a person can own, computed in memory as a list
//! of files (the command writes them). The sources are the handlebars
//! templates in `templates/` and the built-in blueprint directory
//! (`blueprints/<name>/`: the documented blueprint.yaml and the handler code
//! with its tests).

use handlebars::Handlebars;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::assets::{hex, REQUIREMENTS};
use crate::blueprints::{json_schema, AnyBlueprint, Overrides};
use crate::config::{self, Region, Source, StackName};
use crate::error::Error;
use crate::graph;
use crate::render::Format;
use crate::synthesis::{synthesize, Synthesized};

/// The JSON Schema of the project's blueprint.yaml, which the file's first
/// line names for editors (`# yaml-language-server: $schema=...`, relative
/// to blueprint.yaml, so it works offline).
pub const SCHEMA_FILE: &str = ".blueprint/schema.json";

/// The file `new` writes to remember what it wrote: path → SHA-256.
pub const RECORD: &str = ".blueprint-scaffold.json";

const BLUEPRINT_YAML: &str = include_str!("../templates/blueprint.yaml.hbs");
const README: &str = include_str!("../templates/README.md.hbs");
const GITIGNORE: &str = include_str!("../templates/gitignore.hbs");

/// One file of a new project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaffoldFile {
    /// Relative to the project directory, with `/`.
    pub path: String,
    pub contents: Vec<u8>,
}

impl ScaffoldFile {
    /// The SHA-256 of the contents, in hex.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.contents))
    }
}

#[derive(Serialize)]
struct FunctionInfo {
    name: String,
    tests: bool,
    requirements: bool,
}

#[derive(Serialize)]
struct RequirementInfo {
    id: &'static str,
    text: &'static str,
}

#[derive(Serialize)]
struct Context<'a> {
    blueprint: &'a str,
    summary: &'a str,
    stack_name: &'a str,
    region: &'a str,
    before_stack_name: String,
    between: String,
    rest: String,
    functions: Vec<FunctionInfo>,
    requirements: Vec<RequirementInfo>,
    diagram: String,
    /// What to fill in or set up before the first deploy: each placeholder
    /// of blueprint.yaml by key, then the blueprint's own steps.
    before_deploy: Vec<String>,
    /// The blueprint's section on using the deployed stack (Markdown), or "".
    after_deploy: String,
    /// The stack names of the example environments `dev` and `prod`.
    dev_stack_name: String,
    prod_stack_name: String,
    /// Whether the blueprint has `options.log_retention_days` (the `prod`
    /// example sets it).
    log_retention: bool,
}

/// `name` with `-suffix`, within a stack name's 128 characters.
fn env_stack_name(name: &str, suffix: &str) -> String {
    let keep = 128 - suffix.len() - 1;
    format!("{}-{suffix}", &name[..name.len().min(keep)])
}

/// Splits the documented blueprint.yaml around its top-level `stack_name:`
/// and `region:` lines: (before stack_name, between, after region).
fn split_defaults(text: &str, name: &str) -> Result<(String, String, String), Error> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let find = |key: &str| lines.iter().position(|l| l.starts_with(key));
    let (Some(s), Some(r)) = (find("stack_name:"), find("region:")) else {
        return Err(Error::Internal(format!(
            "the built-in blueprint.yaml of `{name}` lacks a top-level stack_name or region line"
        )));
    };
    if r < s {
        return Err(Error::Internal(format!(
            "the built-in blueprint.yaml of `{name}` has region before stack_name"
        )));
    }
    let rest = lines[r + 1..].concat();
    Ok((
        lines[..s].concat(),
        lines[s + 1..r].concat(),
        // The template adds the newline after `{{{rest}}}`.
        rest.strip_suffix('\n').unwrap_or(&rest).to_string(),
    ))
}

/// The built-in files under `dir`, sorted, skipping caches and hidden files.
fn builtin_files(dir: &include_dir::Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
    for f in dir.files() {
        let path = f.path().to_string_lossy().replace('\\', "/");
        let skip = path
            .split('/')
            .any(|p| p.starts_with('.') || p == "__pycache__")
            || path.ends_with(".pyc");
        if !skip {
            out.push((path, f.contents()));
        }
    }
    for d in dir.dirs() {
        builtin_files(d, out);
    }
}

fn engine() -> Result<Handlebars<'static>, Error> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    for (name, text) in [
        ("blueprint.yaml", BLUEPRINT_YAML),
        ("README.md", README),
        ("gitignore", GITIGNORE),
    ] {
        hb.register_template_string(name, text)
            .map_err(|e| Error::Internal(format!("templates/{name}.hbs: {e}")))?;
    }
    Ok(hb)
}

/// The files of a new `blueprint` project with this stack name and region
/// (`None`: the blueprint's defaults), sorted by path. Pure: nothing is
/// read but the built-in files, nothing is written.
pub fn scaffold(
    blueprint: &dyn AnyBlueprint,
    name: Option<&StackName>,
    region: Option<&Region>,
) -> Result<Vec<ScaffoldFile>, Error> {
    let defaults = blueprint.defaults()?;
    let overrides = Overrides {
        stack_name: name.cloned(),
        region: region.cloned(),
    };
    let synth = synthesize(
        blueprint,
        &defaults,
        &blueprint.code_source(None),
        &overrides,
        Format::Yaml,
    )?;
    let project = &synth.expansion.project;
    let (before_stack_name, between, rest) = split_defaults(&defaults.text, blueprint.name())?;

    let mut code: Vec<(String, &'static [u8])> = Vec::new();
    let root = format!("{}/functions", blueprint.name());
    if let Some(dir) = blueprint.files().get_dir(&root) {
        builtin_files(dir, &mut code);
    }
    let ctx = Context {
        blueprint: blueprint.name(),
        summary: blueprint.summary(),
        stack_name: project.stack_name.as_str(),
        region: project.region.as_str(),
        before_stack_name,
        between,
        rest,
        functions: functions(blueprint.files(), &root, &code),
        requirements: blueprint
            .requirements()
            .iter()
            .map(|r| RequirementInfo {
                id: r.id,
                text: r.text,
            })
            .collect(),
        diagram: graph::to_mermaid(&graph::compute(&synth.expansion.stacks)),
        before_deploy: before_deploy(blueprint, &defaults, &synth),
        after_deploy: blueprint
            .after_deploy()
            .replace("{region}", project.region.as_str())
            .replace("{stack_name}", project.stack_name.as_str())
            .trim_end()
            .to_string(),
        dev_stack_name: env_stack_name(project.stack_name.as_str(), "dev"),
        prod_stack_name: env_stack_name(project.stack_name.as_str(), "prod"),
        log_retention: config::locate_key(&defaults.text, &["options", "log_retention_days"])
            .is_some(),
    };
    let mut files = files(&ctx, code)?;
    files.push(schema_file(blueprint)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// [`SCHEMA_FILE`]: the JSON Schema of the blueprint's project file.
fn schema_file(blueprint: &dyn AnyBlueprint) -> Result<ScaffoldFile, Error> {
    let mut text = serde_json::to_string_pretty(&json_schema::for_blueprint(blueprint))
        .map_err(|e| Error::Internal(format!("writing the schema as JSON: {e}")))?;
    text.push('\n');
    Ok(ScaffoldFile {
        path: SCHEMA_FILE.into(),
        contents: text.into_bytes(),
    })
}

/// The functions under `root` (`<blueprint>/functions`), sorted by name,
/// with whether each has tests and a requirements file among `code`.
fn functions(
    files: &'static include_dir::Dir<'static>,
    root: &str,
    code: &[(String, &'static [u8])],
) -> Vec<FunctionInfo> {
    let mut functions: Vec<FunctionInfo> = Vec::new();
    if let Some(dir) = files.get_dir(root) {
        for d in dir.dirs() {
            let fname = d
                .path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if fname.starts_with('.') || fname == "__pycache__" {
                continue;
            }
            let prefix = format!("{root}/{fname}/");
            functions.push(FunctionInfo {
                tests: code
                    .iter()
                    .any(|(p, _)| p.starts_with(&format!("{prefix}tests/"))),
                requirements: code
                    .iter()
                    .any(|(p, _)| *p == format!("{prefix}{REQUIREMENTS}")),
                name: fname,
            });
        }
    }
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    functions
}

/// What to fill in or set up before the first deploy: each placeholder of
/// blueprint.yaml the stacks deploy, by key, then the blueprint's own steps.
fn before_deploy(
    blueprint: &dyn AnyBlueprint,
    defaults: &Source,
    synth: &Synthesized,
) -> Vec<String> {
    let region = synth.expansion.project.region.as_str();
    let mut steps: Vec<String> = crate::config::placeholders::find(defaults, defaults)
        .iter()
        .filter(|p| synth.deploys(&p.value))
        .map(|p| {
            format!(
                "`{}` in `blueprint.yaml` is `{}`, a placeholder: set your own (`plan` and `apply` refuse it until you do)",
                p.key, p.value
            )
        })
        .collect();
    steps.extend(
        blueprint
            .before_deploy()
            .iter()
            .map(|step| step.replace("{region}", region)),
    );
    steps
}

/// The rendered project files and the functions' code (`code`, under the
/// blueprint's folder), sorted by path.
fn files(ctx: &Context, code: Vec<(String, &'static [u8])>) -> Result<Vec<ScaffoldFile>, Error> {
    let hb = engine()?;
    let render = |name: &str| -> Result<Vec<u8>, Error> {
        hb.render(name, ctx)
            .map(String::into_bytes)
            .map_err(|e| Error::Internal(format!("rendering templates/{name}.hbs: {e}")))
    };
    let mut files = vec![
        ScaffoldFile {
            path: ".gitignore".into(),
            contents: render("gitignore")?,
        },
        ScaffoldFile {
            path: "README.md".into(),
            contents: render("README.md")?,
        },
        ScaffoldFile {
            path: crate::config::PROJECT_FILE.into(),
            contents: render("blueprint.yaml")?,
        },
    ];
    for (path, contents) in code {
        files.push(ScaffoldFile {
            path: path
                .strip_prefix(&format!("{}/", ctx.blueprint))
                .unwrap_or(&path)
                .to_string(),
            contents: contents.to_vec(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stack_name_and_region_lines_change() {
        let text = "# head\nblueprint: x\nstack_name: x # c\n# r\nregion: us-east-1\noptions: {}\n";
        let (a, b, c) = split_defaults(text, "x").unwrap();
        assert_eq!(a, "# head\nblueprint: x\n");
        assert_eq!(b, "# r\n");
        assert_eq!(c, "options: {}");
    }
}
