"""moto's server mode, patched where its CloudFormation cannot deploy a
blueprint (tests/integration/README.md, "The moto launcher", says why each
patch exists).

    python moto_launcher.py -H 127.0.0.1 -p PORT

conftest.py starts it instead of bare `moto_server`. Everything is patched
in this process before the server starts; moto itself is not modified.

1. Placeholder models (PLACEHOLDERS below) for the resource types the
   blueprints and the option variants in tests/variants/ use that moto's
   CloudFormation does not know. Without a model moto skips the resource
   silently (a `Ref` to it becomes nothing, so the property holding it
   vanishes) and fails the whole stack on a `Fn::GetAtt` of it. A placeholder
   is listed among the stack's resources with a plausible physical ID and
   answers `Fn::GetAtt` with plausible values. Where moto has a service
   backend for the type, the placeholder also provisions the resource in it
   (BACKED), so the tests check it through that service's API.
2. Nested stacks are updated in place (`AWS::CloudFormation::Stack`): moto
   deletes the child stack and creates a new one, destroying its resources.
3. A nested stack's physical ID is its stack ID (an ARN), as in
   CloudFormation; moto uses its name.
4. A resource removed from a template keeps existing when its
   DeletionPolicy is Retain, as in CloudFormation; moto deletes it.
5. TemplateURLs: a path-style URL on the loopback endpoint
   (http://127.0.0.1:PORT/BUCKET/KEY, what blueprint uses for a template
   over the inline limit when an endpoint is set) is read from moto's S3 (moto
   reads only `localhost` ones that way); a URL naming a missing object fails
   with a ValidationError naming it (moto answers HTTP 500).
6. `Fn::Cidr` is evaluated (moto leaves it as is, so the `Fn::Select` over
   it of `vpc.mode: create` fails).
7. AWS::Lambda::Version: `Ref` gives the version's ARN and `Fn::GetAtt
   Version` its number (moto has neither; FN-DEPLOY's alias needs both).
8. Deletions and attributes moto's models lack: AWS::EC2::RouteTable is
   deleted with its stack (else the VPC cannot be), and AWS::EFS::FileSystem
   and AccessPoint answer Fn::GetAtt Arn.
9. A stack created or updated through a change set reports its outputs
   (moto computes them only for CreateStack/UpdateStack); a stack that
   reads another's outputs (the `-cert` stacks of custom domains) needs them.
10. Route 53 hosted zone IDs start with `Z`, as Route 53's do (the option
   variants with a custom domain use a hosted zone the tests make in moto).
12. Security (issue #13): placeholders for AWS::CloudFront::VpcOrigin and
   AWS::Cognito::UserPoolDomain; AWS::CertificateManager::Certificate made
   in moto's ACM (its ELBv2 refuses an HTTPS listener with an unknown
   certificate); an AWS::EC2::SecurityGroup's SecurityGroupEgress replaces
   the default allow-all egress (moto ignores the property).
16. AWS::DAX::Cluster is made in moto's DAX backend; Fn::GetAtt
   ClusterDiscoveryEndpointURL is that cluster's endpoint (`daxs://` for a
   TLS cluster, as DAX gives; moto's own URL says `dax://`).
18. Request validation (issue 14): backed placeholders for
   AWS::ApiGateway::Model and RequestValidator; methods keep RequestModels,
   RequestValidatorId and RequestParameters.
19. Lambda's Invoke without Docker (issue 17, `blueprint invoke`): moto runs
   a function's code in a Docker container, which this machine lacks; the
   stand-in answers every synchronous invocation with
   `{"stand_in": "moto launcher patch 19", "function": NAME, "event": EVENT}`
   and a log tail (START, one line, END), through moto's own Invoke
   response (payload, X-Amz-Log-Result), and writes the same lines to the
   function's log group as Lambda would. The code itself is not run.
"""

import json
import re
import string
import sys
import uuid

from moto.apigateway.models import apigateway_backends
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation import utils as cfn_utils
from moto.cloudformation.exceptions import ValidationError
from moto.cloudfront.models import cloudfront_backends
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.utilities.utils import get_partition

# --------------------------------------------------------------------------
# 1. Placeholder models
# --------------------------------------------------------------------------

# Every resource type a blueprint or option variant uses that moto's
# CloudFormation lacks, with why it is needed. `backed`: the placeholder also
# creates the resource in moto's service backend (checked through its API).
PLACEHOLDERS = {
    # API Gateway (REST): moto models RestApi, Resource, Method, Deployment.
    "AWS::ApiGateway::Account": "every REST API blueprint sets the account's CloudWatch role",
    "AWS::ApiGateway::ApiKey": "api.usage_plan (variants)",
    "AWS::ApiGateway::Authorizer": "todo: the Cognito authorizer; Ref'd by its methods",
    "AWS::ApiGateway::BasePathMapping": "api.domain (variants)",
    "AWS::ApiGateway::DomainName": "api.domain (variants); GetAtt RegionalDomainName",
    "AWS::ApiGateway::Stage": "backed: every REST API's stage (checked through API Gateway)",
    "AWS::ApiGateway::UsagePlan": "api.usage_plan (variants)",
    "AWS::ApiGateway::UsagePlanKey": "api.usage_plan (variants)",
    # API Gateway v2: moto has the service but no CloudFormation models.
    "AWS::ApiGatewayV2::Api": "backed: chat's WebSocket API, api.type http; GetAtt ApiEndpoint",
    "AWS::ApiGatewayV2::ApiMapping": "api.domain with api.type http (variants)",
    "AWS::ApiGatewayV2::Authorizer": "api.type http: the JWT authorizer (variants)",
    "AWS::ApiGatewayV2::Deployment": "chat's deployment",
    "AWS::ApiGatewayV2::DomainName": "api.domain with api.type http (variants)",
    "AWS::ApiGatewayV2::Integration": "backed: chat's Lambda integrations",
    "AWS::ApiGatewayV2::Route": "backed: chat's $connect, $disconnect, sendmessage routes",
    "AWS::ApiGatewayV2::Stage": "backed: chat's stage",
    # Auto scaling of DynamoDB capacity, EC2 scaling policies.
    "AWS::ApplicationAutoScaling::ScalableTarget": "table.billing provisioned (variants)",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "table.billing provisioned (variants)",
    "AWS::AutoScaling::ScalingPolicy": "update-offload demo origin (variants)",
    "AWS::CertificateManager::Certificate": "custom domains (variants)",
    # CloudFront: moto has the service but no CloudFormation models.
    "AWS::CloudFront::CachePolicy": "blog, conference, update-offload; GetAtt Id",
    "AWS::CloudFront::Distribution": "backed: blog, conference, update-offload; GetAtt DomainName",
    "AWS::CloudFront::OriginAccessControl": "blog, conference; GetAtt Id",
    "AWS::CloudFront::OriginRequestPolicy": "blog, conference; GetAtt Id",
    "AWS::CloudFront::ResponseHeadersPolicy": "blog, conference, update-offload; GetAtt Id",
    "AWS::CloudWatch::Alarm": "lambda.deploy rollback alarms (variants)",
    "AWS::CodeDeploy::Application": "lambda.deploy (variants)",
    "AWS::CodeDeploy::DeploymentGroup": "lambda.deploy (variants)",
    # Cognito: moto has the services but no CloudFormation models.
    "AWS::Cognito::IdentityPool": "todo: per-user S3 folders",
    "AWS::Cognito::IdentityPoolRoleAttachment": "todo",
    "AWS::Cognito::UserPool": "backed: todo's users; GetAtt Arn, ProviderName",
    "AWS::Cognito::UserPoolClient": "backed: todo's app client",
    "AWS::Cognito::UserPoolGroup": "backed: todo's admin group",
    "AWS::DAX::Cluster": "backed (patch 16): cache dax, blog dax (variants); GetAtt ClusterDiscoveryEndpointURL",
    "AWS::DAX::ParameterGroup": "cache dax (variants)",
    "AWS::DAX::SubnetGroup": "cache dax (variants)",
    "AWS::DynamoDB::GlobalTable": "backed (the table in the stack's region): blog tables.replica_regions (variants); GetAtt Arn, StreamArn",
    "AWS::EC2::SecurityGroupEgress": "lambda.vpc, dax (variants)",
    "AWS::Lambda::Alias": "backed: lambda.deploy, provisioned concurrency (variants)",
    "AWS::Lambda::EventInvokeConfig": "blog, conference, event-pipeline: async retries",
    "AWS::S3::BucketPolicy": "every bucket's TLS-only policy (not put on the bucket: moto's S3 enforces Deny statements ignoring their conditions, which would deny every request)",
    "AWS::SNS::Subscription": "backed: event-pipeline, microservices, conference (checked through SNS)",
    "AWS::SNS::TopicPolicy": "event-pipeline: S3 may publish",
    "AWS::SQS::QueuePolicy": "backed: event-pipeline, microservices: SNS may send (the queue's Policy attribute)",
}


