"""Tests for the todo API Lambda handler (moto-backed DynamoDB)."""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
import types
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from todo_api_support import ADMIN, USER_A, USER_B, ApiClient

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _token(key: Any) -> str:
    """Build a nextToken by hand (base64url JSON, unpadded)."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


def _collect_pages(fetch, limit: int) -> list[list[dict[str, Any]]]:
    """Follow nextToken until exhausted, returning every page's items."""
    pages: list[list[dict[str, Any]]] = []
    token = None
    for _ in range(50):
        query = {"limit": str(limit)}
        if token:
            query["nextToken"] = token
        result = fetch(**query)
        assert result.status == 200, result.body
        assert set(result.body) == {"items", "nextToken"}
        pages.append(result.body["items"])
        token = result.body["nextToken"]
        if token is None:
            return pages
    raise AssertionError("pagination never finished")


# --------------------------------------------------------------------------
# CRUD on the caller's own todos
# --------------------------------------------------------------------------


def test_create_returns_201_with_item_and_persists_it(client: ApiClient, table: Any) -> None:
    result = client.request("POST", "/todos", json_body={"title": "  buy milk  "})

    assert result.status == 201
    item = result.body
    assert set(item) == {"userId", "todoId", "title", "done", "createdAt", "updatedAt"}
    assert item["userId"] == USER_A
    assert item["title"] == "buy milk"
    assert item["done"] is False
    assert uuid.UUID(item["todoId"]).version == 4
    assert ISO_UTC.match(item["createdAt"])
    assert item["createdAt"] == item["updatedAt"]

    stored = table.get_item(Key={"userId": USER_A, "todoId": item["todoId"]})["Item"]
    assert stored == item


def test_create_accepts_done_and_base64_body(client: ApiClient) -> None:
    body = json.dumps({"title": "café ☕", "done": True})
    result = client.request("POST", "/todos", body=body, base64_body=True)

    assert result.status == 201
    assert result.body["title"] == "café ☕"
    assert result.body["done"] is True


def test_create_generates_distinct_ids(client: ApiClient) -> None:
    ids = {client.create(f"todo {n}")["todoId"] for n in range(5)}
    assert len(ids) == 5


def test_get_own_todo(client: ApiClient) -> None:
    created = client.create("read book")

    result = client.get(created["todoId"])

    assert result.status == 200
    assert result.body == created


