"""The import checks against the official HSDS 3.0 schemas shipped with the package, unchanged;
TSUNAGU_HSDS_SCHEMAS can name another copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from directory.hsds.importer import import_dataset
from directory.hsds.schemas import (
    SCHEMAS,
    SHIPPED,
    SchemaError,
    default_schema_dir,
    schema_validator,
)
from directory.hsds.vocabulary import Json

SHARED = PROJECT_ROOT.parent / "shared" / "hsds-3.0"
ORGANIZATION = "2f7e3a50-0000-4000-8000-000000000001"
SERVICE = "2f7e3a50-0000-4000-8000-000000000002"


def official_files() -> list[Path]:
    if not (SHARED / "schema" / "service.json").exists():
        pytest.fail(f"the official HSDS schemas are missing at {SHARED}")
    return [path for path in (SHARED / "schema").glob("*.json") if path.name != "openapi.json"]


def test_the_shipped_schemas_are_the_official_files_unchanged() -> None:
    official = official_files()

    shipped = sorted(path.name for path in (SHIPPED / "schema").iterdir())
    assert shipped == sorted(path.name for path in official)
    for path in official:
        assert (SHIPPED / "schema" / path.name).read_bytes() == path.read_bytes(), path.name
    package = SHARED / "datapackage.json"
    assert (SHIPPED / "datapackage.json").read_bytes() == package.read_bytes()
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    assert "279fd2eb3552c349bf698c07c00cc25f5fc8249b" in readme
    assert "CC BY-SA 4.0" in readme


def test_the_import_uses_the_shipped_schemas_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TSUNAGU_HSDS_SCHEMAS", raising=False)
    assert default_schema_dir() == SHIPPED

    monkeypatch.setenv("TSUNAGU_HSDS_SCHEMAS", str(tmp_path))
    assert default_schema_dir() == tmp_path


def test_every_list_is_checked_against_a_shipped_schema() -> None:
    for name in SCHEMAS.values():
        errors = [error.message for error in schema_validator(SHIPPED, name).iter_errors({})]
        assert "'id' is a required property" in errors, name


def minimal(**service: object) -> Json:
    return {
        "organizations": [{"id": ORGANIZATION, "name": "京丹後市", "description": ""}],
        "services": [
            {"id": SERVICE, "organization_id": ORGANIZATION, "name": "相談", "status": "active"}
            | service
        ],
    }


def test_a_valid_dataset_passes_with_either_copy(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TSUNAGU_HSDS_SCHEMAS", raising=False)
    assert import_dataset(session, minimal()).ok

    monkeypatch.setenv("TSUNAGU_HSDS_SCHEMAS", str(SHARED))
    assert import_dataset(session, minimal()).ok


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "open"}, "status"),
        ({"phones": [{"id": "phone-1", "number": "0772-69-0350"}]}, "phones[0].id"),
        ({"schedules": [{"id": SERVICE, "opens_at": 9}]}, "schedules[0].opens_at"),
        ({"organization": {"id": ORGANIZATION, "name": "京丹後市"}}, "organization.description"),
    ],
)
def test_an_object_the_shipped_schemas_refuse_is_named(
    session: Session, change: dict, field: str
) -> None:
    report = import_dataset(session, minimal(**change), schema_dir=SHIPPED)

    assert not report.ok
    assert any(p.record == f"service {SERVICE}" and p.field == field for p in report.problems), [
        str(p) for p in report.problems
    ]


def test_a_folder_without_the_schemas_is_an_error_naming_it(
    session: Session, tmp_path: Path
) -> None:
    with pytest.raises(SchemaError, match=str(tmp_path)):
        import_dataset(session, minimal(), schema_dir=tmp_path)
