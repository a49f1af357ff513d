//! The architecture as a graph: resources as nodes grouped by layer, edges
//! from references (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`) and from
//! event wiring (event source mappings, permissions, bucket notifications,
//! subscriptions, API integrations). Computed from the synthesized stacks
//! (pure), then rendered as Mermaid or Graphviz DOT; the same input gives the
//! same bytes.
//!
//! To keep the picture readable, resources that only configure another one are
//! folded into it (listed in the node's `folded`):
//! - API Gateway resources, methods, deployments, stages, authorizers and
//!   the account's logging settings into their REST API (HTTP/WebSocket routes,
//!   integrations and stages into their API; listeners, rules and target
//!   groups into their load balancer);
//! - IAM policies into their role; bucket, queue and topic policies into the
//!   bucket, queue or topic;
//! - log groups into the resource they log for;
//! - Lambda permissions, event source mappings and SNS subscriptions become
//!   labelled edges ("invokes", "stream", "triggers", "subscribes");
//!   event-invoke configs, aliases and versions fold into their function;
//! - user pool clients, groups and domains into the user pool; identity pool
//!   role attachments into the identity pool;
//! - auto-scaling targets and policies into the table they scale;
//! - CloudFront cache, origin-request and response-headers policies, origin
//!   access controls and functions into their distribution;
//! - subnets, route tables, routes, gateways, endpoints and security groups
//!   into their VPC; DAX subnet and parameter groups into their cluster;
//! - nested stacks are drawn as their resources (ids `Parent_Child`), with
//!   references through stack parameters and outputs followed.
//!
//! Edges between the same two nodes are merged into one, their labels joined
//! with ", " in the order found.

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde::Serialize;

use crate::cfn::intrinsic::Value;
use crate::cfn::resources::{
    apigateway, apigatewayv2, applicationautoscaling, cloudformation, cloudfront, cognito, dax,
    dynamodb, ec2, elasticloadbalancingv2, iam, kinesis, lambda, logs, s3, sns, sqs,
};
use crate::cfn::walk::Walk;
use crate::cfn::{Resource, ResourceProperties, Template};
use crate::check::{references_in, Reference, ReferenceKind};
use crate::expansion::StackTemplate;

mod render;
pub use render::{to_dot, to_mermaid, GraphFormat};

/// The layers, in drawing order.
pub const LAYERS: &[&str] = &[
    "edge",
    "api",
    "compute",
    "data",
    "messaging",
    "identity",
    "network",
    "other",
];

/// The layer of a resource type, from its service prefix.
pub fn layer_of(kind: &str) -> &'static str {
    let service = kind.split("::").nth(1).unwrap_or_default();
    match service {
        "CloudFront" | "Route53" | "CertificateManager" | "WAFv2" | "GlobalAccelerator" => "edge",
        "ApiGateway" | "ApiGatewayV2" | "ElasticLoadBalancingV2" | "AppSync" => "api",
        "Lambda" | "StepFunctions" | "AutoScaling" | "CodeDeploy" | "ECS" | "Batch" => "compute",
        "DynamoDB" | "S3" | "DAX" | "EFS" | "RDS" | "ElastiCache" | "ApplicationAutoScaling" => {
            "data"
        }
        "SNS" | "SQS" | "Kinesis" | "Events" | "KinesisFirehose" | "SES" | "Pipes" => "messaging",
        "IAM" | "Cognito" | "KMS" | "SecretsManager" => "identity",
        "EC2" if kind == ec2::LaunchTemplate::TYPE => "compute",
        "EC2" => "network",
        _ => "other",
    }
}

/// A drawn resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Unique in the graph: the logical ID, prefixed with the nested stack
    /// (`UsersService_Function`) or the stack (`blog_cert_Certificate`) when
    /// not in the first stack's root template.
    pub id: String,
    /// Where it is: the logical ID, with its nested stack path (`UsersService/Function`).
    pub label: String,
    /// The resource type.
    #[serde(rename = "type")]
    pub kind: String,
    pub layer: &'static str,
    /// The stack it is deployed in (`shop`, `shop/UsersService`).
    pub stack: String,
    /// Resources folded into this node (their labels).
    pub folded: Vec<String>,
}

