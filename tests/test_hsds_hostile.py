"""`directory import` of hostile files: each is refused in one line naming the file and the limit,
with no traceback, and the directory stays exactly as it was."""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from directory.hsds import files, sources, tabular, zipped
from directory.hsds.dataset import export_dataset
from directory.hsds.importer import import_dataset
from directory.hsds.limits import CHUNK_BYTES, MAX_FILE_BYTES, MIB
from directory.hsds.sources import UnreadableFileError

SHARED = PROJECT_ROOT.parent / "shared" / "hsds-3.0"
MANIFEST = json.dumps(
    {"resources": [{"name": "service", "path": "services.csv", "schema": {"fields": []}}]}
).encode()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def patch_member(path: Path, name: str, *, size: int | None = None, flags: int = 0) -> Path:
    """Rewrite a member's headers (local and central) to lie about its size or encryption."""
    data = bytearray(path.read_bytes())
    # signature, offset of the flags, of the uncompressed size, of the name's length, of the name
    for sig, flag_at, size_at, length_at, name_at in (
        (b"PK\x03\x04", 6, 22, 26, 30),
        (b"PK\x01\x02", 8, 24, 28, 46),
    ):
        at = data.find(sig)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + length_at)[0]
            if data[at + name_at : at + name_at + length] == name.encode():
                if size is not None:
                    struct.pack_into("<L", data, at + size_at, size)
                flag = struct.unpack_from("<H", data, at + flag_at)[0]
                struct.pack_into("<H", data, at + flag_at, flag | flags)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))
    return path


def package(session: Session, tmp_path: Path) -> Path:
    """Our own CSV export of the demo directory, as a folder: a real package to tamper with."""
    folder = tmp_path / "pkg"
    files.write_export(export_dataset(session), folder, tabular=True, schema_dir=SHARED)
    return folder


