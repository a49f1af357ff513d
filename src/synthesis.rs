//! The pure part of `synth`: project file → expansion → split (templates over
//! CloudFormation's limits become nested stacks) → checks → rendered
//! templates. No I/O here beyond reading function code from a project.

pub mod additions;

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::assets::{hex, CodeSource};
use crate::blueprints::{AnyBlueprint, Expansion, Overrides};
use crate::cfn::intrinsic::sub;
use crate::cfn::resources::{cloudformation, lambda};
use crate::cfn::{LogicalId, Template};
use crate::check::{self, CheckInput, PackageSize};
use crate::components::assets::ASSETS_BUCKET;
use crate::config::Source;
use crate::error::Error;
use crate::parallel::in_parallel;
use crate::placement::{Placement, UnitResources};
use crate::render::{render_template, Format};
use crate::split::{split_placed, Outcome, Split};

/// One rendered template.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub stack_name: String,
    pub file_name: String,
    pub body: String,
    pub sha256: String,
}

/// One rendered nested stack template, uploaded as a content-addressed asset.
#[derive(Clone, Debug)]
pub struct RenderedNested {
    /// The stack name, then the logical IDs of the nested stack resources
    /// down to this one: `shop/OrdersService`.
    pub path: String,
    /// The asset's S3 key and file name: `<sha256>.template.<ext>`.
    pub key: String,
    pub body: String,
    pub sha256: String,
    pub resources: usize,
}

/// The result of synthesizing a project.
#[derive(Clone, Debug)]
pub struct Synthesized {
    pub expansion: Expansion,
    pub format: Format,
    pub templates: Vec<Rendered>,
    /// Nested stack templates, children before their parents.
    pub nested: Vec<RenderedNested>,
    /// Templates that were over CloudFormation's limits and were split.
    pub splits: Vec<Split>,
    /// Things worth saying that are not errors (e.g. the template goes via S3).
    pub notes: Vec<String>,
    /// Insecure choices the options made explicitly, from the templates
    /// (see [`Template::warnings`](crate::cfn::Template)); synth prints them.
    pub warnings: Vec<String>,
    /// Placeholder values the project would deploy (filled in by the
    /// command layer, which knows the project file): synth warns about
    /// them, plan and apply refuse them.
    pub placeholders: Vec<crate::config::placeholders::Placeholder>,
    /// Where every unit of every template with units lives, by template
    /// path (the stack name, then nested stack logical IDs): the template
    /// itself (`root`) or one of its overflow stacks. What the placement
    /// file records; templates without units are not in it.
    pub placement: Placement,
    /// For each template path, each unit → the logical IDs of its resources
    /// in the template that holds it (the template itself or the overflow
    /// stack its placement names); the same IDs wherever it lives.
    pub unit_resources: UnitResources,
    /// The environment (`--env`) the project was synthesized for, with its
    /// account guard (filled in by the command layer, as `placeholders`).
    pub environment: Option<crate::config::environments::Active>,
}

impl Synthesized {
    /// Whether `text` appears in a template (root or nested) as written: a
    /// value the project deploys, not one its options leave unused.
    pub fn deploys(&self, text: &str) -> bool {
        self.templates.iter().any(|t| t.body.contains(text))
            || self.nested.iter().any(|n| n.body.contains(text))
    }
}

/// The packages `template`'s functions use (by S3 key), for the checks.
fn packages_of(
    template: &Template,
    all: &BTreeMap<String, PackageSize>,
) -> BTreeMap<String, PackageSize> {
    template
        .resources()
        .filter_map(|r| r.get::<lambda::Function>())
        .filter_map(|f| {
            let k = f.code.lit()?.s3_key.as_ref()?.lit()?.clone();
            all.get(&k).map(|s| (k, *s))
        })
        .collect()
}

/// Renders and checks the nested templates under `template` (deepest first),
/// and points each nested stack resource at its asset. The children of one
/// template are independent, so they are rendered and checked in parallel.
fn render_nested(
    template: &mut Template,
    path: &str,
    packages: &BTreeMap<String, PackageSize>,
    out: &mut Vec<RenderedNested>,
) -> Result<(), Error> {
    if template.nested().len() == 0 {
        return Ok(());
    }
    for (id, child) in template.nested_mut() {
        render_nested(child, &format!("{path}/{id}"), packages, out)?;
    }
    let children: Vec<(&LogicalId, &Template)> = template.nested().collect();
    let render_one = |(id, child): &(&LogicalId, &Template)| -> Result<RenderedNested, Error> {
        let child_path = format!("{path}/{id}");
        // Nested templates are assets nobody edits: JSON, whatever the root's
        // format (serde_json renders a thousand of them in milliseconds).
        let body = render_template(child, Format::Json)?;
        let input = CheckInput {
            body_bytes: body.len(),
            packages: packages_of(child, packages),
            name: &child_path,
            ..Default::default()
        };
        // Notes (such as the inline-size one) do not apply: nested templates
        // are always deployed from the assets bucket.
        let report = check::check(child, &input);
        if !report.errors.is_empty() {
            return Err(Error::Check {
                stack: child_path,
                findings: report.errors,
            });
        }
        let sha256 = hex(&Sha256::digest(body.as_bytes()));
        Ok(RenderedNested {
            path: child_path,
            key: format!("{sha256}.template.json"),
            body,
            sha256,
            resources: child.resources().len(),
        })
    };
    let rendered = in_parallel(&children, render_one);
    let mut urls = Vec::with_capacity(rendered.len());
    for (r, (id, _)) in rendered.into_iter().zip(&children) {
        let r = r?;
        urls.push(((*id).clone(), r.key.clone()));
        out.push(r);
    }
    for (id, key) in urls {
        let url =
            format!("https://${{{ASSETS_BUCKET}}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{key}");
        let stack = template
            .resource_mut(id.as_str())
            .and_then(|r| r.get_mut::<cloudformation::Stack>());
        if let Some(stack) = stack {
            stack.template_url = sub(url).into();
        }
    }
    Ok(())
}

