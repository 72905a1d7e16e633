"""qualcode CLI: inter-coder agreement, the disagreements, and their reconciliation."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import click
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from qualcode.agreement import Agreement, Statistic
from qualcode.cli.app import JsonOption, ProjectOption, app, console, print_json, project_from
from qualcode.errors import QualcodeError
from qualcode.export import neutralize
from qualcode.reliability import (
    BOTH,
    CONSENSUS_CODER,
    NEITHER,
    CodeExplanation,
    Report,
    Scope,
    apply_decisions,
    band,
    comparison_json,
    disagreements,
    explain_code,
    read_decisions,
    reading,
    reconcile_agreed,
    reconcile_all,
    reliability,
    report_json,
)

BAND_STYLE = {"reliable": "green", "tentative": "yellow", "unreliable": "red", "undefined": "dim"}
RULE = (
    "Kappa, percent agreement and AC1 compare the units every coder marked done; alpha uses "
    "every unit two or more of them marked done. Alpha bands (Krippendorff): >= .800 "
    "reliable, .667-.800 tentative, below unreliable. used: units each coder applied the code "
    "to; diff: units they disagree on; n/a: undefined for these data (--json says why)."
)


class UnitChoice(StrEnum):
    segment = "segment"
    sentence = "sentence"
    character = "character"


CodersOption = Annotated[
    str | None,
    typer.Option(
        "--coders",
        help="Coders to compare, comma-separated (a,b). Default: everyone who marked "
        "segments done, the consensus coder aside.",
    ),
]
CodeOption = Annotated[
    list[str] | None,
    typer.Option("--code", help="Only this code (repeatable): full id, unique id suffix or label."),
]
GroupOption = Annotated[str | None, typer.Option("--group", help="Only codes of this group.")]
TranscriptOption = Annotated[
    str | None, typer.Option("--transcript", help="Only this transcript (id or unique prefix).")
]
AllSpeakersOption = Annotated[
    bool,
    typer.Option(
        "--all-speakers", help="Count interviewer turns too (default: participant turns only)."
    ),
]
AsOption = Annotated[
    str, typer.Option("--as", help="The consensus coder the decisions are recorded as.")
]


def _scope(
    coders: str | None,
    code: list[str] | None,
    group: str | None,
    transcript: str | None,
    unit: UnitChoice = UnitChoice.segment,
    all_speakers: bool = False,
    with_model: bool = False,
) -> Scope:
    names = None if coders is None else tuple(c.strip() for c in coders.split(",") if c.strip())
    if code and group:
        raise QualcodeError("give --code or --group, not both")
    return Scope(
        coders=names,
        codes=tuple(code or ()),
        group=group,
        transcript=transcript,
        unit=unit.value,
        all_speakers=all_speakers,
        with_model=with_model,
    )


@app.command("agree", epilog=RULE)
def agree(
    coders: CodersOption = None,
    group: GroupOption = None,
    code: CodeOption = None,
    transcript: TranscriptOption = None,
    unit: Annotated[
        UnitChoice,
        typer.Option(
            "--unit",
            help="What one decision is: a segment, a sentence, or a character (as "
            "NVivo's coding comparison).",
        ),
    ] = UnitChoice.segment,
    explain: Annotated[
        str | None,
        typer.Option("--explain", help="Show the worked arithmetic behind one code's alpha."),
    ] = None,
    all_speakers: AllSpeakersOption = False,
    with_model: Annotated[
        bool, typer.Option("--with-model", help="Score the suggestion model as one more coder.")
    ] = False,
    resamples: Annotated[
        int,
        typer.Option(
            "--resamples", min=0, help="Bootstrap resamples for alpha's 95% interval (0: none)."
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Inter-coder agreement per code, per group, overall and per coder pair.

    Percent agreement, Cohen's kappa (the mean over pairs for more than two coders), Fleiss'
    kappa, Krippendorff's alpha with a bootstrap interval, Gwet's AC1 and Brennan-Prediger;
    weakest codes first. A figure the data leave undefined shows its reason.
    """
    scope = _scope(coders, code, group, transcript, unit, all_speakers, with_model)
    with project_from(project) as opened:
        if explain is not None:
            _print_explanation(explain_code(opened, scope, explain), json)
            return
        report = reliability(opened, scope, resamples=resamples, seed=seed)
    if json:
        print_json(report_json(report))
        return
    _print_report(report)


def _print_report(report: Report) -> None:
    console.print(_codes_table(report))
    if report.groups:
        console.print(_groups_table(report))
    if len(report.coders) > 2:
        console.print(_pairs_table(report))
    undefined = [
        (r.code, r.agreement.krippendorff_alpha.reason)
        for r in report.codes
        if r.agreement.krippendorff_alpha.value is None
    ]
    for code, reason in undefined:
        console.print(f"[dim]{code}: alpha undefined: {escape(reason or '')}[/]")
    console.print(reading(report), highlight=False)


