//! The pure part of `synth`: project file → expansion → checks → rendered
//! templates. No I/O here beyond reading function code from a project.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::assets::{hex, CodeSource};
use crate::blueprints::{Blueprint, Expansion, Overrides};
use crate::check::{self, CheckInput, PackageSize};
use crate::config::Source;
use crate::error::Error;
use crate::render::{render, Format};

/// One rendered template.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub stack_name: String,
    pub file_name: String,
    pub body: String,
    pub sha256: String,
}

/// The result of synthesizing a project.
#[derive(Clone, Debug)]
pub struct Synthesized {
    pub expansion: Expansion,
    pub format: Format,
    pub templates: Vec<Rendered>,
    /// Things worth saying that are not errors (e.g. the template goes via S3).
    pub notes: Vec<String>,
}

/// Expands, checks and renders `blueprint` with the project file `source`.
pub fn synthesize(
    blueprint: &Blueprint,
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    format: Format,
) -> Result<Synthesized, Error> {
    let expansion = blueprint.expand(source, code, overrides)?;
    let packages: BTreeMap<String, PackageSize> = expansion
        .packages
        .iter()
        .map(|p| {
            (
                p.key.clone(),
                PackageSize {
                    zipped: p.zip.len() as u64,
                    unzipped: p.unzipped_bytes,
                },
            )
        })
        .collect();
    let mut templates = Vec::new();
    let mut notes = Vec::new();
    for stack in &expansion.stacks {
        let body = render(&stack.template.to_json(), format)?;
        let input = CheckInput {
            body_bytes: body.len(),
            packages: packages.clone(),
            name: &stack.stack_name,
            ..Default::default()
        };
        let report = check::check(&stack.template, &input);
        if !report.errors.is_empty() {
            return Err(Error::Check {
                stack: stack.stack_name.clone(),
                findings: report.errors,
            });
        }
        notes.extend(report.notes);
        templates.push(Rendered {
            stack_name: stack.stack_name.clone(),
            file_name: format!("{}.template.{}", stack.stack_name, format.extension()),
            sha256: hex(&Sha256::digest(body.as_bytes())),
            body,
        });
    }
    Ok(Synthesized {
        expansion,
        format,
        templates,
        notes,
    })
}
