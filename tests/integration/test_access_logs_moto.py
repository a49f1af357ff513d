"""Access logs (issue #13, options.security.access_logs) as deployed in moto
and read back through the services' own APIs: blog's defaults (`blueprint new
blog`) and `microservices-alb.yaml`. Every data bucket logs into the stack's
log bucket under its own prefix (S3 GetBucketLogging), the log bucket is
SSE-S3 and expires objects after the retention (GetBucketEncryption,
GetBucketLifecycleConfiguration), CloudFront logs into it (GetDistributionConfig)
and the load balancer too (ELBv2 DescribeLoadBalancerAttributes). The bucket
policy is a placeholder in moto (see README, patch 1), so its statements are
read from the deployed template (GetTemplate). After destroy the log bucket
remains (retained)."""

import json

import pytest
import yaml
from botocore.exceptions import ClientError

from deploying import apply, client, deploy, ok, run, stack_resources as resources



def deployed_template(endpoint, region, stack):
    body = client(endpoint, "cloudformation", region).get_template(StackName=stack)["TemplateBody"]
    return body if isinstance(body, dict) else yaml.safe_load(body)


def check_log_bucket(endpoint, region, stack, res, days):
    """The log bucket: SSE-S3, expiring after `days`, aborting uploads; its
    policy (from the template) TLS-only and writers under their prefixes."""
    s3 = client(endpoint, "s3", region)
    log_bucket = res["LogBucket"][1]
    enc = s3.get_bucket_encryption(Bucket=log_bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert enc[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=log_bucket)["Rules"]
    assert any(r.get("Expiration", {}).get("Days") == days for r in rules), rules
    assert any("AbortIncompleteMultipartUpload" in r for r in rules), rules
    # moto keeps no bucket policy (placeholder): read it from the template.
    assert res["LogBucketPolicy"][0] == "AWS::S3::BucketPolicy"
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket=log_bucket)
    doc = deployed_template(endpoint, region, stack)
    statements = doc["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statements[0]["Effect"] == "Deny" and statements[0]["Condition"]["Bool"]["aws:SecureTransport"] == ["false"]
    return log_bucket, statements[1:]


def destroy_keeps(blueprint_bin, aws_env, directory, endpoint, region, log_bucket):
    r = run(blueprint_bin, aws_env, directory, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
    s3 = client(endpoint, "s3", region)
    s3.head_bucket(Bucket=log_bucket)
    assert s3.get_bucket_encryption(Bucket=log_bucket)


def test_blog_defaults_log_into_the_log_bucket(blueprint_bin, aws_env, endpoint, tmp_path):
    directory = tmp_path / "blog"
    r = run(blueprint_bin, aws_env, tmp_path, "new", "blog", str(directory), "--name", "it-logs-blog")
    assert r.returncode == 0, ok(r)
    config = yaml.safe_load((directory / "blueprint.yaml").read_text())
    config["termination_protection"] = False
    (directory / "blueprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    region = config["region"]
    days = config["options"]["security"]["access_logs"]["retention_days"]
    apply(blueprint_bin, aws_env, directory, region)
    res = resources(endpoint, region, "it-logs-blog")
    log_bucket, writers = check_log_bucket(endpoint, region, "it-logs-blog", res, days)

    s3 = client(endpoint, "s3", region)
    buckets = sorted(i for i, (t, _) in res.items() if t == "AWS::S3::Bucket" and i != "LogBucket")
    assert buckets, res
    for logical in buckets:
        logging = s3.get_bucket_logging(Bucket=res[logical][1])["LoggingEnabled"]
        assert logging == {"TargetBucket": log_bucket, "TargetPrefix": f"s3/{logical}/"}, logical
    # S3 server access logging writes only under those prefixes, from
    # these buckets of this account.
    assert [s["Principal"] for s in writers] == [{"Service": ["logging.s3.amazonaws.com"]}]
    (s3_writer,) = writers
    assert sorted(r["Fn::Sub"] for r in s3_writer["Resource"]) == sorted(
        f"${{LogBucket.Arn}}/s3/{b}/*" for b in buckets
    )
    assert s3_writer["Condition"]["StringEquals"]["aws:SourceAccount"] == [{"Fn::Sub": "${AWS::AccountId}"}]

    cloudfront = client(endpoint, "cloudfront", "us-east-1")
    distributions = [i for i, (t, _) in res.items() if t == "AWS::CloudFront::Distribution"]
    assert distributions
    for logical in distributions:
        logging = cloudfront.get_distribution_config(Id=res[logical][1])["DistributionConfig"]["Logging"]
        assert logging["Enabled"] is True
        assert logging["IncludeCookies"] is False
        assert logging["Prefix"] == f"cloudfront/{logical}/"
        assert logging["Bucket"].startswith(log_bucket + ".s3"), logging
    destroy_keeps(blueprint_bin, aws_env, directory, endpoint, region, log_bucket)


def test_microservices_alb_logs_into_the_log_bucket(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("microservices-alb.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    region, stack = config["region"], config["stack_name"]
    log_bucket, writers = check_log_bucket(endpoint, region, stack, res, 365)

    elbv2 = client(endpoint, "elbv2", region)
    attrs = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=res["LoadBalancer"][1])["Attributes"]
    }
    assert attrs["access_logs.s3.enabled"] == "true"
    assert attrs["access_logs.s3.bucket"] == log_bucket
    assert attrs["access_logs.s3.prefix"] == "elb/LoadBalancer"
    # The blueprint's own attributes stay.
    assert attrs["routing.http.drop_invalid_header_fields.enabled"] == "true"
    # Only Elastic Load Balancing's account in us-east-1 writes, under the
    # load balancer's prefix.
    assert writers == [
        {
            "Sid": "LoadBalancerAccessLogs",
            "Effect": "Allow",
            "Principal": {"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::127311923021:root"}]},
            "Action": ["s3:PutObject"],
            "Resource": [{"Fn::Sub": "${LogBucket.Arn}/elb/LoadBalancer/AWSLogs/${AWS::AccountId}/*"}],
        }
    ], json.dumps(writers)
    destroy_keeps(blueprint_bin, aws_env, tmp_path, endpoint, region, log_bucket)
