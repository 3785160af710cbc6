"""One root exception: every family under DashboardError, each sentence in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.config import ConfigError, load_settings
from dashboard.errors import DashboardError, QueryError, error_message
from dashboard.importer import errors as import_errors
from dashboard.importer.messages import message
from dashboard.server import AddressUnusableError
from dashboard.store import StoreBusyError, StoreUnusableError, open_for_writing
from dashboard.store.records import ImportNotFoundError, StoreWriteError

PACKAGE = Path(__file__).resolve().parents[1] / "dashboard"


@pytest.mark.parametrize(
    ("family", "also"),
    [
        (import_errors.ImportFileError, Exception),
        (import_errors.NotAWorkbookError, import_errors.ImportFileError),
        (ConfigError, ValueError),  # older code catches ValueError
        (StoreBusyError, Exception),
        (StoreUnusableError, Exception),
        (QueryError, Exception),
        (ImportNotFoundError, LookupError),  # older code catches LookupError
        (StoreWriteError, Exception),
        (AddressUnusableError, Exception),
    ],
)
def test_every_family_is_a_dashboard_error(family: type, also: type) -> None:
    assert issubclass(family, DashboardError) and issubclass(family, also)


def test_a_written_out_sentence_is_refused() -> None:
    """Text instead of a catalogue key would reach a Danish page in English."""
    with pytest.raises(TypeError):
        ConfigError("DASHBOARD_DB is wrong.")  # type: ignore[arg-type]


def test_the_sentence_is_rendered_in_the_readers_language() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"DASHBOARD_SUPPRESS_BELOW": "fem"})
    error = caught.value
    assert error.sentence_in("da") == (
        "DASHBOARD_SUPPRESS_BELOW skal være et helt tal på mindst 1, ikke »fem«."
    )
    assert error.sentence_in("en") == (
        "DASHBOARD_SUPPRESS_BELOW must be a whole number of at least 1, not 'fem'."
    )
    assert str(error) == error.sentence == error.sentence_in("en")


def test_numbers_in_a_sentence_follow_the_language() -> None:
    error = ConfigError(error_message("key_file_too_short", file="k", n=1234, min=16))
    assert "1.234 byte" in error.sentence_in("da") and "1,234 bytes" in error.sentence


def test_an_import_error_keeps_its_file_and_sheet() -> None:
    error = import_errors.NoDataSheetError(
        message("no_data_sheet", file="a.xlsx", sheets="Ark1"), file="a.xlsx", sheet="Ark1"
    )
    assert (error.file, error.sheet) == ("a.xlsx", "Ark1")
    assert error.sentence_in("da") != error.sentence_in("en")


def test_a_folder_as_store_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnusableError) as caught:
        open_for_writing(tmp_path, in_app=True)
    assert str(tmp_path) in caught.value.sentence_in("da")
    assert "DASHBOARD_DB" in caught.value.sentence_in("da")


def test_every_error_key_in_the_code_has_both_texts() -> None:
    """Each error_message("key", ...) written in the package names a text of the errors
    section in both catalogues, with exactly the placeholders the call gives."""
    calls = re.compile(r'error_message\(\s*f?"([a-z_{}]+)"((?:[^()]|\([^()]*\))*)\)')
    found = 0
    for path in PACKAGE.rglob("*.py"):
        for key, args in calls.findall(path.read_text(encoding="utf-8")):
            names = set(re.findall(r"(\w+)=", args))
            variants = (
                [key.replace("{where}", w) for w in ("app", "cli")] if "{where}" in key else [key]
            )
            for variant in variants:
                found += 1
                for lang in i18n.LANGS:
                    assert i18n.placeholders(f"errors.{variant}", lang) == names, (path, variant)
    assert found >= 10
