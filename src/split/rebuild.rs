//! Building the overflow stacks once every unit has its home: moving the
//! resources, passing what they read as parameters, reading them back
//! through outputs, and putting the nested stacks in the parent.

use std::collections::HashMap;

use super::rewrite::{rewrite, Replacement};
use super::{Place, Split, Target, OVERFLOW_PREFIX};
use crate::cfn::intrinsic::Intrinsic;
use crate::cfn::template::{ParameterType, Resource};
use crate::cfn::walk::{uses_conditions, Walk};
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::error::Error;
use indexmap::{IndexMap, IndexSet};

/// `Target` → an alphanumeric name: `Api` + `RootResourceId`.
fn target_name(t: &Target) -> String {
    let mut s = t.0.clone();
    if let Some(a) = &t.1 {
        s.extend(a.chars().filter(char::is_ascii_alphanumeric));
    }
    s
}

fn target_value(t: &Target) -> Value<String> {
    match &t.1 {
        None => Intrinsic::Ref(t.0.clone()).into(),
        Some(a) => Intrinsic::GetAtt(t.0.clone(), a.clone()).into(),
    }
}

fn overflow_id(t: &Template, n: usize) -> Result<LogicalId, Error> {
    let id = format!("{OVERFLOW_PREFIX}{n}");
    if t.resource(&id).is_some() || t.parameters.keys().any(|p| p.as_str() == id) {
        return Err(Error::Internal(format!(
            "`{id}` is taken; overflow stacks need that logical ID"
        )));
    }
    LogicalId::new(id).map_err(|e| Error::Internal(e.to_string()))
}

/// One overflow stack being built.
struct Child {
    id: LogicalId,
    template: Template,
    /// Parameter name → value passed by the parent.
    parameters: IndexMap<String, Value<String>>,
    depends_on: IndexSet<LogicalId>,
    units: usize,
}

/// Moves the resources of the units placed in overflow stacks (`place`, by
/// unit; `numbers`, the overflow stacks' numbers) out of `t` into nested
/// stacks, rewiring the references between them.
pub(super) fn rebuild(
    t: &mut Template,
    path: &str,
    unit_of: &HashMap<String, usize>,
    place: &[Place],
    numbers: &[usize],
) -> Result<Split, Error> {
    let children = numbers.len();
    let mut b = Rebuild {
        path,
        unit_of,
        place,
        kids: children_of(t, path, place, numbers)?,
        parent_params: t
            .parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        exports: vec![IndexMap::new(); children],
    };
    let (resources, nested) = t.take_resources();
    let nested: HashMap<LogicalId, Template> = nested.into_iter().collect();
    let mut parent_resources: Vec<Resource> = Vec::new();
    let mut moved: Vec<Vec<Resource>> = (0..children).map(|_| Vec::new()).collect();
    for (id, r) in resources {
        match b.place_of(id.as_str()) {
            Some(Place::Child(c)) => moved[c].push(r),
            _ => parent_resources.push(r),
        }
    }
    let imports = b.rewire_moved(&mut moved)?;
    b.add_parameters(imports)?;
    b.rewire_parent(t, &mut parent_resources)?;
    b.assemble(t, parent_resources, moved, nested)
}

/// The overflow stacks numbered `numbers`, empty, with their unit counts.
fn children_of(
    t: &Template,
    path: &str,
    place: &[Place],
    numbers: &[usize],
) -> Result<Vec<Child>, Error> {
    let mut kids: Vec<Child> = numbers
        .iter()
        .map(|&n| {
            // No count of overflow stacks here: adding one must not change
            // the templates of those before it.
            let description = format!(
                "Overflow stack {n} of `{path}`: the units that did not fit in it (split past CloudFormation's limits)"
            );
            let description: String = description.chars().take(1024).collect();
            Ok(Child {
                id: overflow_id(t, n)?,
                template: Template::new(description),
                parameters: IndexMap::new(),
                depends_on: IndexSet::new(),
                units: 0,
            })
        })
        .collect::<Result<_, Error>>()?;
    for p in place {
        if let Place::Child(c) = p {
            kids[*c].units += 1;
        }
    }
    Ok(kids)
}

