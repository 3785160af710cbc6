import pytest

from dashboard.config import ConfigError, load_settings, parse_deadlines


def test_defaults() -> None:
    s = load_settings({})
    assert s.db_path.name == "dashboard.duckdb" and s.db_path.parent.name == "data"
    assert (s.work_accident_days, s.suppress_below) == (14, 5)  # the 14 days of § 1
    assert s.deadline_days == {
        "ombudsman": 21,
        "access_to_records": 7,
        "complaint": 28,
        "general": 28,
    }


def test_environment_overrides() -> None:
    s = load_settings(
        {
            "DASHBOARD_DB": "/x/y.duckdb",
            "DASHBOARD_WORK_ACCIDENT_DAYS": "7",
            "DASHBOARD_DEADLINES": "ombudsman=14",
        }
    )
    assert str(s.db_path) == "/x/y.duckdb" and s.work_accident_days == 7
    assert s.deadline_days["ombudsman"] == 14 and s.deadline_days["complaint"] == 28
    assert str(load_settings({}, db="other.duckdb").db_path) == "other.duckdb"


def test_peers_setting() -> None:
    assert load_settings({}).peers == "anonymous"
    assert load_settings({"DASHBOARD_PEERS": " Hidden "}).peers == "hidden"
    with pytest.raises(ConfigError, match="DASHBOARD_PEERS must be one of anonymous, hidden"):
        load_settings({"DASHBOARD_PEERS": "named"})


@pytest.mark.parametrize("text", ["ombudsman", "nope=3", "complaint=x"])
def test_bad_deadlines_are_refused_with_the_part_named(text: str) -> None:
    with pytest.raises(ValueError, match=text.split("=")[0]):
        parse_deadlines(text)


def test_default_paths_are_in_the_working_directory_not_the_source_tree() -> None:
    s = load_settings({})
    assert not s.db_path.is_absolute() and s.db_path.as_posix() == "data/dashboard.duckdb"


def test_the_key_file_lives_outside_the_data_folder_and_the_work_dir_beside_the_store() -> None:
    """Issue 15, item 4: the default key file was data/secret.key, beside the store."""
    s = load_settings({"HOME": "/home/analyst", "DASHBOARD_DB": "/srv/data/store.duckdb"})
    assert str(s.key_file) == "/home/analyst/.config/harassment-dashboard/secret.key"
    assert s.db_path.parent not in s.key_file.parents
    assert str(s.legacy_key_file) == "/srv/data/secret.key"  # moved from there on first use
    assert str(s.work_dir) == "/srv/data/work"
    xdg = load_settings({"XDG_CONFIG_HOME": "/etc/xdg-analyst", "HOME": "/home/analyst"})
    assert str(xdg.key_file) == "/etc/xdg-analyst/harassment-dashboard/secret.key"
    chosen = load_settings({"DASHBOARD_KEY_FILE": "/keys/k", "DASHBOARD_WORK_DIR": "/w"})
    assert (str(chosen.key_file), chosen.legacy_key_file, str(chosen.work_dir)) == (
        "/keys/k",
        None,
        "/w",
    )


def test_the_readme_names_every_setting_a_deployer_needs() -> None:
    """Issue 17: how to choose the port was not documented. Every DASHBOARD_* variable the
    package reads, and the make and serve options for port and address, are in the README."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[1]
    readme = (root / "README.md").read_text()
    source = "".join(p.read_text() for p in (root / "dashboard").rglob("*.py"))
    read = set(re.findall(r"DASHBOARD_[A-Z_]+[A-Z]", source))
    assert read and {v for v in read if f"`{v}`" not in readme} == set()
    for usage in ("make run PORT=", "ADDRESS=", "serve --port", "--address", "server.baseUrlPath"):
        assert usage in readme, usage
