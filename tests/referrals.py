"""Helpers for referral tests: a valid intake, and cases created through the real service."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from backoffice.referrals.casework import ReferralLink, SupportMeeting
from backoffice.referrals.intake import Intake, create_referral
from backoffice.referrals.sharing import PART_FIELDS
from backoffice.staff.actor import Actor
from core.db import get_engine
from tests.staff import load_user

DISTRICTS = ("峰山町", "大宮町", "網野町", "丹後町", "弥栄町", "久美浜町")
PERSON_NAME = "丹後 花子"


def intake(**changes: Any) -> Intake:
    """An intake that passes every check; override what a test is about. The fields of a part
    the consent does not cover are left empty, as the service requires, unless given."""
    moment = datetime.now(UTC) - timedelta(hours=1)
    base = Intake(
        source_channel="line",
        received_at=moment,
        risk_level="high",
        urgent=False,
        problem_categories=["debt", "work"],
        wants="仕事と借金のことを相談したい",
        summary="失業して借金の返済に困っている。",
        assessment="希死念慮あり。家族の支えは少ない。",
        person_name=PERSON_NAME,
        person_kana="たんご はなこ",
        age_band="30s",
        gender="female",
        district="峰山町",
        phone="090-1234-5678",
        preferred_method="phone",
        consent_given=True,
        consented_at=moment,
        consent_method="line",
        share_basic=True,
        share_summary=True,
        share_assessment=True,
        consent_wording="市の担当者に、あなたの連絡先と相談の概要、支援員の見立てを伝えてよいですか。",
    )
    chosen = replace(base, **changes)
    empty = {
        name: value
        for part, fields in PART_FIELDS.items()
        if not getattr(chosen, part)
        for name, value in fields.items()
        if name not in changes
    }
    return replace(chosen, **empty)


def make_referral(app: Flask, creator_id: int, **changes: Any) -> int:
    """A case created by ``creator_id`` through the service, committed; returns its id."""
    with app.app_context(), Session(get_engine(app)) as session, session.begin():
        creator = Actor.of(load_user(app, creator_id))
        referral = create_referral(session, intake(**changes), creator=creator, districts=DISTRICTS)
        return referral.id


def make_casework(app: Flask, session: Session, creator_id: int) -> tuple[int, int, int]:
    """A case with one support meeting (its minutes shared with the NPO) and one link to an
    agency: (case, meeting, link) ids."""
    referral_id = make_referral(app, creator_id)
    today = datetime.now(UTC).date()
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        meeting = SupportMeeting(
            referral_id=referral_id, held_on=today, agencies=["京丹後市社会福祉協議会"],
            agenda="生活の立て直し", decisions="家計相談につなぐ", recorded_by_id=creator_id,
            shared_with_liaison=True,
        )  # fmt: skip
        link = ReferralLink(
            referral_id=referral_id, agency_name="家計改善支援窓口", linked_on=today,
            status="proposed", recorded_by_id=creator_id,
        )  # fmt: skip
        db.add_all([meeting, link])
        db.flush()
        return referral_id, meeting.id, link.id
