"""Who may see what: roles and their rights, grants, the audit log, and the sign-in settings.

Grants and the audit log live in a SQLite file beside the DuckDB store (``dashboard.duckdb``
-> ``dashboard.access.sqlite``, mode 0600), in WAL mode, because DuckDB allows one writing
process per file and the running dashboard holds it: the command line must be able to
revoke a grant at once, and every session writes audit rows. SQLite from the standard
library takes many writers (each write is a short transaction; readers never block) and
costs well under a millisecond per grant check (bench/access.py).

The audit table is append-only: triggers abort any UPDATE or DELETE, and nothing in the
package issues one. The catalogue of departments and units is mirrored here from the store
by the running dashboard, so that ``access grant`` can check names while the store is locked.

This module never imports streamlit.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, cast

from dashboard.config import ConfigError
from dashboard.errors import error_message
from dashboard.metrics.filters import ALL, Scope

Role = Literal["ombudsman", "department_head", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("ombudsman", "department_head", "analyst", "admin")


class Right(StrEnum):
    """What a role may do beyond reading its scope."""

    SEE_ALL = "see_all"  # the whole municipality, every department and unit named
    IMPORT = "import"
    UNDO = "undo"
    ADMIN = "admin"  # the page for grants and the audit log
    # export the view without small-count suppression (each such export is audit-logged)
    UNSUPPRESSED = "unsuppressed"


# The one place that says what each role may do (deny by default: a right not listed is refused).
RIGHTS: dict[Role, frozenset[Right]] = {
    "ombudsman": frozenset({Right.SEE_ALL}),
    "department_head": frozenset(),
    "analyst": frozenset({Right.SEE_ALL, Right.IMPORT, Right.UNDO, Right.UNSUPPRESSED}),
    "admin": frozenset({Right.SEE_ALL, Right.IMPORT, Right.UNDO, Right.ADMIN}),
}

Action = Literal[
    "sign_in",
    "denied",
    "page_view",
    "export",
    "report",
    "import",
    "undo",
    "grant",
    "revoke",
    "sign_out",
]
ACTIONS: tuple[Action, ...] = (
    "sign_in",
    "denied",
    "page_view",
    "export",
    "report",
    "import",
    "undo",
    "grant",
    "revoke",
    "sign_out",
)


class AccessError(ConfigError):
    """A grant, a name or a setting that cannot be used; one plain sentence."""


@dataclass(frozen=True)
class Grant:
    """One user's access: a role and, for a department head, departments and units.

    ``units`` are (department, unit) pairs, so a unit name used in two departments is one of them.
    """

    email: str
    role: Role
    departments: tuple[str, ...] = ()
    units: tuple[tuple[str, str], ...] = ()
    granted_at: str = ""
    granted_by: str = ""

    @property
    def rights(self) -> frozenset[Right]:
        return RIGHTS[self.role]

    def scope(self, catalogue: Iterable[tuple[str, str]] = ()) -> Scope:
        """The rows this grant may read; a role without SEE_ALL reads its grant's names only.

        The SQL macros match a scope's units by name in any department, so a granted unit
        whose name ``catalogue`` also lists in a department outside the grant is left out
        (fail closed) rather than shown with its namesake.
        """
        if Right.SEE_ALL in self.rights:
            return ALL
        granted = set(self.units)
        shared = {
            unit
            for department, unit in catalogue
            if (department, unit) not in granted
            and department not in self.departments
            and unit in {u for _, u in granted}
        }
        return Scope.restricted(
            departments=self.departments,
            units=tuple(unit for _, unit in self.units if unit not in shared),
        )

    def describe_scope(self) -> str:
        """The scope in words for the audit log and the admin page ("all" or names)."""
        if Right.SEE_ALL in self.rights:
            return "all"
        parts = [*self.departments, *(f"{d} / {u}" for d, u in self.units)]
        return "; ".join(parts) or "nothing"


@dataclass(frozen=True)
class AccessSettings:
    """Sign-in settings from the environment."""

    session_hours: float = 8.0
    contact: str = ""
    # values of the `roles` claim that give a role when the store holds no grant for the user
    claim_roles: Mapping[str, Role] = field(default_factory=dict)


def load_access_settings(environ: Mapping[str, str] | None = None) -> AccessSettings:
    """``DASHBOARD_SESSION_HOURS`` (8), ``DASHBOARD_ACCESS_CONTACT`` and
    ``DASHBOARD_CLAIM_ROLES`` (``claim-value=role,...``)."""
    env = os.environ if environ is None else environ
    hours_text = env.get("DASHBOARD_SESSION_HOURS", "8").strip()
    try:
        hours = float(hours_text)
    except ValueError:
        hours = 0.0
    if not hours > 0:
        raise AccessError(error_message("access_session_hours", value=hours_text))
    claim_roles: dict[str, Role] = {}
    for part in filter(None, (p.strip() for p in env.get("DASHBOARD_CLAIM_ROLES", "").split(","))):
        value, sep, role = part.rpartition("=")
        # a department head's scope comes only from a grant, so a claim cannot make one
        if not sep or not value or role not in ("ombudsman", "analyst", "admin"):
            raise AccessError(error_message("access_claim_roles", part=part))
        claim_roles[value] = cast(Role, role)
    return AccessSettings(
        session_hours=hours,
        contact=env.get("DASHBOARD_ACCESS_CONTACT", "").strip(),
        claim_roles=claim_roles,
    )


def access_path(db_path: Path) -> Path:
    """The SQLite file of grants and the audit log, beside the DuckDB store."""
    return db_path.with_name(db_path.stem + ".access.sqlite")


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS grants (
    email TEXT PRIMARY KEY,          -- lower case
    role TEXT NOT NULL CHECK (role IN ({", ".join(f"'{r}'" for r in ROLES)})),
    departments TEXT NOT NULL,       -- JSON list of names
    units TEXT NOT NULL,             -- JSON list of [department, unit]
    granted_at TEXT NOT NULL,
    granted_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,                -- UTC, ISO 8601
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in ACTIONS)})),
    page TEXT NOT NULL,
    link TEXT NOT NULL,
    details TEXT NOT NULL,           -- JSON object
    rows INTEGER
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_user ON audit (user, action);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS units (
    department TEXT NOT NULL,
    unit TEXT NOT NULL,              -- '' for records without a unit
    PRIMARY KEY (department, unit)
);
"""


