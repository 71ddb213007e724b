"""Responses match the JSON Schemas in schemas/, and the OpenAPI document
lists exactly the routes of fcgi/routes.c."""
import json
import subprocess
import os
import re
import sys

import jsonschema

from harness import ROOT, Skip

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


def test_messages_match_schema(s):
    """A reviewer's messages (the demo leaves some), the page and one
    marked read, against messages.schema.json and message.schema.json."""
    from harness import login, session_of
    from test_workflow import check as check_refs
    cookie, csrf = session_of(login(s, "panel@employer.test"))
    doc = s.get("/api/v1/messages?limit=2", headers=cookie).json()
    check_refs(doc, "messages.schema.json")
    assert doc["messages"] and "next" in doc, doc
    r = s.post("/api/v1/messages/%s/read" % doc["messages"][0]["id"],
               headers=dict(cookie, **{"X-CSRF-Token": csrf}))
    check_refs(r.json(), "message.schema.json")


def test_errors_match_schema(s):
    for path in ("/api/v1/nope", "/api/v1/standards/ST9999", "/api/v1/standards?level=x"):
        check(s.get(path).json(), "error.schema.json")


def api_path(path):
    """A route's path as the OpenAPI document keys it: relative to the
    document's server, /api/v1, but for /metrics, which has a server of
    its own (the site's root)."""
    return path[len("/api/v1"):] if path.startswith("/api/v1/") else path


def test_openapi_lists_every_route(s):
    out = subprocess.run([os.path.join(s.bin, "htq-fcgi"), "--routes"], capture_output=True,
                         check=True)
    routes = {(r["method"].lower(), api_path(r["path"])) for r in json.loads(out.stdout)}
    with open(os.path.join(SCHEMAS, "openapi.json")) as f:
        api = json.load(f)
    # a path item's other keys ("servers" for /metrics) are not operations
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    documented = {(m, p) for p, ops in api["paths"].items() for m in ops if m in methods}
    assert routes, "no routes listed"
    assert routes == documented, "routes not documented: %s; documented but absent: %s" % (
        sorted(routes - documented), sorted(documented - routes))


def test_openapi_is_whole_and_current(s):
    """The served document is schemas/openapi.json, with every schema file
    bundled under components (scripts/openapi-schemas.py --check)."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "openapi-schemas.py"),
                        "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    served = s.get("/api/v1/openapi.json")
    assert served.status == 200 and served.header("content-type").startswith("application/json")
    with open(os.path.join(SCHEMAS, "openapi.json"), "rb") as f:
        assert served.body == f.read()
    api = served.json()
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(api, indent=1).replace('"$ref":"', '"$ref": "'))
    assert refs and all(x.startswith("#/components/schemas/") for x in refs), refs[:5]
    for x in refs:
        assert x.split("/")[-1] in api["components"]["schemas"], x


def test_openapi_security_follows_the_route_table(s):
    """operationId on every operation, a 4xx answer on every operation, and
    security as the route's access rule says: none for public routes, the
    cookie (with the CSRF header on changes) or a bearer token otherwise."""
    out = subprocess.run([os.path.join(s.bin, "htq-fcgi"), "--routes"], capture_output=True,
                         check=True)
    with open(os.path.join(SCHEMAS, "openapi.json")) as f:
        api = json.load(f)
    seen = set()
    for r in json.loads(out.stdout):
        m, p = r["method"].lower(), api_path(r["path"])
        op = api["paths"][p][m]
        assert op.get("operationId") and op["operationId"] not in seen, (m, p)
        seen.add(op["operationId"])
        assert any(k.startswith("4") for k in op["responses"]), (m, p)
        if "anonymous" in r["roles"]:
            want = []
        elif "loopback" in r["roles"]:
            # anonymous on loopback ({}), else a session or a token
            want = [{}, {"session": []}, {"token": []}]
        elif m in ("post", "put", "patch", "delete"):
            want = [{"session": [], "csrf": []}, {"token": []}]
        else:
            want = [{"session": []}, {"token": []}]
        assert op.get("security") == want, (m, p, op.get("security"))
    schemes = api["components"]["securitySchemes"]
    assert schemes["csrf"] == dict(schemes["csrf"], type="apiKey", **{"in": "header",
                                   "name": "X-CSRF-Token"})


def test_openapi_is_a_valid_openapi_document(s):
    try:
        from openapi_spec_validator import validate
    except ImportError:
        raise Skip("openapi-spec-validator is not installed")
    with open(os.path.join(SCHEMAS, "openapi.json")) as f:
        validate(json.load(f))
