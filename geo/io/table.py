"""A table as read: the rows that can be used, and what was said about the others."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd

from geo.errors import Rejected

__all__ = ["Table"]


@dataclass(eq=False)
class Table:
    """What a reader returns: usable rows in WGS-84, rejected rows and warnings, typed.

    Attributes
    ----------
    frame
        The usable rows (points or polygons) in WGS-84.
    source
        The file as the user named it, for messages.
    rejected
        Rows that could not be used (file, row, column, reason).
    warnings
        Rows used with a caveat (e.g. a blank weight counted as 1).
    """

    frame: gpd.GeoDataFrame
    source: str
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)

    def view(self) -> gpd.GeoDataFrame:
        """The frame with ``attrs`` holding ``source``, ``rejected`` and ``warnings``.

        This is the documented form :func:`geo.read_stations` and the other public
        readers return; inside the package the typed fields are used instead.

        Returns
        -------
        geopandas.GeoDataFrame
            :attr:`frame` itself, its ``attrs`` set.
        """
        self.frame.attrs = {
            "source": self.source,
            "rejected": list(self.rejected),
            "warnings": list(self.warnings),
        }
        return self.frame

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame, default_source: str = "table") -> Table:
        """A frame a user passed in (e.g. from :func:`geo.read_stations`), typed again.

        Parameters
        ----------
        frame
            A GeoDataFrame; its ``attrs`` (``source``, ``rejected``, ``warnings``) are
            read when present.
        default_source
            The name used when ``attrs`` names no source.

        Returns
        -------
        Table
        """
        attrs = frame.attrs
        return cls(
            frame,
            str(attrs.get("source", default_source)),
            list(attrs.get("rejected", [])),
            list(attrs.get("warnings", [])),
        )