@contextlib.contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A short-lived connection to the access file of the store at ``db_path`` (created 0600).

    Each statement block commits on leaving; WAL lets readers and one writer at a time work
    together, and the busy timeout makes a second writer wait instead of failing.
    """
    path = access_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise AccessError(error_message("access_file_unusable", file=str(path))) from error
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        if (
            con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit'").fetchone()[0]
            == 0
        ):
            con.executescript(_SCHEMA)
        yield con
    finally:
        con.close()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _grant_from_row(row: Sequence[Any]) -> Grant:
    return Grant(
        email=row[0],
        role=cast(Role, row[1]),
        departments=tuple(json.loads(row[2])),
        units=tuple((d, u) for d, u in json.loads(row[3])),
        granted_at=row[4],
        granted_by=row[5],
    )


_GRANT_COLUMNS = "email, role, departments, units, granted_at, granted_by"


def find_grant(db_path: Path, email: str) -> Grant | None:
    """The stored grant of ``email`` (case-insensitive), or None."""
    with connect(db_path) as con:
        row = con.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE email = ?",  # noqa: S608 (fixed columns)
            (normalise_email(email),),
        ).fetchone()
    return _grant_from_row(row) if row else None


def list_grants(db_path: Path) -> list[Grant]:
    with connect(db_path) as con:
        sql = f"SELECT {_GRANT_COLUMNS} FROM grants ORDER BY email"  # noqa: S608 (fixed columns)
        rows = con.execute(sql).fetchall()
    return [_grant_from_row(r) for r in rows]


def grant_for_claims(
    db_path: Path, claims: Mapping[str, Any], settings: AccessSettings
) -> Grant | None:
    """The grant of a signed-in user: the store's grant for the ``email`` claim, else a role
    from the ``roles`` claim through ``DASHBOARD_CLAIM_ROLES``, else None (no access)."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    stored = find_grant(db_path, email)
    if stored is not None:
        return stored
    claimed = claims.get("roles")
    values = [claimed] if isinstance(claimed, str) else list(claimed or ())
    for value in values:
        if isinstance(value, str) and value in settings.claim_roles:
            return Grant(normalise_email(email), settings.claim_roles[value], granted_by="claim")
    return None