def point_services_at(folder: Path, path: str) -> Path:
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in manifest["resources"]:
        if resource["name"] == "service":
            resource["path"] = path
    (folder / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


# Each builder writes a hostile file into a folder and says what its one line must name.
def zip_bomb(tmp_path: Path) -> tuple[Path, list[str]]:
    bomb = make_zip(
        tmp_path / "bomb.zip",
        {"datapackage.json": MANIFEST, "services.csv": b"id\n" + b"0" * (8 * MIB)},
    )
    assert bomb.stat().st_size < 64 * 1024  # small on disk
    return bomb, ["bomb.zip (member services.csv)", "to 1", "more than 100 to 1"]


def member_over_the_file_limit(tmp_path: Path) -> tuple[Path, list[str]]:
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", MANIFEST)
        with archive.open("services.csv", "w", force_zip64=True) as member:
            for _ in range(MAX_FILE_BYTES // MIB + 1):
                member.write(b"\n" * MIB)
    limit = MAX_FILE_BYTES // MIB
    return big, ["big.zip (member services.csv)", f"{limit + 1} MiB uncompressed", f"{limit} MiB"]


def lying_size_header(tmp_path: Path) -> tuple[Path, list[str]]:
    liar = make_zip(
        tmp_path / "liar.zip",
        {"datapackage.json": MANIFEST, "services.csv": b"id\n" + b"\n" * (16 * MIB)},
    )
    return patch_member(liar, "services.csv", size=1000), ["liar.zip (member services.csv)"]


def encrypted_member(tmp_path: Path) -> tuple[Path, list[str]]:
    locked = make_zip(tmp_path / "locked.zip", {"datapackage.json": MANIFEST})
    patch_member(locked, "datapackage.json", flags=0x1)
    return locked, ["locked.zip (member datapackage.json)", "encrypted"]


def too_many_members(tmp_path: Path) -> tuple[Path, list[str]]:
    members = {f"t{n}.csv": b"" for n in range(101)}
    return make_zip(tmp_path / "many.zip", members), ["many.zip", "101 members", "at most 100"]


def not_a_zip(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "fake.zip").write_text("this is not a zip", encoding="utf-8")
    return tmp_path / "fake.zip", ["fake.zip", "not a zip file"]


def truncated_zip(tmp_path: Path) -> tuple[Path, list[str]]:
    whole = make_zip(tmp_path / "whole.zip", {"datapackage.json": MANIFEST * 100})
    (tmp_path / "cut.zip").write_bytes(whole.read_bytes()[:-30])
    return tmp_path / "cut.zip", ["cut.zip", "truncated"]


def deep_nesting(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return tmp_path / "deep.json", ["deep.json", "nested 100,000 levels deep", "limit is 32"]


def long_number(tmp_path: Path) -> tuple[Path, list[str]]:
    text = '{"services": [], "x": ' + "7" * 100_000 + "}"
    (tmp_path / "number.json").write_text(text, encoding="utf-8")
    return tmp_path / "number.json", ["number.json", "100,000 characters long", "limit is 40"]


def bad_utf8(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "sjis.json").write_bytes('{"name": "相談"}'.encode("shift_jis"))
    return tmp_path / "sjis.json", ["sjis.json", "not UTF-8 text", "save it as UTF-8"]


@pytest.mark.parametrize(
    "hostile",
    [
        zip_bomb,
        member_over_the_file_limit,
        lying_size_header,
        encrypted_member,
        too_many_members,
        not_a_zip,
        truncated_zip,
        deep_nesting,
        long_number,
        bad_utf8,
    ],
)
@pytest.mark.parametrize("options", [[], ["--lenient"]], ids=["strict", "lenient"])
def test_cli_refuses_a_hostile_file_in_one_line(
    demo: Session,
    backoffice_app: Flask,
    tmp_path: Path,
    hostile: Callable[[Path], tuple[Path, list[str]]],
    options: list[str],
) -> None:
    path, named = hostile(tmp_path)

    assert_refused_by_cli(demo, backoffice_app, path, named, *options)


def test_diff_refuses_a_hostile_file_in_one_line(
    demo: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    path, named = deep_nesting(tmp_path)

    assert_refused_by_cli(demo, backoffice_app, path, named, "--lenient", command="diff")


@pytest.mark.parametrize(
    ("resource_path", "named"),
    [
        ("../outside.csv", ["'../outside.csv' leaves the package"]),
        ("/etc/passwd", ["'/etc/passwd' leaves the package"]),
        ("https://example.com/services.csv", ["is a URL"]),
        ("file:///etc/passwd", ["is a URL"]),
        ("link.csv", ["pkg/link.csv", "a link leading out of the folder"]),
        ("loop.csv", ["pkg/loop.csv", "a link that cannot be followed"]),
    ],
)
def test_cli_refuses_a_resource_outside_the_folder(
    demo: Session, backoffice_app: Flask, tmp_path: Path, resource_path: str, named: list[str]
) -> None:
    folder = package(demo, tmp_path)
    (tmp_path / "outside.csv").write_bytes((folder / "services.csv").read_bytes())
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    (folder / "loop.csv").symlink_to(folder / "loop.csv")
    point_services_at(folder, resource_path)

    assert_refused_by_cli(demo, backoffice_app, folder, named)


def test_a_zip_reads_only_its_own_members(demo: Session, tmp_path: Path) -> None:
    folder = package(demo, tmp_path)
    (tmp_path / "elsewhere.csv").write_bytes((folder / "services.csv").read_bytes())
    point_services_at(folder, "elsewhere.csv")
    members = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "services.csv"}
    make_zip(tmp_path / "pkg.zip", members)
    os.chdir(tmp_path)  # even beside the file on disk, the zip does not hold it

    with pytest.raises(UnreadableFileError, match=r"pkg.zip \(member elsewhere.csv\): no such"):
        files.read_dataset(tmp_path / "pkg.zip")


def test_the_service_refuses_the_same_files(demo: Session, tmp_path: Path) -> None:
    for hostile in (zip_bomb, lying_size_header, deep_nesting, long_number, not_a_zip):
        path, named = hostile(tmp_path)
        with pytest.raises(UnreadableFileError) as refused:
            files.read_dataset(path)
        assert all(part in str(refused.value) for part in named), str(refused.value)
    folder = point_services_at(package(demo, tmp_path), "../outside.csv")
    with pytest.raises(UnreadableFileError, match="leaves the package"):
        files.read_dataset(folder)


def test_a_member_is_read_in_chunks_and_stopped_at_the_cap() -> None:
    class Endless:
        """A stream that never ends, as a member whose header lies might be."""

        def __init__(self) -> None:
            self.given = 0

        def read(self, size: int) -> bytes:
            self.given += size
            return b"0" * size

    stream = Endless()
    with pytest.raises(UnreadableFileError, match="too much"):
        sources.read_capped(stream, 10 * CHUNK_BYTES, "too much")  # type: ignore[arg-type]

    assert stream.given <= 11 * CHUNK_BYTES


def test_members_together_over_the_package_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipped, "MAX_TOTAL_BYTES", 3 * MIB)
    members = {"datapackage.json": MANIFEST, **{f"t{n}.csv": os.urandom(MIB) for n in range(4)}}
    make_zip(tmp_path / "heavy.zip", members)

    with pytest.raises(UnreadableFileError, match=r"heavy.zip: its members are 4 MiB uncompressed"):
        files.read_dataset(tmp_path / "heavy.zip")


def test_a_json_file_over_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1024)
    (tmp_path / "big.json").write_text(json.dumps({"services": ["x" * 2000]}), encoding="utf-8")

    with pytest.raises(UnreadableFileError, match=r"big\.json: larger than 1,024 bytes, the limit"):
        files.read_dataset(tmp_path / "big.json")


def test_a_folder_package_is_held_to_the_file_and_package_limits(
    demo: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = package(demo, tmp_path)  # attributes.csv is 112 KB, the others less
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 100_000)
    with pytest.raises(UnreadableFileError, match=r"pkg/attributes\.csv: larger than 100,000"):
        files.read_dataset(folder)

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 200_000)
    monkeypatch.setattr(sources, "MAX_TOTAL_BYTES", 150_000)
    with pytest.raises(UnreadableFileError, match="pkg: its files together are larger than"):
        files.read_dataset(folder)


