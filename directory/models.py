"""Directory models, shaped after Open Referral HSDS 3.0.

organization → service → (schedules, service areas, languages, topics, contact channels) and
service_at_location → location. Japanese names carry a reading (kana) for search. Every service
keeps where its facts come from, when they were verified and by whom, and a publication state;
only published services ever leave the back office.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

PUBLIC = {"info": {"public": "read"}}
# What the public role reads of each table on PostgreSQL (`core.public_views`): published
# services, the rows that belong to them, never a staff note.
PUBLISHED = "status = 'published'"
OF_PUBLISHED_SERVICE = {
    "info": {
        "public": "read",
        "public_rows": "service_id IN (SELECT id FROM {schema}.service WHERE status = 'published')",
    }
}
# The project's own topics; terms of other systems' taxonomies (kept by a lenient HSDS import)
# are staff's only: the public role never reads them.
TOPIC_TAXONOMY = "tsunagu-topics"
AREAS = ("municipality", "prefecture", "national")
PUBLICATION_STATES = ("draft", "published", "archived")
# An archived organisation runs no published service and is no longer chosen for one.
ORGANIZATION_STATES = ("active", "archived")
CHANNEL_KINDS = ("phone", "line", "chat", "email", "sns", "in_person", "web")
COST_KINDS = ("free", "partly", "paid", "unknown")
AUDIENCES = ("youth", "women", "elderly", "foreign-residents")
SCHEDULE_KINDS = ("weekly", "exception")

service_topic = Table(
    "service_topic",
    Base.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True),
    info=OF_PUBLISHED_SERVICE["info"],
)
# Which terms of other taxonomies a service was filed under: staff's only (no public info).
service_other_term = Table(
    "service_other_term",
    Base.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True),
)


class Organization(Base):
    __tablename__ = "organization"
    __table_args__ = {  # noqa: RUF012
        "info": {
            "public": "read",
            "public_rows": "id IN (SELECT organization_id FROM {schema}.service"
            " WHERE status = 'published')",
        }
    }

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_kana: Mapped[str] = mapped_column(String(300), default="")
    # The name as English pages show it; empty: the Japanese, marked as such.
    name_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    services: Mapped[list[Service]] = relationship(back_populates="organization")
    locations: Mapped[list[Location]] = relationship(back_populates="organization")


class TaxonomyTerm(Base):
    """An HSDS taxonomy_term: a topic of the project's own taxonomy (``TOPIC_TAXONOMY``), or a
    term of another system's taxonomy that its services were filed under (`other_terms`)."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (
        UniqueConstraint("taxonomy", "code"),
        {"info": {"public": "read", "public_rows": f"taxonomy = '{TOPIC_TAXONOMY}'"}},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    taxonomy: Mapped[str] = mapped_column(String(64), default=TOPIC_TAXONOMY)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_term.id"), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Service(Base):
    __tablename__ = "service"
    __table_args__ = {  # noqa: RUF012
        "info": {
            "public": "read",
            "public_rows": PUBLISHED,
            "private_columns": ("check_note", "verified_by"),
        }
    }

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_kana: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours_note: Mapped[str] = mapped_column(Text, default="")
    # Closed on Japanese public holidays / over the year-end (12/29-1/3), where observed.
    closed_on_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_over_year_end: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_note: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[str] = mapped_column(String(16), default="unknown")
    cost_note: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    languages_note: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(16), default="national", index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    home_group: Mapped[str | None] = mapped_column(String(16), nullable=True)
    is_dedicated_window: Mapped[bool] = mapped_column(Boolean, default=False)
    # Listed at the top of every public page while open, as someone to talk to right now
    # (「いますぐ話したい」): staff choose the lines, the page shows only those open now.
    is_crisis_line: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[str] = mapped_column(String(8), default="low")
    needs_check: Mapped[bool] = mapped_column(Boolean, default=True)
    check_note: Mapped[str] = mapped_column(Text, default="")
    # A contact its sources leave in doubt is shown as text, not a link, until staff confirm it.
    contact_confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    source_url: Mapped[str] = mapped_column(Text, default="")
    source_date: Mapped[str] = mapped_column(Text, default="")
    # What English pages show in place of name, audience, hours_note and cost_note, and a
    # one-line summary; an empty one falls back to the Japanese, marked "(in Japanese)".
    # summary_easy is the やさしい日本語 summary of the /easy/ pages. All are public text.
    name_en: Mapped[str] = mapped_column(String(300), default="")
    audience_en: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    hours_note_en: Mapped[str] = mapped_column(Text, default="")
    cost_note_en: Mapped[str] = mapped_column(Text, default="")
    summary_easy: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    organization: Mapped[Organization] = relationship(back_populates="services")
    channels: Mapped[list[ContactChannel]] = relationship(
        back_populates="service",
        order_by="ContactChannel.sort_order",
        cascade="all, delete-orphan",
    )
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Schedule.id"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    languages: Mapped[list[Language]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    topics: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=service_topic, order_by="TaxonomyTerm.sort_order"
    )
    # Terms of other systems' taxonomies the service came filed under (a lenient import keeps
    # them for staff to choose our topics by); never shown on public pages.
    other_terms: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=lambda: service_other_term,
        order_by=lambda: (TaxonomyTerm.taxonomy, TaxonomyTerm.name),
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )


