"""`python -m tests.conformance.report`: run every n8n conformance workflow file and print one line
per file (pass / fail with the first difference / needs-javascript / needs-node / needs-fixture)
and the totals. Exit status 1 only when a file fails that KNOWN_GAPS does not list.

Options: `-k TEXT` runs only files whose path contains TEXT; `--full` prints details uncut.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence

from engine.registry import NodeRegistry

from .harness import conformance_dir
from .known_gaps import KNOWN_GAPS
from .workflow_files import STATUSES, Outcome, discover, run_file

LINE_WIDTH = 220


async def run_all(filter_text: str = "") -> list[Outcome]:
    root = conformance_dir()
    registry = NodeRegistry.from_entry_points()
    return [await run_file(root, relative, registry) for relative in discover(root) if filter_text in relative]


def render(outcomes: Sequence[Outcome], full: bool = False) -> list[str]:
    """The report lines: one per file, then the totals."""
    lines = []
    for outcome in outcomes:
        line = outcome.line(0 if full else LINE_WIDTH)
        gap = KNOWN_GAPS.get(outcome.relative)
        if gap and outcome.status == "fail":
            line = line.replace("fail ", "fail*", 1) + f"  [known gap: {gap}]"
        elif gap and outcome.status == "pass":
            line += "  [listed in KNOWN_GAPS but passes: remove the entry]"
        lines.append(line)
    lines.append("")
    counts = Counter(o.status for o in outcomes)
    known = sum(1 for o in outcomes if o.status == "fail" and o.relative in KNOWN_GAPS)
    parts = [f"{counts.get(status, 0)} {status}" for status in STATUSES]
    parts[1] += f" ({known} known gap{'s' if known != 1 else ''}, marked fail*)"
    lines.append(f"Total: {len(outcomes)} files: " + ", ".join(parts))
    return lines


def unexpected_failures(outcomes: Sequence[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status == "fail" and o.relative not in KNOWN_GAPS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-k", dest="filter", default="", help="only files whose path contains this text")
    parser.add_argument("--full", action="store_true", help="print details uncut")
    options = parser.parse_args(argv)
    root = conformance_dir()
    if not root.is_dir():
        print(f"n8n conformance data not found at {root} (set KNOTWORK_CONFORMANCE_DIR); nothing to run")
        return 0
    logging.disable(logging.WARNING)  # nodes' own warnings would break the one-line-per-file output
    started = time.perf_counter()
    outcomes = asyncio.run(run_all(options.filter))
    for line in render(outcomes, options.full):
        print(line)
    print(f"({time.perf_counter() - started:.1f} s)")
    failures = unexpected_failures(outcomes)
    if failures:
        print(f"{len(failures)} file(s) fail that KNOWN_GAPS does not list", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
