"""Single values of other systems made into what Tsunagu holds: hours moved to Japan time (the
day too, when they cross midnight), phone numbers as digits and hyphens, links and long texts."""

from __future__ import annotations

import pytest

from directory.hsds.lenient_values import Notes, clean_number, japan_time

ROW = "00000000-0000-4000-8000-000000000001"


@pytest.mark.parametrize(
    ("zone", "byday", "opens", "closes", "expected"),
    [
        (9, "MO", "09:00", "17:00", ("MO", "09:00", "17:00")),
        (0, "MO,FR", "00:00", "08:00", ("MO,FR", "09:00", "17:00")),
        (-5, "MO,SU", "20:00", "23:00", ("TU,MO", "10:00", "13:00")),
        (12, "MO", "01:00", "10:00", ("SU", "22:00", "07:00")),
        (5.5, "WE", "09:30", "18:00", ("WE", "13:00", "21:30")),
    ],
)
def test_hours_in_another_zone_become_japan_time(
    zone: float, byday: str, opens: str, closes: str, expected: tuple[str, str, str]
) -> None:
    notes = Notes()
    row = {"id": ROW, "freq": "WEEKLY", "byday": byday, "opens_at": opens, "closes_at": closes}

    kept = japan_time(notes, "service x", "schedules[0]", row | {"timezone": zone})

    assert (kept["byday"], kept["opens_at"][:5], kept["closes_at"][:5]) == expected
    assert "timezone" not in kept
    assert bool(notes.items) == (zone != 9)


def test_a_dated_exception_moves_its_date_when_the_hours_cross_midnight() -> None:
    row = {"id": ROW, "valid_from": "2026-08-13", "opens_at": "20:00", "closes_at": "22:00"}

    kept = japan_time(Notes(), "service x", "schedules[0]", row | {"timezone": 0})

    assert (kept["valid_from"], kept["opens_at"], kept["closes_at"]) == (
        "2026-08-14",
        "05:00",
        "07:00",
    )


@pytest.mark.parametrize(
    "row",
    [
        {"freq": "MONTHLY", "bymonthday": "1", "opens_at": "09:00", "closes_at": "12:00"},
        {"freq": "WEEKLY", "interval": 2, "byday": "MO", "opens_at": "09:00", "closes_at": "12:00"},
        {"freq": "WEEKLY", "byday": "Monday", "opens_at": "09:00", "closes_at": "12:00"},
        {"freq": "WEEKLY", "byday": "MO"},
        {"freq": "WEEKLY", "byday": "MO", "opens_at": "9am", "closes_at": "5pm"},
        {"freq": "WEEKLY", "byday": "MO", "opens_at": "09:00", "closes_at": "12:00",
         "timezone": "Europe/London"},
    ],
)  # fmt: skip
def test_hours_we_cannot_keep_as_weekly_keep_their_text_for_the_hours_note(row: dict) -> None:
    notes = Notes()

    kept = japan_time(notes, "service x", "schedules[0]", {"id": ROW, "description": "月1回"} | row)

    assert kept == {"id": ROW, "description": "月1回"}
    assert notes.items


def test_daily_hours_are_kept_as_every_day_of_the_week() -> None:
    row = {"id": ROW, "freq": "DAILY", "opens_at": "00:00", "closes_at": "00:00"}

    kept = japan_time(Notes(), "service x", "schedules[0]", row)

    assert (kept["freq"], kept["byday"]) == ("WEEKLY", "MO,TU,WE,TH,FR,SA,SU")


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ('"+44 1234 234567"', "+44-1234-234567"),
        ("(0772) 69-0350", "0772-69-0350"),
        ("０１２０－７８３－５５６", "0120-783-556"),
        ("03.1234.5678", "03-1234-5678"),
        ("#7119", "#7119"),
        ("call us", None),
        ("0120;rm -rf", None),
        ("", None),
    ],
)
def test_phone_numbers_are_written_as_digits_and_hyphens(raw: str, number: str | None) -> None:
    assert clean_number(raw) == number


def test_a_fax_number_is_not_kept_as_a_line_to_ring() -> None:
    notes = Notes()

    kept = notes.phone(
        "service x", "phones[0]", {"id": ROW, "number": "0772-00-0000", "type": "fax"}
    )

    assert kept is None
    assert "a fax number, not a line to ring" in str(notes.items[0])


def test_links_texts_and_addresses_are_kept_or_named() -> None:
    notes = Notes()

    assert notes.link("r", "url", "https://example.jp/") == ("https://example.jp/", None)
    assert notes.link("r", "url", "http://example.jp/") == (None, "http://example.jp/")
    assert notes.link("r", "url", "javascript:alert(1)") == (None, None)
    assert notes.text("r", "name", "あ" * 400) == "あ" * 299 + "…"
    assert notes.email("r", "email", "not-an-address") is None
    said = [str(note) for note in notes.items]
    assert (
        said[0] == "r: url: kept as text, not as a link (only https is linked): http://example.jp/"
    )
    assert said[1].startswith("r: url: left out (not a web address)")
    assert said[2] == "r: name: shortened to 300 characters, the column's size"
    assert said[3].startswith("r: email: left out (not an e-mail address)")


def test_hours_given_as_text_stay_text_and_lose_what_only_times_need() -> None:
    notes = Notes()
    row = {"id": ROW, "description": "平日の日中", "timezone": 3, "byday": "Monday"}

    kept = japan_time(notes, "service x", "schedules[0]", row)

    assert kept == {"id": ROW, "description": "平日の日中"}
    assert [note.field for note in notes.items] == ["schedules[0].byday", "schedules[0].timezone"]
