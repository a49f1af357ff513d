//! The template: every section CloudFormation defines, in its documented order.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::empty::serializes_empty;
use super::intrinsic::{Expr, Intrinsic, Value};
use super::logical_id::{LogicalId, LogicalIdError};
use super::resources::Properties;
use super::walk::{rewrite_references, walk, Site};

/// The only template format version CloudFormation has.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// A resource type's properties, typed after the AWS resource specification.
pub trait ResourceProperties: Serialize {
    /// The type name, e.g. `AWS::S3::Bucket`.
    const TYPE: &'static str;
    /// The attributes `Fn::GetAtt` may read from this type.
    const ATTRIBUTES: &'static [&'static str];
}

/// A resource type's properties as a variant of [`Properties`] (generated for
/// every type by scripts/gen-resource-types): how a template stores them and
/// how passes get them back typed, with [`Resource::get`] and
/// [`Resource::get_mut`].
pub trait Typed: ResourceProperties + Sized {
    /// The properties as their variant.
    fn into_properties(self) -> Properties;
    /// The struct, when `p` is this type's variant.
    fn of(p: &Properties) -> Option<&Self>;
    /// The struct, for changing it, when `p` is this type's variant.
    fn of_mut(p: &mut Properties) -> Option<&mut Self>;
}

/// What CloudFormation does with a resource when it is deleted or replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DeletionPolicy {
    /// Deleted with the stack, or when removed from it.
    Delete,
    /// Kept (left out of the stack).
    Retain,
    /// Kept, except when the stack's creation rolls back.
    RetainExceptOnCreate,
    /// Deleted after a final snapshot.
    Snapshot,
}

/// A parameter's type (also what a project's own `parameters:` may name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum ParameterType {
    /// `String`.
    String,
    /// `Number`.
    Number,
    #[serde(rename = "List<Number>")]
    /// `List<Number>`.
    NumberList,
    /// `CommaDelimitedList`.
    CommaDelimitedList,
    #[serde(rename = "AWS::SSM::Parameter::Value<String>")]
    /// `AWS::SSM::Parameter::Value<String>`: the value of an SSM parameter, by name.
    SsmString,
    /// An AMI ID read from an SSM parameter (e.g. the public latest-AMI ones).
    #[serde(rename = "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>")]
    SsmImageId,
    #[serde(rename = "List<AWS::EC2::Subnet::Id>")]
    /// `List<AWS::EC2::Subnet::Id>`.
    SubnetIdList,
    #[serde(rename = "AWS::EC2::SecurityGroup::Id")]
    /// `AWS::EC2::SecurityGroup::Id`.
    SecurityGroupId,
}

/// A template parameter.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    /// The parameter's type.
    pub kind: ParameterType,
    /// What it is for.
    pub description: Option<String>,
    /// Its value when the stack gives none.
    pub default: Option<Json>,
    /// A regular expression a string value must match.
    pub allowed_pattern: Option<String>,
    /// The only values allowed.
    pub allowed_values: Option<Vec<String>>,
    /// What CloudFormation says when a constraint fails.
    pub constraint_description: Option<String>,
    /// The shortest string allowed.
    pub min_length: Option<u32>,
    /// The longest string allowed.
    pub max_length: Option<u32>,
    /// The smallest number allowed.
    pub min_value: Option<f64>,
    /// The largest number allowed.
    pub max_value: Option<f64>,
    /// Hide the value in the console and API.
    pub no_echo: Option<bool>,
}

impl Parameter {
    /// A `String` parameter with a description.
    pub fn string(description: &str) -> Self {
        Parameter {
            kind: ParameterType::String,
            description: Some(description.to_string()),
            default: None,
            allowed_pattern: None,
            allowed_values: None,
            constraint_description: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            no_echo: None,
        }
    }
}

/// A stack output, optionally exported.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// What it is.
    pub description: Option<String>,
    /// Its value.
    pub value: Value<String>,
    /// Exported for `Fn::ImportValue` under this name.
    pub export: Option<Export>,
    /// Present only when this condition is true.
    pub condition: Option<String>,
}

/// An output's export name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    /// The export's name.
    pub name: Value<String>,
}

