"""Configuration: development needs nothing; production refuses to start without its secrets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from backoffice import create_app as create_backoffice_app
from core.config import PROJECT_ROOT, ConfigError, load_settings, require
from core.crypto import decode_key
from public_site import create_app as create_public_app
from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS

STRONG_PUBLIC = "p" * 40
STRONG_BACKOFFICE = "b" * 40


def test_development_generates_secrets_once_into_the_instance_folder(tmp_path: Path) -> None:
    environ = {"TSUNAGU_INSTANCE_PATH": str(tmp_path)}

    first = load_settings(environ)
    second = load_settings(environ)

    assert first.public_secret_key and first.backoffice_secret_key
    assert first.public_secret_key != first.backoffice_secret_key
    assert (first.public_secret_key, first.backoffice_secret_key) == (
        second.public_secret_key,
        second.backoffice_secret_key,
    )
    mode = stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode)
    assert mode == 0o600


def test_development_defaults_to_an_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    settings = load_settings({"TSUNAGU_INSTANCE_PATH": str(tmp_path)})

    assert settings.database_url == f"sqlite:///{tmp_path / 'tsunagu.sqlite3'}"


def test_environment_variables_override_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TSUNAGU_INSTANCE_PATH": str(tmp_path),
            "TSUNAGU_DATABASE_URL": "postgresql+psycopg://db/tsunagu",
            "TSUNAGU_PUBLIC_SECRET_KEY": "given",
            "TSUNAGU_QUICK_EXIT_URL": "https://weather.example/",
            "TSUNAGU_TRUSTED_PROXY_COUNT": "1",
        }
    )

    assert settings.database_url == "postgresql+psycopg://db/tsunagu"
    assert settings.public_secret_key == "given"
    assert settings.quick_exit_url == "https://weather.example/"
    assert settings.trusted_proxy_count == 1


def test_production_names_every_missing_setting() -> None:
    settings = load_settings({"TSUNAGU_ENV": "production"})

    with pytest.raises(ConfigError) as raised:
        require(settings, "database_url", "public_secret_key")

    message = str(raised.value)
    assert "TSUNAGU_DATABASE_URL" in message
    assert "TSUNAGU_PUBLIC_SECRET_KEY" in message
    assert "\n" not in message


def test_production_generates_nothing(tmp_path: Path) -> None:
    settings = load_settings({"TSUNAGU_ENV": "production", "TSUNAGU_INSTANCE_PATH": str(tmp_path)})

    assert settings.database_url == ""
    assert settings.public_secret_key == ""
    assert not (tmp_path / "secrets.json").exists()


def test_production_refuses_short_secrets() -> None:
    settings = load_settings(
        {
            "TSUNAGU_ENV": "production",
            "TSUNAGU_DATABASE_URL": "postgresql+psycopg://db/tsunagu",
            "TSUNAGU_PUBLIC_SECRET_KEY": "short",
        }
    )

    with pytest.raises(ConfigError, match="at least 32 characters"):
        require(settings, "database_url", "public_secret_key")


def test_production_refuses_one_secret_for_both_apps() -> None:
    settings = load_settings(
        {
            "TSUNAGU_ENV": "production",
            "TSUNAGU_DATABASE_URL": "postgresql+psycopg://db/tsunagu",
            "TSUNAGU_PUBLIC_SECRET_KEY": STRONG_PUBLIC,
            "TSUNAGU_BACKOFFICE_SECRET_KEY": STRONG_PUBLIC,
        }
    )

    with pytest.raises(ConfigError, match="must differ"):
        require(settings, "public_secret_key", "backoffice_secret_key")


def test_public_factory_refuses_incomplete_production_config() -> None:
    settings = load_settings({"TSUNAGU_ENV": "production"})

    with pytest.raises(ConfigError, match="TSUNAGU_PUBLIC_SECRET_KEY"):
        create_public_app(settings)


def test_public_process_does_not_need_the_back_office_secret(database_url: str) -> None:
    settings = load_settings(
        {
            "TSUNAGU_ENV": "production",
            "TSUNAGU_DATABASE_URL": database_url,
            "TSUNAGU_PUBLIC_SECRET_KEY": STRONG_PUBLIC,
            "TSUNAGU_PUBLIC_BASE_URL": "https://tsunagu.example.jp",
        }
    )

    assert create_public_app(settings).name == "public_site"


@pytest.mark.parametrize("address", ["", "http://127.0.0.1:5000", "http://city.example.jp"])
def test_production_needs_the_public_https_address_cards_lead_to(
    database_url: str, address: str
) -> None:
    environ = {
        "TSUNAGU_ENV": "production",
        "TSUNAGU_DATABASE_URL": database_url,
        "TSUNAGU_PUBLIC_SECRET_KEY": STRONG_PUBLIC,
    }
    if address:
        environ["TSUNAGU_PUBLIC_BASE_URL"] = address

    with pytest.raises(ConfigError, match="TSUNAGU_PUBLIC_BASE_URL must be the public"):
        create_public_app(load_settings(environ))


def test_development_generates_an_audit_key_of_its_own(tmp_path: Path) -> None:
    settings = load_settings({"TSUNAGU_INSTANCE_PATH": str(tmp_path)})

    assert len(decode_key(settings.audit_key)) == 32
    assert settings.audit_key not in (settings.blind_index_key, settings.data_keys.split(":")[1])
    assert load_settings({"TSUNAGU_INSTANCE_PATH": str(tmp_path)}).audit_key == settings.audit_key


def test_development_adds_the_audit_key_to_an_older_secrets_file(tmp_path: Path) -> None:
    older = load_settings({"TSUNAGU_INSTANCE_PATH": str(tmp_path)})
    path = tmp_path / "secrets.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    del stored["audit_key"]
    path.write_text(json.dumps(stored), encoding="utf-8")

    settings = load_settings({"TSUNAGU_INSTANCE_PATH": str(tmp_path)})

    assert settings.audit_key and settings.data_keys == older.data_keys


def test_production_back_office_needs_the_audit_key(database_url: str) -> None:
    environ = {
        "TSUNAGU_ENV": "production",
        "TSUNAGU_DATABASE_URL": database_url,
        "TSUNAGU_BACKOFFICE_SECRET_KEY": STRONG_BACKOFFICE,
        "TSUNAGU_DATA_KEYS": TEST_DATA_KEYS,
        "TSUNAGU_BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY,
        "TSUNAGU_PUBLIC_BASE_URL": "https://tsunagu.example.jp",
    }

    with pytest.raises(ConfigError, match="set TSUNAGU_AUDIT_KEY"):
        create_backoffice_app(load_settings(environ))


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="TSUNAGU_ENV"):
        load_settings({"TSUNAGU_ENV": "staging"})


def test_wsgi_stops_with_one_line_naming_what_is_missing() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    environ["TSUNAGU_ENV"] = "production"

    result = subprocess.run(
        [sys.executable, "-c", "import wsgi; wsgi.public"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "tsunagu: refusing to start in production: set TSUNAGU_DATABASE_URL, "
        "TSUNAGU_PUBLIC_SECRET_KEY (see README)"
    ]
