"""Benchmark: the app's model-based test for many more steps than the suite runs.

Drives ``app.py`` under ``streamlit.testing.v1.AppTest`` with seeded random sequences of
planner actions (``tests/_helpers/app_model.py``: change dataset, minutes, mode, language,
method; add and remove what-if stations; run siting and add its sites; use the geocoded
stations and stop; take the downloads) and checks every invariant after every step: the
KPIs and downloads equal ``geo check --json`` on the inputs the screen names, what-ifs
only in their dataset, choices kept across language switches, no English word on the
Chinese page.

Prints, per seed, the steps run, the actions' mix, the time per step and the first
failure (with the sequence that led to it), then the downloads checked. Exit 1 when a
seed failed.

Usage: ``python bench/app_model.py [--seeds 10] [--steps 300] [--first-seed 100]``
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ["GEO_APP_MAP"] = "off"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--first-seed", type=int, default=100)
    args = parser.parse_args()

    from _helpers.app import MediaFiles
    from _helpers.app_model import APP, AppModel
    from streamlit.testing.v1 import AppTest

    media = MediaFiles().install()  # the download buttons' data (for this process)
    failed = 0
    total_steps, total_time = 0, 0.0
    downloads: collections.Counter[str] = collections.Counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["GEO_CACHE_DIR"] = str(Path(tmp) / "cache")
            at = AppTest.from_file(str(APP), default_timeout=300)
            at.run()
            model = AppModel(at, Path(tmp), random.Random(seed), media=media)
            start = time.perf_counter()
            error = None
            try:
                model.check()
                for _ in range(args.steps):
                    model.step()
            except Exception as exc:  # report and go on with the next seed
                error = exc
            took = time.perf_counter() - start
        n = len(model.steps)
        downloads.update(model.downloaded)
        total_steps += n
        total_time += took
        mix = collections.Counter(model.steps)
        print(f"seed {seed}: {n} steps in {took:.1f} s ({1000 * took / max(n, 1):.0f} ms/step); "
              + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())), flush=True)
        if error is not None:
            failed += 1
            frame = traceback.extract_tb(error.__traceback__)[-1]
            print(f"  FAILED at {frame.filename}:{frame.lineno}: {str(error)[:2000]}", flush=True)
    print(f"total: {total_steps} steps, {args.seeds - failed} of {args.seeds} seeds passed, "
          f"{1000 * total_time / max(total_steps, 1):.0f} ms per step")
    print("downloads checked: " + (", ".join(f"{k} {v}" for k, v in sorted(downloads.items()))
                                   or "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
