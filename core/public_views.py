"""What the public role reads on PostgreSQL: views of published rows and public columns only.

The public role holds no privilege on a base table it reads. For every table flagged
``info["public"] == "read"``, `db roles` makes a view of the same name in schema
``public_read`` (made by migration 0018) and grants the public role SELECT on it alone; that
schema comes first in the role's ``search_path``, so the public site's SQL, unchanged, reads
the views. SQLite has no roles: there both apps read the tables themselves.

What a view shows is declared beside the table:

- ``info["public_rows"]``: an SQL condition on the table's columns (``{schema}`` stands for the
  tables' schema), e.g. ``status = 'published'``; without it, every row;
- ``info["public_columns"]``: the only columns shown; or ``info["private_columns"]``: the columns
  not shown. A column not shown is still in the view, always empty (``''`` for text, else
  NULL), so a query that loads the whole row works and learns nothing.

The views are remade from the models on every run, so they follow each migration, and are
``security_barrier`` where rows are filtered: no condition of a query can see a hidden row.
A migration that alters or drops a column of a public table must first drop its view
(``DROP VIEW IF EXISTS public_read.<table>``); `db roles` makes it again.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text
from sqlalchemy.dialects import postgresql

PUBLIC_READ_SCHEMA = "public_read"
TAG = "$views$"

_dialect = postgresql.dialect()
_quote = _dialect.identifier_preparer.quote


class PublicViewError(ValueError):
    """A table's public declaration cannot become a view."""


def shown_columns(table: Table) -> tuple[str, ...]:
    """The columns whose values the public role may read (every column unless limited)."""
    names = tuple(table.columns.keys())
    allowed = tuple(table.info.get("public_columns", ()))
    private = tuple(table.info.get("private_columns", ()))
    if (allowed or private) and table.info.get("public") != "read":
        raise PublicViewError(
            f"table {table.name}: public_columns and private_columns need info['public'] = 'read'"
        )
    if allowed and private:
        raise PublicViewError(f"table {table.name}: give public_columns or private_columns")
    unknown = sorted(set(allowed + private) - set(names))
    if unknown:
        raise PublicViewError(f"table {table.name}: no such columns {', '.join(unknown)}")
    if allowed:
        return tuple(name for name in names if name in allowed)
    return tuple(name for name in names if name not in private)


def public_view_sql(table: Table, *, schema: str) -> str:
    """The CREATE VIEW of ``table`` in ``public_read``: its public rows, its public columns."""
    shown = shown_columns(table)
    columns = ",\n    ".join(
        _quote(column.name) if column.name in shown else _empty(column) for column in table.columns
    )
    rows = table.info.get("public_rows")
    where = f"\nWHERE {rows.format(schema=_quote(schema))}" if rows else ""
    barrier = " WITH (security_barrier)" if rows else ""
    return (
        f"CREATE VIEW {_quote(PUBLIC_READ_SCHEMA)}.{_quote(table.name)}{barrier} AS\n"
        f"SELECT\n    {columns}\nFROM {_quote(schema)}.{_quote(table.name)}{where}"
    )


def drop_public_views_sql() -> str:
    """Drop every view in ``public_read``, so a table no longer public loses its view too."""
    schema = "'" + PUBLIC_READ_SCHEMA + "'"
    # Constants only: nothing in the block comes from outside.
    return f"""DO {TAG}
DECLARE
    found text;
BEGIN
    FOR found IN SELECT format('%I.%I', schemaname, viewname) FROM pg_views
        WHERE schemaname = {schema}
    LOOP
        EXECUTE 'DROP VIEW ' || found || ' CASCADE';
    END LOOP;
END
{TAG}"""  # noqa: S608


def _empty(column: Column) -> str:
    value = "''" if isinstance(column.type, String | Text) else "NULL"
    return f"CAST({value} AS {column.type.compile(dialect=_dialect)}) AS {_quote(column.name)}"
