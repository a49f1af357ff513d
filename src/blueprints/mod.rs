//! The named blueprints: each has options, requirements, and an expansion
//! into one or more stacks of typed resources.
//!
//! Each module implements [`Blueprint`] on a unit type (`todo::Todo`, ...);
//! [`Catalog::builtin`] holds them ([`ALL`]), and the commands resolve a
//! project through a [`Catalog`], as an [`AnyBlueprint`]. A blueprint of
//! your own implements [`Blueprint`] the same way and joins the catalog with
//! [`Catalog::with`] (README, "Writing your own blueprint").

// The built-in blueprints: in the catalog ([`ALL`]); their modules are no
// part of the API (public for the tests in tests/ only).
#[doc(hidden)]
pub mod blog;
mod catalog;
#[doc(hidden)]
pub mod chat;
#[doc(hidden)]
pub mod conference;
#[doc(hidden)]
pub mod event_pipeline;
#[doc(hidden)]
pub mod json_schema;
#[doc(hidden)]
pub mod microservices;
#[doc(hidden)]
pub mod todo;
#[doc(hidden)]
pub mod update_offload;

use std::path::PathBuf;

use include_dir::Dir;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;

use crate::assets::{CodeSource, BUILTIN};
use crate::config::resource_overrides::ResourceOverrides;
use crate::config::{self, Project, Region, Source, StackName};
use crate::error::Error;
pub use crate::expansion::{Expansion, ProjectInfo, StackInput, StackTemplate};
pub use catalog::Catalog;

/// One requirement a blueprint satisfies (BLUEPRINTS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Its id (`TODO-1`), which resources name in their metadata.
    pub id: &'static str,
    /// What it asks for, in one sentence.
    pub text: &'static str,
}

/// Values given on the command line that replace the project file's.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--stack-name`.
    pub stack_name: Option<StackName>,
    /// `--region`.
    pub region: Option<Region>,
}

/// The contract of a blueprint: a name, a summary, the requirements it
/// satisfies, the type of its `options:` and how it expands them into stacks.
///
/// A blueprint is a unit type with this trait; the catalog ([`ALL`]) holds
/// it as an [`AnyBlueprint`], which every `Blueprint` is through a blanket
/// implementation: that parses a project file into [`Self::Options`],
/// applies the command line's [`Overrides`], calls [`Blueprint::expand`], then
/// the cross-cutting passes every blueprint shares ([`SharedOptions`]).
///
/// ```
/// use blueprint::assets::CodeSource;
/// use blueprint::blueprints::{Blueprint, Expansion, ProjectInfo, Requirement, SharedOptions, StackTemplate};
/// use blueprint::cfn::Template;
/// use blueprint::config::security::SecurityOptions;
/// use blueprint::error::Error;
///
/// #[derive(Default, PartialEq, serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields, default)]
/// struct Options {
///     security: SecurityOptions,
/// }
///
/// impl SharedOptions for Options {
///     fn security(&self) -> &SecurityOptions {
///         &self.security
///     }
/// }
///
/// struct Empty;
///
/// impl Blueprint for Empty {
///     type Options = Options;
///     const NAME: &'static str = "empty";
///     const SUMMARY: &'static str = "A stack with nothing in it";
///     const REQUIREMENTS: &'static [Requirement] = &[];
///
///     fn expand(project: &ProjectInfo, _: &Options, _: &CodeSource) -> Result<Expansion, Error> {
///         let template = Template::new(format!("empty (stack {})", project.stack_name));
///         Ok(Expansion {
///             project: project.clone(),
///             stacks: vec![StackTemplate::single(project, template)],
///             packages: Vec::new(),
///         })
///     }
/// }
/// ```
pub trait Blueprint: Send + Sync + 'static {
    /// The blueprint's `options:` in blueprint.yaml. Its `Default` is what
    /// the built-in `blueprints/<name>/blueprint.yaml` documents (a test
    /// holds the two equal), and unknown keys should be refused
    /// (`#[serde(deny_unknown_fields)]`) so a typo points at its key. Its
    /// `JsonSchema` (derived, from the same serde attributes and doc
    /// comments) is what `blueprint schema` prints for `options:`.
    type Options: DeserializeOwned + Default + PartialEq + SharedOptions + JsonSchema;

    /// The name a project file's `blueprint:` and `blueprint new` use.
    const NAME: &'static str;

    /// One line for `blueprint list`.
    const SUMMARY: &'static str;

    /// The requirements (BLUEPRINTS.md) the blueprint satisfies, in the
    /// order `explain` lists them; resources name the ids they serve.
    const REQUIREMENTS: &'static [Requirement];

    /// What a new project's README asks to set up before the first deploy,
    /// besides the placeholders of its blueprint.yaml; `{region}` stands for
    /// the project's region. None by default.
    const BEFORE_DEPLOY: &'static [&'static str] = &[];

    /// A section of a new project's README on using the stack once it is
    /// deployed (Markdown, from its own `##` heading), or `""` (the default);
    /// `{region}` and `{stack_name}` stand for the project's.
    const AFTER_DEPLOY: &'static str = "";

    /// Writes the project's API as an OpenAPI 3 document, for a blueprint
    /// that exports one (`blueprint openapi`); `None` (the default) for the
    /// others.
    const OPENAPI: Option<OpenApi<Self::Options>> = None;

    /// Where the blueprint's own files are: a tree holding
    /// `<NAME>/blueprint.yaml` (the documented defaults that `synth NAME`
    /// and `new NAME` use, equal to `Options::default()`) and
    /// `<NAME>/functions/<function>/` (its handler code), embedded with
    /// `include_dir::include_dir!`. `None` (the default) for the built-in
    /// blueprints, whose files are this crate's `blueprints/` directory.
    const FILES: Option<&'static Dir<'static>> = None;

    /// Expands the options into stacks of typed resources, in deploy order,
    /// with the function packages they use. Pure: no I/O but reading the
    /// project's function code through `code`, and the same input gives the
    /// same output. A refusal of a combination of options is an
    /// [`Error::User`] naming its key (`options.cache: ...`), which the
    /// catalog turns into a file:line:col pointing at it.
    fn expand(
        project: &ProjectInfo,
        options: &Self::Options,
        code: &CodeSource,
    ) -> Result<Expansion, Error>;
}

