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


def _column_weights(block: Table, numeric: tuple[bool, ...]) -> list[int]:
    """Relative column widths from the longest cell: a figure's column is wide enough for
    its widest figure ("3,2–10,3 %" on two lines would read as two numbers); text columns
    wrap, so their share is capped."""
    weights = []
    for i, (header, is_number) in enumerate(zip(block.headers, numeric, strict=True)):
        longest = max((len(row[i]) for row in block.rows), default=0)
        word = max((len(w) for w in header.split()), default=0)
        if is_number:
            weights.append(max(longest + 1, min(word, 9), 4))
        else:
            weights.append(min(max(longest, word, 8), 26))
    return weights


def _table(block: Table) -> str:
    """A numbered table whose header repeats on every page and whose rows never split;
    columns are as wide as their content needs (:func:`_column_weights`); headers hyphenate."""
    n = len(block.headers)
    numeric = block.numeric or (False,) * n
    columns = "(" + " ".join(f"{w}fr," for w in _column_weights(block, numeric)) + ")"
    align = "(" + ", ".join("right" if x else "left" for x in numeric) + ",)"
    size = "7.5pt" if n > 5 else "9pt"
    header = ", ".join(f"strong({string(h)})" for h in block.headers)
    cells = ",\n    ".join(_strings(row) for row in block.rows)
    body = (
        f"table(\n    columns: {columns},\n    align: {align},\n"
        f"    table.header(repeat: true, {header}),\n    {cells}\n  )"
    )
    note = f'\n#text(size: 8pt, style: "italic", {string(block.note)})' if block.note else ""
    figure = (
        f"figure(kind: table, caption: {string(block.caption)}, {{\n"
        f"  set text(size: {size}, hyphenate: true)\n  {body}\n}})"
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


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"#par({string(block.text)})"
    if isinstance(block, Subheading):
        return f"#heading(level: 2, {string(block.text)})"
    if isinstance(block, Bullets):
        return f"#list({_strings(block.items)})"
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
    lines += [_block(b) for b in section.blocks]
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
