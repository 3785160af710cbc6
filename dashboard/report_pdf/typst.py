"""The report's blocks as Typst markup, compiled to PDF/A-2b with the ``typst`` package.

Every text that comes from data or from the administration's answers is inserted as a Typst
string literal (:func:`string`): Typst shows a string as the characters it holds, so a unit
named ``#sys.exit()`` or ``*bold*`` prints literally and never runs or formats. Only this
module writes markup; it writes no text of its own except layout.

Why Typst and not weasyprint: the ``typst`` wheel bundles the whole compiler (no system
libraries; weasyprint needs Pango, HarfBuzz and fontconfig from the system), it writes PDF/A
itself, it numbers pages, figures and tables and repeats table headers, and a report compiles
in well under a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import typst as typst_compiler
import vl_convert

from dashboard.report_pdf.content import (
    Answer,
    Block,
    Bullets,
    Chart,
    Document,
    Paragraph,
    Section,
    Subheading,
    Table,
)

FONT = "Liberation Sans"  # metric-compatible with Arial (Debian: fonts-liberation); then
# DejaVu Sans, then the serif font the typst wheel bundles, so a machine without either still
# gets a report
_UNBROKEN_ROWS = 15
_TEXT_WIDTH_CM, _MAX_CHART_CM = 16.6, 15.0
_SVG_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class ReportError(Exception):
    """The report could not be made; the message is one sentence for the reader."""


def string(text: str) -> str:
    """A Typst string literal holding exactly ``text``."""
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def _strings(texts: Iterable[str]) -> str:
    return ", ".join(string(x) for x in texts)


# An interval or range of figures ("82,3–85,6 %", "0,61–1,31", "2.1–3.0%"): kept on one line
_RANGE = re.compile(r"\d(?:[\d.,]*\d)?\u00a0?%?–\d(?:[\d.,]*\d)?(?:\u00a0?%)?")


def prose(text: str) -> str:
    """A Typst expression printing ``text`` literally, with every range of figures in an
    unbreakable box: "82,3–" at the end of a line and "85,6 %" on the next read as two
    numbers. (A word joiner would do it too, but pdftotext extracts it into the text.)"""
    parts, start = [], 0
    for match in _RANGE.finditer(text):
        if match.start() > start:
            parts.append(string(text[start : match.start()]))
        parts.append(f"box({string(match.group())})")
        start = match.end()
    if start < len(text) or not parts:
        parts.append(string(text[start:]))
    return " + ".join(parts)


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def markdown_blocks(text: str) -> list[str]:
    """The administration's Markdown answer as Typst calls: paragraphs, headings (``#``) and
    lists (``-``, ``*``, ``1.``). Inline Markdown is kept as the characters written: the text
    is theirs, and it is printed as they wrote it."""
    out = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_LIST_ITEM.match(line) for line in lines):
            items = [_LIST_ITEM.sub("", line) for line in lines]
            out.append(f"#list({_strings(items)})")
        elif len(lines) == 1 and lines[0].lstrip().startswith("#"):
            out.append(f"#block(strong({string(lines[0].lstrip('# ').strip())}))")
        else:
            out.append(f"#par({string(' '.join(line.strip() for line in lines))})")
    return out


def svg(spec: dict[str, object]) -> str:
    """A Vega-Lite specification rendered to SVG, in the report's font."""
    config = dict(spec.get("config") or {})  # type: ignore[call-overload]
    config["font"] = FONT
    return vl_convert.vegalite_to_svg({**spec, "config": config})


# Widths in em of the table's font, estimated from the characters (Liberation Sans: digits
# 0.556 em; bold header letters about 0.6 em). Typst has no "as wide as the unbroken content,
# the rest to the text" column, so the figures' columns get a fixed width from their longest
# cell and the text columns share what is left.
_FIGURE_EM, _HEADER_EM = 0.58, 0.62
_HEADER_WORDS = (14, 12, 10, 8, 7, 6, 5)  # header letters kept on one line, most first
_CELL_INSET_PT = 4  # table inset on each side
# a text column keeps room for this many letters of about 0.5 em before the figures widen
_TEXT_LETTERS, _TEXT_EM = 14, 0.5


