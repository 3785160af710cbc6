"""Session-wide fixtures: hostile workbooks are generated once, into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importer import hostile


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="session")
def dimension_bomb_xlsx(hostile_dir: Path) -> Path:
    return hostile.dimension_bomb(hostile_dir / "dimension_bomb.xlsx")


@pytest.fixture(scope="session")
def huge_shared_string_xlsx(hostile_dir: Path) -> Path:
    """400 MiB in one shared string, declared honestly; the file is about 400 KB."""
    return hostile.huge_shared_string(hostile_dir / "huge_shared_string.xlsx")


@pytest.fixture(scope="session")
def lying_shared_string_xlsx(hostile_dir: Path) -> Path:
    """The same string, but the zip headers say sharedStrings.xml is 1 KB."""
    return hostile.huge_shared_string(hostile_dir / "lying_shared_string.xlsx", declared_size=1024)


@pytest.fixture(scope="session")
def whitespace_xlsx(hostile_dir: Path) -> Path:
    """1.1 GB of whitespace in the sheet XML, declared honestly; the file is about 1 MB."""
    return hostile.whitespace_sheet(hostile_dir / "whitespace.xlsx")


@pytest.fixture(scope="session")
def lying_size_xlsx(hostile_dir: Path) -> Path:
    """The 1.1 GB sheet again, with headers that say it is 4 KB."""
    return hostile.lying_size(hostile_dir / "lying_size.xlsx")


@pytest.fixture(scope="session")
def dense_100k_xlsx(hostile_dir: Path) -> Path:
    """A plausible 100,000-row by 22-column export (about 10 MB, 76 MB of sheet XML)."""
    return hostile.dense_workbook(hostile_dir / "dense_100k.xlsx", 100_000, 22)
