//! The one walker over intrinsic functions and references.
//!
//! Every reference site in a template — each `Ref`, each `Fn::GetAtt` (the
//! list form and the `"Id.Attribute"` string form) and each `${...}` variable
//! of an `Fn::Sub` — is found by the same traversal, whether the value is
//! typed ([`Value`], [`Expr`], [`Intrinsic`], the generated property structs,
//! policy documents, state machine definitions) or free JSON
//! (`serde_json::Value`). Every other intrinsic function's arguments are
//! walked in turn. [`Walk::walk`] reports sites to a [`Visitor`];
//! [`Walk::walk_mut`] offers each to a [`VisitorMut`], which may replace it.
//! Renames, alias repointing, the split into nested stacks, the checks and the
//! graph all read or rewrite references through it.
//!
//! Sites come in document order (the order rendering writes them), the
//! variables of an `Fn::Sub` map before the `${...}` of its string; a variable
//! an `Fn::Sub` defines in its own map and a `${!Literal}` escape are not
//! references.

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::intrinsic::{Expr, Intrinsic, Value};

/// How a value refers to another part of the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceKind {
    /// `Ref`.
    Ref,
    /// `Fn::GetAtt`.
    GetAtt,
    /// A `${...}` variable of an `Fn::Sub` string.
    Sub,
}

/// One reference site, borrowed from the value walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site<'a> {
    /// How the reference is made.
    pub kind: ReferenceKind,
    /// The resource, parameter or pseudo parameter named.
    pub target: &'a str,
    /// The attribute, for `Fn::GetAtt` and `${Id.Attribute}`.
    pub attribute: Option<&'a str>,
}

impl Site<'_> {
    /// The site as an owned [`Reference`].
    pub fn to_reference(&self) -> Reference {
        Reference {
            kind: self.kind,
            target: self.target.to_string(),
            attribute: self.attribute.map(str::to_string),
        }
    }
}

/// One reference, owned: what [`references_in`] collects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// How the reference is made.
    pub kind: ReferenceKind,
    /// The logical ID it refers to.
    pub target: String,
    /// The attribute, for `Fn::GetAtt` and `${X.Attr}`.
    pub attribute: Option<String>,
}

