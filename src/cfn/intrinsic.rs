//! Intrinsic functions, pseudo parameters, and the `Value<T>` type that lets an
//! intrinsic stand wherever a property value may.

use indexmap::IndexMap;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// A property value: either a literal of the property's own type or an
/// intrinsic function that CloudFormation resolves at deploy time.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value<T> {
    /// A literal value.
    Lit(T),
    /// An intrinsic function (`Ref`, `Fn::GetAtt`, `Fn::Sub`, ...).
    Fn(Box<Intrinsic>),
}

impl<T> Value<T> {
    /// The literal, when the value is one.
    pub fn lit(&self) -> Option<&T> {
        match self {
            Value::Lit(x) => Some(x),
            Value::Fn(_) => None,
        }
    }

    /// The function, when the value is one.
    pub fn function(&self) -> Option<&Intrinsic> {
        match self {
            Value::Lit(_) => None,
            Value::Fn(f) => Some(f),
        }
    }
}

impl<T> From<Intrinsic> for Value<T> {
    fn from(f: Intrinsic) -> Self {
        Value::Fn(Box::new(f))
    }
}

impl From<&str> for Value<String> {
    fn from(s: &str) -> Self {
        Value::Lit(s.to_string())
    }
}

impl From<String> for Value<String> {
    fn from(s: String) -> Self {
        Value::Lit(s)
    }
}

impl From<bool> for Value<bool> {
    fn from(b: bool) -> Self {
        Value::Lit(b)
    }
}

impl From<u32> for Value<u32> {
    fn from(n: u32) -> Self {
        Value::Lit(n)
    }
}

impl From<u64> for Value<u64> {
    fn from(n: u64) -> Self {
        Value::Lit(n)
    }
}

/// Integer properties (`Value<i64>`) from any integer a call site has.
macro_rules! int_from {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Value<i64> {
            fn from(n: $ty) -> Self {
                Value::Lit(i64::from(n))
            }
        }
    )*};
}
int_from!(i64, i32, u32, u16, u8);

impl From<f64> for Value<f64> {
    fn from(n: f64) -> Self {
        Value::Lit(n)
    }
}

impl From<u32> for Value<f64> {
    fn from(n: u32) -> Self {
        Value::Lit(f64::from(n))
    }
}

/// A list property from a `Vec` of its items: `vec![..].into()`.
impl<T> From<Vec<T>> for Value<Vec<T>> {
    fn from(v: Vec<T>) -> Self {
        Value::Lit(v)
    }
}

/// A map property from an `IndexMap`.
impl<T> From<IndexMap<String, T>> for Value<IndexMap<String, T>> {
    fn from(m: IndexMap<String, T>) -> Self {
        Value::Lit(m)
    }
}

/// An argument of an intrinsic function: a literal scalar, a list, or a nested
/// intrinsic. Intrinsic arguments are dynamically typed in CloudFormation too.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Expr {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of expressions.
    List(Vec<Expr>),
    /// An intrinsic function.
    Fn(Box<Intrinsic>),
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::Str(s.to_string())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::Str(s)
    }
}

impl From<i64> for Expr {
    fn from(n: i64) -> Self {
        Expr::Int(n)
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::Bool(b)
    }
}

impl From<Intrinsic> for Expr {
    fn from(f: Intrinsic) -> Self {
        Expr::Fn(Box::new(f))
    }
}

impl<T: Into<Expr>> From<Vec<T>> for Expr {
    fn from(v: Vec<T>) -> Self {
        Expr::List(v.into_iter().map(Into::into).collect())
    }
}

/// CloudFormation's intrinsic functions and condition functions.
#[derive(Clone, Debug, PartialEq)]
pub enum Intrinsic {
    /// `Ref`: a resource, parameter or pseudo parameter.
    Ref(String),
    /// `Fn::GetAtt`: a resource's attribute.
    GetAtt(String, String),
    /// `Fn::Sub` with a template string only.
    Sub(String),
    /// `Fn::Sub` with a template string and a variable map.
    SubWith(String, IndexMap<String, Expr>),
    /// `Fn::Join`: delimiter and values.
    Join(String, Vec<Expr>),
    /// `Fn::Select`: index and list.
    Select(Expr, Expr),
    /// `Fn::Split`: delimiter and source string.
    Split(String, Expr),
    /// `Fn::GetAZs`: region (empty string for the stack's region).
    GetAZs(Expr),
    /// `Fn::If`: condition name, value if true, value if false.
    If(String, Expr, Expr),
    /// `Fn::Equals`.
    Equals(Expr, Expr),
    /// `Fn::Not`.
    Not(Expr),
    /// `Fn::And`: 2 to 10 conditions.
    And(Vec<Expr>),
    /// `Fn::Or`: 2 to 10 conditions.
    Or(Vec<Expr>),
    /// `Fn::ImportValue`: an export of another stack in the same region.
    ImportValue(Expr),
    /// `Fn::FindInMap`: map name, top-level key, second-level key.
    FindInMap(String, Expr, Expr),
    /// `Fn::Base64`.
    Base64(Expr),
    /// `Fn::Cidr`: IP block, count, CIDR bits.
    Cidr(Expr, Expr, Expr),
    /// `Condition`: a reference to a named condition inside a condition function.
    Condition(String),
}

