"""Sign-in, roles and scope on the pages (AppTest with ``at.user`` claims and an [auth] section)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config

from dashboard import access
from dashboard.access import RIGHTS, AuditEntry
from dashboard.components.navigation import PAGES, visible
from dashboard.components.text import literal_t
from dashboard.demo import generate_demo
from dashboard.i18n import t

HEAD_DEPARTMENT = "Socialforvaltningen"
EMAILS = {
    "ombudsman": "ombud@kommune.dk",
    "department_head": "chef@kommune.dk",
    "analyst": "analytiker@kommune.dk",
    "admin": "admin@kommune.dk",
}


def claims(email: str, *, age_hours: float = 0.0) -> dict[str, object]:
    return {"is_logged_in": True, "email": email, "iat": int(time.time() - age_hours * 3600)}


@pytest.fixture
def granted(demo_db: Path) -> Iterator[Path]:
    """Grants for one user of each role in the demo store's access file (removed afterwards)."""
    for role, email in EMAILS.items():
        departments = (HEAD_DEPARTMENT,) if role == "department_head" else ()
        access.save_grant(demo_db, access.Grant(email, role, departments), by="test", by_role="cli")
    yield demo_db
    for email in EMAILS.values():
        access.revoke_grant(demo_db, email, by="test", by_role="cli")


def outside_names() -> list[str]:
    """Every department and unit name of the demo data (as the fixture store was written from
    it) that is not in the head's department."""
    data = generate_demo(2024, scale=0.3)
    rows = {
        (d, u)
        for frame in (data.incidents, data.inquiries)
        for d, u in frame.select("department", "unit").unique().iter_rows()
    }
    inside = {u for d, u in rows if d == HEAD_DEPARTMENT}
    names = {d for d, _ in rows if d != HEAD_DEPARTMENT}
    names |= {u for d, u in rows if d != HEAD_DEPARTMENT and u and u not in inside}
    return sorted(names)


def rendered_bytes(at) -> bytes:  # type: ignore[no-untyped-def]
    """Every element the run sent to the browser, serialised: texts, tables (Arrow) and charts."""
    out: list[bytes] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return b"\n".join(out)


def assert_clean(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("role", list(EMAILS))
def test_every_page_of_each_role_renders(app, granted: Path, role: str) -> None:
    """Each role reaches exactly its pages, and each of them renders without an error."""
    at = app(user=claims(EMAILS[role]))
    assert_clean(at)
    allowed = visible(RIGHTS[role])
    for spec in PAGES:
        path = str(Path(__file__).resolve().parents[2] / "dashboard" / "pages" / spec.file)
        if spec not in allowed:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)
            continue
        at.switch_page(path)
        at.run()
        assert_clean(at)
        assert at.title[0].value == t(f"nav.{spec.key}", "da")


def test_ombudsman_has_no_import_undo_or_admin(app, granted: Path) -> None:
    at = app(user=claims(EMAILS["ombudsman"]))
    assert not {"import", "admin"} & {s.key for s in visible(RIGHTS["ombudsman"])}
    assert {s.key for s in visible(RIGHTS["analyst"])} - {
        s.key for s in visible(RIGHTS["ombudsman"])
    } == {"import"}
    assert not at.exception


@pytest.mark.parametrize("page", [s.file for s in visible(RIGHTS["department_head"])])
def test_department_head_sees_no_name_outside_their_department(
    app, granted: Path, page: str
) -> None:
    outside = outside_names()
    assert len(outside) > 20  # the demo has 7 departments and 27 units: the check means something
    at = app(page, user=claims(EMAILS["department_head"]), by="unit")
    assert_clean(at)
    sent = rendered_bytes(at)
    assert HEAD_DEPARTMENT.encode() in sent or page == "incidents.py"
    leaked = [name for name in outside if name.encode() in sent]
    assert not leaked, f"{page} names {leaked}"