/// What a read-only walk reports.
pub trait Visitor {
    /// Each reference site, in document order.
    fn reference(&mut self, site: Site<'_>);
    /// Each intrinsic function, by its key (`Fn::If`, `Condition`, `Ref`,
    /// ...), before its arguments are walked.
    fn function(&mut self, _key: &str) {}
}

/// What a mutable walk offers each reference site to.
pub trait VisitorMut {
    /// Each reference site, in document order. `Some(f)` replaces a `Ref` or
    /// `Fn::GetAtt` with `f` whole; in an `Fn::Sub` string, a `Ref` or
    /// `Fn::GetAtt` replacement is written as `${Name}` or `${Id.Attribute}`
    /// (any other function leaves the variable as it is).
    fn reference(&mut self, site: Site<'_>) -> Option<Intrinsic>;
}

/// A value that may hold intrinsic functions: walked for reference sites.
///
/// Scalars and enums have nothing to walk (the default methods);
/// scripts/gen-resource-types emits the impls of the generated property
/// structs with `walk!`.
pub trait Walk {
    /// Reports every reference site (and intrinsic function) to `v`.
    fn walk(&self, _v: &mut dyn Visitor) {}
    /// Offers every reference site to `v`, replacing what it returns.
    fn walk_mut(&mut self, _v: &mut dyn VisitorMut) {}
}

/// `Walk` for a struct, field by field in declaration order (which is the
/// order serde writes them): `walk!(Queue { queue_name, tags });`; for a
/// type without intrinsics (an enum of literals): `walk!(Mode);`.
macro_rules! walk {
    ($ty:ty) => {
        impl $crate::cfn::walk::Walk for $ty {}
    };
    ($ty:ty { $($field:ident),* $(,)? }) => {
        impl $crate::cfn::walk::Walk for $ty {
            fn walk(&self, _v: &mut dyn $crate::cfn::walk::Visitor) {
                $($crate::cfn::walk::Walk::walk(&self.$field, _v);)*
            }
            fn walk_mut(&mut self, _v: &mut dyn $crate::cfn::walk::VisitorMut) {
                $($crate::cfn::walk::Walk::walk_mut(&mut self.$field, _v);)*
            }
        }
    };
}
pub(crate) use walk;

walk!(String);
walk!(&'static str);
walk!(bool);
walk!(i64);
walk!(u64);
walk!(u32);
walk!(u16);
walk!(i32);
walk!(f64);

impl<T: Walk + ?Sized> Walk for Box<T> {
    fn walk(&self, v: &mut dyn Visitor) {
        (**self).walk(v)
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        (**self).walk_mut(v)
    }
}

impl<T: Walk> Walk for Option<T> {
    fn walk(&self, v: &mut dyn Visitor) {
        if let Some(x) = self {
            x.walk(v)
        }
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        if let Some(x) = self {
            x.walk_mut(v)
        }
    }
}

impl<T: Walk> Walk for [T] {
    fn walk(&self, v: &mut dyn Visitor) {
        self.iter().for_each(|x| x.walk(v))
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        self.iter_mut().for_each(|x| x.walk_mut(v))
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk(&self, v: &mut dyn Visitor) {
        self.as_slice().walk(v)
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        self.as_mut_slice().walk_mut(v)
    }
}

/// A map's values, in order (keys are names, never intrinsics).
impl<K, T: Walk, S> Walk for IndexMap<K, T, S> {
    fn walk(&self, v: &mut dyn Visitor) {
        self.values().for_each(|x| x.walk(v))
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        self.values_mut().for_each(|x| x.walk_mut(v))
    }
}

/// A JSON object's values, in order (a resource's properties today).
impl Walk for Map<String, Json> {
    fn walk(&self, v: &mut dyn Visitor) {
        self.values().for_each(|x| x.walk(v))
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        self.values_mut().for_each(|x| x.walk_mut(v))
    }
}

impl<T: Walk> Walk for Value<T> {
    fn walk(&self, v: &mut dyn Visitor) {
        match self {
            Value::Lit(x) => x.walk(v),
            Value::Fn(f) => f.walk(v),
        }
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        match self {
            Value::Lit(x) => x.walk_mut(v),
            Value::Fn(f) => f.walk_mut(v),
        }
    }
}

impl Walk for Expr {
    fn walk(&self, v: &mut dyn Visitor) {
        match self {
            Expr::List(items) => items.walk(v),
            Expr::Fn(f) => f.walk(v),
            Expr::Str(_) | Expr::Int(_) | Expr::Bool(_) => {}
        }
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        match self {
            Expr::List(items) => items.walk_mut(v),
            Expr::Fn(f) => f.walk_mut(v),
            Expr::Str(_) | Expr::Int(_) | Expr::Bool(_) => {}
        }
    }
}

/// The arguments of a function other than `Ref`, `Fn::GetAtt` and `Fn::Sub`
/// that may hold intrinsics, in the order they are written.
fn arguments(f: &Intrinsic) -> [Option<&Expr>; 3] {
    match f {
        Intrinsic::Select(a, b) | Intrinsic::Equals(a, b) => [Some(a), Some(b), None],
        Intrinsic::If(_, a, b) | Intrinsic::FindInMap(_, a, b) => [Some(a), Some(b), None],
        Intrinsic::Cidr(a, b, c) => [Some(a), Some(b), Some(c)],
        Intrinsic::Split(_, a)
        | Intrinsic::GetAZs(a)
        | Intrinsic::Not(a)
        | Intrinsic::ImportValue(a)
        | Intrinsic::Base64(a) => [Some(a), None, None],
        _ => [None, None, None],
    }
}

impl Walk for Intrinsic {
    fn walk(&self, v: &mut dyn Visitor) {
        v.function(self.key());
        match self {
            Intrinsic::Ref(target) => v.reference(Site {
                kind: ReferenceKind::Ref,
                target,
                attribute: None,
            }),
            Intrinsic::GetAtt(target, attribute) => v.reference(Site {
                kind: ReferenceKind::GetAtt,
                target,
                attribute: Some(attribute),
            }),
            Intrinsic::Sub(text) => sub_sites(text, &|_| false, v),
            Intrinsic::SubWith(text, vars) => {
                vars.walk(v);
                sub_sites(text, &|name| vars.contains_key(name), v);
            }
            Intrinsic::Join(_, items) | Intrinsic::And(items) | Intrinsic::Or(items) => {
                items.walk(v)
            }
            Intrinsic::Condition(_) => {}
            other => arguments(other)
                .into_iter()
                .flatten()
                .for_each(|a| a.walk(v)),
        }
    }

    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        let replacement = match self {
            Intrinsic::Ref(target) => v.reference(Site {
                kind: ReferenceKind::Ref,
                target,
                attribute: None,
            }),
            Intrinsic::GetAtt(target, attribute) => v.reference(Site {
                kind: ReferenceKind::GetAtt,
                target,
                attribute: Some(attribute),
            }),
            Intrinsic::Sub(text) => {
                sub_sites_mut(text, &|_| false, v);
                None
            }
            Intrinsic::SubWith(text, vars) => {
                vars.walk_mut(v);
                sub_sites_mut(text, &|name| vars.contains_key(name), v);
                None
            }
            Intrinsic::Join(_, items) | Intrinsic::And(items) | Intrinsic::Or(items) => {
                items.walk_mut(v);
                None
            }
            Intrinsic::Select(a, b) | Intrinsic::Equals(a, b) => {
                a.walk_mut(v);
                b.walk_mut(v);
                None
            }
            Intrinsic::If(_, a, b) | Intrinsic::FindInMap(_, a, b) => {
                a.walk_mut(v);
                b.walk_mut(v);
                None
            }
            Intrinsic::Cidr(a, b, c) => {
                a.walk_mut(v);
                b.walk_mut(v);
                c.walk_mut(v);
                None
            }
            Intrinsic::Split(_, a)
            | Intrinsic::GetAZs(a)
            | Intrinsic::Not(a)
            | Intrinsic::ImportValue(a)
            | Intrinsic::Base64(a) => {
                a.walk_mut(v);
                None
            }
            Intrinsic::Condition(_) => None,
        };
        if let Some(f) = replacement {
            *self = f;
        }
    }
}

/// Whether `key` names an intrinsic function (or a condition reference).
fn is_function(key: &str) -> bool {
    key == "Ref" || key == "Condition" || key.starts_with("Fn::")
}

/// `Fn::GetAtt`'s arguments, either form: `[Id, Attribute]` or `"Id.Attribute"`.
fn get_att_args(args: &Json) -> Option<(&str, &str)> {
    match args {
        Json::Array(a) if a.len() == 2 => Some((a[0].as_str()?, a[1].as_str()?)),
        Json::String(s) => s.split_once('.'),
        _ => None,
    }
}

/// The single `key: argument` entry of an object that is an intrinsic function.
fn function_of(m: &Map<String, Json>) -> Option<(&str, &Json)> {
    if m.len() != 1 {
        return None;
    }
    m.iter()
        .next()
        .filter(|(k, _)| is_function(k))
        .map(|(k, a)| (k.as_str(), a))
}

/// A JSON reference site (`Ref` to a string, `Fn::GetAtt` either form).
fn json_site<'a>(key: &str, args: &'a Json) -> Option<Site<'a>> {
    match (key, args) {
        ("Ref", Json::String(target)) => Some(Site {
            kind: ReferenceKind::Ref,
            target,
            attribute: None,
        }),
        ("Fn::GetAtt", _) => get_att_args(args).map(|(target, attribute)| Site {
            kind: ReferenceKind::GetAtt,
            target,
            attribute: Some(attribute),
        }),
        _ => None,
    }
}

/// Free JSON: an object with the single key `Ref`, `Condition` or `Fn::...`
/// is an intrinsic function; everything else is walked into.
impl Walk for Json {
    fn walk(&self, v: &mut dyn Visitor) {
        match self {
            Json::Array(items) => items.walk(v),
            Json::Object(m) => {
                if let Some((key, args)) = function_of(m) {
                    v.function(key);
                    if let Some(site) = json_site(key, args) {
                        return v.reference(site);
                    }
                    if key == "Fn::Sub" {
                        match args {
                            Json::String(text) => return sub_sites(text, &|_| false, v),
                            Json::Array(a) if a.len() == 2 => {
                                if let (Json::String(text), Json::Object(vars)) = (&a[0], &a[1]) {
                                    vars.values().for_each(|x| x.walk(v));
                                    return sub_sites(text, &|n| vars.contains_key(n), v);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                m.values().for_each(|x| x.walk(v))
            }
            _ => {}
        }
    }

    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        let Json::Object(m) = self else {
            if let Json::Array(items) = self {
                items.walk_mut(v);
            }
            return;
        };
        let site = function_of(m).and_then(|(key, args)| json_site(key, args));
        if let Some(site) = site {
            if let Some(f) = v.reference(site) {
                // Our intrinsics serialize infallibly (string keys only).
                *self = serde_json::to_value(f).unwrap_or(Json::Null);
            }
            return;
        }
        if m.len() == 1 {
            if let Some(args) = m.get_mut("Fn::Sub") {
                match args {
                    Json::String(text) => return sub_sites_mut(text, &|_| false, v),
                    Json::Array(a) if a.len() == 2 => {
                        if let [Json::String(text), Json::Object(vars)] = a.as_mut_slice() {
                            vars.values_mut().for_each(|x| x.walk_mut(v));
                            return sub_sites_mut(text, &|n| vars.contains_key(n), v);
                        }
                    }
                    _ => {}
                }
            }
        }
        m.values_mut().for_each(|x| x.walk_mut(v))
    }
}

/// The `${...}` variables of an `Fn::Sub` string, trimmed, skipping
/// `${!Literal}` escapes.
pub fn sub_variables(text: &str) -> Vec<&str> {
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let var = after[..end].trim();
        if !var.starts_with('!') {
            vars.push(var);
        }
        rest = &after[end + 1..];
    }
    vars
}

/// A `${...}` variable as a site: `Id.Attribute` is an attribute of `Id`;
/// a pseudo parameter (`AWS::Region`) has none.
fn sub_site(var: &str) -> Site<'_> {
    let (target, attribute) = match var.split_once('.') {
        Some((t, a)) if !var.starts_with("AWS::") => (t, Some(a)),
        _ => (var, None),
    };
    Site {
        kind: ReferenceKind::Sub,
        target,
        attribute,
    }
}

fn sub_sites(text: &str, local: &dyn Fn(&str) -> bool, v: &mut dyn Visitor) {
    for var in sub_variables(text) {
        if !local(var) {
            v.reference(sub_site(var));
        }
    }
}

/// Offers each variable of an `Fn::Sub` string to `v` and writes back the
/// string with the replacements (only when there is one).
fn sub_sites_mut(text: &mut String, local: &dyn Fn(&str) -> bool, v: &mut dyn VisitorMut) {
    let mut out = String::new();
    let mut changed = false;
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..start + 2]);
        let var = &after[..end];
        let name = var.trim();
        let replaced = if name.starts_with('!') || local(name) {
            None
        } else {
            v.reference(sub_site(name))
        };
        match replaced {
            Some(Intrinsic::Ref(p)) => {
                changed = true;
                out.push_str(&p)
            }
            Some(Intrinsic::GetAtt(id, attr)) => {
                changed = true;
                out.push_str(&id);
                out.push('.');
                out.push_str(&attr);
            }
            _ => out.push_str(var),
        }
        out.push('}');
        rest = &after[end + 1..];
    }
    if changed {
        out.push_str(rest);
        *text = out;
    }
}

