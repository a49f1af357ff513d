"""CodeDeploy traffic hook for gradual Lambda deployments (FN-DEPLOY).

CodeDeploy calls this function before traffic shifts to a new version
(BeforeAllowTraffic) and after it has shifted (AfterAllowTraffic). It reads
the deployment's AppSpec to learn which function, alias and versions are
involved, invokes the new version (before) or the alias (after) with the
test event in TEST_EVENT, and reports Succeeded, or Failed when the
invocation raises or returns a function error, so CodeDeploy rolls back.
"""

import json
import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Created on first use (Lambda sets AWS_REGION; tests replace them).
codedeploy = None
lambda_client = None


def clients():
    """The CodeDeploy and Lambda clients, created once."""
    global codedeploy, lambda_client
    if codedeploy is None:
        codedeploy = boto3.client("codedeploy")
    if lambda_client is None:
        lambda_client = boto3.client("lambda")
    return codedeploy, lambda_client


def targets(deployment_id):
    """(function name, alias, target version) of each function the deployment shifts."""
    info = clients()[0].get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    revision = info.get("revision", {})
    content = (
        revision.get("appSpecContent", {}).get("content")
        or revision.get("string", {}).get("content")
        or "{}"
    )
    spec = json.loads(content)
    found = []
    for resource in spec.get("Resources", []):
        for item in resource.values():
            props = item.get("Properties", {})
            if item.get("Type") == "AWS::Lambda::Function" and props.get("Name"):
                found.append((props["Name"], props.get("Alias"), str(props.get("TargetVersion", ""))))
    return found


def smoke_test(qualified_name, event):
    """Invokes `qualified_name`; returns an error text, or None when it succeeded."""
    try:
        response = clients()[1].invoke(
            FunctionName=qualified_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode(),
        )
    except Exception as e:  # noqa: BLE001 - any failure fails the deployment
        return f"invoking {qualified_name} failed: {e}"
    if response.get("FunctionError"):
        body = response["Payload"].read().decode(errors="replace")[:500]
        return f"{qualified_name} returned a {response['FunctionError']} error: {body}"
    return None


def handler(event, context):
    deployment_id = event["DeploymentId"]
    execution_id = event["LifecycleEventHookExecutionId"]
    phase = os.environ.get("HOOK_PHASE", "pre")
    test_event = json.loads(os.environ.get("TEST_EVENT") or "{}")
    status = "Succeeded"
    try:
        functions = targets(deployment_id)
        if not functions:
            raise ValueError(f"deployment {deployment_id} names no Lambda function")
        for name, alias, version in functions:
            qualifier = version if phase == "pre" else alias
            qualified = f"{name}:{qualifier}" if qualifier else name
            error = smoke_test(qualified, test_event)
            if error:
                logger.error(json.dumps({"hook": phase, "function": qualified, "error": error}))
                status = "Failed"
            else:
                logger.info(json.dumps({"hook": phase, "function": qualified, "result": "ok"}))
    except Exception as e:  # noqa: BLE001 - report, never leave CodeDeploy waiting
        logger.error(json.dumps({"hook": phase, "error": str(e)}))
        status = "Failed"
    clients()[0].put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id,
        lifecycleEventHookExecutionId=execution_id,
        status=status,
    )
    return {"status": status}
