"""Text from data is printed literally: Typst never runs or formats it."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from dashboard.report_pdf.content import (
    Answer,
    Bullets,
    Document,
    Paragraph,
    Section,
    Subheading,
    Table,
)
from dashboard.report_pdf.typst import compile_pdf, markdown_blocks, string
from tests.report_pdf.conftest import flat, pdf_text

HOSTILE = [
    "#sys.exit()",
    "*bold*",
    "_emph_",
    '"quoted" \\ back\\slash',
    "$x^2$",
    ']) #panic("x") [',
    "<label> @ref // not a comment",
    "= not a heading",
    "- not a list",
    '#import "/etc/passwd"',
    "`raw`",
]


def test_string_literal_escapes_what_typst_would_read() -> None:
    assert string('a"b\\c\nd\te') == '"a\\"b\\\\c\\nd\\te"'
    assert string("#sys.exit()") == '"#sys.exit()"'


def _document(texts: list[str]) -> Document:
    table = Table(
        "Tabel " + texts[0],
        ("Enhed", "Antal"),
        tuple((text, "1") for text in texts),
        (False, True),
        note=texts[1],
    )
    section = Section(
        texts[2],
        (
            Paragraph(" ".join(texts)),
            Subheading(texts[3]),
            Bullets(tuple(texts)),
            table,
            Answer(texts[4], "\n\n".join(texts), "missing"),
            Answer("Intet svar", None, texts[5]),
        ),
    )
    return Document(
        lang="da",
        title=texts[0],
        subtitle=texts[1],
        addressee=texts[6],
        cover=tuple((text, text) for text in texts),
        notice=texts[7],
        sections=(section,),
        appendix=Section("Bilag", (Paragraph(texts[8]),)),
        texts={"contents": "Indhold"},
    )


def test_hostile_unit_names_and_answers_print_literally(tmp_path: Path) -> None:
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(compile_pdf(_document(HOSTILE), generated=datetime(2026, 1, 2).astimezone()))
    text = flat(pdf_text(pdf))
    for hostile in HOSTILE:
        # pdftotext renders the straight quote and the backslash as they are
        assert text.count(hostile) >= 3, hostile
    assert "bold" in text and "*bold*" in text  # the asterisks are not eaten as emphasis


def test_markdown_answers_keep_paragraphs_lists_and_headings() -> None:
    blocks = markdown_blocks("# Overskrift\n\nEt afsnit\nover to linjer.\n\n- a\n- *b*\n\n1. én")
    assert blocks == [
        '#block(strong("Overskrift"))',
        '#par("Et afsnit over to linjer.")',
        '#list("a", "*b*")',
        '#list("én")',
    ]


def test_a_range_of_figures_is_never_split_over_two_lines(tmp_path: Path) -> None:
    """In a narrow column of prose every "82,3–85,6 %" stays on one line (boxed), and the
    text reads exactly as written."""
    sentence = "Andelen er 84,0 % (95 %-interval 82,3–85,6 %), O/E 0,61–1,31 og 1.874 besvaret."
    pdf = tmp_path / "ranges.pdf"
    doc = _document(HOSTILE)
    narrow = Section("Smal", tuple(Paragraph(" ".join(["x"] * k + [sentence])) for k in range(50)))
    doc = Document(**{**doc.__dict__, "sections": (narrow,)})
    pdf.write_bytes(compile_pdf(doc, generated=datetime(2026, 1, 2).astimezone()))
    text = pdf_text(pdf).replace("\xa0", " ")
    # fifty offsets of the same sentence: wherever a line ends, never inside a range
    assert not any(line.rstrip().endswith("–") for line in text.splitlines())
    page_number = re.compile(r"^\s*\d+\s?/\s?\d+\s*$")
    lines = [ln for ln in text.replace("\f", "\n").splitlines() if not page_number.match(ln)]
    joined = flat(" ".join(lines))  # page numbers ("3 / 5") left out
    assert joined.count("82,3–85,6 %") == joined.count("0,61–1,31") == 50