/// Collects owned references.
struct Collect(Vec<Reference>);

impl Visitor for Collect {
    fn reference(&mut self, site: Site<'_>) {
        self.0.push(site.to_reference());
    }
}

/// Every reference in `value`, in document order.
pub fn references_in<W: Walk + ?Sized>(value: &W) -> Vec<Reference> {
    let mut c = Collect(Vec::new());
    value.walk(&mut c);
    c.0
}

/// Calls `f` with each reference site in `value`.
pub fn for_each_reference<W: Walk + ?Sized>(value: &W, f: impl FnMut(Site<'_>)) {
    struct Each<F>(F);
    impl<F: FnMut(Site<'_>)> Visitor for Each<F> {
        fn reference(&mut self, site: Site<'_>) {
            (self.0)(site)
        }
    }
    value.walk(&mut Each(f));
}

/// Offers each reference site in `value` to `f`, replacing it with what `f`
/// returns (see [`VisitorMut::reference`]).
pub fn rewrite_references<W: Walk + ?Sized>(
    value: &mut W,
    f: impl FnMut(Site<'_>) -> Option<Intrinsic>,
) {
    struct Each<F>(F);
    impl<F: FnMut(Site<'_>) -> Option<Intrinsic>> VisitorMut for Each<F> {
        fn reference(&mut self, site: Site<'_>) -> Option<Intrinsic> {
            (self.0)(site)
        }
    }
    value.walk_mut(&mut Each(f));
}

/// Whether `value` uses a condition (`Fn::If` or a `Condition` reference).
pub fn uses_conditions<W: Walk + ?Sized>(value: &W) -> bool {
    struct Uses(bool);
    impl Visitor for Uses {
        fn reference(&mut self, _: Site<'_>) {}
        fn function(&mut self, key: &str) {
            self.0 |= key == "Fn::If" || key == "Condition";
        }
    }
    let mut u = Uses(false);
    value.walk(&mut u);
    u.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::intrinsic::{get_att, join, r#ref, select, sub};
    use crate::cfn::policy::{PolicyDocument, Principal, Statement};
    use crate::cfn::resources::sqs::QueuePolicy;
    use crate::cfn::shapes::EventPattern;
    use serde_json::json;

    fn sites<W: Walk + ?Sized>(w: &W) -> Vec<String> {
        references_in(w)
            .iter()
            .map(|r| {
                let kind = match r.kind {
                    ReferenceKind::Ref => "Ref",
                    ReferenceKind::GetAtt => "GetAtt",
                    ReferenceKind::Sub => "Sub",
                };
                match &r.attribute {
                    Some(a) => format!("{kind} {}.{a}", r.target),
                    None => format!("{kind} {}", r.target),
                }
            })
            .collect()
    }

    /// Every form, typed and as the JSON it renders to: the same sites.
    fn both(f: Intrinsic) -> Vec<String> {
        let typed = sites(&f);
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(
            typed,
            sites(&json),
            "typed and JSON walks differ for {json}"
        );
        typed
    }

    #[test]
    fn ref_and_get_att_are_sites() {
        assert_eq!(both(r#ref("Bucket")), ["Ref Bucket"]);
        assert_eq!(both(get_att("Fn", "Arn")), ["GetAtt Fn.Arn"]);
        assert_eq!(both(r#ref("AWS::Region")), ["Ref AWS::Region"]);
    }

    #[test]
    fn get_att_string_form_is_a_site() {
        let v = json!({"Fn::GetAtt": "Table.StreamArn"});
        assert_eq!(sites(&v), ["GetAtt Table.StreamArn"]);
    }

    #[test]
    fn sub_without_variables_names_its_references() {
        assert_eq!(
            both(sub("${A}-${B.Arn}-${AWS::Region}-${!Literal}-${ C }")),
            ["Sub A", "Sub B.Arn", "Sub AWS::Region", "Sub C"]
        );
    }

    #[test]
    fn sub_with_variables_walks_the_map_and_skips_its_names() {
        let mut vars = IndexMap::new();
        vars.insert("Id".to_string(), Expr::from(r#ref("Api")));
        vars.insert("Name".to_string(), Expr::from("literal"));
        assert_eq!(
            both(Intrinsic::SubWith("${Id}/${Name}/${Stage}".into(), vars)),
            ["Ref Api", "Sub Stage"]
        );
    }

    #[test]
    fn every_other_function_is_walked_into() {
        let f = Intrinsic::If(
            "IsProd".into(),
            join(",", vec![r#ref("A").into(), "x".into()]).into(),
            select(0, Intrinsic::Split(",".into(), get_att("B", "List").into())).into(),
        );
        assert_eq!(both(f), ["Ref A", "GetAtt B.List"]);
        let f = Intrinsic::And(vec![
            Intrinsic::Equals(r#ref("Env").into(), "prod".into()).into(),
            Intrinsic::Not(Intrinsic::Condition("C".into()).into()).into(),
        ]);
        assert_eq!(both(f), ["Ref Env"]);
        let f = Intrinsic::Base64(Intrinsic::ImportValue(sub("${Stack}-vpc").into()).into());
        assert_eq!(both(f), ["Sub Stack"]);
        let f = Intrinsic::FindInMap("M".into(), r#ref("AWS::Region").into(), "Id".into());
        assert_eq!(both(f), ["Ref AWS::Region"]);
        let f = Intrinsic::Cidr(get_att("Vpc", "CidrBlock").into(), 4.into(), 8.into());
        assert_eq!(both(f), ["GetAtt Vpc.CidrBlock"]);
    }

    #[test]
    fn typed_structs_with_free_json_inside_are_walked_in_order() {
        let policy = QueuePolicy::new(
            PolicyDocument::new(vec![Statement::allow(
                &["sqs:SendMessage"],
                vec![get_att("Queue", "Arn").into()],
            )
            .principal(Principal::Aws(vec![sub(
                "arn:${AWS::Partition}:iam::${Account}:root",
            )
            .into()]))
            .condition("ArnEquals", "aws:SourceArn", vec![r#ref("Topic").into()])]),
            vec![r#ref("Queue").into()],
        );
        let expected = [
            "Sub AWS::Partition",
            "Sub Account",
            "GetAtt Queue.Arn",
            "Ref Topic",
            "Ref Queue",
        ];
        assert_eq!(sites(&policy), expected);
        assert_eq!(sites(&serde_json::to_value(&policy).unwrap()), expected);
        let pattern = EventPattern {
            source: vec!["aws.s3".into()],
            detail_type: vec!["Object Created".into()],
            detail: json!({"bucket": {"name": [{"Ref": "Uploads"}]}}),
        };
        assert_eq!(sites(&pattern), ["Ref Uploads"]);
    }

    #[test]
    fn functions_are_reported_for_conditions() {
        let f = Intrinsic::If("C".into(), "a".into(), r#ref("AWS::NoValue").into());
        assert!(uses_conditions(&f));
        assert!(uses_conditions(&serde_json::to_value(&f).unwrap()));
        assert!(!uses_conditions(&sub("${A}")));
        assert!(uses_conditions(&json!([{"Condition": "C"}])));
    }

    fn rename(site: Site<'_>) -> Option<Intrinsic> {
        (site.target == "Old").then(|| match site.attribute {
            None => Intrinsic::Ref("New".into()),
            Some(a) => Intrinsic::GetAtt("New".into(), a.into()),
        })
    }

    #[test]
    fn a_mutable_walk_replaces_sites_typed_and_json_alike() {
        let mut vars = IndexMap::new();
        vars.insert("X".to_string(), Expr::from(get_att("Old", "Arn")));
        let mut f = join(
            "",
            vec![
                r#ref("Old").into(),
                r#ref("Other").into(),
                sub("${Old}/${Old.Url}/${!Old}/${ Old }").into(),
                Intrinsic::SubWith("${X}${Old}".into(), vars).into(),
            ],
        );
        let mut json = serde_json::to_value(&f).unwrap();
        rewrite_references(&mut f, rename);
        rewrite_references(&mut json, rename);
        let expected = json!({"Fn::Join": ["", [
            {"Ref": "New"}, {"Ref": "Other"},
            {"Fn::Sub": "${New}/${New.Url}/${!Old}/${New}"},
            {"Fn::Sub": ["${X}${New}", {"X": {"Fn::GetAtt": ["New", "Arn"]}}]}
        ]]});
        assert_eq!(serde_json::to_value(&f).unwrap(), expected);
        assert_eq!(json, expected);
        let mut string_form = json!({"Fn::GetAtt": "Old.Arn"});
        rewrite_references(&mut string_form, rename);
        assert_eq!(string_form, json!({"Fn::GetAtt": ["New", "Arn"]}));
    }

    #[test]
    fn a_sub_text_is_left_alone_without_a_replacement() {
        let mut f = sub("${ Kept }-${Other}");
        rewrite_references(&mut f, |_| None);
        assert_eq!(f, sub("${ Kept }-${Other}"));
        // A replacement that is no Ref or GetAtt cannot go into the text.
        rewrite_references(&mut f, |_| Some(sub("x")));
        assert_eq!(f, sub("${ Kept }-${Other}"));
    }

    #[test]
    fn sub_variables_skip_escapes() {
        assert_eq!(sub_variables("a${X}b${!Y}${ Z.Arn }"), ["X", "Z.Arn"]);
    }
}
