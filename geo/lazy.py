"""Names a package loads on first use (PEP 562), so that importing it stays cheap.

A package lists ``_LAZY: dict[str, str]`` (public name → module that defines it) and sets
``__getattr__ = lazy_names(__name__, _LAZY, globals())``: ``geo.analyze`` then imports
``geo.api`` when first read, not when ``geo`` is imported (``geo --help``, the app's first
view and ``geo check`` do not pay for Folium, matplotlib or the report pack).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name of ``table`` on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    table
        Public name → the module defining it; a name that is itself a submodule
        (``"crs": "geo.crs"``) gives the module.
    namespace
        The package's ``globals()``: a loaded name is kept there, so it is looked up once.

    Returns
    -------
    callable
        The ``__getattr__`` to assign in the package.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        if name not in table:
            raise AttributeError(f"module '{package}' has no attribute {name!r}")
        module = import_module(table[name])
        value = module if module.__name__ == f"{package}.{name}" else getattr(module, name)
        namespace[name] = value
        return value

    return __getattr__
