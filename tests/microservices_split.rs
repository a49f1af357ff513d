//! MICRO-5: a microservices project with hundreds of services is split into
//! nested stacks that each stay under CloudFormation's limits, the same way
//! every time, and adding a service never moves an existing one. With the
//! placement of the previous synth (the placement file), removing and
//! reordering services moves none either.

use std::collections::{BTreeMap, BTreeSet};

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::cfn::resources::cloudformation::Stack;
use blueprint::cfn::Intrinsic;
use blueprint::check::{MAX_BODY_S3, MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES};
use blueprint::config::Source;
use blueprint::placement::{Home, Placement};
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, synthesize_placed, Synthesized};

/// A project with `n` services of mixed shapes (as scripts/gen-microservices
/// writes it): a table and three routes each, a queue fed by a topic every
/// 3rd, S3 triggers every 10th.
fn project(n: usize) -> String {
    let all: Vec<usize> = (1..=n).collect();
    project_of(&all, &BTreeMap::new())
}

/// The services numbered `order`, in that order; service `i` has the shape
/// of service `i` in [`project`] wherever it is listed, plus `extra[i]`
/// more routes.
fn project_of(order: &[usize], extra: &BTreeMap<usize, usize>) -> String {
    let mut s = String::from(
        // Access logs off: the stack's log bucket would take two of the
        // root's resources and shift every boundary counted here.
        "blueprint: microservices\nstack_name: services\nregion: us-east-1\noptions:\n  security:\n    access_logs:\n      enabled: false\n  services:\n",
    );
    for &i in order {
        s.push_str(&format!(
            "    - name: svc{i:04}\n      code: orders\n      table: true\n      routes:\n        - {{method: GET, path: \"/\"}}\n        - {{method: POST, path: \"/\"}}\n        - {{method: GET, path: \"/{{id}}\"}}\n"
        ));
        for r in 0..extra.get(&i).copied().unwrap_or(0) {
            s.push_str(&format!("        - {{method: GET, path: \"/extra{r}\"}}\n"));
        }
        if i % 3 == 0 {
            s.push_str("      inputs:\n        queue: {}\n        topic: {}\n");
        } else if i % 10 == 0 {
            s.push_str("      inputs:\n        bucket: {prefix: incoming/}\n");
        }
    }
    s
}

fn synth(n: usize, format: Format) -> Synthesized {
    let bp = find("microservices").unwrap();
    let source = Source {
        name: format!("services-{n}.yaml"),
        text: project(n),
    };
    let code = CodeSource::BuiltIn {
        blueprint: "microservices".into(),
    };
    synthesize(bp, &source, &code, &Overrides::default(), format).unwrap()
}

/// The project of `text`, synthesized from the placement `previous`.
fn synth_placed(
    text: String,
    previous: &Placement,
) -> Result<Synthesized, blueprint::error::Error> {
    let bp = find("microservices").unwrap();
    let source = Source {
        name: "services.yaml".to_string(),
        text,
    };
    let code = CodeSource::BuiltIn {
        blueprint: "microservices".into(),
    };
    synthesize_placed(
        bp,
        &source,
        &code,
        &Overrides::default(),
        Format::Json,
        previous,
    )
}