@pytest.mark.parametrize("todo_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_get_unknown_todo_is_404(client: ApiClient, todo_id: str) -> None:
    result = client.get(todo_id)

    assert result.status == 404
    assert result.body == {"error": "Todo not found"}


def test_list_returns_only_the_callers_todos(client: ApiClient) -> None:
    mine = {client.create(f"mine {n}")["todoId"] for n in range(3)}
    client.create("theirs", user=USER_B)

    result = client.list()

    assert result.status == 200
    assert result.body["nextToken"] is None
    assert {item["todoId"] for item in result.body["items"]} == mine
    assert {item["userId"] for item in result.body["items"]} == {USER_A}


def test_list_is_empty_for_a_new_user(client: ApiClient) -> None:
    result = client.list(user=USER_B)

    assert result.status == 200
    assert result.body == {"items": [], "nextToken": None}


def test_update_title_and_done(client: ApiClient, api: Any, table: Any, monkeypatch) -> None:
    times = iter(["2030-01-01T00:00:00.000Z", "2030-01-02T00:00:00.000Z", "2030-01-03T00:00:00.000Z"])
    monkeypatch.setattr(api, "_now", lambda: next(times))
    created = client.create("draft")

    renamed = client.update(created["todoId"], {"title": "  final  "})
    assert renamed.status == 200
    assert renamed.body == {
        **created,
        "title": "final",
        "updatedAt": "2030-01-02T00:00:00.000Z",
    }

    finished = client.update(created["todoId"], {"done": True})
    assert finished.status == 200
    assert finished.body["done"] is True
    assert finished.body["title"] == "final"
    assert finished.body["createdAt"] == "2030-01-01T00:00:00.000Z"
    assert finished.body["updatedAt"] == "2030-01-03T00:00:00.000Z"

    stored = table.get_item(Key={"userId": USER_A, "todoId": created["todoId"]})["Item"]
    assert stored == finished.body


def test_update_both_fields_at_once(client: ApiClient) -> None:
    created = client.create("a")

    result = client.update(created["todoId"], {"title": "b", "done": True})

    assert result.status == 200
    assert (result.body["title"], result.body["done"]) == ("b", True)


def test_update_missing_todo_is_404_and_creates_nothing(client: ApiClient, table: Any) -> None:
    todo_id = str(uuid.uuid4())

    result = client.update(todo_id, {"done": True})

    assert result.status == 404
    assert result.body == {"error": "Todo not found"}
    assert "Item" not in table.get_item(Key={"userId": USER_A, "todoId": todo_id})


def test_delete_returns_204_then_404(client: ApiClient, table: Any) -> None:
    created = client.create("temporary")

    deleted = client.delete(created["todoId"])
    assert deleted.status == 204
    assert deleted.raw_body == ""
    assert "Item" not in table.get_item(Key={"userId": USER_A, "todoId": created["todoId"]})

    assert client.get(created["todoId"]).status == 404
    again = client.delete(created["todoId"])
    assert again.status == 404
    assert again.body == {"error": "Todo not found"}


# --------------------------------------------------------------------------
# Owner isolation
# --------------------------------------------------------------------------


def test_users_cannot_touch_each_others_todos(client: ApiClient, table: Any) -> None:
    theirs = client.create("private", user=USER_B)
    todo_id = theirs["todoId"]

    assert client.get(todo_id, user=USER_A).status == 404
    assert client.update(todo_id, {"title": "hacked"}, user=USER_A).status == 404
    assert client.delete(todo_id, user=USER_A).status == 404
    assert client.list(user=USER_A).body["items"] == []

    # B's todo is untouched and A got no stray item either.
    assert table.get_item(Key={"userId": USER_B, "todoId": todo_id})["Item"] == theirs
    assert "Item" not in table.get_item(Key={"userId": USER_A, "todoId": todo_id})
    assert client.get(todo_id, user=USER_B).body == theirs


def test_next_token_for_another_users_partition_is_rejected(client: ApiClient) -> None:
    theirs = client.create("private", user=USER_B)

    result = client.list(user=USER_A, nextToken=_token({"userId": USER_B, "todoId": theirs["todoId"]}))

    assert result.status == 400
    assert result.body == {"error": "Invalid nextToken"}


# --------------------------------------------------------------------------
# Admin routes
# --------------------------------------------------------------------------


def test_admin_lists_every_users_todos(client: ApiClient) -> None:
    expected = {
        (user, client.create(f"{user} {n}", user=user)["todoId"])
        for user in (USER_A, USER_B)
        for n in range(2)
    }

    result = client.admin_list()

    assert result.status == 200
    assert result.body["nextToken"] is None
    assert {(item["userId"], item["todoId"]) for item in result.body["items"]} == expected


def test_admin_deletes_another_users_todo(client: ApiClient, table: Any) -> None:
    theirs = client.create("spam", user=USER_B)

    result = client.admin_delete(USER_B, theirs["todoId"])

    assert result.status == 204
    assert result.raw_body == ""
    assert "Item" not in table.get_item(Key={"userId": USER_B, "todoId": theirs["todoId"]})
    assert client.admin_delete(USER_B, theirs["todoId"]).status == 404


def test_admin_delete_needs_the_right_owner(client: ApiClient, table: Any) -> None:
    theirs = client.create("kept", user=USER_B)

    result = client.admin_delete(USER_A, theirs["todoId"])

    assert result.status == 404
    assert table.get_item(Key={"userId": USER_B, "todoId": theirs["todoId"]})["Item"] == theirs


@pytest.mark.parametrize("groups", [None, "", "users", "[users]", "administrators", "[superadmin users]"])
def test_admin_routes_forbidden_for_non_admins(client: ApiClient, table: Any, groups: Any) -> None:
    theirs = client.create("kept", user=USER_B)

    listed = client.admin_list(groups=groups)
    deleted = client.admin_delete(USER_B, theirs["todoId"], groups=groups)

    assert listed.status == 403
    assert listed.body == {"error": "Forbidden: admin access required"}
    assert deleted.status == 403
    assert table.get_item(Key={"userId": USER_B, "todoId": theirs["todoId"]})["Item"] == theirs


@pytest.mark.parametrize(
    "groups",
    [
        "admin",
        "admin,users",
        "users,admin",
        "users, admin",
        "[admin users]",
        "[users admin]",
        "[admin]",
        '["users","admin"]',
        ["users", "admin"],
    ],
)
def test_admin_group_claim_formats(client: ApiClient, groups: Any) -> None:
    client.create("x", user=USER_B)

    result = client.admin_list(groups=groups)

    assert result.status == 200
    assert [item["userId"] for item in result.body["items"]] == [USER_B]


def test_admin_group_name_comes_from_environment(client: ApiClient, monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_GROUP", "todo-admins")

    assert client.admin_list(groups="[admin users]").status == 403
    assert client.admin_list(groups="[todo-admins users]").status == 200
    assert client.admin_list(groups="users,todo-admins").status == 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, set()),
        ("", set()),
        ("admin", {"admin"}),
        ("admin,users", {"admin", "users"}),
        ("[admin users]", {"admin", "users"}),
        ("[]", set()),
        ('["admin", "users"]', {"admin", "users"}),
        (["admin", "users"], {"admin", "users"}),
        (42, set()),
    ],
)
def test_parse_groups(api: Any, raw: Any, expected: set[str]) -> None:
    assert api.parse_groups(raw) == expected


