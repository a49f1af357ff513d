//! Splitting a template that would be over CloudFormation's limits (500
//! resources, 200 parameters, 200 outputs, 1 MB of template) into nested
//! stacks, by itself, deterministically, and stably as the project changes.
//!
//! The rule:
//! - A blueprint puts the resources that may move into named *units*
//!   (`Resource::unit`), e.g. one per service; everything else is shared and
//!   never moves. A unit's resources always stay together.
//! - With no previous placement, units are taken in the order of their first
//!   resource. They fill the template itself first, up to [`PARENT_BUDGET`]
//!   (90% of the limits, as cfn-lint asks, less room for the overflow
//!   stacks); once a unit does not fit, it and every unit after it go into
//!   overflow stacks `Overflow1`, `Overflow2`, ..., each filled in order up
//!   to [`CHILD_BUDGET`] (next fit). A unit added at the end never moves an
//!   existing one.
//! - With a previous [`Placement`] (the placement file `synth` keeps next to
//!   the project file), every unit it names stays where it is, whatever its
//!   position in the list; units no longer there free their room; new units
//!   go, in list order, into the template itself if they fit, else the first
//!   overflow stack with room (by number), else a new overflow stack with
//!   the smallest free number. An overflow stack left without units goes
//!   away. So adding, removing and reordering units never moves one. A
//!   pinned unit that no longer fits its stack is an error: moving it would
//!   replace its resources, data included, so that takes the user's word
//!   (removing its entry from the placement file).
//! - References are rewired: a moved resource reads what stayed behind (or
//!   sits in another overflow stack) through a parameter of its stack, and the
//!   parent reads a moved resource through an output (`Fn::GetAtt
//!   [OverflowN, Outputs.<name>]`); a `DependsOn` across stacks becomes a
//!   `DependsOn` of the overflow stack resource.
//!
//! Limits of the rewiring: moved resources may not use conditions, and values
//! passed between stacks must be strings (CloudFormation passes nested stack
//! parameters as strings).

use std::collections::HashMap;

use indexmap::{IndexMap, IndexSet};
use serde_json::Value as Json;

use crate::cfn::intrinsic::PSEUDO_PARAMETERS;
use crate::cfn::{Resource, Template};
use crate::check::{references_in, MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES};
use crate::error::Error;
use crate::parallel::in_parallel;
use crate::placement::{Home, Placement, UnitResources, Units};

mod rebuild;
mod rewrite;

use rebuild::rebuild;

/// How much one stack may hold when units are packed into it. Bytes are
/// counted as compact JSON, which YAML and pretty JSON render to well under
/// twice the size, so a full stack stays under the 1,000,000-byte limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub resources: usize,
    pub bytes: usize,
    pub parameters: usize,
    pub outputs: usize,
}

/// Overflow stacks a split template has room for (each is one resource of it).
pub const OVERFLOW_SLOTS: usize = 20;

/// The share of each CloudFormation limit a stack is filled to: cfn-lint
/// reports a template past 90% of a limit (I3010 and its kin), and the room
/// left lets a unit grow a little without moving.
const FILL: usize = 90;

/// What a template that is split keeps of its units.
pub const PARENT_BUDGET: Budget = Budget {
    resources: MAX_RESOURCES * FILL / 100 - OVERFLOW_SLOTS,
    bytes: 400_000 - OVERFLOW_SLOTS * 2_000,
    parameters: MAX_PARAMETERS * FILL / 100,
    outputs: MAX_OUTPUTS * FILL / 100,
};

/// What each overflow stack holds at most.
pub const CHILD_BUDGET: Budget = Budget {
    resources: MAX_RESOURCES * FILL / 100,
    bytes: 400_000,
    parameters: MAX_PARAMETERS * FILL / 100 - 10,
    outputs: MAX_OUTPUTS * FILL / 100 - 10,
};

/// The logical ID prefix of overflow stacks.
pub const OVERFLOW_PREFIX: &str = "Overflow";

