"""literal(): text from data or a link is shown character for character by Markdown."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from dashboard.components.text import literal, literal_t
from dashboard.i18n import t


def test_every_punctuation_character_is_escaped() -> None:
    assert literal("![](http://x/p.png)") == r"\!\[\]\(http\:\/\/x\/p\.png\)"
    assert literal("<img src=x>") == r"\<img src\=x\>"
    assert literal(":material/home: $x$") == r"\:material\/home\: \$x\$"


def test_line_breaks_cannot_start_a_block() -> None:
    assert literal("Enhed\n# Overskrift\r\n\n    kode") == r"Enhed \# Overskrift kode"


def test_values_are_escaped_and_the_catalogue_text_is_not() -> None:
    text = literal_t("incidents.not_found", "da", id="[x](https://x)")
    assert text == t("incidents.not_found", "da", id=r"\[x\]\(https\:\/\/x\)")


def _unescape(escaped: str) -> str:
    """Read ``escaped`` as CommonMark reads plain text; fail on bare punctuation."""
    out, i = [], 0
    while i < len(escaped):
        c = escaped[i]
        if c == "\\":
            assert escaped[i + 1] in string.punctuation, escaped
            out.append(escaped[i + 1])
            i += 2
        else:
            assert c not in string.punctuation, (c, escaped)
            out.append(c)
            i += 1
    return "".join(out)


# Text a workbook cell or a URL can hold (no lone surrogates), with Markdown's characters.
TEXTS = st.text(
    alphabet=st.one_of(
        st.sampled_from("![]()<>:$*_`#-+.|\\&~=/\n "),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    )
)


@given(TEXTS)
def test_no_punctuation_is_left_bare(text: str) -> None:
    escaped = literal(text)
    assert "\n" not in escaped
    assert _unescape(escaped).split() == text.split()
