"""qualcode CLI: codebook commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.tree import Tree

from qualcode.cli.app import JsonOption, ProjectOption, codebook_app, console, print_json
from qualcode.codebook import (
    Codebook,
    install_codebook,
    load_codebook,
    merge_codes,
    project_codebook,
    read_codebook_file,
    rename_code,
)
from qualcode.errors import QualcodeError
from qualcode.store import open_project

FileArgument = Annotated[Path | None, typer.Argument(
    help="A codebook YAML file. Default: the codebook of the current project.")]


def _codebook(file: Path | None, project: Path | None) -> Codebook:
    if file is not None:
        return load_codebook(file)
    return project_codebook(open_project(project))


@codebook_app.command("show")
def show(file: FileArgument = None, project: ProjectOption = None, json: JsonOption = False,
         definitions: Annotated[bool, typer.Option(
             "--definitions", "-d", help="Also print each code's definition.")] = False) -> None:
    """Print the codebook as a tree of groups and codes with their shortcut keys."""
    book = _codebook(file, project)
    if json:
        print_json(codebook_as_json(book))
        return
    tree = Tree(f"[bold]{escape(book.title)}[/] ({book.id}, version {book.version})")
    for group in book.groups:
        kind = "exclusive" if group.exclusive else "several may apply"
        branch = tree.add(f"[bold]{group.id}[/] {escape(group.label)} [dim]({kind})[/]")
        nodes = {}
        for code in group.codes:
            key = f"[reverse] {escape(code.shortcut)} [/] " if code.shortcut else "    "
            colour = code.colour or "white"
            text = f"{key}[{colour}]■[/] {code.id}  [dim]{escape(code.label)}[/]"
            if definitions and code.definition:
                text += f"\n      [italic]{escape(code.definition)}[/]"
            parent = nodes.get(code.parent, branch)
            nodes[code.id] = parent.add(text)
    console.print(tree)


def codebook_as_json(book: Codebook) -> dict:
    return {
        "codebook": book.id, "title": book.title, "version": book.version,
        "description": book.description,
        "groups": [
            {"id": g.id, "label": g.label, "description": g.description,
             "exclusive": g.exclusive,
             "codes": [{"id": c.id, "label": c.label, "parent": c.parent,
                        "shortcut": c.shortcut, "colour": c.colour,
                        "definition": c.definition, "use_when": c.use_when,
                        "do_not_use_when": c.do_not_use_when, "examples": c.examples,
                        "keywords": c.keywords} for c in g.codes]}
            for g in book.groups
        ],
    }


@codebook_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="The codebook YAML file to check.")],
             json: JsonOption = False) -> None:
    """Check a codebook file and report every problem with its line number."""
    book, problems = read_codebook_file(file)
    if json:
        print_json({"file": str(file), "valid": not problems,
                    "problems": [{"line": p.line, "message": p.message} for p in problems]})
    else:
        for p in problems:
            typer.echo(f"{file}:{p.line}: {p.message}", err=True)
        if not problems:
            console.print(f"{escape(str(file))}: valid ({len(book.groups)} groups, "
                          f"{len(book.codes)} codes)")
    if problems:
        raise typer.Exit(1)


@codebook_app.command("update")
def update(file: Annotated[Path, typer.Argument(help="The edited codebook YAML file.")],
           project: ProjectOption = None) -> None:
    """Make an edited codebook file the project's codebook (new definitions, new codes).

    Codes with codings cannot disappear: rename or merge them first.
    """
    book = load_codebook(file)
    version = install_codebook(open_project(project), book, change="update",
                               source_name=file.name)
    console.print(f"Codebook updated to project version {version}.")


@codebook_app.command("rename")
def rename(old: Annotated[str, typer.Argument(help="The code's id (or unique label).")],
           new: Annotated[str, typer.Argument(help="The new id, e.g. need.compute or compute.")],
           project: ProjectOption = None) -> None:
    """Rename a code; its codings and child codes follow it."""
    p = open_project(project)
    before = project_codebook(p).code(old).id
    book = rename_code(p, old, new)
    after = next(c.id for c in book.codes if c.id.endswith("." + new.rsplit(".", 1)[-1]))
    console.print(f"Renamed {before} -> {after}.")


@codebook_app.command("merge")
def merge(source: Annotated[str, typer.Argument(help="The code to fold away.")],
          target: Annotated[str, typer.Argument(help="The code that receives its codings.")],
          project: ProjectOption = None) -> None:
    """Merge code SOURCE into TARGET: SOURCE's codings move to TARGET, then SOURCE goes."""
    p = open_project(project)
    book = project_codebook(p)
    a, b = book.code(source), book.code(target)
    if a.id == b.id:
        raise QualcodeError("cannot merge a code into itself")
    merge_codes(p, a.id, b.id)
    console.print(f"Merged {a.id} into {b.id}.")