def _columns(block: Table, numeric: tuple[bool, ...], size_pt: float) -> list[str]:
    """Typst column widths: a figure's column exactly as wide as its widest figure (which
    never wraps: "3,2–10,3 %" on two lines would read as two numbers) or as its header's
    longest word, up to as many letters as there is room for (longer header words
    hyphenate); text columns share the rest by their longest cell, capped, as they wrap."""
    inset = 2 * _CELL_INSET_PT / size_pt
    room = _TEXT_WIDTH_CM / 2.54 * 72 / size_pt  # the text width in em
    longest = [max((len(row[i]) for row in block.rows), default=0) for i in range(len(numeric))]
    words = [max((len(w) for w in h.split()), default=0) for h in block.headers]
    weights = [
        min(max(n, w, 8), 26) for n, w, x in zip(longest, words, numeric, strict=True) if not x
    ]
    for letters in _HEADER_WORDS:
        figures = [
            max(n * _FIGURE_EM, min(w, letters) * _HEADER_EM, 2.0) + inset
            for n, w, x in zip(longest, words, numeric, strict=True)
            if x
        ]
        text_room = sum(min(w, _TEXT_LETTERS) * _TEXT_EM + inset for w in weights)
        if weights and sum(figures) + text_room <= room:
            f, t = iter(figures), iter(weights)
            return [f"{next(f):.2f}em" if x else f"{next(t)}fr" for x in numeric]
    # Too many figures for their natural widths (or no text column): every column by its
    # share of the estimated widths, so nothing overflows; a figure may then wrap.
    f, t = iter(figures), iter(weights)
    return [f"{round(10 * next(f))}fr" if x else f"{round(5 * next(t))}fr" for x in numeric]


def _table(block: Table) -> str:
    """A numbered table whose header repeats on every page and whose rows never split;
    figures never wrap (:func:`_columns`); headers and text cells hyphenate."""
    n = len(block.headers)
    numeric = block.numeric or (False,) * n
    size = 7.5 if n > 5 else 9.0
    widths = _columns(block, numeric, size)
    fixed = not all(w.endswith("fr") for w in widths)
    columns = "(" + ", ".join(widths) + ",)"
    align = "(" + ", ".join("right" if x else "left" for x in numeric) + ",)"
    header = ", ".join(f"strong({string(h)})" for h in block.headers)
    cells = ",\n    ".join(
        ", ".join(
            f"box({string(cell)})" if is_number and fixed else string(cell)
            for cell, is_number in zip(row, numeric, strict=True)
        )
        for row in block.rows
    )
    body = (
        f"table(\n    columns: {columns},\n    align: {align},\n"
        f"    table.header(repeat: true, {header}),\n    {cells}\n  )"
    )
    note = f'\n#text(size: 8pt, style: "italic", {string(block.note)})' if block.note else ""
    figure = (
        f"figure(kind: table, caption: {string(block.caption)}, {{\n"
        f"  set text(size: {size}pt, hyphenate: true)\n  {body}\n}})"
    )
    # A short table moves to the next page whole, so its caption never stays behind alone;
    # a long one breaks between rows, its header repeated.
    breakable = "true" if len(block.rows) > _UNBROKEN_ROWS else "false"
    return f"#block(breakable: {breakable}, width: 100%, {figure}){note}"


def _chart(block: Chart) -> str:
    """A numbered figure as wide as the text, or less when it would be taller than 15 cm."""
    drawing = svg(dict(block.spec))
    size = _SVG_SIZE.search(drawing[:2000])
    width = "100%"
    if size:
        tall = float(size.group(2)) / float(size.group(1)) * _TEXT_WIDTH_CM
        if tall > _MAX_CHART_CM:
            width = f"{_TEXT_WIDTH_CM * _MAX_CHART_CM / tall:.1f}cm"
    image = f'image(bytes({string(drawing)}), format: "svg", width: {width})'
    return f"#block(breakable: false, figure({image}, caption: {string(block.caption)}))"


