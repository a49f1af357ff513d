//! The named blueprints: each has options, requirements, and an expansion
//! into one or more stacks of typed resources.

pub mod blog;
pub mod chat;
pub mod conference;
pub mod event_pipeline;
pub mod microservices;
pub mod todo;
pub mod update_offload;

use serde::de::DeserializeOwned;

use crate::assets::{CodeSource, BUILTIN};
use crate::config::{self, nearest, Project, Region, Source, StackName};
use crate::error::Error;
pub use crate::expansion::{Expansion, ProjectInfo, StackInput, StackTemplate};

/// One requirement a blueprint satisfies (BLUEPRINTS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub id: &'static str,
    pub text: &'static str,
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
    documented_defaults: fn(&Source) -> Result<bool, Error>,
    openapi: Option<OpenApiFn>,
}

/// Parses a project file and writes its API as an OpenAPI 3 document.
type OpenApiFn = fn(&Source, &CodeSource, &Overrides) -> Result<serde_json::Value, Error>;

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

    /// Whether the options in `source` equal the options' code defaults (the
    /// built-in blueprint.yaml must document exactly what the code does).
    pub fn documents_defaults(&self, source: &Source) -> Result<bool, Error> {
        (self.documented_defaults)(source)
    }

    /// The project's API as an OpenAPI 3 document, for blueprints that export
    /// one (`None` for the others).
    pub fn openapi(
        &self,
        source: &Source,
        code: &CodeSource,
        overrides: &Overrides,
    ) -> Result<Option<serde_json::Value>, Error> {
        self.openapi.map(|f| f(source, code, overrides)).transpose()
    }

    /// Whether the blueprint exports an OpenAPI document.
    pub fn has_openapi(&self) -> bool {
        self.openapi.is_some()
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

/// The registry entry of a blueprint module, which provides `NAME`,
/// `SUMMARY`, `REQUIREMENTS`, `Options` (Deserialize + Default + PartialEq)
/// and `expand(&ProjectInfo, &Options, &CodeSource) -> Result<Expansion, Error>`;
/// with `openapi`, also `openapi(&ProjectInfo, &Options, &CodeSource) -> Result<serde_json::Value, Error>`.
macro_rules! entry {
    ($m:ident) => {
        Blueprint {
            name: $m::NAME,
            summary: $m::SUMMARY,
            requirements: $m::REQUIREMENTS,
            expand: |s, c, o| expand_with::<$m::Options>($m::NAME, s, c, o, $m::expand),
            documented_defaults: |s| {
                let p: Project<$m::Options> = config::parse(s)?;
                Ok(p.options == $m::Options::default())
            },
            openapi: None,
        }
    };
    ($m:ident, openapi) => {
        Blueprint {
            openapi: Some(|s, c, o| openapi_with::<$m::Options>($m::NAME, s, c, o, $m::openapi)),
            ..entry!($m)
        }
    };
}

/// The cross-cutting requirements (BLUEPRINTS.md): options every blueprint
/// with Lambda functions or an API shares. `explain` lists those a project
/// uses, after the blueprint's own.
pub static CROSS_CUTTING: &[Requirement] = &[
    Requirement {
        id: "FN-LIMITS",
        text: "Lambda limits checked before anything is sent to AWS (memory, timeout, ephemeral storage, environment size, package size, reserved concurrency within the account limit)",
    },
    Requirement {
        id: "FN-TRACE",
        text: "Tracing and logs: X-Ray active tracing, a log group per function with retention, JSON or text log format",
    },
    Requirement {
        id: "FN-CONCURRENCY",
        text: "Concurrency controls: reserved concurrency, provisioned concurrency on the `live` alias",
    },
    Requirement {
        id: "FN-DEPLOY",
        text: "Gradual deployment: a version and a `live` alias per function, a CodeDeploy deployment group with the chosen configuration, traffic hooks, alarms that roll back",
    },
    Requirement {
        id: "FN-VPC",
        text: "Functions in a VPC: created (two zones, private subnets, S3 and DynamoDB gateway endpoints, optional NAT gateway) or existing subnets and security groups",
    },
    Requirement {
        id: "FN-ASYNC",
        text: "Asynchronous failures: retry attempts, maximum event age, an on-failure destination (SQS or SNS)",
    },
    Requirement {
        id: "API-OPTIONS",
        text: crate::components::api_options::API_OPTIONS_TEXT,
    },
    Requirement {
        id: "FLOW",
        text: "Orchestration: a Step Functions state machine with retries, catch, timeouts and a parallel branch",
    },
];

impl Blueprint {
    /// What a new project's README asks to set up before the first deploy
    /// (besides the placeholders of its blueprint.yaml, which it lists by
    /// key); `{region}` stands for the project's region.
    pub fn before_deploy(&self) -> &'static [&'static str] {
        match self.name {
            blog::NAME => blog::BEFORE_DEPLOY,
            update_offload::NAME => update_offload::BEFORE_DEPLOY,
            _ => &[],
        }
    }

    /// A section of a new project's README on using the stack once it is
    /// deployed (Markdown, from its own `##` heading), or `""`; `{region}`
    /// and `{stack_name}` stand for the project's.
    pub fn after_deploy(&self) -> &'static str {
        match self.name {
            update_offload::NAME => update_offload::AFTER_DEPLOY,
            _ => "",
        }
    }
}

