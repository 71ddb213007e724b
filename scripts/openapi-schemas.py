#!/usr/bin/env python3
"""Copy schemas/*.schema.json into schemas/openapi.json's components.schemas,
so that the served OpenAPI document (GET /api/v1/openapi.json) is whole:
each schema under its title, "$schema"/"$id" dropped, and references to
"<name>.schema.json" rewritten to "#/components/schemas/<Title>"; schemas no operation reaches are left
out.

  scripts/openapi-schemas.py          rewrite schemas/openapi.json
  scripts/openapi-schemas.py --check  exit 1 if it is not up to date

The schema files stay the source: they are what tests validate against.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(ROOT, "schemas")


def load_all():
    out = {}
    for name in sorted(os.listdir(SCHEMAS)):
        if name.endswith(".schema.json"):
            with open(os.path.join(SCHEMAS, name)) as f:
                out[name] = json.load(f)
    return out


def components(files):
    titles = {name: doc["title"] for name, doc in files.items()}

    def rewrite(v):
        if isinstance(v, dict):
            return {k: ("#/components/schemas/" + titles[x] if k == "$ref" and
                        isinstance(x, str) and x in titles else rewrite(x))
                    for k, x in v.items() if k not in ("$schema", "$id")}
        if isinstance(v, list):
            return [rewrite(x) for x in v]
        return v
    return {titles[n]: rewrite(d) for n, d in files.items()}, titles


def bundled(api, files):
    comps, titles = components(files)

    def refs(v):
        if isinstance(v, dict):
            return {k: ("#/components/schemas/" + titles[x] if k == "$ref" and x in titles
                        else refs(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [refs(x) for x in v]
        return v
    api = refs(api)
    api.setdefault("components", {}).pop("schemas", None)
    # only the schemas the document reaches (a schema file may serve the
    # tests alone, e.g. the decoded ledger entry)
    used, todo = set(), [api]
    while todo:
        v = todo.pop()
        if isinstance(v, dict):
            r = v.get("$ref")
            if isinstance(r, str) and r.startswith("#/components/schemas/"):
                name = r.rsplit("/", 1)[1]
                if name not in used:
                    used.add(name)
                    todo.append(comps[name])
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    api["components"]["schemas"] = {k: comps[k] for k in sorted(used)}
    return api


def main():
    path = os.path.join(SCHEMAS, "openapi.json")
    with open(path) as f:
        text = f.read()
    want = json.dumps(bundled(json.loads(text), load_all()), indent=2) + "\n"
    if "--check" in sys.argv:
        if want != text:
            print("schemas/openapi.json is not up to date: run scripts/openapi-schemas.py")
            return 1
        return 0
    with open(path, "w") as f:
        f.write(want)
    return 0


if __name__ == "__main__":
    sys.exit(main())