def record_units(db_path: Path, pairs: Iterable[tuple[str, str | None]]) -> None:
    """Replace the mirrored catalogue of departments and units with ``pairs``."""
    rows = sorted({(d, u or "") for d, u in pairs})
    with connect(db_path) as con:
        con.execute("BEGIN IMMEDIATE")
        con.execute("DELETE FROM units")
        con.executemany("INSERT INTO units VALUES (?, ?)", rows)
        con.execute("COMMIT")


def known_units(db_path: Path) -> list[tuple[str, str]]:
    """The mirrored catalogue: (department, unit) pairs, unit '' for none."""
    with connect(db_path) as con:
        return [(d, u) for d, u in con.execute("SELECT department, unit FROM units ORDER BY 1, 2")]


def resolve_grant(
    email: str,
    role: Role,
    departments: Sequence[str],
    units: Sequence[str],
    catalogue: Sequence[tuple[str, str]],
    unit_pairs: Sequence[tuple[str, str]] = (),
) -> Grant:
    """A grant from the command line's names, checked against the known departments and units.

    ``--department D`` alone grants D; ``--unit U`` grants the unit U (refused when U is in
    more than one department); ``--department D --unit U`` grants only U within D. The admin
    page passes units as (department, unit) ``unit_pairs`` instead, beside whole departments.
    Raises AccessError with one sentence listing the known names.
    """
    email = normalise_email(email)
    if "@" not in email or any(c.isspace() for c in email):
        raise AccessError(error_message("access_not_email", email=email))
    if role not in ROLES:
        raise AccessError(error_message("access_unknown_role", role=role, known=list(ROLES)))
    if Right.SEE_ALL in RIGHTS[role]:
        if departments or units or unit_pairs:
            raise AccessError(error_message("access_role_sees_all", role=role))
        return Grant(email, role)
    if not departments and not units and not unit_pairs:
        raise AccessError(error_message("access_scope_needed"))
    for pair in unit_pairs:
        if tuple(pair) not in catalogue:
            raise AccessError(
                error_message("access_unknown_unit_in", unit=pair[1], department=pair[0])
            )
    if unit_pairs:
        return Grant(
            email,
            role,
            departments=tuple(dict.fromkeys(departments)),
            units=tuple(dict.fromkeys((d, u) for d, u in unit_pairs)),
        )
    known_departments = sorted({d for d, _ in catalogue})
    for name in departments:
        if name not in known_departments:
            raise AccessError(
                error_message(
                    "access_unknown_department",
                    name=name,
                    known=known_departments or error_message("access_none_known"),
                )
            )
    if not units:
        return Grant(email, role, departments=tuple(dict.fromkeys(departments)))
    pairs: list[tuple[str, str]] = []
    for name in units:
        homes = [d for d, u in catalogue if u == name and (not departments or d in departments)]
        if not homes:
            names = sorted({u for d, u in catalogue if u and (not departments or d in departments)})
            raise AccessError(
                error_message(
                    "access_unknown_unit_within" if departments else "access_unknown_unit",
                    name=name,
                    departments=list(departments),
                    known=names or error_message("access_none_known"),
                )
            )
        if len(homes) > 1:
            raise AccessError(error_message("access_unit_ambiguous", name=name, homes=homes))
        pairs.append((homes[0], name))
    return Grant(email, role, units=tuple(dict.fromkeys(pairs)))


