"""Validation block by block: a sheet read in parts gives exactly what it gives read whole.

The parts are made here from a sheet read whole (cut at chosen rows, trailing blank rows of
a part dropped as the reader drops them), so these tests check the pipeline's side of the
contract of ``Sheet.blocks`` independently of the reader child that cuts large sheets.
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.importer.headers import HeaderMatch
from dashboard.importer.pipeline import PreparedImport, locate, prepare, validate
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.importer.workbook import (
    ReadLimits,
    Sheet,
    SheetPart,
    SheetParts,
    Workbook,
    read_workbook,
)
from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx
from tests.samples import sample

KEY = b"test-key-0123456789abcdef"

ROWS = [
    ["Hændelser 2024"],  # a title above the header
    [],
    INCIDENT_HEADER,
    incident_row(1),
    incident_row(2, Alvorlighed="Høj"),
    [],  # blank rows inside the data
    [],
    incident_row(1),  # exact duplicate of row 4, further down
    incident_row(3, Hændelsesdato="31-02-2024", Fraværsdage="mange"),  # two reasons
    incident_row(2),  # same id as row 5, other content: both rejected
    incident_row(4, Bemærkninger="ring 010190-1234"),  # a CPR number in a note
    INCIDENT_HEADER,  # the header repeated
    incident_row(5),
    incident_row(2, Alvorlighed="Høj"),  # row 5 again: a third row with that id
    [],
    ["I alt", None, None, None, None, None, None, None, None, "7"],
]


def _in_parts(sheet: Sheet, cuts: list[int], directory: Path) -> Sheet:
    """``sheet`` as if read in parts that start at the given row indexes of ``sheet.rows``."""
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < sheet.rows.height)), sheet.rows.height]
    parts: list[SheetPart] = []
    for j, (lo, hi) in enumerate(itertools.pairwise(bounds[1:])):
        rows = sheet.rows.slice(lo, hi - lo)
        used = rows.select(pl.any_horizontal(pl.all().is_not_null())).to_series().arg_true()
        kept = rows.head(int(used[-1]) + 1 if used.len() else 0)  # the reader drops trailing blanks
        file = directory / f"part{j}.arrow"
        kept.write_ipc(file)
        last = hi == sheet.rows.height
        parts.append(
            SheetPart(
                file=file,
                columns=list(range(kept.width)),
                height=kept.height,
                first_row=sheet.first_row + lo,
                next_row=None if last else sheet.first_row + hi,
            )
        )
    holder = tempfile.TemporaryDirectory()  # the real reader's parts own one; unused here
    rest = SheetParts(holder, parts, width=sheet.rows.width, shift_days=0) if parts else None
    return dataclasses.replace(sheet, rows=sheet.rows.head(bounds[1]), rest=rest)


@dataclasses.dataclass(frozen=True)
class _Read:
    path: Path
    workbook: Workbook
    match: HeaderMatch


def _prepared(read: _Read, cuts: list[int] | None, directory: Path) -> PreparedImport:
    match = read.match
    if cuts is not None:
        match = dataclasses.replace(match, sheet=_in_parts(match.sheet, cuts, directory))
    return validate(read.workbook, match, pseudonymiser=Pseudonymiser(KEY))


def _assert_same(got: PreparedImport, want: PreparedImport) -> None:
    assert got.records.equals(want.records)
    assert got.rejected.equals(want.rejected)
    assert (got.rows_read, got.exact_duplicates, got.blank_rows, got.total_rows) == (
        want.rows_read,
        want.exact_duplicates,
        want.blank_rows,
        want.total_rows,
    )


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> _Read:
    path = make_xlsx(tmp_path_factory.mktemp("blocks") / "parts.xlsx", {"Ark1": ROWS})
    workbook = read_workbook(path)
    return _Read(path, workbook, locate(workbook))


@pytest.fixture(scope="module")
def whole(read: _Read, tmp_path_factory: pytest.TempPathFactory) -> PreparedImport:
    return _prepared(read, None, tmp_path_factory.mktemp("whole"))


def test_the_fixture_has_what_the_blocks_must_agree_on(whole: PreparedImport) -> None:
    assert whole.rows_read == 8 and whole.exact_duplicates == 1 and whole.total_rows == 1
    assert whole.blank_rows == 3
    assert [r.row for r in whole.rejections()] == [5, 9, 10, 14]
    assert whole.records["incident_id"].to_list() == ["H-1", "H-4", "H-5"]


def test_one_part_per_row(read: _Read, whole: PreparedImport, tmp_path) -> None:
    _assert_same(_prepared(read, list(range(1, 40)), tmp_path), whole)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(ROWS)), max_size=6))
def test_any_cut_gives_the_whole_result(
    read: _Read, whole: PreparedImport, tmp_path, cuts: list[int]
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as directory:
        _assert_same(_prepared(read, cuts, Path(directory)), whole)


def test_conflict_across_parts_names_every_row(read: _Read, tmp_path) -> None:
    # H-2 is in rows 5, 10 and 14: put each in its own part.
    parted = _prepared(read, [3, 7, 11], tmp_path)
    reasons = {r.row: r.reasons for r in parted.rejections()}
    assert reasons[14] == ['Hændelses-ID "H-2" appears in rows 5, 10, 14 with different content']
    raw = parted.rejected.filter(pl.col("row_number") == 14)["raw"].item()
    assert '"Alvorlighed":"Høj"' in raw


# ----------------------------------------------- with the reader child cutting the sheets

TINY_PARTS = ReadLimits(parts_above_bytes=1, part_bytes=2_000)
SMALL_PARTS = ReadLimits(parts_above_bytes=1, part_bytes=60_000)  # a few parts per sample


def _prepare(path: Path, limits: ReadLimits | None = None) -> PreparedImport:
    return prepare(path, pseudonymiser=Pseudonymiser(KEY), limits=limits)


def test_the_fixture_read_in_parts_by_the_reader(read: _Read, whole: PreparedImport) -> None:
    parted = read_workbook(read.path, limits=TINY_PARTS)
    assert parted.sheets[0].rest is not None and len(parted.sheets[0].rest.parts) >= 2
    _assert_same(_prepare(read.path, TINY_PARTS), whole)


@pytest.mark.parametrize(
    "name", ["haendelser_2023-2024.xlsx", "henvendelser_2023-2024.xlsx", "incidents_en_sample.xlsx"]
)
def test_samples_read_in_parts_import_the_same(name: str) -> None:
    path = sample(name)
    parted = _prepare(path, SMALL_PARTS)
    assert parted.match.sheet.rest is not None and len(parted.match.sheet.rest.parts) >= 2
    _assert_same(parted, _prepare(path))


@pytest.mark.parametrize("block_rows", [1, 2, 5])
def test_blocks_of_a_few_rows_give_the_whole_result(
    read: _Read, whole: PreparedImport, tmp_path, monkeypatch, block_rows: int
) -> None:
    import dashboard.importer.pipeline as pipeline

    monkeypatch.setattr(pipeline, "BLOCK_ROWS", block_rows)
    _assert_same(_prepared(read, None, tmp_path), whole)
    _assert_same(_prepared(read, [4, 9], tmp_path), whole)


@pytest.mark.parametrize("block_rows", [1, 2])
def test_the_x_rule_is_decided_for_the_whole_column_not_per_block(
    tmp_path, monkeypatch, block_rows: int
) -> None:
    import dashboard.importer.pipeline as pipeline

    monkeypatch.setattr(pipeline, "BLOCK_ROWS", block_rows)
    x_only = [incident_row(1, Politianmeldt="X"), incident_row(2, Politianmeldt=None)]
    x_only += [incident_row(3, Politianmeldt=None)]
    mixed = [incident_row(1, Politianmeldt="X"), incident_row(2, Politianmeldt=None)]
    mixed += [incident_row(3, Politianmeldt="Nej"), incident_row(4, Politianmeldt=None)]
    got = {}
    for name, rows in (("x_only", x_only), ("mixed", mixed)):
        path = make_xlsx(tmp_path / f"{name}.xlsx", {"Ark1": [INCIDENT_HEADER, *rows]})
        got[name] = _prepare(path).records["police_reported"].to_list()
    # Only X and empties: an empty cell is no. Anything else in the column: empty is unknown.
    assert got == {"x_only": [True, False, False], "mixed": [True, None, False, None]}
