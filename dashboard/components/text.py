"""Text from data or a link, made safe for the elements that interpret Markdown.

Most Streamlit elements render their body or label as Markdown: a unit called
``![](http://x/p.png) [Se detaljer](https://x)`` would become an auto-loaded image and a
live link for every viewer, ``:material/icon:`` an icon, ``$x$`` a formula. Every text that
comes from the store, an upload or the URL passes through :func:`literal` before it reaches
such an element (widget options, tables and charts do not interpret Markdown and get the
text as it is).

CommonMark lets any ASCII punctuation be escaped with a backslash and then shows it as the
character itself, so escaping *every* punctuation character turns off links, images, HTML,
emphasis, code, GFM autolinks (``https\\:\\/\\/`` and ``www\\.`` no longer match), Streamlit's
``:material/...:`` icons, ``:color[...]`` directives and emoji shortcodes (its regexes need
the bare colons) and ``$`` maths (its detector skips escaped dollars). Line breaks become
spaces, so a name cannot start a heading, a list or a code block on a line of its own.
No library is used: Streamlit has no public escape function, and the rule is this one line.
"""

from __future__ import annotations

import re
import string

from dashboard.i18n import Lang, t

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\u2028\u2029]+\s*")


def literal(text: object) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it character for character."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))


def literal_t(key: str, lang: Lang, **values: str) -> str:
    """The catalogue text ``key`` with every value (text from data or a link) escaped.

    The catalogue texts themselves hold no Markdown, so escaping the whole sentence would
    do the same; escaping only the values keeps the sentence readable in the page source.
    """
    return t(key, lang, **{name: literal(value) for name, value in values.items()})
