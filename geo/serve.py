"""Serving the planner app: ``streamlit run app.py`` with geo's modules loaded first.

Streamlit imports nothing of an app until its first visitor, so the first session pays for
importing geopandas, SciPy, Folium and geo (about a second on two cores) before it shows
anything. :func:`serve` imports them in the server process and only then starts
Streamlit's own command line in that process, so every session, the first included,
finds them loaded. Everything else is Streamlit's: options after the script are passed
on unchanged (``--server.port 8502``, ``--server.address 0.0.0.0`` …).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["APP_SCRIPT", "PRELOAD", "preload", "serve"]

#: The app's script (a checkout's ``app.py``, beside the ``geo`` package).
APP_SCRIPT = Path(__file__).resolve().parents[1] / "app.py"

#: What the app's first view needs: imported before the server answers.
PRELOAD: tuple[str, ...] = (
    "geopandas",
    "geo",
    "geo.planner",
    "geo.scenario",
    "geo.basis",
    "geo.ui_text",
    "geo.report.workbook",
    "geo.maps.build",
)
# Not streamlit_folium: a component declared before Streamlit's runtime starts is not served.


def preload(modules: Sequence[str] = PRELOAD) -> list[str]:
    """Import ``modules`` (those not installed are skipped).

    Parameters
    ----------
    modules
        Module names.

    Returns
    -------
    list of str
        The modules now loaded.
    """
    done = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        done.append(name)
    return done


def serve(options: Sequence[str] = (), script: str | Path | None = None) -> None:
    """Preload, then run ``streamlit run SCRIPT OPTIONS`` in this process (does not return).

    Parameters
    ----------
    options
        Streamlit's options, e.g. ``["--server.port", "8502"]``.
    script
        The app's script (default :data:`APP_SCRIPT`).

    Raises
    ------
    FileNotFoundError
        When the script is missing (``geo`` installed without its checkout).
    """
    path = Path(script) if script is not None else APP_SCRIPT
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the planner app is not here; run geo app from a checkout of the "
            "repository (pip install -e .), or streamlit run path/to/app.py"
        )
    preload()
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(path), *options]
    stcli.main()
