"""Generate the ILLUSTRATIVE city-scale demo (示意数据): a whole invented city near Suzhou.

Everything written is INVENTED: the streets, canals, bridges, stations, demand and 网格
are a synthetic city placed around 120.6°E 31.3°N (WGS-84), not a real place. See
``data/README.md`` and :mod:`geo.demo_city`.

Usage::

    python data/make_city.py                          # full scale into the cache folder
    python data/make_city.py --scale 0.1 --out /tmp/city
    python data/make_city.py --scale 1 --out DIR --csv --seed 7 --force

It prints the files, their sizes, the counts and the seconds it took. The same seed and
scale write byte-identical files (for the same numpy, shapely, pyarrow and osmium).
"""

from __future__ import annotations

import argparse
import sys

from geo.demo_city import SEED, make_city


def main(argv: list[str] | None = None) -> int:
    """Run the generator from the command line.

    Parameters
    ----------
    argv
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0: ~300,000 street nodes, 2,000 stations, 1,000,000 demand "
                             "points, 200 网格 (default 1.0)")
    parser.add_argument("--out", default=None,
                        help="folder to write into (default: the cache, $GEO_CACHE_DIR/demo/…)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--csv", action="store_true", help="also write demand.csv")
    parser.add_argument("--force", action="store_true",
                        help="make the files again even if the folder holds this city")
    args = parser.parse_args(argv)
    city = make_city(args.out, scale=args.scale, seed=args.seed, demand_csv=args.csv,
                     force=args.force)
    made = "made" if city.seconds else "already there (use --force to make again)"
    print(f"示意城市 illustrative city, scale {city.scale:g}, seed {city.seed}: {made}")
    print(f"  folder: {city.folder}")
    for kind, path in city.files.items():
        print(f"  {kind:<11} {path.name:<18} {city.sizes[kind] / 1e6:9.2f} MB")
    for key, value in city.counts.items():
        print(f"  {key:<14} {value:>10,}")
    if city.seconds:
        print(f"  made in {city.seconds:.2f} s (the writers' imports included)")
    print("  network for geo: --method network --network "
          f"{city.files['network']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
