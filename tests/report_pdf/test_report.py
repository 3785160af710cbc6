"""The report to the ombudsman: same figures as ``dashboard metrics --format json``, every
section in both languages, the scope respected, missing answers said plainly, PDF/A."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboard import store
from dashboard.cli import main
from dashboard.formatting import format_count, format_interval, format_number, format_percent
from dashboard.i18n import LANGS, Lang, t
from dashboard.metrics.filters import Scope
from dashboard.metrics.report import build_report
from dashboard.report_pdf import ANSWER_KEYS, report_pdf
from tests.report_pdf.conftest import flat, pdf_text, save_pages

GENERATED = datetime(2026, 12, 4, 9, 30).astimezone()


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    return demo_db


@pytest.mark.parametrize("lang", LANGS)
def test_report_holds_the_figures_of_metrics_json(env: Path, tmp_path: Path, lang: Lang) -> None:
    pdf = tmp_path / f"report-{lang}.pdf"
    code, out, err = _cli("report", "--db", str(env), "--lang", lang, "--out", str(pdf))
    assert code == 0, err
    assert "Report written" in out
    code, out, err = _cli("metrics", "--db", str(env), "--by", "unit", "--format", "json")
    assert code == 0, err
    metrics = json.loads(out)
    rows = flat(pdf_text(pdf))
    lines = [flat(line.replace("\xa0", " ")) for line in pdf_text(pdf, layout=True).splitlines()]
    checked = 0
    for row in metrics["incidents"]:
        small = set(row["small_counts"])
        for outcome, count, extras in (
            ("police_report", "police_reports", ["police_without_prior_warning"]),
            ("warning", "warnings", []),
            ("documentation", "documented", []),
            (
                "work_accident",
                "work_accidents",
                ["work_accident_missing", "work_accidents_within_deadline"],
            ),
        ):
            cells = [
                format_count(row["incidents"], lang, small="incidents" in small),
                format_count(row[count], lang, small=count in small),
                *(
                    t("disclosure.hidden", lang)  # a count hidden so that a small one is not
                    if row[e] is None and e not in small  # worked out from the total
                    else format_count(row[e], lang, small=e in small)
                    for e in extras
                ),
                format_percent(row[f"{outcome}_rate"], lang),
                format_interval(*row[f"{outcome}_rate_ci"], lang, percent=True),
                format_number(row[f"{outcome}_expected"], lang, 1),
                format_number(row[f"{outcome}_oe"], lang, 2),
                format_interval(*row[f"{outcome}_oe_ci"], lang, percent=False),
            ]
            cells = [c.replace("\xa0", " ") for c in cells]
            # The unit's row of the outcome's table: incidents, count, the police or
            # work-accident table's extra counts, rate, interval, expected, O/E, interval.
            pattern = " ".join(re.escape(c) for c in cells)
            assert any(re.search(pattern, line) for line in lines), (row["unit"], outcome, cells)
            checked += 1
    assert checked == 4 * len(metrics["incidents"]) > 0
    # The municipality's police figures in the paragraph: sums over the units' real counts
    # (the analyst's unsuppressed output; the default one hides the small ones).
    code, out, err = _cli(
        "metrics", "--db", str(env), "--by", "unit", "--format", "json", "--unsuppressed"
    )
    assert code == 0, err
    real = json.loads(out)["incidents"]
    reports = sum(r["police_reports"] for r in real)
    known = sum(r["police_report_known"] for r in real)
    sentence = t(
        "report.police_paragraph",
        lang,
        count=format_number(reports, lang),
        known=format_number(known, lang),
        rate=format_percent(reports / known, lang),
        ci="",
    )
    assert flat(sentence.split("(")[0]) in rows
    # Every finding of the metrics command is in the report, in the report's language.
    code, out, _ = _cli(
        "metrics", "--db", str(env), "--by", "unit", "--format", "json", "--lang", lang
    )
    for sentence in json.loads(out)["summary"]:
        assert flat(sentence).split(":")[-1].strip()[:60] in rows, sentence


@pytest.mark.parametrize("lang", LANGS)
def test_every_section_is_present_and_missing_answers_are_said(
    env: Path, tmp_path: Path, lang: Lang
) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "guidelines.md").write_text(
        "# Retningslinjer\n\nVi følger *personalepolitikken* og #sys.exit() fra 2023.\n\n- Ét\n- To\n",
        encoding="utf-8",
    )
    pdf = tmp_path / f"sections-{lang}.pdf"
    code, out, err = _cli(
        "report",
        "--db",
        str(env),
        "--lang",
        lang,
        "--answers",
        str(answers),
        "--case-number",
        "24/01234",
        "--out",
        str(pdf),
    )
    assert code == 0, err
    assert "police_procedure.md" in out  # the command says which answers were missing
    text = flat(pdf_text(pdf))
    for n in range(1, 7):
        assert t(f"report.q{n}_title", lang) in text, n
    assert t("report.appendix_title", lang) in text
    assert "24/01234" in text
    # The answer is printed as written (Markdown emphasis and a Typst call stay literal).
    assert "Vi følger *personalepolitikken* og #sys.exit() fra 2023." in text
    for key in ANSWER_KEYS[1:]:
        assert flat(t("report.answer_missing", lang, file=f"{key}.md")) in text
    assert flat(t("report.answer_missing", lang, file="guidelines.md")) not in text
    assert t("report.demo_notice", lang) in text
    pages = save_pages(pdf, f"municipality-{lang}")
    assert len(pages) >= 8


def test_a_department_heads_report_names_no_unit_outside_the_scope(env: Path) -> None:
    con = store.connect(env)
    everything = build_report(con, by="unit")
    departments = sorted(set(everything.incidents["department"].to_list()))
    mine = departments[0]
    scope = Scope.restricted(departments=(mine,))
    report = build_report(con, scope=scope, by="unit")
    inside = set(report.incidents["unit"].to_list())
    outside = set(everything.incidents["unit"].to_list()) - inside
    assert inside and outside
    for lang in LANGS:
        pdf = Path(env).parent / f"department-{lang}.pdf"
        pdf.write_bytes(report_pdf(con, report, lang, generated=GENERATED, demo=True))
        text = flat(pdf_text(pdf))
        assert mine in text
        for name in outside:
            assert name not in text, name
        for other in set(departments) - {mine}:
            assert other not in text, other
        save_pages(pdf, f"department-{lang}")
    con.close()


def test_the_report_is_pdf_a_on_a4_with_numbered_pages(env: Path, tmp_path: Path) -> None:
    con = store.connect(env)
    report = build_report(con, by="department")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(report_pdf(con, report, "da", generated=GENERATED))
    con.close()
    reader = PdfReader(pdf)
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8")
    assert (
        "<pdfaid:part>2</pdfaid:part>" in raw
        and "<pdfaid:conformance>B</pdfaid:conformance>" in raw
    )
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    last = len(reader.pages)
    assert f"{last} / {last}" in reader.pages[-1].extract_text()
    text = flat(pdf_text(pdf))
    assert "Figur 1:" in text and "Tabel 1:" in text


def test_cli_refuses_an_unwritable_out_and_a_missing_answers_folder(
    env: Path, tmp_path: Path
) -> None:
    code, _, err = _cli("report", "--db", str(env), "--out", str(tmp_path / "no" / "r.pdf"))
    assert code == 2 and "cannot be written" in err
    code, _, err = _cli(
        "report",
        "--db",
        str(env),
        "--answers",
        str(tmp_path / "none"),
        "--out",
        str(tmp_path / "r.pdf"),
    )
    assert code == 2 and "is not a folder" in err
    assert not (tmp_path / "r.pdf").exists()