def test_filter_choices_list_only_the_scope(app, granted: Path) -> None:
    at = app(user=claims(EMAILS["department_head"]))
    departments = at.sidebar.multiselect(key="dept")
    assert departments.options == [HEAD_DEPARTMENT]


@pytest.mark.parametrize(
    "query", [{"unit": "Jobcenter Amager"}, {"dept": "Økonomiforvaltningen"}, {"dept": "Nowhere"}]
)
def test_link_outside_the_scope_shows_a_notice_and_nothing_of_it(
    app, granted: Path, query: dict[str, str]
) -> None:
    at = app(user=claims(EMAILS["department_head"]), **query)
    assert not at.exception
    assert [w.value for w in at.warning] == [t("access.link_outside_scope", "da")]
    assert not at.metric  # no figures at all, neither of the unit nor of the whole scope
    assert next(iter(query.values())).encode() not in rendered_bytes(at)


def test_an_unknown_name_in_a_link_is_said_in_local_mode_too(app) -> None:
    at = app(unit="Ingen Enhed")
    assert t("access.link_outside_scope", "da") in [w.value for w in at.warning]
    assert not at.metric


@pytest.mark.parametrize("lang", ["da", "en"])
def test_ungranted_user_sees_only_the_no_access_page(app, granted: Path, lang: str) -> None:
    at = app(user=claims(f"stranger-{lang}@kommune.dk"), lang=lang)
    assert not at.exception
    assert [e.value for e in at.title] == [t("access.no_access_title", lang)]
    assert not at.metric and not at.sidebar.multiselect
    assert f"stranger-{lang}@kommune.dk" in at.text[0].value
    denied = access.audit_rows(granted, user=f"stranger-{lang}@kommune.dk", action="denied")
    assert len(denied) == 1
    at.run()  # a rerun is not a second attempt
    assert len(access.audit_rows(granted, user=f"stranger-{lang}@kommune.dk", action="denied")) == 1