def _rand(n, alphabet=string.ascii_lowercase + string.digits):
    return "".join(mock_random.choice(alphabet) for _ in range(n))


def _upper(n):
    return _rand(n, string.ascii_uppercase + string.digits)


def _plain(value):
    """Properties as CloudFormation would pass them: moto's `Ref` to a model
    without a physical ID (AWS::ApiGateway::Deployment) yields the model
    object, and its YAML loader reads an unquoted `2012-10-17` as a date."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    for attr in ("physical_resource_id", "id"):
        if getattr(value, attr, None):
            return getattr(value, attr)
    return str(value)


class _Placeholder:
    """Mixed into one CloudFormationModel subclass per type (moto finds models
    through CloudFormationModel.__subclasses__(), direct subclasses only)."""

    TYPE = ""

    def __init__(self, physical_id, properties, account_id, region_name, logical_id):
        self.physical_id = physical_id
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.logical_id = logical_id
        self.state = {}

    # CloudFormationModel's interface ------------------------------------

    @staticmethod
    def cloudformation_name_type():
        return ""

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    @property
    def physical_resource_id(self):
        return self.physical_id

    def is_created(self):
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = _plain(cloudformation_json.get("Properties") or {})
        res = cls(None, props, account_id, region_name, kwargs.get("LogicalId", ""))
        res.generated_name = resource_name
        res.physical_id = _physical_id(cls.TYPE, resource_name, props, region_name, account_id)
        backing = BACKED.get(cls.TYPE)
        if backing:
            backing[0](res)
        return res

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        old = original_resource.properties
        original_resource.properties = _plain(cloudformation_json.get("Properties") or {})
        backing = BACKED.get(cls.TYPE)
        if backing:
            backing[1](original_resource, old)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass

    def delete(self, account_id, region_name):
        backing = BACKED.get(self.TYPE)
        if backing:
            backing[2](self)

    # Fn::GetAtt ------------------------------------------------------------

    def get_cfn_attribute(self, attr):
        if "table" in self.state:
            return self.state["table"].get_cfn_attribute(attr)
        t, pid, region, acct = self.TYPE, self.physical_id, self.region_name, self.account_id
        if attr in ("Id", "Name", f"{t.rsplit('::', 1)[1]}Id"):
            return pid
        if attr == "Arn":
            return _arn(t, pid, region, acct)
        if attr == "StreamArn":
            return _arn(t, pid, region, acct) + "/stream/2026-01-01T00:00:00.000"
        if attr == "DomainName" and t == "AWS::CloudFront::Distribution":
            return self.state.get("domain_name") or f"{pid.lower()}.cloudfront.net"
        if attr == "ApiEndpoint":
            if self.state.get("api_endpoint"):
                return self.state["api_endpoint"]
            scheme = "wss" if self.properties.get("ProtocolType") == "WEBSOCKET" else "https"
            return f"{scheme}://{pid}.execute-api.{region}.amazonaws.com"
        if attr == "RegionalDomainName":
            return f"d-{pid[-10:].lower()}.execute-api.{region}.amazonaws.com"
        if attr == "RegionalHostedZoneId":
            return "Z1UJRXOUMOOFQ8"
        if attr == "ProviderName":
            return f"cognito-idp.{region}.amazonaws.com/{pid}"
        if attr == "ProviderURL":
            return f"https://cognito-idp.{region}.amazonaws.com/{pid}"
        if attr == "ClusterDiscoveryEndpointURL":
            return f"dax://{pid}.abcdef.dax-clusters.{region}.amazonaws.com:8111"
        if attr == "ClientSecret":
            return "placeholder-secret"
        return f"{pid}-{attr}"


def _arn(t, pid, region, acct):
    service = {
        "Cognito": "cognito-idp",
        "DAX": "dax",
        "DynamoDB": "dynamodb",
        "CertificateManager": "acm",
        "CloudFront": "cloudfront",
        "CodeDeploy": "codedeploy",
    }.get(t.split("::")[1], t.split("::")[1].lower())
    if pid.startswith("arn:"):
        return pid
    kind = {
        "AWS::Cognito::UserPool": "userpool",
        "AWS::DAX::Cluster": "cache",
        "AWS::DynamoDB::GlobalTable": "table",
    }.get(t, t.rsplit("::", 1)[1].lower())
    region = "" if service == "cloudfront" else region
    return f"arn:aws:{service}:{region}:{acct}:{kind}/{pid}"


def _physical_id(t, generated, props, region, acct):
    """What CloudFormation's Ref returns for each type."""
    if t in ("AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route",
             "AWS::ApiGatewayV2::Deployment", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::ApiMapping",
             "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan"):
        return _rand(10)
    if t == "AWS::ApiGateway::Authorizer":
        return _rand(6)
    if t in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        return props.get("StageName") or generated
    if t in ("AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName"):
        return props.get("DomainName") or generated
    if t == "AWS::CloudFront::Distribution":
        return "E" + _upper(13)
    if t.startswith("AWS::CloudFront::"):
        return str(uuid.UUID(int=mock_random.getrandbits(128)))
    if t == "AWS::Cognito::UserPool":
        return f"{region}_{_rand(9, string.ascii_letters + string.digits)}"
    if t == "AWS::Cognito::UserPoolClient":
        return _rand(26)
    if t == "AWS::Cognito::UserPoolGroup":
        return props.get("GroupName") or generated
    if t == "AWS::Cognito::IdentityPool":
        return f"{region}:{uuid.UUID(int=mock_random.getrandbits(128))}"
    if t == "AWS::CertificateManager::Certificate":
        return f"arn:aws:acm:{region}:{acct}:certificate/{uuid.UUID(int=mock_random.getrandbits(128))}"
    if t == "AWS::SNS::Subscription":
        return f"{props.get('TopicArn', 'arn:aws:sns:' + region + ':' + acct + ':topic')}:{uuid.UUID(int=mock_random.getrandbits(128))}"
    if t == "AWS::Lambda::Alias":
        fn = str(props.get("FunctionName", generated))
        if not fn.startswith("arn:"):
            fn = f"arn:aws:lambda:{region}:{acct}:function:{fn}"
        return f"{fn}:{props.get('Name', 'live')}"
    if t == "AWS::DAX::Cluster":
        return (props.get("ClusterName") or generated)[:20].lower().rstrip("-")
    if t == "AWS::DynamoDB::GlobalTable":
        return props.get("TableName") or generated
    if t == "AWS::CodeDeploy::Application":
        return props.get("ApplicationName") or generated
    return generated


# Backed placeholders: (create, update(res, old_props), delete) -------------


def _apigw_stage_create(res):
    p = res.properties
    apigateway_backends[res.account_id][res.region_name].create_stage(
        p["RestApiId"], res.physical_id, p.get("DeploymentId"),
        variables=p.get("Variables"), description=p.get("Description", ""),
        cacheClusterEnabled=p.get("CacheClusterEnabled"), cacheClusterSize=p.get("CacheClusterSize"),
        tracing_enabled=p.get("TracingEnabled"),
    )


def _apigw_stage_delete(res):
    try:
        apigateway_backends[res.account_id][res.region_name].delete_stage(res.properties["RestApiId"], res.physical_id)
    except Exception:
        pass


def _apigw_stage_update(res, old):
    stage = apigateway_backends[res.account_id][res.region_name].get_rest_api(res.properties["RestApiId"]).stages.get(res.physical_id)
    if stage is None:
        _apigw_stage_create(res)
        return
    stage.deployment_id = res.properties.get("DeploymentId")
    stage.tracing_enabled = res.properties.get("TracingEnabled")
    stage.variables = res.properties.get("Variables") or {}


def _v2(res):
    return apigatewayv2_backends[res.account_id][res.region_name]


