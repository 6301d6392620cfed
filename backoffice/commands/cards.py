"""`flask --app wsgi cards ...`: render a card to a file; set up the standard design."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.batches import BatchError, mark_printed, scan_url, standing_batch
from cards.designs import card_design, ensure_card_setup, get_design, profile_design
from cards.files import CLI_FORMATS, render
from cards.fonts import FontMissing
from cards.models import CardBatch
from cards.sample import SAMPLE_MARK, sample_reason
from core.db import get_engine
from core.profile import Profile, get_profile, read_profile_file

cards_group = AppGroup("cards", help="Guidance cards: render print files.")


@cards_group.command("render")
@click.option(
    "--format",
    "kind",
    type=click.Choice(list(CLI_FORMATS)),
    default="png",
    show_default=True,
    help="png: 600 dpi front; pdf: one card; sheet: A4 of 10; print-shop: one card for a print "
    "shop (CMYK, 3 mm bleed, crop marks).",
)
@click.option("--design", "design_name", help="A design by name (default: the batch's own).")
@click.option(
    "--batch", "code", help="The batch whose QR code to print (default: the generic card)."
)
@click.option("--offset-x", type=click.FloatRange(-10, 10), default=0.0, help="Sheet shift, mm.")
@click.option("--offset-y", type=click.FloatRange(-10, 10), default=0.0, help="Sheet shift, mm.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def render_command(
    kind: str,
    design_name: str | None,
    code: str | None,
    offset_x: float,
    offset_y: float,
    output: Path,
) -> None:
    """Render a card to OUTPUT. Without --batch: the generic card of the public page."""
    with Session(get_engine()) as session:
        batch = _batch(session, code)
        saved = get_design(session, design_name) if design_name else batch.design
        if saved is None:
            raise click.ClickException(f"no card design named {design_name!r}")
        design = card_design(saved, profile_design(session, _profile(session)))
    settings = current_app.config["TSUNAGU_SETTINGS"]
    url = scan_url(settings.public_base_url, batch.code)
    try:
        body = render(
            design,
            url,
            CLI_FORMATS[kind],
            offset_mm=(offset_x, offset_y),
            font_path=settings.card_font_path,
        )
    except (ValueError, FontMissing) as error:  # e.g. text that does not fit, field named
        raise click.ClickException(str(error)) from error
    try:
        output.write_bytes(body)
    except OSError as error:
        raise click.ClickException(f"could not write {output}: {error.strerror}") from error
    if code is not None:  # a batch's print files: recorded, as in the back office
        with Session(get_engine()) as session, session.begin():
            try:
                mark_printed(session, _batch(session, code), actor=None, kind=CLI_FORMATS[kind])
            except BatchError as error:
                output.unlink()
                raise click.ClickException(str(error)) from error
    click.echo(f"cards: wrote {output} ({len(body):,} bytes, QR → {url})")
    reason = sample_reason(url)
    if reason is not None:
        click.echo(f"cards: sample only, marked {SAMPLE_MARK!r}: {reason}")


def setup_cards(session: Session, profile: Profile) -> str:
    """`tsunagu init` step: the standard design and the public-download batch, once."""
    saved, batch = ensure_card_setup(session, profile)
    return f"cards: design {saved.name!r} and the public-download batch ({batch.code}) are ready"


def _batch(session: Session, code: str | None) -> CardBatch:
    if code is None:
        batch = standing_batch(session)
        if batch is None:
            raise click.ClickException("no public-download batch: run `tsunagu init` first")
        return batch
    batch = session.scalar(select(CardBatch).where(CardBatch.code == code.strip().lower()))
    if batch is None:
        raise click.ClickException(f"no card batch with the code {code!r}")
    return batch


def _profile(session: Session) -> Profile:
    settings = current_app.config["TSUNAGU_SETTINGS"]
    return get_profile(session, read_profile_file(settings.profile_path))
