"""update-offload's demo origin publishes update files (issue 14,
OFFLOAD-2), deployed to moto from tests/variants/update-offload-demo-origin.yaml
and read back through the services' own APIs: the updates bucket (S3:
versioning on, AES256 encryption, public access blocked, access logs into
the log bucket) sends its object-created and object-removed events to the
publisher function (GetBucketNotificationConfiguration); the function (Lambda)
runs in the private subnets with its own security group and mounts the
writable access point (FileSystemConfigs), whose root directory and POSIX
user (EFS DescribeAccessPoints) are the instances' read-only access point's;
the mount targets' security group admits NFS from the function's group, the
private route table reaches S3 through a gateway endpoint (EC2); failed
events go to the failures queue (SQS: SSE-SQS; the event invoke config
that names it is a placeholder in moto). An upload still succeeds. After
destroy the bucket is kept (retained).

moto does not run the function (it would need Docker and a Lambda image,
and copies onto no EFS): its behaviour is tested in its handler tests
(blueprints/update-offload/functions/publisher/tests). Where moto's
CloudFormation drops a property (a bucket's VersioningConfiguration,
PublicAccessBlockConfiguration and NotificationConfiguration, a function's
FileSystemConfigs, an access point's physical ID, a role's inline policies
as JSON), the launcher's patch 17 applies it as CloudFormation would
(tests/integration/README.md)."""

import time

from deploying import client, deploy, destroy, run, ok


def test_update_offload_demo_origin_publishes_through_the_updates_bucket(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("update-offload-demo-origin.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    region = config["region"]
    demo = config["options"]["demo_origin"]
    outputs = run(blueprint_bin, aws_env, tmp_path, "outputs")
    assert outputs.returncode == 0, ok(outputs)

    # The bucket: its name is the stack output, versioned, encrypted, private.
    s3 = client(endpoint, "s3", region)
    bucket = res["UpdatesBucket"][1]
    assert bucket.startswith("update-files-")
    assert bucket in outputs.stdout
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()), block
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging == {"TargetBucket": res["LogBucket"][1], "TargetPrefix": "s3/UpdatesBucket/"}

    # Its events go to the publisher function.
    lam = client(endpoint, "lambda", region)
    function = lam.get_function_configuration(FunctionName=res["PublisherFunction"][1])
    notifications = s3.get_bucket_notification_configuration(Bucket=bucket)
    targets = sorted(
        (c["LambdaFunctionArn"], tuple(c["Events"])) for c in notifications["LambdaFunctionConfigurations"]
    )
    assert targets == [
        (function["FunctionArn"], ("s3:ObjectCreated:*",)),
        (function["FunctionArn"], ("s3:ObjectRemoved:*",)),
    ]
    assert "TopicConfigurations" not in notifications and "QueueConfigurations" not in notifications

    # The function: Python 3.13 in the private subnets, its own security
    # group, its bucket in the environment, the writable access point
    # mounted at /mnt/files.
    assert function["Runtime"] == "python3.13"
    private = {res["NetworkPrivateSubnet1"][1], res["NetworkPrivateSubnet2"][1]}
    assert set(function["VpcConfig"]["SubnetIds"]) == private
    publisher_sg = res["PublisherSecurityGroup"][1]
    assert function["VpcConfig"]["SecurityGroupIds"] == [publisher_sg]
    assert function["Environment"]["Variables"] == {"BUCKET_NAME": bucket, "FILES_ROOT": "/mnt/files"}
    efs = client(endpoint, "efs", region)
    writer_id = res["OriginFilesPublisherAccessPoint"][1]
    reader_id = res["OriginFilesAccessPoint"][1]
    points = {p["AccessPointId"]: p for p in efs.describe_access_points(FileSystemId=res["OriginFiles"][1])["AccessPoints"]}
    assert sorted(points) == sorted([writer_id, reader_id])
    writer, reader = points[writer_id], points[reader_id]
    assert function["FileSystemConfigs"] == [{"Arn": writer["AccessPointArn"], "LocalMountPath": "/mnt/files"}]
    # The same directory as the same POSIX user as the instances' access
    # point: nginx serves what the function writes.
    assert writer["PosixUser"] == reader["PosixUser"] == {"Uid": 1000, "Gid": 1000}
    assert writer["RootDirectory"] == reader["RootDirectory"]
    assert writer["RootDirectory"]["Path"] == "/files"
    assert writer["RootDirectory"]["CreationInfo"] == {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0755"}

    # The role: read this bucket, write through this access point only.
    iam = client(endpoint, "iam", region)
    role_name = function["Role"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role_name, PolicyName="least-privilege")["PolicyDocument"]
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ReadUpdateFiles"]["Action"] == ["s3:GetObject"]
    assert by_sid["ReadUpdateFiles"]["Resource"] == [f"arn:aws:s3:::{bucket}/*"]
    assert by_sid["TellRemovedKeys"]["Resource"] == [f"arn:aws:s3:::{bucket}"]
    write = by_sid["WriteFilesThroughOwnAccessPoint"]
    assert write["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert write["Condition"] == {"StringEquals": {"elasticfilesystem:AccessPointArn": [writer["AccessPointArn"]]}}

    # NFS from the function's group into the mount targets; S3 through a
    # gateway endpoint on the private route table.
    ec2 = client(endpoint, "ec2", region)
    files_sg = ec2.describe_security_groups(GroupIds=[res["OriginFilesSecurityGroup"][1]])["SecurityGroups"][0]
    nfs_from = sorted(
        pair["GroupId"]
        for p in files_sg["IpPermissions"]
        if (p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) == ("tcp", 2049, 2049)
        for pair in p.get("UserIdGroupPairs", [])
    )
    assert nfs_from == sorted([res["OriginInstanceSecurityGroup"][1], publisher_sg])
    group = ec2.describe_security_groups(GroupIds=[publisher_sg])["SecurityGroups"][0]
    assert group["IpPermissions"] == []
    egress = sorted(
        (p["IpProtocol"], p.get("FromPort"), tuple(r["CidrIp"] for r in p.get("IpRanges", [])))
        for p in group["IpPermissionsEgress"]
    )
    assert egress == [("tcp", 443, ("0.0.0.0/0",)), ("tcp", 2049, (demo["vpc_cidr"],))]
    endpoint_id = res["NetworkS3Endpoint"][1]
    vpce = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]
    assert vpce["VpcEndpointType"] == "Gateway"
    assert vpce["ServiceName"] == f"com.amazonaws.{region}.s3"
    assert vpce["RouteTableIds"] == [res["NetworkPrivateRouteTable"][1]]

    # Failed events are kept in the failures queue.
    sqs = client(endpoint, "sqs", region)
    assert sqs.get_queue_attributes(QueueUrl=res["PublisherFailures"][1], AttributeNames=["SqsManagedSseEnabled"])[
        "Attributes"
    ]["SqsManagedSseEnabled"] == "true"

    # An upload still works with the notification in place; moto does not
    # run the function (it would need a Docker daemon), so nothing else
    # happens.
    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key="updates/app-1.2.0.zip", Body=b"zip bytes")
    assert time.monotonic() - started < 30
    assert s3.get_object(Bucket=bucket, Key="updates/app-1.2.0.zip")["Body"].read() == b"zip bytes"

    destroy(blueprint_bin, aws_env, tmp_path)
    # The updates bucket (and what was published) is retained.
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
