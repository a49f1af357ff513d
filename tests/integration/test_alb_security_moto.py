"""The security of the load balancers (issue #13) as deployed in moto and
read back through the services' own APIs: microservices' `front: alb` signs
users in on every HTTPS listener rule before it forwards (ELBv2
DescribeRules), its HTTP listener only redirects, its user pool admits no
self sign-up and its app client uses the code flow with a secret (Cognito);
update-offload's demo origin is an internal load balancer behind an HTTPS
listener with a TLS 1.2+ policy, admitting only the VPC (ELBv2, EC2), with
CloudFront going through the VPC origin by the certificate's name
(CloudFront)."""

import pytest

from deploying import client, deploy, destroy



def test_microservices_alb_signs_users_in_before_forwarding(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("microservices-alb.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    region = config["region"]
    elbv2 = client(endpoint, "elbv2", region)
    lb_arn = res["LoadBalancer"][1]
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]
    listeners = {l["Port"]: l for l in elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]}
    assert sorted(listeners) == [80, 443]
    https, http = listeners[443], listeners[80]
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"] == config["options"]["alb"]["ssl_policy"]
    # Port 80 only redirects to HTTPS: its default action, and no rules.
    assert [a["Type"] for a in http["DefaultActions"]] == ["redirect"]
    assert http["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    assert [r for r in elbv2.describe_rules(ListenerArn=http["ListenerArn"])["Rules"] if not r["IsDefault"]] == []
    # Every rule on 443 signs in with the stack's user pool, then forwards.
    pool_id = res["UserPool"][1]
    client_id = res["UserPoolClient"][1]
    rules = [r for r in elbv2.describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert len(rules) == len(config["options"]["services"])
    for rule in rules:
        actions = sorted(rule["Actions"], key=lambda a: a.get("Order", 0))
        assert [a["Type"] for a in actions] == ["authenticate-cognito", "forward"], rule
        cognito = actions[0]["AuthenticateCognitoConfig"]
        assert cognito["UserPoolArn"].endswith(f":userpool/{pool_id}"), cognito
        assert cognito["UserPoolClientId"] == client_id
        assert cognito["UserPoolDomain"].startswith("sign-in-")
        assert cognito["OnUnauthenticatedRequest"] == "authenticate"
    # The pool: invitation only; the client: code flow with a secret, back
    # to the load balancer.
    idp = client(endpoint, "cognito-idp", region)
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    app = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert app["AllowedOAuthFlows"] == ["code"]
    assert app.get("ClientSecret")
    assert app["CallbackURLs"] == [f"https://{lb['DNSName']}/oauth2/idpresponse"]
    # The load balancer may go out only to HTTPS (the identity provider).
    ec2 = client(endpoint, "ec2", region)
    group = ec2.describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"][0]
    assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in group["IpPermissionsEgress"]] == [
        ("tcp", 443, 443)
    ]
    destroy(blueprint_bin, aws_env, tmp_path)


def test_update_offload_demo_origin_is_private_and_https(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("update-offload-demo-origin.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    region = config["region"]
    demo = config["options"]["demo_origin"]
    elbv2 = client(endpoint, "elbv2", region)
    lb_arn = res["OriginLoadBalancer"][1]
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]
    assert lb["Scheme"] == "internal"
    private = {res["NetworkPrivateSubnet1"][1], res["NetworkPrivateSubnet2"][1]}
    assert {z["SubnetId"] for z in lb["AvailabilityZones"]} == private
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
    assert [(l["Port"], l["Protocol"]) for l in listeners] == [(443, "HTTPS")]
    assert listeners[0]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert [c["CertificateArn"] for c in listeners[0]["Certificates"]] == [demo["certificate_arn"]]
    assert [a["Type"] for a in listeners[0]["DefaultActions"]] == ["forward"]
    # HTTPS to the instances too.
    groups = elbv2.describe_target_groups(LoadBalancerArn=lb_arn)["TargetGroups"]
    assert [(g["Protocol"], g["Port"], g["HealthCheckProtocol"]) for g in groups] == [("HTTPS", 443, "HTTPS")]
    # The load balancer admits the VPC only, on 443, and goes out only to the
    # instances on 443.
    ec2 = client(endpoint, "ec2", region)
    group = ec2.describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"][0]
    ingress = [(p["IpProtocol"], p.get("FromPort"), [r["CidrIp"] for r in p.get("IpRanges", [])]) for p in group["IpPermissions"]]
    assert ingress == [("tcp", 443, [demo["vpc_cidr"]])]
    egress = [(p["IpProtocol"], p.get("FromPort"), [r["CidrIp"] for r in p.get("IpRanges", [])]) for p in group["IpPermissionsEgress"]]
    assert egress == [("tcp", 443, [demo["vpc_cidr"]])]
    # CloudFront: one origin, by the certificate's name, no secret header.
    dist_id = res["CdnDistribution"][1]
    cf = client(endpoint, "cloudfront", "us-east-1")
    origins = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]["Origins"]["Items"]
    assert [o["DomainName"] for o in origins] == [demo["domain_name"]]
    assert origins[0]["CustomHeaders"]["Quantity"] == 0
    assert res["OriginVpcOrigin"][0] == "AWS::CloudFront::VpcOrigin"
    destroy(blueprint_bin, aws_env, tmp_path)
