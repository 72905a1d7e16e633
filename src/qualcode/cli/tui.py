"""qualcode CLI: `qualcode code`, the coder app."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from qualcode.cli.app import ProjectOption, app, project_from
from qualcode.cli.coding import CoderOption


class Order(StrEnum):
    transcript = "transcript"
    uncertain = "uncertain"


@app.command("code")
def code(
    coder: CoderOption,
    transcript: Annotated[str | None, typer.Argument(
        help="Transcript id (or a unique prefix). Default: your first assigned transcript "
        "with segments not done yet.")] = None,
    project: ProjectOption = None,
    order: Annotated[Order, typer.Option(
        "--order", help="transcript: in order; uncertain: segments the suggester is least "
        "sure about first.")] = Order.transcript,
) -> None:
    """Code transcripts in a full-screen terminal app, resuming where you stopped.

    Every key is saved the moment you press it; press ? in the app for the key map.
    """
    from qualcode.tui import CoderApp

    with project_from(project) as opened:
        CoderApp(opened, coder.strip(), transcript=transcript, order=order.value).run()