def _v2_api_create(res):
    p = res.properties
    api = _v2(res).create_api(
        api_key_selection_expression=p.get("ApiKeySelectionExpression"),
        cors_configuration=p.get("CorsConfiguration"),
        description=p.get("Description"),
        disable_schema_validation=p.get("DisableSchemaValidation"),
        disable_execute_api_endpoint=p.get("DisableExecuteApiEndpoint"),
        name=p.get("Name"),
        protocol_type=p.get("ProtocolType"),
        route_selection_expression=p.get("RouteSelectionExpression"),
        tags=p.get("Tags") or {},
        version=p.get("Version"),
    )
    res.physical_id = api.api_id
    res.state["api_endpoint"] = api.api_endpoint


def _v2_api_delete(res):
    _v2(res).delete_api(res.physical_id)


def _v2_route_create(res):
    p = res.properties
    route = _v2(res).create_route(
        api_id=p["ApiId"], api_key_required=p.get("ApiKeyRequired", False),
        authorization_scopes=p.get("AuthorizationScopes", []), authorization_type=p.get("AuthorizationType"),
        authorizer_id=p.get("AuthorizerId"), model_selection_expression=p.get("ModelSelectionExpression"),
        operation_name=p.get("OperationName"), request_models=p.get("RequestModels"),
        request_parameters=p.get("RequestParameters"), route_key=p["RouteKey"],
        route_response_selection_expression=p.get("RouteResponseSelectionExpression"), target=p.get("Target"),
    )
    res.physical_id = route.route_id


def _v2_route_delete(res):
    try:
        _v2(res).delete_route(res.properties["ApiId"], res.physical_id)
    except Exception:
        pass


def _v2_route_update(res, old):
    _v2_route_delete(res)
    _v2_route_create(res)


def _v2_integration_create(res):
    p = res.properties
    integration = _v2(res).create_integration(
        api_id=p["ApiId"], connection_id=p.get("ConnectionId"), connection_type=p.get("ConnectionType"),
        content_handling_strategy=p.get("ContentHandlingStrategy"), credentials_arn=p.get("CredentialsArn"),
        description=p.get("Description"), integration_method=p.get("IntegrationMethod"),
        integration_subtype=p.get("IntegrationSubtype"), integration_type=p.get("IntegrationType"),
        integration_uri=p.get("IntegrationUri"), passthrough_behavior=p.get("PassthroughBehavior"),
        payload_format_version=p.get("PayloadFormatVersion"), request_parameters=p.get("RequestParameters"),
        request_templates=p.get("RequestTemplates"), response_parameters=p.get("ResponseParameters"),
        template_selection_expression=p.get("TemplateSelectionExpression"),
        timeout_in_millis=p.get("TimeoutInMillis"), tls_config=p.get("TlsConfig"),
    )
    res.physical_id = integration.id


def _v2_integration_delete(res):
    try:
        _v2(res).delete_integration(res.properties["ApiId"], res.physical_id)
    except Exception:
        pass


def _v2_integration_update(res, old):
    # Keep the ID: routes target "integrations/<id>".
    integration = _v2(res).get_integration(res.properties["ApiId"], res.physical_id)
    integration.integration_uri = res.properties.get("IntegrationUri")


def _v2_stage_create(res):
    p = res.properties
    api = _v2(res).get_api(p["ApiId"])
    config = {
        "stageName": p["StageName"],
        "autoDeploy": p.get("AutoDeploy"),
        "description": p.get("Description"),
        "deploymentId": p.get("DeploymentId"),
        "stageVariables": p.get("StageVariables", {}),
    }
    if p.get("DefaultRouteSettings"):
        config["defaultRouteSettings"] = {k[0].lower() + k[1:]: v for k, v in p["DefaultRouteSettings"].items()}
    if p.get("AccessLogSettings"):
        config["accessLogSettings"] = {k[0].lower() + k[1:]: v for k, v in p["AccessLogSettings"].items()}
    api.create_stage(config)


def _v2_stage_delete(res):
    try:
        _v2(res).get_api(res.properties["ApiId"]).delete_stage(res.physical_id)
    except Exception:
        pass


def _v2_stage_update(res, old):
    _v2_stage_delete(res)
    _v2_stage_create(res)


def _idp(res):
    return cognitoidp_backends[res.account_id][res.region_name]


def _pool_create(res):
    p = dict(res.properties)
    name = p.pop("UserPoolName", None) or res.generated_name
    pool = _idp(res).create_user_pool(name, p)
    res.physical_id = pool.id


def _pool_update(res, old):
    p = dict(res.properties)
    p.pop("UserPoolName", None)
    _idp(res).update_user_pool(res.physical_id, p)


def _pool_delete(res):
    try:
        _idp(res).delete_user_pool(res.physical_id)
    except Exception:
        pass


def _client_create(res):
    p = dict(res.properties)
    pool_id = p.pop("UserPoolId")
    p.setdefault("ClientName", res.logical_id)
    client = _idp(res).create_user_pool_client(pool_id, bool(p.pop("GenerateSecret", False)), p)
    res.physical_id = client.id


def _client_update(res, old):
    p = dict(res.properties)
    pool_id = p.pop("UserPoolId")
    p.pop("GenerateSecret", None)
    p.setdefault("ClientName", res.logical_id)
    _idp(res).update_user_pool_client(pool_id, res.physical_id, p)


def _client_delete(res):
    try:
        _idp(res).delete_user_pool_client(res.properties["UserPoolId"], res.physical_id)
    except Exception:
        pass


def _group_create(res):
    p = res.properties
    _idp(res).create_group(p["UserPoolId"], res.physical_id, p.get("Description"), p.get("RoleArn"), p.get("Precedence"))


def _group_update(res, old):
    p = res.properties
    _idp(res).update_group(p["UserPoolId"], res.physical_id, p.get("Description"), p.get("RoleArn"), p.get("Precedence"))


def _group_delete(res):
    try:
        _idp(res).delete_group(res.properties["UserPoolId"], res.physical_id)
    except Exception:
        pass


def _cf(res):
    return cloudfront_backends[res.account_id][get_partition(res.region_name)]


def _items(values):
    values = list(values or [])
    return {"Quantity": len(values), "Items": values}


def _behavior(b):
    b = dict(b)
    methods = b.pop("AllowedMethods", ["GET", "HEAD"])
    cached = b.pop("CachedMethods", ["GET", "HEAD"])
    b["AllowedMethods"] = {"Items": methods, "CachedMethods": {"Items": cached}}
    return b


def _distribution_config(res):
    """CloudFormation's DistributionConfig (lists) in the shape moto's
    CloudFront backend takes (the API's Quantity/Items)."""
    c = json.loads(json.dumps(res.properties["DistributionConfig"]))
    origins = []
    for o in c.get("Origins", []):
        o = dict(o)
        if "CustomOriginConfig" in o:
            coc = dict(o["CustomOriginConfig"])
            coc["OriginSslProtocols"] = {"Items": coc.pop("OriginSSLProtocols", [])}
            o["CustomOriginConfig"] = coc
        origins.append(o)
    c["Origins"] = _items(origins)
    c["CacheBehaviors"] = _items([_behavior(b) for b in c.get("CacheBehaviors", [])])
    c["DefaultCacheBehavior"] = _behavior(c.get("DefaultCacheBehavior", {}))
    if "Aliases" in c:
        c["Aliases"] = {"Items": c["Aliases"]}
    if "IPV6Enabled" in c:
        c["IsIPV6Enabled"] = c.pop("IPV6Enabled")
    c["CallerReference"] = res.state.setdefault("caller_reference", f"{res.logical_id}-{_upper(12)}")
    c.setdefault("Comment", "")
    return c


def _distribution_create(res):
    from moto.cloudfront.exceptions import OriginDoesNotExist

    try:
        dist, _, _ = _cf(res).create_distribution(_distribution_config(res), [])
    except OriginDoesNotExist:
        # moto's CloudFront does not know origin groups (a behaviour that
        # targets one, e.g. update-offload's failover): a placeholder only.
        res.state["unbacked"] = True
        return
    res.physical_id = dist.distribution_id
    res.state["domain_name"] = dist.domain_name


def _distribution_update(res, old):
    if not res.state.get("unbacked"):
        _cf(res).update_distribution(_distribution_config(res), res.physical_id, if_match=True)


def _distribution_delete(res):
    try:
        _cf(res).delete_distribution(res.physical_id, if_match=True)
    except Exception:
        pass


def _sns(res):
    return sns_backends[res.account_id][res.region_name]


