"""Fuzz the table readers for longer than the test suite does (issue 19).

The same checks as ``tests/io/test_fuzz_readers.py`` (random CSV tables in random
encodings, random XLSX workbooks, random bytes; only geo's own error may come out and no
row may be lost; nearly plain CSV tables, which the pandas-free reader of ``geo.lean``
must decline or read as the general reader does, byte for byte), with fresh randomness
and as many examples as asked::

    python bench/fuzz_readers.py                    # 2,000 examples of each kind
    python bench/fuzz_readers.py --examples 20000 --seed 7
    python bench/fuzz_readers.py --kinds lean       # the plain reader only

It prints, per kind, the examples tried, how many were read or refused with geo's own
error, and every failure (shrunk by hypothesis to a small example); the exit status is 1
when anything failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _helpers.fuzz_tables import (  # noqa: E402
    check_file,
    check_lean,
    csv_tables,
    garbage,
    plain_csv_tables,
    xlsx_tables,
)
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KINDS = st.sampled_from(["stations", "demand"])


def _write(folder: Path, data: bytes, suffix: str, n: int) -> Path:
    path = folder / f"t{n}{suffix}"
    path.write_bytes(data)
    return path


def run(name: str, strategy: st.SearchStrategy, examples: int, run_seed: int,
        folder: Path) -> tuple[Counter, list[str]]:
    """Run one kind of input; the outcome counts and the failures (as text)."""
    counts: Counter = Counter()
    failures: list[str] = []

    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              report_multiple_bugs=True, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(item=strategy, kind=KINDS)
    def prop(item: Any, kind: str) -> None:
        counts["tried"] += 1
        if name == "csv":
            spec, data, _ = item
            path = _write(folder, data, ".csv", counts["tried"])
        elif name == "lean":
            path = _write(folder, item.data, ".csv", counts["tried"])
        elif name == "xlsx":
            spec, data = item
            path = _write(folder, data, ".xlsx", counts["tried"])
        else:
            spec, (suffix, data) = None, item
            path = _write(folder, data, suffix, counts["tried"])
        try:
            counts[check_lean(path, item) if name == "lean"
                   else check_file(path, kind, spec)] += 1
        finally:
            path.unlink(missing_ok=True)

    try:
        prop()
    except BaseException as exc:  # every failure is reported, then the next kind
        if isinstance(exc, KeyboardInterrupt):
            raise
        failures.append("".join(traceback.format_exception(exc))[-6000:])
    return counts, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per kind")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--kinds", default="csv,xlsx,bytes,lean", help="csv, xlsx, bytes, lean")
    args = parser.parse_args()
    strategies = {"csv": csv_tables(), "xlsx": xlsx_tables(), "bytes": garbage(),
                  "lean": plain_csv_tables()}
    print(f"fuzz_readers: seed {args.seed}, {args.examples:,} examples per kind")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="geo-fuzz-") as tmp:
        for name in args.kinds.split(","):
            t0 = time.perf_counter()
            counts, failures = run(name, strategies[name], args.examples, args.seed, Path(tmp))
            took = time.perf_counter() - t0
            outcome = (f"same as the general reader {counts['same']:,}, declined "
                       f"{counts['declined']:,}" if name == "lean" else
                       f"read {counts['read']:,}, refused with geo's error {counts['error']:,}")
            print(f"  {name:5s}: tried {counts['tried']:,} (incl. shrinking), {outcome}, "
                  f"failures {len(failures)}  [{took:.1f} s]")
            for text in failures:
                failed += 1
                print("    " + text.replace("\n", "\n    "))
    print("fuzz_readers: " + ("no failure" if not failed else f"{failed} kind(s) failed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
