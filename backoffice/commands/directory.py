"""`flask --app wsgi directory ...`: export the directory as HSDS 3.0, import it (ours or another
system's), and show what an import would change."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from core import audit
from core.db import get_engine
from directory.hsds.dataset import export_dataset
from directory.hsds.diff import diff_dataset
from directory.hsds.files import read_dataset, write_export
from directory.hsds.importer import ImportReport, check_dataset, store_report
from directory.hsds.lenient_values import Note
from directory.hsds.schemas import SchemaError, default_schema_dir
from directory.hsds.shapes import ShapeError
from directory.hsds.sources import UnreadableFileError
from directory.hsds.vocabulary import Json
from directory.search.reindex import fill_summaries, reindex, reindex_organizations
from directory.search.synonym_tokens import refresh_synonym_tokens
from directory.search.synonyms import load_synonyms

directory_group = AppGroup(
    "directory", help="Export and import the directory in HSDS 3.0; rebuild its search index."
)
SCHEMAS_HELP = (
    "Folder of the official HSDS 3.0 schemas (default: $TSUNAGU_HSDS_SCHEMAS, else the copy"
    " shipped with Tsunagu)."
)
LENIENT_HELP = (
    "For HSDS from other systems: keep what Tsunagu can hold and list, per record and field, what"
    " is left out or converted (http links kept as text, hours moved to Japan time, fields"
    " Tsunagu has no place for); other taxonomies' terms are kept under their own, for staff."
    " What is kept is still checked, all or nothing."
)


@directory_group.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--csv", "tabular", is_flag=True, help="Write a CSV datapackage (a folder or .zip).")
@click.option("--public", is_flag=True, help="Only what the public API shows: published services.")
@click.option("--schemas", type=click.Path(file_okay=False, path_type=Path), help=SCHEMAS_HELP)
@with_appcontext
def export_command(path: Path, tabular: bool, public: bool, schemas: Path | None) -> None:
    """Write the directory to PATH as HSDS 3.0: one JSON document, or with --csv a datapackage.

    Without --public the export is complete: every service whatever its state, the staff notes
    and the change history. Keep such a file inside the office; `directory import` reads it back.
    """
    with Session(get_engine()) as session, session.begin():
        data = export_dataset(session, public=public)
        scope = data["scope"]
        audit.record(session, action="directory.export", object_type="directory", reason=scope)
    try:
        write_export(data, path, tabular=tabular, schema_dir=schemas or default_schema_dir())
    except (OSError, KeyError) as error:
        raise click.ClickException(f"could not write {path}: {error}") from error
    click.echo(f"export: {len(data['services'])} services ({scope}) written to {path}")


@directory_group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--lenient", is_flag=True, help=LENIENT_HELP)
@click.option("--schemas", type=click.Path(file_okay=False, path_type=Path), help=SCHEMAS_HELP)
@with_appcontext
def import_command(path: Path, lenient: bool, schemas: Path | None) -> None:
    """Read HSDS 3.0 from PATH (a JSON file, or a CSV datapackage: folder or .zip).

    A dataset as `directory export` writes it, one service or organization as an HSDS API shows
    it, or a page of an API listing (`contents`); nested records take their parent's id.
    Everything is checked first; if anything is wrong, nothing changes and each problem is listed
    with its record and field. Records are matched by id: run it again and it updates the same.
    A service from another system is stored as a draft whose facts wait for a check.
    A file too large, too deeply nested, damaged, naming files outside its package, of no HSDS
    shape or with no records is refused whole, with one line that says why.
    """
    data, unreadable = _read(path, lenient)
    with Session(get_engine()) as session, session.begin():
        report = _checked(session, data, lenient, unreadable, schemas)
        store_report(session, report)
        # The search index is derived data: keep it in step with what was imported, including
        # the services of organisations the file changed without listing those services.
        reindex(session, [service["id"] for service in report.data.get("services", [])])
        reindex_organizations(session, [org["id"] for org in report.data.get("organizations", [])])
        summary = report.summary() + (
            f", {len(report.notes)} left out or converted" if lenient else ""
        )
        audit.record(session, action="directory.import", object_type="directory", reason=summary)
    _print_notes(report.notes)
    click.echo(f"import: {summary} from {path}")


@directory_group.command("diff")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--lenient", is_flag=True, help=LENIENT_HELP)
@click.option("--schemas", type=click.Path(file_okay=False, path_type=Path), help=SCHEMAS_HELP)
@with_appcontext
def diff_command(path: Path, lenient: bool, schemas: Path | None) -> None:
    """Show what `directory import PATH` would change, and change nothing.

    Lists the records it would add and, for each record it would change, the fields with their
    value now and after; lists inside a service (channels, hours, areas, languages, topics)
    show the items removed and added. Records the file leaves out are never removed by an
    import. With --lenient, also lists what the import would leave out or convert. A file the
    import would refuse is refused here the same way.
    """
    data, unreadable = _read(path, lenient)
    with Session(get_engine()) as session:
        try:
            report = _checked(session, data, lenient, unreadable, schemas)
            diff = diff_dataset(session, report.data)
        finally:
            session.rollback()  # nothing was added; this only ends the read
    _print_notes(report.notes)
    for change in diff.changes:
        for line in change.lines():
            click.echo(line)
    click.echo(
        f"diff: {diff.summary()} (nothing written; records not in the file stay as they are)"
    )


@directory_group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index of every service (derived data: nothing else changes)."""
    with Session(get_engine()) as session, session.begin():
        written = reindex(session)
    click.echo(f"reindex: {written} published services indexed")


