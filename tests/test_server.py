"""Serving the installed app: the script and settings Streamlit is given."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.server import script_path, streamlit_arguments

ROOT = Path(__file__).resolve().parents[1]


def test_the_served_script_is_in_the_package_with_its_settings() -> None:
    script = script_path()
    assert script.is_file() and script.parent.parent.name == "dashboard"
    settings = script.parent / ".streamlit" / "config.toml"
    assert "gatherUsageStats = false" in settings.read_text(encoding="utf-8")
    # declared once: in the checkout the package's script and settings are the top-level
    # app.py and .streamlit/config.toml (which `streamlit run app.py` and the tests use)
    assert (ROOT / ".streamlit" / "config.toml").samefile(settings)
    assert (ROOT / "app.py").samefile(script)


def test_the_server_is_headless_without_a_file_watcher() -> None:
    args = streamlit_arguments(8600, "127.0.0.1")
    assert args[:2] == ["run", str(script_path())]
    options = dict(zip(args[2::2], args[3::2], strict=True))
    assert options == {
        "--server.port": "8600",
        "--server.address": "127.0.0.1",
        "--server.headless": "true",
        "--server.fileWatcherType": "none",
    }


def test_nothing_in_the_package_finds_files_through_its_source_tree() -> None:
    """Package data is read with importlib.resources; no module climbs from __file__ (an
    installed package's parent is site-packages, not the project)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "dashboard").rglob("*.py")
        if re.search(r"\b__file__\b|PROJECT_ROOT", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_an_address_the_server_cannot_listen_on_is_one_sentence() -> None:
    """192.0.2.1 is TEST-NET-1 (RFC 5737), never a machine's own; a port already listened
    on is in use. Either is the sentence, exit 2, before Streamlit starts."""
    import io
    import socket

    import pytest

    from dashboard.cli import main
    from dashboard.i18n import t

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for address, number in (("192.0.2.1", 8501), ("127.0.0.1", port)):
            out, err = io.StringIO(), io.StringIO()
            code = main(
                ["serve", "--address", address, "--port", str(number)], stdout=out, stderr=err
            )
            expected = t("errors.cannot_listen", "en", address=address, port=str(number))
            assert (code, out.getvalue(), err.getvalue().strip()) == (2, "", expected)
    with pytest.raises(SystemExit) as usage:
        main(["serve", "--port", "99999"], stdout=io.StringIO(), stderr=io.StringIO())
    assert usage.value.code == 2