/// Writes a project's API as an OpenAPI 3 document from its options
/// ([`Blueprint::OPENAPI`]).
pub type OpenApi<O> = fn(&ProjectInfo, &O, &CodeSource) -> Result<serde_json::Value, Error>;

/// A [`Blueprint`] as the catalog and the commands use it: from a project
/// file's text rather than typed options. Every `Blueprint` is one; the
/// catalog holds `&'static dyn AnyBlueprint`.
pub trait AnyBlueprint: Send + Sync {
    /// [`Blueprint::NAME`].
    fn name(&self) -> &'static str;

    /// [`Blueprint::SUMMARY`].
    fn summary(&self) -> &'static str;

    /// [`Blueprint::REQUIREMENTS`].
    fn requirements(&self) -> &'static [Requirement];

    /// [`Blueprint::BEFORE_DEPLOY`].
    fn before_deploy(&self) -> &'static [&'static str];

    /// [`Blueprint::AFTER_DEPLOY`].
    fn after_deploy(&self) -> &'static str;

    /// Parses `source` as this blueprint's project file, applies the
    /// overrides, expands it and applies the shared options' passes.
    fn expand(
        &self,
        source: &Source,
        code: &CodeSource,
        overrides: &Overrides,
    ) -> Result<Expansion, Error>;

    /// Whether the options in `source` equal the options' code defaults (the
    /// built-in blueprint.yaml must document exactly what the code does).
    fn documents_defaults(&self, source: &Source) -> Result<bool, Error>;

    /// The project's API as an OpenAPI 3 document, for blueprints that export
    /// one (`None` for the others).
    fn openapi(
        &self,
        source: &Source,
        code: &CodeSource,
        overrides: &Overrides,
    ) -> Result<Option<serde_json::Value>, Error>;

    /// Whether the blueprint exports an OpenAPI document.
    fn has_openapi(&self) -> bool;

    /// The JSON Schema of this blueprint's project file (`blueprint
    /// schema`), its named definitions added to `generator`.
    fn project_schema(&self, generator: &mut SchemaGenerator) -> Schema;

    /// The documented defaults, `blueprints/<name>/blueprint.yaml`, built in.
    /// [`Blueprint::FILES`], or the built-in blueprints' directory.
    fn files(&self) -> &'static Dir<'static>;

    /// Where the blueprint's function code is read from: the project's
    /// `functions/` directory first when there is one, then the code the
    /// blueprint ships ([`Blueprint::FILES`]).
    fn code_source(&self, functions_dir: Option<PathBuf>) -> CodeSource;

    /// The documented defaults, `<name>/blueprint.yaml` in
    /// [`AnyBlueprint::files`].
    fn defaults(&self) -> Result<Source, Error> {
        let path = format!("{}/{}", self.name(), config::PROJECT_FILE);
        let text = self
            .files()
            .get_file(&path)
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| Error::Internal(format!("built-in {path} is missing")))?;
        Ok(Source {
            name: format!("<built-in>/{path}"),
            text: text.to_string(),
        })
    }
}

