"""The official HSDS 3.0 schemas: where they are, and validators over them.

A copy of the per-object schemas ships in ``schemas/`` beside this module (see its README), so
the import checks against the official files wherever the project is installed.
``TSUNAGU_HSDS_SCHEMAS`` (or a command's ``--schemas``) may name another folder of the same
layout: ``schema/*.json`` and ``datapackage.json``, e.g. a checkout of the specification.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.hsds.vocabulary import Json

SHIPPED = Path(__file__).resolve().parent / "schemas"
# The files name each other relatively ("organization.json"), which resolves against the
# address they are published at; openapi.json uses that address in full.
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
SCHEMAS = {  # top-level list -> the official schema its objects must satisfy
    "organizations": "organization.json",
    "services": "service.json",
    "locations": "location.json",
    "service_at_locations": "service_at_location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


class SchemaError(RuntimeError):
    """The official HSDS schemas are not where we look for them."""


def default_schema_dir() -> Path:
    """``TSUNAGU_HSDS_SCHEMAS``, else the copy shipped with this package."""
    configured = os.environ.get("TSUNAGU_HSDS_SCHEMAS")
    return Path(configured) if configured else SHIPPED


@lru_cache(maxsize=4)
def schema_registry(schema_dir: Path) -> Registry:
    """Every schema file under the URI the official files refer to each other by."""
    root = schema_dir / "schema"
    if not (root / "service.json").is_file():
        raise SchemaError(f"the HSDS 3.0 schemas are not in {root} (set TSUNAGU_HSDS_SCHEMAS)")
    resources = [
        (
            SCHEMA_BASE + path.relative_to(root).as_posix(),
            Resource.from_contents(_load(path), default_specification=DRAFT202012),
        )
        for path in sorted(root.rglob("*.json"))
    ]
    return Registry().with_resources(resources)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def schema_validator(schema_dir: Path, name: str) -> Draft202012Validator:
    """A validator for one official schema, e.g. ``service.json``."""
    return Draft202012Validator(
        {"$ref": SCHEMA_BASE + name},
        registry=schema_registry(schema_dir),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def official_package(schema_dir: Path) -> Json:
    """The official tabular datapackage: the resource descriptors of every HSDS table."""
    return _load(schema_dir / "datapackage.json")
