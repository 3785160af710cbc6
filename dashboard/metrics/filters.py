"""Filters and the viewer's scope, turned into the named parameters every query takes."""

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
        """Named parameters for the filter macros."""
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
        """Named parameters for the filter macros."""
        return {
            "scope_all": self.everything,
            "scope_departments": list(self.departments),
            "scope_units": list(self.units),
        }


ALL = Scope()


def query_params(filters: Filters, scope: Scope, **extra: Any) -> dict[str, Any]:
    """Every named parameter a query may use, from filters, scope and extras."""
    return {**filters.params(), **scope.params(), **extra}