def save_grant(db_path: Path, grant: Grant, *, by: str, by_role: str) -> Grant:
    """Store ``grant`` (replacing the user's earlier one) and log it as done by ``by`` in
    ``by_role`` (``admin`` on the admin page, ``cli`` on the command line); returns it."""
    stored = Grant(
        grant.email, grant.role, grant.departments, grant.units, granted_at=_now(), granted_by=by
    )
    with connect(db_path) as con:
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "INSERT OR REPLACE INTO grants VALUES (?, ?, ?, ?, ?, ?)",
            (
                stored.email,
                stored.role,
                json.dumps(list(stored.departments), ensure_ascii=False),
                json.dumps([list(p) for p in stored.units], ensure_ascii=False),
                stored.granted_at,
                stored.granted_by,
            ),
        )
        _append(
            con,
            AuditEntry(
                user=by,
                role=by_role,
                scope="all",
                action="grant",
                details={
                    "email": stored.email,
                    "role": stored.role,
                    "scope": stored.describe_scope(),
                },
            ),
        )
        con.execute("COMMIT")
    return stored


def revoke_grant(db_path: Path, email: str, *, by: str, by_role: str) -> bool:
    """Remove the grant of ``email``; False when there was none. Logged either way."""
    email = normalise_email(email)
    with connect(db_path) as con:
        con.execute("BEGIN IMMEDIATE")
        removed = con.execute("DELETE FROM grants WHERE email = ?", (email,)).rowcount > 0
        _append(
            con,
            AuditEntry(
                user=by,
                role=by_role,
                scope="all",
                action="revoke",
                details={"email": email, "had_grant": removed},
            ),
        )
        con.execute("COMMIT")
    return removed


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    user: str
    role: str
    scope: str
    action: Action
    page: str = ""
    link: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    rows: int | None = None
    at: str = ""


def _append(con: sqlite3.Connection, entry: AuditEntry) -> None:
    con.execute(
        "INSERT INTO audit (at, user, role, scope, action, page, link, details, rows) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.at or _now(),
            entry.user,
            entry.role,
            entry.scope,
            entry.action,
            entry.page,
            entry.link,
            json.dumps(dict(entry.details), ensure_ascii=False, sort_keys=True, default=str),
            entry.rows,
        ),
    )


def log(db_path: Path, entry: AuditEntry) -> None:
    """Append ``entry`` to the audit log."""
    with connect(db_path) as con:
        _append(con, entry)


AUDIT_COLUMNS = ("at", "user", "role", "scope", "action", "page", "link", "details", "rows")


def audit_rows(
    db_path: Path,
    *,
    since: str | None = None,
    user: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, optionally from ``since`` (ISO date), of one user or action."""
    where, params = [], []
    if since:
        where.append("at >= ?")
        params.append(since)
    if user:
        where.append("user = ?")
        params.append(normalise_email(user))
    if action:
        if action not in ACTIONS:
            raise AccessError(
                error_message("access_unknown_action", action=action, known=list(ACTIONS))
            )
        where.append("action = ?")
        params.append(action)
    sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit"  # noqa: S608 (fixed column names)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with connect(db_path) as con:
        return [dict(zip(AUDIT_COLUMNS, row, strict=True)) for row in con.execute(sql, params)]


def sign_in_logged(db_path: Path, email: str, signed_in_at: int) -> bool:
    """Whether the sign-in of ``email`` at ``signed_in_at`` (epoch seconds) is in the log."""
    with connect(db_path) as con:
        row = con.execute(
            "SELECT 1 FROM audit WHERE user = ? AND action = 'sign_in' "
            "AND json_extract(details, '$.signed_in_at') = ? LIMIT 1",
            (normalise_email(email), signed_in_at),
        ).fetchone()
    return row is not None


def import_actors(db_path: Path) -> dict[int, dict[str, str]]:
    """Who imported and who undid each import, from the audit log: {import_id: {action: user}}."""
    actors: dict[int, dict[str, str]] = {}
    with connect(db_path) as con:
        for user, action, details in con.execute(
            "SELECT user, action, details FROM audit WHERE action IN ('import', 'undo') ORDER BY id"
        ):
            import_id = json.loads(details).get("import_id")
            if isinstance(import_id, int):
                actors.setdefault(import_id, {})[action] = user
    return actors
