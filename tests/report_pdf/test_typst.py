"""Text from data is printed literally: Typst never runs or formats it."""

from __future__ import annotations

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