/// A labelled connection: `from` uses, feeds or invokes `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
}

/// The architecture of a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// Nodes in template order.
    pub nodes: Vec<Node>,
    /// Edges in the order found.
    pub edges: Vec<Edge>,
}

/// A resource before folding.
struct Raw {
    id: String,
    label: String,
    kind: String,
    stack: String,
}

/// Where a template sits: its id prefix and how its parameters resolve.
struct Scope<'a> {
    template: &'a Template,
    prefix: String,
    path: String,
    /// What node labels start with: empty in the first stack's root template.
    label_prefix: String,
    /// Parameter → the nodes its value (in the parent) refers to.
    params: HashMap<String, Vec<String>>,
}

/// Resolves a reference in `scope` to node ids (resources, parameters
/// passed from a parent stack, nested stack outputs).
fn resolve(scopes: &[Scope], s: usize, r: &Reference, children: &ChildIndex) -> Vec<String> {
    let scope = &scopes[s];
    if let Some(ids) = scope.params.get(&r.target) {
        return ids.clone();
    }
    if let Some(child) = children.get(&(s, r.target.clone())) {
        // `Fn::GetAtt Nested.Outputs.X`: what the child's output X refers to.
        let output = r
            .attribute
            .as_deref()
            .and_then(|a| a.strip_prefix("Outputs."));
        let Some(name) = output else {
            return Vec::new();
        };
        let c = &scopes[*child];
        let Some(o) = c.template.outputs.iter().find(|(k, _)| k.as_str() == name) else {
            return Vec::new();
        };
        return references_in(&o.1.value)
            .iter()
            .flat_map(|r| resolve(scopes, *child, r, children))
            .collect();
    }
    if scope.template.resource(&r.target).is_some() {
        return vec![format!("{}{}", scope.prefix, r.target)];
    }
    Vec::new()
}

/// (scope index, nested stack logical ID) → the child's scope index.
type ChildIndex = HashMap<(usize, String), usize>;

fn label_of(r: &Reference) -> String {
    match (r.kind, &r.attribute) {
        (ReferenceKind::Ref, _) => "Ref".into(),
        (ReferenceKind::GetAtt, Some(a)) => format!("GetAtt {a}"),
        (ReferenceKind::GetAtt, None) => "GetAtt".into(),
        (ReferenceKind::Sub, _) => "Sub".into(),
    }
}

/// Collects the scopes: each stack's root template and its nested ones.
fn scopes_of(stacks: &[StackTemplate]) -> (Vec<Scope<'_>>, ChildIndex) {
    let mut scopes = Vec::new();
    let mut children = ChildIndex::new();
    for (i, st) in stacks.iter().enumerate() {
        let prefix = if i == 0 {
            String::new()
        } else {
            format!("{}_", sanitize(&st.stack_name))
        };
        scopes.push(Scope {
            template: &st.template,
            label_prefix: if i == 0 {
                String::new()
            } else {
                format!("{}/", st.stack_name)
            },
            prefix,
            path: st.stack_name.clone(),
            params: HashMap::new(),
        });
    }
    let mut i = 0;
    while i < scopes.len() {
        let t = scopes[i].template;
        for (id, child) in t.nested() {
            let params = t
                .resource(id.as_str())
                .and_then(|r| r.get::<cloudformation::Stack>())
                .and_then(|s| s.parameters.as_ref()?.lit())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let ids = references_in(v)
                                .iter()
                                .flat_map(|r| resolve(&scopes, i, r, &children))
                                .collect();
                            (k.clone(), ids)
                        })
                        .collect()
                })
                .unwrap_or_default();
            children.insert((i, id.to_string()), scopes.len());
            let (prefix, path) = (
                format!("{}{}_", scopes[i].prefix, id),
                format!("{}/{}", scopes[i].path, id),
            );
            let label_prefix = format!("{}{}/", scopes[i].label_prefix, id);
            scopes.push(Scope {
                label_prefix,
                template: child,
                prefix,
                path,
                params,
            });
        }
        i += 1;
    }
    (scopes, children)
}