/// Every resource as (the path of the stack holding it, logical ID, type).
fn placement(s: &Synthesized) -> BTreeSet<(String, String, String)> {
    fn walk(
        path: &str,
        t: &blueprint::cfn::Template,
        out: &mut BTreeSet<(String, String, String)>,
    ) {
        for r in t.resources() {
            out.insert((path.to_string(), r.id().to_string(), r.kind().to_string()));
            if let Some(child) = t.nested_template(r.id().as_str()) {
                walk(&format!("{path}/{}", r.id()), child, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for st in &s.expansion.stacks {
        walk(&st.stack_name, &st.template, &mut out);
    }
    out
}

fn assert_within_limits(s: &Synthesized) {
    fn walk(path: &str, t: &blueprint::cfn::Template) {
        assert!(
            t.resources().len() <= MAX_RESOURCES,
            "{path}: {} resources",
            t.resources().len()
        );
        assert!(t.parameters.len() <= MAX_PARAMETERS, "{path}");
        assert!(t.outputs.len() <= MAX_OUTPUTS, "{path}");
        for (id, child) in t.nested() {
            walk(&format!("{path}/{id}"), child);
        }
    }
    for st in &s.expansion.stacks {
        walk(&st.stack_name, &st.template);
    }
    for t in &s.templates {
        assert!(t.body.len() <= MAX_BODY_S3, "{}", t.stack_name);
    }
    for n in &s.nested {
        assert!(n.body.len() <= MAX_BODY_S3, "{}", n.path);
    }
}

#[test]
fn ten_services_need_no_split() {
    let s = synth(10, Format::Yaml);
    assert!(s.splits.is_empty());
    assert_eq!(s.nested.len(), 10);
    assert_within_limits(&s);
    // One package for ten services with the same code.
    assert_eq!(s.expansion.packages.len(), 1);
}

#[test]
fn a_thousand_services_split_into_overflow_stacks_within_every_limit() {
    let s = synth(1000, Format::Json);
    assert_within_limits(&s);
    assert_eq!(s.splits.len(), 1);
    let split = &s.splits[0];
    assert_eq!(split.path, "services");
    let units: usize = split.kept_units + split.overflow.iter().map(|o| o.1).sum::<usize>();
    assert_eq!(units, 1000);
    assert!(split.overflow.len() >= 2, "{split:?}");
    // Every service is a nested stack, under the root or an overflow stack.
    let services = s
        .nested
        .iter()
        .filter(|n| n.path.ends_with("Service"))
        .count();
    assert_eq!(services, 1000);
    let root = &s.expansion.stacks[0].template;
    for (id, _, _) in &split.overflow {
        let r = root.resource(id).unwrap();
        assert_eq!(r.kind(), "AWS::CloudFormation::Stack");
        assert!(r.requirements().contains(&"MICRO-5"));
        let stack = r.get::<Stack>().unwrap();
        let Some(Intrinsic::Sub(url)) = stack.template_url.function() else {
            panic!("{id}: TemplateURL is no Fn::Sub: {:?}", stack.template_url);
        };
        assert!(url.starts_with("https://${AssetsBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/"));
        assert!(url.ends_with(".template.json"), "{url}");
    }
    // The deployment waits for the overflow stacks (their methods).
    let deployment = root
        .resources()
        .find(|r| r.kind() == "AWS::ApiGateway::Deployment")
        .unwrap();
    for (id, _, _) in &split.overflow {
        assert!(deployment.depends_on.iter().any(|d| d.as_str() == id));
    }
}

#[test]
fn the_split_is_deterministic() {
    let a = synth(600, Format::Yaml);
    let b = synth(600, Format::Yaml);
    assert_eq!(a.splits, b.splits);
    assert_eq!(a.templates[0].body, b.templates[0].body);
    let keys = |s: &Synthesized| s.nested.iter().map(|n| n.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
}

/// Adding a service leaves every existing resource in the same stack with
/// the same logical ID: below the split, where the split starts, and past it.
/// The API deployment is the one exception by design: a new route set is a
/// new deployment (a new logical ID), which the stage then points at.
#[test]
fn adding_a_service_moves_no_existing_resource() {
    for n in [10, 424, 999] {
        let (a, b) = (synth(n, Format::Yaml), synth(n + 1, Format::Yaml));
        // Every existing service's template is byte for byte the same.
        for old in a.nested.iter().filter(|x| x.path.ends_with("Service")) {
            let new = b.nested.iter().find(|x| x.path == old.path);
            assert_eq!(new.map(|x| &x.key), Some(&old.key), "n = {n}: {}", old.path);
        }
        let before = placement(&a);
        let after = placement(&b);
        let moved: Vec<_> = before
            .difference(&after)
            .filter(|(_, _, kind)| kind != "AWS::ApiGateway::Deployment")
            .collect();
        assert!(moved.is_empty(), "n = {n}: {moved:?}");
        let added = after.difference(&before).count();
        assert!(added >= 10, "n = {n}: service {} added {added}", n + 1);
    }
}

#[test]
fn the_first_overflow_starts_where_the_root_is_full() {
    let full = synth(424, Format::Yaml);
    assert!(full.splits.is_empty(), "{:?}", full.splits);
    let over = synth(425, Format::Yaml);
    assert_eq!(over.splits.len(), 1);
    assert_eq!(over.splits[0].kept_units, 424);
    assert_eq!(over.splits[0].overflow, [("Overflow1".to_string(), 1, 1)]);
    assert!(over
        .nested
        .iter()
        .any(|n| n.path == "services/Overflow1/Svc0425Service"));
}

/// The first synth of services 1 to 1,000, without a placement (shared by
/// the tests: each takes a few seconds in a debug build).
fn first_thousand() -> &'static Synthesized {
    static FIRST: std::sync::OnceLock<Synthesized> = std::sync::OnceLock::new();
    FIRST.get_or_init(|| {
        let all: Vec<usize> = (1..=1000).collect();
        synth_placed(project_of(&all, &BTreeMap::new()), &Placement::default()).unwrap()
    })
}

/// The services' homes in the `services` template.
fn homes(s: &Synthesized) -> &BTreeMap<String, Home> {
    &s.placement.templates["services"]
}

/// The logical IDs of the resources of `units` in the `services` template.
fn ids_of<'a>(s: &'a Synthesized, units: &BTreeSet<String>) -> BTreeSet<&'a str> {
    s.unit_resources["services"]
        .iter()
        .filter(|(u, _)| units.contains(*u))
        .flat_map(|(_, ids)| ids.iter().map(String::as_str))
        .collect()
}

/// Whether a resource of the placement walker is one of `ids` or inside one
/// of their nested stacks.
fn among(ids: &BTreeSet<&str>, (path, id, _): &(String, String, String)) -> bool {
    ids.contains(id.as_str()) || path.split('/').any(|p| ids.contains(p))
}

/// `after` (synthesized from `before`'s placement) keeps every service of
/// `before` that is still there in its stack, and every resource of those
/// services and of the shared rest with its logical ID in its stack (the API
/// deployment aside: a new route set is a new deployment by design).
fn assert_nothing_moved(what: &str, before: &Synthesized, after: &Synthesized) {
    assert_within_limits(after);
    let (old, new) = (homes(before), homes(after));
    let gone: BTreeSet<String> = old
        .keys()
        .filter(|u| !new.contains_key(*u))
        .cloned()
        .collect();
    for (unit, home) in new {
        if let Some(was) = old.get(unit) {
            assert_eq!(home, was, "{what}: {unit} moved");
        }
    }
    let old_ids = &before.unit_resources["services"];
    for (unit, ids) in &after.unit_resources["services"] {
        if let Some(was) = old_ids.get(unit) {
            assert_eq!(ids, was, "{what}: {unit} changed its logical IDs");
        }
    }
    let gone_ids = ids_of(before, &gone);
    let after_set = placement(after);
    // An overflow stack whose services are all gone goes too.
    let stacks = |s: &Synthesized| -> BTreeSet<String> {
        s.splits
            .iter()
            .flat_map(|x| x.overflow.iter().map(|o| o.0.clone()))
            .collect()
    };
    let emptied: BTreeSet<String> = stacks(before).difference(&stacks(after)).cloned().collect();
    let moved: Vec<_> = placement(before)
        .into_iter()
        .filter(|r| r.2 != "AWS::ApiGateway::Deployment" && !among(&gone_ids, r))
        .filter(|r| !emptied.contains(&r.1))
        .filter(|r| !after_set.contains(r))
        .take(5)
        .collect();
    assert!(moved.is_empty(), "{what}: {moved:?}");
}

/// A fixed permutation of `items` (xorshift; no dependency needed).
fn shuffled(mut items: Vec<usize>, mut seed: u64) -> Vec<usize> {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    items
}

fn without(order: &[usize], gone: &[usize]) -> Vec<usize> {
    order
        .iter()
        .copied()
        .filter(|i| !gone.contains(i))
        .collect()
}

/// From the placement of a first synth of 1,000 services: adding, removing
/// (in the middle, the first) and reordering (reversed, shuffled) services,
/// alone and together, moves no service and no resource.
#[test]
fn with_the_placement_adding_removing_and_reordering_move_nothing() {
    let all: Vec<usize> = (1..=1000).collect();
    let none = BTreeMap::new();
    let first = first_thousand();
    assert_eq!(homes(first)["svc0425"], Home::Overflow(1));
    let reversed: Vec<usize> = all.iter().rev().copied().collect();
    let mut grown = all.clone();
    grown.extend([1001, 1002]);
    let cases: Vec<(&str, Vec<usize>)> = vec![
        ("add svc1001 at the end", (1..=1001).collect()),
        ("remove svc0010", without(&all, &[10])),
        ("remove svc0001", without(&all, &[1])),
        ("reverse", reversed.clone()),
        ("shuffle", shuffled(all.clone(), 0x5eed)),
        ("remove svc0010, reverse, add two", {
            let mut v = without(&reversed, &[10]);
            v.insert(0, 1001);
            v.push(1002);
            v
        }),
        (
            "shuffle, remove svc0001 and svc0425, add two",
            shuffled(without(&grown, &[1, 425]), 7),
        ),
    ];
    for (what, order) in &cases {
        let after = synth_placed(project_of(order, &none), &first.placement).unwrap();
        assert_nothing_moved(what, first, &after);
        assert_eq!(homes(&after).len(), order.len(), "{what}");
    }
    // Removing svc0010 without the placement moves svc0425 into the root
    // (the problem the placement file solves); with it, it stays.
    let plain = synth_placed(
        project_of(&without(&all, &[10]), &none),
        &Placement::default(),
    )
    .unwrap();
    assert_eq!(homes(&plain)["svc0425"], Home::Root);
}

/// Changes one after another, each synthesized from the placement the one
/// before wrote: nothing moves at any step, and room freed by a removed
/// service is taken by the next new one.
#[test]
fn placements_carry_over_a_sequence_of_changes() {
    let none = BTreeMap::new();
    let mut order: Vec<usize> = (1..=1000).collect();
    let mut last = first_thousand().clone();
    type Step = (&'static str, fn(&mut Vec<usize>));
    let steps: [Step; 4] = [
        ("remove svc0010", |o| o.retain(|i| *i != 10)),
        ("reverse", |o| o.reverse()),
        ("add svc1001", |o| o.push(1001)),
        ("shuffle", |o| *o = shuffled(std::mem::take(o), 42)),
    ];
    for (what, step) in steps {
        step(&mut order);
        let next = synth_placed(project_of(&order, &none), &last.placement).unwrap();
        assert_nothing_moved(what, &last, &next);
        last = next;
    }
    // svc1001 took the root's room svc0010 left.
    assert_eq!(homes(&last)["svc1001"], Home::Root);
}

/// A synth from its own placement is the synth without one, byte for byte;
/// and `synthesize` is the synth from an empty placement.
#[test]
fn the_placement_of_a_synth_reproduces_it() {
    let all: Vec<usize> = (1..=1000).collect();
    let none = BTreeMap::new();
    let first = first_thousand();
    let again = synth_placed(project_of(&all, &none), &first.placement).unwrap();
    assert_eq!(first.templates[0].body, again.templates[0].body);
    let keys = |s: &Synthesized| s.nested.iter().map(|n| n.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(first), keys(&again));
    assert_eq!(first.placement, again.placement);
    let plain = synth(1000, Format::Json);
    assert_eq!(plain.templates[0].body, first.templates[0].body);
    // Every service is placed, root units included, with its logical IDs.
    assert_eq!(homes(first).len(), 1000);
    let ids = &first.unit_resources["services"]["svc0425"];
    assert!(ids.contains(&"Svc0425Service".to_string()), "{ids:?}");
    assert!(placement(first)
        .iter()
        .any(|(p, id, _)| p == "services/Overflow1" && id == "Svc0425Service"));
}

/// Removing every service of an overflow stack takes the stack with it;
/// new services then fill the root, the stacks with room in number order,
/// and then reuse the smallest free number.
#[test]
fn an_emptied_overflow_stack_goes_and_its_number_is_reused() {
    let none = BTreeMap::new();
    let all: Vec<usize> = (1..=1000).collect();
    let first = first_thousand();
    let in_first: Vec<usize> = all
        .iter()
        .copied()
        .filter(|i| homes(first)[&format!("svc{i:04}")] == Home::Overflow(1))
        .collect();
    assert_eq!(in_first.len(), 450);
    let rest = without(&all, &in_first);
    let gone = synth_placed(project_of(&rest, &none), &first.placement).unwrap();
    let stacks = |s: &Synthesized| -> Vec<String> {
        s.splits[0].overflow.iter().map(|o| o.0.clone()).collect()
    };
    assert_eq!(stacks(&gone), ["Overflow2"]);
    assert_nothing_moved("empty Overflow1", first, &gone);
    let mut order = rest.clone();
    order.extend(1001..=1460);
    let back = synth_placed(project_of(&order, &none), &gone.placement).unwrap();
    assert_nothing_moved("add 460", &gone, &back);
    assert_eq!(stacks(&back), ["Overflow1", "Overflow2"]);
    let new_homes: BTreeSet<Home> = (1001..=1460)
        .map(|i| homes(&back)[&format!("svc{i:04}")])
        .collect();
    assert_eq!(
        new_homes,
        BTreeSet::from([Home::Overflow(1), Home::Overflow(2)])
    );
}

/// A pinned service that no longer fits its stack (here Overflow1, full,
/// gets svc0003 too, one of the largest services) is an error naming the unit, the stack and what to do;
/// nothing moves by itself.
#[test]
fn a_pinned_unit_that_no_longer_fits_its_stack_is_an_error() {
    let all: Vec<usize> = (1..=1000).collect();
    let none = BTreeMap::new();
    let first = first_thousand();
    let mut pinned = first.placement.clone();
    let units = pinned.templates.get_mut("services").unwrap();
    units.insert("svc0003".into(), Home::Overflow(1));
    let err = match synth_placed(project_of(&all, &none), &pinned) {
        Ok(_) => panic!("an overfull stack placed its units"),
        Err(e) => e.to_string(),
    };
    for want in [
        "services: unit `svc0003` (1 resource, about ",
        "bytes: the largest there) no longer fits in its overflow stack `Overflow1`, where services.placement.json keeps it: the units kept there would hold 451 resources, over its budget of 450",
        "replaces its resources, data included",
        "remove the line `\"svc0003\": \"Overflow1\"` under `\"services\"` from services.placement.json",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
}
