"""The report buttons on the Export page and the Overview under AppTest: the PDF they hand
the browser is the report of the page's view (its department filter, the answers typed on
the page, its language), and it is the same report the command line writes for that view.

AppTest runs without Streamlit's runtime, where a download button's deferred data (the
callable that makes the PDF when clicked) is dropped, so the test keeps the callable that
the page passes to ``st.download_button`` and calls it as the click would."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from pypdf import PdfReader

from dashboard.cli import main
from dashboard.i18n import Lang, t
from tests.report_pdf.conftest import flat, pdf_text, save_pages

DEPARTMENT = "Socialforvaltningen"
ANSWER = "Vi følger personalepolitikken fra 2023 og drøfter hver sag med HR."


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The data of every download button the page drew, by label (the last run's)."""
    seen: dict[str, Any] = {}
    original = st.download_button

    def recording(label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        seen[label] = data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return seen


def _report_from(downloads: dict[str, Any], lang: Lang, path: Path) -> str:
    make: Callable[[], bytes] = downloads[t("report.download", lang)]
    assert callable(make)  # made when clicked, not on every rerun
    path.write_bytes(make())
    assert path.read_bytes().startswith(b"%PDF")
    assert len(PdfReader(path).pages) > 5
    return flat(pdf_text(path).replace("\xa0", " "))


def _iso(day: str) -> str:
    """A date as the cover writes it (DD-MM-YYYY in Danish, ISO in English) in ISO form."""
    return day if day[4] == "-" else "-".join(reversed(day.split("-")))


@pytest.mark.parametrize(("page", "lang"), [("export.py", "da"), ("overview.py", "en")])
def test_the_button_gives_the_report_of_the_pages_view(
    app: Callable[..., Any],
    downloads: dict[str, Any],
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    lang: Lang,
) -> None:
    at = app("export.py", dept=DEPARTMENT, lang=lang)
    assert not at.exception
    [area] = [a for a in at.text_area if a.label == t("report.answer_guidelines", lang)]
    area.input(ANSWER).run()
    if page != "export.py":
        at.switch_page(str(Path(__file__).resolve().parents[2] / "dashboard/pages" / page)).run()
    assert not at.exception
    text = _report_from(downloads, lang, tmp_path / f"button-{page}-{lang}.pdf")
    save_pages(tmp_path / f"button-{page}-{lang}.pdf", f"button-{page.removesuffix('.py')}-{lang}")
    # the view: the department filter on the cover, the answer typed, the page's language
    assert f"{t('filters.department', lang)}: {DEPARTMENT}" in text
    assert ANSWER in text
    assert t("report.appendix_title", lang) in text
    assert t("report_method.null_heading", lang) in text
    for key in ("police_procedure", "decision_participants", "documentation_practice"):
        assert t("report.answer_missing", lang, file=f"{key}.md") in text  # said, not invented
    # the same report as the command line's for that view (the time made aside): the page's
    # period is the data's, which its cover states
    monkeypatch.setenv("DASHBOARD_DB", str(demo_db))
    day = r"\d\d-\d\d-\d{4}" if lang == "da" else r"\d{4}-\d\d-\d\d"
    period = re.search(rf"({day}) – ({day})", text)
    assert period is not None
    start, end = (_iso(d) for d in period.groups())
    cli_pdf = tmp_path / "cli.pdf"
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "guidelines.md").write_text(ANSWER, encoding="utf-8")
    code = main(
        [
            "report",
            "--department",
            DEPARTMENT,
            "--from",
            start,
            "--to",
            end,
            "--lang",
            lang,
            "--answers",
            str(answers),
            "--out",
            str(cli_pdf),
        ],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert code == 0
    cli_text = flat(pdf_text(cli_pdf).replace("\xa0", " "))
    # the time the report was made (a date with hours and minutes; the period's dates have
    # none): the cover's table may put it apart from its label in the extracted text
    made = re.compile(rf"{day} \d\d:\d\d")
    assert made.sub("", text) == made.sub("", cli_text)