/// Letters, digits and `_` only.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Types no blueprint emits, so the model has no generated struct for them
/// (`cfn::resources`); named here so they fold like their siblings when a
/// template has one.
mod unmodelled {
    pub const GATEWAY_RESPONSE: &str = "AWS::ApiGateway::GatewayResponse";
    pub const ROUTE_RESPONSE: &str = "AWS::ApiGatewayV2::RouteResponse";
    pub const INTEGRATION_RESPONSE: &str = "AWS::ApiGatewayV2::IntegrationResponse";
    pub const LISTENER_CERTIFICATE: &str = "AWS::ElasticLoadBalancingV2::ListenerCertificate";
    pub const IAM_POLICY: &str = "AWS::IAM::Policy";
    pub const IAM_MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
    pub const CLOUDFRONT_FUNCTION: &str = "AWS::CloudFront::Function";
}

/// How a folded type finds the node it folds into.
#[derive(Clone, Copy)]
enum Fold {
    /// Into the nearest resource of one of these types (following references either way).
    Into(&'static [&'static str]),
    /// Into the single resource it refers to, else the single one referring to it.
    Neighbour,
}

fn fold_rule(kind: &str) -> Option<Fold> {
    const REST: &[&str] = &[apigateway::RestApi::TYPE];
    const V2: &[&str] = &[apigatewayv2::Api::TYPE];
    const FUNCTION: &[&str] = &[lambda::Function::TYPE];
    const VPC: &[&str] = &[ec2::Vpc::TYPE];
    Some(match kind {
        apigateway::Resource::TYPE
        | apigateway::Method::TYPE
        | apigateway::Deployment::TYPE
        | apigateway::Stage::TYPE
        | apigateway::Authorizer::TYPE
        | apigateway::Account::TYPE
        | apigateway::UsagePlan::TYPE
        | apigateway::UsagePlanKey::TYPE
        | apigateway::ApiKey::TYPE
        | unmodelled::GATEWAY_RESPONSE
        | apigateway::RequestValidator::TYPE
        | apigateway::Model::TYPE
        | apigateway::BasePathMapping::TYPE
        | apigateway::DomainName::TYPE => Fold::Into(REST),
        apigatewayv2::Route::TYPE
        | apigatewayv2::Integration::TYPE
        | apigatewayv2::Stage::TYPE
        | apigatewayv2::Deployment::TYPE
        | apigatewayv2::Authorizer::TYPE
        | unmodelled::ROUTE_RESPONSE
        | unmodelled::INTEGRATION_RESPONSE => Fold::Into(V2),
        elasticloadbalancingv2::Listener::TYPE
        | elasticloadbalancingv2::ListenerRule::TYPE
        | unmodelled::LISTENER_CERTIFICATE
        | elasticloadbalancingv2::TargetGroup::TYPE => {
            Fold::Into(&[elasticloadbalancingv2::LoadBalancer::TYPE])
        }
        lambda::EventInvokeConfig::TYPE | lambda::Alias::TYPE | lambda::Version::TYPE => {
            Fold::Into(FUNCTION)
        }
        unmodelled::IAM_POLICY | unmodelled::IAM_MANAGED_POLICY => Fold::Into(&[iam::Role::TYPE]),
        s3::BucketPolicy::TYPE => Fold::Into(&[s3::Bucket::TYPE]),
        sqs::QueuePolicy::TYPE => Fold::Into(&[sqs::Queue::TYPE]),
        sns::TopicPolicy::TYPE => Fold::Into(&[sns::Topic::TYPE]),
        cognito::UserPoolClient::TYPE
        | cognito::UserPoolGroup::TYPE
        | cognito::UserPoolDomain::TYPE => Fold::Into(&[cognito::UserPool::TYPE]),
        cognito::IdentityPoolRoleAttachment::TYPE => Fold::Into(&[cognito::IdentityPool::TYPE]),
        applicationautoscaling::ScalableTarget::TYPE
        | applicationautoscaling::ScalingPolicy::TYPE => {
            Fold::Into(&[dynamodb::Table::TYPE, dynamodb::GlobalTable::TYPE])
        }
        cloudfront::CachePolicy::TYPE
        | cloudfront::OriginRequestPolicy::TYPE
        | cloudfront::ResponseHeadersPolicy::TYPE
        | cloudfront::OriginAccessControl::TYPE
        | unmodelled::CLOUDFRONT_FUNCTION => Fold::Into(&[cloudfront::Distribution::TYPE]),
        ec2::Subnet::TYPE
        | ec2::RouteTable::TYPE
        | ec2::Route::TYPE
        | ec2::SubnetRouteTableAssociation::TYPE
        | ec2::InternetGateway::TYPE
        | ec2::VpcGatewayAttachment::TYPE
        | ec2::VpcEndpoint::TYPE
        | ec2::SecurityGroup::TYPE
        | ec2::SecurityGroupIngress::TYPE
        | ec2::SecurityGroupEgress::TYPE
        | ec2::NatGateway::TYPE
        | ec2::Eip::TYPE => Fold::Into(VPC),
        dax::SubnetGroup::TYPE | dax::ParameterGroup::TYPE => Fold::Into(&[dax::Cluster::TYPE]),
        logs::LogGroup::TYPE => Fold::Neighbour,
        _ => return None,
    })
}

