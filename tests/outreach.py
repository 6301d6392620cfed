"""Helpers for outreach tests: a subject stored through the real service."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from backoffice.outreach import subjects
from backoffice.staff.actor import Actor
from core.db import get_engine
from tests.referrals import DISTRICTS
from tests.staff import load_user


def make_subject(app: Flask, creator_id: int) -> int:
    """A subject recorded by ``creator_id``, committed; returns its id."""
    values = subjects.SubjectInput(
        received_on=date(2026, 4, 10), agency_kind="community_center", legal_basis="life_body",
        agency_name="地域包括支援センター", concern=["debt"], district="網野町",
        person_name="網野 一郎", known="ひとり暮らしで、最近姿を見ない",
    )  # fmt: skip
    with app.app_context(), Session(get_engine(app)) as session, session.begin():
        creator = Actor.of(load_user(app, creator_id))
        subject = subjects.create_subject(
            session, values, actor=creator, districts=DISTRICTS, organizations=set()
        )
        return subject.id