def _block(block: Block, numbering: str = "") -> str:
    if isinstance(block, Paragraph):
        return f"#par({prose(block.text)})"
    if isinstance(block, Subheading):
        return f"#heading(level: 2{numbering}, {string(block.text)})"
    if isinstance(block, Bullets):
        return f"#list({', '.join(prose(item) for item in block.items)})"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return _chart(block)
    if isinstance(block, Answer):
        heading = f"#heading(level: 2, {string(block.heading)})"
        if block.text is None:
            box = f"#block(fill: luma(235), inset: 8pt, radius: 2pt, width: 100%, emph({string(block.missing)}))"
            return f"{heading}\n{box}"
        body = "\n".join(markdown_blocks(block.text))
        return f"{heading}\n#block(stroke: (left: 1.5pt + luma(160)), inset: (left: 8pt, y: 2pt))[\n{body}\n]"
    raise TypeError(f"unknown block {type(block).__name__}")


def _section(section: Section, *, numbered: bool = True) -> str:
    numbering = "" if numbered else ", numbering: none"
    lines = [f"#heading(level: 1{numbering}, {string(section.title)})"]
    lines += [_block(b, numbering) for b in section.blocks]
    return "\n\n".join(lines)


def markup(doc: Document) -> str:
    """The whole report as Typst source."""
    cover_rows = ",\n  ".join(f"strong({string(k)}), {string(v)}" for k, v in doc.cover)
    notice = (
        f'#block(fill: rgb("#fff3cd"), inset: 8pt, width: 100%, {string(doc.notice)})\n'
        if doc.notice
        else ""
    )
    head = f"""#set document(title: {string(doc.title + " – " + doc.subtitle)})
#set page(paper: "a4", margin: (x: 2.2cm, top: 2.2cm, bottom: 2.4cm), numbering: "1 / 1", number-align: right)
#set text(font: ("{FONT}", "DejaVu Sans", "Libertinus Serif"), size: 10pt, lang: "{doc.lang}")
#set par(leading: 0.62em, spacing: 0.9em)
#set heading(numbering: "1.1")
#show heading.where(level: 1): it => {{ pagebreak(weak: true); block(below: 1em, text(size: 15pt, it)) }}
#show heading.where(level: 2): it => block(above: 1.3em, below: 0.7em, text(size: 11.5pt, it))
#show figure.where(kind: table): set block(breakable: true)
#show figure.where(kind: table): it => {{ block(sticky: true, below: 0.5em, it.caption); it.body }}
#show figure.caption: set text(size: 9pt)
#set table.cell(breakable: false)
#set table(inset: (x: 4pt, y: 3pt), stroke: (x, y) => if y == 0 {{ (bottom: 0.8pt) }} else {{ (bottom: 0.3pt + luma(200)) }})

#v(4cm)
#text(size: 26pt, weight: "bold", {string(doc.title)})
#v(0.3cm)
#text(size: 15pt, {string(doc.subtitle)})
#v(0.2cm)
#text(size: 12pt, {string(doc.addressee)})
#v(1.2cm)
#grid(columns: (4.2cm, 1fr), row-gutter: 0.8em, column-gutter: 1em,
  {cover_rows}
)
#v(1cm)
{notice}
#pagebreak()
#outline(title: {string(doc.texts.get("contents", ""))}, depth: 1)
"""
    body = "\n\n".join(_section(s) for s in doc.sections)
    return f"{head}\n{body}\n\n{_section(doc.appendix, numbered=False)}\n"


def compile_pdf(doc: Document, *, generated: datetime) -> bytes:
    """The report as PDF/A-2b bytes."""
    source = markup(doc)
    try:
        result = typst_compiler.compile(
            source.encode("utf-8"),
            format="pdf",
            pdf_standards="a-2b",
            timestamp=generated if generated.tzinfo else generated.astimezone(),
        )
    except typst_compiler.TypstError as error:  # a bug in the markup, never the reader's data
        raise ReportError(
            "The report could not be laid out; nothing was written (please report this)."
        ) from error
    assert isinstance(result, bytes)
    return result