impl<B: Blueprint> AnyBlueprint for B {
    fn name(&self) -> &'static str {
        B::NAME
    }

    fn summary(&self) -> &'static str {
        B::SUMMARY
    }

    fn requirements(&self) -> &'static [Requirement] {
        B::REQUIREMENTS
    }

    fn before_deploy(&self) -> &'static [&'static str] {
        B::BEFORE_DEPLOY
    }

    fn after_deploy(&self) -> &'static str {
        B::AFTER_DEPLOY
    }

    fn expand(
        &self,
        source: &Source,
        code: &CodeSource,
        overrides: &Overrides,
    ) -> Result<Expansion, Error> {
        expand_with::<B>(source, code, overrides)
    }

    fn documents_defaults(&self, source: &Source) -> Result<bool, Error> {
        let p: Project<B::Options> = config::parse(source)?;
        Ok(p.options == B::Options::default())
    }

    fn openapi(
        &self,
        source: &Source,
        code: &CodeSource,
        overrides: &Overrides,
    ) -> Result<Option<serde_json::Value>, Error> {
        B::OPENAPI
            .map(|f| openapi_with::<B>(source, code, overrides, f))
            .transpose()
    }

    fn has_openapi(&self) -> bool {
        B::OPENAPI.is_some()
    }

    fn project_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        json_schema::project::<B>(generator)
    }

    fn files(&self) -> &'static Dir<'static> {
        B::FILES.unwrap_or(&BUILTIN)
    }

    fn code_source(&self, functions_dir: Option<PathBuf>) -> CodeSource {
        let blueprint = B::NAME.to_string();
        match (B::FILES, functions_dir) {
            (Some(files), functions_dir) => CodeSource::Embedded {
                blueprint,
                files,
                functions_dir,
            },
            (None, None) => CodeSource::BuiltIn { blueprint },
            (None, Some(functions_dir)) => CodeSource::Project {
                blueprint,
                functions_dir,
            },
        }
    }
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

/// Every built-in blueprint, in the order `blueprint list` shows them
/// ([`Catalog::builtin`]).
pub static ALL: &[&dyn AnyBlueprint] = &[
    &todo::Todo,
    &microservices::Microservices,
    &blog::BlogBlueprint,
    &conference::Conference,
    &update_offload::UpdateOffload,
    &event_pipeline::EventPipeline,
    &chat::Chat,
];

/// The built-in blueprint called `name`, or an error that lists the valid
/// names: [`Catalog::find`] on [`Catalog::builtin`].
pub fn find(name: &str) -> Result<&'static dyn AnyBlueprint, Error> {
    Catalog::builtin().find(name)
}

/// Parses a project file with `B`'s options, applies overrides, and writes
/// its OpenAPI document with `f`.
fn openapi_with<B: Blueprint>(
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    f: OpenApi<B::Options>,
) -> Result<serde_json::Value, Error> {
    let (info, options, _) = parse_with::<B>(source, overrides)?;
    // As for the expansion: a refusal naming a key points at it.
    f(&info, &options, code).map_err(|e| at_key(source, e))
}

/// A user error naming a key of the project file (`options.cache: ...`)
/// as a file:line:col pointing at that key; other errors as they are.
fn at_key(source: &Source, e: Error) -> Error {
    match e {
        Error::User(m) => config::ConfigError::about_key(&source.name, &source.text, &m)
            .map_or(Error::User(m), Error::from),
        other => other,
    }
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

/// Parses a project file with `B`'s options, applies overrides, expands it,
/// then applies the shared options.
fn expand_with<B: Blueprint>(
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
) -> Result<Expansion, Error> {
    let (info, options, resource_overrides) = parse_with::<B>(source, overrides)?;
    let expand = || -> Result<Expansion, Error> {
        let mut expansion = B::expand(&info, &options, code)?;
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
        // The project's `overrides:` last: the user's word on a resource.
        if let Some(o) = &resource_overrides {
            crate::resource_overrides::apply(&mut expansion, o, source)?;
        }
        Ok(expansion)
    };
    // A combination of options only the expansion can refuse names its key
    // (`options.cache: ...`): point at it.
    expand().map_err(|e| at_key(source, e))
}

/// Parses a project file with `B`'s options and applies overrides; also
/// gives the project's `overrides:` of single resources.
fn parse_with<B: Blueprint>(
    source: &Source,
    overrides: &Overrides,
) -> Result<(ProjectInfo, B::Options, Option<ResourceOverrides>), Error> {
    let name = B::NAME;
    let project: Project<B::Options> = config::parse(source)?;
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
    Ok((info, project.options, project.overrides))
}