/// One template that was split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The template's path: the stack name, then nested stack logical IDs.
    pub path: String,
    /// Units that stayed in the template.
    pub kept_units: usize,
    /// The overflow stacks: logical ID, units, resources.
    pub overflow: Vec<(String, usize, usize)>,
}

/// What splitting the templates of a stack did, and where every unit is.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The templates that were split.
    pub splits: Vec<Split>,
    /// Where each unit of each template with units lives (units in the
    /// template itself included).
    pub placement: Placement,
    /// The logical IDs of each unit's resources, in the template holding it.
    pub unit_resources: UnitResources,
}

/// Splits `template` and, first, each of its nested templates, wherever they
/// are over budget, with no previous placement (next fit). `path` names the
/// template in messages. Returns what was split (nothing, for a template
/// within its limits).
pub fn split(template: &mut Template, path: &str) -> Result<Vec<Split>, Error> {
    let mut out = Outcome::default();
    split_placed(template, path, &Placement::default(), "", &mut out)?;
    Ok(out.splits)
}

/// Splits `template` and, first, each of its nested templates, keeping the
/// units `previous` places where they are; adds to `out` what was split and
/// where every unit now lives. `file` names the placement file in messages.
/// A nested template is named by its path before its parent is split.
pub fn split_placed(
    template: &mut Template,
    path: &str,
    previous: &Placement,
    file: &str,
    out: &mut Outcome,
) -> Result<(), Error> {
    for (id, child) in template.nested_mut() {
        split_placed(child, &format!("{path}/{id}"), previous, file, out)?;
    }
    split_one(template, path, previous.units(path), file, out)
}

/// A reference target and attribute, as a key.
type Target = (String, Option<String>);

#[derive(Default)]
struct Unit {
    /// The logical IDs of its resources, in template order.
    ids: Vec<String>,
    resources: usize,
    bytes: usize,
    /// What the unit reads from outside itself (future parameters).
    external: IndexSet<Target>,
    /// What outside the unit reads from it (future outputs).
    inbound: IndexSet<Target>,
}

/// What a stack holds so far. Units staying in the template itself add no
/// parameters or outputs; in an overflow stack, each distinct target read
/// from outside is one parameter and each read from outside one output.
#[derive(Clone, Default)]
struct Load {
    resources: usize,
    bytes: usize,
    parameters: IndexSet<Target>,
    outputs: IndexSet<Target>,
    /// Whether parameters and outputs count (overflow stacks).
    wired: bool,
}

impl Load {
    fn overflow() -> Self {
        Load {
            wired: true,
            ..Load::default()
        }
    }

    fn fits(&self, u: &Unit, b: &Budget) -> bool {
        let new = |have: &IndexSet<Target>, more: &IndexSet<Target>| {
            more.iter().filter(|t| !have.contains(*t)).count()
        };
        let counts = [
            self.resources + u.resources,
            self.bytes + u.bytes,
            self.parameters.len() + new(&self.parameters, &u.external),
            self.outputs.len() + new(&self.outputs, &u.inbound),
        ];
        self.over(counts, b).is_none()
    }

    /// What the stack holds over `b`, in words; `None` when within it.
    fn excess(&self, b: &Budget) -> Option<String> {
        let counts = [
            self.resources,
            self.bytes,
            self.parameters.len(),
            self.outputs.len(),
        ];
        let (what, have, budget) = self.over(counts, b)?;
        let about = if what == "bytes" { "about " } else { "" };
        Some(format!("{about}{have} {what}, over its budget of {budget}"))
    }

    /// The first of `counts` (resources, bytes, parameters, outputs) over
    /// `b`: what it counts, the count, the budget.
    fn over(&self, counts: [usize; 4], b: &Budget) -> Option<(&'static str, usize, usize)> {
        let [resources, bytes, parameters, outputs] = counts;
        if resources > b.resources {
            Some(("resources", resources, b.resources))
        } else if bytes > b.bytes {
            Some(("bytes", bytes, b.bytes))
        } else if self.wired && parameters > b.parameters {
            Some(("parameters", parameters, b.parameters))
        } else if self.wired && outputs > b.outputs {
            Some(("outputs", outputs, b.outputs))
        } else {
            None
        }
    }

