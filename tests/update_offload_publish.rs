//! update-offload's demo origin publishes update files (issue 14, OFFLOAD-2):
//! with `demo_origin.enabled` the stack has a private, versioned, encrypted,
//! TLS-only, retained and access-logged updates bucket whose object-created
//! and object-removed events invoke a publisher function in the private
//! subnets; the function mounts the files through a writable EFS access
//! point of its own (same directory and POSIX user as the instances'
//! read-only one), may write only through it, read only that bucket, and
//! reach EFS through an NFS rule admitting its security group and S3
//! through a gateway endpoint; failed events are kept. The instances'
//! read-only access point, role and every resource the stack had before
//! stay exactly as they were (no replacement). Bad values of the new
//! options are refused at their location and nothing is written.

use std::path::Path;

use assert_cmd::Command;
use blueprint::assets::CodeSource;
use blueprint::blueprints::find;
use blueprint::config::Source;
use blueprint::error::Error;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};
use serde_json::{json, Value};

use crate::common::{command, input_header, run_and_format};

const DEMO: &str = "  demo_origin:\n    enabled: true\n    vpc_cidr: 10.50.0.0/20\n    domain_name: origin.updates.example.net\n    certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789\n";

fn try_synth(options: &str) -> Result<Synthesized, Error> {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: format!(
            "blueprint: update-offload\nstack_name: updates\nregion: eu-west-1\noptions:\n{options}"
        ),
    };
    synthesize(
        find("update-offload").unwrap(),
        &source,
        &CodeSource::BuiltIn {
            blueprint: "update-offload".into(),
        },
        &Default::default(),
        Format::Yaml,
    )
}

fn doc(options: &str) -> Value {
    let s = try_synth(options).unwrap();
    assert_eq!(s.expansion.stacks.len(), 1);
    s.expansion.stacks[0].template.to_json()
}

fn res<'a>(d: &'a Value, id: &str) -> &'a Value {
    let r = &d["Resources"][id];
    assert!(r.is_object(), "{id} is missing");
    r
}

fn props<'a>(d: &'a Value, id: &str) -> &'a Value {
    &res(d, id)["Properties"]
}

fn get_att(id: &str, attr: &str) -> Value {
    json!({"Fn::GetAtt": [id, attr]})
}

/// `Fn::Sub` of `text` with the stack's UUID.
fn with_stack_uuid(text: &str) -> Value {
    json!({"Fn::Sub": [text, {"StackUuid": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}}]})
}

/// What the publisher adds to the stack.
const PUBLISHER_RESOURCES: &[&str] = &[
    "NetworkS3Endpoint",
    "OriginFilesIngressFromPublisher",
    "OriginFilesPublisherAccessPoint",
    "PublisherAsyncFailures",
    "PublisherFailures",
    "PublisherFunction",
    "PublisherFunctionLogGroup",
    "PublisherFunctionRole",
    "PublisherInvokedByUpdatesBucket",
    "PublisherSecurityGroup",
    "UpdatesBucket",
    "UpdatesBucketPolicy",
];

