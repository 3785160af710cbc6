"""Exceptions raised at the import boundary.

Each carries one plain sentence for a person (``str(error)``) that names the file and, where
it applies, the sheet, row and column, and what to do. Anything else that goes wrong during
an import is a bug and propagates.
"""

from __future__ import annotations


class ImportFileError(Exception):
    """A file that imports nothing: unreadable, hostile, empty or missing a required column."""

    def __init__(self, sentence: str, *, file: str, sheet: str | None = None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.file = file
        self.sheet = sheet


class NotAWorkbookError(ImportFileError):
    """The file is not an .xlsx workbook, or it is damaged or truncated."""


class UnsafeWorkbookError(ImportFileError):
    """The workbook is refused before or while parsing: too large, too slow or a known reader killer."""


class NoDataSheetError(ImportFileError):
    """No visible sheet has a header row that matches the contract."""


class MissingColumnError(ImportFileError):
    """The best sheet lacks one or more required columns."""


class UnknownKindError(ImportFileError):
    """The headers do not tell incidents from inquiries and no --kind was given."""