    fn add(&mut self, u: &Unit) {
        self.resources += u.resources;
        self.bytes += u.bytes;
        if self.wired {
            self.parameters.extend(u.external.iter().cloned());
            self.outputs.extend(u.inbound.iter().cloned());
        }
    }
}

/// The length of `v` as compact JSON, counted as it is written: no copy of
/// a resource as a JSON value, no string (a quarter of a big split's time).
fn json_len<T: serde::Serialize + ?Sized>(v: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, v).map_or(0, |()| count.0)
}

fn as_targets(refs: Vec<crate::check::Reference>) -> impl Iterator<Item = Target> {
    refs.into_iter()
        .filter(|r| !PSEUDO_PARAMETERS.contains(&r.target.as_str()))
        .map(|r| (r.target, r.attribute))
}

/// Where a resource ended up: the template itself, or the overflow stack at
/// this index of the split's overflow numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Parent,
    Child(usize),
}

/// Templates with this many resources are measured on every core; a
/// thread costs more than measuring a small one.
const MEASURE_BESIDE: usize = 200;

/// The units of `t` (in order of their first resource), the unit index of
/// each unit resource, and the load of the shared rest.
fn measure(t: &Template) -> (IndexMap<String, Unit>, HashMap<String, usize>, Load) {
    let mut units: IndexMap<String, Unit> = IndexMap::new();
    let mut unit_of: HashMap<String, usize> = HashMap::new();
    let mut shared = Load::default();
    // Each resource is measured by serializing it: on every core (a split
    // root holds a thousand nested stack resources).
    let resources: Vec<_> = t.resources().collect();
    let size = |r: &&Resource| json_len(*r) + r.id().as_str().len() + 4;
    let sizes = if resources.len() >= MEASURE_BESIDE {
        in_parallel(&resources, size)
    } else {
        resources.iter().map(size).collect()
    };
    for (r, bytes) in resources.into_iter().zip(sizes) {
        match r.unit_name() {
            Some(u) => {
                let i = match units.get_index_of(u) {
                    Some(i) => i,
                    None => units.insert_full(u.to_string(), Unit::default()).0,
                };
                let entry = &mut units[i];
                entry.ids.push(r.id().to_string());
                entry.resources += 1;
                entry.bytes += bytes;
                unit_of.insert(r.id().to_string(), i);
            }
            None => {
                shared.resources += 1;
                shared.bytes += bytes;
            }
        }
    }
    (units, unit_of, shared)
}

/// Records what each unit reads from outside and what is read from it;
/// adds the template's other sections to the shared bytes.
fn wire(
    t: &Template,
    units: &mut IndexMap<String, Unit>,
    unit_of: &HashMap<String, usize>,
    shared: &mut Load,
) {
    let mut reads: Vec<(Option<usize>, Target)> = Vec::new();
    for r in t.resources() {
        let from = unit_of.get(r.id().as_str()).copied();
        for target in as_targets(references_in(&r.properties)) {
            reads.push((from, target));
        }
    }
    reads.extend(as_targets(references_in(&t.outputs)).map(|x| (None, x)));
    let outputs = serde_json::to_value(&t.outputs).unwrap_or(Json::Null);
    for (from, target) in reads {
        let to = unit_of.get(&target.0).copied();
        if from.is_some() && from == to {
            continue;
        }
        if let Some(u) = from {
            units[u].external.insert(target.clone());
        }
        if let Some(u) = to {
            units[u].inbound.insert(target);
        }
    }
    shared.bytes += json_len(&serde_json::to_value(&t.parameters).unwrap_or(Json::Null))
        + json_len(&outputs)
        + json_len(&serde_json::to_value(&t.conditions).unwrap_or(Json::Null))
        + json_len(&serde_json::to_value(&t.mappings).unwrap_or(Json::Null))
        + t.description.as_ref().map_or(0, String::len)
        + 200;
}

