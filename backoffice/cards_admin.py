"""Guidance cards in the back office: designs (`cards.design`); batches, scans (`cards.print`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from backoffice.cards_forms import (
    PURPOSE_LABELS,
    BatchForm,
    DesignForm,
    NewDesignForm,
    PrintForm,
)
from backoffice.context import current_actor
from backoffice.forms import EmptyForm
from backoffice.permissions import requires
from cards import batches as batch_service
from cards.design import CardDesign, validate_design
from cards.designs import (
    DesignError,
    all_designs,
    card_design,
    copy_design,
    fit_problems,
    get_design,
    profile_design,
    save_design,
    stored_fields,
)
from cards.files import FILES, render
from cards.logo import LogoError, clean_logo
from cards.models import CardBatch, SavedDesign
from cards.stats import Bar, bar_chart, daily, last_months, monthly_by_purpose, totals_by_batch
from core.db import get_session
from core.web import current_profile

bp = Blueprint("cards_admin", __name__, url_prefix="/cards")
TOKYO = ZoneInfo("Asia/Tokyo")
PREVIEW_SALT = "tsunagu.cards.preview"
PREVIEW_SECONDS = 3600


def _design_of(saved: SavedDesign) -> CardDesign:
    return card_design(saved, profile_design(get_session(), current_profile()))


def _saved(name: str) -> SavedDesign:
    saved = get_design(get_session(), name)
    if saved is None:
        abort(404)
    return saved


def _batch(batch_id: int) -> CardBatch:
    batch = get_session().get(CardBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def _scan_url(code: str) -> str:
    base = current_app.config["TSUNAGU_SETTINGS"].public_base_url
    return batch_service.scan_url(base, code)


def _font() -> str:
    return current_app.config["TSUNAGU_SETTINGS"].card_font_path


def _today():
    return datetime.now(TOKYO).date()


@bp.route("/")
@requires("cards.print")
def index() -> str:
    db = get_session()
    months = last_months(_today())
    by_purpose = monthly_by_purpose(db, months=months)
    totals = {m: sum(row[m] for row in by_purpose.values()) for m in months}
    chart = bar_chart(
        [Bar(f"{m}月", totals[(y, m)]) for y, m in months], title="月ごとの読み取り回数"
    )
    return render_template(
        "backoffice/cards/index.html",
        batches=batch_service.batches(db),
        totals=totals_by_batch(db),
        designs=all_designs(db),
        months=months,
        by_purpose=by_purpose,
        month_totals=totals,
        chart=chart,
        purposes=PURPOSE_LABELS,
    )


# ---- designs ----------------------------------------------------------------------------------


@bp.route("/designs/new", methods=["GET", "POST"])
@requires("cards.design")
def new_design() -> Response | str | tuple[str, int]:
    """A second design (for a school, an event...), starting as a copy of an existing one."""
    db = get_session()
    form = NewDesignForm()
    form.source.choices = [(d.name, d.name) for d in all_designs(db)]
    if form.validate_on_submit():
        source = get_design(db, form.source.data)
        if source is None:
            abort(400)
        actor = current_actor()
        try:
            copy = copy_design(db, source, form.name.data, actor=actor.user, network=actor.network)
        except DesignError as exc:
            db.rollback()
            _attach(form, exc.problems)
            return render_template("backoffice/cards/design_new.html", form=form), 400
        db.commit()
        flash("デザインを作りました。文面や色を変えて保存してください。")
        return redirect(url_for(".edit_design", name=copy.name))
    status = 400 if request.method == "POST" else 200
    return render_template("backoffice/cards/design_new.html", form=form), status


@bp.route("/designs/<name>", methods=["GET", "POST"])
@requires("cards.design")
def edit_design(name: str) -> Response | str | tuple[str, int]:
    db = get_session()
    saved = _saved(name)
    stored = _design_of(saved)
    form = DesignForm()
    if request.method == "GET":
        _fill(form, stored)
        return _design_page(saved, form, stored)
    if not form.validate():
        return _design_page(saved, form, stored), 400
    try:
        design = _from_form(form, stored)
    except LogoError as exc:
        form.logo.errors = [str(exc)]
        return _design_page(saved, form, stored), 400
    url, font = _scan_url("x" * batch_service.CODE_LENGTH), _font()
    if request.form.get("action") == "preview":
        problems = validate_design(design) or fit_problems(design, url, font_path=font)
        _attach(form, problems)
        page = _design_page(saved, form, stored if problems else design, preview=not problems)
        return page, 400 if problems else 200
    actor = current_actor()
    try:
        save_design(
            db, saved, design, actor=actor.user, network=actor.network, url=url, font_path=font
        )
    except DesignError as exc:
        db.rollback()
        _attach(form, exc.problems)
        return _design_page(saved, form, stored), 400
    db.commit()
    flash("デザインを保存しました。")
    return redirect(url_for(".edit_design", name=name))


@bp.route("/designs/<name>/preview-<side>.png")
@requires("cards.design")
def preview(name: str, side: str) -> Response:
    """The preview image: of the stored design, or of unsaved values signed into ``d``."""
    if side not in ("front", "back"):
        abort(404)
    saved = _saved(name)
    design = _design_of(saved)
    if "d" in request.args:
        try:
            signed = _serializer().loads(request.args["d"], max_age=PREVIEW_SECONDS)
        except BadSignature:  # forged, or older than an hour
            abort(400)
        if not isinstance(signed, dict) or signed.get("name") != name:
            abort(400)
        design = _with_fields(design, signed.get("fields"))
    kind = "preview.png" if side == "front" else "preview-back.png"
    code = "x" * batch_service.CODE_LENGTH
    body = render(design, _scan_url(code), kind, font_path=_font())
    return current_app.response_class(body, mimetype="image/png")


def _design_page(
    saved: SavedDesign, form: DesignForm, design: CardDesign, *, preview: bool = False
) -> str:
    signed = {"name": saved.name, "fields": stored_fields(design)}
    token = _serializer().dumps(signed) if preview else None
    return render_template(
        "backoffice/cards/design.html",
        saved=saved,
        form=form,
        preview_token=token,
        has_logo=saved.logo is not None,
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PREVIEW_SALT)


def _fill(form: DesignForm, design: CardDesign) -> None:
    for field in ("name", "window_name", "message", "channel", "hours", "section_name",
                  "section_phone", "accent_color", "text_color", "background_color"):  # fmt: skip
        getattr(form, field).data = getattr(design, field)
    form.emergency.data = _pairs_text(design.emergency)
    form.national_channels.data = _pairs_text(design.national_channels)


def _from_form(form: DesignForm, stored: CardDesign) -> CardDesign:
    values = {
        field: (getattr(form, field).data or "").strip()
        for field in ("name", "window_name", "message", "channel", "hours", "section_name",
                      "section_phone", "accent_color", "text_color", "background_color")
    }  # fmt: skip
    values["emergency"] = _parse_pairs(form.emergency.data)
    values["national_channels"] = _parse_pairs(form.national_channels.data)
    logo = stored.logo_png
    upload = form.logo.data
    if upload and getattr(upload, "filename", ""):
        logo = clean_logo(upload.read())
    elif form.remove_logo.data:
        logo = None
    return replace(stored, **values, logo_png=logo)


def _with_fields(design: CardDesign, values: object) -> CardDesign:
    if not isinstance(values, dict):
        abort(400)
    fields = {k: v for k, v in values.items() if k in stored_fields(design)}
    for name in ("emergency", "national_channels"):
        if name in fields:
            fields[name] = tuple((str(a), str(b)) for a, b in fields[name])
    return replace(design, **fields)


def _pairs_text(pairs: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{label} {number}" for label, number in pairs)


def _parse_pairs(text: str | None) -> tuple[tuple[str, str], ...]:
    """One pair a line, the number last: 「救急車・火事 119」 → ("救急車・火事", "119")."""
    pairs = []
    for line in (text or "").splitlines():
        parts = line.strip().rsplit(None, 1)
        if len(parts) == 2:
            pairs.append((parts[0], parts[1]))
        elif parts:
            pairs.append((parts[0], ""))  # refused by validate_design, with a message
    return tuple(pairs)


def _attach(form: DesignForm, problems: dict[str, str]) -> None:
    for field, message in problems.items():
        target = getattr(form, "logo" if field == "logo_png" else field, None)
        if target is not None:
            target.errors = [*target.errors, message]


# ---- batches ----------------------------------------------------------------------------------


@bp.route("/batches/new", methods=["GET", "POST"])
@requires("cards.print")
def new_batch() -> Response | str | tuple[str, int]:
    db = get_session()
    form = BatchForm()
    form.design.choices = [(d.name, d.name) for d in all_designs(db)]
    if form.validate_on_submit():
        saved = get_design(db, form.design.data)
        if saved is None:
            abort(400)
        actor = current_actor()
        try:
            batch = batch_service.create_batch(
                db,
                design=saved,
                purpose=form.purpose.data,
                quantity=form.quantity.data,
                note=form.note.data or "",
                actor=actor.user,
                network=actor.network,
            )
        except batch_service.BatchError as exc:
            db.rollback()
            _attach_batch(form, exc.problems)
            return render_template("backoffice/cards/batch_new.html", form=form), 400
        db.commit()
        flash(
            f"カードの束を作成しました（コード {batch.code}）。印刷用のPDFをダウンロードできます。"
        )
        return redirect(url_for(".batch", batch_id=batch.id))
    status = 400 if request.method == "POST" else 200
    return render_template("backoffice/cards/batch_new.html", form=form), status


def _attach_batch(form: BatchForm, problems: dict[str, str]) -> None:
    for field, message in problems.items():
        getattr(form, field).errors = [message]


@bp.route("/batches/<int:batch_id>")
@requires("cards.print")
def batch(batch_id: int) -> str:
    db = get_session()
    found = _batch(batch_id)
    last = _today()
    days = daily(db, found.id, first=last - timedelta(days=29), last=last)
    return render_template(
        "backoffice/cards/batch.html",
        batch=found,
        scan_url=_scan_url(found.code),
        total=totals_by_batch(db).get(found.id, 0),
        days=days,
        chart=bar_chart(days, title="この30日の読み取り回数（日ごと）"),
        purposes=PURPOSE_LABELS,
        print_form=PrintForm(),
        retire_form=EmptyForm(),
    )


@bp.route("/batches/<int:batch_id>/print", methods=["POST"])
@requires("cards.print")
def print_batch(batch_id: int) -> Response | tuple[str, int]:
    """The A4 sheet PDF of a batch; downloading it is printing, so it is recorded."""
    db = get_session()
    found = _batch(batch_id)
    form = PrintForm()
    if not form.validate_on_submit():
        flash("印刷の設定を確かめてください: " + " ".join(_errors(form)))
        return redirect(url_for(".batch", batch_id=found.id))
    kind = "sheet.pdf" if form.stock.data == "perforated" else "sheet-plain.pdf"
    offset = (float(form.offset_x.data), float(form.offset_y.data))
    actor = current_actor()
    try:
        batch_service.mark_printed(db, found, actor=actor.user, network=actor.network, kind=kind)
    except batch_service.BatchError as exc:
        db.rollback()
        flash(str(exc))
        return redirect(url_for(".batch", batch_id=found.id))
    design, url = _design_of(found.design), _scan_url(found.code)
    body = render(design, url, kind, offset_mm=offset, font_path=_font())
    db.commit()
    return _attachment(body, kind, f"card-{found.code}-")


@bp.route("/batches/<int:batch_id>/files/<kind>")
@requires("cards.print")
def batch_file(batch_id: int, kind: str) -> Response:
    """A single card (PNG or PDF) of a batch, e.g. for a partner who prints it themselves."""
    if kind not in ("card.png", "card-back.png", "card.pdf", "postcard.pdf", "poster.pdf"):
        abort(404)
    db = get_session()
    found = _batch(batch_id)
    actor = current_actor()
    try:
        batch_service.mark_printed(db, found, actor=actor.user, network=actor.network, kind=kind)
    except batch_service.BatchError as exc:
        db.rollback()
        flash(str(exc))
        return redirect(url_for(".batch", batch_id=found.id))
    body = render(_design_of(found.design), _scan_url(found.code), kind, font_path=_font())
    db.commit()
    return _attachment(body, kind, f"card-{found.code}-")


@bp.route("/batches/<int:batch_id>/retire", methods=["POST"])
@requires("cards.print")
def retire(batch_id: int) -> Response:
    db = get_session()
    found = _batch(batch_id)
    form = EmptyForm()
    if form.validate_on_submit():
        actor = current_actor()
        try:
            retired = batch_service.retire_batch(db, found, actor=actor.user, network=actor.network)
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