def _codes_table(report: Report) -> Table:
    table = Table(
        title=f"Agreement per code: {', '.join(report.coders)}; {report.n_units} {report.unit}s",
        caption=RULE, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
    )
    # Figures never wrap or shrink, so the table reads at 80 columns; a long code id folds.
    groups = {r.code.split(".", 1)[0] for r in report.codes}
    prefix = f"{groups.pop()}." if len(groups) == 1 else ""
    table.add_column(f"code ({prefix}...)" if prefix else "code", overflow="fold")
    for column, width in (("used", 5), ("diff", 4), ("%agr", 5), ("kappa", 6), ("alpha", 6),
                          ("95% CI", 9), ("AC1", 5)):
        table.add_column(column, justify="right", no_wrap=True, min_width=width)
    ordered = sorted(report.codes, key=lambda r: _weakness(r.agreement))
    for r in ordered:
        a = r.agreement
        table.add_row(
            r.code.removeprefix(prefix),
            "/".join(map(str, a.applied)),
            str(a.disagreements),
            _percent(a.percent_agreement),
            _number(a.cohen_kappa),
            _alpha(a),
            _interval(a),
            _number(a.gwet_ac1),
        )
    return table


def _groups_table(report: Report) -> Table:
    table = Table(title="Agreement per group")
    for column in ("group", "compared as", "units", "% agree", "kappa", "alpha", "95% CI"):
        table.add_column(column, justify="left" if column in ("group", "compared as") else "right")
    for g in report.groups:
        a = g.agreement
        how = "one value per unit" if g.exclusive else "sets of codes (MASI)"
        table.add_row(
            g.group,
            how,
            str(a.n_units),
            _percent(a.percent_agreement),
            _number(a.cohen_kappa),
            _alpha(a),
            _interval(a),
        )
    a = report.overall
    table.add_row(
        "[bold]all codes[/]",
        "each (unit, code) one decision",
        str(a.n_units),
        _percent(a.percent_agreement),
        _number(a.cohen_kappa),
        _alpha(a),
        _interval(a),
    )
    return table


def _pairs_table(report: Report) -> Table:
    table = Table(title="Agreement per coder pair, all codes pooled")
    for column in ("coders", "% agree", "kappa", "alpha", "95% CI"):
        table.add_column(column, justify="left" if column == "coders" else "right")
    for p in report.pairs:
        a = p.agreement
        table.add_row(
            " & ".join(p.coders),
            _percent(a.percent_agreement),
            _number(a.cohen_kappa),
            _alpha(a),
            _interval(a),
        )
    return table


def _weakness(a: Agreement) -> tuple[int, float]:
    """Sort key: defined alphas from the lowest up, undefined ones last."""
    value = a.krippendorff_alpha.value
    return (1, 0.0) if value is None else (0, value)


def _number(s: Statistic) -> str:
    return "[dim]n/a[/]" if s.value is None else f"{s.value:.3f}"


def _percent(s: Statistic) -> str:
    return "[dim]n/a[/]" if s.value is None else f"{100 * s.value:.1f}"


def _alpha(a: Agreement) -> str:
    value = a.krippendorff_alpha.value
    return f"[{BAND_STYLE[band(value)]}]{_number(a.krippendorff_alpha)}[/]"


def _interval(a: Agreement) -> str:
    ci = a.alpha_ci
    if ci is None or ci.low is None:
        return "[dim]n/a[/]"
    return f"{ci.low:.2f}-{ci.high:.2f}"


def _print_explanation(found: CodeExplanation, json: bool) -> None:
    e = found.explanation
    units = [found.units[i] for i, _ in e.units]
    if json:
        print_json(
            {
                "code": found.code,
                "unit": found.unit,
                "coders": found.coders,
                "values": list(e.values),
                "coincidences": e.coincidences.tolist(),
                "marginals": e.marginals.tolist(),
                "delta": e.delta.tolist(),
                "observed_disagreement": e.observed,
                "expected_disagreement": e.expected,
                "krippendorff_alpha": e.alpha.value,
                "reason": e.alpha.reason,
                "units": [
                    {
                        "transcript": u.transcript_id,
                        "segment": u.ordinal,
                        "start": u.start,
                        "end": u.end,
                        "weight": float(w),
                        "values": dict(zip(found.coders, vs, strict=True)),
                    }
                    for u, (_, vs), w in zip(units, e.units, e.weights, strict=True)
                ],
            }
        )
        return
    console.print(
        f"[bold]{found.code}[/]: coders {', '.join(found.coders)}; unit: {found.unit}",
        highlight=False,
    )
    console.print(escape(str(e)), highlight=False)
    split = [
        (u, vs)
        for u, (_, vs) in zip(units, e.units, strict=True)
        if len({v for v in vs if v is not None}) > 1
    ]
    if split:
        console.print(f"\nUnits where the coders differ ({len(split)}):")
        for u, vs in split[:50]:
            where = f"{u.transcript_id} segment {u.ordinal}"
            if found.unit != "segment":
                where += f" [{u.start}:{u.end}]"
            values = ", ".join(f"{c}={v or '-'}" for c, v in zip(found.coders, vs, strict=True))
            console.print(f"  {escape(where)}: {escape(values)}", highlight=False)


