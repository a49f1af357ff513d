"""The queue-worker blueprint's worker: processes a batch of SQS messages.

Each message body is a JSON job. A message whose job fails is reported back
(partial batch response), so SQS retries only it and, after
max_receive_count receives, moves it to the dead-letter queue.
"""

import json


def process(job):
    """Do the work of one job (replace with your own)."""
    if not isinstance(job, dict):
        raise ValueError("a job is a JSON object")
    print(json.dumps({"processed": job.get("id")}))


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            process(json.loads(record["body"]))
        except Exception as e:  # noqa: BLE001 - any failure retries the message
            print(json.dumps({"failed": record["messageId"], "error": str(e)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
