//! What a blueprint expands into: its stacks (in deploy order), the
//! project's common keys and the function packages the stacks use. Below the
//! blueprints and the passes, so components, passes, the graph and deploy
//! handle an expansion without importing a blueprint.

use crate::assets::Package;
use crate::cfn::Template;
use crate::config::{Region, StackName, Tags};

/// One stack's template. A blueprint expands into one or more, in deploy
/// order; a stack may take parameters from outputs of stacks before it.
#[derive(Clone, Debug)]
pub struct StackTemplate {
    /// The stack's name.
    pub stack_name: String,
    /// The region the stack lives in (the project's, or e.g. `us-east-1` for
    /// CloudFront certificates).
    pub region: Region,
    /// Stacks (by name) that must be deployed before this one.
    pub depends_on: Vec<String>,
    /// Parameters of this template whose values are outputs of other stacks.
    pub inputs: Vec<StackInput>,
    /// Its template.
    pub template: Template,
}

/// A parameter filled from another stack's output at deploy time (works
/// across regions, unlike `Fn::ImportValue`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackInput {
    /// The parameter of this stack's template.
    pub parameter: String,
    /// The stack whose output supplies it.
    pub from_stack: String,
    /// That stack's output name.
    pub output: String,
}

impl StackTemplate {
    /// The usual case: the project's one stack.
    pub fn single(project: &ProjectInfo, template: Template) -> Self {
        StackTemplate {
            stack_name: project.stack_name.to_string(),
            region: project.region.clone(),
            depends_on: Vec::new(),
            inputs: Vec::new(),
            template,
        }
    }
}

/// The common keys of a project, whatever the blueprint.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectInfo {
    /// The blueprint's name.
    pub blueprint: &'static str,
    /// The stack name.
    pub stack_name: StackName,
    /// The region.
    pub region: Region,
    /// Tags for the stack.
    pub tags: Tags,
    /// Termination protection for the stacks (on by default).
    pub termination_protection: bool,
}

/// A blueprint's expansion: its stacks and the function packages they use.
#[derive(Clone, Debug)]
pub struct Expansion {
    /// The project's common keys.
    pub project: ProjectInfo,
    /// The stacks, in deploy order.
    pub stacks: Vec<StackTemplate>,
    /// The function packages the stacks use.
    pub packages: Vec<Package>,
}
