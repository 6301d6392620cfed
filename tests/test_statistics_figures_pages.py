"""The statistics pages: who may open them, what they never show (no case, number or personal
value), the period selector's checks, and the chart beside each table."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pypdfium2
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.outreach.models import OutreachSubject
from backoffice.referrals.models import Referral
from backoffice.statistics.periods import Period, fiscal_year_of
from backoffice.training.models import Training, TrainingGuest
from core.db import get_engine
from core.timezone import tokyo_today
from tests.referrals import PERSON_NAME
from tests.staff import signed_in_client
from tests.test_statistics_figures import FY, figures_app  # noqa: F401  (the fixture)

AREAS = ("referrals", "outreach", "cards", "training")
FY_QUERY = f"?kind=fiscal_year&year={FY}"


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "coordinator", "supervisor"])
def test_those_with_stats_read_open_every_area(backoffice_app: Flask, role: str) -> None:
    client = signed_in_client(backoffice_app, role)
    overview = page(client, "/statistics/")
    for area in AREAS:
        assert f'href="/statistics/{area}"' in overview
        html = page(client, f"/statistics/{area}")
        label = Period.fiscal_year(fiscal_year_of(tokyo_today())).label
        assert f'<h2 id="figures-title">{label}</h2>' in html
    assert 'href="/statistics/"' in page(client, "/")  # the menu and the dashboard


@pytest.mark.parametrize("role", ["liaison", "editor", "auditor"])
def test_others_are_refused(backoffice_app: Flask, role: str) -> None:
    client = signed_in_client(backoffice_app, role)
    for url in ("/statistics/", "/statistics/referrals", "/statistics/cards"):
        assert client.get(url).status_code == 403
    assert 'href="/statistics/"' not in page(client, "/")


def test_an_analyst_sees_figures_only(backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "analyst")
    for url in ("/referrals/", "/outreach/", "/training/", "/cards/"):
        assert client.get(url).status_code in (403, 404), url
    dashboard = page(client, "/")
    assert 'href="/statistics/referrals"' in dashboard and "/referrals/" not in dashboard
    assert client.get("/statistics/elsewhere").status_code == 404


def test_no_case_number_or_personal_value_on_any_page(figures_app: Flask) -> None:  # noqa: F811
    with figures_app.app_context(), Session(get_engine(figures_app)) as db:
        numbers = [n for (n,) in db.query(Referral.case_number)]
        numbers += [n for (n,) in db.query(OutreachSubject.subject_number)]
        ids = [i for (i,) in db.query(Referral.id)]
    assert numbers and ids
    secrets = [PERSON_NAME, "たんご はなこ", "090-1234-5678", "網野 一郎", "地域包括支援センター",
               "家計改善支援窓口", "元気に過ごしている", "ひとり暮らし", *numbers]  # fmt: skip
    client = signed_in_client(figures_app, "coordinator")
    for area in AREAS:
        html = page(client, f"/statistics/{area}{FY_QUERY}")
        assert "令和7年度（2025年4月〜2026年3月）" in html
        for secret in secrets:
            # 地域包括支援センター is also an agency kind's label: only the outreach page shows it.
            if secret == "地域包括支援センター" and area == "outreach":
                continue
            assert secret not in html, (area, secret)
        links = re.findall(r'href="([^"]+)"', html)
        assert not [x for x in links if re.search(r"/(referrals|outreach)/\d", x)]
        assert "referral_id" not in html and "case_number" not in html


def test_the_tables_and_charts_show_the_counts(figures_app: Flask) -> None:  # noqa: F811
    client = signed_in_client(figures_app, "analyst")
    html = page(client, f"/statistics/referrals{FY_QUERY}")
    assert html.count("<table") == html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 17
    assert (
        "<caption>受付件数（月別・受付の経路別）（令和7年度（2025年4月〜2026年3月）、単位: 件）"
        in html
    )
    assert (
        '<th scope="row">2025年4月</th><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>' in html
    )
    assert '<th scope="col">LINE</th>' in html
    chart = html[html.index("<svg xmlns") : html.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-1-title"' in chart
    assert '<title id="chart-1-title">受付件数（月別・受付の経路別）のグラフ' in chart
    assert ">2025年4月</text>" in chart
    assert "style=" not in html and "<script" not in html
    month = page(client, "/statistics/referrals?kind=month&year=2025&month=5")
    assert '<h2 id="figures-title">令和7年度（2025年5月）</h2>' in month
    assert (
        '<th scope="row">2025年5月</th><td>0</td><td>0</td><td>1</td><td>0</td><td>1</td>' in month
    )
    ranged = page(client, "/statistics/cards?kind=range&start=2025-05-01&end=2025-05-31")
    assert "令和7年度（2025年5月1日〜2025年5月31日）" in ranged
    assert '<th scope="row">HV01（訪問）</th><td>0</td><td>30</td><td>3</td>' in ranged


def test_a_typed_organisation_is_never_a_label_even_markup(figures_app: Flask) -> None:  # noqa: F811
    with figures_app.app_context(), Session(get_engine(figures_app)) as db, db.begin():
        meeting = Training(held_on=date(2025, 9, 1), kind="other", organiser="city", title="会")
        db.add(meeting)
        db.flush()
        db.add(
            TrainingGuest(training_id=meeting.id, organisation='<b onclick="x">団体</b>', count=2)
        )
    html = page(signed_in_client(figures_app, "analyst"), f"/statistics/training{FY_QUERY}")
    assert "onclick" not in html and "団体" not in html
    assert '<th scope="row">その他の機関</th><td>11</td>' in html


def file_text(data: bytes, file_format: str) -> str:
    """Every text of a downloaded file: a CSV, a workbook's cells or a PDF's pages."""
    if file_format == "csv":
        return data.decode("utf-8-sig")
    if file_format == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
        )
    document = pypdfium2.PdfDocument(data)
    return "\n".join(p.get_textpage().get_text_bounded() for p in document)


def test_a_typed_name_reaches_no_page_file_or_report_in_either_mode(
    figures_app: Flask,  # noqa: F811
) -> None:
    """Names staff type (a training guest's organisation, a link's agency) and case numbers
    never leave as a label: not on a page, a CSV, a workbook or the report, internal or not."""
    typed = ("丹後 太郎", "R-2025-0042", "家計改善支援窓口", "昔の窓口", "社会福祉協議会")
    with figures_app.app_context(), Session(get_engine(figures_app)) as db, db.begin():
        meeting = Training(held_on=date(2025, 9, 1), kind="other", organiser="city", title="会")
        db.add(meeting)
        db.flush()
        db.add_all([TrainingGuest(training_id=meeting.id, organisation=name, count=1)
                     for name in typed[:2]])  # fmt: skip
        numbers = [n for (n,) in db.query(Referral.case_number)]
        numbers += [n for (n,) in db.query(OutreachSubject.subject_number)]
    client = signed_in_client(figures_app, "analyst")
    texts = {f"/statistics/{area}": page(client, f"/statistics/{area}{FY_QUERY}") for area in AREAS}
    for mode in ("", "&publication=1"):
        urls = [f"/statistics/{area}.{fmt}" for area in AREAS for fmt in ("csv", "xlsx")]
        for url in (*urls, "/statistics/report.xlsx", "/statistics/report.pdf"):
            response = client.get(f"{url}{FY_QUERY}{mode}")
            assert response.status_code == 200, url
            texts[url + mode] = file_text(response.data, url.rsplit(".", 1)[1])
    assert "その他の機関" in texts["/statistics/training.csv"]
    assert "その他の機関" in texts["/statistics/report.pdf"]  # the PDF's text is read
    for where, text in texts.items():
        for secret in (*typed, PERSON_NAME, *numbers):
            assert secret not in text, (where, secret)
    assert "伏せています" in texts["/statistics/report.xlsx&publication=1"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=month&year=abcd&month=5", "年は 2026 のように、西暦4桁の数字で入力してください。"),
        ("kind=month&year=2025&month=13", "月を一覧から選んでください。"),
        ("kind=range&start=2025-05-02&end=2025-05-01", "終わりの日は始まりの日と同じか"),
        ("kind=range&start=2025-05-02", "終わりの日を入力してください。"),
        ("kind=range&start=2025-02-30&end=2025-05-01", "日付は 2026-04-01 のように"),
        ("kind=fiscal_year&year=1970", "平成より前の期間は扱いません。"),
        ("kind=weekly&year=2025", "期間の種類を選んでください。"),
        ("kind=range&start=2010-01-01&end=2025-12-31", "期間は5年以内にしてください。"),
    ],
)
def test_a_bad_period_is_refused_in_japanese_and_changes_nothing(
    backoffice_app: Flask, query: str, message: str
) -> None:
    client = signed_in_client(backoffice_app, "analyst")
    html = page(client, f"/statistics/referrals?{query}")
    assert message in html
    assert 'role="alert">期間を変えられませんでした。' in html
    label = Period.fiscal_year(fiscal_year_of(tokyo_today())).label
    assert f'<h2 id="figures-title">{label}</h2>' in html
    assert 'aria-invalid="true"' in html or "kind-error" in html


def test_other_areas_keep_the_period(backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "analyst")
    html = page(client, "/statistics/outreach?kind=month&year=2025&month=5&area=x")
    assert 'href="/statistics/cards?kind=month&amp;year=2025&amp;month=5"' in html


def test_the_page_links_to_its_files_for_the_same_period(backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "analyst")
    html = page(client, "/statistics/cards?kind=month&year=2025&month=5")
    links = re.findall(r'href="(/statistics/[^"]+\.(?:csv|xlsx|pdf)[^"]*)"', html)
    assert "/statistics/cards.csv?kind=month&amp;year=2025&amp;month=5" in links
    assert "/statistics/report.xlsx?publication=1&amp;kind=month&amp;year=2025&amp;month=5" in links
    response = client.get(links[0].replace("&amp;", "&"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    refused = page(client, "/statistics/cards?kind=month&year=20x5&month=5")
    assert ".csv" not in refused and ".xlsx" not in refused


def test_staff_who_may_not_read_cases_ask_for_whole_months(backoffice_app: Flask) -> None:
    # A few days' exact counts can describe one case, and two ranges a day apart tell that
    # day's by their difference: analysts read ranges of whole months, as months themselves.
    analyst = signed_in_client(backoffice_app, "analyst")
    days = "kind=range&start=2025-05-02&end=2025-05-31"

    refused = page(analyst, f"/statistics/referrals?{days}")
    assert "月の初日から月末までの月単位で指定してください" in refused
    assert analyst.get(f"/statistics/referrals.csv?{days}").status_code == 400
    assert analyst.get(f"/statistics/report.xlsx?{days}").status_code == 400
    months = page(analyst, "/statistics/referrals?kind=range&start=2025-04-01&end=2025-06-30")
    assert "令和7年度（2025年4月1日〜2025年6月30日）" in months

    coordinator = signed_in_client(backoffice_app, "coordinator")
    assert "（2025年5月2日〜2025年5月31日）" in page(coordinator, f"/statistics/referrals?{days}")