def _subscription_create(res):
    p = res.properties
    sub = _sns(res).subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
    res.physical_id = sub.arn
    for name in ("RawMessageDelivery", "FilterPolicy", "RedrivePolicy", "DeliveryPolicy", "FilterPolicyScope"):
        if name in p:
            value = p[name]
            if isinstance(value, bool):
                value = str(value).lower()
            elif not isinstance(value, str):
                value = json.dumps(value)
            _sns(res).set_subscription_attributes(sub.arn, name, value)


def _subscription_delete(res):
    _sns(res).unsubscribe(res.physical_id)


def _subscription_update(res, old):
    _subscription_delete(res)
    _subscription_create(res)


def _queue_policy_apply(res, policy):
    backend = sqs_backends[res.account_id][res.region_name]
    for url in res.properties.get("Queues", []):
        name = str(url).rstrip("/").rsplit("/", 1)[-1]
        backend.set_queue_attributes(name, {"Policy": policy})


def _queue_policy_create(res):
    _queue_policy_apply(res, json.dumps(res.properties.get("PolicyDocument", {})))


def _queue_policy_delete(res):
    try:
        _queue_policy_apply(res, "")
    except Exception:
        pass


def _lambda(res):
    from moto.awslambda.models import lambda_backends

    return lambda_backends[res.account_id][res.region_name]


def _alias_function(res):
    fn = str(res.properties["FunctionName"])
    return fn.split(":function:", 1)[1].split(":")[0] if ":function:" in fn else fn


def _alias_create(res):
    p = res.properties
    alias = _lambda(res).create_alias(
        name=p["Name"], function_name=_alias_function(res), function_version=str(p["FunctionVersion"]),
        description=p.get("Description", ""), routing_config=p.get("RoutingConfig"),
    )
    res.physical_id = alias.arn


def _alias_update(res, old):
    p = res.properties
    _lambda(res).update_alias(
        name=p["Name"], function_name=_alias_function(res), function_version=str(p["FunctionVersion"]),
        description=p.get("Description", ""), routing_config=p.get("RoutingConfig"),
    )


def _alias_delete(res):
    try:
        _lambda(res).delete_alias(res.properties["Name"], _alias_function(res))
    except Exception:
        pass


def _global_table_create(res):
    """The table in the stack's region, with its stream (replicas elsewhere
    are not made): its Arn and StreamArn are real, so an event source
    mapping on the stream works."""
    from moto.dynamodb.models.table import Table

    props = {k: v for k, v in res.properties.items() if k != "Replicas"}
    table = Table.create_from_cloudformation_json(res.physical_id, {"Properties": props}, res.account_id, res.region_name)
    res.state["table"] = table


def _global_table_delete(res):
    from moto.dynamodb.models import dynamodb_backends

    try:
        dynamodb_backends[res.account_id][res.region_name].delete_table(name=res.physical_id)
    except Exception:
        pass


BACKED = {
    "AWS::ApiGateway::Stage": (_apigw_stage_create, _apigw_stage_update, _apigw_stage_delete),
    "AWS::ApiGatewayV2::Api": (_v2_api_create, lambda res, old: None, _v2_api_delete),
    "AWS::ApiGatewayV2::Route": (_v2_route_create, _v2_route_update, _v2_route_delete),
    "AWS::ApiGatewayV2::Integration": (_v2_integration_create, _v2_integration_update, _v2_integration_delete),
    "AWS::ApiGatewayV2::Stage": (_v2_stage_create, _v2_stage_update, _v2_stage_delete),
    "AWS::Cognito::UserPool": (_pool_create, _pool_update, _pool_delete),
    "AWS::Cognito::UserPoolClient": (_client_create, _client_update, _client_delete),
    "AWS::Cognito::UserPoolGroup": (_group_create, _group_update, _group_delete),
    "AWS::CloudFront::Distribution": (_distribution_create, _distribution_update, _distribution_delete),
    "AWS::SNS::Subscription": (_subscription_create, _subscription_update, _subscription_delete),
    "AWS::Lambda::Alias": (_alias_create, _alias_update, _alias_delete),
    "AWS::DynamoDB::GlobalTable": (_global_table_create, lambda res, old: None, _global_table_delete),
    "AWS::SQS::QueuePolicy": (_queue_policy_create, lambda res, old: _queue_policy_create(res), _queue_policy_delete),
}


def _register_placeholder_types(types, base=None):
    """Makes each CloudFormation type in `types` a placeholder (of class
    `base`, `_Placeholder` by default) that moto's CloudFormation knows,
    refusing one moto has come to model itself."""
    known = parsing.get_model_map()
    for t in types:
        if t in known:
            raise RuntimeError(f"moto now models {t}: drop its placeholder (tests/integration/moto_launcher.py)")
        name = "Placeholder" + t.replace("AWS::", "").replace("::", "")
        type(name, (base or _Placeholder, CloudFormationModel), {
            "TYPE": t,
            "cloudformation_type": staticmethod(lambda t=t: t),
        })
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def register_placeholders():
    _register_placeholder_types(PLACEHOLDERS)


# --------------------------------------------------------------------------
# 2, 3, 5. Nested stacks
# --------------------------------------------------------------------------


_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def read_template_url(template_url, account_id, partition):
    """A TemplateURL's body from moto's S3. Path-style URLs on the loopback
    endpoint (`http://127.0.0.1:PORT/BUCKET/KEY`, what blueprint builds for a
    custom endpoint) are read like moto reads `localhost` ones (it takes
    `127` for the bucket otherwise); a missing object is a ValidationError
    naming the URL (moto answers HTTP 500)."""
    from urllib.parse import urlparse

    from moto.s3.models import s3_backends

    url = urlparse(template_url)
    try:
        if url.hostname in _LOOPBACK or (url.netloc.split(":")[0] in _LOOPBACK):
            bucket, key = url.path.lstrip("/").split("/", 1)
            return s3_backends[account_id][partition].get_object(bucket, key).value.decode("utf-8")
        return _original_read(template_url, account_id=account_id, partition=partition)
    except Exception as e:
        raise ValidationError(message=f"TemplateURL {template_url} cannot be read: {type(e).__name__}: {e}") from e


_original_read = cfn_utils.get_stack_from_s3_url


def _template_from_s3(template_url, account_id, region_name):
    return read_template_url(template_url, account_id, get_partition(region_name))


def _nested_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json["Properties"]
    body = _template_from_s3(properties["TemplateURL"], account_id, region_name)
    backend = cfn_models.cloudformation_backends[account_id][region_name]
    return backend.create_stack(name=resource_name, template=body, parameters=properties.get("Parameters", {}))


def _nested_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    """CloudFormation updates a nested stack in place: the child stack gets
    the new template and parameters, and its resources are updated (not
    deleted and created again, as moto does)."""
    properties = cloudformation_json["Properties"]
    body = _template_from_s3(properties["TemplateURL"], account_id, region_name)
    parameters = properties.get("Parameters", {})
    child = original_resource
    if not (child.has_template(body) and child.has_parameters(parameters)):
        child.update(body, parameters=parameters)
    return child


def patch_nested_stacks():
    from moto.cloudformation import responses as cfn_responses

    for module in (cfn_utils, cfn_models, cfn_responses):
        module.get_stack_from_s3_url = read_template_url
    Stack = cfn_models.Stack
    Stack.create_from_cloudformation_json = classmethod(_nested_create)
    Stack.update_from_cloudformation_json = classmethod(_nested_update)
    Stack.physical_resource_id = property(lambda self: self.stack_id)


# --------------------------------------------------------------------------
# 4. DeletionPolicy Retain on removal from a template
# --------------------------------------------------------------------------


def patch_retain_on_removal():
    original = parsing.ResourceMap._delete_resource

    def _delete_resource(self, parsed_resource, resource_json):
        if resource_json.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
            return
        original(self, parsed_resource, resource_json)

    parsing.ResourceMap._delete_resource = _delete_resource


# --------------------------------------------------------------------------
# 6. Fn::Cidr; 7. AWS::Lambda::Version's Ref and Fn::GetAtt
# --------------------------------------------------------------------------


def cidr(ip_block, count, cidr_bits):
    """Fn::Cidr: `count` subnets of `cidr_bits` host bits from `ip_block`."""
    import ipaddress

    network = ipaddress.ip_network(ip_block, strict=False)
    prefix = network.max_prefixlen - int(cidr_bits)
    subnets = network.subnets(new_prefix=prefix)
    return [str(next(subnets)) for _ in range(int(count))]


