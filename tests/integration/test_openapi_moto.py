"""MICRO-4 (issue 14): request schemas declared in blueprint.yaml, deployed
to moto and read back through API Gateway's own API. Each route's request
schema is a model (GetModels: draft 4, named schemas inlined), each service
with one has a request validator (GetRequestValidators: bodies, and
parameters where a route declares query parameters), and the route's method
names both (GetMethod requestModels, requestValidatorId); routes without a
schema are not validated. A changed schema reaches the model on the next
apply. moto's CloudFormation lacks both types: README, patch 18."""

import json

import yaml

from deploying import apply, client, deploy, destroy, stack_resources

VARIANT = "microservices-schemas.yaml"


def check_validation(endpoint, res, api_id):
    apigw = client(endpoint, "apigateway")
    models = {m["name"]: m for m in apigw.get_models(restApiId=api_id)["items"]}
    validators = {v["id"]: v for v in apigw.get_request_validators(restApiId=api_id)["items"]}
    routes = {"UsersService": "ApiPost", "OrdersService": "ApiPost", "QuotesService": "ApiQuoteIdPut"}
    assert len(models) == 3, sorted(models)
    assert len(validators) == 3, validators
    for service, method_id in routes.items():
        model_name = res[f"{service}/{method_id}Model"][1]
        assert model_name in models, (model_name, sorted(models))
        model = models[model_name]
        assert model["contentType"] == "application/json"
        schema = json.loads(model["schema"])
        assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
        validator_id = res[f"{service}/ApiRequestValidator"][1]
        validator = validators[validator_id]
        assert validator["name"] == f"{service[: -len('Service')].lower()}-requests"
        assert validator["validateRequestBody"] is True
        # Only quotes declares query parameters.
        assert validator["validateRequestParameters"] is (service == "QuotesService")
        resource_id = res[f"{service}/ApiResource" if method_id == "ApiPost" else f"{service}/ApiQuoteIdResource"][1]
        http_method = "POST" if method_id == "ApiPost" else "PUT"
        method = apigw.get_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method)
        assert method["requestModels"] == {"application/json": model_name}
        assert method["requestValidatorId"] == validator_id
    # A route without a schema is not validated.
    get = apigw.get_method(restApiId=api_id, resourceId=res["OrdersService/ApiResource"][1], httpMethod="GET")
    assert not get.get("requestModels")
    assert not get.get("requestValidatorId")
    # Query parameters: declared on the method, checked by the validator.
    quotes = apigw.get_method(restApiId=api_id, resourceId=res["QuotesService/ApiResource"][1], httpMethod="GET")
    assert quotes["requestValidatorId"] == res["QuotesService/ApiRequestValidator"][1]
    assert not quotes.get("requestModels")
    assert quotes["requestParameters"] == {
        "method.request.querystring.currency": True,
        "method.request.querystring.limit": False,
    }
    return models


def test_request_schemas_become_models_and_validators(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy(VARIANT, blueprint_bin, aws_env, endpoint, tmp_path)
    api_id = res["Api"][1]
    models = check_validation(endpoint, res, api_id)
    orders = json.loads(models[res["OrdersService/ApiPostModel"][1]]["schema"])
    assert orders["required"] == ["userId", "items"]
    # The named schemas are inlined: API Gateway models cannot `$ref` the document.
    line = orders["properties"]["items"]["items"]
    assert line["required"] == ["sku", "quantity", "price"]
    assert line["properties"]["price"] == {"type": "number", "minimum": 0, "description": "An amount in the order's currency"}
    assert "$ref" not in json.dumps(orders)

    # A changed schema reaches the model.
    text = (tmp_path / "blueprint.yaml").read_text()
    changed = yaml.safe_load(text)
    changed["options"]["schemas"]["LineItem"]["properties"]["sku"]["maxLength"] = 32
    (tmp_path / "blueprint.yaml").write_text(yaml.safe_dump(changed, sort_keys=False))
    apply(blueprint_bin, aws_env, tmp_path, config["region"])
    res = stack_resources(endpoint, config["region"], config["stack_name"])
    models = check_validation(endpoint, res, api_id)
    orders = json.loads(models[res["OrdersService/ApiPostModel"][1]]["schema"])
    assert orders["properties"]["items"]["items"]["properties"]["sku"]["maxLength"] == 32
    destroy(blueprint_bin, aws_env, tmp_path)
