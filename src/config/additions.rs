//! Extra resources (issue 16, item 2): the `resources:`, `outputs:`,
//! `conditions:` and `parameters:` sections of blueprint.yaml, plain
//! CloudFormation added to the project's stack, and `nested_stacks:`, the same
//! four sections for a nested stack the blueprint makes (named by its logical
//! ID, as `blueprint explain` names it: `OrdersService`).
//!
//! Values are CloudFormation as written: CloudFormation's short-form tags
//! (`!Ref Table`, `!GetAtt Table.Arn`, `!Sub ...`) are turned into their long
//! form (`{Ref: Table}`, `{Fn::GetAtt: [Table, Arn]}`) while parsing, through
//! the parser's tag of each value; any other tag is refused at its line.
//! Synthesis checks and merges them (`crate::synthesis`).

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// The top-level keys this module adds to a project file.
pub const SECTIONS: &[&str] = &[
    "resources",
    "outputs",
    "conditions",
    "parameters",
    "nested_stacks",
];

/// CloudFormation's short-form tags and the long-form key each stands for.
pub const SHORT_FORMS: &[(&str, &str)] = &[
    ("!Ref", "Ref"),
    ("!Condition", "Condition"),
    ("!GetAtt", "Fn::GetAtt"),
    ("!Sub", "Fn::Sub"),
    ("!Join", "Fn::Join"),
    ("!Select", "Fn::Select"),
    ("!Split", "Fn::Split"),
    ("!GetAZs", "Fn::GetAZs"),
    ("!If", "Fn::If"),
    ("!Equals", "Fn::Equals"),
    ("!Not", "Fn::Not"),
    ("!And", "Fn::And"),
    ("!Or", "Fn::Or"),
    ("!ImportValue", "Fn::ImportValue"),
    ("!FindInMap", "Fn::FindInMap"),
    ("!Base64", "Fn::Base64"),
    ("!Cidr", "Fn::Cidr"),
];

/// Whether a tag may be written under the top-level key `section`: any
/// local tag (`!Name`) inside this module's sections, where [`Cfn`] turns
/// CloudFormation's short forms into long form and refuses the rest at their
/// line with the nearest short form.
pub fn tag_allowed(section: &str, tag: &str) -> bool {
    SECTIONS.contains(&section) && tag.starts_with('!')
}

/// A CloudFormation value as written in blueprint.yaml, short forms turned
/// into long form: what goes into the template as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Cfn(pub Json);

super::schema::value_schema!(
    Cfn,
    schemars::json_schema!({
        "description": "Plain CloudFormation: any value, with intrinsic functions in long or short form (`!Ref X`, `!GetAtt A.B`, `!Sub ...`)",
    })
);

impl<'de> Deserialize<'de> for Cfn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let serde_saphyr::Tagged(Plain(value), tag) =
            serde_saphyr::Tagged::<Plain>::deserialize(d)?;
        let Some(tag) = tag.filter(|t| !t.starts_with("tag:yaml.org,2002:")) else {
            return Ok(Cfn(value));
        };
        long_form(&tag, value).map(Cfn).map_err(de::Error::custom)
    }
}

/// `!Tag value` as `{Key: value}`; `!GetAtt A.B` as `{Fn::GetAtt: [A, B]}`.
fn long_form(tag: &str, value: Json) -> Result<Json, String> {
    let Some((_, key)) = SHORT_FORMS.iter().find(|(t, _)| *t == tag) else {
        let names: Vec<&str> = SHORT_FORMS.iter().map(|(t, _)| *t).collect();
        let hint = crate::config::nearest(tag, &names)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "the tag `{tag}` is not one of CloudFormation's short forms{hint}; they are {}",
            names.join(", ")
        ));
    };
    let value = match (*key, value) {
        ("Fn::GetAtt", Json::String(s)) => match s.split_once('.') {
            Some((id, attr)) if !id.is_empty() && !attr.is_empty() => {
                Json::Array(vec![Json::String(id.into()), Json::String(attr.into())])
            }
            _ => {
                return Err(format!(
                    "`!GetAtt {s}` names no attribute: write `!GetAtt LogicalId.Attribute`"
                ))
            }
        },
        ("Ref" | "Condition", v) if !v.is_string() => {
            return Err(format!("`{tag}` takes a name, not a list or a mapping"))
        }
        (_, v) => v,
    };
    let mut m = Map::new();
    m.insert((*key).to_string(), value);
    Ok(Json::Object(m))
}