impl Intrinsic {
    /// The JSON key CloudFormation uses for this function.
    pub fn key(&self) -> &'static str {
        match self {
            Intrinsic::Ref(_) => "Ref",
            Intrinsic::GetAtt(..) => "Fn::GetAtt",
            Intrinsic::Sub(_) | Intrinsic::SubWith(..) => "Fn::Sub",
            Intrinsic::Join(..) => "Fn::Join",
            Intrinsic::Select(..) => "Fn::Select",
            Intrinsic::Split(..) => "Fn::Split",
            Intrinsic::GetAZs(_) => "Fn::GetAZs",
            Intrinsic::If(..) => "Fn::If",
            Intrinsic::Equals(..) => "Fn::Equals",
            Intrinsic::Not(_) => "Fn::Not",
            Intrinsic::And(_) => "Fn::And",
            Intrinsic::Or(_) => "Fn::Or",
            Intrinsic::ImportValue(_) => "Fn::ImportValue",
            Intrinsic::FindInMap(..) => "Fn::FindInMap",
            Intrinsic::Base64(_) => "Fn::Base64",
            Intrinsic::Cidr(..) => "Fn::Cidr",
            Intrinsic::Condition(_) => "Condition",
        }
    }
}

impl Serialize for Intrinsic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        let key = self.key();
        match self {
            Intrinsic::Ref(name) | Intrinsic::Sub(name) | Intrinsic::Condition(name) => {
                map.serialize_entry(key, name)?
            }
            Intrinsic::GetAtt(id, attr) => map.serialize_entry(key, &[id, attr])?,
            Intrinsic::SubWith(s, vars) => map.serialize_entry(key, &(s, vars))?,
            Intrinsic::Join(delim, values) => map.serialize_entry(key, &(delim, values))?,
            Intrinsic::Select(index, list) => map.serialize_entry(key, &(index, list))?,
            Intrinsic::Split(delim, source) => map.serialize_entry(key, &(delim, source))?,
            Intrinsic::GetAZs(region) => map.serialize_entry(key, region)?,
            // Fn::Not takes a one-element list.
            Intrinsic::Not(cond) => map.serialize_entry(key, &[cond])?,
            Intrinsic::If(cond, a, b) => map.serialize_entry(key, &(cond, a, b))?,
            Intrinsic::Equals(a, b) => map.serialize_entry(key, &(a, b))?,
            Intrinsic::And(items) | Intrinsic::Or(items) => map.serialize_entry(key, items)?,
            Intrinsic::ImportValue(v) | Intrinsic::Base64(v) => map.serialize_entry(key, v)?,
            Intrinsic::FindInMap(m, k1, k2) => map.serialize_entry(key, &(m, k1, k2))?,
            Intrinsic::Cidr(block, count, bits) => {
                map.serialize_entry(key, &(block, count, bits))?
            }
        }
        map.end()
    }
}

/// `{"Ref": name}` for a parameter or pseudo parameter by name.
pub fn r#ref(name: impl Into<String>) -> Intrinsic {
    Intrinsic::Ref(name.into())
}

/// `{"Fn::GetAtt": [id, attribute]}`.
pub fn get_att(id: impl Into<String>, attribute: impl Into<String>) -> Intrinsic {
    Intrinsic::GetAtt(id.into(), attribute.into())
}

/// `{"Fn::Sub": template}`; `${Name}` and `${Name.Attr}` are resolved by CloudFormation.
pub fn sub(template: impl Into<String>) -> Intrinsic {
    Intrinsic::Sub(template.into())
}

/// `{"Fn::Join": [delimiter, values]}`.
pub fn join(delimiter: impl Into<String>, values: Vec<Expr>) -> Intrinsic {
    Intrinsic::Join(delimiter.into(), values)
}

/// `{"Fn::Select": [index, list]}`.
pub fn select(index: i64, list: impl Into<Expr>) -> Intrinsic {
    Intrinsic::Select(Expr::Int(index), list.into())
}

/// `{"Fn::GetAZs": ""}`: the availability zones of the stack's region.
pub fn get_azs() -> Intrinsic {
    Intrinsic::GetAZs(Expr::Str(String::new()))
}

