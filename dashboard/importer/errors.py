"""Exceptions raised at the import boundary, under :class:`~dashboard.errors.DashboardError`.

Each carries one plain sentence for a person that names the file and, where it applies, the
sheet, row and column, and what to do: in English as ``sentence`` (and ``str(error)``), for
the command line, and in Danish or English with ``sentence_in(lang)``, for the Import page
(the texts are in the ``import_errors`` section of the catalogues, see ``messages.py``).
Anything else that goes wrong during an import is a bug and propagates.
"""

from __future__ import annotations

from dashboard.errors import DashboardError
from dashboard.importer.messages import Message


class ImportFileError(DashboardError):
    """A file that imports nothing: unreadable, hostile, empty or missing a required column."""

    def __init__(self, message: Message, *, file: str, sheet: str | None = None) -> None:
        super().__init__(message)
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
