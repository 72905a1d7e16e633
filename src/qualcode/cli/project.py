"""qualcode CLI: creating a project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.app import app, console
from qualcode.project import init_project


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new project (created if "
                                           "missing).")] = Path("."),
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", "-c", help="Codebook YAML to use instead of the default talent-needs "
        "codebook.")] = None,
) -> None:
    """Create a project: FOLDER/qualcode.db with a codebook."""
    project = init_project(folder, codebook)
    book = project.codebook
    console.print(
        f"Created [bold]{project.project.db_path}[/] with codebook [bold]{book.id}[/] "
        f"({len(book.groups)} groups, {len(book.codes)} codes)."
    )
    console.print(f"Next: qualcode import TRANSCRIPTS... --project {folder}")
