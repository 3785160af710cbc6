"""``python -m bench [import] [metrics] [browser] [access] [report] [load] [--out DIR] [--rows N ...]``:
run benchmarks.

All of them run by default. Results go to ``bench/results/<name>.json`` and ``.md`` (and into
``bench/README.md``); ``--out DIR`` writes them to DIR instead and leaves the README alone.
``--rows N`` restricts the import benchmark to the workbooks of N rows (repeatable; by
default every size is measured).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCHMARKS = ("import", "metrics", "browser", "access", "report", "load")


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="import, metrics, browser, access, report or load (default: all)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write results here instead")
    parser.add_argument(
        "--rows",
        type=int,
        action="append",
        default=None,
        metavar="N",
        help="import benchmark: only the workbooks of N rows (repeatable; default: all sizes)",
    )
    args = parser.parse_args(args_list)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    names = args.names or list(BENCHMARKS)
    if args.rows:
        from bench.imports import DEFAULT_SIZES

        known = sorted({s.rows for s in DEFAULT_SIZES})
        if not set(args.rows) <= set(known):
            parser.error(f"--rows: choose from {', '.join(str(n) for n in known)}")
    argv_text = tuple(args_list)
    start = time.perf_counter()
    for name in names:
        if name == "import":
            from bench import imports

            sizes = tuple(s for s in imports.DEFAULT_SIZES if not args.rows or s.rows in args.rows)
            imports.run(sizes, out_dir=args.out, argv=argv_text)
        elif name == "metrics":
            from bench import metrics

            metrics.run(out_dir=args.out, argv=argv_text)
        elif name == "access":
            from bench import access

            access.run(out_dir=args.out)
        elif name == "report":
            from bench import report

            report.run(out_dir=args.out, argv=argv_text)
        elif name == "browser":
            from bench import browser

            browser.run(out_dir=args.out, argv=argv_text)
        else:
            from bench import load

            load.run(out_dir=args.out, argv=argv_text)
    print(f"[bench] {', '.join(names)} done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