walk!(Output {
    description,
    value,
    export,
    condition
});
walk!(Export { name });

/// A resource: its type, typed properties, and the resource attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    id: LogicalId,
    kind: &'static str,
    attributes: &'static [&'static str],
    /// The properties, typed until rendering.
    pub properties: Properties,
    /// Resources created before this one.
    pub depends_on: Vec<LogicalId>,
    /// What happens when it leaves the stack.
    pub deletion_policy: Option<DeletionPolicy>,
    /// What happens to the old one when an update replaces it.
    pub update_replace_policy: Option<DeletionPolicy>,
    /// The `UpdatePolicy` attribute (e.g. `CodeDeployLambdaAliasUpdate`).
    pub update_policy: Option<Json>,
    /// Created only when this condition is true.
    pub condition: Option<String>,
    /// Metadata (requirements it serves, accepted risks, ...).
    pub metadata: IndexMap<String, Json>,
    /// The unit (e.g. a service) the resource belongs to: resources of one
    /// unit always stay together when synthesis splits an oversized template
    /// into nested stacks (see [`crate::split`]). Not rendered.
    unit: Option<String>,
}

impl Resource {
    /// The logical ID.
    pub fn id(&self) -> &LogicalId {
        &self.id
    }

    /// The type name, e.g. `AWS::DynamoDB::Table`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The attributes this type offers to `Fn::GetAtt`.
    pub fn attributes(&self) -> &'static [&'static str] {
        self.attributes
    }

    /// The properties, when they are a `T`.
    pub fn get<T: Typed>(&self) -> Option<&T> {
        T::of(&self.properties)
    }

    /// The properties, for changing them, when they are a `T`.
    pub fn get_mut<T: Typed>(&mut self) -> Option<&mut T> {
        T::of_mut(&mut self.properties)
    }

    /// Keeps the resource (and its data) when it is deleted or replaced.
    pub fn retain(&mut self) -> &mut Self {
        self.deletion_policy = Some(DeletionPolicy::Retain);
        self.update_replace_policy = Some(DeletionPolicy::Retain);
        self
    }

    /// Retains the resource when `retain`, deletes it otherwise: the user's
    /// per-resource choice for stateful resources.
    pub fn retain_if(&mut self, retain: bool) -> &mut Self {
        self.policies(if retain {
            DeletionPolicy::Retain
        } else {
            DeletionPolicy::Delete
        })
    }

    /// Sets both policies to `policy`.
    pub fn policies(&mut self, policy: DeletionPolicy) -> &mut Self {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(policy);
        self
    }

    /// Adds an explicit dependency.
    pub fn depends_on(&mut self, id: &LogicalId) -> &mut Self {
        if !self.depends_on.contains(id) {
            self.depends_on.push(id.clone());
        }
        self
    }

    /// Records the blueprint requirements this resource satisfies, in its
    /// `Metadata` (read back by `blueprint explain`).
    pub fn satisfies(&mut self, requirements: &[&str]) -> &mut Self {
        let entry = self
            .metadata
            .entry(REQUIREMENTS_KEY.to_string())
            .or_insert_with(|| Json::Array(Vec::new()));
        if let Json::Array(list) = entry {
            for r in requirements {
                let r = Json::String((*r).to_string());
                if !list.contains(&r) {
                    list.push(r);
                }
            }
        }
        self
    }

    /// Records a security check the resource deliberately does not meet and
    /// why, as checkov reads it (`Metadata.checkov.skip`: `{id, comment}`);
    /// `blueprint explain` lists each under "accepted risks". `check` is a
    /// checkov ID (`CKV_AWS_116`); `reason` one line a reviewer can judge.
    pub fn accepts_risk(&mut self, check: &str, reason: &str) -> &mut Self {
        let checkov = self
            .metadata
            .entry(CHECKOV_KEY.to_string())
            .or_insert_with(|| serde_json::json!({"skip": []}));
        if let Some(Json::Array(skips)) = checkov.get_mut("skip") {
            let seen = skips.iter().any(|s| s["id"] == check);
            if !seen {
                skips.push(serde_json::json!({"id": check, "comment": reason}));
            }
        }
        self
    }

    /// The checks recorded with [`Resource::accepts_risk`]: `(check, reason)`.
    pub fn accepted_risks(&self) -> Vec<(&str, &str)> {
        self.metadata
            .get(CHECKOV_KEY)
            .and_then(|c| c.get("skip"))
            .and_then(Json::as_array)
            .map(|skips| {
                skips
                    .iter()
                    .filter_map(|s| Some((s["id"].as_str()?, s["comment"].as_str()?)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts the resource into `unit`: the resources of a unit move together
    /// when an oversized template is split.
    pub fn unit(&mut self, unit: &str) -> &mut Self {
        self.unit = Some(unit.to_string());
        self
    }

    /// The unit set with [`Resource::unit`].
    pub fn unit_name(&self) -> Option<&str> {
        self.unit.as_deref()
    }

    /// The requirement IDs recorded with [`Resource::satisfies`].
    pub fn requirements(&self) -> Vec<&str> {
        match self.metadata.get(REQUIREMENTS_KEY) {
            Some(Json::Array(list)) => list.iter().filter_map(Json::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// A map keyed by logical ID. Logical IDs are short and not chosen by an
/// attacker, so rustc's Fx hash serves better than the default SipHash; every
/// check looks resources up by ID many times.
pub(crate) type IdMap<V> = IndexMap<LogicalId, V, rustc_hash::FxBuildHasher>;

/// The `TemplateURL` of a nested stack until synthesis sets the real one.
pub const NESTED_TEMPLATE_URL_PENDING: &str = "(set by synthesis)";

/// The metadata key under which a resource lists the requirement IDs it serves.
pub const REQUIREMENTS_KEY: &str = "BlueprintRequirements";

/// The `Metadata` key checkov reads its per-resource suppressions from.
pub const CHECKOV_KEY: &str = "checkov";

/// Errors building a template.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error(transparent)]
    /// A logical ID that CloudFormation refuses.
    LogicalId(#[from] LogicalIdError),
    #[error("logical ID `{0}` is used twice in one template")]
    /// The template already has this logical ID.
    Duplicate(String),
}

/// A CloudFormation template.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    /// The template's description.
    pub description: Option<String>,
    /// The template's metadata.
    pub metadata: IndexMap<String, Json>,
    /// Parameters, by logical ID.
    pub parameters: IndexMap<LogicalId, Parameter>,
    /// Mappings: name, then top-level key, then second-level key.
    pub mappings: IndexMap<String, IndexMap<String, IndexMap<String, Json>>>,
    /// Conditions, by name.
    pub conditions: IndexMap<LogicalId, Intrinsic>,
    resources: IdMap<Resource>,
    /// Outputs, by logical ID.
    pub outputs: IndexMap<LogicalId, Output>,
    /// The templates of this template's nested stacks, by the logical ID of
    /// their `AWS::CloudFormation::Stack` resource. Synthesis renders each as
    /// an asset and fills in the resource's `TemplateURL`.
    nested: IdMap<Template>,
    /// Requirement IDs recorded on the overflow stacks synthesis adds when
    /// this template is over CloudFormation's limits (see [`crate::split`]).
    pub split_requirements: Vec<&'static str>,
    /// The account's Lambda concurrency limit the FN-LIMITS check assumes
    /// (`options.functions.account_concurrency_limit`); 1,000 when unset.
    /// Not rendered.
    pub lambda_account_concurrency: Option<u32>,
    /// What `synth` prints as `warning: ...`: an insecure choice the user
    /// made explicitly (e.g. no authentication). Not rendered.
    pub warnings: Vec<String>,
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Template {
            description: Some(description.into()),
            ..Default::default()
        }
    }

    /// Adds a resource with typed properties; returns it for setting attributes.
    pub fn add<R: Typed>(
        &mut self,
        id: &str,
        properties: R,
    ) -> Result<&mut Resource, TemplateError> {
        let id = LogicalId::new(id)?;
        if self.resources.contains_key(&id) {
            return Err(TemplateError::Duplicate(id.to_string()));
        }
        let resource = Resource {
            id: id.clone(),
            kind: R::TYPE,
            attributes: R::ATTRIBUTES,
            properties: properties.into_properties(),
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            update_policy: None,
            condition: None,
            metadata: IndexMap::new(),
            unit: None,
        };
        Ok(self.resources.entry(id).or_insert(resource))
    }

    /// Adds a resource whose properties are free JSON: one a user writes by
    /// hand in blueprint.yaml (`resources:`), of type `kind` with the
    /// attributes `attributes` (both from the type index or a typed struct).
    pub fn add_raw(
        &mut self,
        id: &str,
        kind: &'static str,
        attributes: &'static [&'static str],
        properties: Map<String, Json>,
    ) -> Result<&mut Resource, TemplateError> {
        let id = LogicalId::new(id)?;
        if self.resources.contains_key(&id) {
            return Err(TemplateError::Duplicate(id.to_string()));
        }
        let resource = Resource {
            id: id.clone(),
            kind,
            attributes,
            properties: Properties::Raw(properties),
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            update_policy: None,
            condition: None,
            metadata: IndexMap::new(),
            unit: None,
        };
        Ok(self.resources.entry(id).or_insert(resource))
    }

    /// Adds a parameter; returns its ID for `Ref`.
    pub fn parameter(&mut self, id: &str, p: Parameter) -> Result<LogicalId, TemplateError> {
        let id = LogicalId::new(id)?;
        if self.parameters.insert(id.clone(), p).is_some() {
            return Err(TemplateError::Duplicate(id.to_string()));
        }
        Ok(id)
    }

    /// Adds an output.
    pub fn output(
        &mut self,
        id: &str,
        description: &str,
        value: Value<String>,
        export: Option<Value<String>>,
    ) -> Result<(), TemplateError> {
        let id = LogicalId::new(id)?;
        let out = Output {
            description: Some(description.to_string()),
            value,
            export: export.map(|name| Export { name }),
            condition: None,
        };
        if self.outputs.insert(id.clone(), out).is_some() {
            return Err(TemplateError::Duplicate(id.to_string()));
        }
        Ok(())
    }

    /// The resources, in the order they were added.
    pub fn resources(&self) -> impl ExactSizeIterator<Item = &Resource> {
        self.resources.values()
    }

    /// A resource by logical ID.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.get(id)
    }

    /// The resources, in the order they were added, for changing them.
    pub fn resources_mut(&mut self) -> impl ExactSizeIterator<Item = &mut Resource> {
        self.resources.values_mut()
    }

    /// A resource by logical ID, for changing its attributes.
    pub fn resource_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.resources.get_mut(id)
    }

    /// Adds a nested stack: an `AWS::CloudFormation::Stack` resource whose
    /// template is `child`, given `parameters`, deleted with its parent
    /// (`DeletionPolicy: Delete`). Synthesis checks and renders `child`,
    /// writes it as a content-addressed asset and sets `TemplateURL`.
    pub fn add_nested(
        &mut self,
        id: &str,
        parameters: IndexMap<String, Value<String>>,
        child: Template,
    ) -> Result<&mut Resource, TemplateError> {
        let stack = crate::cfn::resources::cloudformation::Stack {
            parameters: (!parameters.is_empty()).then_some(parameters.into()),
            ..crate::cfn::resources::cloudformation::Stack::new(NESTED_TEMPLATE_URL_PENDING)
        };
        let logical = LogicalId::new(id)?;
        if self.resources.contains_key(&logical) {
            return Err(TemplateError::Duplicate(id.to_string()));
        }
        self.nested.insert(logical.clone(), child);
        // Explicit: removing a nested stack deletes it; what it holds that
        // must outlive it carries its own Retain policy.
        Ok(self.add(id, stack)?.policies(DeletionPolicy::Delete))
    }

    /// The nested stacks' templates, by the logical ID of their stack resource.
    pub fn nested(&self) -> impl ExactSizeIterator<Item = (&LogicalId, &Template)> {
        self.nested.iter()
    }

    /// The template of the nested stack whose resource is `id`.
    pub fn nested_template(&self, id: &str) -> Option<&Template> {
        self.nested.get(id)
    }

    /// The nested stacks' templates, for changing them.
    pub fn nested_mut(&mut self) -> impl ExactSizeIterator<Item = (&LogicalId, &mut Template)> {
        self.nested.iter_mut()
    }

    /// Removes every resource (and nested template), in order, for a caller
    /// that rebuilds the template (splitting).
    pub(crate) fn take_resources(&mut self) -> (IdMap<Resource>, IdMap<Template>) {
        (
            std::mem::take(&mut self.resources),
            std::mem::take(&mut self.nested),
        )
    }

    /// Gives resource `old` the logical ID `new`, in place, and points every
    /// `Ref`, `Fn::GetAtt`, `Fn::Sub` variable and `DependsOn` of the other
    /// resources at it. CloudFormation then creates `new` and deletes `old`:
    /// a way to make it take a new snapshot (an API deployment).
    pub(crate) fn rename_resource(&mut self, old: &str, new: &str) -> Result<(), TemplateError> {
        let new_id = LogicalId::new(new)?;
        if self.resources.contains_key(&new_id) {
            return Err(TemplateError::Duplicate(new.to_string()));
        }
        let resources = std::mem::take(&mut self.resources);
        for (id, mut r) in resources {
            if id.as_str() == old {
                r.id = new_id.clone();
            }
            let rename = |site: Site<'_>| {
                (site.target == old).then(|| match site.attribute {
                    None => Intrinsic::Ref(new.to_string()),
                    Some(a) => Intrinsic::GetAtt(new.to_string(), a.to_string()),
                })
            };
            rewrite_references(&mut r.properties, rename);
            rewrite_references(&mut r.update_policy, rename);
            for d in r.depends_on.iter_mut() {
                if d.as_str() == old {
                    *d = new_id.clone();
                }
            }
            self.resources.insert(r.id.clone(), r);
        }
        Ok(())
    }

    /// Adds a resource taken with [`Template::take_resources`] (and its
    /// nested template, for a stack resource).
    pub(crate) fn put_resource(&mut self, r: Resource, nested: Option<Template>) {
        if let Some(child) = nested {
            self.nested.insert(r.id.clone(), child);
        }
        self.resources.insert(r.id.clone(), r);
    }

    /// The template as a JSON document, sections in CloudFormation's order:
    /// AWSTemplateFormatVersion, Description, Metadata, Parameters, Mappings,
    /// Conditions, Resources, Outputs.
    pub fn to_json(&self) -> Json {
        let mut doc = Map::new();
        doc.insert(
            "AWSTemplateFormatVersion".into(),
            Json::String(FORMAT_VERSION.into()),
        );
        if let Some(d) = &self.description {
            doc.insert("Description".into(), Json::String(d.clone()));
        }
        if !self.metadata.is_empty() {
            doc.insert("Metadata".into(), to_json_or_null(&self.metadata));
        }
        if !self.parameters.is_empty() {
            doc.insert("Parameters".into(), to_json_or_null(&self.parameters));
        }
        if !self.mappings.is_empty() {
            doc.insert("Mappings".into(), to_json_or_null(&self.mappings));
        }
        if !self.conditions.is_empty() {
            doc.insert("Conditions".into(), to_json_or_null(&self.conditions));
        }
        doc.insert("Resources".into(), to_json_or_null(&self.resources));
        if !self.outputs.is_empty() {
            doc.insert("Outputs".into(), to_json_or_null(&self.outputs));
        }
        Json::Object(doc)
    }
}

/// The same document as [`Template::to_json`], written straight from the
/// template (no copy of its properties): what rendering uses.
impl Serialize for Template {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut doc = serializer.serialize_map(None)?;
        doc.serialize_entry("AWSTemplateFormatVersion", FORMAT_VERSION)?;
        if let Some(d) = &self.description {
            doc.serialize_entry("Description", d)?;
        }
        if !self.metadata.is_empty() {
            doc.serialize_entry("Metadata", &self.metadata)?;
        }
        if !self.parameters.is_empty() {
            doc.serialize_entry("Parameters", &self.parameters)?;
        }
        if !self.mappings.is_empty() {
            doc.serialize_entry("Mappings", &self.mappings)?;
        }
        if !self.conditions.is_empty() {
            doc.serialize_entry("Conditions", &self.conditions)?;
        }
        doc.serialize_entry("Resources", &self.resources)?;
        if !self.outputs.is_empty() {
            doc.serialize_entry("Outputs", &self.outputs)?;
        }
        doc.end()
    }
}

/// A resource as a template writes it.
impl Serialize for Resource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("Type", self.kind)?;
        if let Some(c) = &self.condition {
            m.serialize_entry("Condition", c)?;
        }
        match self.depends_on.as_slice() {
            [] => {}
            [one] => m.serialize_entry("DependsOn", one)?,
            many => m.serialize_entry("DependsOn", many)?,
        }
        if let Some(p) = self.deletion_policy {
            m.serialize_entry("DeletionPolicy", &p)?;
        }
        if let Some(p) = self.update_replace_policy {
            m.serialize_entry("UpdateReplacePolicy", &p)?;
        }
        if let Some(p) = &self.update_policy {
            m.serialize_entry("UpdatePolicy", p)?;
        }
        if !self.metadata.is_empty() {
            m.serialize_entry("Metadata", &self.metadata)?;
        }
        if !serializes_empty(&self.properties) {
            m.serialize_entry("Properties", &self.properties)?;
        }
        m.end()
    }
}

