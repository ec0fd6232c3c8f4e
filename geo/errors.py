"""Errors and warnings of our own, with messages a planner understands.

Every error subclasses the built-in it resembles (``ValueError``), so callers
can catch either ``geo.GeoError`` or the built-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = ["AssetError", "GeoError", "GeoWarning", "InputError", "Rejected", "SettingsError"]


class GeoError(Exception):
    """Base class of every error ``geo`` raises on purpose."""


class GeoWarning(UserWarning):
    """Base class of the warnings ``geo`` emits."""


class SettingsError(GeoError, ValueError):
    """An analysis parameter (mode, speed, minutes, ...) is out of range or unknown."""


class InputError(GeoError, ValueError):
    """An input file cannot be used at all.

    Parameters
    ----------
    message
        What is wrong and what to do, in words a planner understands.
    file, row, column
        Where the problem is, as far as known. ``row`` counts as a spreadsheet
        shows it: the header is row 1, the first data row is row 2.
    rejected
        The rows rejected on the way, when they are why nothing is left (every row of a
        file rejected): the command line prints them before the error.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        rejected: Sequence[Rejected] = (),
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.reason = message
        self.rejected = tuple(rejected)
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column '{column}'" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Rejected:
    """One input row that could not be used, and why.

    Attributes
    ----------
    file
        The file name as the user gave it.
    row
        The row as a spreadsheet shows it (header = row 1); for GeoJSON,
        GeoPackage and GeoParquet the feature number, starting at 1.
    column
        The canonical column that was at fault (``lat``, ``id``, ...), or the
        header as written in the file when no canonical name applies.
    reason
        What was wrong, in plain words.
    """

    file: str
    row: int
    column: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form used in ``summary()["rejected"]``."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, column '{self.column}': {self.reason}"


class AssetError(GeoError, RuntimeError):
    """A JavaScript/CSS asset for offline report maps could not be found or fetched."""
