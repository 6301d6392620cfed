"""Card batches in the back office (`cards.print`): creating one, its page with thirty days of
scans, the print sheet and single-card files (each download recorded as printing), retiring it."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.outreach.handouts import batch_outreach
from backoffice.outreach.vocabulary import HANDOUT_KIND_LABELS
from backoffice.staff.permissions import requires
from backoffice.views.cards.forms import PURPOSE_LABELS, BatchForm, PrintForm
from backoffice.views.cards.pages import (
    as_actor,
    bp,
    card_font,
    chosen_design,
    design_choices,
    design_of,
    load_batch,
    scan_url,
)
from backoffice.web.forms import EmptyForm, attach_problems
from cards import batches as batch_service
from cards.files import FILES, render
from cards.models import CardBatch
from cards.printshop import NOTE as PRINT_SHOP_NOTE
from cards.sample import sample_reason
from cards.stats import bar_chart, batch_total, daily, shows_figures
from core.db import get_session
from core.timezone import tokyo_today
from core.web import current_profile

BATCH_FILES = ("card.png", "card-back.png", "card.pdf", "print-shop.pdf", "postcard.pdf",
               "poster.pdf")  # fmt: skip


def _mark_printed(db: Session, found: CardBatch, kind: str) -> Response | None:
    """Record (and audit) a print file of the batch; a redirect with the reason if refused."""
    try:
        batch_service.mark_printed(db, found, kind=kind, **as_actor())
    except batch_service.BatchError as exc:
        db.rollback()
        flash(str(exc))
        return redirect(url_for(".batch", batch_id=found.id))
    return None


@bp.route("/batches/new", methods=["GET", "POST"])
@requires("cards.print")
def new_batch() -> Response | str | tuple[str, int]:
    db = get_session()
    form = BatchForm()
    form.design.choices = design_choices()
    if form.validate_on_submit():
        try:
            batch = batch_service.create_batch(
                db,
                design=chosen_design(form.design.data),
                purpose=form.purpose.data,
                quantity=form.quantity.data,
                note=form.note.data or "",
                **as_actor(),
            )
        except batch_service.BatchError as exc:
            db.rollback()
            attach_problems(form, exc.problems)
            return render_template("backoffice/cards/batch_new.html", form=form), 400
        db.commit()
        flash(
            f"カードの束を作成しました（コード {batch.code}）。印刷用のPDFをダウンロードできます。"
        )
        return redirect(url_for(".batch", batch_id=batch.id))
    status = 400 if request.method == "POST" else 200
    return render_template("backoffice/cards/batch_new.html", form=form), status


@bp.route("/batches/<int:batch_id>")
@requires("cards.print")
def batch(batch_id: int) -> str:
    db = get_session()
    found = load_batch(batch_id)
    minimum = current_profile().statistics_minimum_batch
    return render_template(
        "backoffice/cards/batch.html",
        batch=found,
        scan_url=scan_url(found.code),
        # Printed from a development or internal address, every file is marked as a sample.
        sample_reason=sample_reason(scan_url(found.code)),
        print_shop_note=PRINT_SHOP_NOTE,
        figures=_figures(db, found) if shows_figures(found, minimum) else None,
        # Printed, handed out (by kind of outreach) and scanned: per batch, never per person.
        outreach=batch_outreach(db, found, minimum_batch=minimum),
        handout_kinds=HANDOUT_KIND_LABELS,
        minimum_batch=minimum,
        purposes=PURPOSE_LABELS,
        print_form=PrintForm(),
        retire_form=EmptyForm(),
    )


def _figures(db: Session, found: CardBatch) -> dict[str, object]:
    """Thirty days of scans of a batch whose figures may be shown."""
    last = tokyo_today()
    days = daily(db, found.id, first=last - timedelta(days=29), last=last)
    return {
        "total": batch_total(db, found.id),
        "days": days,
        "chart": bar_chart(days, title="この30日の読み取り回数（日ごと）"),
    }


@bp.route("/batches/<int:batch_id>/print", methods=["POST"])
@requires("cards.print")
def print_batch(batch_id: int) -> Response | tuple[str, int]:
    """The A4 sheet PDF of a batch; downloading it is printing, so it is recorded."""
    db = get_session()
    found = load_batch(batch_id)
    form = PrintForm()
    if not form.validate_on_submit():
        flash("印刷の設定を確かめてください: " + " ".join(_errors(form)))
        return redirect(url_for(".batch", batch_id=found.id))
    kind = "sheet.pdf" if form.stock.data == "perforated" else "sheet-plain.pdf"
    offset = (float(form.offset_x.data), float(form.offset_y.data))
    refused = _mark_printed(db, found, kind)
    if refused is not None:
        return refused
    design, url = design_of(found.design), scan_url(found.code)
    body = render(design, url, kind, offset_mm=offset, font_path=card_font())
    db.commit()
    return _attachment(body, kind, f"card-{found.code}-")


@bp.route("/batches/<int:batch_id>/files/<kind>")
@requires("cards.print")
def batch_file(batch_id: int, kind: str) -> Response:
    """A single card (PNG or PDF) of a batch, e.g. for a partner who prints it themselves or
    for a print shop."""
    if kind not in BATCH_FILES:
        abort(404)
    db = get_session()
    found = load_batch(batch_id)
    refused = _mark_printed(db, found, kind)
    if refused is not None:
        return refused
    body = render(design_of(found.design), scan_url(found.code), kind, font_path=card_font())
    db.commit()
    return _attachment(body, kind, f"card-{found.code}-")


@bp.route("/batches/<int:batch_id>/retire", methods=["POST"])
@requires("cards.print")
def retire(batch_id: int) -> Response:
    db = get_session()
    found = load_batch(batch_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            retired = batch_service.retire_batch(db, found, **as_actor())
        except batch_service.BatchError as exc:
            db.rollback()
            flash(str(exc))
            return redirect(url_for(".batch", batch_id=found.id))
        if retired:
            db.commit()
            flash(
                "このカードの束の読み取りを数えるのをやめました。読み取った人には、引き続き相談先が表示されます。"
            )
    return redirect(url_for(".batch", batch_id=found.id))


def _attachment(body: bytes, kind: str, prefix: str) -> Response:
    card_file = FILES[kind]
    response = current_app.response_class(body, mimetype=card_file.mimetype)
    filename = prefix + card_file.filename
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _errors(form: PrintForm) -> list[str]:
    return [message for field in form for message in field.errors]
