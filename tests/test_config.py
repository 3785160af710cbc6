import pytest

from dashboard.config import load_settings, parse_deadlines


def test_defaults() -> None:
    s = load_settings({})
    assert s.db_path.name == "dashboard.duckdb" and s.db_path.parent.name == "data"
    assert (s.work_accident_days, s.suppress_below) == (9, 5)
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


@pytest.mark.parametrize("text", ["ombudsman", "nope=3", "complaint=x"])
def test_bad_deadlines_are_refused_with_the_part_named(text: str) -> None:
    with pytest.raises(ValueError, match=text.split("=")[0]):
        parse_deadlines(text)


def test_default_paths_are_in_the_working_directory_not_the_source_tree() -> None:
    s = load_settings({})
    assert not s.db_path.is_absolute() and s.db_path.as_posix() == "data/dashboard.duckdb"
