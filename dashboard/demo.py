"""Synthetic demo data: a Danish municipality's harassment register and inquiry log.

``generate_demo`` builds two years of incidents (harassment of employees by citizens and
what the administration did about it) and inquiries (complaints, ombudsman requests,
access-to-records requests) for seven administrations with three to five units each. The
frames follow ``dashboard.contract`` exactly: contract column order, canonical category
values, pseudonym-like references ("p_" + 24 letters, never anything CPR-like).

How the data are made
---------------------
Each unit has a size and a *case mix*: a distribution over harassment types (a jobcentre
front desk sees threats and violence in person, a library verbal abuse, children's social
services digital harassment and stalking) and a tilt towards more or less severe cases.
Severity depends on the type, the channel on the type. Every outcome (warning, police
report, work-accident notification, documentation) is then drawn from a probability that
depends only on harassment type x severity, so for an ordinary unit the outcome rates are
exactly what its case mix predicts: indirect standardisation over type x severity gives
an observed/expected ratio near 1.

Planted differences (``PLANTED``; the statistics should find these and only these)
------------------------------------------------------------------------------------
Every factor multiplies the *rate* the case mix predicts (the probability for each
incident, so what indirect standardisation estimates as observed/expected), or the response
time. Measured O/E comes out closer to 1 than the factor: the municipal stratum rates
include the planted unit itself, and per-incident probabilities are capped at 95 %. With
the default seed the police unit's O/E is about 2.2-2.3 for its factor of 3, i.e. the data
show it reporting roughly 2.5 times as often as its case mix predicts.

* Socialforvaltningen / Borgercenter Børn og Unge reports to the police 3x as often as its
  case mix predicts (rate; measured O/E about 2.2), and the extra reports are mostly made
  without a prior warning and decided by the manager alone: the situation the ombudsman
  criticised, a social services unit reporting digital harassment to the police without
  warning the citizen. (Its warning rate is therefore a little lower too, O/E about 0.9.)
* Teknik- og Miljøforvaltningen / Parkering og Kontrol almost never warns (rate x 0.25).
* Sundheds- og Omsorgsforvaltningen / Hjemmeplejen Syd under-notifies work accidents
  (rate x 0.3).
* Økonomiforvaltningen / Borgerservice documents incidents less often (rate x 0.5).
* Beskæftigelses- og Integrationsforvaltningen / Ydelsesservice answers inquiries slowly
  (response time x 2.5; many overdue, more still open).

The case-mix-only unit (``CASE_MIX_ONLY_UNIT``; must NOT be flagged)
--------------------------------------------------------------------
Beskæftigelses- og Integrationsforvaltningen / Jobcenter København has a raw police-report
rate far above the municipality's, only because it sees many threats and much violence,
and more severe cases, at its front desk. Given its case mix it reports exactly as often as
everyone else; a statistic that flags it has not adjusted for case mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from dashboard import contract

Outcome = Literal["police_report", "warning", "work_accident", "documentation", "response_time"]


@dataclass(frozen=True)
class PlantedDifference:
    """A unit that really treats its cases differently from what its case mix predicts."""

    department: str
    unit: str
    outcome: Outcome
    # Multiplier on the rate the case mix predicts (police_report, warning, work_accident,
    # documentation; capped at 95 % per incident), or on the response time (response_time).
    factor: float
    description: str  # one English sentence


@dataclass(frozen=True)
class DemoData:
    """Generated demo data: the two record kinds and the differences planted in them."""

    incidents: pl.DataFrame  # columns exactly contract.field_names("incidents")
    inquiries: pl.DataFrame  # columns exactly contract.field_names("inquiries")
    planted: tuple[PlantedDifference, ...]


# --------------------------------------------------------------------------------------
# Vocabularies (canonical values, in the order the probability tables below use)

TYPES = ("digital_harassment", "threats", "violence", "verbal_abuse", "stalking", "other")
SEVERITIES = ("low", "medium", "high")
CHANNELS = ("social_media", "email", "sms", "phone", "in_person", "letter", "other")
DOC_FORMS = ("screenshot", "saved_email", "log_entry", "witness_statement", "other")
DECIDERS = ("manager", "legal", "hr", "quality_assurance", "other")
DOCUMENTERS = ("employee", "manager", "hr", "other")
INQUIRY_TYPES = ("complaint", "ombudsman", "access_to_records", "general")

for _vocab, _values in (
    ("harassment_type", TYPES),
    ("severity", SEVERITIES),
    ("channel", CHANNELS),
    ("documentation_form", DOC_FORMS),
    ("decided_by", DECIDERS),
    ("documented_by", DOCUMENTERS),
    ("inquiry_type", INQUIRY_TYPES),
):
    assert set(_values) <= {c.value for c in contract.VOCABULARIES[_vocab]}, _vocab

# --------------------------------------------------------------------------------------
# Case mixes: share of each harassment type (order of TYPES)

MIXES: dict[str, tuple[float, ...]] = {
    "front_desk": (0.24, 0.27, 0.09, 0.30, 0.06, 0.04),
    "jobcentre_front": (0.06, 0.34, 0.34, 0.22, 0.02, 0.02),
    "caseworker": (0.50, 0.20, 0.02, 0.18, 0.07, 0.03),
    "children": (0.60, 0.10, 0.02, 0.12, 0.13, 0.03),
    "shelter": (0.04, 0.30, 0.36, 0.26, 0.02, 0.02),
    "schools": (0.45, 0.20, 0.04, 0.22, 0.06, 0.03),
    "home_care": (0.06, 0.18, 0.18, 0.50, 0.05, 0.03),
    "addiction": (0.06, 0.34, 0.24, 0.30, 0.04, 0.02),
    "service": (0.35, 0.20, 0.02, 0.39, 0.02, 0.02),
    "collection": (0.30, 0.40, 0.01, 0.25, 0.02, 0.02),
    "library": (0.10, 0.10, 0.03, 0.71, 0.02, 0.04),
    "parking": (0.12, 0.30, 0.06, 0.48, 0.01, 0.03),
    "office": (0.52, 0.22, 0.01, 0.19, 0.03, 0.03),
}


@dataclass(frozen=True)
class _Unit:
    department: str
    name: str
    size: float  # expected incidents at scale 1 (before normalising to the total)
    mix: str
    tilt: float = 0.0  # > 0: more severe cases than the type alone predicts


SOC = "Socialforvaltningen"
BIF = "Beskæftigelses- og Integrationsforvaltningen"
BUF = "Børne- og Ungdomsforvaltningen"
SUF = "Sundheds- og Omsorgsforvaltningen"
OKF = "Økonomiforvaltningen"
KFF = "Kultur- og Fritidsforvaltningen"
TMF = "Teknik- og Miljøforvaltningen"

UNITS: tuple[_Unit, ...] = (
    _Unit(SOC, "Socialcenter Nørrebro", 520, "front_desk", 0.2),
    _Unit(SOC, "Borgercenter Børn og Unge", 290, "children", -0.2),
    _Unit(SOC, "Borgercenter Voksne", 440, "caseworker"),
    _Unit(SOC, "Borgercenter Handicap", 250, "caseworker", -0.2),
    _Unit(SOC, "Herberget Sundholm", 45, "shelter", 0.3),
    _Unit(BIF, "Jobcenter København", 700, "jobcentre_front", 0.8),
    _Unit(BIF, "Ydelsesservice", 420, "caseworker"),
    _Unit(BIF, "Integrationshuset", 300, "front_desk"),
    _Unit(BIF, "Jobcenter Amager", 220, "front_desk", 0.1),
    _Unit(BUF, "Skoler Amager", 260, "schools"),
    _Unit(BUF, "Daginstitutioner Bispebjerg", 210, "schools", -0.3),
    _Unit(BUF, "PPR Pædagogisk Psykologisk Rådgivning", 55, "children"),
    _Unit(BUF, "Sundhedsplejen", 35, "children", -0.3),
    _Unit(SUF, "Hjemmeplejen Syd", 380, "home_care"),
    _Unit(SUF, "Hjemmeplejen Nord", 300, "home_care"),
    _Unit(SUF, "Center for Rusmiddelbehandling", 180, "addiction", 0.3),
    _Unit(SUF, "Forebyggelsescenter Vesterbro", 150, "service", -0.2),
    _Unit(OKF, "Borgerservice", 330, "service"),
    _Unit(OKF, "Opkrævning og Inddrivelse", 140, "collection"),
    _Unit(OKF, "Koncernservice", 25, "office", -0.3),
    _Unit(KFF, "Biblioteker", 170, "library", -0.2),
    _Unit(KFF, "Idrætsanlæg", 90, "library"),
    _Unit(KFF, "Kulturhuse", 40, "library", -0.2),
    _Unit(TMF, "Parkering og Kontrol", 330, "parking"),
    _Unit(TMF, "Byens Udvikling", 110, "office"),
    _Unit(TMF, "Byggesagsbehandling", 60, "office"),
    _Unit(TMF, "Renovation og Genbrug", 30, "parking", -0.2),
)

PLANTED: tuple[PlantedDifference, ...] = (
    PlantedDifference(
        SOC,
        "Borgercenter Børn og Unge",
        "police_report",
        3.0,
        "Borgercenter Børn og Unge reports incidents to the police three times as often as "
        "its case mix predicts, mostly digital harassment reported without a prior warning.",
    ),
    PlantedDifference(
        TMF,
        "Parkering og Kontrol",
        "warning",
        0.25,
        "Parkering og Kontrol almost never warns the citizen: it warns a quarter as often "
        "as its case mix predicts.",
    ),
    PlantedDifference(
        SUF,
        "Hjemmeplejen Syd",
        "work_accident",
        0.3,
        "Hjemmeplejen Syd under-notifies work accidents: it notifies 0.3 times as often as "
        "its case mix and absence predict, and so leaves most of those that had to be "
        "notified (absence of a day or more) un-notified.",
    ),
    PlantedDifference(
        OKF,
        "Borgerservice",
        "documentation",
        0.5,
        "Borgerservice documents incidents half as often as its case mix predicts.",
    ),
    PlantedDifference(
        BIF,
        "Ydelsesservice",
        "response_time",
        2.5,
        "Ydelsesservice takes 2.5 times as long as other units to answer inquiries, so many "
        "answers are overdue and more inquiries are still open.",
    ),
)

CASE_MIX_ONLY_UNIT = "Jobcenter København"
CASE_MIX_ONLY_DEPARTMENT = BIF

# --------------------------------------------------------------------------------------
# Probability tables (rows: TYPES; columns: SEVERITIES unless noted)

SEVERITY_BY_TYPE = np.array(
    [
        [0.60, 0.30, 0.10],  # digital_harassment
        [0.35, 0.42, 0.23],  # threats
        [0.20, 0.40, 0.40],  # violence
        [0.65, 0.28, 0.07],  # verbal_abuse
        [0.35, 0.40, 0.25],  # stalking
        [0.60, 0.30, 0.10],  # other
    ]
)
CHANNEL_BY_TYPE = np.array(
    # social_media, email, sms, phone, in_person, letter, other
    [
        [0.55, 0.20, 0.20, 0.00, 0.00, 0.00, 0.05],
        [0.05, 0.20, 0.10, 0.30, 0.30, 0.05, 0.00],
        [0.00, 0.00, 0.00, 0.00, 0.97, 0.00, 0.03],
        [0.03, 0.05, 0.02, 0.35, 0.52, 0.03, 0.00],
        [0.35, 0.05, 0.25, 0.10, 0.25, 0.00, 0.00],
        [0.20, 0.20, 0.10, 0.20, 0.20, 0.05, 0.05],
    ]
)
POLICE = np.array(
    [
        [0.03, 0.10, 0.30],
        [0.06, 0.20, 0.45],
        [0.20, 0.40, 0.60],
        [0.01, 0.04, 0.12],
        [0.05, 0.18, 0.40],
        [0.02, 0.06, 0.15],
    ]
)
WARNING = np.array(
    [
        [0.68, 0.72, 0.50],
        [0.62, 0.62, 0.40],
        [0.40, 0.35, 0.22],
        [0.58, 0.62, 0.45],
        [0.62, 0.62, 0.45],
        [0.40, 0.40, 0.30],
    ]
)
DOCUMENTED = np.array(
    [
        [0.82, 0.88, 0.94],
        [0.68, 0.80, 0.90],
        [0.70, 0.82, 0.92],
        [0.55, 0.68, 0.80],
        [0.72, 0.82, 0.90],
        [0.50, 0.60, 0.72],
    ]
)
ABSENT = np.array(  # probability of any absence
    [
        [0.002, 0.005, 0.02],
        [0.01, 0.04, 0.12],
        [0.15, 0.45, 0.75],
        [0.002, 0.005, 0.02],
        [0.01, 0.04, 0.10],
        [0.002, 0.005, 0.02],
    ]
)
WORK_ACCIDENT_NO_ABSENCE = np.array(
    [
        [0.002, 0.004, 0.01],
        [0.01, 0.02, 0.05],
        [0.15, 0.25, 0.35],
        [0.002, 0.004, 0.01],
        [0.01, 0.02, 0.04],
        [0.002, 0.004, 0.01],
    ]
)
WORK_ACCIDENT_WITH_ABSENCE = 0.72
FORM_BY_CHANNEL = np.array(
    # screenshot, saved_email, log_entry, witness_statement, other
    [
        [0.92, 0.00, 0.04, 0.00, 0.04],  # social_media
        [0.10, 0.85, 0.03, 0.00, 0.02],  # email
        [0.85, 0.00, 0.10, 0.00, 0.05],  # sms
        [0.00, 0.00, 0.85, 0.10, 0.05],  # phone
        [0.00, 0.00, 0.45, 0.50, 0.05],  # in_person
        [0.00, 0.00, 0.60, 0.00, 0.40],  # letter
        [0.30, 0.10, 0.40, 0.10, 0.10],  # other
    ]
)
DECIDED_BY = np.array([0.35, 0.25, 0.20, 0.15, 0.05])
DECIDED_BY_PLANTED = np.array([0.75, 0.05, 0.10, 0.05, 0.05])
DOCUMENTED_BY = np.array([0.55, 0.30, 0.10, 0.05])  # order of DOCUMENTERS
ABSENCE_FROM_GIVEN = 0.6  # share of absences whose first day the export gives
INQUIRY_TYPE_SHARES = np.array([0.45, 0.08, 0.20, 0.27])

NOTES: dict[str, tuple[str, ...]] = {
    "digital_harassment": (
        "Borger skrev gentagne gange på medarbejderens private Facebook-profil fra en ny "
        "profil efter blokering.",
        "Borger delte billeder af medarbejderen i en lukket Facebook-gruppe.",
        "Nedsættende opslag om medarbejderen med fulde navn på sociale medier.",
        "Gentagne sms'er til medarbejderens arbejdstelefon efter blokering.",
        "Borger oprettede en falsk profil i medarbejderens navn.",
    ),
    "threats": (
        "Borger truede i telefonen med at finde ud af, hvor medarbejderen bor.",
        "Truende e-mail til afdelingen efter afslag på ansøgning.",
        "Borger sagde ved skranken, at medarbejderen skulle passe på.",
        "Borger truede med at komme igen med flere personer.",
    ),
    "violence": (
        "Borger skubbede medarbejderen ind i en dørkarm under mødet.",
        "Borger kastede en stol mod medarbejderen; vagten blev tilkaldt.",
        "Medarbejderen blev slået i armen under hjemmebesøg.",
        "Borger spyttede på medarbejderen i receptionen.",
    ),
    "verbal_abuse": (
        "Borger råbte og bandede ad medarbejderen i borgerservice.",
        "Nedsættende bemærkninger om medarbejderens udseende og etnicitet.",
        "Borger råbte i telefonen og lagde på.",
    ),
    "stalking": (
        "Borger ventede uden for medarbejderens bopæl efter arbejdstid.",
        "Borger har fulgt efter medarbejderen fra arbejdspladsen flere gange.",
        "Borger kontakter medarbejderen dagligt via flere kanaler.",
    ),
    "other": (
        "Borger optog samtalen uden samtykke og lagde optagelsen på nettet.",
        "Uønskede opkald til medarbejderens private telefon.",
    ),
}
NOTES_MISSING = 0.3

INCIDENTS_PER_SCALE = 6000
INQUIRIES_PER_SCALE = 2000
RATE_CAP = 0.95

_EPOCH = date(1970, 1, 1)


# --------------------------------------------------------------------------------------
# Helpers


def _draw(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category index per row, from the probability row ``probs[group]``."""
    cum = np.cumsum(probs / probs.sum(axis=-1, keepdims=True), axis=-1)
    cum[..., -1] = 1.0
    u = rng.random(group.shape[0])
    out = np.zeros(group.shape[0], dtype=np.int64)
    for k in range(cum.shape[-1] - 1):  # few categories, many rows: loop over categories
        out += u >= cum[group, k]
    return out


