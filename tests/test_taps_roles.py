"""PostgreSQL: the public role counts a tap through its function and can do nothing else with the
counts: not read them, not set them, not name the kind or the day, not count a draft's channel."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from directory.models import ChannelTapDay, ContactChannel, Organization, Service
from directory.taps import count_tap, find_tap_target
from tests.test_db_roles import Granted, acting_as, assert_denied_or_missing
from tests.test_db_roles import granted as granted  # the fixture: a migrated, granted database

pytestmark = pytest.mark.postgres_only
LINE = "https://line.me/R/ti/p/@roles-test"


def add_service(owner: Session, status: str) -> tuple[str, int, int]:
    service = Service(
        id=str(uuid.uuid4()),
        organization=Organization(id=str(uuid.uuid4()), name="役割テスト"),
        name="役割テストLINE",
        status=status,
        channels=[
            ContactChannel(kind="line", value=LINE),
            ContactChannel(kind="phone", value="0120-111-222"),
        ],
    )
    owner.add(service)
    owner.flush()
    return service.id, service.channels[0].id, service.channels[1].id


def test_public_role_counts_a_published_services_tap_and_nothing_else(granted: Granted) -> None:
    with Session(granted.engine) as owner, owner.begin():
        published, line, phone = add_service(owner, "published")
        draft, draft_line, _ = add_service(owner, "draft")
    try:
        with acting_as(granted.engine, granted.public) as connection:
            public = Session(bind=connection)
            target = find_tap_target(public, published, line)
            assert target is not None and target.href == LINE
            assert find_tap_target(public, draft, draft_line) is None  # the view hides drafts
            count_tap(public, target)
            count_tap(public, target)
            # Called directly, the function still refuses a draft's, a phone's or another
            # service's channel: it counts only what the pages link through /go/.
            for service_id, channel_id in ((draft, draft_line), (published, phone),
                                           (draft, line)):  # fmt: skip
                public.execute(
                    text("SELECT count_channel_tap(:s, :c)"), {"s": service_id, "c": channel_id}
                )
            public.commit()
        with Session(granted.engine) as owner:
            rows = owner.execute(select(ChannelTapDay.__table__)).all()
            tokyo = owner.scalar(text("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date"))
            assert [tuple(row) for row in rows] == [(published, "line", tokyo, 2)]
        for statement in (
            "SELECT count FROM channel_tap_day",
            "DELETE FROM channel_tap_day",
            "UPDATE channel_tap_day SET count = 999999",
            f"INSERT INTO channel_tap_day VALUES ('{published}', 'line', '2026-01-01', 5)",  # noqa: S608
            f"SELECT count_channel_tap('{published}', {line}, 'chat')",
        ):
            assert_denied_or_missing(granted.engine, granted.public, statement)
    finally:
        with Session(granted.engine) as owner, owner.begin():
            owner.execute(ChannelTapDay.__table__.delete())
            owner.execute(ContactChannel.__table__.delete())
            owner.execute(Service.__table__.delete())
            owner.execute(Organization.__table__.delete())