# --------------------------------------------------------------------------
# Pagination
# --------------------------------------------------------------------------


def test_list_paginates_with_next_token(client: ApiClient) -> None:
    mine = {client.create(f"mine {n}")["todoId"] for n in range(7)}
    client.create("theirs", user=USER_B)

    pages = _collect_pages(client.list, limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    ids = [item["todoId"] for page in pages for item in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == mine


def test_next_token_is_null_when_the_last_page_is_full(client: ApiClient) -> None:
    for n in range(4):
        client.create(f"mine {n}")

    pages = _collect_pages(client.list, limit=2)

    assert [len(page) for page in pages] == [2, 2]


def test_admin_list_paginates_with_next_token(client: ApiClient) -> None:
    expected = {
        (user, client.create(f"{n}", user=user)["todoId"])
        for user in (USER_A, USER_B, ADMIN)
        for n in range(3)
    }

    pages = _collect_pages(client.admin_list, limit=4)

    assert [len(page) for page in pages] == [4, 4, 1]
    seen = [(item["userId"], item["todoId"]) for page in pages for item in page]
    assert len(seen) == len(set(seen))
    assert set(seen) == expected


class _SmallPages:
    """Wraps a Table so DynamoDB returns at most two items per call (like the 1 MB page cap)."""

    def __init__(self, table: Any):
        self._table = table
        self.calls: list[dict[str, Any]] = []

    def _capped(self, operation, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(dict(kwargs))
        kwargs["Limit"] = min(kwargs.get("Limit", 2), 2)
        return operation(**kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self._capped(self._table.query, kwargs)

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return self._capped(self._table.scan, kwargs)


def test_list_follows_last_evaluated_key_across_dynamodb_pages(
    client: ApiClient, api: Any, table: Any, monkeypatch
) -> None:
    mine = {client.create(f"mine {n}")["todoId"] for n in range(5)}
    small = _SmallPages(table)
    monkeypatch.setattr(api, "_table", lambda: small)

    everything = client.list()
    assert everything.status == 200
    assert {item["todoId"] for item in everything.body["items"]} == mine
    assert everything.body["nextToken"] is None
    assert len(small.calls) == 3

    first = client.list(limit="4")
    assert len(first.body["items"]) == 4
    assert first.body["nextToken"] is not None
    rest = client.list(limit="4", nextToken=first.body["nextToken"])
    assert rest.body["nextToken"] is None
    assert {item["todoId"] for item in first.body["items"] + rest.body["items"]} == mine


def test_admin_scan_follows_last_evaluated_key(client: ApiClient, api: Any, table: Any, monkeypatch) -> None:
    for user in (USER_A, USER_B):
        for n in range(3):
            client.create(str(n), user=user)
    small = _SmallPages(table)
    monkeypatch.setattr(api, "_table", lambda: small)

    result = client.admin_list()

    assert len(result.body["items"]) == 6
    assert len(small.calls) >= 3


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", " ", "1e2", "9" * 5000])
def test_bad_limit_is_400(client: ApiClient, limit: str) -> None:
    for result in (client.list(limit=limit), client.admin_list(limit=limit)):
        assert result.status == 400
        assert result.body == {"error": "limit must be an integer between 1 and 100"}


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(client: ApiClient, limit: str) -> None:
    client.create("one")
    client.create("two")

    result = client.list(limit=limit)

    assert result.status == 200
    assert len(result.body["items"]) == min(int(limit), 2)


@pytest.mark.parametrize(
    "token",
    [
        "!!!not-base64!!!",
        "abc",
        _token(["a", "b"]),
        _token({"userId": USER_A}),
        _token({"userId": USER_A, "todoId": str(uuid.uuid4()), "extra": "x"}),
        _token({"userId": USER_A, "todoId": 5}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "x" * 5000,
    ],
)
def test_bad_next_token_is_400(client: ApiClient, token: str) -> None:
    for result in (client.list(nextToken=token), client.admin_list(nextToken=token)):
        assert result.status == 400
        assert result.body == {"error": "Invalid nextToken"}


def test_next_token_round_trip(api: Any) -> None:
    key = {"userId": USER_A, "todoId": str(uuid.uuid4())}
    token = api.encode_next_token(key)

    assert "=" not in token
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert api.decode_next_token(token) == key


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "base64_body", "message"),
    [
        (None, False, "Request body is required"),
        ("", False, "Request body is required"),
        ("{not json", False, "Request body is not valid JSON"),
        ("[" * 100_000, False, "Request body is not valid JSON"),
        ('["title"]', False, "Request body must be a JSON object"),
        ('"a string"', False, "Request body must be a JSON object"),
        ("null", False, "Request body must be a JSON object"),
        ("{}", False, "title is required"),
        ('{"done": true}', False, "title is required"),
        ('{"title": 5}', False, "title must be a string"),
        ('{"title": null}', False, "title must be a string"),
        ('{"title": "   "}', False, "title must not be empty"),
        (json.dumps({"title": "x" * 501}), False, "title must be at most 500 characters"),
        ('{"title": "ok", "done": "true"}', False, "done must be a boolean"),
        ('{"title": "ok", "done": 1}', False, "done must be a boolean"),
        ('{"title": "ok", "owner": "x", "id": 1}', False, "Unknown field(s): id, owner"),
        ("%%%not base64%%%", True, "Request body is not valid base64-encoded UTF-8"),
    ],
)
def test_create_validation_errors(
    client: ApiClient, table: Any, body: str | None, base64_body: bool, message: str
) -> None:
    event = client.event("POST", "/todos", body=body)
    event["isBase64Encoded"] = base64_body

    result = client.invoke(event)

    assert result.status == 400
    assert result.body == {"error": message}
    assert table.scan()["Items"] == []


def test_invalid_utf8_in_base64_body_is_400(client: ApiClient) -> None:
    event = client.event("POST", "/todos", body=base64.b64encode(b'{"title": "\xff"}').decode())
    event["isBase64Encoded"] = True

    result = client.invoke(event)

    assert result.status == 400
    assert result.body == {"error": "Request body is not valid base64-encoded UTF-8"}


def test_title_length_limit_applies_after_strip(client: ApiClient) -> None:
    result = client.request("POST", "/todos", json_body={"title": "  " + "x" * 500 + "  "})

    assert result.status == 201
    assert result.body["title"] == "x" * 500


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "At least one of title, done is required"),
        ({"title": "ok", "createdAt": "x"}, "Unknown field(s): createdAt"),
        ({"userId": USER_B}, "Unknown field(s): userId"),
        ({"title": ""}, "title must not be empty"),
        ({"title": ["a"]}, "title must be a string"),
        ({"done": "yes"}, "done must be a boolean"),
        ({"done": None}, "done must be a boolean"),
        ([{"done": True}], "Request body must be a JSON object"),
    ],
)
def test_update_validation_errors(client: ApiClient, table: Any, body: Any, message: str) -> None:
    created = client.create("unchanged")

    result = client.update(created["todoId"], body)

    assert result.status == 400
    assert result.body == {"error": message}
    assert table.get_item(Key={"userId": USER_A, "todoId": created["todoId"]})["Item"] == created


