"""Filters, the viewer's scope and the settings, turned into the one ``$view`` parameter
every query takes (a STRUCT; ``dashboard/store/macros.sql`` describes its fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

GroupBy = Literal["department", "unit"]
GROUP_BY: tuple[GroupBy, ...] = ("department", "unit")

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class Filters:
    """What the user filtered on; empty tuples mean "all"."""

    date_from: date | None = None
    date_to: date | None = None
    departments: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    inquiry_types: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        """The filters' fields of the ``$view`` struct."""
        return {
            "date_from": self.date_from or EARLIEST,
            "date_to": self.date_to or LATEST,
            "departments": list(self.departments),
            "units": list(self.units),
            "types": list(self.types),
            "channels": list(self.channels),
            "severities": list(self.severities),
            "inquiry_types": list(self.inquiry_types),
        }

    def describe(self) -> dict[str, Any]:
        """The filters as plain JSON-able values (for exports and the CLI)."""
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "departments": list(self.departments),
            "units": list(self.units),
            "types": list(self.types),
            "channels": list(self.channels),
            "severities": list(self.severities),
            "inquiry_types": list(self.inquiry_types),
        }


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: everything, or some departments and units.

    Enforced in SQL by the filter macros, so a page cannot show more by mistake.
    """

    departments: tuple[str, ...] = field(default=())
    units: tuple[str, ...] = field(default=())
    everything: bool = True

    @classmethod
    def restricted(cls, *, departments: tuple[str, ...] = (), units: tuple[str, ...] = ()) -> Scope:
        """A scope limited to the given departments and units."""
        return cls(departments=departments, units=units, everything=False)

    def params(self) -> dict[str, Any]:
        """The scope's fields of the ``$view`` struct."""
        return {
            "scope_all": self.everything,
            "scope_departments": list(self.departments),
            "scope_units": list(self.units),
        }


ALL = Scope()


# The settings that are part of the view, with their defaults (the statutory 14 days of
# bekendtgørelse om anmeldelse af arbejdsulykker § 1; dashboard.config reads the setting),
# and ``reference``: the aggregating queries count the reference population (the whole
# municipality within the period, type, channel and severity filters) and name only the
# groups in the scope (``in_population`` in dashboard/store/macros.sql).
VIEW_SETTINGS: dict[str, Any] = {"work_accident_days": 14, "extract_date": None, "reference": False}


def view_param(filters: Filters, scope: Scope, **settings: Any) -> dict[str, Any]:
    """The ``$view`` struct: filters, scope and the settings of :data:`VIEW_SETTINGS`.

    Every field is always present (a macro reading a missing field would not bind).
    """
    unknown = set(settings) - set(VIEW_SETTINGS)
    if unknown:
        raise ValueError(f"not view settings: {', '.join(sorted(unknown))}")
    return {**filters.params(), **scope.params(), **VIEW_SETTINGS, **settings}


def query_params(filters: Filters, scope: Scope, **extra: Any) -> dict[str, Any]:
    """The named parameters of a query: ``view`` (filters, scope and the view settings among
    ``extra``) and the rest of ``extra`` as they are (``group_by``, ``limit``, ``search`` …)."""
    settings = {k: v for k, v in extra.items() if k in VIEW_SETTINGS}
    rest = {k: v for k, v in extra.items() if k not in VIEW_SETTINGS}
    return {"view": view_param(filters, scope, **settings), **rest}
