"""``tsunagu readings``: compute the easy catalogue's readings for a person to review.

Each text the easy-Japanese pages show from the catalogue (the translation, or the Japanese
where there is none yet) is written to ``core/data/readings-easy.toml`` with its kanji words'
readings. A text already in the file keeps the readings a person reviewed; a new or changed
text gets computed ones (overrides, then pykakasi), marked for review; a text the catalogue
no longer has is dropped. A test fails while the file and the catalogue differ.
"""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.pofile import read_po

from core.config import packaged
from core.readings import KANJI_RUN, REVIEWED, computed, format_pairs, reviewed

EASY_CATALOGUE = packaged("translations", "ja@easy", "LC_MESSAGES", "messages.po")
HEADER = """\
# Readings of the kanji words in the easy-Japanese catalogue's texts, reviewed by a person.
# Written by `flask --app wsgi tsunagu readings` (core/readings_cli.py): it keeps what is here,
# adds the catalogue's new texts with computed readings (marked "# check" until reviewed:
# correct a wrong reading here, or add the word to readings.toml) and drops texts no longer
# in it. Format: text = "word:reading word:reading", words in the order they appear.

[texts]
"""


def catalogue_texts(path: Path = EASY_CATALOGUE) -> list[str]:
    """What the easy pages show for each message: its translation, else the Japanese."""
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    texts = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        texts.update(string or ids[min(i, len(ids) - 1)] for i, string in enumerate(strings))
    return sorted(text for text in texts if KANJI_RUN.search(text))


def stale_texts(texts: list[str]) -> tuple[list[str], list[str]]:
    """(texts the file lacks, texts the file has that the catalogue does not)."""
    kept = reviewed()
    return [t for t in texts if t not in kept], sorted(set(kept) - set(texts))


def write_readings(texts: list[str], target: Path = REVIEWED) -> int:
    """Write the file; returns how many texts got computed readings."""
    kept = reviewed()
    lines, new = [HEADER], 0
    for text in texts:
        pairs = kept.get(text)
        mark = ""
        if pairs is None:
            pairs, mark, new = computed(text), "  # check", new + 1
        lines.append(f"{_toml(text)} = {_toml(format_pairs(pairs))}{mark}\n")
    target.write_text("".join(lines), encoding="utf-8")
    reviewed.cache_clear()
    return new


def _toml(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


@click.command("readings")
@click.option("--check", is_flag=True, help="Only say whether the file is in step; exit 1 if not.")
def readings_command(check: bool) -> None:
    """Compute the readings of the easy-Japanese catalogue for review (core/data)."""
    texts = catalogue_texts()
    missing, gone = stale_texts(texts)
    if check:
        if missing or gone:
            raise click.ClickException(
                f"readings-easy.toml is stale: {len(missing)} new texts, {len(gone)} gone; "
                "run `tsunagu readings` and review the lines marked # check"
            )
        click.echo(f"readings: {len(texts)} texts, in step with the catalogue")
        return
    new = write_readings(texts)
    click.echo(f"readings: {len(texts)} texts; {new} computed, marked '# check' for review")