def test_update_malformed_json_is_400(client: ApiClient) -> None:
    created = client.create("unchanged")
    event = client.event("PUT", "/todos/{todoId}", path_params={"todoId": created["todoId"]}, body="{oops")

    result = client.invoke(event)

    assert result.status == 400
    assert result.body == {"error": "Request body is not valid JSON"}


# --------------------------------------------------------------------------
# Authentication and routing
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorizer",
    [None, {}, {"claims": None}, {"claims": {}}, {"claims": {"sub": ""}}, {"claims": {"sub": 7}}],
)
@pytest.mark.parametrize(
    ("method", "resource"), [("GET", "/todos"), ("GET", "/admin/todos"), ("GET", "/nope")]
)
def test_missing_identity_is_401(client: ApiClient, authorizer: Any, method: str, resource: str) -> None:
    result = client.request(method, resource, authorizer=authorizer)

    assert result.status == 401
    assert result.body == {"error": "Unauthorized"}


def test_missing_request_context_is_401(client: ApiClient) -> None:
    event = client.event("GET", "/todos")
    del event["requestContext"]

    result = client.invoke(event)

    assert result.status == 401


@pytest.mark.parametrize("resource", ["/", "/todo", "/todos/{todoId}/share", "/admin/users", None])
def test_unknown_route_is_404(client: ApiClient, resource: str | None) -> None:
    result = client.request("GET", resource or "")

    assert result.status == 404
    assert result.body == {"error": "Not found"}


