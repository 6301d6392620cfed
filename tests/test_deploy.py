"""The deployment kit (deploy/): the environment templates list exactly the variables the code
reads, with each secret in its own process's file; the renderer fills every value or refuses."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, load_settings

DEPLOY = PROJECT_ROOT / "deploy"
ENV = DEPLOY / "env"
LISTED = re.compile(r"^#?(TSUNAGU_[A-Z0-9_]+)=", re.MULTILINE)
# Read outside core/config.py, straight from the environment: the HSDS schemas folder
# (directory.hsds) and the backup key (core.backup_cli).
READ_ELSEWHERE = {"TSUNAGU_HSDS_SCHEMAS": "directory", "TSUNAGU_BACKUP_KEY": "core"}
BACK_OFFICE_ONLY = (
    "TSUNAGU_BACKOFFICE_SECRET_KEY", "TSUNAGU_DATA_KEYS", "TSUNAGU_BLIND_INDEX_KEY",
    "TSUNAGU_AUDIT_KEY",
)  # fmt: skip


class Recording(dict[str, str]):
    """An environment that notes every name asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def listed(name: str) -> list[str]:
    return LISTED.findall((ENV / name).read_text(encoding="utf-8"))


def test_the_templates_list_exactly_the_variables_the_code_reads(tmp_path: Path) -> None:
    environ = Recording()
    environ["TSUNAGU_INSTANCE_PATH"] = str(tmp_path)
    load_settings(environ)
    for name, package in READ_ELSEWHERE.items():  # still read where this test says
        sources = (PROJECT_ROOT / package).rglob("*.py")
        assert any(name in path.read_text(encoding="utf-8") for path in sources), name

    names = [n for f in ("tsunagu.env.example", "public.env.example", "backoffice.env.example")
             for n in listed(f)]  # fmt: skip

    assert sorted(set(names)) == sorted(environ.asked | READ_ELSEWHERE.keys())
    names.remove("TSUNAGU_DATABASE_URL")  # each process has its own database role
    assert len(names) == len(set(names))  # every other variable in one file only


def test_the_public_site_s_file_holds_no_back_office_key_and_the_reverse() -> None:
    public, backoffice = listed("public.env.example"), listed("backoffice.env.example")

    assert not set(BACK_OFFICE_ONLY) & (set(public) | set(listed("tsunagu.env.example")))
    assert "TSUNAGU_PUBLIC_SECRET_KEY" not in backoffice
    assert "TSUNAGU_DATABASE_URL" in public and "TSUNAGU_DATABASE_URL" in backoffice


def test_every_template_is_filled_from_the_example_values() -> None:
    render = runpy.run_path(str(DEPLOY / "render.py"))
    values = render["read_values"](DEPLOY / "site.values.example")
    for template in (DEPLOY / "nginx").glob("*.conf"):
        filled = render["render"](template.read_text(encoding="utf-8"), values)
        assert "@" not in re.sub(r"[\w.-]+@[\w.-]+", "", filled), template  # no token left


def test_a_value_missing_is_refused_rather_than_left_blank() -> None:
    render = runpy.run_path(str(DEPLOY / "render.py"))

    with pytest.raises(SystemExit, match="no value for OFFICE_NETWORK"):
        render["render"]("allow @OFFICE_NETWORK@;", {})
