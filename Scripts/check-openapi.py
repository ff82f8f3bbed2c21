#!/usr/bin/env python3
"""Validates Schemas/openapi.yaml; with --paths, prints every `METHOD /path` it declares (server prefix included)."""
import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate

METHODS = ("get", "put", "post", "delete", "patch")


def main() -> int:
    spec_path = Path(__file__).resolve().parent.parent / "Schemas" / "openapi.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    try:
        validate(spec)
    except Exception as error:  # the validator raises several error types; all mean "invalid"
        print(f"{spec_path}: invalid OpenAPI document: {error}", file=sys.stderr)
        return 1
    if "--paths" in sys.argv[1:]:
        base = spec["servers"][0]["url"].rstrip("/")
        routes = []
        for path, item in spec["paths"].items():
            for method in METHODS:
                if method in item:
                    servers = item[method].get("servers") or item.get("servers")
                    prefix = servers[0]["url"].rstrip("/") if servers else base
                    routes.append(f"{method.upper()} {prefix}{path}")
        print("\n".join(sorted(routes)))
    else:
        print(f"{spec_path.name}: valid OpenAPI {spec['openapi']}, {len(spec['paths'])} paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())
