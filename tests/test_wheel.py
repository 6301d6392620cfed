"""The wheel is a working install: built from the checkout, installed into an environment of its
own, it migrates a database and serves both sites from a directory that is not the checkout.

The temporary environment gets the project environment's libraries through a ``.pth`` line (so no
run downloads anything); that line comes after its own site-packages, so the installed wheel's
packages are the ones imported, never the checkout's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from tests.conftest import SERVER_URL
from tests.databases import fresh_database

PACKAGES = ("core", "public_site", "backoffice", "directory", "cards")
# What a build reads besides the packages (the readme is the project's long description).
BUILD_FILES = ("pyproject.toml", "setup.py", "README.md", "wsgi.py")
# Build output and working files a checkout may hold; the wheel is made without them.
LEFT_BEHIND = ("__pycache__", "*.pyc", "*.mo", "*.pot")
# Every shipped translation: a .po in the sources, its .mo compiled by the build.
CATALOGUES = tuple(
    f"core/translations/{language}/LC_MESSAGES/messages" for language in ("en", "ja@easy")
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    site_packages: Path
    sources: frozenset[str]  # files of the five packages copied from the checkout, relative


def _copy_sources(target: Path) -> frozenset[str]:
    """The checkout as a clean clone has it, so the build never sees a stale compiled catalogue."""
    ignore = shutil.ignore_patterns(*LEFT_BEHIND)
    for name in BUILD_FILES:
        shutil.copy2(PROJECT_ROOT / name, target / name)
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, target / package, ignore=ignore)
    return frozenset(
        path.relative_to(target).as_posix()
        for package in PACKAGES
        for path in (target / package).rglob("*")
        if path.is_file()
    )


def _run(command: list[str | Path], **options: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # type: ignore[call-overload]
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **options,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    source, dist, venv = root / "source", root / "dist", root / "venv"
    source.mkdir()
    sources = _copy_sources(source)
    # Without build isolation: the project environment has the backend (setuptools) and Babel.
    pip = [sys.executable, "-m", "pip"]
    _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--quiet", "--wheel-dir", dist, source]
    )
    (wheel,) = dist.glob("tsunagu-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel]
    )
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(_run([python, "-c", purelib]).stdout.strip()).resolve()
    libraries = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (site_packages / "zz_project_libraries.pth").write_text(
        "".join(f"{path}\n" for path in sorted(libraries)), encoding="utf-8"
    )
    return Installed(wheel, python, site_packages, sources)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory that is not the checkout and holds nothing of it."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    return directory


def _environ(**settings: str) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TSUNAGU_") and key not in ("PYTHONPATH", "VIRTUAL_ENV", "FLASK_APP")
    }
    return {**environ, **settings}


def test_the_wheel_holds_exactly_the_packages_files_and_a_compiled_catalogue(
    installed: Installed,
) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = {name for name in wheel.namelist() if name.split("/", 1)[0] in PACKAGES}
        compiled = [wheel.read(f"{catalogue}.mo") for catalogue in CATALOGUES]

    assert names - {f"{catalogue}.mo" for catalogue in CATALOGUES} == installed.sources
    for each in compiled:  # GNU .mo magic, little-endian
        assert each.startswith(b"\xde\x12\x04\x95")
    # The run-time data named one by one, so a failure says which kind went missing.
    for expected in (
        "core/migrations/env.py",
        "core/migrations/script.py.mako",
        "core/migrations/versions/0001_initial.py",
        "core/static/css/site.css",
        "core/static/js/quick-exit.js",
        "core/profiles/kyotango.toml",
        "core/templates/core/_help.html",
        "public_site/templates/public/home.html",
        "backoffice/templates/backoffice/base.html",
        "directory/hsds/schemas/datapackage.json",
        "directory/hsds/schemas/schema/service.json",
        "directory/data/vocabulary.toml",
        "directory/data/directory-facts.csv",
    ):
        assert expected in names, expected


def test_the_environment_imports_the_wheel_not_the_checkout(
    installed: Installed, elsewhere: Path
) -> None:
    code = "import core, wsgi, backoffice.views; print(core.__file__); print(wsgi.__file__)"
    lines = _run([installed.python, "-c", code], cwd=elsewhere, env=_environ()).stdout.split()

    for line in lines:
        assert Path(line).is_relative_to(installed.site_packages), line


REQUESTS = """
import json, wsgi
client = wsgi.app.test_client()
pages = {}
for url in ("/", "/en/", "/staff/login", "/static/css/site.css"):
    response = client.get(url)
    pages[url] = [response.status_code, response.get_data(as_text=True)]
print(json.dumps(pages))
"""


def test_init_and_both_sites_run_from_another_directory(
    installed: Installed, elsewhere: Path
) -> None:
    with fresh_database(SERVER_URL, elsewhere.parent) as url:
        # No instance path given: an installed wheel keeps it in the working directory.
        environ = _environ(TSUNAGU_DATABASE_URL=url)
        init = _run(
            [installed.python, "-m", "flask", "--app", "wsgi", "tsunagu", "init"],
            cwd=elsewhere,
            env=environ,
        )
        pages = json.loads(
            _run([installed.python, "-c", REQUESTS], cwd=elsewhere, env=environ).stdout
        )

    assert "database: migrated to the newest schema" in init.stdout
    profile = installed.site_packages / "core" / "profiles" / "kyotango.toml"
    assert f"profile: stored from {profile}" in init.stdout
    assert (elsewhere / "instance" / "secrets.json").is_file()
    assert {url: status for url, (status, _) in pages.items()} == dict.fromkeys(pages, 200)
    assert 'id="now-title"' in pages["/"][1]  # the block of lines to call now, first on the page
    assert "京丹後市 健康長寿福祉部 健康推進課" in pages["/"][1]  # from the packaged profile
    assert "Talk to someone now" in pages["/en/"][1]  # from the compiled catalogue
    assert 'name="password"' in pages["/staff/login"][1]
    stylesheet = (PROJECT_ROOT / "core" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert pages["/static/css/site.css"][1] == stylesheet