/// `{"Fn::Cidr": [block, count, bits]}`.
pub fn cidr(block: impl Into<Expr>, count: i64, bits: i64) -> Intrinsic {
    Intrinsic::Cidr(block.into(), Expr::Int(count), Expr::Int(bits))
}

/// CloudFormation's pseudo parameters.
pub const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// A pseudo parameter, usable with `Ref` or inside `Fn::Sub`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pseudo {
    /// `AWS::AccountId`.
    AccountId,
    /// `AWS::NotificationARNs`.
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is the value of.
    NoValue,
    /// `AWS::Partition`.
    Partition,
    /// `AWS::Region`.
    Region,
    /// `AWS::StackId`.
    StackId,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::URLSuffix`.
    UrlSuffix,
}

impl Pseudo {
    /// The name as written in a template (`AWS::Region`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    /// `{"Ref": "AWS::..."}`.
    pub fn r#ref<T>(self) -> Value<T> {
        Intrinsic::Ref(self.name().to_string()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn js(f: Intrinsic) -> serde_json::Value {
        serde_json::to_value(f).unwrap()
    }

    #[test]
    fn each_intrinsic_serializes_as_cloudformation_expects() {
        assert_eq!(js(r#ref("Bucket")), json!({"Ref": "Bucket"}));
        assert_eq!(
            js(get_att("Fn", "Arn")),
            json!({"Fn::GetAtt": ["Fn", "Arn"]})
        );
        assert_eq!(
            js(sub("${AWS::Region}")),
            json!({"Fn::Sub": "${AWS::Region}"})
        );
        let mut vars = IndexMap::new();
        vars.insert("Id".to_string(), Expr::from(r#ref("Api")));
        assert_eq!(
            js(Intrinsic::SubWith("x-${Id}".into(), vars)),
            json!({"Fn::Sub": ["x-${Id}", {"Id": {"Ref": "Api"}}]})
        );
        assert_eq!(
            js(join(",", vec!["a".into(), r#ref("B").into()])),
            json!({"Fn::Join": [",", ["a", {"Ref": "B"}]]})
        );
        assert_eq!(
            js(select(1, get_azs())),
            json!({"Fn::Select": [1, {"Fn::GetAZs": ""}]})
        );
        assert_eq!(
            js(Intrinsic::Split(",".into(), r#ref("List").into())),
            json!({"Fn::Split": [",", {"Ref": "List"}]})
        );
        assert_eq!(
            js(Intrinsic::If(
                "IsProd".into(),
                "a".into(),
                r#ref("AWS::NoValue").into()
            )),
            json!({"Fn::If": ["IsProd", "a", {"Ref": "AWS::NoValue"}]})
        );
        let eq = Intrinsic::Equals(r#ref("Env").into(), "prod".into());
        assert_eq!(
            js(eq.clone()),
            json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]})
        );
        assert_eq!(
            js(Intrinsic::Not(eq.clone().into())),
            json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "prod"]}]})
        );
        assert_eq!(
            js(Intrinsic::And(vec![
                Intrinsic::Condition("A".into()).into(),
                Intrinsic::Condition("B".into()).into()
            ])),
            json!({"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]})
        );
        assert_eq!(
            js(Intrinsic::Or(vec![eq.clone().into(), eq.into()]))["Fn::Or"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            js(Intrinsic::ImportValue("shared-vpc".into())),
            json!({"Fn::ImportValue": "shared-vpc"})
        );
        assert_eq!(
            js(Intrinsic::FindInMap(
                "Ami".into(),
                r#ref("AWS::Region").into(),
                "Id".into()
            )),
            json!({"Fn::FindInMap": ["Ami", {"Ref": "AWS::Region"}, "Id"]})
        );
        assert_eq!(
            js(Intrinsic::Base64(sub("#!/bin/sh").into())),
            json!({"Fn::Base64": {"Fn::Sub": "#!/bin/sh"}})
        );
        assert_eq!(
            js(cidr("10.0.0.0/16", 4, 8)),
            json!({"Fn::Cidr": ["10.0.0.0/16", 4, 8]})
        );
    }

    #[test]
    fn values_are_literals_or_functions() {
        let lit: Value<String> = "x".into();
        assert_eq!(serde_json::to_value(lit).unwrap(), json!("x"));
        let f: Value<u32> = Pseudo::Region.r#ref();
        assert_eq!(
            serde_json::to_value(f).unwrap(),
            json!({"Ref": "AWS::Region"})
        );
        assert_eq!(PSEUDO_PARAMETERS.len(), 8);
        assert_eq!(Pseudo::UrlSuffix.name(), "AWS::URLSuffix");
    }
}
