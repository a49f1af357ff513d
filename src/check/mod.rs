//! Template checks, run on every synth before anything is written: references
//! resolve, attributes exist, no dependency cycles, CloudFormation limits,
//! Lambda limits (FN-LIMITS), and nested stacks wired to their templates.

mod cycles;
mod lambda_limits;
mod limits;
mod nested;
pub(crate) mod references;

use std::collections::BTreeMap;
use std::fmt;

use crate::cfn::Template;

pub use crate::cfn::walk::references_in;
pub use lambda_limits::{LambdaLimits, PackageSize};
pub use limits::{MAX_BODY_INLINE, MAX_BODY_S3, MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES};
pub use references::{Reference, ReferenceKind};

/// One problem found in a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The resource (or parameter/output) the problem is about, if any.
    pub subject: Option<String>,
    pub message: String,
}

impl Finding {
    pub(crate) fn about(subject: &str, message: String) -> Self {
        Finding {
            subject: Some(subject.to_string()),
            message,
        }
    }

    pub(crate) fn general(message: String) -> Self {
        Finding {
            subject: None,
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(s) => write!(f, "{s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What the checks need besides the template.
#[derive(Clone, Debug, Default)]
pub struct CheckInput<'a> {
    /// Size in bytes of the rendered template body.
    pub body_bytes: usize,
    /// Function packages by S3 key.
    pub packages: BTreeMap<String, PackageSize>,
    /// Account-level limits the Lambda checks compare against.
    pub lambda: LambdaLimits,
    /// A name for the template in messages (the stack name).
    pub name: &'a str,
}

/// The outcome of checking one template: errors stop the synth, notes are shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub errors: Vec<Finding>,
    pub notes: Vec<String>,
}

/// Runs every check over `template`.
pub fn check(template: &Template, input: &CheckInput<'_>) -> Report {
    let mut report = Report::default();
    // Each resource's references, found once for the checks that need them.
    let refs: Vec<Vec<Reference>> = template
        .resources()
        .map(|r| references_in(&r.properties))
        .collect();
    references::check_refs(template, &refs, &mut report.errors);
    cycles::check_refs(template, &refs, &mut report.errors);
    limits::check(template, input, &mut report);
    lambda_limits::check(template, input, &mut report.errors);
    nested::check(template, &mut report.errors);
    report
}
