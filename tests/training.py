"""Helpers for training tests: PDFs made by a real writer, records made through the service."""

from __future__ import annotations

import io
import zlib
from datetime import date

from flask import Flask
from reportlab.pdfgen import canvas
from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.training.records import GuestRow, TrainingValues, create_training
from core.db import get_engine
from tests.staff import load_user


def pdf_bytes(text: str = "研修資料") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text.encode("ascii", "replace").decode())
    page.save()
    return buffer.getvalue()


def pdf_with_javascript(*, hidden: bool = False) -> bytes:
    """A PDF whose catalogue opens with a script, in plain sight or inside an object stream."""
    script = b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"
    if hidden:
        packed = zlib.compress(b"1 0 " + script)
        body = (
            b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
            + str(len(packed)).encode()
            + b" >>\nstream\n"
            + packed
            + b"\nendstream\nendobj\n"
        )
    else:
        body = b"1 0 obj\n" + script.replace(b"/JavaScript", b"/J#61vaScript") + b"\nendobj\n"
    return b"%PDF-1.7\n" + body + b"trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"


SCRIPT = b"1 0 << /Type /Action /S /JavaScript /JS (app.alert(1)) >>"


def pdf_with_object_stream(encoded: bytes, filters: bytes, extra: bytes = b"") -> bytes:
    """A PDF whose one object stream holds ``encoded`` behind ``filters`` (as written after
    /Filter), its dictionary carrying ``extra``."""
    body = (
        b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter "
        + filters
        + extra
        + b" /Length "
        + str(len(encoded)).encode()
        + b" >>\nstream\n"
        + encoded
        + b"\nendstream\nendobj\n"
    )
    return b"%PDF-1.7\n" + body + b"trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"


def make_training(
    app: Flask,
    actor_id: int,
    *,
    organiser: str = "npo",
    kind: str = "training",
    held_on: date = date(2026, 6, 1),
    participants: list[int] | None = None,
    title: str = "ゲートキーパー研修",
) -> int:
    actor = Actor.of(load_user(app, actor_id))
    values = TrainingValues(
        held_on=held_on,
        kind=kind,
        organiser=organiser,
        title=title,
        participant_ids=participants or [],
        guests=[GuestRow("京丹後保健所", 3)],
        notes="",
    )
    with Session(get_engine(app)) as session, session.begin():
        return create_training(session, values, actor=actor).id


def make_training_with_material(app: Flask, staff_id: int) -> tuple[int, int]:
    """An NPO meeting ``staff_id`` took part in, with one PDF: (training id, material id)."""
    from backoffice.training.materials import Upload, add_material
    from backoffice.training.models import Training

    training_id = make_training(app, staff_id, participants=[staff_id])
    actor = Actor.of(load_user(app, staff_id))
    instance = app.config["TSUNAGU_SETTINGS"].instance_path
    with Session(get_engine(app)) as session, session.begin():
        training = session.get(Training, training_id)
        assert training is not None
        material = add_material(
            session,
            training,
            Upload("資料.pdf", pdf_bytes()),
            instance_path=instance,
            max_bytes=10 * 1024 * 1024,
            actor=actor,
        )
        return training_id, material.id
