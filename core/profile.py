"""The municipality profile: who runs this instance, read from a TOML file and kept in the database.

Every partner municipality has its own profile file; Kyotango City is the demo. The file seeds the
``municipality_profile`` row, which administrators can later edit. Error pages read the file copy so
that help is shown even when the database is down.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

import core.content_version  # noqa: F401  (every process that writes public content counts it)
from core.db import Base, UTCDateTime, utcnow
from core.origins import is_loopback_origin, normalise_origin
from core.readings_store import store_texts

PROFILE_ID = 1
URL_SCHEMES = ("https://", "http://")
# Figures about fewer than this many (cards in a batch, later people in a statistic) are not
# shown: with so few, a count could tell about one person. `[statistics] minimum_batch`.
DEFAULT_MINIMUM_BATCH = 10
# In published statistics, counts below this are suppressed: `[statistics] publication_threshold`.
DEFAULT_PUBLICATION_THRESHOLD = 5
# The training every staff member attends each fiscal year (April to March), and the largest
# material file a training record takes: `[training]`.
DEFAULT_TRAINING_KINDS = ("研修",)
DEFAULT_TRAINING_PER_YEAR = 1
DEFAULT_MATERIAL_MAX_MB = 10
# Partner sites that may frame the public widget (`partner_origins`): https origins, and in
# development the loopback ones, so the widget can be tried from a page served on this machine.
MAX_PARTNER_ORIGINS = 20


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Profile:
    slug: str
    name: str
    name_en: str
    prefecture: str
    section: str
    section_en: str
    phone: str
    fax: str
    address: str
    address_needs_check: bool
    dedicated_window_name: str
    dedicated_window_name_en: str
    dedicated_window_channel: str
    dedicated_window_url: str
    dedicated_window_hours: str
    partner_name: str
    retention_years: int
    source: str
    source_date: str
    districts: tuple[str, ...] = ()
    emergency_numbers: tuple[EmergencyNumber, ...] = field(default_factory=tuple)
    statistics_minimum_batch: int = DEFAULT_MINIMUM_BATCH
    statistics_publication_threshold: int = DEFAULT_PUBLICATION_THRESHOLD
    training_required_kinds: tuple[str, ...] = DEFAULT_TRAINING_KINDS
    training_required_per_fiscal_year: int = DEFAULT_TRAINING_PER_YEAR
    training_material_max_mb: int = DEFAULT_MATERIAL_MAX_MB
    partner_origins: tuple[str, ...] = ()

    def frame_origins(self, *, production: bool) -> tuple[str, ...]:
        """The origins a page may be framed by: in production, never a loopback one (an
        http://localhost origin is the visitor's own machine, not a partner)."""
        if not production:
            return self.partner_origins
        return tuple(o for o in self.partner_origins if not is_loopback_origin(o))

    @property
    def dedicated_window_configured(self) -> bool:
        """False while the demo placeholder stands in for the real dedicated-window URL."""
        return self.dedicated_window_url.startswith("https://") and not _is_placeholder(
            self.dedicated_window_url
        )


class ProfileError(ValueError):
    """The profile file is incomplete or malformed."""


class MunicipalityProfile(Base):
    __tablename__ = "municipality_profile"
    __table_args__ = {"info": {"public": "read"}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_file: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def read_profile_file(path: Path) -> Profile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"profile file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile file {path} is not valid TOML: {exc}") from exc
    return profile_from_mapping(raw)


def profile_from_mapping(raw: dict[str, Any]) -> Profile:
    window = raw.get("dedicated_window", {})
    required = ["slug", "name", "section", "phone"]
    missing = [key for key in required if not raw.get(key)]
    missing += [f"dedicated_window.{key}" for key in ("name", "channel") if not window.get(key)]
    if missing:
        raise ProfileError("profile is missing: " + ", ".join(missing))
    url = str(window.get("url", ""))
    if url and not url.startswith(URL_SCHEMES):
        raise ProfileError("dedicated_window.url must start with https://")
    emergency = tuple(
        EmergencyNumber(str(item["number"]), str(item["label"]), str(item.get("label_en", "")))
        for item in raw.get("emergency", [])
    )
    if not emergency:
        raise ProfileError("profile is missing: emergency (at least one emergency number)")
    minimum_batch = raw.get("statistics", {}).get("minimum_batch", DEFAULT_MINIMUM_BATCH)
    if isinstance(minimum_batch, bool) or not isinstance(minimum_batch, int) or minimum_batch < 1:
        raise ProfileError("statistics.minimum_batch must be a whole number of 1 or more")
    threshold = raw.get("statistics", {}).get(
        "publication_threshold", DEFAULT_PUBLICATION_THRESHOLD
    )
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ProfileError("statistics.publication_threshold must be a whole number of 2 or more")
    training = _training_section(raw.get("training", {}))
    origins = _partner_origins(raw.get("partner_origins", []))
    return Profile(
        slug=str(raw["slug"]),
        name=str(raw["name"]),
        name_en=str(raw.get("name_en", "")),
        prefecture=str(raw.get("prefecture", "")),
        section=str(raw["section"]),
        section_en=str(raw.get("section_en", "")),
        phone=str(raw["phone"]),
        fax=str(raw.get("fax", "")),
        address=str(raw.get("address", "")),
        address_needs_check=bool(raw.get("address_needs_check", False)),
        dedicated_window_name=str(window["name"]),
        dedicated_window_name_en=str(window.get("name_en", "")),
        dedicated_window_channel=str(window["channel"]),
        dedicated_window_url=url,
        dedicated_window_hours=str(window.get("hours", "")),
        partner_name=str(raw.get("partner_name", "")),
        retention_years=int(raw.get("retention_years", 5)),
        source=str(raw.get("source", "")),
        source_date=str(raw.get("source_date", "")),
        districts=tuple(str(d) for d in raw.get("districts", [])),
        emergency_numbers=emergency,
        statistics_minimum_batch=minimum_batch,
        statistics_publication_threshold=threshold,
        partner_origins=origins,
        **training,
    )


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _training_section(section: dict[str, Any]) -> dict[str, Any]:
    kinds = section.get("required_kinds", list(DEFAULT_TRAINING_KINDS))
    if not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds):
        raise ProfileError('training.required_kinds must be a list of kinds, e.g. ["研修"]')
    per_year = section.get("required_per_fiscal_year", DEFAULT_TRAINING_PER_YEAR)
    if not _whole(per_year, 0):
        raise ProfileError("training.required_per_fiscal_year must be a whole number of 0 or more")
    max_mb = section.get("material_max_mb", DEFAULT_MATERIAL_MAX_MB)
    if not _whole(max_mb, 1) or max_mb > 100:
        raise ProfileError("training.material_max_mb must be a whole number from 1 to 100")
    return {
        "training_required_kinds": tuple(kinds),
        "training_required_per_fiscal_year": per_year,
        "training_material_max_mb": max_mb,
    }


