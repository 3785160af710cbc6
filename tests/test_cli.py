"""The command line as analysts script it: import, demo, imports, undo, metrics."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard import store
from dashboard.cli import main
from tests.samples import sample


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(tmp_path / "secret.key"))
    return tmp_path / "store.duckdb"


def test_import_json_is_one_object_with_every_field(env: Path) -> None:
    code, out, _ = run(
        "import", str(sample("haendelser_2023-2024.xlsx")), "--db", str(env), "--json"
    )
    assert code == 0
    payload = json.loads(out)  # exactly one JSON object, nothing else printed
    assert payload["ok"] is True
    [report] = payload["files"]
    for key in (
        "file",
        "sheet",
        "kind",
        "rows_read",
        "stored_new",
        "stored_updated",
        "unchanged",
        "exact_duplicates",
        "rejected",
        "rejections",
        "error",
    ):
        assert key in report, key
    assert (report["stored_new"], report["rejected"], report["exact_duplicates"]) == (2400, 11, 3)
    assert all(set(r) == {"row", "reasons"} and r["reasons"] for r in report["rejections"])


def test_every_sample_gives_its_expected_counts(env: Path) -> None:
    expected = json.loads(sample("expected_counts.json").read_text())
    files = [str(sample(name)) for name in expected]
    code, out, _ = run("import", *files, "--db", str(env), "--json")
    assert code == 0
    for report in json.loads(out)["files"]:
        want = expected[report["file"]]
        stored = report["stored_new"] + report["stored_updated"] + report["unchanged"]
        assert (stored, report["rejected"]) == (want["stored"], want["rejected_rows"])


@pytest.mark.parametrize(
    "name", ["not_a_workbook.xlsx", "truncated.xlsx", "missing_required_column.xlsx", "empty.xlsx"]
)
def test_broken_files_exit_2_with_one_sentence(env: Path, name: str) -> None:
    code, out, err = run("import", str(sample(f"bad/{name}")), "--db", str(env))
    assert code == 2
    assert "Traceback" not in out + err
    [line] = [line for line in out.splitlines() if line.startswith("✗")]
    assert name in line
    code, out, _ = run("import", str(sample(f"bad/{name}")), "--db", str(env), "--json")
    payload = json.loads(out)
    assert code == 2 and payload["ok"] is False and payload["files"][0]["error"]


def test_rejected_rows_workbook_has_reasons(env: Path, tmp_path: Path) -> None:
    target = tmp_path / "rejected.xlsx"
    code, out, _ = run(
        "import",
        str(sample("haendelser_2023-2024.xlsx")),
        "--db",
        str(env),
        "--rejected-out",
        str(target),
    )
    assert code == 0 and "Rejected rows written" in out
    sheet = load_workbook(target).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[0] == "Row" and header[-1] == "Reasons"
    assert sheet.max_row == 1 + 11
    assert all(sheet.cell(row=r, column=len(header)).value for r in range(2, 13))


def test_manual_map_option_and_reuse(env: Path, tmp_path: Path) -> None:
    from tests.importer.build import make_xlsx

    header = ["Hændelses-ID", "Forvaltning", "Hændelsesdato", "Slags"]
    first = make_xlsx(
        tmp_path / "a.xlsx", {"Ark1": [header, ["H-1", "Soc", "2024-01-02", "Trusler"]]}
    )
    code, out, _ = run("import", str(first), "--db", str(env))
    assert code == 2 and "--map" in out
    code, _, _ = run("import", str(first), "--db", str(env), "--map", "Slags=harassment_type")
    assert code == 0
    second = make_xlsx(
        tmp_path / "b.xlsx", {"Ark1": [header, ["H-2", "Soc", "2024-01-03", "Vold"]]}
    )
    assert run("import", str(second), "--db", str(env))[0] == 0  # the saved mapping is reused


def test_imports_and_undo(env: Path) -> None:
    run("import", str(sample("incidents_en_sample.xlsx")), "--db", str(env))
    code, out, _ = run("imports", "--db", str(env))
    assert code == 0 and "incidents_en_sample.xlsx" in out
    header, rule, first = out.splitlines()[:3]
    assert header.split("|")[1].strip() == "import_id" and set(rule) <= {"|", "-"}
    assert "str" not in out and "null" not in out  # no type row, no nulls spelled out
    columns = [cell.strip() for cell in header.split("|")]
    imported_at = first.split("|")[columns.index("imported_at")].strip()
    assert len(imported_at) == len("2026-11-24 13:42:31")  # to the second
    assert run("undo", "1", "--db", str(env))[0] == 0
    code, _, err = run("undo", "1", "--db", str(env))
    assert code == 2 and "already been undone" in err


def test_metrics_json_table_and_csv(env: Path) -> None:
    assert run("demo", "--db", str(env), "--scale", "0.2")[0] == 0
    # the identities between counts hold in the analyst's unsuppressed output (the
    # suppressed one is tested in test_metrics_json_gives_no_small_count_back)
    code, out, _ = run(
        "metrics", "--db", str(env), "--by", "unit", "--format", "json", "--unsuppressed"
    )
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {
        "filters",
        "extract_date",
        "incidents",
        "inquiries",
        "inquiries_by_type",
        "documentation_forms",
        "documented_by",
        "equal_treatment",
        "summary",
    }
    # who documented, per group: the documented incidents of each group, split
    by_group: dict[tuple, int] = {}
    for r in payload["documented_by"]:
        key = (r["department"], r["unit"])
        by_group[key] = by_group.get(key, 0) + r["documented"]
    assert by_group == {
        (r["department"], r["unit"]): r["documented"]
        for r in payload["incidents"]
        if r["documented"]
    }
    row = payload["incidents"][0]
    # every metric of the rules, under exactly the names issue 12 gives them
    for name in (
        "work_accident_required",
        "work_accident_missing",
        "work_accidents_within_deadline",
        "work_accidents_late",
        "work_accident_compliance_rate",
        "work_accident_compliance_rate_ci",
        "police_with_prior_warning",
        "police_without_prior_warning",
        "police_prior_warning_unknown",
        "police_reports",
    ):
        assert name in row, name
    for r in payload["incidents"]:
        assert r["police_reports"] == (
            r["police_with_prior_warning"]
            + r["police_without_prior_warning"]
            + r["police_prior_warning_unknown"]
        )
    assert {"share_within_deadline", "share_within_deadline_answered"} <= set(
        payload["inquiries"][0]
    )
    assert {r["inquiry_type"] for r in payload["inquiries_by_type"]} >= {"ombudsman"}
    code, out, _ = run(
        "metrics", "--db", str(env), "--by", "department", "--inquiry-type", "Borgerrådgiveren",
        "--format", "json", "--unsuppressed",
    )  # fmt: skip
    assert code == 0
    only = json.loads(out)
    assert only["filters"]["inquiry_types"] == ["ombudsman"]
    assert [r["inquiry_type"] for r in only["inquiries_by_type"]] == ["ombudsman"]
    ombudsman = next(r for r in payload["inquiries_by_type"] if r["inquiry_type"] == "ombudsman")
    assert sum(r["inquiries"] for r in only["inquiries"]) == ombudsman["inquiries"]
    assert (
        "department" in row
        and len(row["police_report_rate_ci"]) == 2
        and "police_report_oe_ci" in row
    )
    assert set(payload["equal_treatment"]) == {
        "police_report_rate",
        "warning_rate",
        "work_accident_rate",
        "documentation_rate",
    }
    assert {"chi2", "dof", "p_value"} <= set(payload["equal_treatment"]["police_report_rate"])
    code, out, _ = run(
        "metrics", "--db", str(env), "--by", "department", "--type", "Vold", "--format", "table"
    )
    assert code == 0 and "Extract date" in out
    code, out, _ = run("metrics", "--db", str(env), "--by", "department", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("department,")
    code, _, err = run("metrics", "--db", str(env), "--by", "unit", "--type", "Spam")
    assert code == 2 and "Spam" in err


def _frame(rows: list[dict]) -> pl.DataFrame:
    """CLI JSON rows as a metrics frame: ``x_ci: [low, high]`` back to two columns."""
    flat = []
    for row in rows:
        item = {}
        for key, value in row.items():
            if key.endswith("_ci") and isinstance(value, list):
                item[f"{key}_low"], item[f"{key}_high"] = value
            elif not isinstance(value, list):
                item[key] = value
        flat.append(item)
    return pl.DataFrame(flat, infer_schema_length=None)


def test_metrics_json_gives_no_small_count_back(env: Path) -> None:
    from dashboard import access
    from tests.metrics.recovery import incident_recoveries, inquiry_recoveries

    assert run("demo", "--db", str(env), "--scale", "0.2")[0] == 0
    metrics = ("metrics", "--db", str(env), "--by", "unit", "--format", "json")
    shown = json.loads(run(*metrics)[1])
    assert not access.audit_rows(env, action="export")  # the default is not logged
    truth = json.loads(run(*metrics, "--unsuppressed")[1])
    [logged] = access.audit_rows(env, action="export")
    assert json.loads(logged["details"])["unsuppressed"] is True
    for name, check in (("incidents", incident_recoveries), ("inquiries", inquiry_recoveries)):
        real = _frame(truth[name])
        totals = {c: int(real[c].sum()) for c in real.columns if real[c].dtype == pl.Int64}
        # the checker finds small counts in the analyst's output, none in the default one
        assert check(real, real, totals, 5)
        assert check(_frame(shown[name]), real, totals, 5) == []
    # who documented: a small count is hidden, and a group's line never has one hidden cell
    for row in shown["documented_by"]:
        assert row["documented"] is None or row["documented"] >= 5
    # the groups the tests name with figures are groups whose figures are shown
    small = {r["unit"] for r in truth["incidents"] if 0 < r["police_reports"] < 5}
    named = {g["unit"] for g in shown["equal_treatment"]["police_report_rate"]["verdicts"]}
    assert not small & named


def test_demo_if_empty_leaves_real_data_alone(env: Path) -> None:
    run("import", str(sample("incidents_en_sample.xlsx")), "--db", str(env))
    code, out, _ = run("demo", "--db", str(env), "--if-empty")
    assert code == 0 and "already holds data" in out


def test_help_documents_every_option() -> None:
    with pytest.raises(SystemExit):
        run("import", "--help")


def test_zip_of_cli_rejected_workbook_has_no_formula(env: Path, tmp_path: Path) -> None:
    target = tmp_path / "rejected.xlsx"
    run(
        "import",
        str(sample("haendelser_2023-2024.xlsx")),
        "--db",
        str(env),
        "--rejected-out",
        str(target),
    )
    with zipfile.ZipFile(target) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_store_held_by_another_process_is_one_sentence(env: Path) -> None:
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb; c = duckdb.connect({str(env)!r}); print('ready', flush=True); input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out, err = run("import", str(sample("incidents_en_sample.xlsx")), "--db", str(env))
        assert code == 2
        assert "in use by another program" in err and "Traceback" not in err
        code, out, _ = run(
            "import", str(sample("incidents_en_sample.xlsx")), "--db", str(env), "--json"
        )
        assert code == 2 and json.loads(out)["ok"] is False
    finally:
        holder.communicate("\n", timeout=30)


def test_deadline_defaults_are_configurable(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import store
    from tests.importer.build import make_xlsx

    header = ["Sagsnr.", "Forvaltning", "Henvendelsestype", "Modtaget", "Svarfrist", "Besvaret"]
    path = make_xlsx(
        tmp_path / "q.xlsx",
        {"Ark1": [header, ["S1", "Soc", "Borgerrådgiveren", "01-03-2024", None, None]]},
    )
    monkeypatch.setenv("DASHBOARD_DEADLINES", "ombudsman=10")
    assert run("import", str(path), "--db", str(env))[0] == 0
    con = store.connect(env)
    assert store.fetch_all(con, "SELECT deadline_on::VARCHAR FROM inquiries") == [("2024-03-11",)]


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("DASHBOARD_DEADLINES", "ombudsman", "DASHBOARD_DEADLINES"),
        ("DASHBOARD_WORK_ACCIDENT_DAYS", "nine", "DASHBOARD_WORK_ACCIDENT_DAYS"),
        ("DASHBOARD_SECRET_KEY", "short", "DASHBOARD_SECRET_KEY is too short"),
    ],
)
def test_bad_settings_are_one_sentence(
    env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = run("import", str(sample("incidents_en_sample.xlsx")), "--db", str(env))
    assert code == 2 and needle in err and "Traceback" not in out + err


def test_the_command_line_does_not_load_the_statistics_libraries_until_metrics_runs() -> None:
    """scipy and statsmodels cost about a second per start; only `metrics` needs them."""
    import subprocess
    import sys

    code = (
        "import sys, dashboard.cli; "
        "print(sorted(m for m in ('scipy', 'statsmodels') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


def test_unreadable_file_is_one_sentence_and_the_others_are_imported(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    locked = shutil.copy(sample("incidents_en_sample.xlsx"), tmp_path / "locked.xlsx")
    real_open = Path.open

    def open_refusing_locked(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.xlsx":  # chmod 000 does not stop root, so refuse here
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    real_os_open = os.open

    def os_open_refusing_locked(file: object, *args: object, **kwargs: object) -> int:
        if Path(str(file)).name == "locked.xlsx":
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", open_refusing_locked)
    monkeypatch.setattr(os, "open", os_open_refusing_locked)
    good = str(sample("henvendelser_2023-2024.xlsx"))
    code, out, err = run("import", str(locked), good, "--db", str(env), "--json")
    assert code == 2 and "Traceback" not in out + err
    first, second = json.loads(out)["files"]
    assert "locked.xlsx" in first["error"] and "could not be opened" in first["error"]
    assert second["error"] is None and second["stored_new"] == 900


@pytest.mark.parametrize(
    ("argv", "variable", "needle"),
    [
        (["--map", "Slags"], None, "--map expects"),
        ([], "DASHBOARD_WORK_ACCIDENT_DAYS", "DASHBOARD_WORK_ACCIDENT_DAYS"),
    ],
)
def test_json_refusal_before_any_file_is_one_object(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    variable: str | None,
    needle: str,
) -> None:
    if variable:
        monkeypatch.setenv(variable, "nine")
    sample_file = str(sample("incidents_en_sample.xlsx"))
    code, out, err = run("import", sample_file, "--db", str(env), "--json", *argv)
    payload = json.loads(out)
    assert code == 2 and payload["ok"] is False and payload["files"] == []
    assert needle in payload["error"] and err == ""


@pytest.mark.parametrize("what", ["folder", "not_duckdb"])
def test_store_that_cannot_be_opened_is_one_sentence(env: Path, tmp_path: Path, what: str) -> None:
    db = tmp_path if what == "folder" else sample("incidents_en_sample.xlsx")
    sample_file = str(sample("incidents_en_sample.xlsx"))
    code, out, err = run("import", sample_file, "--db", str(db))
    assert code == 2 and str(db) in err and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = run("import", sample_file, "--db", str(db), "--json")
    assert code == 2 and str(db) in json.loads(out)["error"]
    assert run("imports", "--db", str(db))[0] == 2


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_key_file_that_cannot_be_used_is_one_sentence(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    blocker = tmp_path / "blocker"
    if where == "under_a_file":
        blocker.write_text("not a folder")
        key_file = blocker / "secret.key"
    else:
        key_file = blocker
        key_file.mkdir()
    monkeypatch.setenv("DASHBOARD_KEY_FILE", str(key_file))
    sample_file = str(sample("incidents_en_sample.xlsx"))
    code, out, err = run("import", sample_file, "--db", str(env))
    assert code == 2 and str(key_file) in err and "Traceback" not in out + err


@pytest.mark.parametrize("where", ["an_input", "a_folder", "a_missing_folder"])
def test_rejected_out_that_cannot_be_written_is_refused_before_importing(
    env: Path, tmp_path: Path, where: str
) -> None:
    import shutil

    source = Path(shutil.copy(sample("haendelser_2023-2024.xlsx"), tmp_path / "h.xlsx"))
    before = source.read_bytes()
    target = {
        "an_input": source,
        "a_folder": tmp_path,
        "a_missing_folder": tmp_path / "no" / "rejected.xlsx",
    }[where]
    argv = ("import", str(source), "--db", str(env), "--rejected-out", str(target))
    code, out, err = run(*argv)
    assert code == 2 and "--rejected-out" in err and "Traceback" not in out + err
    code, out, _ = run(*argv, "--json")
    payload = json.loads(out)
    assert code == 2 and payload["ok"] is False and "--rejected-out" in payload["error"]
    assert source.read_bytes() == before  # the input is never overwritten
    assert run("imports", "--db", str(env))[1].count("h.xlsx") == 0  # nothing imported


def test_rejected_out_failing_while_written_is_one_sentence(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("dashboard.cli.write_xlsx", disk_full)
    code, out, _ = run(
        "import",
        str(sample("haendelser_2023-2024.xlsx")),
        "--db",
        str(env),
        "--rejected-out",
        str(tmp_path / "r.xlsx"),
        "--json",
    )
    payload = json.loads(out)
    assert code == 2 and payload["ok"] is False and "No space left" in payload["error"]
    assert payload["files"][0]["stored_new"] == 2400


def test_demo_is_not_mixed_into_real_data(env: Path) -> None:
    run("import", str(sample("incidents_en_sample.xlsx")), "--db", str(env))
    code, out, err = run("demo", "--db", str(env), "--scale", "0.1")
    assert code == 2 and "real data" in err and "Traceback" not in out + err
    code, out, _ = run("imports", "--db", str(env))
    assert "demo (incidents" not in out
    assert run("demo", "--db", str(env), "--if-empty")[0] == 0  # still a no-op, not a failure


def test_missing_path_names_the_path_and_says_to_check_it(env: Path, tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "haendelser.xlsx"
    code, out, _ = run("import", str(missing), "--db", str(env), "--json")
    [report] = json.loads(out)["files"]
    assert code == 2 and report["file"] == "haendelser.xlsx"
    assert str(missing) in report["error"] and "check the path" in report["error"]
    assert "upload" not in report["error"]  # there is no upload on the command line


def test_usage_error_with_json_is_still_one_object() -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as stop:
        main(["import", "a.xlsx", "--kind", "people", "--json"], stdout=out, stderr=err)
    assert stop.value.code == 2
    payload = json.loads(out.getvalue())
    assert payload["ok"] is False and payload["files"] == [] and "--kind" in payload["error"]
    assert "usage:" in err.getvalue()


def test_a_second_column_for_the_same_field_is_named_as_not_imported(
    env: Path, tmp_path: Path
) -> None:
    from tests.importer.build import make_xlsx

    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type", "Forvaltning"]
    path = make_xlsx(
        tmp_path / "twice.xlsx",
        {"Ark1": [header, ["H-1", "Socialforvaltningen", "2024-01-02", "Vold", "Andet"]]},
    )
    code, out, _ = run("import", str(path), "--db", str(env))
    assert code == 0
    assert "columns not imported (the same field as an earlier column): Forvaltning" in out
    code, out, _ = run("import", str(path), "--db", str(env), "--json")
    assert json.loads(out)["files"][0]["duplicate_headers"] == ["Forvaltning"]


def _two_years(tmp_path: Path) -> Path:
    from tests.importer.build import make_xlsx

    header = ["Hændelses-ID", "Forvaltning", "Dato", "Type"]
    return make_xlsx(
        tmp_path / "two_years.xlsx",
        {
            "2023": [
                header,
                ["H-1", "Soc", "2023-01-02", "Vold"],
                ["H-2", "Soc", "2023-02-02", "Vold"],
            ],
            "Forklaring": [["Felt", "Betydning"], ["Dato", "Hvornår hændelsen skete"]],
            "2024": [
                header,
                ["H-3", "Soc", "2024-01-02", "Trusler"],
                ["H-4", "Soc", "2024-03-02", "Vold"],
            ],
        },
    )


def test_other_data_sheets_are_named_and_imported_with_sheet(env: Path, tmp_path: Path) -> None:
    path = _two_years(tmp_path)
    code, out, _ = run("import", str(path), "--db", str(env))
    assert code == 0 and 'two_years.xlsx — sheet "2023"' in out  # the first of equals
    assert (
        'other sheets that look like data, not imported (import them with --sheet): "2024"' in out
    )
    code, out, _ = run("import", str(path), "--db", str(env), "--sheet", "2024", "--json")
    [entry] = json.loads(out)["files"]
    assert code == 0 and entry["sheet"] == "2024" and entry["stored_new"] == 2
    assert entry["other_data_sheets"] == ["2023"]
    con = store.connect(env)
    try:
        ids = store.fetch_all(con, "SELECT incident_id FROM incidents ORDER BY 1")
    finally:
        con.close()
    assert ids == [("H-1",), ("H-2",), ("H-3",), ("H-4",)]


def test_a_sheet_that_is_not_there_is_one_sentence(env: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        "import", str(_two_years(tmp_path)), "--db", str(env), "--sheet", "2025", "--json"
    )
    [entry] = json.loads(out)["files"]
    assert code == 2
    assert entry["error"] == (
        'two_years.xlsx has no visible sheet named "2025" (visible sheets: "2023", '
        '"Forklaring", "2024"); choose one of them.'
    )


def test_metrics_refuses_a_period_that_ends_before_it_starts(env: Path) -> None:
    code, out, err = run(
        "metrics", "--db", str(env), "--by", "unit", "--from", "2024-05-01", "--to", "2024-01-01"
    )
    assert code == 2 and out == ""
    assert err.strip() == "--from 2024-05-01 is after --to 2024-01-01; swap them."


def test_metrics_table_of_an_empty_store_says_so(env: Path) -> None:
    code, out, _ = run("metrics", "--db", str(env), "--by", "unit", "--format", "table")
    assert code == 0 and out.startswith("Extract date: – (no incidents)")


def test_metrics_on_a_damaged_store_is_one_sentence(env: Path) -> None:
    """A store whose summary table is gone: the query error is the one sentence, in the
    language of --lang, and no traceback."""
    from dashboard import queries
    from dashboard.i18n import t

    assert run("demo", "--db", str(env), "--scale", "0.05")[0] == 0
    with store.connect(env) as con:
        con.execute("DROP TABLE incident_summary").fetchall()
    for lang in ("en", "da"):
        code, out, err = run("metrics", "--db", str(env), "--by", "unit", "--lang", lang)
        assert code == 2 and out == "" and "Traceback" not in err
        assert err.strip() in {t("errors.query_failed", lang, query=n) for n in queries.names()}


def test_a_folder_as_store_is_refused_in_the_language_of_metrics(tmp_path: Path) -> None:
    from dashboard.i18n import t

    code, _, err = run("metrics", "--db", str(tmp_path), "--by", "unit", "--lang", "da")
    assert code == 2 and err.strip() == t("errors.store_unusable_cli", "da", db=str(tmp_path))


@pytest.mark.parametrize(
    ("option", "value"),
    [("--scale", "-1"), ("--scale", "0"), ("--scale", "1e9"), ("--scale", "nan"), ("--seed", "-5")],
)
def test_demo_options_out_of_range_are_usage_errors(env: Path, option: str, value: str) -> None:
    """They ended in a ValueError or numpy's 44 TiB allocation, with a traceback."""
    with pytest.raises(SystemExit) as stop:
        run("demo", "--db", str(env), option, value)
    assert stop.value.code == 2
    assert not env.exists()  # refused before the store was opened
