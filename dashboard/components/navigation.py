"""The pages of the app, in menu order, and the language the menu is shown in."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import cast

import streamlit as st

from dashboard.access import Right
from dashboard.components import url_state
from dashboard.i18n import DEFAULT_LANG, LANGS, Lang, t

# The page scripts are package data: on disk beside the modules, in the checkout as in an
# installed wheel (Streamlit runs them from a path).
PAGE_DIR = Path(str(resources.files("dashboard") / "pages"))


@dataclass(frozen=True)
class PageSpec:
    """A page: its script in dashboard/pages, its menu key in the catalogue, icon and URL, and
    the right it needs beyond reading (None: every signed-in role with a grant)."""

    file: str
    key: str
    icon: str
    url_path: str
    needs: Right | None = None

    @property
    def url(self) -> str:
        """The page's path in the browser: the first page is the app's root."""
        return "" if self is PAGES[0] else self.url_path


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "overview", ":material/dashboard:", "overview"),
    PageSpec("police.py", "police", ":material/local_police:", "police"),
    PageSpec("warnings.py", "warnings", ":material/warning:", "warnings"),
    PageSpec("work_accidents.py", "work_accidents", ":material/personal_injury:", "work-accidents"),
    PageSpec("documentation.py", "documentation", ":material/description:", "documentation"),
    PageSpec("response_times.py", "response_times", ":material/schedule:", "response-times"),
    PageSpec("equal_treatment.py", "equal_treatment", ":material/balance:", "equal-treatment"),
    PageSpec("incidents.py", "incidents", ":material/table_rows:", "incidents"),
    PageSpec("import_data.py", "import", ":material/upload_file:", "import", Right.IMPORT),
    PageSpec("export.py", "export", ":material/download:", "export"),
    PageSpec("admin.py", "admin", ":material/admin_panel_settings:", "admin", Right.ADMIN),
)


def current_lang() -> Lang:
    """The chosen language (for the menu, built before the page runs): the session's view
    (see components.url_state), else the link's ?lang=, else Danish."""
    view = url_state.current("lang")
    value = (view[-1] if view else None) if view is not None else st.query_params.get("lang")
    value = value or DEFAULT_LANG
    return cast(Lang, value if value in LANGS else DEFAULT_LANG)


def visible(rights: frozenset[Right]) -> list[PageSpec]:
    """The pages a role with ``rights`` may open, in menu order (deny by default)."""
    return [spec for spec in PAGES if spec.needs is None or spec.needs in rights]


def build_pages(lang: Lang, rights: frozenset[Right]) -> list[st.Page]:
    """st.Page objects for the pages a role with ``rights`` may open, titled in ``lang``."""
    return [
        st.Page(
            PAGE_DIR / spec.file,
            title=t(f"nav.{spec.key}", lang),
            icon=spec.icon,
            url_path=spec.url_path,
            default=index == 0,
        )
        for index, spec in enumerate(visible(rights))
    ]


def page_path(key: str) -> Path:
    """The script of a page, for st.page_link / st.switch_page."""
    return PAGE_DIR / next(p.file for p in PAGES if p.key == key)
