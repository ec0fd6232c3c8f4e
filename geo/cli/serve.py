"""``geo app``: open the planner app with geo's modules loaded before the first visitor."""

from __future__ import annotations

import typer

from geo.cli.common import EXIT_ERROR, app

__all__ = ["app_command"]


@app.command(
    "app",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def app_command(ctx: typer.Context) -> None:
    """Open the planner app (streamlit run app.py), its modules loaded first.

    Streamlit's options go after it, e.g. geo app --server.port 8502.
    """
    from geo.serve import serve

    try:
        serve(list(ctx.args))
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
