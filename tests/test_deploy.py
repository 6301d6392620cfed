"""The deployment kit (deploy/): the environment templates list exactly the variables the code
reads, with each secret in its own process's file; the renderer fills every value or refuses."""

from __future__ import annotations

import re
import runpy
import shutil
import subprocess
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


SYSTEMD = DEPLOY / "systemd"
PUBLIC_UNIT = "tsunagu-public.service"
STATED_MODE = re.compile(r"\(mode (0[0-7]{3}), (\w[\w-]*):(\w[\w-]*)\)")


def service_settings(unit: str, *installed: Path) -> dict[str, list[str]]:
    """A unit's [Service] settings as systemd reads them: the unit file, then the drop-ins of
    its name's prefix and its own (and ``installed`` ones), in order of file name. Values are
    kept in order, split at spaces (the last counts for a single setting); an empty one empties
    the list, as systemd's empty assignment does."""
    dropins = [*(SYSTEMD / "tsunagu-.service.d").glob("*.conf"), *installed]
    dropins += (SYSTEMD / f"{unit}.d").glob("*.conf")
    found: dict[str, list[str]] = {}
    for path in [SYSTEMD / unit, *sorted(dropins, key=lambda p: p.name)]:
        section = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("["):
                section = line.strip()
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                found[key] = [*found.get(key, []), *value.split()] if value else []
    return found


def last(settings: dict[str, list[str]], key: str) -> str | None:
    return settings[key][-1] if settings.get(key) else None


def test_the_public_site_runs_as_its_own_user_with_its_own_settings_only() -> None:
    public = service_settings(PUBLIC_UNIT)

    assert (last(public, "User"), last(public, "Group")) == ("tsunagu-public", "tsunagu-public")
    assert sorted(public["EnvironmentFile"]) == [
        "/etc/tsunagu/public.env",
        "/etc/tsunagu/tsunagu.env",
    ]
    assert public["ReadWritePaths"] == []  # nothing of tsunagu's: the file system read-only
    assert not str(last(public, "WorkingDirectory")).startswith("/var/lib/tsunagu")
    assert last(public, "ProtectProc") == "invisible"  # other users' processes are not there


def test_the_back_office_and_every_task_run_as_tsunagu_without_the_public_site_s_file() -> None:
    units = sorted(p.name for p in SYSTEMD.glob("tsunagu-*.service") if p.name != PUBLIC_UNIT)
    assert "tsunagu-backoffice.service" in units and "tsunagu-backup.service" in units
    for unit in units:
        settings = service_settings(unit)
        assert (last(settings, "User"), last(settings, "Group")) == ("tsunagu", "tsunagu"), unit
        assert "/etc/tsunagu/backoffice.env" in settings["EnvironmentFile"], unit
        assert "/etc/tsunagu/public.env" not in settings["EnvironmentFile"], unit


def test_on_sqlite_the_public_site_runs_beside_the_back_office(tmp_path: Path) -> None:
    # One database file (0600) that both apps write: one user, tsunagu's folder writable.
    installed = tmp_path / "30-sqlite-same-user.conf"
    installed.write_bytes((SYSTEMD / "sqlite-same-user.conf").read_bytes())
    public = service_settings(PUBLIC_UNIT, installed)
    backoffice = service_settings("tsunagu-backoffice.service")

    for key in ("User", "Group", "WorkingDirectory"):
        assert last(public, key) == last(backoffice, key), key
    assert public["ReadWritePaths"] == backoffice["ReadWritePaths"] == ["/var/lib/tsunagu"]
    assert "/etc/tsunagu/backoffice.env" not in public["EnvironmentFile"]


def test_each_settings_file_is_readable_only_by_the_processes_that_use_it() -> None:
    stated = {}
    for name in ("tsunagu.env", "public.env", "backoffice.env"):
        found = STATED_MODE.search((ENV / f"{name}.example").read_text(encoding="utf-8"))
        assert found is not None, name
        stated[name] = (int(found[1], 8), found[2], found[3])
    assert all(mode & 0o007 == 0 for mode, _, _ in stated.values())  # never other users
    # systemd reads them as root; the public site's user can read none, tsunagu not its file.
    assert all(group != "tsunagu-public" for _, _, group in stated.values())
    assert stated["public.env"][1:] == ("root", "root") and stated["public.env"][0] == 0o600


@pytest.mark.deploy
def test_systemd_starts_the_public_site_as_the_user_its_own_drop_in_names(tmp_path: Path) -> None:
    """systemd's own reading of the kit (`systemd-analyze security --offline`), installed as
    docs/operations.md says: every unit runs as a user that is not root, and the public site's
    user is the one 20-own-user.conf names, over the sandbox's (set to root, it says root)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "the deployment test needs systemd-analyze (Debian: systemd)"

    def identities(root: Path) -> dict[str, str]:
        units = root / "etc/systemd/system"
        units.mkdir(parents=True)
        for path in SYSTEMD.iterdir():
            if path.is_dir():
                shutil.copytree(path, units / path.name)
            elif path.suffix in (".service", ".timer"):
                shutil.copy(path, units)
        if root.name == "public-as-root":
            own = units / f"{PUBLIC_UNIT}.d/20-own-user.conf"
            own.write_text(own.read_text().replace("User=tsunagu-public", "User=root"))
        found = {}
        for unit in sorted(p.name for p in units.glob("*.service")):
            command = [analyze, "security", "--offline=yes", f"--root={root}", unit]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            line = next(x for x in done.stdout.splitlines() if "User=/DynamicUser=" in x)
            found[unit] = "root" if "runs as root" in line else "static non-root"
        return found

    shipped = identities(tmp_path / "shipped")
    assert len(shipped) == len(list(SYSTEMD.glob("*.service")))
    assert set(shipped.values()) == {"static non-root"}
    assert identities(tmp_path / "public-as-root") == shipped | {PUBLIC_UNIT: "root"}