@app.command(
    "disagreements",
    epilog="With --csv, fill the take column (a coder's name, "
    "both or neither) and feed the file to `qualcode reconcile --decisions`.",
)
def disagreements_command(
    coders: CodersOption = None,
    code: CodeOption = None,
    group: GroupOption = None,
    transcript: TranscriptOption = None,
    all_speakers: AllSpeakersOption = False,
    project: ProjectOption = None,
    json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets).")] = False,
) -> None:
    """The segments the coders marked done and coded differently, with their memos."""
    if json and as_csv:
        raise QualcodeError("give --json or --csv, not both")
    scope = _scope(coders, code, group, transcript, all_speakers=all_speakers)
    with project_from(project) as opened:
        found = disagreements(opened, scope)
    if json:
        print_json([comparison_json(c) for c in found])
    elif as_csv:
        _print_disagreements_csv(found)
    elif not found:
        console.print(
            "No disagreements: the coders applied the same codes to every segment "
            "they all marked done."
        )
    else:
        _print_disagreements(found)


def _print_disagreements(found: list) -> None:
    table = Table(title=f"{len(found)} segments coded differently", show_lines=True)
    table.add_column("segment", no_wrap=True)
    table.add_column("text")
    for view in found[0].coders:
        table.add_column(escape(view.coder))
    for c in found:
        cells = []
        for view in c.coders:
            codes = [
                f"[bold yellow]{code}[/]" if code in c.disputed else code for code in view.codes
            ]
            memos = [f"[dim]{escape(code)}: {escape(m)}[/]" for code, m in view.memos.items()]
            note = [f"[dim]note: {escape(view.note)}[/]"] if view.note else []
            cells.append("\n".join(codes + memos + note) or "[dim](none)[/]")
        decided = " [green]decided[/]" if c.decided else ""
        table.add_row(f"{escape(c.transcript)} {c.ordinal}{decided}", escape(c.text), *cells)
    console.print(table)


def _print_disagreements_csv(found: list) -> None:
    coders = [view.coder for view in found[0].coders] if found else []
    header = ["transcript", "segment", "speaker", "disputed"]
    header += [f"codes:{c}" for c in coders] + [f"memos:{c}" for c in coders]
    header += ["text", "take", "memo"]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for c in found:
        row = [c.transcript, c.ordinal, c.speaker or "", "; ".join(c.disputed)]
        row += ["; ".join(view.codes) for view in c.coders]
        row += ["; ".join(f"{code}: {m}" for code, m in view.memos.items()) for view in c.coders]
        row += [c.text, "", ""]
        writer.writerow([neutralize(cell) for cell in row])


@app.command("reconcile")
def reconcile_command(
    coders: CodersOption = None,
    code: CodeOption = None,
    group: GroupOption = None,
    transcript: TranscriptOption = None,
    all_speakers: AllSpeakersOption = False,
    as_coder: AsOption = CONSENSUS_CODER,
    take: Annotated[
        str | None,
        typer.Option(
            "--take",
            help=f"Decide every open disagreement the same way: a coder's name, {BOTH} "
            f"(every code any of them applied) or {NEITHER} (only the codes all applied).",
        ),
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option(
            "--decisions",
            help="Decide from a CSV file with columns transcript, segment, take "
            "and memo (e.g. `qualcode disagreements --csv` with take filled in).",
        ),
    ] = None,
    project: ProjectOption = None,
) -> None:
    """Reconcile two coders into a consensus coding.

    The segments they agree on are copied first. Then, with neither --take nor --decisions,
    a full-screen app walks the disagreements: take one coder's codes, both, or neither,
    with a memo. Decisions are codings by the consensus coder (provenance 'consensus').
    """
    if take is not None and decisions is not None:
        raise QualcodeError("give --take or --decisions, not both")
    scope = _scope(coders, code, group, transcript, all_speakers=all_speakers)
    with project_from(project) as opened:
        plan = read_decisions(decisions) if decisions is not None else None
        copied = reconcile_agreed(opened, scope, as_coder)
        click.echo(f"{copied} agreed segments copied to {as_coder}")
        if plan is not None:
            decided = apply_decisions(opened, scope, plan, decisions, as_coder)
        elif take is not None:
            decided = reconcile_all(opened, scope, take, as_coder)
        else:
            from qualcode.tui.reconcile import ReconcileApp

            decided = ReconcileApp(opened, scope, as_coder).run() or 0
        click.echo(f"{decided} disagreements decided as {as_coder}")
