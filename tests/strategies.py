"""Hypothesis strategies for text a workbook cell can hold.

An xlsx cell is XML 1.0 text: no lone surrogates (``'\\ud800'``, which Polars cannot encode
either) and none of the control characters XML forbids (everything below U+0020 but tab,
line feed and carriage return, and U+FFFE, U+FFFF).
"""

from __future__ import annotations

from hypothesis import strategies as st

XML_FORBIDDEN = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"


def cell_characters(exclude: str = "") -> st.SearchStrategy[str]:
    """One character a workbook cell can hold, none of ``exclude``."""
    return st.characters(codec="utf-8", exclude_characters=XML_FORBIDDEN + exclude)


def cell_text(exclude: str = "", **kwargs: int) -> st.SearchStrategy[str]:
    """Text a workbook cell can hold (``min_size``/``max_size`` as for ``st.text``)."""
    return st.text(cell_characters(exclude), **kwargs)
