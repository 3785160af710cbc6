"""``python -m bench.previews [--rows N] [--sessions K]``: the server's memory for previews.

K browser sessions (Chromium) each upload the same N-row export on the Import page and wait
for its preview; the server's resident memory (VmRSS of the ``dashboard.serve`` process)
is read before, with the previews held, and after the sessions' browsers are closed (polled
until it stops falling, at most 60 s). Run twice in a row: with the default bound
(``DASHBOARD_MAX_PREVIEWS`` = 4 would hold every preview of 4 sessions, so the bound is set
to 2) and, as the alternative, unbounded (1000). Prints one JSON object per run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.imports import CACHE_DIR
from bench.workbooks import ensure_export
from tests.e2e.live_server import CHROMIUM, CHROMIUM_ARGS, running_app


def _rss_mib(port: int) -> float:
    """Resident memory of the server listening on ``port`` (found by its command line)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"dashboard.serve" in cmdline and str(port).encode() in cmdline:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    raise LookupError(f"no server on port {port}")


def measure(rows: int, sessions: int, limit: int) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    export = ensure_export(CACHE_DIR, rows)
    work = Path(tempfile.mkdtemp(prefix="bench-previews-"))
    # A temporary folder of its own: uploads and the reader's private copies stay apart
    # from other programs' (and their clean-ups) on a shared machine.
    (work / "tmp").mkdir()
    env = {**os.environ, "DASHBOARD_MAX_PREVIEWS": str(limit), "TMPDIR": str(work / "tmp")}
    with running_app(work / "store.duckdb", work / "secret.key", env=env) as url:
        port = int(url.rsplit(":", 1)[1])
        expect.set_options(timeout=300_000)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            contexts = []
            first = browser.new_context()
            page = first.new_page()
            page.goto(f"{url}/import")
            expect(page.locator('[data-testid="stFileUploaderDropzoneInput"]')).to_have_count(1)
            contexts.append(first)
            before = _rss_mib(port)
            for index in range(sessions):
                context = first if index == 0 else browser.new_context()
                if index:
                    contexts.append(context)
                    page = context.new_page()
                    page.goto(f"{url}/import")
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                    str(export)
                )
                expect(page.get_by_role("button", name="Importér")).to_be_visible()
            held = _rss_mib(port)
            for context in contexts:
                context.close()
            closed = time.monotonic()
            after, samples = held, []
            while time.monotonic() - closed < 60:
                samples.append(round(_rss_mib(port), 1))
                if len(samples) >= 4 and samples[-1] >= min(samples[:-1]) - 1:
                    break  # stopped falling
                time.sleep(5)  # a benchmark samples over time; tests never sleep
            after = samples[-1]
            browser.close()
    return {
        "rows": rows,
        "sessions": sessions,
        "max_previews": limit,
        "rss_before_mib": round(before, 1),
        "rss_with_previews_mib": round(held, 1),
        "rss_after_close_mib": round(after, 1),
        "samples_after_close_mib": samples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.previews", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=4)
    args = parser.parse_args(argv)
    results = [measure(args.rows, args.sessions, limit) for limit in (2, 1000)]
    for result in results:
        print(json.dumps(result))
    bounded, unbounded = results
    held = (unbounded["rss_with_previews_mib"] - unbounded["rss_before_mib"]) / max(
        bounded["rss_with_previews_mib"] - bounded["rss_before_mib"], 1
    )
    print(json.dumps({"unbounded_over_bounded_growth": round(held, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