/// Every blueprint, in the order `blueprint list` shows them.
pub static ALL: &[Blueprint] = &[
    entry!(todo),
    entry!(microservices, openapi),
    entry!(blog),
    entry!(conference),
    entry!(update_offload),
    entry!(event_pipeline),
    entry!(chat),
];

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

/// Parses a project file with options `O`, applies overrides, and writes its
/// OpenAPI document with `f`.
fn openapi_with<O: DeserializeOwned + Default>(
    name: &'static str,
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    f: fn(&ProjectInfo, &O, &CodeSource) -> Result<serde_json::Value, Error>,
) -> Result<serde_json::Value, Error> {
    let (info, options) = parse_with::<O>(name, source, overrides)?;
    // As for the expansion: a refusal naming a key points at it.
    f(&info, &options, code).map_err(|e| match e {
        Error::User(m) => config::ConfigError::about_key(&source.name, &source.text, &m)
            .map_or(Error::User(m), Error::from),
        other => other,
    })
}

/// What the options of every blueprint may share, applied after the
/// blueprint's own expansion (so every blueprint gets them).
pub trait SharedOptions {
    /// `options.lambda` (FN-*), for blueprints with Lambda functions.
    fn lambda(&self) -> Option<&crate::config::lambda::LambdaOptions> {
        None
    }

    /// `options.security` (issue 13): every blueprint has it.
    fn security(&self) -> &crate::config::security::SecurityOptions;
}

/// Parses a project file with options `O`, applies overrides, and calls `f`,
/// then applies the shared options.
fn expand_with<O: DeserializeOwned + Default + SharedOptions>(
    name: &'static str,
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    f: fn(&ProjectInfo, &O, &CodeSource) -> Result<Expansion, Error>,
) -> Result<Expansion, Error> {
    let (info, options) = parse_with::<O>(name, source, overrides)?;
    let expand = || -> Result<Expansion, Error> {
        let mut expansion = f(&info, &options, code)?;
        if let Some(lambda) = options.lambda() {
            crate::passes::lambda::apply(&mut expansion, lambda, source)?;
        }
        for stack in &mut expansion.stacks {
            crate::passes::apply(
                &mut stack.template,
                options.security(),
                stack.region.as_str(),
            )?;
        }
        Ok(expansion)
    };
    // A combination of options only the expansion can refuse names its key
    // (`options.cache: ...`): point at it.
    expand().map_err(|e| match e {
        Error::User(m) => config::ConfigError::about_key(&source.name, &source.text, &m)
            .map_or(Error::User(m), Error::from),
        other => other,
    })
}

/// Parses a project file with options `O` and applies overrides.
fn parse_with<O: DeserializeOwned + Default>(
    name: &'static str,
    source: &Source,
    overrides: &Overrides,
) -> Result<(ProjectInfo, O), Error> {
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
        termination_protection: project.termination_protection,
    };
    Ok((info, project.options))
}