def _rate_shift(p: np.ndarray, factor: np.ndarray) -> np.ndarray:
    return np.minimum(p * factor, RATE_CAP)


_HEX_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def _refs(kind: str, index: np.ndarray) -> pl.Series:
    """Pseudonym-like references "p_" + 24 letters a–p (hex as letters, as real pseudonyms are)."""
    unique, inverse = np.unique(index, return_inverse=True)
    hashes = pl.Series(
        [
            hashlib.sha256(f"demo-{kind}-{n}".encode()).hexdigest()[:24].translate(_HEX_AS_LETTERS)
            for n in unique.tolist()
        ],
        dtype=pl.String,
    )
    return ("p_" + hashes).gather(pl.Series(inverse.astype(np.uint32)))


def _labels(codes: np.ndarray, values: tuple[str, ...]) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(pl.Series(codes.astype(np.uint32)))


def _day_weights(start: date, n_days: int, weekend: float, trend: float) -> np.ndarray:
    """Relative frequency of each day: fewer at weekends, a gentle upward trend, summer dip."""
    days = np.arange(n_days)
    weekday = (days + start.weekday()) % 7
    month = ((np.datetime64(start) + days).astype("datetime64[M]").astype(np.int64)) % 12
    w = np.where(weekday >= 5, weekend, 1.0)
    w = w * (1.0 + trend * days / max(n_days - 1, 1))
    w = w * np.where(month == 6, 0.7, 1.0)  # July: holidays
    return w / w.sum()


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Days since the epoch -> pl.Date, null where ``valid`` is False."""
    s = pl.Series(days.astype(np.int32)).cast(pl.Date)
    if valid is None:
        return s
    return pl.select(pl.when(pl.Series(valid)).then(s)).to_series()


def _ids(prefix: str, days: np.ndarray, width: int) -> pl.Series:
    years = pl.Series(days.astype(np.int32)).cast(pl.Date).dt.year().cast(pl.String)
    seq = pl.Series(np.arange(1, days.shape[0] + 1)).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str(pl.lit(prefix), years, pl.lit("-"), seq)).to_series()


# --------------------------------------------------------------------------------------
# Generator


def generate_demo(
    seed: int = 2024,
    *,
    start: date = date(2023, 1, 1),
    end: date = date(2024, 12, 31),
    scale: float = 1.0,
) -> DemoData:
    """Deterministic synthetic incidents and inquiries for ``seed``, over [start, end].

    ``scale`` multiplies the counts (about 6,000 incidents and 2,000 inquiries at 1.0).
    """
    if end < start:
        raise ValueError("end must not be before start")
    if not scale > 0:
        raise ValueError("scale must be positive")
    rng = np.random.default_rng(seed)
    start_day = (start - _EPOCH).days
    end_day = (end - _EPOCH).days
    incidents = _incidents(rng, start, start_day, end_day, round(INCIDENTS_PER_SCALE * scale))
    inquiries = _inquiries(rng, start, start_day, end_day, round(INQUIRIES_PER_SCALE * scale))
    return DemoData(incidents=incidents, inquiries=inquiries, planted=PLANTED)


def _unit_factor(outcome: Outcome, default: float = 1.0) -> np.ndarray:
    factors = np.full(len(UNITS), default)
    names = [u.name for u in UNITS]
    for p in PLANTED:
        if p.outcome == outcome:
            factors[names.index(p.unit)] = p.factor
    return factors


def _incidents(
    rng: np.random.Generator, start: date, start_day: int, end_day: int, n: int
) -> pl.DataFrame:
    n_units = len(UNITS)
    sizes = np.array([u.size for u in UNITS])
    unit = np.repeat(np.arange(n_units), rng.multinomial(n, sizes / sizes.sum()))

    # Case mix: type by unit, severity by unit x type, channel by type.
    mixes = np.array([MIXES[u.mix] for u in UNITS])
    htype = _draw(rng, mixes, unit)
    tilt = np.array([u.tilt for u in UNITS])
    sev_probs = SEVERITY_BY_TYPE[None, :, :] * np.exp(
        tilt[:, None, None] * np.array([0.0, 0.5, 1.0])[None, None, :]
    )
    sev = _draw(rng, sev_probs.reshape(-1, 3), unit * len(TYPES) + htype)
    channel = _draw(rng, CHANNEL_BY_TYPE, htype)
    stratum = (htype, sev)

    # Dates.
    n_days = end_day - start_day + 1
    occurred = start_day + rng.choice(n_days, size=n, p=_day_weights(start, n_days, 0.35, 0.15))
    reg_lag = rng.choice(6, size=n, p=[0.45, 0.25, 0.12, 0.08, 0.05, 0.05])
    registered = np.minimum(occurred + reg_lag, end_day)

    # Warning: type x severity, shifted in the planted unit.
    p_warn = _rate_shift(WARNING[stratum], _unit_factor("warning")[unit])
    warned = rng.random(n) < p_warn

    # Police report: type x severity; the planted unit reports extra cases, mostly unwarned.
    p_police = POLICE[stratum]
    police = rng.random(n) < p_police
    police_factor = _unit_factor("police_report")[unit]
    p_target = _rate_shift(p_police, police_factor)
    p_extra = np.where(police_factor > 1.0, (p_target - p_police) / (1.0 - p_police), 0.0)
    extra = ~police & (rng.random(n) < p_extra)
    warned &= ~(extra & (rng.random(n) < 0.85))
    police |= extra

    # Work accidents: follow violence and absence.
    absent = rng.random(n) < ABSENT[stratum]
    absence_days = np.where(absent, np.minimum(rng.geometric(0.18, size=n), 30), 0)
    p_wa = np.where(absent, WORK_ACCIDENT_WITH_ABSENCE, WORK_ACCIDENT_NO_ABSENCE[stratum])
    p_wa = _rate_shift(p_wa, _unit_factor("work_accident")[unit])
    work_accident = rng.random(n) < p_wa

    # Documentation: whether by type x severity, the form by channel.
    p_doc = _rate_shift(DOCUMENTED[stratum], _unit_factor("documentation")[unit])
    documented = rng.random(n) < p_doc
    form = _draw(rng, FORM_BY_CHANNEL, channel)

    # Action dates: warning 1-10 days after; police usually after the warning.
    warn_day = np.minimum(occurred + rng.integers(1, 11, size=n), end_day)
    police_lag = rng.integers(1, 15, size=n)
    before_warning = rng.random(n) < 0.1
    police_day = np.where(
        warned & ~before_warning,
        warn_day + police_lag,
        occurred + np.minimum(police_lag // 2, 7),
    )
    police_day = np.minimum(police_day, end_day)
    wa_lag = 1 + np.floor(rng.exponential(5.6, size=n)).astype(np.int64)
    wa_day = np.minimum(occurred + np.minimum(wa_lag, 60), end_day)

    planted_police = police_factor > 1.0
    decided_planted = _draw(rng, DECIDED_BY_PLANTED[None, :], np.zeros(n, dtype=np.int64))
    decided = _draw(rng, DECIDED_BY[None, :], np.zeros(n, dtype=np.int64))
    decided = np.where(planted_police, decided_planted, decided)

    # People: some citizens come back many times to the same unit; employees belong to a
    # unit. Repeat citizens are numbered after the occasional ones.
    n_citizens = max(50, int(n * 0.6))
    per_unit = max(2, n_citizens // (20 * n_units))
    repeat = rng.random(n) < 0.3
    citizen = np.where(
        repeat,
        n_citizens + unit * per_unit + rng.integers(0, per_unit, size=n),
        rng.integers(0, n_citizens, size=n),
    )
    citizen_known = rng.random(n) >= 0.05
    staff = np.maximum(3, np.ceil(sizes / sizes.sum() * n / 4)).astype(np.int64)
    staff_offset = np.concatenate([[0], np.cumsum(staff)[:-1]])
    employee = staff_offset[unit] + (rng.random(n) * staff[unit]).astype(np.int64)

    note_pick = rng.random(n)
    case_no = rng.integers(1_000_000, 10_000_000, size=n)
    # Drawn last, so the draws above (and the planted differences) stay as they were.
    documenter = _draw(rng, DOCUMENTED_BY[None, :], np.zeros(n, dtype=np.int64))
    # The first day of absence: usually the day after the incident, sometimes a few days on.
    absence_start = occurred + 1 + (rng.random(n) < 0.15) * rng.integers(1, 4, size=n)
    absence_given = absent & (rng.random(n) < ABSENCE_FROM_GIVEN)

    order = np.argsort(occurred, kind="stable")

    def o(a: np.ndarray) -> np.ndarray:
        return a[order]

    occurred, unit, htype, sev, channel = o(occurred), o(unit), o(htype), o(sev), o(channel)
    warned, police, work_accident, documented = (
        o(warned),
        o(police),
        o(work_accident),
        o(documented),
    )

    notes = _notes(htype, o(note_pick))
    frame = pl.DataFrame(
        {
            "incident_id": _ids("D-", occurred, 5),
            "case_id": pl.select(
                pl.concat_str(
                    _dates(occurred).dt.year().cast(pl.String),
                    pl.lit("-"),
                    pl.Series(o(case_no)).cast(pl.String),
                )
            ).to_series(),
            "department": _labels(unit, tuple(u.department for u in UNITS)),
            "unit": _labels(unit, tuple(u.name for u in UNITS)),
            "occurred_on": _dates(occurred),
            "registered_on": _dates(o(registered)),
            "channel": _labels(channel, CHANNELS),
            "harassment_type": _labels(htype, TYPES),
            "severity": _labels(sev, SEVERITIES),
            "citizen_ref": _refs("citizen", o(citizen)),
            "employee_ref": _refs("employee", o(employee)),
            "documented": documented,
            "documentation_form": _labels(o(form), DOC_FORMS),
            "documented_by": _labels(o(documenter), DOCUMENTERS),
            "warning_given": warned,
            "warning_on": _dates(o(warn_day), warned),
            "police_reported": police,
            "police_reported_on": _dates(o(police_day), police),
            "decided_by": _labels(o(decided), DECIDERS),
            "work_accident_reported": work_accident,
            "work_accident_reported_on": _dates(o(wa_day), work_accident),
            "absence_days": o(absence_days).astype(np.int64),
            "absence_from": _dates(o(absence_start), o(absence_given)),
            "notes": notes,
        }
    )
    frame = frame.with_columns(
        pl.when(pl.Series(o(citizen_known))).then(pl.col("citizen_ref")).alias("citizen_ref"),
        pl.when(pl.col("documented"))
        .then(pl.col("documentation_form"))
        .alias("documentation_form"),
        pl.when(pl.col("documented")).then(pl.col("documented_by")).alias("documented_by"),
        pl.when(pl.col("police_reported")).then(pl.col("decided_by")).alias("decided_by"),
    )
    return frame.select(contract.field_names("incidents"))


def _notes(htype: np.ndarray, pick: np.ndarray) -> pl.Series:
    """A short Danish sentence matching the harassment type, or null."""
    flat: list[str] = []
    first = np.zeros(len(TYPES), dtype=np.int64)
    count = np.zeros(len(TYPES), dtype=np.int64)
    for i, t in enumerate(TYPES):
        first[i] = len(flat)
        count[i] = len(NOTES[t])
        flat.extend(NOTES[t])
    present = pick >= NOTES_MISSING
    within = ((pick - NOTES_MISSING) / (1.0 - NOTES_MISSING) * count[htype]).astype(np.int64)
    within = np.clip(within, 0, count[htype] - 1)
    s = pl.Series(flat, dtype=pl.String).gather(
        pl.Series((first[htype] + within).astype(np.uint32))
    )
    return pl.select(pl.when(pl.Series(present)).then(s)).to_series()


def _inquiries(
    rng: np.random.Generator, start: date, start_day: int, end_day: int, m: int
) -> pl.DataFrame:
    sizes = np.array([u.size for u in UNITS]) ** 0.6
    unit = np.repeat(np.arange(len(UNITS)), rng.multinomial(m, sizes / sizes.sum()))
    itype = _draw(rng, INQUIRY_TYPE_SHARES[None, :], np.zeros(m, dtype=np.int64))
    n_days = end_day - start_day + 1
    received = start_day + rng.choice(n_days, size=m, p=_day_weights(start, n_days, 0.05, 0.1))
    deadline_days = np.array([contract.DEFAULT_DEADLINES[t].days for t in INQUIRY_TYPES])
    deadline = received + deadline_days[itype]

    slowness = _unit_factor("response_time")[unit]
    response = deadline_days[itype] * np.exp(rng.normal(np.log(0.55), 0.6, size=m)) * slowness
    answered = received + np.floor(response).astype(np.int64)
    stuck = rng.random(m) < 0.03 * np.where(slowness > 1.0, 3.0, 1.0)
    is_answered = ~stuck & (answered <= end_day)

    citizen = rng.integers(0, max(50, int(m * 3 * 0.6)), size=m)
    citizen_known = rng.random(m) >= 0.1

    order = np.argsort(received, kind="stable")
    received, unit, itype = received[order], unit[order], itype[order]
    frame = pl.DataFrame(
        {
            "inquiry_id": _ids("DQ-", received, 6),
            "department": _labels(unit, tuple(u.department for u in UNITS)),
            "unit": _labels(unit, tuple(u.name for u in UNITS)),
            "inquiry_type": _labels(itype, INQUIRY_TYPES),
            "received_on": _dates(received),
            "deadline_on": _dates(deadline[order]),
            "answered_on": _dates(answered[order], is_answered[order]),
            "citizen_ref": _refs("citizen", citizen[order]),
        }
    )
    frame = frame.with_columns(
        pl.when(pl.Series(citizen_known[order])).then(pl.col("citizen_ref")).alias("citizen_ref")
    )
    return frame.select(contract.field_names("inquiries"))
