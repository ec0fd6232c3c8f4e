"""How long the readers take over hostile wide inputs (issue 19), and what they answer.

Cases (built in a temporary folder by ``tests/_helpers/wide.py``):

* ``styled 100`` / ``styled 1000`` — a 3-column station sheet whose every row is styled
  to column XFD (16,381 value-less cells a row; 4 MB / 42 MB): must be *read*, fast;
* ``values 50`` — 50 rows of values in all 16,384 columns, no ``<dimension>`` (as
  openpyxl's streaming writer saves it): must be *refused* before the sheet is loaded;
* ``geojson 100k`` — 3 point features of 100,000 properties each: refused before GDAL;
* ``geojson union`` — 2,000 features of 5 properties named differently each (10,001
  columns in all): refused where the names pass 500;
* ``quote 20k`` — a 20,000-row CSV whose header opens a quote: refused naming row 1.

Each case runs in a fresh process (``read_raw`` timed after the imports), with a
time limit; ``--src DIR`` measures the ``geo`` package found in ``DIR`` instead, e.g. an
earlier commit (``git archive <commit> geo | tar -x -C DIR``)::

    python bench/bench_wide_inputs.py [--timeout 180] [--src DIR] [--cases styled,values]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _helpers.wide import quoted_header_csv, wide_geojson, wide_xlsx  # noqa: E402

#: Run in the child: import geo (from --src when given), time read_raw, print JSON.
_CHILD = r"""
import json, sys, time
src, path = sys.argv[1], sys.argv[2]
if src:
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, src)
from geo.errors import GeoError
from geo.io import read_raw
t0 = time.perf_counter()
try:
    out = "read %d rows x %d columns" % read_raw(path).data.shape
except GeoError as exc:
    out = "refused: " + str(exc).replace(path, "FILE")
print(json.dumps({"seconds": time.perf_counter() - t0, "outcome": out}))
"""

CASES = {
    "styled": [("styled 100", lambda d: wide_xlsx(d / "styled100.xlsx", 100)),
               ("styled 1000", lambda d: wide_xlsx(d / "styled1000.xlsx", 1000))],
    "values": [("values 50", lambda d: wide_xlsx(d / "values50.xlsx", 50, values=True,
                                                  dimension=False))],
    "geojson": [("geojson 100k", lambda d: wide_geojson(d / "props.geojson", 3, 100_000)),
                ("geojson union", lambda d: wide_geojson(d / "union.geojson", 2000, 5,
                                                         distinct=True))],
    "quote": [("quote 20k", lambda d: quoted_header_csv(d / "quote.csv", 20_000))],
}


def measure(path: Path, src: str, timeout: float) -> tuple[str, str]:
    """(seconds, outcome) of reading ``path`` in a fresh process."""
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, src, str(path)], cwd=str(path.parent),
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f}", "still running: stopped"
    if done.returncode != 0:
        return "-", "crashed: " + done.stderr.strip().splitlines()[-1][:100]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return f"{result['seconds']:.2f}", result["outcome"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per case")
    parser.add_argument("--src", default="", help="measure the geo package in this folder")
    parser.add_argument("--cases", default=",".join(CASES), help=", ".join(CASES))
    args = parser.parse_args()
    label = args.src or str(ROOT)
    print(f"bench_wide_inputs: geo from {label}, at most {args.timeout:.0f} s a case")
    print(f"  {'case':14s} {'file':>9s} {'seconds':>8s}  outcome")
    with tempfile.TemporaryDirectory(prefix="geo-wide-") as tmp:
        folder = Path(tmp)
        for name in args.cases.split(","):
            for case, build in CASES[name]:
                t0 = time.perf_counter()
                path = build(folder)
                built = time.perf_counter() - t0
                size = path.stat().st_size / 1e6
                seconds, outcome = measure(path, args.src, args.timeout)
                print(f"  {case:14s} {size:7.1f}MB {seconds:>8s}  {outcome[:110]}"
                      f"  (built in {built:.1f} s)")
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
