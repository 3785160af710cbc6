"""The one root of every error a person is meant to read: :class:`DashboardError`.

A ``DashboardError`` carries a :class:`~dashboard.importer.messages.Message` (a catalogue
key and its values), not a sentence, so it is rendered in the reader's language where it is
shown: ``sentence_in(lang)`` on a page, ``sentence`` (English, also ``str(error)``) on the
command line and in logs. Under it sit the families the program raises at its boundaries:

* :class:`~dashboard.importer.errors.ImportFileError` (and its subclasses): a file that
  imports nothing; its texts are the ``import_errors`` section of the catalogues;
* :class:`~dashboard.config.ConfigError`: a setting or the key file cannot be used;
* :class:`~dashboard.store.StoreBusyError` / :class:`~dashboard.store.StoreUnusableError`:
  the store is held by another process, or the path cannot hold a store;
* :class:`QueryError`: the store could not answer a query (a damaged store, no memory left);
* :class:`~dashboard.store.records.StoreWriteError`: no room to write an import or undo;
* :class:`~dashboard.store.records.ImportNotFoundError`: undo of an unknown import;
* :class:`~dashboard.server.AddressUnusableError`: the server cannot listen where asked.

The command line (``dashboard.cli.main``) and the app (``app.py``, around every page) catch
this one class and show its sentence; anything else that reaches them is a bug. The texts of
every family but the import's are the ``errors`` section of ``dashboard/i18n/*.toml``.
"""

from __future__ import annotations

from dashboard.i18n import Lang
from dashboard.importer.messages import Message, Value

SECTION = "errors"


def error_message(key: str, **values: Value) -> Message:
    """A sentence of the ``errors`` section of the catalogues."""
    return Message(key, values, section=SECTION)


class DashboardError(Exception):
    """Something a person must be told in one plain sentence, in their language."""

    def __init__(self, message: Message) -> None:
        if not isinstance(message, Message):
            # A sentence written out would reach a Danish page in English.
            raise TypeError(f"{type(self).__name__} takes a Message (a catalogue key), not text")
        self.message = message
        self.sentence = message.render("en")
        super().__init__(self.sentence)

    def sentence_in(self, lang: Lang) -> str:
        """The sentence in the reader's language."""
        return self.message.render(lang)


class QueryError(DashboardError):
    """The store could not answer a query; the cause is logged and chained."""