fn too_big(path: &str, name: &str, u: &Unit) -> Error {
    Error::User(format!(
        "{path}: unit `{name}` alone ({} resources, about {} bytes) is over what one nested stack may hold",
        u.resources, u.bytes
    ))
}

fn too_many(path: &str, children: usize) -> Error {
    Error::User(format!(
        "{path}: needs {children} overflow stacks; at most {OVERFLOW_SLOTS} are supported"
    ))
}

/// Next fit: the template itself, then overflow stacks in order.
fn next_fit(path: &str, units: &IndexMap<String, Unit>, shared: Load) -> Result<Vec<Home>, Error> {
    let mut homes = Vec::with_capacity(units.len());
    let mut load = shared;
    let mut overflowing = false;
    let mut child = 0usize;
    let mut child_load = Load::overflow();
    for (name, u) in units {
        if !overflowing && load.fits(u, &PARENT_BUDGET) {
            load.add(u);
            homes.push(Home::Root);
            continue;
        }
        if !overflowing {
            overflowing = true;
        } else if !child_load.fits(u, &CHILD_BUDGET) {
            child += 1;
            child_load = Load::overflow();
        }
        if !child_load.fits(u, &CHILD_BUDGET) {
            return Err(too_big(path, name, u));
        }
        child_load.add(u);
        homes.push(Home::Overflow(child + 1));
    }
    if overflowing && child + 1 > OVERFLOW_SLOTS {
        return Err(too_many(path, child + 1));
    }
    Ok(homes)
}

/// The loads of the stacks of a template while units are placed.
struct Fill {
    root: Load,
    stacks: std::collections::BTreeMap<usize, Load>,
}

impl Fill {
    /// Adds `u` to `home`, if it fits.
    fn pin(&mut self, home: Home, u: &Unit) -> bool {
        let (load, budget) = match home {
            Home::Root => (&mut self.root, &PARENT_BUDGET),
            Home::Overflow(n) => (
                self.stacks.entry(n).or_insert_with(Load::overflow),
                &CHILD_BUDGET,
            ),
        };
        let fits = load.fits(u, budget);
        if fits {
            load.add(u);
        }
        fits
    }

    /// A home for a new unit: the template itself, the first overflow stack
    /// with room, or a new one with the smallest free number.
    fn place_new(&mut self, path: &str, name: &str, u: &Unit) -> Result<Home, Error> {
        if self.root.fits(u, &PARENT_BUDGET) {
            self.root.add(u);
            return Ok(Home::Root);
        }
        for (n, load) in &mut self.stacks {
            if load.fits(u, &CHILD_BUDGET) {
                load.add(u);
                return Ok(Home::Overflow(*n));
            }
        }
        if !Load::overflow().fits(u, &CHILD_BUDGET) {
            return Err(too_big(path, name, u));
        }
        let n = (1..=OVERFLOW_SLOTS)
            .find(|n| !self.stacks.contains_key(n))
            .ok_or_else(|| too_many(path, OVERFLOW_SLOTS + 1))?;
        let mut load = Load::overflow();
        load.add(u);
        self.stacks.insert(n, load);
        Ok(Home::Overflow(n))
    }
}

/// The units the placement file pins to `home` no longer fit in it: names
/// the largest of them (the likeliest to have grown, and the one whose move
/// frees the most room) and says what to do.
fn overfull(
    at: (&str, &str),
    units: &IndexMap<String, Unit>,
    previous: &Units,
    home: Home,
    base: Load,
) -> Error {
    let budget = match home {
        Home::Root => &PARENT_BUDGET,
        Home::Overflow(_) => &CHILD_BUDGET,
    };
    let mut total = base;
    let mut largest: Option<(&str, &Unit)> = None;
    for (name, u) in units
        .iter()
        .filter(|(n, _)| previous.get(*n) == Some(&home))
    {
        total.add(u);
        if largest.is_none_or(|(_, l)| (u.resources, u.bytes) > (l.resources, l.bytes)) {
            largest = Some((name, u));
        }
    }
    let why = total
        .excess(budget)
        .unwrap_or_else(|| "more than it may".to_string());
    let none = Unit::default();
    pinned_over(at, largest.unwrap_or(("?", &none)), home, &why)
}

