"""Ctrl-C while a change set is still being created: blueprint removes what
it made (the change set, and the empty REVIEW_IN_PROGRESS stack a create
change set brings) and says exactly that. A proxy in front of moto's server
holds DescribeChangeSet answers back, so the interrupt lands while the
change set is pending."""

import http.server
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError


class _Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True


def start_proxy(upstream, hold_action, seen):
    """Forwards every request to `upstream`; a request whose Action is
    `hold_action` is recorded in `seen` and held for 30 s first."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if body and f"Action={hold_action}".encode() in body:
                seen.set()
                time.sleep(30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            req = urllib.request.Request(upstream + self.path, data=body, headers=headers, method=self.command)
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, rheaders, data = r.status, r.headers.items(), r.read()
            except urllib.error.HTTPError as e:
                status, rheaders, data = e.code, e.headers.items(), e.read()
            self.send_response(status)
            for k, v in rheaders:
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _forward

    server = _Proxy(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_ctrl_c_while_the_change_set_is_created_leaves_no_empty_stack(blueprint_bin, aws_env, endpoint, tmp_path):
    (tmp_path / "blueprint.yaml").write_text(
        "blueprint: todo\nstack_name: interrupted-it\nregion: us-east-1\ntermination_protection: false\n"
    )
    r = subprocess.run([blueprint_bin, "bootstrap"], env=aws_env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    seen = threading.Event()
    proxy, url = start_proxy(endpoint, "DescribeChangeSet", seen)
    try:
        env = dict(aws_env, AWS_ENDPOINT_URL=url)
        proc = subprocess.Popen(
            [blueprint_bin, "plan"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert seen.wait(60), "the plan never asked for its change set"
        cfn = boto3.client(
            "cloudformation",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        # The change set exists and made an empty stack.
        assert cfn.describe_stacks(StackName="interrupted-it")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=25)
        assert proc.returncode == 130, out + err
        assert "removed the empty stack `interrupted-it` (REVIEW_IN_PROGRESS) and its change set" in err, err
        with pytest.raises(ClientError) as gone:
            cfn.describe_stacks(StackName="interrupted-it")
        assert gone.value.response["Error"]["Code"] == "ValidationError"
        assert "does not exist" in gone.value.response["Error"]["Message"]
    finally:
        proxy.shutdown()
