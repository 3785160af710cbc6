"""The report's tests table carries the generalised CMH test beside the crude chi-square,
with the figures of ``dashboard metrics --format json``, and its appendix says what the
Kaplan–Meier interval is and whether the CMH test is continuity-corrected."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.formatting import format_number
from dashboard.i18n import LANGS, Lang, group_words, t
from dashboard.metrics.findings import format_p
from dashboard.metrics.views import km_interval
from tests.report_pdf.conftest import flat, pdf_text


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("lang", LANGS)
def test_report_shows_the_stratified_tests_and_the_km_interval(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang
) -> None:
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    pdf = tmp_path / f"report-{lang}.pdf"
    code, _, err = _cli("report", "--db", str(demo_db), "--lang", lang, "--out", str(pdf))
    assert code == 0, err
    code, out, err = _cli("metrics", "--db", str(demo_db), "--by", "unit", "--format", "json")
    assert code == 0, err
    metrics = json.loads(out)
    lines = [flat(line.replace("\xa0", " ")) for line in pdf_text(pdf, layout=True).splitlines()]
    for result in metrics["equal_treatment"].values():
        adjusted = result["generalised_cmh"]
        cells = [
            format_number(adjusted["statistic"], lang, 2),
            format_p(adjusted["p_value"], lang).replace("\xa0", " "),
        ]
        pattern = r" ".join(re.escape(c) for c in cells) + r"$"
        assert any(re.search(pattern, line.strip()) for line in lines), cells
    # every unit's Kaplan–Meier interval ends its row of the inquiry table (a narrow column
    # may wrap it after the dash, leaving the upper limit alone on the next line, and a long
    # unit name wraps, so the row is known by the name's first word)
    for row in metrics["inquiries"]:
        if {"inquiries", "answered"} & set(row.get("suppressed_counts") or ()):
            continue  # suppressed: no interval to find (it would give the count back)
        interval = km_interval(*row["km_median_response_days_ci"], lang)
        joined = [
            f"{line.strip()}{lines[i + 1].strip()}" if line.strip().endswith("–") else line
            for i, line in enumerate(lines[:-1])
        ]
        assert any(
            line.strip().startswith(row["unit"].split()[0]) and line.strip().endswith(interval)
            for line in joined
        ), (row["unit"], interval)
    text = flat(pdf_text(pdf))
    for key in ("strata_tests.km_ci_help", "strata_tests.correction_off"):
        assert flat(t(key, lang, **group_words("unit", lang)).replace("\xa0", " "))[
            :80
        ] in text.replace("\xa0", " ")