/// A unit the placement file pins to a stack it no longer fits in.
fn pinned_over(
    (path, file): (&str, &str),
    (name, u): (&str, &Unit),
    home: Home,
    why: &str,
) -> Error {
    let stack = match home {
        Home::Root => format!("the template `{path}` itself"),
        Home::Overflow(_) => format!("its overflow stack `{home}`"),
    };
    Error::User(format!(
        "{path}: unit `{name}` ({} resource{}, about {} bytes: the largest there) no longer fits in {stack}, where {file} keeps it: the units kept there would hold {why}.\n  \
         Moving a unit to another stack replaces its resources, data included (a service's nested stack is created anew, its table empty), so blueprint does not move it by itself.\n  \
         One of its units has to move: to let `{name}` move, remove the line `\"{name}\": \"{home}\"` under `\"{path}\"` from {file} and synth again (or the line of another unit there); or make the units in that stack smaller.",
        u.resources,
        if u.resources == 1 { "" } else { "s" },
        u.bytes,
    ))
}

/// Keeps each unit `previous` names where it is; places the others.
fn pinned_fit(
    path: &str,
    file: &str,
    units: &IndexMap<String, Unit>,
    shared: Load,
    previous: &Units,
) -> Result<Vec<Home>, Error> {
    let mut fill = Fill {
        root: shared.clone(),
        stacks: std::collections::BTreeMap::new(),
    };
    let mut homes: Vec<Option<Home>> = vec![None; units.len()];
    for ((name, u), slot) in units.iter().zip(homes.iter_mut()) {
        if let Some(&home) = previous.get(name) {
            if !fill.pin(home, u) {
                let base = match home {
                    Home::Root => shared,
                    Home::Overflow(_) => Load::overflow(),
                };
                return Err(overfull((path, file), units, previous, home, base));
            }
            *slot = Some(home);
        }
    }
    let mut out = Vec::with_capacity(units.len());
    for ((name, u), slot) in units.iter().zip(homes) {
        out.push(match slot {
            Some(home) => home,
            None => fill.place_new(path, name, u)?,
        });
    }
    Ok(out)
}

/// Records where each unit of the template at `path` lives and its resources.
fn record(path: &str, units: &IndexMap<String, Unit>, homes: &[Home], out: &mut Outcome) {
    let placed = out.placement.templates.entry(path.to_string()).or_default();
    let ids = out.unit_resources.entry(path.to_string()).or_default();
    for ((name, u), home) in units.iter().zip(homes) {
        placed.insert(name.clone(), *home);
        ids.insert(name.clone(), u.ids.clone());
    }
}

