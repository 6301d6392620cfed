"""Settings from ``TSUNAGU_*`` environment variables.

Development generates its secrets into the instance folder on first use, so ``make run`` needs no
setup. Production refuses to start unless the database URL and every secret are given explicitly.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = PROJECT_ROOT / "profiles" / "kyotango.toml"
ENVIRONMENTS = ("development", "test", "production")
SECRET_NAMES = ("public_secret_key", "backoffice_secret_key")
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unusable; the message is one line naming what to fix."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    public_secret_key: str = ""
    backoffice_secret_key: str = ""
    profile_path: Path = DEFAULT_PROFILE
    public_base_url: str = "http://127.0.0.1:5000"
    quick_exit_url: str = "https://www.jma.go.jp/bosai/forecast/"
    trusted_proxy_count: int = 0

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment, generating development secrets where allowed.

    In production nothing is generated; each app factory then calls ``require`` for what it
    needs, so a public-site process never has to hold the back office's secrets.
    """
    env_vars = os.environ if environ is None else environ

    def get(name: str, default: str = "") -> str:
        return env_vars.get(f"TSUNAGU_{name}", default).strip()

    env = get("ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"TSUNAGU_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    instance_path = Path(get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
    values: dict[str, str] = {
        "database_url": get("DATABASE_URL"),
        "public_secret_key": get("PUBLIC_SECRET_KEY"),
        "backoffice_secret_key": get("BACKOFFICE_SECRET_KEY"),
    }
    if env != "production":
        values = _fill_development_defaults(values, instance_path)
    try:
        proxies = int(get("TRUSTED_PROXY_COUNT", "0"))
    except ValueError as exc:
        raise ConfigError("TSUNAGU_TRUSTED_PROXY_COUNT must be a whole number") from exc
    return Settings(
        env=env,
        instance_path=instance_path,
        profile_path=Path(get("PROFILE") or DEFAULT_PROFILE),
        public_base_url=get("PUBLIC_BASE_URL") or Settings.public_base_url,
        quick_exit_url=get("QUICK_EXIT_URL") or Settings.quick_exit_url,
        trusted_proxy_count=proxies,
        **values,
    )


def require(settings: Settings, *names: str) -> None:
    """Refuse to start in production unless every named setting is present and sound."""
    if not settings.production:
        return
    missing = [f"TSUNAGU_{name.upper()}" for name in names if not getattr(settings, name)]
    if missing:
        raise ConfigError(
            "refusing to start in production: set " + ", ".join(missing) + " (see README)"
        )
    short = [
        f"TSUNAGU_{name.upper()}"
        for name in names
        if name in SECRET_NAMES and len(getattr(settings, name)) < MIN_SECRET_LENGTH
    ]
    if short:
        raise ConfigError(
            f"refusing to start in production: {', '.join(short)} must be at least "
            f"{MIN_SECRET_LENGTH} characters"
        )
    secrets_given = [getattr(settings, name) for name in SECRET_NAMES if name in names]
    if len(secrets_given) != len(set(secrets_given)):
        raise ConfigError(
            "refusing to start in production: the public and back-office secret keys must differ"
        )


def _fill_development_defaults(values: dict[str, str], instance_path: Path) -> dict[str, str]:
    filled = dict(values)
    if not filled["database_url"]:
        filled["database_url"] = f"sqlite:///{instance_path / 'tsunagu.sqlite3'}"
    if any(not filled[name] for name in SECRET_NAMES):
        stored = _instance_secrets(instance_path)
        for name in SECRET_NAMES:
            filled[name] = filled[name] or stored[name]
    return filled


def _instance_secrets(instance_path: Path) -> dict[str, str]:
    """Read, or create once, the development secrets file (mode 0600, never committed)."""
    path = instance_path / "secrets.json"
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if all(stored.get(name) for name in SECRET_NAMES):
            return stored
    instance_path.mkdir(parents=True, exist_ok=True)
    stored = {name: secrets.token_urlsafe(48) for name in SECRET_NAMES}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, indent=2)
    return stored
