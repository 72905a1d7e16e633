"""qualcode CLI: code suggestions and their evaluation. Nothing here writes a coding.

`qualcode.suggest` (spaCy, scikit-learn) is imported inside the commands, so that every other
command starts without loading it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qualcode.cli.app import (
    JsonOption,
    ProjectOption,
    console,
    print_json,
    project_from,
    suggest_app,
)

if TYPE_CHECKING:
    from qualcode.suggest.evaluation import MethodScore

LearnFromOption = Annotated[str | None, typer.Option(
    "--coder", "-c", help="Learn from this coder's codings only (default: every coder's).")]


@suggest_app.command("show")
def show_command(
    transcript: Annotated[str, typer.Argument(help="Transcript id (or a unique prefix).")],
    segment: Annotated[int | None, typer.Option(
        "--segment", "-s", min=1, help="Only this segment (any speaker).")] = None,
    top: Annotated[int, typer.Option("--top", "-k", min=1, help="Codes per segment.")] = 3,
    coder: LearnFromOption = None,
    all_roles: Annotated[bool, typer.Option(
        "--all-roles", help="Interviewer turns too (default: participant turns only).")] = False,
    project: ProjectOption = None, json: JsonOption = False,
) -> None:
    """Suggest codes for a transcript's segments, best first, each with a probability and
    why. Suggestions are never applied: accept one in `qualcode code`."""
    from qualcode.suggest import Suggester
    from qualcode.suggest.data import PARTICIPANT

    p = project_from(project)
    tid = p.transcript(transcript).id
    if segment is not None:
        segments = [p.segment(tid, segment)]
    else:
        segments = [s for s in p.segments(tid) if all_roles or s.role == PARTICIPANT]
    suggester = Suggester.for_project(p, coder)
    results = [(s, suggester.suggest(s.text, top=top)) for s in segments]
    if json:
        print_json([{"transcript": tid, "segment": s.ordinal,
                     "suggestions": [{"code": x.code_id, "score": x.score, "reason": x.reason}
                                     for x in found]}
                    for s, found in results])
        return
    table = Table("segment", "text", "code", "score", "why")
    for s, found in results:
        excerpt = escape(s.text[:48] + ("…" if len(s.text) > 48 else ""))
        if not found:
            table.add_row(str(s.ordinal), excerpt, "-", "", "")
        for i, x in enumerate(found):
            table.add_row(str(s.ordinal) if i == 0 else "", excerpt if i == 0 else "",
                          x.code_id, f"{x.score:.2f}", escape(x.reason))
    console.print(table)
    basis = "the codebook only" if suggester.model is None else \
        f"the codebook and {suggester.model.n_examples} coded segments"
    console.print(f"suggestions from {basis}; none applied")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@suggest_app.command("evaluate")
def evaluate_command(
    coder: Annotated[str | None, typer.Option(
        "--coder", "-c", help="Score against this coder's codings (default: every coder's).")
    ] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds "
                                       "(whole transcripts are held out).")] = 5,
    project: ProjectOption = None, json: JsonOption = False,
) -> None:
    """Cross-validate the suggestions against a coder's own codings, next to the cold-start
    baseline, to show how far to trust them. Writes nothing."""
    from qualcode.suggest import evaluate

    result = evaluate(project_from(project), coder=coder, folds=folds)
    if json:
        print_json(result.as_dict())
        return
    who = f"coder {escape(coder)}" if coder else "every coder"
    console.print(f"{who}: {result.segments} segments ({result.coded} coded) in "
                  f"{result.transcripts} transcripts, {result.folds} folds by transcript; a "
                  f"code counts as suggested from {result.threshold:.2f}; {result.lemmatizer}")
    methods: list[MethodScore] = [result.learned, result.cold_start]
    summary = Table("", "learned + cold start", "cold start only")
    for label, field, show in [
        ("precision", "precision", _number), ("recall", "recall", _number),
        ("F1 (micro)", "f1", _number), ("F1 (macro)", "macro_f1", _number),
        ("top-1 hit rate", "top1", _percent), ("top-3 hit rate", "top3", _percent),
        ("uncoded left uncoded", "uncoded_kept", _percent),
    ]:
        summary.add_row(label, *(show(getattr(m, field)) for m in methods))
    console.print(summary)
    codes = Table("code", "support", "P", "R", "F1", "P (cold)", "R (cold)", "F1 (cold)")
    for learned, cold in zip(result.learned.codes, result.cold_start.codes, strict=True):
        codes.add_row(learned.code_id, str(learned.support),
                      *(_number(v) for v in (learned.precision, learned.recall, learned.f1,
                                             cold.precision, cold.recall, cold.f1)))
    console.print(codes)
