"""An attacker's checker: which counts of 1 to ``threshold`` − 1 can be worked back out of
the figures a frame shows. Written apart from :mod:`dashboard.metrics.disclosure` (it knows
only the formulas of the published figures, not the suppression rule) and used by the
metrics, CLI, export and page tests.

The recoveries tried, repeated until nothing new is learnt:
* rate × denominator (a rate or share with its denominator gives the count, and a rate with
  its count gives the denominator);
* O/E × expected;
* interval inversion: a Wilson interval and its denominator fix the count;
* a total minus the other cells: along each column (the groups add up to the total shown)
  and along each row relation (a count = the sum of its partition); and the sum of the
  cells still unknown in a line, when it is from 1 to ``threshold`` − 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from dashboard import stats
from dashboard.metrics import registry


@dataclass(frozen=True)
class Ratio:
    """A published figure ``value = part / whole`` (whole a sum of counts)."""

    value: str
    part: str
    whole: tuple[str, ...]
    interval: tuple[str, str] | None = None


def incident_ratios() -> list[Ratio]:
    ratios = []
    for spec in registry.OUTCOMES:
        o = spec.name
        ratios.append(
            Ratio(f"{o}_rate", spec.count, (spec.known,), (f"{o}_rate_ci_low", f"{o}_rate_ci_high"))
        )
    for share in registry.SHARES:
        interval = (f"{share.name}_ci_low", f"{share.name}_ci_high") if share.interval else None
        ratios.append(Ratio(share.name, share.part, share.whole, interval))
    return ratios


INCIDENT_RELATIONS = [(s.count, s.partition) for s in registry.OUTCOMES if s.partition]
INQUIRY_RATIOS = [
    Ratio(
        "share_within_deadline",
        "answered_within_deadline",
        ("answered", "open_overdue"),
        ("share_within_deadline_ci_low", "share_within_deadline_ci_high"),
    ),
    Ratio(
        "share_within_deadline_answered",
        "answered_within_deadline",
        ("answered",),
        ("share_within_deadline_answered_ci_low", "share_within_deadline_answered_ci_high"),
    ),
]
INQUIRY_RELATIONS = [("inquiries", ("answered", "open"))]


def _value(frame: pl.DataFrame, column: str, row: int) -> float | None:
    if column not in frame.columns:
        return None
    value = frame[column][row]
    return None if value is None or value != value else float(value)


def _invert_wilson(low: float, high: float, n: int) -> int | None:
    for x in range(n + 1):
        lo, hi = stats.wilson_interval(x, n)
        if abs(lo - low) < 1e-9 and abs(hi - high) < 1e-9:
            return x
    return None


def recovered_small_counts(
    shown: pl.DataFrame,
    truth: pl.DataFrame,
    counts: Sequence[str],
    totals: Mapping[str, int | None],
    threshold: int,
    *,
    ratios: Sequence[Ratio] = (),
    relations: Sequence[tuple[str, Sequence[str]]] = (),
    oe: Sequence[tuple[str, str, str]] = (),
) -> list[str]:
    """Each small count of ``truth`` (the same rows unsuppressed) that ``shown`` gives back,
    as a sentence naming how. ``oe``: (count, O/E column, expected column) triples;
    ``totals``: the column totals the reader sees."""
    assert shown.height == truth.height
    totals = {c: v for c, v in totals.items() if v is not None}  # None: a hidden total
    counts = [c for c in counts if c in truth.columns]
    known: dict[tuple[int, str], int] = {}
    how: dict[tuple[int, str], str] = {}
    for c in counts:
        for r in range(shown.height):
            v = _value(shown, c, r)
            if v is not None:
                known[(r, c)] = int(v)
                how[(r, c)] = "shown"

    def learn(r: int, c: str, value: float, why: str) -> bool:
        if (r, c) in known or c not in counts:
            return False
        known[(r, c)] = round(value)
        how[(r, c)] = why
        return True

    sums: list[str] = []
    progress = True
    while progress:
        progress = False
        for r in range(shown.height):
            for ratio in ratios:
                value = _value(shown, ratio.value, r)
                whole = [known.get((r, w)) for w in ratio.whole]
                if value is not None and all(w is not None for w in whole):
                    n = sum(w for w in whole if w is not None)
                    progress |= learn(r, ratio.part, value * n, f"{ratio.value} × denominator")
                if (
                    value is not None
                    and value > 0
                    and (r, ratio.part) in known
                    and len(ratio.whole) == 1
                ):
                    progress |= learn(
                        r, ratio.whole[0], known[(r, ratio.part)] / value, f"count / {ratio.value}"
                    )
                if ratio.interval and all(w is not None for w in whole):
                    low, high = (_value(shown, c, r) for c in ratio.interval)
                    n = sum(w for w in whole if w is not None)
                    if low is not None and high is not None and n > 0:
                        x = _invert_wilson(low, high, n)
                        if x is not None:
                            progress |= learn(r, ratio.part, x, f"inverting {ratio.interval[0]}")
            for count, ratio_col, expected in oe:
                value, e = _value(shown, ratio_col, r), _value(shown, expected, r)
                if value is not None and e is not None:
                    progress |= learn(r, count, value * e, f"{ratio_col} × {expected}")
            for total, parts in relations:
                cells = [total, *parts]
                missing = [c for c in cells if (r, c) not in known]
                if len(missing) == 1:
                    c = missing[0]
                    others = sum(known[(r, p)] for p in parts if p != c)
                    value = known[(r, total)] - others if c != total else others
                    progress |= learn(r, c, value, f"{total} = sum of its parts")
        for c in counts:
            if c not in totals or 0 < totals[c] < threshold:  # a small total shows as "<5"
                continue
            missing = [r for r in range(shown.height) if (r, c) not in known]
            if len(missing) == 1:
                rest = sum(known[(r, c)] for r in range(shown.height) if r != missing[0])
                progress |= learn(missing[0], c, totals[c] - rest, f"total of {c} minus the rest")
    found = []
    for c in counts:
        for r, v in enumerate(truth[c].to_list()):
            if v is not None and 0 < v < threshold and (r, c) in known:
                assert known[(r, c)] == v, f"the checker worked out {c}[{r}] wrongly"
                found.append(f"{c} of row {r} = {v}, from {how[(r, c)]}")
    # the sum of the cells left unknown in a column, when small, is a small count too
    for c in counts:
        if c not in totals:
            continue
        missing = [r for r in range(shown.height) if (r, c) not in known]
        rest = totals[c] - sum(known[(r, c)] for r in range(shown.height) if (r, c) in known)
        if missing and 0 < rest < threshold and not 0 < totals[c] < threshold:
            sums.append(f"{c}: the {len(missing)} hidden cells sum to {rest}")
    for total, parts in relations:
        for r in range(shown.height):
            if (r, total) not in known:
                continue
            missing = [p for p in parts if (r, p) not in known]
            rest = known[(r, total)] - sum(known[(r, p)] for p in parts if (r, p) in known)
            if missing and 0 < rest < threshold:
                sums.append(f"row {r}: {missing} sum to {rest}")
    return found + sums


def incident_recoveries(
    shown: pl.DataFrame, truth: pl.DataFrame, totals: Mapping[str, int | None], threshold: int
) -> list[str]:
    """:func:`recovered_small_counts` for a metrics frame of incidents."""
    return recovered_small_counts(
        shown,
        truth,
        registry.SUMMED_COLUMNS,
        totals,
        threshold,
        ratios=incident_ratios(),
        relations=INCIDENT_RELATIONS,
        oe=[(s.count, f"{s.name}_oe", f"{s.name}_expected") for s in registry.OUTCOMES],
    )


def inquiry_recoveries(
    shown: pl.DataFrame, truth: pl.DataFrame, totals: Mapping[str, int | None], threshold: int
) -> list[str]:
    """:func:`recovered_small_counts` for a metrics frame of inquiries."""
    return recovered_small_counts(
        shown,
        truth,
        ["inquiries", "answered", "open", "open_overdue", "answered_within_deadline"],
        totals,
        threshold,
        ratios=INQUIRY_RATIOS,
        relations=INQUIRY_RELATIONS,
    )