/// A value CloudFormation takes as written (a type, a condition's name, a
/// description, a parameter's settings): a tag on it (`Type: !Sub x`) is
/// refused at the value, where a plain field would drop it without a word.
fn untagged<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    let serde_saphyr::Tagged(value, tag) = serde_saphyr::Tagged::<T>::deserialize(d)?;
    match tag.filter(|t| !t.starts_with("tag:yaml.org,2002:")) {
        None => Ok(value),
        Some(tag) => Err(de::Error::custom(format!(
            "the tag `{tag}` is not taken here: this key's value is used as written; CloudFormation's short forms go in properties, conditions, metadata, update policies and outputs' values and export names"
        ))),
    }
}

/// Any value, whose children are [`Cfn`] (each with its own tag).
struct Plain(Json);

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Plain;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Plain, E> {
        Ok(Plain(Json::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Plain, E> {
        Ok(Plain(Json::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Plain, E> {
        Ok(Plain(Json::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Plain, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Plain(Json::Number(n)))
            .ok_or_else(|| E::custom(format!("`{v}` is not a number CloudFormation takes")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Plain, E> {
        Ok(Plain(Json::String(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Plain, E> {
        Ok(Plain(Json::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Plain, E> {
        Ok(Plain(Json::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Plain, D::Error> {
        Cfn::deserialize(d).map(|c| Plain(c.0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let mut items = Vec::new();
        while let Some(Cfn(item)) = seq.next_element::<Cfn>()? {
            items.push(item);
        }
        Ok(Plain(Json::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Cfn(value) = map.next_value::<Cfn>()?;
            entries.insert(key, value);
        }
        Ok(Plain(Json::Object(entries)))
    }
}

/// What `DeletionPolicy` and `UpdateReplacePolicy` take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
pub enum Policy {
    /// Delete the resource (and its data).
    Delete,
    /// Keep the resource when it leaves the stack.
    Retain,
    /// Keep it, except when the stack's creation fails.
    RetainExceptOnCreate,
    /// Keep a snapshot (types that have them), then delete.
    Snapshot,
}

/// `DependsOn`: one logical ID or a list of them.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum DependsOn {
    /// One logical ID.
    One(String),
    /// Several logical IDs.
    Many(Vec<String>),
}

/// Read by hand, not as an untagged enum: that buffers the value, and a
/// tag on it (`DependsOn: !Ref A`) then failed as "data did not match any
/// variant"; here it is refused by name.
impl<'de> Deserialize<'de> for DependsOn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match untagged::<D, Json>(d)? {
            Json::String(id) => Ok(DependsOn::One(id)),
            Json::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Json::String(id) => Ok(id),
                    other => Err(other),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(DependsOn::Many)
                .map_err(|other| {
                    de::Error::custom(format!(
                        "DependsOn lists logical IDs, and `{other}` is not one"
                    ))
                }),
            other => Err(de::Error::custom(format!(
                "DependsOn takes a logical ID or a list of them, not `{other}`"
            ))),
        }
    }
}

impl DependsOn {
    /// The logical IDs.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            DependsOn::One(id) => vec![id.as_str()],
            DependsOn::Many(ids) => ids.iter().map(String::as_str).collect(),
        }
    }
}

/// One resource, as in a template's `Resources` section.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ExtraResource {
    /// The resource type, e.g. `AWS::SQS::Queue`.
    #[serde(rename = "Type", deserialize_with = "untagged")]
    pub kind: String,
    /// The resource's properties, checked against its type's.
    #[serde(default)]
    pub properties: Option<IndexMap<String, Cfn>>,
    /// Resources created before this one.
    #[serde(default)]
    pub depends_on: Option<DependsOn>,
    /// The condition (of `conditions:`) the resource is created under.
    #[serde(default, deserialize_with = "untagged")]
    pub condition: Option<String>,
    /// Left out for a type that holds data: `Retain`, as the blueprints do.
    #[serde(default)]
    pub deletion_policy: Option<Policy>,
    /// Left out: the `DeletionPolicy` (for a type that holds data).
    #[serde(default)]
    pub update_replace_policy: Option<Policy>,
    /// `UpdatePolicy`, as CloudFormation takes it.
    #[serde(default)]
    pub update_policy: Option<Cfn>,
    /// `Metadata`, e.g. checkov suppressions with their reasons.
    #[serde(default)]
    pub metadata: Option<IndexMap<String, Cfn>>,
}

/// One output, as in a template's `Outputs` section.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ExtraOutput {
    /// The output's value.
    pub value: Cfn,
    /// What the output is.
    #[serde(default, deserialize_with = "untagged")]
    pub description: Option<String>,
    /// Exports the value for `Fn::ImportValue` in other stacks.
    #[serde(default)]
    pub export: Option<ExtraExport>,
    /// The condition the output is created under.
    #[serde(default, deserialize_with = "untagged")]
    pub condition: Option<String>,
}

/// An output's `Export`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ExtraExport {
    /// The export's name, unique in the account and region.
    pub name: Cfn,
}

/// One parameter, as in a template's `Parameters` section. It needs a
/// `Default`: blueprint passes no parameter values when it deploys.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ExtraParameter {
    /// `String`, `Number`, `List<Number>`, `CommaDelimitedList` or an SSM parameter type.
    #[serde(rename = "Type")]
    #[schemars(with = "String")]
    pub kind: crate::cfn::template::ParameterType,
    /// The value (blueprint passes none at deploy, so one is needed).
    #[serde(deserialize_with = "untagged")]
    pub default: Json,
    /// What the parameter is.
    #[serde(default, deserialize_with = "untagged")]
    pub description: Option<String>,
    /// The only values allowed.
    #[serde(default, deserialize_with = "untagged")]
    pub allowed_values: Option<Vec<String>>,
    /// A regular expression the value must match.
    #[serde(default, deserialize_with = "untagged")]
    pub allowed_pattern: Option<String>,
    /// What CloudFormation says when a constraint fails.
    #[serde(default, deserialize_with = "untagged")]
    pub constraint_description: Option<String>,
    /// The shortest value.
    #[serde(default, deserialize_with = "untagged")]
    pub min_length: Option<u32>,
    /// The longest value.
    #[serde(default, deserialize_with = "untagged")]
    pub max_length: Option<u32>,
    /// The smallest number.
    #[serde(default, deserialize_with = "untagged")]
    pub min_value: Option<f64>,
    /// The largest number.
    #[serde(default, deserialize_with = "untagged")]
    pub max_value: Option<f64>,
    /// Masks the value in the console and API answers.
    #[serde(default, deserialize_with = "untagged")]
    pub no_echo: Option<bool>,
}

/// The four sections for one stack.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Additions {
    /// Resources, by logical ID.
    #[serde(default, deserialize_with = "super::null_is_default")]
    pub resources: IndexMap<String, ExtraResource>,
    /// Outputs, by logical ID.
    #[serde(default, deserialize_with = "super::null_is_default")]
    pub outputs: IndexMap<String, ExtraOutput>,
    /// Conditions, by name.
    #[serde(default, deserialize_with = "super::null_is_default")]
    pub conditions: IndexMap<String, Cfn>,
    /// Parameters (each with a `Default`), by logical ID.
    #[serde(default, deserialize_with = "super::null_is_default")]
    pub parameters: IndexMap<String, ExtraParameter>,
}

impl Additions {
    /// Whether nothing is added.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.outputs.is_empty()
            && self.conditions.is_empty()
            && self.parameters.is_empty()
    }
}

/// A project file's additions, read on their own (the rest of the file is
/// checked by the blueprint's parse).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectAdditions {
    /// The project's stack.
    pub root: Additions,
    /// Nested stacks, by their logical ID (`OrdersService`).
    pub nested_stacks: IndexMap<String, Additions>,
}

/// The additions of `source`, if its text may have any (a cheap look for
/// the section names first: a project without them pays nothing).
pub fn parse(source: &super::Source) -> Result<ProjectAdditions, super::ConfigError> {
    let may_have = SECTIONS
        .iter()
        .any(|s| source.text.contains(&format!("{s}:")));
    if !may_have {
        return Ok(ProjectAdditions::default());
    }
    let whole: WholeFile = super::parse(source)?;
    Ok(ProjectAdditions {
        root: Additions {
            resources: whole.resources,
            outputs: whole.outputs,
            conditions: whole.conditions,
            parameters: whole.parameters,
        },
        nested_stacks: whole.nested_stacks,
    })
}

/// The project file with only this module's keys read (the others are
/// ignored here).
#[derive(Deserialize)]
struct WholeFile {
    #[serde(default, deserialize_with = "super::null_is_default")]
    resources: IndexMap<String, ExtraResource>,
    #[serde(default, deserialize_with = "super::null_is_default")]
    outputs: IndexMap<String, ExtraOutput>,
    #[serde(default, deserialize_with = "super::null_is_default")]
    conditions: IndexMap<String, Cfn>,
    #[serde(default, deserialize_with = "super::null_is_default")]
    parameters: IndexMap<String, ExtraParameter>,
    #[serde(default, deserialize_with = "super::null_is_default")]
    nested_stacks: IndexMap<String, Additions>,
}