def _partner_origins(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ProfileError(
            'partner_origins must be a list of origins, e.g. ["https://city.example.jp"]'
        )
    origins: list[str] = []
    for item in raw:
        origin = normalise_origin(item)
        if origin is None:
            raise ProfileError(
                f"partner_origins: {item!r} is not an origin (https://host or https://host:port,"
                " no path; http only for localhost or 127.0.0.1)"
            )
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_PARTNER_ORIGINS:
        raise ProfileError(f"partner_origins: at most {MAX_PARTNER_ORIGINS} origins")
    return tuple(origins)


def profile_to_mapping(profile: Profile) -> dict[str, Any]:
    data = asdict(profile)
    data["districts"] = list(profile.districts)
    data["partner_origins"] = list(profile.partner_origins)
    data["training_required_kinds"] = list(profile.training_required_kinds)
    data["emergency_numbers"] = [asdict(e) for e in profile.emergency_numbers]
    return data


def _profile_from_stored(data: dict[str, Any]) -> Profile:
    values = dict(data)
    values["districts"] = tuple(values.get("districts", ()))
    values["partner_origins"] = tuple(values.get("partner_origins", ()))
    if "training_required_kinds" in values:
        values["training_required_kinds"] = tuple(values["training_required_kinds"])
    values["emergency_numbers"] = tuple(
        EmergencyNumber(**item) for item in values.get("emergency_numbers", ())
    )
    return Profile(**values)


def get_profile(session: Session, fallback: Profile) -> Profile:
    """The stored profile, or the file profile until one has been stored."""
    row = session.get(MunicipalityProfile, PROFILE_ID)
    return _profile_from_stored(row.data) if row is not None else fallback


def store_profile(session: Session, profile: Profile, source_file: str = "") -> bool:
    """Store the profile as the instance's one row; returns True if it changed anything.

    The readings of its texts are stored too (`core.readings_store`): easy pages show them."""
    data = profile_to_mapping(profile)
    store_texts(session, profile_texts(profile), "profile")
    row = session.get(MunicipalityProfile, PROFILE_ID)
    if row is None:
        session.add(
            MunicipalityProfile(
                id=PROFILE_ID, slug=profile.slug, data=data, source_file=source_file
            )
        )
        return True
    if row.data == data:
        return False
    row.slug, row.data, row.source_file = profile.slug, data, source_file
    return True


def stored_profile(session: Session) -> Profile | None:
    row = session.get(MunicipalityProfile, PROFILE_ID)
    return _profile_from_stored(row.data) if row is not None else None


def profile_texts(profile: Profile) -> list[str]:
    """The profile's Japanese texts public pages show (with furigana on easy pages)."""
    return [
        profile.name,
        profile.prefecture,
        profile.section,
        f"{profile.name} {profile.section}",
        profile.address,
        profile.dedicated_window_name,
        profile.dedicated_window_channel,
        profile.dedicated_window_hours,
        profile.partner_name,
        *profile.districts,
        *(number.label for number in profile.emergency_numbers),
    ]


def profile_fingerprint(profile: Profile) -> str:
    """A short digest of every value of ``profile``: it changes whenever any value does, so a
    form carrying the one it was opened on can tell that someone saved in between."""
    canonical = json.dumps(profile_to_mapping(profile), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def has_stored_profile(session: Session) -> bool:
    return session.scalar(select(MunicipalityProfile.id)) is not None


def _is_placeholder(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    return host.endswith((".example", ".invalid", "example.com", "example.org", "example.net"))
