//! The named blueprints: each has options, requirements, and an expansion
//! into one or more stacks of typed resources.

pub mod todo;

use serde::de::DeserializeOwned;

use crate::assets::{CodeSource, Package, BUILTIN};
use crate::cfn::Template;
use crate::config::{self, nearest, Project, Region, Source, StackName, Tags};
use crate::error::Error;

/// One requirement a blueprint satisfies (BLUEPRINTS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub id: &'static str,
    pub text: &'static str,
}

/// One stack's template.
#[derive(Clone, Debug)]
pub struct StackTemplate {
    pub stack_name: String,
    pub template: Template,
}

/// The common keys of a project, whatever the blueprint.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectInfo {
    pub blueprint: &'static str,
    pub stack_name: StackName,
    pub region: Region,
    pub tags: Tags,
}

/// A blueprint's expansion: its stacks and the function packages they use.
#[derive(Clone, Debug)]
pub struct Expansion {
    pub project: ProjectInfo,
    pub stacks: Vec<StackTemplate>,
    pub packages: Vec<Package>,
}

/// Values given on the command line that replace the project file's.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub stack_name: Option<StackName>,
    pub region: Option<Region>,
}

/// What a blueprint is: name, summary, requirements, and how to expand it.
pub struct Blueprint {
    pub name: &'static str,
    pub summary: &'static str,
    pub requirements: &'static [Requirement],
    expand: fn(&Source, &CodeSource, &Overrides) -> Result<Expansion, Error>,
}

impl Blueprint {
    /// Parses `source` as this blueprint's project file and expands it.
    pub fn expand(
        &self,
        source: &Source,
        code: &CodeSource,
        overrides: &Overrides,
    ) -> Result<Expansion, Error> {
        (self.expand)(source, code, overrides)
    }

    /// The documented defaults, `blueprints/<name>/blueprint.yaml`, built in.
    pub fn defaults(&self) -> Result<Source, Error> {
        let path = format!("{}/{}", self.name, config::PROJECT_FILE);
        let text = BUILTIN
            .get_file(&path)
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| Error::Internal(format!("built-in {path} is missing")))?;
        Ok(Source {
            name: format!("<built-in>/{path}"),
            text: text.to_string(),
        })
    }
}

/// Every blueprint, in the order `blueprint list` shows them.
pub static ALL: &[Blueprint] = &[Blueprint {
    name: todo::NAME,
    summary: todo::SUMMARY,
    requirements: todo::REQUIREMENTS,
    expand: |s, c, o| expand_with::<todo::Options>(todo::NAME, s, c, o, todo::expand),
}];

/// The blueprint called `name`, or an error that lists the valid names.
pub fn find(name: &str) -> Result<&'static Blueprint, Error> {
    if let Some(b) = ALL.iter().find(|b| b.name == name) {
        return Ok(b);
    }
    let names: Vec<&str> = ALL.iter().map(|b| b.name).collect();
    let hint = nearest(name, &names)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(Error::User(format!(
        "unknown blueprint `{name}`{hint}; the blueprints are: {}",
        names.join(", ")
    )))
}

/// Parses a project file with options `O`, applies overrides, and calls `f`.
fn expand_with<O: DeserializeOwned + Default>(
    name: &'static str,
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    f: fn(&ProjectInfo, &O, &CodeSource) -> Result<Expansion, Error>,
) -> Result<Expansion, Error> {
    let project: Project<O> = config::parse(source)?;
    if project.blueprint != name {
        return Err(Error::User(format!(
            "{}: the project is for blueprint `{}`, not `{name}`",
            source.name, project.blueprint
        )));
    }
    let info = ProjectInfo {
        blueprint: name,
        stack_name: overrides.stack_name.clone().unwrap_or(project.stack_name),
        region: overrides.region.clone().unwrap_or(project.region),
        tags: project.tags,
    };
    f(&info, &project.options, code)
}