/// Expands, checks and renders `blueprint` with the project file `source`,
/// with no previous placement: units over the limits go to overflow stacks
/// by next fit over their order.
pub fn synthesize(
    blueprint: &dyn AnyBlueprint,
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    format: Format,
) -> Result<Synthesized, Error> {
    let none = Placement::default();
    synthesize_placed(blueprint, source, code, overrides, format, &none)
}

/// [`synthesize`], keeping every unit `previous` places (the project's
/// placement file) where it is; see [`crate::split`].
pub fn synthesize_placed(
    blueprint: &dyn AnyBlueprint,
    source: &Source,
    code: &CodeSource,
    overrides: &Overrides,
    format: Format,
    previous: &Placement,
) -> Result<Synthesized, Error> {
    let placement_file = Placement::file_for(Path::new(&source.name))
        .display()
        .to_string();
    let mut expansion = blueprint.expand(source, code, overrides)?;
    // The project's own CloudFormation, after the blueprint and its passes.
    additions::apply(&mut expansion, source)?;
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
    let mut nested = Vec::new();
    let mut outcome = Outcome::default();
    let mut notes = Vec::new();
    let warnings: Vec<String> = expansion
        .stacks
        .iter()
        .flat_map(|s| s.template.warnings.iter().cloned())
        .collect();
    for stack in &mut expansion.stacks {
        split_placed(
            &mut stack.template,
            &stack.stack_name,
            previous,
            &placement_file,
            &mut outcome,
        )?;
        render_nested(
            &mut stack.template,
            &stack.stack_name,
            &packages,
            &mut nested,
        )?;
        let body = render_template(&stack.template, format)?;
        let input = CheckInput {
            body_bytes: body.len(),
            packages: packages_of(&stack.template, &packages),
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
        nested,
        splits: outcome.splits,
        notes,
        warnings,
        placeholders: Vec::new(),
        placement: outcome.placement,
        unit_resources: outcome.unit_resources,
        environment: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::Properties;

    /// The resources of `t` and its nested templates whose properties are
    /// free JSON, as `path/Id`.
    fn raw(t: &Template, path: &str, out: &mut Vec<String>) {
        for r in t.resources() {
            if matches!(r.properties, Properties::Raw(_)) {
                out.push(format!("{path}{}", r.id()));
            }
        }
        for (id, child) in t.nested() {
            raw(child, &format!("{path}{id}/"), out);
        }
    }

    /// The resources a project adds by hand (`resources:`), as `raw` names
    /// them: the only free JSON there is.
    fn added(source: &Source, stack: &str) -> Vec<String> {
        additions::listed(source, stack)
            .unwrap()
            .into_iter()
            .filter(|a| a.section == "resource")
            .map(|a| {
                let nested = a.stack.strip_prefix(stack).unwrap_or("");
                let nested = nested.trim_start_matches('/');
                if nested.is_empty() {
                    a.logical_id
                } else {
                    format!("{nested}/{}", a.logical_id)
                }
            })
            .collect()
    }

    /// Issue 15, typed until render: after expansion and every pass, each
    /// resource of every documented variant still holds its typed struct
    /// (nothing built in makes free JSON), but for those whose properties
    /// the variant's `overrides:` change (what a user writes by hand).
    #[test]
    fn every_variant_stays_typed_until_render() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/variants");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty());
        let mut found = Vec::new();
        let mut with_additions = 0;
        for path in files {
            let source = Source {
                name: path.display().to_string(),
                text: std::fs::read_to_string(&path).unwrap(),
            };
            let name = crate::config::blueprint_name(&source).unwrap();
            let bp = crate::blueprints::find(&name).unwrap();
            let code = CodeSource::BuiltIn {
                blueprint: bp.name().into(),
            };
            let s = synthesize(bp, &source, &code, &Overrides::default(), Format::Json).unwrap();
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let by_hand: Vec<String> = crate::config::resource_overrides::read(&source)
                .unwrap()
                .into_iter()
                .filter(|o| {
                    o.set.iter().any(|(p, _)| p.root == "Properties")
                        || o.remove.iter().any(|p| p.root == "Properties")
                })
                .map(|o| o.resource)
                .collect();
            for stack in &s.expansion.stacks {
                let mut out = Vec::new();
                raw(&stack.template, "", &mut out);
                let theirs = added(&source, &stack.stack_name);
                if !theirs.is_empty() {
                    with_additions += 1;
                }
                out.retain(|id| !theirs.contains(id) && !by_hand.contains(id));
                found.extend(out.into_iter().map(|id| format!("{stem}: {id}")));
            }
        }
        assert!(found.is_empty(), "free-JSON properties: {found:#?}");
        // The variants with a project's own resources were looked at.
        assert!(with_additions >= 2, "{with_additions}");
    }
}