class ContactChannel(Base):
    """One way to reach a service: a phone number, a LINE account, a chat or web address."""

    __tablename__ = "contact_channel"
    __table_args__ = OF_PUBLISHED_SERVICE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(300), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship(back_populates="channels")

    @property
    def href(self) -> str | None:
        return channel_href(self.kind, self.value)


def channel_href(kind: str, value: str) -> str | None:
    """A safe link for a channel, or None when it is shown as text only."""
    if kind == "phone":
        return "tel:" + value.replace("-", "").replace("#", "%23")
    if kind in ("chat", "web", "line") and value.startswith("https://"):
        return value
    return None


class Schedule(Base):
    """Opening hours: a weekly range, or an exception on dates (closed, or special hours).

    A range whose closing time is not after its opening time runs past midnight; opening and
    closing at the same time means the whole day.
    """

    __tablename__ = "schedule"
    __table_args__ = OF_PUBLISHED_SERVICE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="weekly")
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)  # Monday = 0
    opens_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    closes_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    last_intake_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    service: Mapped[Service] = relationship(back_populates="schedules")


class ServiceArea(Base):
    __tablename__ = "service_area"
    __table_args__ = OF_PUBLISHED_SERVICE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    extent_type: Mapped[str] = mapped_column(String(32), default="")  # district/prefecture/...

    service: Mapped[Service] = relationship(back_populates="service_areas")


class Language(Base):
    __tablename__ = "language"
    __table_args__ = OF_PUBLISHED_SERVICE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))  # ISO 639-1, e.g. "ja", "en"
    name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    service: Mapped[Service] = relationship(back_populates="languages")


class Location(Base):
    __tablename__ = "location"
    __table_args__ = {  # noqa: RUF012
        "info": {
            "public": "read",
            "public_rows": "id IN (SELECT at.location_id FROM {schema}.service_at_location AS at"
            " JOIN {schema}.service AS s ON s.id = at.service_id WHERE s.status = 'published')",
        }
    }

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(300), default="")
    name_kana: Mapped[str] = mapped_column(String(300), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    state_province: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    address_1: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    transportation: Mapped[str] = mapped_column(Text, default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")

    organization: Mapped[Organization | None] = relationship(back_populates="locations")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    __table_args__ = OF_PUBLISHED_SERVICE

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship()


class ChangeRecord(Base):
    """One changed field (HSDS ``metadata``): the readable history staff see for a record."""

    __tablename__ = "change_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(36), index=True)
    resource_type: Mapped[str] = mapped_column(String(32))
    last_action_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_action_type: Mapped[str] = mapped_column(String(16))  # create/update/verify/...
    field_name: Mapped[str] = mapped_column(String(64), default="")
    previous_value: Mapped[str] = mapped_column(Text, default="")
    replacement_value: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class CrisisTerm(Base):
    """A word that tells of wanting to die or disappear (死にたい, 消えたい): a search holding it
    puts the lines to talk to now first, gently. Staff can add words; never methods.
    """

    __tablename__ = "crisis_term"
    __table_args__ = {"info": {"public": "read", "private_columns": ("note",)}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(30), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")


class SearchSynonym(Base):
    """Words a search treats as the same (多重債務 ~ 借金 ~ お金); staff can add groups."""

    __tablename__ = "search_synonym"
    __table_args__ = {"info": {"public": "read", "private_columns": ("note",)}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terms: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


class ChannelTapDay(Base):
    """How many times a service's LINE, chat or web button was followed on one day (Asia/Tokyo),
    through the public site's ``/go/`` address (`directory.taps`).

    Only the service, the kind of channel, the day and the number: nothing about who tapped,
    from where, with which browser, or at what time of day.
    """

    __tablename__ = "channel_tap_day"
    # The public role adds one through this function only (PostgreSQL; migration 0037): it
    # names neither the kind nor the day, and counts only a published service's own channel.
    __table_args__ = {"info": {"public_function": "count_channel_tap(text, integer)"}}  # noqa: RUF012

    service_id: Mapped[str] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    channel_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