fn split_one(
    t: &mut Template,
    path: &str,
    previous: Option<&Units>,
    file: &str,
    out: &mut Outcome,
) -> Result<(), Error> {
    if t.resources().all(|r| r.unit_name().is_none()) {
        return Ok(());
    }
    let (mut units, unit_of, mut shared) = measure(t);
    if units.is_empty() {
        return Ok(());
    }
    wire(t, &mut units, &unit_of, &mut shared);
    let homes = match previous {
        None => next_fit(path, &units, shared)?,
        Some(previous) => pinned_fit(path, file, &units, shared, previous)?,
    };
    record(path, &units, &homes, out);
    // The overflow stacks in use, by number; each unit's index among them.
    let mut numbers: Vec<usize> = homes
        .iter()
        .filter_map(|h| match h {
            Home::Overflow(n) => Some(*n),
            Home::Root => None,
        })
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() {
        return Ok(());
    }
    let place: Vec<Place> = homes
        .iter()
        .map(|h| match h {
            Home::Root => Place::Parent,
            Home::Overflow(n) => Place::Child(numbers.binary_search(n).unwrap_or_default()),
        })
        .collect();
    let done = rebuild(t, path, &unit_of, &place, &numbers)?;
    out.splits.push(done);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::template::ResourceProperties;

    #[derive(serde::Serialize)]
    struct Topic {
        #[serde(rename = "TopicName")]
        name: String,
    }

    impl ResourceProperties for Topic {
        const TYPE: &'static str = crate::cfn::resources::sns::Topic::TYPE;
        const ATTRIBUTES: &'static [&'static str] = &["TopicArn"];
    }
    /// A type of the tests' own: free JSON.
    impl crate::cfn::Typed for Topic {
        fn into_properties(self) -> crate::cfn::resources::Properties {
            let mut m = serde_json::Map::new();
            m.insert("TopicName".into(), self.name.into());
            crate::cfn::resources::Properties::Raw(m)
        }
        fn of(_: &crate::cfn::resources::Properties) -> Option<&Self> {
            None
        }
        fn of_mut(_: &mut crate::cfn::resources::Properties) -> Option<&mut Self> {
            None
        }
    }

    /// A shared topic and `units` units of one topic each, but `grown`
    /// with `size` topics.
    fn template(units: usize, grown: &str, size: usize) -> Template {
        let mut t = Template::new("test");
        t.add("Shared", Topic { name: "s".into() }).unwrap();
        for i in 1..=units {
            let unit = format!("u{i:04}");
            let count = if unit == grown { size } else { 1 };
            for k in 0..count {
                let id = format!("U{i:04}Topic{k}");
                t.add(&id, Topic { name: id.clone() }).unwrap().unit(&unit);
            }
        }
        t
    }

    fn placed(t: &mut Template, previous: &Placement) -> Result<Outcome, Error> {
        let mut out = Outcome::default();
        split_placed(t, "s", previous, "s.placement.json", &mut out)?;
        Ok(out)
    }

    #[test]
    fn a_pinned_unit_that_grew_past_its_stack_is_an_error() {
        let first = placed(&mut template(600, "", 1), &Placement::default()).unwrap();
        let homes = &first.placement.templates["s"];
        assert_eq!(homes["u0429"], Home::Root);
        assert_eq!(homes["u0430"], Home::Overflow(1));
        // u0500 (in Overflow1, 171 units) grows by 300 resources.
        let err = placed(&mut template(600, "u0500", 301), &first.placement)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("s: unit `u0500` (301 resources, about 25666 bytes: the largest there) no longer fits in its overflow stack `Overflow1`, where s.placement.json keeps it: the units kept there would hold 471 resources, over its budget of 450"),
            "{err}"
        );
        assert!(
            err.contains("remove the line `\"u0500\": \"Overflow1\"` under `\"s\"`"),
            "{err}"
        );
        // Without a placement, next fit silently moves the units after it.
        assert_eq!(homes["u0580"], Home::Overflow(1));
        let plain = placed(&mut template(600, "u0500", 301), &Placement::default()).unwrap();
        assert_eq!(plain.placement.templates["s"]["u0580"], Home::Overflow(2));
    }

    #[test]
    fn new_units_fill_the_root_then_stacks_with_room_then_a_new_one() {
        let first = placed(&mut template(600, "", 1), &Placement::default()).unwrap();
        let mut previous = first.placement.clone();
        let homes = previous.templates.get_mut("s").unwrap();
        homes.remove("u0001");
        for i in 430..=600 {
            homes.insert(format!("u{i:04}"), Home::Overflow(3));
        }
        // u0001 is new again: it fits the root. 450 more units: Overflow3
        // has room for 279, then Overflow1 (the smallest free number).
        let out = placed(&mut template(1050, "", 1), &previous).unwrap();
        let homes = &out.placement.templates["s"];
        assert_eq!(homes["u0001"], Home::Root);
        assert_eq!(homes["u0601"], Home::Overflow(3));
        assert_eq!(homes["u0879"], Home::Overflow(3));
        assert_eq!(homes["u0880"], Home::Overflow(1));
        let ids: Vec<&str> = out.splits[0]
            .overflow
            .iter()
            .map(|o| o.0.as_str())
            .collect();
        assert_eq!(ids, ["Overflow1", "Overflow3"]);
        assert_eq!(out.unit_resources["s"]["u0880"], ["U0880Topic0"]);
    }
}