@pytest.mark.parametrize(
    ("method", "resource", "allow"),
    [
        ("DELETE", "/todos", "GET, POST"),
        ("PUT", "/todos", "GET, POST"),
        ("POST", "/todos/{todoId}", "GET, PUT, DELETE"),
        ("PATCH", "/todos/{todoId}", "GET, PUT, DELETE"),
        ("POST", "/admin/todos", "GET"),
        ("GET", "/admin/users/{userId}/todos/{todoId}", "DELETE"),
    ],
)
def test_wrong_method_is_405(client: ApiClient, method: str, resource: str, allow: str) -> None:
    params = {"todoId": str(uuid.uuid4()), "userId": USER_B}

    result = client.request(method, resource, path_params=params, groups="admin")

    assert result.status == 405
    assert result.body == {"error": "Method not allowed"}
    assert result.headers["Allow"] == allow


# --------------------------------------------------------------------------
# DAX selection
# --------------------------------------------------------------------------


def _backend_logs(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = []
    for record in caplog.records:
        try:
            payload = json.loads(record.getMessage())
        except ValueError:
            continue
        if "backend" in payload:
            lines.append(payload)
    return lines


def test_dynamodb_is_used_without_dax_endpoint(client: ApiClient, caplog) -> None:
    caplog.set_level(logging.INFO, logger="todo-api")

    client.create("a")
    client.list()

    logs = _backend_logs(caplog)
    assert [entry["backend"] for entry in logs] == ["dynamodb"]


def _dax_error_logs(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The ERROR lines about the DAX client."""
    lines = []
    for record in caplog.records:
        if record.levelno != logging.ERROR:
            continue
        try:
            payload = json.loads(record.getMessage())
        except ValueError:
            continue
        if payload.get("backend") == "dax":
            lines.append(payload)
    return lines


def _dynamodb_must_not_be_used(monkeypatch: pytest.MonkeyPatch, api: Any) -> list[str]:
    """Make the handler's boto3 DynamoDB resource fail loudly; returns the attempts."""
    attempts: list[str] = []

    def refuse(service: str, *args: Any, **kwargs: Any) -> Any:
        attempts.append(service)
        raise AssertionError(f"boto3.resource({service!r}) used: reads must go through DAX")

    monkeypatch.setattr(api.boto3, "resource", refuse)
    return attempts


def test_dax_endpoint_without_amazondax_fails_loudly(
    client: ApiClient, api: Any, table: Any, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="todo-api")
    monkeypatch.setenv("DAX_ENDPOINT", "dax://my-cluster.abc123.dax-clusters.us-east-1.amazonaws.com")
    monkeypatch.setitem(sys.modules, "amazondax", None)  # makes `import amazondax` raise ImportError

    result = client.request("POST", "/todos", json_body={"title": "not silently to DynamoDB"})

    assert result.status == 500
    assert result.body == {"error": "Internal server error"}
    assert table.scan()["Items"] == [], "nothing may be written around DAX"
    errors = _dax_error_logs(caplog)
    assert len(errors) == 1
    assert "could not be imported" in errors[0]["message"]
    assert errors[0]["daxEndpoint"].startswith("dax://my-cluster")
    assert [e["backend"] for e in _backend_logs(caplog)] == ["dax"], "no DynamoDB fallback"


def test_dax_endpoint_with_broken_amazondax_install_fails_loudly(
    client: ApiClient, table: Any, tmp_path, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="todo-api")
    package = tmp_path / "site" / "amazondax"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('antlr4 is missing')\n")
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.delitem(sys.modules, "amazondax", raising=False)
    monkeypatch.setenv("DAX_ENDPOINT", "dax://my-cluster.abc123.dax-clusters.us-east-1.amazonaws.com")

    assert client.request("POST", "/todos", json_body={"title": "x"}).status == 500

    assert table.scan()["Items"] == []
    errors = _dax_error_logs(caplog)
    assert [e["error"] for e in errors] == ["antlr4 is missing"]


def _fake_amazondax(resource_factory) -> types.ModuleType:
    module = types.ModuleType("amazondax")
    module.AmazonDaxClient = types.SimpleNamespace(resource=resource_factory)
    return module


class _MemoryDaxTable:
    """Stands in for a table read through DAX: served from memory, every call recorded."""

    def __init__(self, name: str, calls: list[str]):
        self.name = name
        self.calls = calls
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def put_item(self, Item: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.calls.append("put_item")
        self.items[(Item["userId"], Item["todoId"])] = dict(Item)
        return {}

    def get_item(self, Key: dict[str, str], **kwargs: Any) -> dict[str, Any]:
        self.calls.append("get_item")
        item = self.items.get((Key["userId"], Key["todoId"]))
        return {} if item is None else {"Item": dict(item)}

    def query(self, ExpressionAttributeValues: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.calls.append("query")
        user = ExpressionAttributeValues[":userId"]
        return {"Items": [dict(v) for (u, _), v in sorted(self.items.items()) if u == user]}


def test_reads_and_writes_go_through_dax_not_dynamodb(
    client: ApiClient, api: Any, monkeypatch, caplog
) -> None:
    """No moto here, and boto3's DynamoDB resource raises: only DAX can serve."""
    caplog.set_level(logging.INFO, logger="todo-api")
    endpoint = "daxs://my-cluster.abc123.dax-clusters.us-east-1.amazonaws.com"
    dax_calls: list[str] = []
    built: list[dict[str, Any]] = []
    tables: dict[str, _MemoryDaxTable] = {}

    def resource(**kwargs: Any) -> Any:
        built.append(kwargs)
        return types.SimpleNamespace(
            Table=lambda name: tables.setdefault(name, _MemoryDaxTable(name, dax_calls))
        )

    attempts = _dynamodb_must_not_be_used(monkeypatch, api)
    monkeypatch.setenv("DAX_ENDPOINT", endpoint)
    monkeypatch.setitem(sys.modules, "amazondax", _fake_amazondax(resource))

    created = client.create("served by dax")
    assert client.get(created["todoId"]).body == created
    assert client.list().body["items"] == [created]

    assert attempts == []
    assert built == [{"endpoint_url": endpoint}], "one DAX client per container"
    assert dax_calls == ["put_item", "get_item", "query"]
    assert list(tables) == ["todo-test-table"]
    assert tables["todo-test-table"].items[(USER_A, created["todoId"])]["title"] == "served by dax"
    assert [entry["backend"] for entry in _backend_logs(caplog)] == ["dax"]


def test_dax_client_failure_fails_loudly_and_is_retried(client: ApiClient, api: Any, monkeypatch, caplog) -> None:
    caplog.set_level(logging.INFO, logger="todo-api")
    attempts = _dynamodb_must_not_be_used(monkeypatch, api)
    failures = [ConnectionError("cluster unreachable")]
    dax_calls: list[str] = []

    def resource(**kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return types.SimpleNamespace(Table=lambda name: _MemoryDaxTable(name, dax_calls))

    monkeypatch.setenv("DAX_ENDPOINT", "dax://unreachable")
    monkeypatch.setitem(sys.modules, "amazondax", _fake_amazondax(resource))

    assert client.request("POST", "/todos", json_body={"title": "x"}).status == 500
    errors = _dax_error_logs(caplog)
    assert [(e["errorType"], e["error"]) for e in errors] == [("ConnectionError", "cluster unreachable")]
    assert "could not be built" in errors[0]["message"]
    # The failure is not cached: the next request builds the client again.
    assert client.request("POST", "/todos", json_body={"title": "y"}).status == 201
    assert dax_calls == ["put_item"]
    assert attempts == []


def test_reset_clients_drops_the_cached_table(client: ApiClient, api: Any) -> None:
    client.list()
    first = api._table()
    assert api._table() is first

    api.reset_clients()

    assert api._table() is not first


# --------------------------------------------------------------------------
# Unexpected failures
# --------------------------------------------------------------------------


class _ExplodingTable:
    def __getattr__(self, name: str) -> Any:
        def explode(**kwargs: Any) -> Any:
            raise RuntimeError("secret internal detail")

        return explode


@pytest.mark.parametrize(
    ("method", "resource", "kwargs"),
    [
        ("GET", "/todos", {}),
        ("POST", "/todos", {"json_body": {"title": "x"}}),
        ("GET", "/todos/{todoId}", {"path_params": {"todoId": str(uuid.uuid4())}}),
        (
            "PUT",
            "/todos/{todoId}",
            {"path_params": {"todoId": str(uuid.uuid4())}, "json_body": {"done": True}},
        ),
        ("DELETE", "/todos/{todoId}", {"path_params": {"todoId": str(uuid.uuid4())}}),
        ("GET", "/admin/todos", {"groups": "admin"}),
    ],
)
def test_unexpected_errors_are_500_without_details(
    client: ApiClient, api: Any, monkeypatch, caplog, method: str, resource: str, kwargs: dict[str, Any]
) -> None:
    monkeypatch.setattr(api, "_table", lambda: _ExplodingTable())

    result = client.request(method, resource, **kwargs)

    assert result.status == 500
    assert result.body == {"error": "Internal server error"}
    assert "secret" not in result.raw_body
    assert "Traceback" not in result.raw_body
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "secret internal detail" in errors[0].getMessage()
    assert errors[0].exc_info is not None


def test_dynamodb_client_errors_other_than_condition_failures_are_500(
    client: ApiClient, api: Any, monkeypatch
) -> None:
    class Throttled:
        def delete_item(self, **kwargs: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                "DeleteItem",
            )

    monkeypatch.setattr(api, "_table", lambda: Throttled())

    result = client.delete(str(uuid.uuid4()))

    assert result.status == 500
    assert result.body == {"error": "Internal server error"}


def test_missing_table_name_is_500(client: ApiClient, monkeypatch) -> None:
    monkeypatch.delenv("TABLE_NAME")

    result = client.list()

    assert result.status == 500
    assert result.body == {"error": "Internal server error"}


def test_every_response_is_json_with_content_type(client: ApiClient) -> None:
    # ApiClient.invoke asserts the response shape; exercise a mix of statuses.
    created = client.create("shape")
    statuses = [
        client.get(created["todoId"]).status,
        client.request("GET", "/missing").status,
        client.request("PATCH", "/todos").status,
        client.admin_list(groups="users").status,
        client.delete(created["todoId"]).status,
    ]
    assert statuses == [200, 404, 405, 403, 204]