def patch_cidr():
    original = parsing.clean_json

    def clean_json(resource_json, resources_map):
        if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
            args = original(resource_json["Fn::Cidr"], resources_map)
            return cidr(*args)
        return original(resource_json, resources_map)

    # clean_json calls itself through the module global: every level sees it.
    parsing.clean_json = clean_json


def patch_lambda_version():
    from moto.awslambda import models as lambda_models

    LambdaVersion = lambda_models.LambdaVersion

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        name = cloudformation_json["Properties"]["FunctionName"]
        backend = lambda_models.lambda_backends[account_id][region_name]
        func = backend.publish_version(name, cloudformation_json["Properties"].get("Description", ""))
        version = LambdaVersion({"Version": func.version})
        unqualified = func.function_arn.rsplit(":", 1)[0] if func.function_arn.endswith(f":{func.version}") else func.function_arn
        version.function_arn = unqualified
        return version

    def get_cfn_attribute(self, attr):
        if attr == "Version":
            return self.version
        if attr == "FunctionArn":
            return self.function_arn
        raise NotImplementedError(attr)

    LambdaVersion.create_from_cloudformation_json = classmethod(create)
    LambdaVersion.physical_resource_id = property(lambda self: f"{self.function_arn}:{self.version}")
    LambdaVersion.get_cfn_attribute = get_cfn_attribute
    LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Version", "FunctionArn"))


# --------------------------------------------------------------------------
# 8. Deleting what `vpc.mode: create` and the demo origin make
# --------------------------------------------------------------------------


def patch_deletions():
    """moto's CloudFormation never deletes an AWS::EC2::RouteTable (so the
    VPC's deletion fails with DependencyViolation and the stack with it), and
    its EFS models answer no Fn::GetAtt."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.route_tables import RouteTable
    from moto.efs.models import AccessPoint, FileSystem

    def delete_route_table(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        table = backend.route_tables.get(resource_name)
        if table is None:
            return
        table._associations.clear()
        backend.delete_route_table(resource_name)

    RouteTable.delete_from_cloudformation_json = classmethod(delete_route_table)

    def fs_attribute(self, attr):
        if attr == "Arn":
            return self.file_system_arn
        if attr == "FileSystemId":
            return self.file_system_id
        raise NotImplementedError(attr)

    def ap_attribute(self, attr):
        if attr == "Arn":
            return self.access_point_arn
        if attr == "AccessPointId":
            return self.access_point_id
        raise NotImplementedError(attr)

    FileSystem.get_cfn_attribute = fs_attribute
    AccessPoint.get_cfn_attribute = ap_attribute


# --------------------------------------------------------------------------
# 9. Outputs of stacks made through change sets
# --------------------------------------------------------------------------


def patch_change_set_outputs():
    """moto computes a stack's outputs (and exports) from the template it
    was created with; a stack a change set creates starts from an empty one,
    so it never has outputs. After a change set runs, they are computed from
    its template, as for CreateStack and UpdateStack."""
    Backend = cfn_models.CloudFormationBackend
    original = Backend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        original(self, change_set_name, stack_name)
        change_set = self.change_sets.get(change_set_name) or next(
            cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name
        )
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()
        for export in stack.exports:
            self.exports[export.name] = export

    Backend.execute_change_set = execute_change_set


# --------------------------------------------------------------------------
# 10. Route 53 hosted zone IDs
# --------------------------------------------------------------------------


def patch_hosted_zone_ids():
    """Hosted zone IDs start with `Z`, as Route 53's do (moto's start with
    any letter or digit, which blueprint's validation rightly refuses)."""
    from moto.route53.models import HostedZoneIdentifier

    original = HostedZoneIdentifier.generate

    def generate(self, existing_ids=None, tags=None):
        zone_id = original(self, existing_ids=existing_ids, tags=tags)
        return zone_id if zone_id.startswith("Z") else "Z" + zone_id[1:]

    HostedZoneIdentifier.generate = generate


# --------------------------------------------------------------------------
# 11. KMS key policies written in templates
# --------------------------------------------------------------------------


