"""``python -m dashboard access grant|revoke|list`` and ``python -m dashboard audit``.

Both work while the dashboard runs: grants and the audit log are in the SQLite access file
(see dashboard.access), not in the DuckDB store the dashboard holds locked. Names given to
``access grant`` are checked against the store when it can be read, else against the
catalogue of departments and units the running dashboard mirrors into the access file.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any, TextIO, cast

import duckdb

from dashboard import access, store
from dashboard.config import Settings

EXIT_OK, EXIT_REFUSED = 0, 2


def cli_actor() -> str:
    """Who ran a command, as the audit log names them: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (e.g. in a container)
        return "cli"


def add_access_parsers(sub: Any, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the ``access`` and ``audit`` subcommands."""
    p_access = sub.add_parser("access", help="grant, revoke and list who may sign in")
    actions = p_access.add_subparsers(dest="access_command", required=True)
    p_grant = actions.add_parser("grant", help="give a user a role (replaces their grant)")
    p_grant.add_argument("email", metavar="EMAIL", help="the user's e-mail (the email claim)")
    p_grant.add_argument("--role", required=True, choices=access.ROLES, help="the role")
    # NAME ... as in `metrics`, and repeatable
    p_grant.add_argument(
        "--department",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help="departments a department head sees; with --unit: the units' department",
    )
    p_grant.add_argument(
        "--unit", action="extend", nargs="+", default=[], metavar="NAME", help="units"
    )
    add_db(p_grant)
    p_revoke = actions.add_parser(
        "revoke", help="remove a user's grant (effective at their next click)"
    )
    p_revoke.add_argument("email", metavar="EMAIL")
    add_db(p_revoke)
    p_list = actions.add_parser("list", help="list the grants")
    add_db(p_list)
    p_list.add_argument("--json", action="store_true", help="print one JSON object")

    p_audit = sub.add_parser("audit", help="show the audit log, newest first")
    add_db(p_audit)
    p_audit.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD)")
    p_audit.add_argument("--user", metavar="EMAIL", help="only this user")
    p_audit.add_argument("--action", choices=access.ACTIONS, help="only this action")
    p_audit.add_argument("--format", choices=["table", "csv", "json"], default="table")


def _catalogue(settings: Settings) -> list[tuple[str, str]]:
    """Known (department, unit) pairs: from the store, or the running dashboard's mirror."""
    if settings.db_path.exists():
        try:
            con = store.connect(settings.db_path, read_only=True)
        except duckdb.Error:  # locked by the running dashboard: use the catalogue it mirrors
            return access.known_units(settings.db_path)
        with con:
            rows = store.fetch_all(
                con,
                "SELECT DISTINCT department, coalesce(unit, '') FROM incidents "
                "UNION SELECT DISTINCT department, coalesce(unit, '') FROM inquiries",
            )
        return [(str(d), str(u)) for d, u in rows]
    return access.known_units(settings.db_path)


def run_access(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run ``access grant|revoke|list``."""
    db = settings.db_path
    try:
        if args.access_command == "grant":
            grant = access.resolve_grant(
                args.email, args.role, args.department, args.unit, _catalogue(settings)
            )
            stored = access.save_grant(db, grant, by=cli_actor(), by_role="cli")
            print(f"{stored.email} is now {stored.role} ({stored.describe_scope()}).", file=out)
            return EXIT_OK
        if args.access_command == "revoke":
            email = access.normalise_email(args.email)
            if access.revoke_grant(db, email, by=cli_actor(), by_role="cli"):
                print(f"{email} has no access any more (from their next click).", file=out)
                return EXIT_OK
            print(f"{email} had no grant; nothing was revoked.", file=err)
            return EXIT_REFUSED
        grants = access.list_grants(db)
        if args.json:
            payload = {
                "ok": True,
                "grants": [
                    {
                        "email": g.email,
                        "role": g.role,
                        "departments": list(g.departments),
                        "units": [{"department": d, "unit": u} for d, u in g.units],
                        "granted_at": g.granted_at,
                        "granted_by": g.granted_by,
                    }
                    for g in grants
                ],
            }
            print(json.dumps(payload, ensure_ascii=False), file=out)
        elif not grants:
            print("No grants: nobody can sign in yet.", file=out)
        else:
            _table(
                ["email", "role", "scope", "granted_at", "granted_by"],
                [[g.email, g.role, g.describe_scope(), g.granted_at, g.granted_by] for g in grants],
                out,
            )
        return EXIT_OK
    except access.AccessError as error:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": str(error)}, ensure_ascii=False), file=out)
        else:
            print(str(error), file=err)
        return EXIT_REFUSED


def run_audit(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run ``audit``: the rows as a table, CSV or one JSON object."""
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since).isoformat()
        except ValueError:
            sentence = f"--since {args.since!r} is not a date like 2026-01-31."
            if args.format == "json":
                print(json.dumps({"ok": False, "error": sentence}), file=out)
            else:
                print(sentence, file=err)
            return EXIT_REFUSED
    try:
        rows = access.audit_rows(settings.db_path, since=since, user=args.user, action=args.action)
    except access.AccessError as error:
        print(str(error), file=err)
        return EXIT_REFUSED
    columns = list(access.AUDIT_COLUMNS)
    if args.format == "json":
        entries = [dict(r, details=json.loads(cast(str, r["details"]))) for r in rows]
        print(json.dumps({"ok": True, "entries": entries}, ensure_ascii=False), file=out)
    elif args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(r[c]) for c in columns] for r in rows])
        print(buffer.getvalue(), end="", file=out)
    elif not rows:
        print("No audit entries match.", file=out)
    else:
        _table(columns, [[_cell(r[c]) for c in columns] for r in rows], out)
    return EXIT_OK


def _cell(value: object) -> str:
    """A cell for CSV and the table: text starting like a formula is kept as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def _table(columns: list[str], rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(), file=out)
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=out)