/// The event-wiring label of an event source mapping from a resource of `kind`.
fn mapping_label(kind: &str) -> &'static str {
    match kind {
        kinesis::Stream::TYPE | dynamodb::Table::TYPE | dynamodb::GlobalTable::TYPE => "stream",
        _ => "triggers",
    }
}

/// The raw edges of one resource: (from, to, label, is event wiring).
type RawEdge = (String, String, String, bool);

/// Where one resource's edges are collected: its scope and node id.
struct Edges<'a, 's> {
    scopes: &'a [Scope<'s>],
    s: usize,
    children: &'a ChildIndex,
    me: String,
    out: &'a mut Vec<RawEdge>,
}

impl Edges<'_, '_> {
    /// The nodes the references in `value` resolve to, in order.
    fn targets<W: Walk + ?Sized>(&self, value: Option<&W>) -> Vec<String> {
        value
            .map(|v| {
                references_in(v)
                    .iter()
                    .flat_map(|r| resolve(self.scopes, self.s, r, self.children))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Event wiring from each of `from` to each of `to`.
    fn event(&mut self, from: &[String], to: &[String], label: &str) {
        for f in from {
            for t in to {
                self.out
                    .push((f.clone(), t.clone(), label.to_string(), true));
            }
        }
    }

    /// Event wiring from this resource to what `value` refers to.
    fn event_from_me<W: Walk + ?Sized>(&mut self, value: Option<&W>, label: &str) {
        for to in self.targets(value) {
            self.out
                .push((self.me.clone(), to, label.to_string(), true));
        }
    }

    /// A reference edge for every reference in `value`, in document order.
    fn references<W: Walk + ?Sized>(&mut self, value: &W) {
        for reference in references_in(value) {
            for to in resolve(self.scopes, self.s, &reference, self.children) {
                self.out
                    .push((self.me.clone(), to, label_of(&reference), false));
            }
        }
    }
}

/// The edges of a resource that is only event wiring (a mapping, a
/// permission, a subscription), or `None` for any other.
fn wiring_edges(e: &mut Edges, r: &Resource, kinds: &HashMap<String, String>) -> Option<()> {
    if let Some(m) = r.get::<lambda::EventSourceMapping>() {
        let functions = e.targets(Some(&m.function_name));
        for src in e.targets(m.event_source_arn.as_ref()) {
            let label = mapping_label(kinds.get(&src).map_or("", String::as_str));
            e.event(&[src], &functions, label);
        }
    } else if let Some(p) = r.get::<lambda::Permission>() {
        let label = match p.principal.lit().map(String::as_str) {
            Some("s3.amazonaws.com") => "notifies",
            Some("sns.amazonaws.com") => "subscribes",
            _ => "invokes",
        };
        let (from, to) = (
            e.targets(p.source_arn.as_ref()),
            e.targets(Some(&p.function_name)),
        );
        e.event(&from, &to, label);
    } else if let Some(s) = r.get::<sns::Subscription>() {
        let (from, to) = (
            e.targets(Some(&s.topic_arn)),
            e.targets(s.endpoint.as_ref()),
        );
        e.event(&from, &to, "subscribes");
    } else if r.kind() != cloudformation::Stack::TYPE {
        return None;
    }
    Some(())
}

/// The literal items of an optional list (none when it is a function).
fn items<T>(list: &Option<Value<Vec<T>>>) -> impl Iterator<Item = &T> {
    list.iter().flat_map(|l| l.lit()).flatten()
}

/// The edges of a resource that wires events through one of its properties
/// (a bucket's notifications, a method's or route's integration, a target
/// group's targets): that property's event edges, then reference edges for
/// the others. `None` for any other resource.
fn wired_property_edges(e: &mut Edges, r: &Resource) -> Option<()> {
    if let Some(b) = r.get::<s3::Bucket>() {
        let Some(n) = &b.notification_configuration else {
            return None;
        };
        if let Some(n) = n.lit() {
            for c in items(&n.lambda_configurations) {
                e.event_from_me(Some(&c.function), "notifies");
            }
            for c in items(&n.topic_configurations) {
                e.event_from_me(Some(&c.topic), "notifies");
            }
            for c in items(&n.queue_configurations) {
                e.event_from_me(Some(&c.queue), "notifies");
            }
        }
        let others = s3::Bucket {
            notification_configuration: None,
            ..b.clone()
        };
        e.references(&others);
    } else if let Some(m) = r.get::<apigateway::Method>() {
        let Some(i) = &m.integration else {
            return None;
        };
        e.event_from_me(i.lit().and_then(|i| i.uri.as_ref()), "invokes");
        e.references(&apigateway::Method {
            integration: None,
            ..m.clone()
        });
    } else if let Some(i) = r.get::<apigatewayv2::Integration>() {
        e.event_from_me(i.integration_uri.as_ref(), "invokes");
        e.references(&apigatewayv2::Integration {
            integration_uri: None,
            ..i.clone()
        });
    } else if let Some(t) = r.get::<elasticloadbalancingv2::TargetGroup>() {
        e.event_from_me(t.targets.as_ref(), "invokes");
        e.references(&elasticloadbalancingv2::TargetGroup {
            targets: None,
            ..t.clone()
        });
    } else {
        return None;
    }
    Some(())
}

/// The edges of resource `id` in scope `s`: event wiring (typed fields) and
/// a reference edge for every other `Ref`, `Fn::GetAtt`, `Fn::Sub` variable
/// (the one walker) and `DependsOn`.
fn resource_edges(
    scopes: &[Scope],
    s: usize,
    children: &ChildIndex,
    id: &str,
    kinds: &HashMap<String, String>,
    out: &mut Vec<RawEdge>,
) {
    let scope = &scopes[s];
    let Some(r) = scope.template.resource(id) else {
        return;
    };
    let mut e = Edges {
        scopes,
        s,
        children,
        me: format!("{}{id}", scope.prefix),
        out,
    };
    if wiring_edges(&mut e, r, kinds).is_some() {
        return;
    }
    if wired_property_edges(&mut e, r).is_none() {
        e.references(&r.properties);
    }
    for d in &r.depends_on {
        if scope.template.resource(d.as_str()).is_some() {
            let to = format!("{}{d}", scope.prefix);
            e.out.push((e.me.clone(), to, "DependsOn".into(), false));
        }
    }
}

/// The architecture of `stacks` (a blueprint's expansion).
pub fn compute(stacks: &[StackTemplate]) -> Graph {
    let (scopes, children) = scopes_of(stacks);
    let mut raws: Vec<Raw> = Vec::new();
    for (s, scope) in scopes.iter().enumerate() {
        for r in scope.template.resources() {
            if children.contains_key(&(s, r.id().to_string())) {
                continue;
            }
            let label = format!("{}{}", scope.label_prefix, r.id());
            raws.push(Raw {
                id: format!("{}{}", scope.prefix, r.id()),
                label,
                kind: r.kind().to_string(),
                stack: scope.path.clone(),
            });
        }
    }
    let kinds: HashMap<String, String> = raws
        .iter()
        .map(|r| (r.id.clone(), r.kind.clone()))
        .collect();
    let mut raw_edges = Vec::new();
    for (s, scope) in scopes.iter().enumerate() {
        for r in scope.template.resources() {
            resource_edges(
                &scopes,
                s,
                &children,
                r.id().as_str(),
                &kinds,
                &mut raw_edges,
            );
        }
    }
    let owner = fold_owners(&raws, &raw_edges, &kinds);
    let target = |id: &str| -> String {
        let mut cur = id.to_string();
        // Follow folds to the end (a stage folds into its API, a log group into the stage).
        for _ in 0..16 {
            match owner.get(&cur) {
                Some(next) => cur = next.clone(),
                None => break,
            }
        }
        cur
    };
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in &raws {
        if owner.contains_key(&r.id) {
            continue;
        }
        index.insert(r.id.clone(), nodes.len());
        nodes.push(Node {
            id: r.id.clone(),
            label: r.label.clone(),
            kind: r.kind.clone(),
            layer: layer_of(&r.kind),
            stack: r.stack.clone(),
            folded: Vec::new(),
        });
    }
    for r in &raws {
        if owner.contains_key(&r.id) {
            if let Some(i) = index.get(&target(&r.id)) {
                nodes[*i].folded.push(r.label.clone());
            }
        }
    }
    // Merge edges by (from, to); event wiring first, then references.
    let mut merged: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    let ordered = raw_edges
        .iter()
        .filter(|e| e.3)
        .chain(raw_edges.iter().filter(|e| !e.3));
    for (from, to, label, _) in ordered {
        let (f, t) = (target(from), target(to));
        if f == t || !index.contains_key(&f) || !index.contains_key(&t) {
            continue;
        }
        let i = *at.entry((f.clone(), t.clone())).or_insert_with(|| {
            merged.push((f, t, Vec::new()));
            merged.len() - 1
        });
        if !merged[i].2.contains(label) {
            merged[i].2.push(label.clone());
        }
    }
    Graph {
        nodes,
        edges: merged
            .into_iter()
            .map(|(from, to, labels)| Edge {
                from,
                to,
                label: labels.join(", "),
            })
            .collect(),
    }
}

/// For each folded resource, the node it folds into.
fn fold_owners(
    raws: &[Raw],
    edges: &[RawEdge],
    kinds: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut out_n: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut in_n: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (f, t, _, _) in edges {
        if f != t {
            out_n.entry(f).or_default().insert(t);
            in_n.entry(t).or_default().insert(f);
        }
    }
    let order: HashMap<&str, usize> = raws
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let sorted = |set: Option<&BTreeSet<&str>>| -> Vec<String> {
        let mut v: Vec<&str> = set.into_iter().flatten().copied().collect();
        v.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
        v.into_iter().map(String::from).collect()
    };
    let mut owner = HashMap::new();
    for r in raws {
        let Some(rule) = fold_rule(&r.kind) else {
            continue;
        };
        let found = match rule {
            Fold::Into(types) => {
                // Breadth first over references, outgoing before incoming.
                let mut seen = BTreeSet::from([r.id.clone()]);
                let mut queue = VecDeque::from([r.id.clone()]);
                let mut found = None;
                while let Some(cur) = queue.pop_front() {
                    let next = sorted(out_n.get(cur.as_str()))
                        .into_iter()
                        .chain(sorted(in_n.get(cur.as_str())));
                    for n in next {
                        if !seen.insert(n.clone()) {
                            continue;
                        }
                        let kind = kinds.get(&n).map_or("", String::as_str);
                        if types.contains(&kind) {
                            found = Some(n);
                            break;
                        }
                        if fold_rule(kind).is_some() {
                            queue.push_back(n);
                        }
                    }
                    if found.is_some() {
                        break;
                    }
                }
                found
            }
            Fold::Neighbour => {
                let outs = sorted(out_n.get(r.id.as_str()));
                let ins = sorted(in_n.get(r.id.as_str()));
                if outs.len() == 1 {
                    Some(outs[0].clone())
                } else if outs.is_empty() && !ins.is_empty() {
                    Some(ins[0].clone())
                } else {
                    None
                }
            }
        };
        if let Some(o) = found {
            owner.insert(r.id.clone(), o);
        }
    }
    // Event-wiring resources that became edges are not drawn.
    for r in raws {
        if matches!(
            r.kind.as_str(),
            lambda::Permission::TYPE | lambda::EventSourceMapping::TYPE | sns::Subscription::TYPE
        ) {
            owner.entry(r.id.clone()).or_insert_with(|| {
                // Fold into the function it wires (its FunctionName / Endpoint).
                sorted(out_n.get(r.id.as_str()))
                    .into_iter()
                    .find(|n| kinds.get(n).is_some_and(|k| k == lambda::Function::TYPE))
                    .unwrap_or_default()
            });
        }
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_come_from_the_service_prefix() {
        assert_eq!(layer_of(cloudfront::Distribution::TYPE), "edge");
        assert_eq!(layer_of(apigateway::RestApi::TYPE), "api");
        assert_eq!(layer_of(lambda::Function::TYPE), "compute");
        assert_eq!(layer_of(dynamodb::Table::TYPE), "data");
        assert_eq!(layer_of(sqs::Queue::TYPE), "messaging");
        assert_eq!(layer_of(iam::Role::TYPE), "identity");
        assert_eq!(layer_of(ec2::Vpc::TYPE), "network");
        assert_eq!(layer_of(logs::LogGroup::TYPE), "other");
    }

    fn graph_of(template: Template) -> Graph {
        compute(&[StackTemplate {
            stack_name: "app".into(),
            region: crate::config::Region::new("eu-west-1").unwrap(),
            depends_on: Vec::new(),
            inputs: Vec::new(),
            template,
        }])
    }

    fn edges(g: &Graph) -> Vec<String> {
        g.edges
            .iter()
            .map(|e| format!("{} -> {}: {}", e.from, e.to, e.label))
            .collect()
    }

    /// A bucket's notifications are event wiring, read from its typed
    /// fields; its other properties' references stay reference edges.
    #[test]
    fn bucket_notifications_are_events_and_the_rest_references() {
        use crate::cfn::intrinsic::{get_att, r#ref, sub};
        let mut t = Template::default();
        t.add("Queue", sqs::Queue::default()).unwrap();
        t.add("Topic", sns::Topic::default()).unwrap();
        let notifications = s3::NotificationConfiguration {
            queue_configurations: Some(
                vec![s3::QueueConfiguration::new(
                    "s3:ObjectCreated:*",
                    get_att("Queue", "Arn"),
                )]
                .into(),
            ),
            topic_configurations: Some(
                vec![s3::TopicConfiguration::new(
                    "s3:ObjectRemoved:*",
                    r#ref("Topic"),
                )]
                .into(),
            ),
            ..Default::default()
        };
        let bucket = s3::Bucket {
            bucket_name: Some(sub("${Topic.TopicName}-files").into()),
            notification_configuration: Some(notifications.into()),
            ..Default::default()
        };
        t.add("Bucket", bucket).unwrap();
        assert_eq!(
            edges(&graph_of(t)),
            [
                // Topic first: notifications in the order Lambda, topic, queue.
                "Bucket -> Topic: notifies, Sub",
                "Bucket -> Queue: notifies",
            ]
        );
    }

    /// A notification configuration that is a function has no typed
    /// targets: neither event nor reference edges come from it.
    #[test]
    fn a_notification_configuration_function_draws_nothing() {
        use crate::cfn::intrinsic::{get_att, r#ref, Intrinsic};
        let mut t = Template::default();
        t.add("Queue", sqs::Queue::default()).unwrap();
        let when = Intrinsic::If(
            "HasQueue".into(),
            get_att("Queue", "Arn").into(),
            r#ref("AWS::NoValue").into(),
        );
        let bucket = s3::Bucket {
            notification_configuration: Some(Value::Fn(Box::new(when))),
            ..Default::default()
        };
        t.add("Bucket", bucket).unwrap();
        assert!(edges(&graph_of(t)).is_empty());
    }
}
