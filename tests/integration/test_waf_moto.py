"""options.security.waf (issue #13) as deployed in moto and read back
through WAFv2 and CloudFront: `blog-waf.yaml` (us-east-1: a CloudFront-scope
web ACL on the distribution, a regional one on the REST API's stage) and
`microservices-alb-waf.yaml` (a regional web ACL on the load balancer).
Each web ACL holds the rate-based rule with the project's limit and the AWS
managed rule groups; after destroy no web ACL is left. The web ACLs and
their associations are placeholders of moto_launcher.py backed by moto's
WAFv2 backend (moto has no CloudFormation model of them)."""

from deploying import client, deploy, destroy


MANAGED = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
]


def acl_of(waf, physical_id, scope):
    """The web ACL whose CloudFormation physical ID (name|id|scope) is given."""
    name, acl_id, got_scope = physical_id.split("|")
    assert got_scope == scope
    return waf.get_web_acl(Name=name, Id=acl_id, Scope=scope)["WebACL"]


def assert_rules(acl, limit):
    rules = sorted(acl["Rules"], key=lambda r: r["Priority"])
    assert [r["Priority"] for r in rules] == list(range(len(rules)))
    rate = rules[0]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == limit
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert "Block" in rate["Action"]
    managed = [r["Statement"]["ManagedRuleGroupStatement"] for r in rules[1:]]
    assert [(m["VendorName"], m["Name"]) for m in managed] == [("AWS", n) for n in MANAGED]
    for r in rules[1:]:
        assert r["OverrideAction"] == {"None": {}}
    assert "Allow" in acl["DefaultAction"]
    for v in [acl["VisibilityConfig"]] + [r["VisibilityConfig"] for r in rules]:
        assert v["CloudWatchMetricsEnabled"] is True and v["SampledRequestsEnabled"] is True


def assert_no_acls(endpoint, region):
    regional = client(endpoint, "wafv2", region).list_web_acls(Scope="REGIONAL")["WebACLs"]
    edge = client(endpoint, "wafv2", "us-east-1").list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert regional == [] and edge == [], (regional, edge)


def test_blog_waf_protects_distribution_and_stage(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("blog-waf.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    region = config["region"]
    limit = config["options"]["security"]["waf"]["rate_limit"]
    waf = client(endpoint, "wafv2", region)
    assert res["WebAcl"][0] == "AWS::WAFv2::WebACL"
    regional = acl_of(waf, res["WebAcl"][1], "REGIONAL")
    assert_rules(regional, limit)
    edge = acl_of(client(endpoint, "wafv2", "us-east-1"), res["CloudFrontWebAcl"][1], "CLOUDFRONT")
    assert_rules(edge, limit)
    assert ":global/webacl/" in edge["ARN"]
    # The stage: its ARN answers with the regional web ACL.
    api_id = res["Api"][1]
    stage = res["ApiStage"][1]
    stage_arn = f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage}"
    found = waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]
    assert found["ARN"] == regional["ARN"]
    apigw = client(endpoint, "apigateway", region)
    assert apigw.get_stage(restApiId=api_id, stageName=stage).get("webAclArn") == regional["ARN"]
    # The distribution: its WebACLId is the CloudFront-scope web ACL's ARN.
    cf = client(endpoint, "cloudfront", "us-east-1")
    dist = cf.get_distribution_config(Id=res["CdnDistribution"][1])["DistributionConfig"]
    assert dist["WebACLId"] == edge["ARN"]
    destroy(blueprint_bin, aws_env, tmp_path)
    assert_no_acls(endpoint, region)


def test_microservices_alb_waf_protects_load_balancer(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("microservices-alb-waf.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    region = config["region"]
    waf = client(endpoint, "wafv2", region)
    regional = acl_of(waf, res["WebAcl"][1], "REGIONAL")
    assert_rules(regional, 2000)
    lb_arn = res["LoadBalancer"][1]
    assert lb_arn.startswith("arn:aws:elasticloadbalancing:")
    found = waf.get_web_acl_for_resource(ResourceArn=lb_arn)["WebACL"]
    assert found["ARN"] == regional["ARN"]
    # No CloudFront-scope web ACL: there is no distribution.
    assert "CloudFrontWebAcl" not in res
    destroy(blueprint_bin, aws_env, tmp_path)
    assert_no_acls(endpoint, region)