def test_the_contact_is_named_on_the_no_access_page(app, granted: Path, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_ACCESS_CONTACT", "it-support@kommune.dk")
    at = app(user=claims("stranger@kommune.dk"))
    assert any("it-support@kommune.dk" in e.value for e in at.text)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_not_signed_in_sees_only_the_sign_in_page(app, granted: Path, lang: str) -> None:
    at = app(user={"is_logged_in": False}, lang=lang)
    assert not at.exception
    assert [e.value for e in at.title] == [t("access.sign_in_title", lang)]
    assert [b.label for b in at.button] == [t("access.sign_in", lang)]
    assert not at.metric and not at.sidebar.multiselect and not at.dataframe


def test_a_revoked_user_loses_access_at_the_next_rerun(app, granted: Path) -> None:
    at = app(user=claims(EMAILS["analyst"]))
    assert at.metric
    access.revoke_grant(granted, EMAILS["analyst"], by="test", by_role="cli")
    at.run()
    assert [e.value for e in at.title] == [t("access.no_access_title", "da")]
    assert not at.metric


def test_a_session_older_than_the_setting_is_signed_out(app, granted: Path, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_SESSION_HOURS", "2")
    at = app(user=claims(EMAILS["analyst"], age_hours=1.5))
    assert at.metric
    at = app(user=claims(EMAILS["analyst"], age_hours=2.5))
    assert [e.value for e in at.title] == [t("access.sign_in_title", "da")]
    assert not at.metric
    ended = access.audit_rows(granted, user=EMAILS["analyst"], action="sign_out")
    assert ended and '"session_expired"' in ended[0]["details"]


def test_sign_in_and_page_views_are_logged_once_per_view(app, granted: Path) -> None:
    email = EMAILS["ombudsman"]
    before = len(access.audit_rows(granted, user=email))
    at = app(user=claims(email), type="violence")
    at.run()  # a rerun of the same view logs nothing
    at.switch_page(str(Path(__file__).resolve().parents[2] / "dashboard" / "pages" / "police.py"))
    at.run()
    rows = access.audit_rows(granted, user=email)[
        : len(access.audit_rows(granted, user=email)) - before
    ]

    actions = [r["action"] for r in reversed(rows)]
    assert actions == ["sign_in", "page_view", "page_view"]
    assert [r["page"] for r in reversed(rows)][1:] == ["overview", "police"]
    assert all(r["role"] == "ombudsman" and r["scope"] == "all" for r in rows)
    assert "type=violence" in rows[1]["link"]


def test_analyst_confirms_undoing_someone_elses_import(app, granted: Path) -> None:
    access.log(
        granted,
        AuditEntry(user="kollega@kommune.dk", role="analyst", scope="all", action="import",
                   details={"import_id": 1}),
    )  # fmt: skip
    at = app("import_data.py", user=claims(EMAILS["analyst"]))
    assert_clean(at)
    at.selectbox(key="undo_pick").set_value(1).run()
    at.checkbox(key="undo_sure_1").check().run()
    assert at.button(key="undo_button").disabled  # not until whose import it is is confirmed
    others = at.checkbox(key="undo_others_1")
    assert "kollega@kommune.dk" in others.label
    others.check().run()
    assert not at.button(key="undo_button").disabled
    history = next(d for d in at.dataframe if t("access.imported_by", "da") in d.value.columns)
    assert "kollega@kommune.dk" in history.value[t("access.imported_by", "da")].to_list()


def test_admin_grants_and_revokes_on_the_admin_page(app, granted: Path) -> None:
    at = app("admin.py", user=claims(EMAILS["admin"]))
    assert_clean(at)
    at.text_input(key="grant_email").input("Ny.Chef@Kommune.dk")
    at.selectbox(key="grant_role").set_value("department_head")
    at.multiselect(key="grant_departments").select(HEAD_DEPARTMENT)
    at.button[0].click().run()  # the form's submit button
    assert_clean(at)
    stored = access.find_grant(granted, "ny.chef@kommune.dk")
    assert stored is not None and stored.departments == (HEAD_DEPARTMENT,)
    assert stored.granted_by == EMAILS["admin"]
    at.selectbox(key="revoke_who").set_value("ny.chef@kommune.dk")
    at.button[1].click().run()
    assert access.find_grant(granted, "ny.chef@kommune.dk") is None
    logged = access.audit_rows(granted, user=EMAILS["admin"])
    assert [r["action"] for r in logged[:2]] == ["revoke", "grant"]


def test_local_mode_shows_its_banner_on_every_page(app) -> None:
    at = app()
    for spec in visible(RIGHTS["analyst"]):
        at.switch_page(str(Path(__file__).resolve().parents[2] / "dashboard" / "pages" / spec.file))
        at.run()
        assert t("access.local_banner", "da") in [w.value for w in at.warning], spec.file


def test_another_address_without_sign_in_shows_no_data(app) -> None:
    previous = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = app()
    finally:
        config.set_option("server.address", previous)
    assert [e.value for e in at.error] == [t("access.configure_sign_in", "da")]
    assert not at.metric and not at.sidebar.multiselect and not at.title


def test_an_incident_of_another_department_is_not_found_for_a_department_head(
    app, granted: Path
) -> None:
    import polars as pl

    incidents = generate_demo(2024, scale=0.3).incidents
    other = str(incidents.filter(pl.col("department") != HEAD_DEPARTMENT)["incident_id"][0])
    own = str(incidents.filter(pl.col("department") == HEAD_DEPARTMENT)["incident_id"][0])
    at = app("incidents.py", user=claims(EMAILS["department_head"]), incident=other)
    assert_clean(at)
    assert literal_t("incidents.not_found", "da", id=other) in [w.value for w in at.warning]
    at = app("incidents.py", user=claims(EMAILS["department_head"]), incident=own)
    assert_clean(at)
    assert literal_t("incidents.not_found", "da", id=own) not in [w.value for w in at.warning]
    assert literal_t("incidents.detail_title", "da", id=own) in [s.value for s in at.subheader]