#[test]
fn the_updates_bucket_is_private_versioned_encrypted_tls_only_retained_and_logged() {
    let d = doc(DEMO);
    let bucket = res(&d, "UpdatesBucket");
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    assert_eq!(bucket["UpdateReplacePolicy"], "Retain");
    let p = &bucket["Properties"];
    assert_eq!(
        p["BucketName"],
        with_stack_uuid("update-files-${StackUuid}")
    );
    assert_eq!(p["VersioningConfiguration"], json!({"Status": "Enabled"}));
    assert_eq!(
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256"
    );
    assert_eq!(
        p["PublicAccessBlockConfiguration"],
        json!({"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true})
    );
    assert_eq!(
        p["LoggingConfiguration"],
        json!({"DestinationBucketName": {"Ref": "LogBucket"}, "LogFilePrefix": "s3/UpdatesBucket/"})
    );
    let rules = p["LifecycleConfiguration"]["Rules"].as_array().unwrap();
    assert!(rules
        .iter()
        .any(|r| r["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30));
    let policy = &props(&d, "UpdatesBucketPolicy")["PolicyDocument"]["Statement"];
    assert_eq!(policy.as_array().unwrap().len(), 1, "{policy}");
    assert_eq!(policy[0]["Effect"], "Deny");
    assert_eq!(
        policy[0]["Condition"],
        json!({"Bool": {"aws:SecureTransport": ["false"]}})
    );
    assert_eq!(
        d["Outputs"]["UpdatesBucketName"]["Value"],
        json!({"Ref": "UpdatesBucket"})
    );
    assert_eq!(
        d["Outputs"]["PublisherFailuresQueueUrl"]["Value"],
        json!({"Ref": "PublisherFailures"})
    );
}

#[test]
fn created_and_removed_objects_invoke_the_publisher_from_this_bucket_only() {
    let d = doc(DEMO);
    let bucket = res(&d, "UpdatesBucket");
    assert_eq!(
        bucket["Properties"]["NotificationConfiguration"],
        json!({"LambdaConfigurations": [
            {"Event": "s3:ObjectCreated:*", "Function": get_att("PublisherFunction", "Arn")},
            {"Event": "s3:ObjectRemoved:*", "Function": get_att("PublisherFunction", "Arn")},
        ]})
    );
    // S3 checks the permission when the notification is set.
    assert_eq!(
        bucket["DependsOn"],
        json!("PublisherInvokedByUpdatesBucket")
    );
    assert_eq!(
        props(&d, "PublisherInvokedByUpdatesBucket"),
        &json!({
            "Action": "lambda:InvokeFunction",
            "FunctionName": get_att("PublisherFunction", "Arn"),
            "Principal": "s3.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": with_stack_uuid("arn:${AWS::Partition}:s3:::update-files-${StackUuid}"),
        })
    );
    // Failed events: two retries, then the retained, encrypted queue.
    assert_eq!(
        props(&d, "PublisherAsyncFailures"),
        &json!({
            "DestinationConfig": {"OnFailure": {"Destination": get_att("PublisherFailures", "Arn")}},
            "FunctionName": {"Ref": "PublisherFunction"},
            "MaximumEventAgeInSeconds": 21600,
            "MaximumRetryAttempts": 2,
            "Qualifier": "$LATEST",
        })
    );
    assert_eq!(res(&d, "PublisherFailures")["DeletionPolicy"], "Retain");
    assert_eq!(props(&d, "PublisherFailures")["SqsManagedSseEnabled"], true);
}

#[test]
fn the_function_runs_in_the_private_subnets_with_its_own_writable_access_point() {
    let d = doc(DEMO);
    let f = res(&d, "PublisherFunction");
    let p = &f["Properties"];
    assert_eq!(p["Runtime"], "python3.13");
    assert_eq!(p["Handler"], "handler.handler");
    assert_eq!(p["MemorySize"], 1024);
    assert_eq!(p["Timeout"], 900);
    assert_eq!(
        p["FileSystemConfigs"],
        json!([{"Arn": get_att("OriginFilesPublisherAccessPoint", "Arn"), "LocalMountPath": "/mnt/files"}])
    );
    assert_eq!(
        p["VpcConfig"],
        json!({
            "SecurityGroupIds": [get_att("PublisherSecurityGroup", "GroupId")],
            "SubnetIds": [{"Ref": "NetworkPrivateSubnet1"}, {"Ref": "NetworkPrivateSubnet2"}],
        })
    );
    assert_eq!(
        p["Environment"]["Variables"],
        json!({"BUCKET_NAME": with_stack_uuid("update-files-${StackUuid}"), "FILES_ROOT": "/mnt/files"})
    );
    assert_eq!(
        f["DependsOn"],
        json!(["OriginFilesMountTarget1", "OriginFilesMountTarget2"])
    );
    let skips = f["Metadata"]["checkov"]["skip"].as_array().unwrap();
    let concurrency = skips.iter().find(|s| s["id"] == "CKV_AWS_115").unwrap();
    assert!(concurrency["comment"]
        .as_str()
        .unwrap()
        .contains("kept in PublisherFailures"));
    // Its access point: the instances' directory and POSIX user, so nginx
    // (reading through the read-only one) serves what it writes.
    let writer = props(&d, "OriginFilesPublisherAccessPoint");
    let reader = props(&d, "OriginFilesAccessPoint");
    assert_eq!(writer, reader);
    assert_eq!(
        writer,
        &json!({
            "FileSystemId": {"Ref": "OriginFiles"},
            "PosixUser": {"Gid": "1000", "Uid": "1000"},
            "RootDirectory": {
                "CreationInfo": {"OwnerGid": "1000", "OwnerUid": "1000", "Permissions": "0755"},
                "Path": "/files",
            },
        })
    );
    // One package: the built-in publisher.
    let s = try_synth(DEMO).unwrap();
    let packages: Vec<&str> = s
        .expansion
        .packages
        .iter()
        .map(|p| p.function.as_str())
        .collect();
    assert_eq!(packages, ["publisher"]);
    assert_eq!(
        p["Code"]["S3Key"],
        json!(s.expansion.packages[0].key.clone())
    );
}

#[test]
fn the_role_reads_only_the_updates_bucket_and_writes_only_through_its_access_point() {
    let d = doc(DEMO);
    let policies = props(&d, "PublisherFunctionRole")["Policies"]
        .as_array()
        .unwrap();
    assert_eq!(policies.len(), 1);
    let statements = policies[0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    let by_sid = |sid: &str| -> Value {
        let s = statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid}"));
        assert_eq!(s["Effect"], "Allow");
        let mut s = s.clone();
        s.as_object_mut().unwrap().remove("Sid");
        s.as_object_mut().unwrap().remove("Effect");
        s
    };
    let sids: Vec<&str> = statements
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(
        sids,
        [
            "WriteOwnLogs",
            "ReadUpdateFiles",
            "TellRemovedKeys",
            "WriteFilesThroughOwnAccessPoint",
            "KeepFailedEvents",
            "FindNetworkInterfaces",
            "ManageNetworkInterfacesInThisAccount",
        ]
    );
    assert_eq!(
        by_sid("WriteOwnLogs"),
        json!({"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": [get_att("PublisherFunctionLogGroup", "Arn")]})
    );
    assert_eq!(
        by_sid("ReadUpdateFiles"),
        json!({"Action": ["s3:GetObject"], "Resource": [with_stack_uuid("arn:${AWS::Partition}:s3:::update-files-${StackUuid}/*")]})
    );
    assert_eq!(
        by_sid("TellRemovedKeys"),
        json!({"Action": ["s3:ListBucket"], "Resource": [with_stack_uuid("arn:${AWS::Partition}:s3:::update-files-${StackUuid}")]})
    );
    assert_eq!(
        by_sid("WriteFilesThroughOwnAccessPoint"),
        json!({
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": [get_att("OriginFiles", "Arn")],
            "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": [get_att("OriginFilesPublisherAccessPoint", "Arn")]}},
        })
    );
    assert_eq!(
        by_sid("KeepFailedEvents"),
        json!({"Action": ["sqs:SendMessage"], "Resource": [get_att("PublisherFailures", "Arn")]})
    );
    let text = serde_json::to_string(statements).unwrap();
    for never in [
        "ClientRootAccess",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:*",
        "\"*:*\"",
    ] {
        assert!(!text.contains(never), "{never} in {text}");
    }
}

#[test]
fn nfs_admits_the_function_and_s3_is_reached_without_the_nat_gateway() {
    let d = doc(DEMO);
    assert_eq!(
        props(&d, "OriginFilesIngressFromPublisher"),
        &json!({
            "Description": "NFS from the writer of the files (Publisher)",
            "FromPort": 2049,
            "GroupId": get_att("OriginFilesSecurityGroup", "GroupId"),
            "IpProtocol": "tcp",
            "SourceSecurityGroupId": get_att("PublisherSecurityGroup", "GroupId"),
            "ToPort": 2049,
        })
    );
    let sg = props(&d, "PublisherSecurityGroup");
    assert!(sg.get("SecurityGroupIngress").is_none());
    let egress: Vec<(String, u64)> = sg["SecurityGroupEgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["FromPort"], r["ToPort"]);
            (
                r["CidrIp"].as_str().unwrap().to_string(),
                r["FromPort"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        egress,
        [
            ("0.0.0.0/0".to_string(), 443),
            ("10.50.0.0/20".to_string(), 2049)
        ]
    );
    // Nothing else may reach the function.
    let ingress_to_function = d["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::EC2::SecurityGroupIngress")
        .filter(|r| r["Properties"]["GroupId"] == get_att("PublisherSecurityGroup", "GroupId"))
        .count();
    assert_eq!(ingress_to_function, 0);
    assert_eq!(
        props(&d, "NetworkS3Endpoint"),
        &json!({
            "RouteTableIds": [{"Ref": "NetworkPrivateRouteTable"}],
            "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
            "VpcEndpointType": "Gateway",
            "VpcId": {"Ref": "NetworkVpc"},
        })
    );
}

#[test]
fn the_instances_keep_mounting_read_only_and_no_existing_resource_changes() {
    let with = doc(DEMO);
    let without = doc(&format!("{DEMO}    publisher:\n      enabled: false\n"));
    let before = without["Resources"].as_object().unwrap();
    let after = with["Resources"].as_object().unwrap();
    // Every resource the stack had keeps its logical ID, type and
    // properties (nothing is replaced); only the log bucket's policy admits
    // the new bucket's access logs.
    for (id, r) in before {
        let now = &after[id];
        if id == "LogBucketPolicy" {
            assert_eq!(now["Type"], r["Type"]);
            continue;
        }
        assert_eq!(now, r, "{id} changed");
    }
    let mut added: Vec<&str> = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .map(String::as_str)
        .collect();
    added.sort_unstable();
    assert_eq!(added, PUBLISHER_RESOURCES);
    // The instances: ClientMount only, through the read-only access point,
    // mounted `ro`.
    let role = props(&with, "OriginInstanceRole");
    let text = serde_json::to_string(role).unwrap();
    assert!(text.contains("elasticfilesystem:ClientMount"));
    assert!(!text.contains("ClientWrite"), "{text}");
    assert!(text.contains("OriginFilesAccessPoint"));
    assert!(!text.contains("OriginFilesPublisherAccessPoint"));
    let user_data = serde_json::to_string(
        &props(&with, "OriginLaunchTemplate")["LaunchTemplateData"]["UserData"],
    )
    .unwrap();
    assert!(user_data.contains("tls,iam,ro,accesspoint=${AccessPoint}"));
    assert!(user_data.contains("{\"Ref\":\"OriginFilesAccessPoint\"}"));
}

#[test]
fn without_the_demo_origin_or_with_the_publisher_off_there_is_no_function() {
    for options in ["", &format!("{DEMO}    publisher:\n      enabled: false\n")] {
        let s = try_synth(options).unwrap();
        assert!(s.expansion.packages.is_empty());
        let d = s.expansion.stacks[0].template.to_json();
        for id in PUBLISHER_RESOURCES {
            assert!(d["Resources"].get(id).is_none(), "{id} with {options:?}");
        }
        assert!(d["Parameters"].get("AssetsBucket").is_none());
        assert!(d["Outputs"].get("UpdatesBucketName").is_none());
    }
}

#[test]
fn the_options_size_the_function_and_keep_versions_and_the_bucket() {
    let d = doc(&format!(
        "{DEMO}    publisher:\n      keep_old_versions_days: 7\n      memory_mb: 2048\n      timeout_seconds: 120\n  retain:\n    updates_bucket: false\n"
    ));
    let p = props(&d, "PublisherFunction");
    assert_eq!(p["MemorySize"], 2048);
    assert_eq!(p["Timeout"], 120);
    let bucket = res(&d, "UpdatesBucket");
    assert_eq!(bucket["DeletionPolicy"], "Delete");
    let rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_array()
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7));
    // The file system is retained on its own option.
    assert_eq!(res(&d, "OriginFiles")["DeletionPolicy"], "Retain");
}

#[test]
fn the_output_is_byte_identical_run_to_run() {
    let a = try_synth(DEMO).unwrap();
    let b = try_synth(DEMO).unwrap();
    let bodies =
        |s: &Synthesized| -> Vec<String> { s.templates.iter().map(|t| t.body.clone()).collect() };
    assert_eq!(bodies(&a), bodies(&b));
    assert_eq!(a.expansion.packages, b.expansion.packages);
}

fn blueprint_cmd() -> Command {
    let mut c = Command::cargo_bin("blueprint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// `synth` with `publisher` as options.demo_origin.publisher, which must
/// fail with exit code 1 and write nothing: the options and the output go
/// to `all`, for a snapshot.
fn refused(all: &mut Vec<String>, publisher: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blueprint.yaml");
    std::fs::write(
        &path,
        format!(
            "blueprint: update-offload\nstack_name: u\nregion: eu-west-1\noptions:\n{DEMO}    publisher:\n{publisher}"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let (text, run) = run_and_format(
        command()
            .args(["synth", "--config"])
            .arg(&path)
            .arg("--out")
            .arg(&out),
    );
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(
        !Path::new(&out).exists(),
        "{publisher}: something was written"
    );
    all.push(input_header("options.demo_origin.publisher", publisher) + &text);
}

#[test]
fn bad_publisher_options_are_refused_where_they_are() {
    let mut all = Vec::new();
    refused(&mut all, "      timeout_seconds: 5\n");
    refused(&mut all, "      memory_mb: 64\n");
    refused(&mut all, "      keep_old_versions_days: 0\n");
    refused(&mut all, "      enabled: yes please\n");
    refused(&mut all, "      bucket_name: mine\n");
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn a_new_project_readme_shows_how_to_publish_remove_and_invalidate() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("my-updates");
    blueprint_cmd()
        .args(["new", "update-offload"])
        .arg(&project)
        .assert()
        .success();
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    for expected in [
        "## Publish update files (demo origin)",
        "aws cloudformation describe-stacks --stack-name my-updates --region us-east-1 \\\n  --query \"Stacks[0].Outputs[?OutputKey=='$1'].OutputValue\" --output text; }",
        "bucket=$(out UpdatesBucketName)",
        "aws s3 cp ./app-1.2.0.zip \"s3://$bucket/updates/app-1.2.0.zip\" --region us-east-1",
        "aws s3 sync ./site \"s3://$bucket/\" --region us-east-1 --delete",
        "aws s3 rm \"s3://$bucket/updates/app-1.1.0.zip\" --region us-east-1",
        "aws cloudfront create-invalidation --distribution-id \"$(out CdnDistributionId)\"",
        "60 seconds by default, update files (`/updates/*`) 7 days",
        "`PublisherFailuresQueueUrl`",
    ] {
        assert!(readme.contains(expected), "{expected}\n---\n{readme}");
    }
    // The section comes after the deploy commands, before the function
    // tests, which include the publisher's.
    let publish = readme.find("## Publish update files").unwrap();
    assert!(readme.find("## Synth, plan, apply, destroy").unwrap() < publish);
    assert!(publish < readme.find("## Test the functions").unwrap());
    assert!(readme.contains("functions/publisher/tests"));
    assert!(project.join("functions/publisher/handler.py").is_file());
    // The outputs it names exist in the demo origin's template.
    let d = doc(DEMO);
    for output in [
        "UpdatesBucketName",
        "CdnDistributionId",
        "PublisherFailuresQueueUrl",
    ] {
        assert!(d["Outputs"].get(output).is_some(), "{output}");
    }
}

#[test]
fn plain_http_to_the_demo_load_balancer_is_an_accepted_risk_only_when_chosen() {
    let skipped = |d: &Value| -> Vec<String> {
        res(d, "OriginListener")["Metadata"]["checkov"]["skip"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|s| s["id"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let plain = doc(
        "  demo_origin:\n    enabled: true\n    protocol: http-only\n    allow_plain_http: true\n",
    );
    assert_eq!(props(&plain, "OriginListener")["Protocol"], "HTTP");
    assert_eq!(skipped(&plain), ["CKV_AWS_2", "CKV_AWS_103"]);
    // The publisher does not depend on the protocol.
    assert!(plain["Resources"].get("PublisherFunction").is_some());
    let https = doc(DEMO);
    assert_eq!(props(&https, "OriginListener")["Protocol"], "HTTPS");
    assert!(skipped(&https).is_empty());
}