def patch_kms_key_policy():
    """An AWS::KMS::Key's `KeyPolicy` is a JSON object in a template; moto's
    CloudFormation model stores it as that object, while its KMS API expects
    the text CreateKey and PutKeyPolicy take, so every later call on the key
    (DescribeKey, GetKeyPolicy) fails with HTTP 500. The policy is stored as
    text, as KMS keeps it."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        policy = properties.get("KeyPolicy")
        if isinstance(policy, dict):
            cloudformation_json = {
                **cloudformation_json,
                "Properties": {**properties, "KeyPolicy": json.dumps(_plain(policy))},
            }
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------
# 12. Security (issue #13): placeholders for VPC origins and user pool
#     domains, certificates made in ACM, security group egress as written
# --------------------------------------------------------------------------

# Types the private demo origin of update-offload and the signed-in ALB front
# of microservices use that moto's CloudFormation does not know: placeholders
# (listed among the stack's resources, with a physical ID and Fn::GetAtt
# values), like those of PLACEHOLDERS.
SECURITY_PLACEHOLDERS = {
    "AWS::CloudFront::VpcOrigin": "update-offload demo origin: CloudFront's way into the internal ALB; GetAtt Id",
    "AWS::Cognito::UserPoolDomain": "microservices front: alb: the sign-in pages of the user pool the stack creates",
}


def _certificate_create(res):
    from moto.acm.models import acm_backends

    p = res.properties
    sans = [n for n in p.get("SubjectAlternativeNames") or [] if n != p["DomainName"]]
    res.physical_id = acm_backends[res.account_id][res.region_name].request_certificate(
        p["DomainName"], None, sans, []
    )


def _certificate_delete(res):
    from moto.acm.models import acm_backends

    try:
        acm_backends[res.account_id][res.region_name].delete_certificate(res.physical_id)
    except Exception:
        pass


def register_security_placeholders():
    """Placeholder models for SECURITY_PLACEHOLDERS (a separate patch, so the
    list above stays with the change that needs it), and certificates made in
    moto's ACM: moto's ELBv2 refuses an HTTPS listener whose certificate ACM
    does not know (the demo origin's listener uses the certificate the stack
    creates)."""
    BACKED.setdefault(
        "AWS::CertificateManager::Certificate",
        (_certificate_create, lambda res, old: None, _certificate_delete),
    )
    _register_placeholder_types(SECURITY_PLACEHOLDERS)


def patch_security_group_egress():
    """An AWS::EC2::SecurityGroup's `SecurityGroupEgress` replaces the default
    allow-all egress rule, as in CloudFormation; moto's model ignores the
    property and keeps allow-all (so the least-privilege egress the
    templates list could not be checked through EC2)."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup

    original = SecurityGroup.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        group = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        egress = _plain((cloudformation_json.get("Properties") or {}).get("SecurityGroupEgress"))
        if egress:
            backend = ec2_backends[account_id][region_name]
            backend.revoke_security_group_egress(
                group.id, None, None, None, [], security_rule_ids=[r.id for r in group.egress_rules], vpc_id=group.vpc_id
            )
            for rule in egress:
                backend.authorize_security_group_egress(
                    group.id,
                    str(rule["IpProtocol"]),
                    rule.get("FromPort"),
                    rule.get("ToPort"),
                    [{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                    vpc_id=group.vpc_id,
                )
        return group

    SecurityGroup.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------
# 13. API Gateway v2 authorizers provisioned in moto's backend (issue #13)
# --------------------------------------------------------------------------

# chat's `$connect` Lambda REQUEST authorizer and blog's JWT authorizer (api.type
# http) are placeholders in PLACEHOLDERS; this patch also creates them in
# moto's API Gateway v2 backend, so the routes name a real authorizer and the
# tests read it back with GetAuthorizer (type, identity source, URI).


def _v2_jwt_config(p):
    jwt = p.get("JwtConfiguration")
    if not jwt:
        return None
    return {"audience": jwt.get("Audience", []), "issuer": jwt.get("Issuer")}


def _v2_authorizer_args(p):
    return dict(
        auth_creds_arn=p.get("AuthorizerCredentialsArn"),
        auth_payload_format_version=p.get("AuthorizerPayloadFormatVersion"),
        auth_result_ttl=p.get("AuthorizerResultTtlInSeconds"),
        authorizer_type=p.get("AuthorizerType"),
        authorizer_uri=p.get("AuthorizerUri"),
        enable_simple_response=p.get("EnableSimpleResponses"),
        identity_source=p.get("IdentitySource"),
        identity_validation_expr=p.get("IdentityValidationExpression"),
        jwt_config=_v2_jwt_config(p),
        name=p.get("Name"),
    )


def _v2_authorizer_create(res):
    p = res.properties
    authorizer = _v2(res).get_api(p["ApiId"]).create_authorizer(**_v2_authorizer_args(p))
    res.physical_id = authorizer.id


def _v2_authorizer_update(res, old):
    # Keep the ID: routes name it.
    _v2(res).get_api(res.properties["ApiId"]).update_authorizer(res.physical_id, **_v2_authorizer_args(res.properties))


def _v2_authorizer_delete(res):
    try:
        _v2(res).get_api(res.properties["ApiId"]).delete_authorizer(res.physical_id)
    except Exception:
        pass


def patch_v2_authorizers():
    """Backs the AWS::ApiGatewayV2::Authorizer placeholder (see above)."""
    BACKED["AWS::ApiGatewayV2::Authorizer"] = (_v2_authorizer_create, _v2_authorizer_update, _v2_authorizer_delete)


# --------------------------------------------------------------------------
# Customer-managed keys (issue #13, options.security.customer_managed_keys,
# src/passes/encryption.rs): the key properties moto's CloudFormation drops
# --------------------------------------------------------------------------


def patch_customer_managed_keys():
    """moto's CloudFormation models take the encryption settings of three
    types in their API spelling only, so a template's are lost:
    - AWS::DynamoDB::Table: `SSESpecification` is kept as written, but moto
      reads `Enabled` (the API's name) where the template says `SSEEnabled`,
      so DescribeTable shows no `SSEDescription`. The template's form is
      turned into the API's (`SSEEnabled` → `Enabled`) on create (moto
      models no table update from a template: nothing to patch there).
    - AWS::Logs::LogGroup: the properties are passed as keyword arguments,
      and moto reads `kmsKeyId`, not the template's `KmsKeyId`.
    - AWS::Lambda::Function: `KmsKeyArn` is not among the properties moto
      copies (create) and `update_configuration` reads `KMSKeyArn`.
    Each is set the way the service API would have set it."""
    from moto.awslambda.models import LambdaFunction
    from moto.dynamodb.models.table import Table
    from moto.logs.models import LogGroup

    def api_sse(properties):
        sse = properties.get("SSESpecification")
        if not isinstance(sse, dict) or "SSEEnabled" not in sse:
            return properties
        api = {k: v for k, v in sse.items() if k != "SSEEnabled"}
        api["Enabled"] = sse["SSEEnabled"] in (True, "true", "True")
        return {**properties, "SSESpecification": api}

    table_create = Table.create_from_cloudformation_json.__func__

    def create_table(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        cloudformation_json = {**cloudformation_json, "Properties": api_sse(cloudformation_json["Properties"])}
        return table_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Table.create_from_cloudformation_json = classmethod(create_table)

    log_group_create = LogGroup.create_from_cloudformation_json.__func__

    def create_log_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = dict(cloudformation_json["Properties"])
        if "KmsKeyId" in properties:
            properties["kmsKeyId"] = properties.pop("KmsKeyId")
        cloudformation_json = {**cloudformation_json, "Properties": properties}
        return log_group_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    LogGroup.create_from_cloudformation_json = classmethod(create_log_group)

    function_create = LambdaFunction.create_from_cloudformation_json.__func__
    function_update = LambdaFunction.update_from_cloudformation_json.__func__

    def create_function(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        fn = function_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        fn.kms_key_arn = cloudformation_json["Properties"].get("KmsKeyArn")
        return fn

    def update_function(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        fn = function_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        fn.kms_key_arn = cloudformation_json["Properties"].get("KmsKeyArn")
        return fn

    LambdaFunction.create_from_cloudformation_json = classmethod(create_function)
    LambdaFunction.update_from_cloudformation_json = classmethod(update_function)

# 15. AWS WAF (options.security.waf, issue #13): web ACLs and associations
#     made in moto's WAFv2 backend
# --------------------------------------------------------------------------

# moto 5.2.5 has the WAFv2 API but no CloudFormation model of its types:
# backed placeholders, so the tests read the ACLs back with GetWebACL and
# GetWebACLForResource.
WAF_PLACEHOLDERS = {
    "AWS::WAFv2::WebACL": "backed: options.security.waf: the regional and CloudFront-scope web ACLs; GetAtt Arn, Id",
    "AWS::WAFv2::WebACLAssociation": "backed: options.security.waf: a web ACL in front of a REST API stage or a load balancer",
}


def _waf(res, scope="REGIONAL"):
    from moto.wafv2.models import GLOBAL_REGION, wafv2_backends

    return wafv2_backends[res.account_id][GLOBAL_REGION if scope == "CLOUDFRONT" else res.region_name]


def _waf_acl_name(res):
    """The template's Name, else one generated as CloudFormation does (the
    stack, the logical ID, a random suffix), within WAF's 128 characters."""
    import re

    given = res.properties.get("Name")
    if given:
        return given
    stem = re.sub(r"[^0-9A-Za-z_-]", "-", f"{res.generated_name}")[:115]
    return f"{stem}-{_upper(12)}"


def _waf_acl_create(res):
    p = res.properties
    acl = _waf(res, p["Scope"]).create_web_acl(
        _waf_acl_name(res), p["VisibilityConfig"], p["DefaultAction"], p["Scope"], p.get("Description"),
        p.get("Tags") or [], p.get("Rules") or [], None, None, None, None, None,
    )
    res.state["acl"] = acl
    # CloudFormation's Ref: name|id|scope.
    res.physical_id = f"{acl.name}|{acl.id}|{p['Scope']}"


def _waf_acl_update(res, old):
    p, acl = res.properties, res.state["acl"]
    _waf(res, p["Scope"]).update_web_acl(
        acl.name, acl.id, p["DefaultAction"], p.get("Rules") or [], p.get("Description"), p["VisibilityConfig"],
        acl.lock_token, None, None, None, None, None,
    )


def _waf_acl_delete(res):
    acl = res.state.get("acl")
    if acl is None:
        return
    try:
        _waf(res, res.properties["Scope"]).delete_web_acl(acl.name, res.properties["Scope"], acl.id, acl.lock_token)
    except Exception:
        pass


def _waf_association_create(res):
    p = res.properties
    _waf(res).associate_web_acl(p["WebACLArn"], p["ResourceArn"])
    res.physical_id = f"{p['ResourceArn']}|{p['WebACLArn']}"


def _waf_association_update(res, old):
    try:
        _waf(res).disassociate_web_acl(old["ResourceArn"])
    except Exception:
        pass
    _waf_association_create(res)


def _waf_association_delete(res):
    try:
        _waf(res).disassociate_web_acl(res.properties["ResourceArn"])
    except Exception:
        pass


class _WafPlaceholder(_Placeholder):
    """Fn::GetAtt of a web ACL: its ARN and ID as WAF made them."""

    def get_cfn_attribute(self, attr):
        acl = self.state.get("acl")
        if acl is not None and attr in ("Arn", "Id", "Capacity", "LabelNamespace"):
            return {"Arn": acl.arn, "Id": acl.id, "Capacity": acl.capacity, "LabelNamespace": acl.label_namespace}[attr]
        return super().get_cfn_attribute(attr)


def register_waf_placeholders():
    """Backed placeholders for WAF_PLACEHOLDERS (see above)."""
    BACKED["AWS::WAFv2::WebACL"] = (_waf_acl_create, _waf_acl_update, _waf_acl_delete)
    BACKED["AWS::WAFv2::WebACLAssociation"] = (_waf_association_create, _waf_association_update, _waf_association_delete)
    _register_placeholder_types(WAF_PLACEHOLDERS, base=_WafPlaceholder)


# 14. Access logs (issue #13, options.security.access_logs)
# --------------------------------------------------------------------------

# moto's CloudFormation creates an AWS::S3::Bucket with its encryption and
# tags only, an AWS::ElasticLoadBalancingV2::LoadBalancer without its
# LoadBalancerAttributes, and `_distribution_config` hands CloudFront a
# Logging without `Enabled` (CloudFormation has no such field: a Logging
# block means logs on), which moto's CloudFront reads as off. This patch
# applies a bucket's LoggingConfiguration and LifecycleConfiguration (create
# and update), a load balancer's attributes (create), and marks a
# distribution's Logging enabled, so the tests read them back through S3,
# ELBv2 and CloudFront. The logging target is set on the bucket directly:
# moto's PutBucketLogging checks the target's policy, and bucket policies are
# placeholders here (patch 1).


def _access_logs_bucket_extras(bucket, properties):
    lc = properties.get("LoggingConfiguration")
    if lc and lc.get("DestinationBucketName"):
        bucket.logging = {"TargetBucket": lc["DestinationBucketName"], "TargetPrefix": lc.get("LogFilePrefix", "")}
    rules = (properties.get("LifecycleConfiguration") or {}).get("Rules")
    if rules:
        api_rules = []
        for r in rules:
            a = {"ID": r.get("Id"), "Status": r.get("Status", "Enabled")}
            a["Filter"] = {"Prefix": r.get("Prefix", "")}
            if "ExpirationInDays" in r:
                a["Expiration"] = {"Days": r["ExpirationInDays"]}
            if "AbortIncompleteMultipartUpload" in r:
                a["AbortIncompleteMultipartUpload"] = r["AbortIncompleteMultipartUpload"]
            if "NoncurrentVersionExpiration" in r:
                a["NoncurrentVersionExpiration"] = r["NoncurrentVersionExpiration"]
            api_rules.append(a)
        bucket.set_lifecycle(api_rules)


def patch_access_logs():
    from moto.elbv2.models import FakeLoadBalancer, elbv2_backends
    from moto.s3.models import FakeBucket

    create_bucket = FakeBucket.create_from_cloudformation_json.__func__
    update_bucket = FakeBucket.update_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = create_bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _access_logs_bucket_extras(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    def update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        bucket = update_bucket(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        _access_logs_bucket_extras(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)
    FakeBucket.update_from_cloudformation_json = classmethod(update)

    create_lb = FakeLoadBalancer.create_from_cloudformation_json.__func__

    def create_load_balancer(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        lb = create_lb(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        attrs = {
            a["Key"]: str(a["Value"])
            for a in cloudformation_json.get("Properties", {}).get("LoadBalancerAttributes", [])
            if a["Key"] in FakeLoadBalancer.VALID_ATTRS
        }
        if attrs:
            elbv2_backends[account_id][region_name].modify_load_balancer_attributes(lb.arn, attrs)
        return lb

    FakeLoadBalancer.create_from_cloudformation_json = classmethod(create_load_balancer)

    global _distribution_config
    plain = _distribution_config

    def with_logging(res):
        c = plain(res)
        if c.get("Logging"):
            c["Logging"] = dict(c["Logging"], Enabled=True)
        return c

    _distribution_config = with_logging


# --------------------------------------------------------------------------
# 16. DAX (issue #14): clusters made in moto's DAX backend
# --------------------------------------------------------------------------


def _dax(res):
    from moto.dax.models import dax_backends

    return dax_backends[res.account_id][res.region_name]


def _dax_cluster_create(res):
    """The cluster in moto's DAX, so its discovery endpoint comes from the
    DAX API; Fn::GetAtt ClusterDiscoveryEndpointURL gives that endpoint with
    the scheme of its encryption type (`daxs://` for TLS, as DAX does; moto's
    own URL is always `dax://`)."""
    p = res.properties
    tls = p.get("ClusterEndpointEncryptionType") == "TLS"
    cluster = _dax(res).create_cluster(
        cluster_name=res.physical_id,
        node_type=p["NodeType"],
        description=p.get("Description", ""),
        replication_factor=int(p["ReplicationFactor"]),
        iam_role_arn=p["IAMRoleARN"],
        tags=[],
        sse_specification=p.get("SSESpecification") or {},
        encryption_type="TLS" if tls else "NONE",
    )
    e = cluster.endpoint
    res.state["attributes"] = {
        "ClusterDiscoveryEndpointURL": f"{'daxs' if tls else 'dax'}://{e.name}.{e.cluster_hex}.dax-clusters.{e.region}.amazonaws.com",
        "ClusterDiscoveryEndpoint": f"{e.name}.{e.cluster_hex}.dax-clusters.{e.region}.amazonaws.com:{e.port}",
        "Arn": cluster.arn,
    }


def _dax_cluster_delete(res):
    try:
        _dax(res).delete_cluster(res.physical_id)
    except Exception:
        pass


def register_dax_backing():
    """AWS::DAX::Cluster placeholders backed by moto's DAX (GetAtt from it)."""
    BACKED.setdefault("AWS::DAX::Cluster", (_dax_cluster_create, lambda res, old: None, _dax_cluster_delete))
    original = _Placeholder.get_cfn_attribute

    def get_cfn_attribute(self, attr):
        if attr in self.state.get("attributes", {}):
            return self.state["attributes"][attr]
        return original(self, attr)

    _Placeholder.get_cfn_attribute = get_cfn_attribute
# 17. update-offload's publisher (issue 14): what moto's CloudFormation
#     drops from a bucket and a function (additive patch of the offload work)
# --------------------------------------------------------------------------

# moto's CloudFormation creates an AWS::S3::Bucket without its
# VersioningConfiguration, PublicAccessBlockConfiguration and
# NotificationConfiguration, and an
# AWS::Lambda::Function without its FileSystemConfigs (moto's Lambda model
# has no such field); its AWS::EFS::AccessPoint has no physical ID (the
# stack lists it as "", and a `Ref` to it gives ""), where CloudFormation's
# is the access point's ID; and an AWS::IAM::Role's inline policies are
# answered by GetRolePolicy as Python text, not JSON. This patch applies a bucket's versioning, public
# access block and the LambdaConfigurations of its notifications (create and update; the topic and
# queue configurations stay unapplied, as before: moto would send them test
# events), and keeps a function's FileSystemConfigs so GetFunction(Configuration)
# answers them, as the service APIs would, so test_offload_publish_moto.py
# reads them back through S3 and Lambda. moto does not invoke the function for
# a bucket event without Docker (nor mount EFS): the publisher's behaviour is
# tested in its handler tests.


def _publisher_bucket_extras(bucket, properties):
    from moto.s3.models import NotificationConfiguration, PublicAccessBlock

    block = properties.get("PublicAccessBlockConfiguration")
    if block:
        flag = lambda name: str(block.get(name, False)).lower()  # noqa: E731
        bucket.public_access_block = PublicAccessBlock(
            flag("BlockPublicAcls"), flag("IgnorePublicAcls"), flag("BlockPublicPolicy"), flag("RestrictPublicBuckets")
        )
    versioning = (properties.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        bucket.versioning_status = versioning
    lambdas = (properties.get("NotificationConfiguration") or {}).get("LambdaConfigurations")
    if lambdas:
        functions = []
        for c in lambdas:
            api = {"CloudFunction": c["Function"], "Event": [c["Event"]]}
            rules = ((c.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                api["Filter"] = {"S3Key": {"FilterRule": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
            functions.append(api)
        bucket.notification_configuration = NotificationConfiguration(cloud_function=functions)


def patch_offload_publisher():
    from moto.awslambda.models import LambdaFunction
    from moto.efs.models import AccessPoint
    from moto.s3.models import FakeBucket

    # CloudFormation's physical ID (and `Ref`) of an access point is its ID;
    # moto's model has none, so the stack lists it with an empty one.
    if "physical_resource_id" in vars(AccessPoint):
        raise RuntimeError("moto's EFS AccessPoint has a physical_resource_id now: drop this part of patch 17")
    AccessPoint.physical_resource_id = property(lambda self: self.access_point_id)

    create_bucket = FakeBucket.create_from_cloudformation_json.__func__
    update_bucket = FakeBucket.update_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = create_bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _publisher_bucket_extras(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    def update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        bucket = update_bucket(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        _publisher_bucket_extras(bucket, cloudformation_json.get("Properties", {}))
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)
    FakeBucket.update_from_cloudformation_json = classmethod(update)

    function_create = LambdaFunction.create_from_cloudformation_json.__func__
    function_update = LambdaFunction.update_from_cloudformation_json.__func__
    configuration = LambdaFunction.get_configuration

    def create_function(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        fn = function_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        fn.file_system_configs = cloudformation_json["Properties"].get("FileSystemConfigs")
        return fn

    def update_function(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        fn = function_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        fn.file_system_configs = cloudformation_json["Properties"].get("FileSystemConfigs")
        return fn

    def get_configuration(self, *args, **kwargs):
        config = configuration(self, *args, **kwargs)
        if getattr(self, "file_system_configs", None):
            config["FileSystemConfigs"] = self.file_system_configs
        return config

    LambdaFunction.create_from_cloudformation_json = classmethod(create_function)
    LambdaFunction.update_from_cloudformation_json = classmethod(update_function)
    LambdaFunction.get_configuration = get_configuration

    # An AWS::IAM::Role's inline policies are stored as the template's
    # objects, which GetRolePolicy then answers as Python text
    # ("{'Version': datetime.date(2012, 10, 17), ...") instead of JSON; they
    # are passed as the JSON text PutRolePolicy takes.
    from moto.iam.models import Role, _serialize_version_datetime

    role_create = Role.create_from_cloudformation_json.__func__

    def create_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = dict(cloudformation_json["Properties"])
        properties["Policies"] = [
            {
                **p,
                "PolicyDocument": p["PolicyDocument"]
                if isinstance(p["PolicyDocument"], str)
                else json.dumps(p["PolicyDocument"], default=_serialize_version_datetime),
            }
            for p in properties.get("Policies", [])
        ]
        cloudformation_json = {**cloudformation_json, "Properties": properties}
        return role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Role.create_from_cloudformation_json = classmethod(create_role)


# --------------------------------------------------------------------------
# 18. API Gateway request models and validators (issue 14, MICRO-4)
# --------------------------------------------------------------------------

# A microservices route's request schema (tests/variants/microservices-schemas.yaml)
# is an AWS::ApiGateway::Model checked by an AWS::ApiGateway::RequestValidator,
# which moto's CloudFormation does not model; both are placeholders made in
# moto's API Gateway backend (GetModels, GetRequestValidators). moto's
# AWS::ApiGateway::Method drops RequestModels, RequestValidatorId and
# RequestParameters; the patch keeps them (GetMethod).
REQUEST_VALIDATION_PLACEHOLDERS = {
    "AWS::ApiGateway::Model": "backed: microservices request schemas (variants); Ref is the model's name",
    "AWS::ApiGateway::RequestValidator": "backed: microservices request schemas (variants); Ref is its ID",
}


def _apigw(res):
    return apigateway_backends[res.account_id][res.region_name]


def _model_create(res):
    p = res.properties
    # CloudFormation names a model without a Name itself (alphanumeric).
    name = p.get("Name") or "".join(c for c in res.generated_name if c.isalnum())
    res.physical_id = name
    _apigw(res).create_model(
        p["RestApiId"], name, p.get("ContentType", "application/json"),
        p.get("Description", ""), json.dumps(p.get("Schema") or {}),
    )


def _model_delete(res):
    try:
        _apigw(res).delete_model(res.properties["RestApiId"], res.physical_id)
    except Exception:
        pass


def _model_update(res, old):
    _model_delete(res)
    _model_create(res)


def _validator_create(res):
    p = res.properties
    v = _apigw(res).create_request_validator(
        p["RestApiId"], p.get("Name") or res.generated_name,
        p.get("ValidateRequestBody", False), p.get("ValidateRequestParameters", False),
    )
    res.physical_id = v.id


def _validator_delete(res):
    try:
        _apigw(res).delete_request_validator(res.properties["RestApiId"], res.physical_id)
    except Exception:
        pass


def _validator_update(res, old):
    v = _apigw(res).get_request_validator(res.properties["RestApiId"], res.physical_id)
    v.validate_request_body = res.properties.get("ValidateRequestBody", False)
    v.validate_request_parameters = res.properties.get("ValidateRequestParameters", False)


def patch_request_validation():
    """Placeholders for models and request validators, made in moto's API
    Gateway; methods keep their RequestModels and RequestValidatorId."""
    from moto.apigateway.models import Method

    BACKED.setdefault("AWS::ApiGateway::Model", (_model_create, _model_update, _model_delete))
    BACKED.setdefault(
        "AWS::ApiGateway::RequestValidator", (_validator_create, _validator_update, _validator_delete)
    )
    _register_placeholder_types(REQUEST_VALIDATION_PLACEHOLDERS)

    original = Method.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        method = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = _plain(cloudformation_json.get("Properties") or {})
        method.request_models = props.get("RequestModels")
        method.request_validator_id = props.get("RequestValidatorId")
        method.request_parameters = props.get("RequestParameters")
        return method

    Method.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------
# 19. Lambda's Invoke without Docker (issue 17)
# --------------------------------------------------------------------------


def patch_invoke_stand_in():
    """A synchronous invocation answers the event back, with a log tail,
    instead of starting a Docker container (see the module docstring)."""
    from moto.awslambda.models import LambdaFunction

    def invoke(self, event=None):
        request = uuid.uuid4()
        parsed = json.loads(event) if isinstance(event, str) and event else event
        result = json.dumps({"stand_in": "moto launcher patch 19", "function": self.function_name, "event": parsed})
        logs = "\n".join(
            [
                f"START RequestId: {request} Version: {self.version}",
                json.dumps({"level": "INFO", "message": "invoked through the stand-in", "requestId": str(request)}),
                f"END RequestId: {request}",
            ]
        )
        # As moto's save_logs, but with whole-millisecond timestamps (moto
        # writes floats there, which FilterLogEvents then returns and the
        # Rust SDK, rightly, cannot read as a Long).
        import time

        stream = f"{time.strftime('%Y/%m/%d')}/[{self.version}]{request.hex}"
        self.logs_backend.ensure_log_group(self.logs_group_name)
        self.logs_backend.create_log_stream(self.logs_group_name, stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in logs.splitlines()]
        self.logs_backend.put_log_events(self.logs_group_name, stream, events)
        return result, False, logs

    LambdaFunction._invoke_lambda = invoke


# --------------------------------------------------------------------------
# 20. Dynamic references (issue 16, secrets and parameters)
# --------------------------------------------------------------------------

DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(ssm|ssm-secure|secretsmanager):([^}]*)\}\}")


def _resolve_reference(service, ref, resources_map):
    """The value CloudFormation puts in place of `{{resolve:SERVICE:REF}}`,
    read from moto's SSM or Secrets Manager backend."""
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.ssm.models import ssm_backends

    account, region = resources_map._account_id, resources_map._region_name
    if service in ("ssm", "ssm-secure"):
        parameter = ssm_backends[account][region].get_parameter(ref)
        wanted = "SecureString" if service == "ssm-secure" else ("String", "StringList")
        if parameter is None or parameter.parameter_type not in wanted:
            raise ValueError(f"{{{{resolve:{service}:{ref}}}}}: no such parameter of a type it resolves")
        return parameter.decrypt(parameter.value)
    # secret-id[:SecretString[:json-key[:version-stage[:version-id]]]], the
    # secret ID possibly an ARN (which has colons of its own).
    parts = ref.split(":")
    if ref.startswith("arn:"):
        secret_id, rest = ":".join(parts[:7]), parts[7:]
    else:
        secret_id, rest = parts[0], parts[1:]
    rest += [""] * (4 - len(rest))
    _, key, stage, version = rest[:4]
    value = secretsmanager_backends[account][region].get_secret_value(secret_id, version or None, stage or None)
    text = value["SecretString"]
    return json.loads(text)[key] if key else text


def patch_dynamic_references():
    """moto's CloudFormation leaves `{{resolve:...}}` as it is; CloudFormation
    puts the parameter's or secret's value in its place. Stand in for that,
    so a test sees in each resource what AWS would put there."""
    original = parsing.clean_json

    def clean_json(resource_json, resources_map):
        if isinstance(resource_json, str) and "{{resolve:" in resource_json:
            return DYNAMIC_REFERENCE.sub(lambda m: _resolve_reference(m.group(1), m.group(2), resources_map), resource_json)
        return original(resource_json, resources_map)

    # clean_json calls itself through the module global: every level sees it.
    parsing.clean_json = clean_json


def main(argv):
    register_placeholders()
    register_dax_backing()
    register_security_placeholders()
    register_waf_placeholders()
    patch_request_validation()  # 18 (issue 14)
    patch_invoke_stand_in()  # 19 (issue 17)
    patch_security_group_egress()
    patch_kms_key_policy()
    patch_customer_managed_keys()
    patch_v2_authorizers()
    patch_access_logs()
    patch_offload_publisher()  # 17 (issue 14)
    patch_hosted_zone_ids()
    patch_change_set_outputs()
    patch_deletions()
    patch_nested_stacks()
    patch_retain_on_removal()
    patch_cidr()
    patch_lambda_version()
    patch_dynamic_references()  # 20 (issue 16)
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
