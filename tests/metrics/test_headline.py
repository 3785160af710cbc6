"""The Overview's change from the previous period never gives a small count back (issue 15,
point 9). The values are worked out by hand."""

from __future__ import annotations

import pytest

from dashboard.components.layout import change_text
from dashboard.metrics.headline import Headline, change


def figures(**counts: int | None) -> dict[str, int | None]:
    base: dict[str, int | None] = {"incidents": 0, "police_reports": 0, "police_report_known": 0}
    return base | counts


def test_a_change_next_to_a_large_count_does_not_give_a_small_previous_one_back() -> None:
    # 50 police reports now and 2 before: "+48" would tell the reader there were 2
    now = Headline(figures(incidents=80, police_reports=50, police_report_known=70), small_below=5)
    before = Headline(figures(incidents=9, police_reports=2, police_report_known=3), small_below=5)
    assert change(now, before, "police_reports") is None
    # 80 − 9 incidents: both at or above the threshold, so the change is shown
    assert change(now, before, "incidents") == 71
    # the previous rate, 2/3, is of a small count: no change of the rate either
    assert change(now, before, "police_report_rate") is None


def test_a_change_next_to_a_small_or_hidden_count_is_withheld() -> None:
    # "<5" now (3) and 40 before: "−37" next to "<5" gives the 3 back
    now = Headline(figures(incidents=60, police_reports=3, police_report_known=50), small_below=5)
    before = Headline(
        figures(incidents=70, police_reports=40, police_report_known=60), small_below=5
    )
    assert change(now, before, "police_reports") is None
    assert change(now, before, "incidents") == -10
    # a total the metrics layer hides (None) has no change
    hidden = Headline(figures(incidents=60, police_reports=None), small_below=5)
    assert change(hidden, before, "police_reports") is None


def test_a_rate_change_is_shown_when_both_rates_rest_on_shown_counts() -> None:
    now = Headline(figures(incidents=80, police_reports=20, police_report_known=80), small_below=5)
    before = Headline(
        figures(incidents=50, police_reports=10, police_report_known=50), small_below=5
    )
    # 20/80 − 10/50 = 0.25 − 0.20 = 0.05, i.e. +5,0 percentage points
    diff = change(now, before, "police_report_rate")
    assert diff == pytest.approx(0.05)
    assert change_text(diff, "da", rate=True) == "+5,0 procentpoint"
    assert change_text(change(now, before, "incidents"), "da", rate=False) == "+30"
    # a zero is not a person: no police reports in either period is a change of 0
    quiet = Headline(figures(incidents=80), small_below=5)
    assert change(quiet, Headline(figures(incidents=50), small_below=5), "police_reports") == 0


def test_no_previous_period_means_no_change() -> None:
    now = Headline(figures(incidents=80), small_below=5)
    assert change(now, None, "incidents") is None
    assert change_text(None, "en", rate=False) is None
