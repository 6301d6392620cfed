"""Settings from ``TSUNAGU_*`` environment variables.

Development generates its secrets into the instance folder on first use, so ``make run`` needs no
setup. Production generates nothing: each app factory calls ``require`` for what it needs and
refuses to start, with one line naming what is missing.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path


def packaged(*parts: str) -> Path:
    """A file or folder shipped inside the ``core`` package, in a checkout as in an installed wheel.

    Migrations, static files, message catalogues and the default profile live there, never at the
    checkout's root. Wheels install unzipped, so this is a real path Flask and Alembic can use.
    """
    return Path(str(files("core").joinpath(*parts))).resolve()


# The checkout holding the packages; in an installed wheel this is site-packages, so it only
# decides where the development instance folder goes by default.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = packaged("profiles", "kyotango.toml")
ENVIRONMENTS = ("development", "test", "production")
SECRET_NAMES = ("public_secret_key", "backoffice_secret_key")
GENERATED = (*SECRET_NAMES, "data_keys", "blind_index_key", "audit_key")
MIN_SECRET_LENGTH = 32


def default_instance_path() -> Path:
    """``instance/`` at the root of a checkout; in the working directory for an installed wheel."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "instance"
    return Path.cwd() / "instance"


class ConfigError(RuntimeError):
    """The configuration is unusable; the message is one line naming what to fix."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = field(default_factory=default_instance_path)
    database_url: str = ""
    public_secret_key: str = ""
    backoffice_secret_key: str = ""
    # Field encryption: "id:base64key,id:base64key", the first is used for new values.
    data_keys: str = ""
    # HMAC key for blind indexes (exact-match lookups on encrypted values), base64.
    blind_index_key: str = ""
    # HMAC key of the audit chain, base64 32 bytes; back office only, never in the database.
    audit_key: str = ""
    profile_path: Path = DEFAULT_PROFILE
    public_base_url: str = "http://127.0.0.1:5000"
    quick_exit_url: str = "https://www.jma.go.jp/bosai/forecast/"
    trusted_proxy_count: int = 0
    # Back-office sign-in and sessions.
    ratelimit_storage_uri: str = "memory://"
    backoffice_allowed_networks: tuple[str, ...] = ()
    session_idle_minutes: int = 15
    session_absolute_hours: int = 8
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 1
    # A directory entry not verified for this many days is listed for staff to check.
    directory_stale_days: int = 180
    # An urgent referral not contacted within this many hours goes to the supervisor view.
    urgent_contact_hours: int = 4
    # How much of a client address the audit trail keeps (prefix length in bits).
    audit_ipv4_prefix: int = 24
    audit_ipv6_prefix: int = 48
    # Font file for guidance cards; empty searches the standard locations (BIZ UDPGothic first).
    card_font_path: str = ""
    # The public site's page cache: "simple" (in each process), "none", or a redis:// URL.
    cache_url: str = "simple"
    # Staff notifications by mail (`notify send`): an smtp:// or smtps:// URL (empty: in the back
    # office only), the sender, and the back office's address that mails link to.
    mail_url: str = ""
    mail_from: str = ""
    backoffice_url: str = "http://127.0.0.1:5000/staff"

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment, generating development secrets where allowed."""
    env_vars = os.environ if environ is None else environ

    def get(name: str, default: str = "") -> str:
        return env_vars.get(f"TSUNAGU_{name}", default).strip()

    def number(name: str, default: int) -> int:
        raw = get(name, str(default))
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"TSUNAGU_{name} must be a whole number, not {raw!r}") from exc

    env = get("ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"TSUNAGU_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    instance_path = Path(get("INSTANCE_PATH") or default_instance_path())
    values = {
        "database_url": get("DATABASE_URL"),
        **{name: get(name.upper()) for name in GENERATED},
    }
    if env != "production":
        values = _fill_development_defaults(values, instance_path)
    defaults = Settings()
    return Settings(
        env=env,
        instance_path=instance_path,
        profile_path=Path(get("PROFILE") or DEFAULT_PROFILE),
        public_base_url=get("PUBLIC_BASE_URL") or defaults.public_base_url,
        quick_exit_url=get("QUICK_EXIT_URL") or defaults.quick_exit_url,
        trusted_proxy_count=number("TRUSTED_PROXY_COUNT", 0),
        ratelimit_storage_uri=get("RATELIMIT_STORAGE_URI") or defaults.ratelimit_storage_uri,
        backoffice_allowed_networks=tuple(
            part.strip() for part in get("BACKOFFICE_ALLOWED_NETWORKS").split(",") if part.strip()
        ),
        session_idle_minutes=number("SESSION_IDLE_MINUTES", defaults.session_idle_minutes),
        session_absolute_hours=number("SESSION_ABSOLUTE_HOURS", defaults.session_absolute_hours),
        lockout_threshold=number("LOCKOUT_THRESHOLD", defaults.lockout_threshold),
        lockout_minutes=number("LOCKOUT_MINUTES", defaults.lockout_minutes),
        argon2_time_cost=number("ARGON2_TIME_COST", defaults.argon2_time_cost),
        argon2_memory_kib=number("ARGON2_MEMORY_KIB", defaults.argon2_memory_kib),
        argon2_parallelism=number("ARGON2_PARALLELISM", defaults.argon2_parallelism),
        directory_stale_days=number("DIRECTORY_STALE_DAYS", defaults.directory_stale_days),
        urgent_contact_hours=number("URGENT_CONTACT_HOURS", defaults.urgent_contact_hours),
        audit_ipv4_prefix=number("AUDIT_IPV4_PREFIX", defaults.audit_ipv4_prefix),
        audit_ipv6_prefix=number("AUDIT_IPV6_PREFIX", defaults.audit_ipv6_prefix),
        card_font_path=get("CARD_FONT"),
        cache_url=_cache_url(get("CACHE_URL") or defaults.cache_url),
        mail_url=get("MAIL_URL"),
        mail_from=get("MAIL_FROM"),
        backoffice_url=get("BACKOFFICE_URL") or defaults.backoffice_url,
        **values,
    )


CACHE_URL_SCHEMES = ("redis://", "rediss://", "unix://")


def _cache_url(value: str) -> str:
    if value in ("simple", "none") or value.startswith(CACHE_URL_SCHEMES):
        return value
    raise ConfigError(
        "TSUNAGU_CACHE_URL must be simple, none or a redis:// (rediss://, unix://) URL, "
        f"not {value.split(':', 1)[0]!r}"
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
    if "public_base_url" in names and not settings.public_base_url.startswith("https://"):
        # Printed QR codes lead here and cannot be recalled: never localhost, never plain http.
        raise ConfigError(
            "refusing to start in production: TSUNAGU_PUBLIC_BASE_URL must be the public "
            "site's https:// address (QR codes on printed cards lead there)"
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
    if any(not filled[name] for name in GENERATED):
        stored = _instance_secrets(instance_path)
        for name in GENERATED:
            filled[name] = filled[name] or stored[name]
    return filled


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


GENERATORS: dict[str, Callable[[], str]] = {
    "public_secret_key": lambda: secrets.token_urlsafe(48),
    "backoffice_secret_key": lambda: secrets.token_urlsafe(48),
    "data_keys": lambda: f"dev1:{_key()}",
    "blind_index_key": _key,
    "audit_key": _key,
}


def _instance_secrets(instance_path: Path) -> dict[str, str]:
    """Read, or complete once, the development secrets file (mode 0600, never committed)."""
    path = instance_path / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if all(stored.get(name) for name in GENERATED):
            return stored
    instance_path.mkdir(parents=True, exist_ok=True)
    for name in GENERATED:
        stored[name] = stored.get(name) or GENERATORS[name]()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, indent=2)
    return stored