/// What a moved resource reads from outside its stack, by parameter name:
/// the target and the overflow stack it is in (`None`: the parent).
type Imports = IndexMap<String, (Target, Option<usize>)>;

/// The split of one template under way.
struct Rebuild<'a> {
    path: &'a str,
    unit_of: &'a HashMap<String, usize>,
    place: &'a [Place],
    kids: Vec<Child>,
    parent_params: HashMap<String, Parameter>,
    /// Outputs the parent or other overflow stacks read from a child.
    exports: Vec<IndexMap<String, Value<String>>>,
}

impl Rebuild<'_> {
    /// Where the resource `id` goes (`None`: not in a unit, it stays).
    fn place_of(&self, id: &str) -> Option<Place> {
        self.unit_of.get(id).map(|u| self.place[*u])
    }

    /// The output of overflow stack `child` giving `target`, added once.
    fn export(&mut self, child: usize, target: &Target) -> String {
        let name = target_name(target);
        self.exports[child]
            .entry(name.clone())
            .or_insert_with(|| target_value(target));
        name
    }

    /// Moved resources: read the rest through parameters.
    fn rewire_moved(&mut self, moved: &mut [Vec<Resource>]) -> Result<Vec<Imports>, Error> {
        let mut imports: Vec<Imports> = vec![IndexMap::new(); moved.len()];
        for (c, list) in moved.iter_mut().enumerate() {
            for r in list.iter_mut() {
                self.rewire_one(c, r, &mut imports[c])?;
            }
        }
        Ok(imports)
    }

    /// One resource moved to overflow stack `c`: its references to what is
    /// not in `c` become parameters (in `imports`), its `DependsOn` on them
    /// a `DependsOn` of the stack.
    fn rewire_one(
        &mut self,
        c: usize,
        r: &mut Resource,
        imports: &mut Imports,
    ) -> Result<(), Error> {
        let path = self.path;
        if r.condition.is_some() || uses_conditions(&r.properties) {
            return Err(Error::Internal(format!(
                "{path}: `{}` uses a condition and cannot move to an overflow stack",
                r.id()
            )));
        }
        let mut err = None;
        let mut f = |target: &str, attr: Option<&str>| -> Option<Replacement> {
            let here = self.place_of(target);
            if here == Some(Place::Child(c)) {
                return None;
            }
            let key: Target = (target.to_string(), attr.map(str::to_string));
            let name = target_name(&key);
            match here {
                Some(Place::Child(other)) => {
                    imports.insert(name.clone(), (key, Some(other)));
                }
                _ => {
                    if let Some(p) = self.parent_params.get(target) {
                        if p.kind != ParameterType::String && err.is_none() {
                            err = Some(format!(
                                "{path}: parameter `{target}` is not a String and cannot be passed to an overflow stack"
                            ));
                        }
                    }
                    imports.insert(name.clone(), (key, None));
                }
            }
            Some(Replacement::Param(name))
        };
        rewrite(&mut r.properties, &mut f);
        rewrite(&mut r.metadata, &mut f);
        if let Some(e) = err {
            return Err(Error::Internal(e));
        }
        let deps = std::mem::take(&mut r.depends_on);
        for d in deps {
            match self.place_of(d.as_str()) {
                Some(Place::Child(x)) if x == c => r.depends_on.push(d),
                Some(Place::Child(x)) => {
                    let other = self.kids[x].id.clone();
                    self.kids[c].depends_on.insert(other);
                }
                _ => {
                    self.kids[c].depends_on.insert(d);
                }
            }
        }
        Ok(())
    }

    /// Parameters of each overflow stack, and the values the parent passes.
    fn add_parameters(&mut self, imports: Vec<Imports>) -> Result<(), Error> {
        for (c, list) in imports.into_iter().enumerate() {
            for (name, (target, from)) in list {
                let value = match from {
                    Some(other) => {
                        let out = self.export(other, &target);
                        let other_id = self.kids[other].id.clone();
                        self.kids[c].depends_on.insert(other_id.clone());
                        Intrinsic::GetAtt(other_id.to_string(), format!("Outputs.{out}")).into()
                    }
                    None => target_value(&target),
                };
                let def = match (&target.1, self.parent_params.get(&target.0)) {
                    (None, Some(p)) => p.clone(),
                    (None, None) => {
                        Parameter::string(&format!("`{}` of the parent stack", target.0))
                    }
                    (Some(a), _) => {
                        Parameter::string(&format!("`{}.{a}` of the parent stack", target.0))
                    }
                };
                self.kids[c].template.parameter(&name, def)?;
                self.kids[c].parameters.insert(name, value);
            }
        }
        Ok(())
    }

    /// The parent reads moved resources through outputs: in its resources'
    /// properties, metadata and `DependsOn`, and in its outputs.
    fn rewire_parent(
        &mut self,
        t: &mut Template,
        parent_resources: &mut [Resource],
    ) -> Result<(), Error> {
        let ids: Vec<String> = self.kids.iter().map(|k| k.id.to_string()).collect();
        for r in parent_resources {
            self.rewrite_parent(&mut r.properties, &ids);
            self.rewrite_parent(&mut r.metadata, &ids);
            let deps = std::mem::take(&mut r.depends_on);
            for d in deps {
                let d = match self.place_of(d.as_str()) {
                    Some(Place::Child(c)) => self.kids[c].id.clone(),
                    _ => d,
                };
                if !r.depends_on.contains(&d) {
                    r.depends_on.push(d);
                }
            }
        }
        for out in t.outputs.values_mut() {
            self.rewrite_parent(&mut out.value, &ids);
        }
        Ok(())
    }

    /// A reference of the parent's to a moved resource reads the output of
    /// its overflow stack (`ids`, by index).
    fn rewrite_parent(&mut self, value: &mut dyn Walk, ids: &[String]) {
        let mut f = |target: &str, attr: Option<&str>| -> Option<Replacement> {
            let Some(Place::Child(c)) = self.place_of(target) else {
                return None;
            };
            let key: Target = (target.to_string(), attr.map(str::to_string));
            let out = self.export(c, &key);
            Some(Replacement::Attr(ids[c].clone(), format!("Outputs.{out}")))
        };
        rewrite(value, &mut f);
    }

    /// Puts the resources back: the parent's into `t`, the moved ones into
    /// their overflow stacks with the outputs read from them, and the
    /// overflow stacks into `t` as nested stacks.
    fn assemble(
        mut self,
        t: &mut Template,
        parent_resources: Vec<Resource>,
        moved: Vec<Vec<Resource>>,
        mut nested: HashMap<LogicalId, Template>,
    ) -> Result<Split, Error> {
        for r in parent_resources {
            let n = nested.remove(r.id());
            t.put_resource(r, n);
        }
        let requirements = t.split_requirements.clone();
        let mut report = Vec::new();
        for (c, (mut kid, list)) in self.kids.into_iter().zip(moved).enumerate() {
            let count = list.len();
            for r in list {
                let n = nested.remove(r.id());
                kid.template.put_resource(r, n);
            }
            for (name, value) in std::mem::take(&mut self.exports[c]) {
                kid.template.output(
                    &name,
                    &format!("`{name}` for the parent stack"),
                    value,
                    None,
                )?;
            }
            let id = kid.id.to_string();
            let res = t.add_nested(&id, kid.parameters, kid.template)?;
            res.satisfies(&requirements);
            for d in &kid.depends_on {
                res.depends_on(d);
            }
            report.push((id, kid.units, count));
        }
        Ok(Split {
            path: self.path.to_string(),
            kept_units: self.place.iter().filter(|p| **p == Place::Parent).count(),
            overflow: report,
        })
    }
}
