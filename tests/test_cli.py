"""The Flask CLI: `tsunagu init`, `tsunagu demo` and `tsunagu profile`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cards.design import default_design, validate_design
from cards.designs import card_design, fit_problems, get_design, profile_design, stored_fields
from cards.models import CardBatch, SavedDesign
from core.db import get_engine
from core.profile import MunicipalityProfile, read_profile_file
from directory.models import ContactChannel, Service


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["tsunagu", *args])


def count(app: Flask, model: type) -> int:
    with Session(get_engine(app)) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_init_migrates_and_stores_the_profile_and_can_run_again(empty_app: Flask) -> None:
    first = run(empty_app, "init")
    second = run(empty_app, "init")

    assert first.exit_code == 0, first.output
    assert "profile: stored" in first.output
    assert second.exit_code == 0
    assert "already stored" in second.output
    assert count(empty_app, MunicipalityProfile) == 1


def test_init_sets_up_cards_once_and_the_card_takes_the_directorys_national_lines(
    empty_app: Flask,
) -> None:
    first, second = run(empty_app, "init"), run(empty_app, "init")

    assert "public-download batch" in first.output
    assert (count(empty_app, SavedDesign), count(empty_app, CardBatch)) == (1, 1)
    assert second.exit_code == 0 and count(empty_app, CardBatch) == 1
    profile = read_profile_file(empty_app.config["TSUNAGU_SETTINGS"].profile_path)
    with Session(get_engine(empty_app)) as session:
        saved = get_design(session)
        assert saved is not None and saved.fields == {}  # everything follows the profile
        assert card_design(saved, profile_design(session, profile)).national_channels == ()

    run(empty_app, "demo")

    with Session(get_engine(empty_app)) as session:
        saved = get_design(session)
        assert saved is not None and saved.fields == {}
        design = card_design(saved, profile_design(session, profile))
        assert design.national_channels  # the directory's lines, now that it is loaded
        assert validate_design(design) == {}
        assert fit_problems(design, "https://tsunagu.example/c/abcdefghjk") == {}


def test_init_lets_a_design_stored_before_the_directory_take_its_national_lines(
    empty_app: Flask,
) -> None:
    run(empty_app, "init")
    profile = read_profile_file(empty_app.config["TSUNAGU_SETTINGS"].profile_path)
    with Session(get_engine(empty_app)) as session:  # as earlier versions stored it: whole
        saved = get_design(session)
        assert saved is not None
        saved.fields = stored_fields(default_design(profile))
        session.commit()

    run(empty_app, "demo")

    with Session(get_engine(empty_app)) as session:
        saved = get_design(session)
        assert saved is not None and saved.fields == {}
        assert card_design(saved, profile_design(session, profile)).national_channels


def test_demo_before_init_says_what_to_do(empty_app: Flask) -> None:
    result = run(empty_app, "demo")

    assert result.exit_code != 0
    assert "tsunagu init" in result.output


def test_demo_loads_every_fact_sheet_row_and_is_idempotent(empty_app: Flask) -> None:
    run(empty_app, "init")

    first = run(empty_app, "demo")
    services, channels = count(empty_app, Service), count(empty_app, ContactChannel)
    second = run(empty_app, "demo")

    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "37 directory services" in first.output
    assert services == 37
    assert (count(empty_app, Service), count(empty_app, ContactChannel)) == (services, channels)


def test_profile_command_replaces_the_profile(empty_app: Flask, tmp_path: Path) -> None:
    run(empty_app, "init")
    other = tmp_path / "other.toml"
    other.write_text(
        'slug = "other"\nname = "テスト市"\nsection = "福祉課"\nphone = "000-000-0000"\n'
        '[dedicated_window]\nname = "テスト窓口"\nchannel = "LINE"\n'
        '[[emergency]]\nnumber = "119"\nlabel = "救急"\n',
        encoding="utf-8",
    )

    result = run(empty_app, "profile", str(other))

    assert result.exit_code == 0, result.output
    assert "updated (テスト市)" in result.output


def test_profile_command_names_what_is_missing(empty_app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('slug = "x"\n', encoding="utf-8")

    result = run(empty_app, "profile", str(broken))

    assert result.exit_code != 0
    assert "profile is missing: name, section, phone" in result.output


def test_every_command_has_help(empty_app: Flask) -> None:
    for command in ("init", "demo", "profile"):
        result = run(empty_app, command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.output
