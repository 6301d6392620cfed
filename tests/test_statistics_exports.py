"""Statistics as files: CSV (BOM, formula-safe), XLSX read back with openpyxl, the annual report
as PDF (rasterised) and XLSX, and `stats export` on the database, audited, publication safe."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pypdfium2
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.commands.demo_cases import demo_cases_command
from backoffice.commands.stats import export_command
from backoffice.statistics.exports import CSV_TYPE, XLSX_TYPE, csv_file, prepare, xlsx_file
from backoffice.statistics.periods import Period
from backoffice.statistics.report import PDF_TYPE, report_pdf, report_xlsx
from backoffice.statistics.suppression import rule_text
from backoffice.statistics.tables import Table
from core.audit import AuditEvent
from core.csvsafe import unneutralise
from core.db import get_engine
from core.timezone import TOKYO
from tests.staff import make_staff, signed_in_client

PERIOD = Period.fiscal_year(2026)
MADE = datetime(2027, 4, 10, 9, 30, tzinfo=TOKYO)


def tables() -> list[Table]:
    return [
        Table.of(
            "referrals.by_district", "受付件数（地区別）", ["峰山", "=HYPERLINK(\"x\")", "網野"],
            ["件数"], [[12], [3], [20]],
        ),
        Table.of(
            "referrals.by_month", "受付件数（月別・受付の経路別）", ["4月", "5月", "6月"],
            ["LINE", "チャット", "電話"], [[8, 2, 5], [9, 7, 6], [12, 10, 11]],
        ),
        Table.of("referrals.follow_ups", "フォローアップの実施（月別）", ["4月", "5月"],
                 ["件数"], [[6], [7]]),
        Table.of("training.meetings", "研修・情報交換会の開催", ["研修", "情報交換会"],
                 ["NPO", "市", "共催"], [[2, 3, 0], [5, 6, 1]], unit="回"),
        Table.of("referrals.response_times", "受付から受け取り確認までの時間（分）",
                 ["受け取り確認"], ["中央値（分）"], [[3]], totals=False, unit="分"),
    ]  # fmt: skip


def internal() -> object:
    return prepare(tables(), PERIOD, publication=False, threshold=5, made_at=MADE)


def published() -> object:
    return prepare(tables(), PERIOD, publication=True, threshold=5, made_at=MADE)


# --- CSV ---------------------------------------------------------------------------------


def test_the_csv_starts_with_a_bom_and_reads_back_in_japanese() -> None:
    made = csv_file(internal())  # type: ignore[arg-type]

    assert made.content.startswith(b"\xef\xbb\xbf")
    assert made.mimetype == CSV_TYPE
    assert made.filename == "tsunagu-statistics-fy2026-internal.csv"
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert ["期間", "令和8年度（2026年4月〜2027年3月）"] in rows
    assert ["受付件数（月別・受付の経路別）（単位：件）"] in rows
    assert ["", "LINE", "チャット", "電話", "合計"] in rows
    assert ["4月", "8", "2", "5", "15"] in rows
    assert ["合計", "29", "19", "22", "70"] in rows


def test_a_csv_cell_that_would_be_a_formula_is_neutralised() -> None:
    text = csv_file(internal()).content.decode("utf-8-sig")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(text)))

    row = next(r for r in rows if r and "HYPERLINK" in r[0])
    assert row[0] == '\'=HYPERLINK("x")'
    assert unneutralise(row[0]) == '=HYPERLINK("x")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_the_publication_csv_hides_small_numbers_and_states_the_rule() -> None:
    text = csv_file(published()).content.decode("utf-8-sig")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(text)))

    assert ["少ない数の扱い", rule_text(5)] in rows
    numbers = [int(c) for r in rows[6:] for c in r[1:] if c.isdigit()]
    assert numbers and not [n for n in numbers if 0 < n < 5]
    assert "*" in text
    assert "受け取り確認" not in [r[0] for r in rows if r]  # a median is not published


# --- XLSX --------------------------------------------------------------------------------


def test_the_workbook_has_a_cover_and_one_sheet_per_table_in_japanese() -> None:
    made = xlsx_file(published())  # type: ignore[arg-type]

    assert made.mimetype == XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(made.content))
    assert book.sheetnames == [
        "表紙", "referrals.by_district", "referrals.by_month", "referrals.follow_ups",
        "training.meetings",
    ]  # fmt: skip
    cover = {row[0]: row[1] for row in book["表紙"].iter_rows(min_row=3, values_only=True)}
    assert cover["期間"] == "令和8年度（2026年4月〜2027年3月）"
    assert cover["区分"].startswith("公表用")
    assert cover["少ない数の扱い"] == rule_text(5)
    assert "受付から受け取り確認までの時間（分）" in next(
        text for name, text in cover.items() if name.startswith("公表用では載せていない")
    )
    month = book["referrals.by_month"]
    assert month["A1"].value == "受付件数（月別・受付の経路別）"
    assert [c.value for c in month[5]] == [None, "LINE", "チャット", "電話", "合計"]


def test_a_label_starting_with_equals_is_text_in_the_workbook() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_file(internal()).content))  # type: ignore[arg-type]

    cell = book["referrals.by_district"]["A7"]
    assert cell.value == '=HYPERLINK("x")'
    assert cell.data_type == "s"


def test_the_internal_workbook_has_exact_counts() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_file(internal()).content))  # type: ignore[arg-type]

    rows = list(book["training.meetings"].iter_rows(min_row=5, values_only=True))
    assert rows[:4] == [
        (None, "NPO", "市", "共催", "合計"), ("研修", 2, 3, 0, 5), ("情報交換会", 5, 6, 1, 12),
        ("合計", 7, 9, 1, 17),
    ]  # fmt: skip


# --- the annual report -------------------------------------------------------------------


def test_the_report_pdf_is_a_page_with_the_heading_and_ink_on_it() -> None:
    made = report_pdf(published(), "京丹後市")  # type: ignore[arg-type]

    assert made.mimetype == PDF_TYPE and made.content.startswith(b"%PDF-")
    assert made.filename == "tsunagu-report-fy2026-publication.pdf"
    document = pypdfium2.PdfDocument(made.content)
    page = document[0]
    pixels = np.asarray(page.render(scale=1).to_pil().convert("L"))
    assert (pixels < 128).mean() > 0.005  # not blank
    text = page.get_textpage().get_text_bounded()
    assert "つなぎ支援事業 実施状況報告（統計）" in text
    for heading in ("つなぎ支援の件数と結果", "支援会議", "フォローアップ", "プッシュ型支援",
                    "カード配布", "研修"):  # fmt: skip
        assert heading in text
    assert "令和8年度" in text


def test_the_report_workbook_lays_the_sections_out_on_one_sheet() -> None:
    made = report_xlsx(published(), "京丹後市")  # type: ignore[arg-type]

    book = openpyxl.load_workbook(io.BytesIO(made.content))
    assert book.sheetnames[:2] == ["表紙", "報告"]
    column = [row[0] for row in book["報告"].iter_rows(values_only=True) if row[0]]
    assert column[0] == "京丹後市　つなぎ支援事業 実施状況報告（統計）"
    headings = [v for v in column if v[1:2] == "　"]
    assert headings == ["1　つなぎ支援の件数と結果", "2　支援会議", "3　フォローアップ",
                        "4　プッシュ型支援", "5　カード配布", "6　研修"]  # fmt: skip
    assert column.index("3　フォローアップ") < column.index(
        "フォローアップの実施（月別）（単位：件）"
    )


# --- the command -------------------------------------------------------------------------


@pytest.fixture
def filled(backoffice_app: Flask, demo: Session) -> Flask:
    for role in ("coordinator", "liaison"):
        make_staff(backoffice_app, role)
    result = backoffice_app.test_cli_runner().invoke(demo_cases_command, ["150", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return backoffice_app


def export(app: Flask, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "out"
    year = str(fiscal_year_with_cases(app))
    result = app.test_cli_runner().invoke(
        export_command, ["--fiscal-year", year, *args, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def export_events(app: Flask) -> list[AuditEvent]:
    with Session(get_engine(app)) as db:
        query = select(AuditEvent).where(AuditEvent.action == "statistics.export")
        return list(db.scalars(query))


def fiscal_year_with_cases(app: Flask) -> int:
    from backoffice.referrals.models import Referral
    from backoffice.statistics.periods import fiscal_year_of

    with Session(get_engine(app)) as db:
        first = db.scalar(select(Referral.received_at).order_by(Referral.received_at))
    assert first is not None
    return fiscal_year_of(first.astimezone(TOKYO).date()) + 1  # a whole year of cases


def test_stats_export_writes_every_table_as_csv_and_is_audited(
    filled: Flask, tmp_path: Path
) -> None:
    text = export(filled, tmp_path, "--format", "csv").read_bytes().decode("utf-8-sig")

    assert "受付件数（月別・受付の経路別）" in text and "内部用" in text
    (event,) = export_events(filled)
    assert (event.actor_id, event.client_network) == (None, "server shell")
    assert event.reason == "csv internal"
    assert event.object_id == f"fy{fiscal_year_with_cases(filled)}"


def test_stats_export_in_publication_mode_never_shows_a_small_count(
    filled: Flask, tmp_path: Path
) -> None:
    path = export(filled, tmp_path, "--format", "xlsx", "--publication")

    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames[:2] == ["表紙", "報告"] and len(book.sheetnames) > 10
    for name in book.sheetnames[2:]:
        values = [v for row in book[name].iter_rows(min_row=4, values_only=True) for v in row]
        assert not [v for v in values if isinstance(v, int) and 0 < v < 5], name


def test_stats_export_writes_the_annual_report_pdf(filled: Flask, tmp_path: Path) -> None:
    path = export(filled, tmp_path, "--format", "pdf", "--publication")

    document = pypdfium2.PdfDocument(path.read_bytes())
    assert len(document) >= 2
    assert "実施状況報告" in document[0].get_textpage().get_text_bounded()


# --- downloads from the statistics pages -------------------------------------------------


def test_an_analyst_downloads_an_areas_figures_as_csv_and_it_is_audited(filled: Flask) -> None:
    analyst = signed_in_client(filled, "analyst")
    year = fiscal_year_with_cases(filled)

    response = analyst.get(f"/statistics/referrals.csv?kind=fiscal_year&year={year}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="tsunagu-statistics-fy{year}-internal.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert "受付件数（地区別）" in text and "研修" not in text and "S-" not in text
    (event,) = export_events(filled)
    assert event.actor_id is not None and event.reason == "referrals csv internal"


def test_the_annual_report_downloads_as_pdf_and_xlsx_for_publication(filled: Flask) -> None:
    coordinator = signed_in_client(filled, "coordinator")
    year = fiscal_year_with_cases(filled)

    pdf = coordinator.get(f"/statistics/report.pdf?year={year}&publication=1")
    xlsx = coordinator.get(f"/statistics/report.xlsx?year={year}&publication=1")

    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.mimetype == PDF_TYPE
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[:2] == ["表紙", "報告"]
    assert book["表紙"]["B4"].value.startswith("公表用")
    for name in book.sheetnames[1:]:
        values = [v for row in book[name].iter_rows(min_row=3, values_only=True) for v in row]
        assert not [v for v in values if isinstance(v, int) and 0 < v < 5], name


def test_a_period_that_cannot_be_is_refused_and_nothing_is_audited(filled: Flask) -> None:
    analyst = signed_in_client(filled, "analyst")

    assert analyst.get("/statistics/outreach.xlsx?kind=month&year=2026&month=13").status_code == 400
    with Session(get_engine(filled)) as db:
        assert not db.scalars(
            select(AuditEvent).where(AuditEvent.action == "statistics.export")
        ).all()


@pytest.mark.parametrize("role", ["liaison", "editor"])
def test_roles_without_stats_read_cannot_download(filled: Flask, role: str) -> None:
    client = signed_in_client(filled, role)

    assert client.get("/statistics/referrals.csv").status_code == 403
    assert client.get("/statistics/report.pdf").status_code == 403