@directory_group.command("vocabulary")
@with_appcontext
def vocabulary_command() -> None:
    """Add the search synonyms and vocabulary shipped with Tsunagu that the table lacks.

    Run it once after an upgrade that brings new words; staff then edit them on the synonyms
    page. A shipped group that staff removed comes back if this is run again.
    """
    with Session(get_engine()) as session, session.begin():
        added = load_synonyms(session)
        rows = refresh_synonym_tokens(session) if added else 0
        audit.record(
            session,
            action="directory.synonym.load",
            object_type="search_synonym",
            reason=f"{added} groups",
        )
    click.echo(f"vocabulary: {added} groups added, synonym tokens of {rows} rows updated")


def setup_search(session: Session, profile: object) -> str:
    """`tsunagu init` step: what rows indexed by an earlier version lack (summaries, synonyms)."""
    filled = fill_summaries(session)
    tokens = refresh_synonym_tokens(session)
    if not filled and not tokens:
        return "search: index up to date"
    return f"search: {filled} result summaries built, synonym tokens of {tokens} rows updated"


def _read(path: Path, lenient: bool) -> tuple[Json, list[str]]:
    """The file's data, and rows pointing nowhere (a problem when strict, skipped if lenient)."""
    try:
        data, unreadable = read_dataset(path)
    except UnreadableFileError as error:  # one line naming the file; the database is untouched
        raise click.ClickException(f"nothing imported: {error}") from None
    if unreadable and not lenient:
        _fail(unreadable)
    return data, unreadable


def _checked(
    session: Session, data: Json, lenient: bool, unreadable: list[str], schemas: Path | None
) -> ImportReport:
    """The checked dataset; any problem ends the command, listed, with nothing written."""
    try:
        report = check_dataset(
            session, data, schema_dir=schemas, lenient=lenient, skipped=unreadable
        )
    except ShapeError as error:
        raise click.ClickException(f"nothing imported: {error}") from None
    except SchemaError as error:
        raise click.ClickException(str(error)) from error
    if not report.ok:
        _print_notes(report.notes)
        _fail([str(problem) for problem in report.problems])
    return report


def _print_notes(notes: list[Note]) -> None:
    if notes:
        click.echo(f"left out or converted ({len(notes)}):")
    for note in notes:
        click.echo(f"  {note}")


def _fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    raise click.ClickException(f"nothing imported: {len(problems)} problem(s), listed above")