fn to_json_or_null<T: Serialize>(v: &T) -> Json {
    // Our section types serialize infallibly: string keys, no custom failures.
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// Convenience: an `Expr` list of strings.
pub fn strs(items: &[&str]) -> Vec<Expr> {
    items.iter().map(|s| Expr::Str((*s).to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Thing {
        name: Value<String>,
    }
    impl ResourceProperties for Thing {
        const TYPE: &'static str = "AWS::Test::Thing";
        const ATTRIBUTES: &'static [&'static str] = &["Arn"];
    }
    /// A type of the tests' own: free JSON.
    impl Typed for Thing {
        fn into_properties(self) -> Properties {
            match serde_json::to_value(self) {
                Ok(Json::Object(m)) => Properties::Raw(m),
                _ => Properties::Raw(Map::new()),
            }
        }
        fn of(_: &Properties) -> Option<&Self> {
            None
        }
        fn of_mut(_: &mut Properties) -> Option<&mut Self> {
            None
        }
    }

    #[test]
    fn sections_come_in_cloudformation_order() {
        let mut t = Template::new("d");
        t.output("Out", "o", "v".into(), None).unwrap();
        t.add("B", Thing { name: "b".into() })
            .unwrap()
            .retain()
            .satisfies(&["X-1"]);
        let p = t.parameter("P", Parameter::string("p")).unwrap();
        t.add("A", Thing { name: p.r#ref() })
            .unwrap()
            .depends_on(&LogicalId::new("B").unwrap());
        t.conditions.insert(
            LogicalId::new("C").unwrap(),
            Intrinsic::Equals("a".into(), "b".into()),
        );
        t.metadata.insert("M".into(), json!(1));
        let doc = t.to_json();
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "AWSTemplateFormatVersion",
                "Description",
                "Metadata",
                "Parameters",
                "Conditions",
                "Resources",
                "Outputs"
            ]
        );
        assert_eq!(
            doc["Resources"]["B"],
            json!({"Type": "AWS::Test::Thing", "DeletionPolicy": "Retain",
                   "UpdateReplacePolicy": "Retain",
                   "Metadata": {"BlueprintRequirements": ["X-1"]},
                   "Properties": {"Name": "b"}})
        );
        assert_eq!(doc["Resources"]["A"]["DependsOn"], json!("B"));
        assert_eq!(
            doc["Resources"]["A"]["Properties"]["Name"],
            json!({"Ref": "P"})
        );
        let order: Vec<&String> = doc["Resources"].as_object().unwrap().keys().collect();
        assert_eq!(order, ["B", "A"]);
    }

    #[test]
    fn duplicate_and_invalid_ids_are_refused() {
        let mut t = Template::default();
        t.add("A", Thing { name: "a".into() }).unwrap();
        let err = t.add("A", Thing { name: "a".into() }).unwrap_err();
        assert_eq!(
            err.to_string(),
            "logical ID `A` is used twice in one template"
        );
        assert!(t.add("a-b", Thing { name: "a".into() }).is_err());
    }
}