def test_a_csv_cell_over_the_limit_is_refused(demo: Session, tmp_path: Path) -> None:
    folder = package(demo, tmp_path)
    services = folder / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines(keepends=True)
    services.write_text(lines[0] + '"' + "x" * 100_000 + '"\r\n', encoding="utf-8")

    with pytest.raises(UnreadableFileError, match=r"pkg/services.csv: near line 2: a cell longer"):
        files.read_dataset(folder)


def test_a_csv_number_of_50000_digits_is_refused(demo: Session, tmp_path: Path) -> None:
    """Past Python's 4,300-digit limit for int(), and within the limit of a cell."""
    folder = package(demo, tmp_path)
    (folder / "locations.csv").write_text("id,latitude\r\nx," + "1" * 50_000 + "\r\n")

    with pytest.raises(UnreadableFileError, match=r"locations.csv: line 2, latitude: a number"):
        files.read_dataset(folder)


def test_rows_of_all_tables_are_counted(
    demo: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "MAX_CSV_ROWS", 100)

    with pytest.raises(UnreadableFileError, match="more than 100 rows in the package"):
        files.read_dataset(package(demo, tmp_path))


def test_a_row_with_more_cells_than_columns_is_refused(demo: Session, tmp_path: Path) -> None:
    folder = package(demo, tmp_path)
    (folder / "phones.csv").write_text("id,number\r\na,1,2,3\r\n", encoding="utf-8")

    with pytest.raises(UnreadableFileError, match=r"phones.csv: line 2: more cells than"):
        files.read_dataset(folder)


def test_text_with_a_byte_order_mark_reads_as_without(demo: Session, tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts files with a BOM: harmless, so it is read, not refused."""
    data = export_dataset(demo)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + files.dumps(data).encode())
    folder = package(demo, tmp_path)
    services = folder / "services.csv"
    services.write_bytes(b"\xef\xbb\xbf" + services.read_bytes())

    assert files.read_dataset(tmp_path / "bom.json") == (data, [])
    assert files.dumps(files.read_dataset(folder)[0]) == files.dumps(data)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"a": "\\u0000"}', "holds \\u0000"),
        ('{"a": "\\ud800"}', "half of a surrogate pair"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": 1e999}', "1e999 is too large"),
    ],
)
def test_json_that_cannot_be_stored_is_refused(tmp_path: Path, text: str, named: str) -> None:
    (tmp_path / "odd.json").write_text(text, encoding="utf-8")

    with pytest.raises(UnreadableFileError, match=r"odd\.json: ") as refused:
        files.read_dataset(tmp_path / "odd.json")

    assert named in str(refused.value)


def test_json_of_too_many_values_is_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / "many.json").write_text("[" + "[]," * 5_000_000 + "[]]", encoding="utf-8")

    with pytest.raises(UnreadableFileError, match=r"many\.json: about [0-9,]+ values; the limit"):
        files.read_dataset(tmp_path / "many.json")


def test_ids_that_are_not_text_are_problems_not_crashes(demo: Session) -> None:
    data = export_dataset(demo)
    data["services"][0]["id"] = ["not", "text"]
    data["organizations"][0]["id"] = {"not": "text"}

    report = import_dataset(demo, data)

    problems = [str(problem) for problem in report.problems]
    assert "service #1: id: ['not', 'text'] is not of type 'string'" in problems
    assert "organization #1: id: {'not': 'text'} is not of type 'string'" in problems


def test_a_huge_value_makes_a_short_problem(demo: Session) -> None:
    data = export_dataset(demo)
    data["services"][0]["name"] = ["x" * 100_000]

    report = import_dataset(demo, data)

    assert report.problems
    assert all(len(problem.message) <= 200 for problem in report.problems)


def test_limits_leave_room_for_a_directory_of_15000_services(demo: Session) -> None:
    data = export_dataset(demo)
    per_service = len(files.dumps(data).encode()) / len(data["services"])

    assert per_service * 15_000 < MAX_FILE_BYTES


def assert_refused_by_cli(
    session: Session,
    app: Flask,
    path: Path,
    named: list[str],
    *options: str,
    command: str = "import",
) -> None:
    before = files.dumps(export_dataset(session))

    result = app.test_cli_runner().invoke(args=["directory", command, *options, str(path)])

    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: nothing imported: ")
    assert all(part in lines[0] for part in named), lines[0]
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    session.expire_all()
    assert files.dumps(export_dataset(session)) == before
