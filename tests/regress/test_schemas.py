"""Responses match the JSON Schemas in schemas/, and the OpenAPI document
lists exactly the routes of fcgi/routes.c."""
import json
import subprocess
import os
import re

import jsonschema

from harness import ROOT

SCHEMAS = os.path.join(ROOT, "schemas")


def schema(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def check(doc, name):
    jsonschema.validate(doc, schema(name), cls=jsonschema.Draft202012Validator)


def test_schemas_are_valid_schemas(s):
    for name in os.listdir(SCHEMAS):
        if name.endswith(".schema.json"):
            jsonschema.Draft202012Validator.check_schema(schema(name))


def test_health_matches_schema(s):
    check(s.get("/api/v1/health").json(), "health.schema.json")


def test_standards_match_schema(s):
    lst = s.get("/api/v1/standards").json()
    check(lst, "standards-list.schema.json")
    for item in lst["standards"]:
        check(s.get("/api/v1/standards/" + item["ref"]).json(), "standard.schema.json")


def test_errors_match_schema(s):
    for path in ("/api/v1/nope", "/api/v1/standards/ST9999", "/api/v1/standards?level=x"):
        check(s.get(path).json(), "error.schema.json")


def test_openapi_lists_every_route(s):
    out = subprocess.run([os.path.join(s.bin, "htq-fcgi"), "--routes"], capture_output=True,
                         check=True)
    routes = {(r["method"].lower(), r["path"][len("/api/v1"):]) for r in json.loads(out.stdout)}
    with open(os.path.join(SCHEMAS, "openapi.json")) as f:
        api = json.load(f)
    documented = {(m, p) for p, ops in api["paths"].items() for m in ops}
    assert routes, "no routes listed"
    assert routes == documented, "routes not documented: %s; documented but absent: %s" % (
        sorted(routes - documented), sorted(documented - routes))
