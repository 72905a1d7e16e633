"""Synthesis reports: code frequencies, cross-tabs, co-occurrence, the excerpts behind a claim.

Which codings count is a `CodingFilter` (see `qualcode.export`): one coder, the consensus, or
by default every coder. A segment counts once per code whoever coded it: with several coders
the codes of a segment are the union of theirs. Two counts appear everywhere: *excerpts*
(distinct segments) and *transcripts* (distinct transcripts, i.e. how many interviewees said
it). Codes are counted as themselves: a parent code does not include its children.

A dimension of a cross-tab is a code group or a transcript attribute: `attr:NAME` is always
the attribute; a plain NAME is the code group of that id if there is one, else the attribute.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape as html_escape
from itertools import combinations
from typing import Any, Literal

from qualcode.codebook import Codebook, project_codebook
from qualcode.errors import QualcodeError
from qualcode.export import ALL_CODINGS, CONSENSUS, CodingFilter, attribute_names
from qualcode.reliability import Scope, figures, reliability
from qualcode.store import Project

NO_VALUE = "(none)"  # the attribute value of a transcript that lacks the attribute
ROW_TOTAL = "row total"  # transcripts with the row value (code or attribute), its excerpts


def attribute_text(value: Any) -> str:
    """An attribute value as users type it: true/false, numbers and text as written."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def short(code_id: str) -> str:
    """A code id without its group: `need.funding` -> `funding`."""
    return code_id.split(".", 1)[-1]


# -- the coded segments a report reads ---------------------------------------------------------

@dataclass
class CodedSegment:
    """One segment with codings in the selection: the spans of each code (a whole-segment
    coding spans the segment) and the number of codings per (code, coder)."""

    id: int
    transcript: str
    spans: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    rows: Counter[tuple[str, str]] = field(default_factory=Counter)


def coded_segments(project: Project, selection: CodingFilter) -> dict[int, CodedSegment]:
    """Every segment with at least one selected coding, by segment id."""
    where, params = selection.sql()
    found: dict[int, CodedSegment] = {}
    for sid, tid, length, code, coder, start, end in project.db.execute(
        "SELECT s.id, s.transcript_id, length(s.text), c.code_id, c.coder, c.span_start, "
        f"c.span_end FROM codings c JOIN segments s ON s.id = c.segment_id WHERE {where}",
        params,
    ):
        segment = found.setdefault(sid, CodedSegment(sid, tid))
        span = (0, length) if start is None else (start, end)
        segment.spans.setdefault(code, set()).add(span)
        segment.rows[code, coder] += 1
    return found


def transcript_attributes(project: Project, selection: CodingFilter) -> dict[str, dict]:
    """Attributes of the transcripts in scope (one transcript, or all)."""
    sql, params = "SELECT id, attributes FROM transcripts", []
    if selection.transcript is not None:
        sql += " WHERE id = ?"
        params.append(selection.transcript)
    return {tid: json.loads(attrs) for tid, attrs in project.db.execute(sql, params)}


def _codes_in_scope(codebook: Codebook, selection: CodingFilter) -> list[str]:
    return [c.id for c in codebook.codes
            if (not selection.codes or c.id in selection.codes)
            and (selection.group is None or c.group == selection.group)]


# -- frequencies -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frequency:
    code: str
    group: str
    label: str
    key: str | None  # the coder, transcript or attribute value; None without --by
    excerpts: int
    transcripts: int
    codings: int


def frequencies(project: Project, selection: CodingFilter, by: str | None = None
                ) -> list[Frequency]:
    """How often each code was applied, overall or by coder, transcript or attr:NAME.

    Without `by` every code in scope appears, zeros included, in codebook order; with `by`
    only non-zero (code, key) rows appear. `by="coder"` counts each coder's codings apart.
    """
    codebook = project_codebook(project)
    in_scope = _codes_in_scope(codebook, selection)
    keyer = _keyer(project, selection, by)
    counts: dict[tuple[str, str | None], list] = defaultdict(lambda: [set(), set(), 0])
    for segment in coded_segments(project, selection).values():
        for (code, coder), rows in segment.rows.items():
            if code not in in_scope:
                continue
            entry = counts[code, coder if by == "coder" else keyer(segment.transcript)]
            entry[0].add(segment.id)
            entry[1].add(segment.transcript)
            entry[2] += rows
    codes = {c.id: c for c in codebook.codes}
    if by is None:
        wanted = [(code, None) for code in in_scope]
    else:
        keys = sorted({k for _, k in counts}, key=lambda k: (k == NO_VALUE, k))
        wanted = [(code, key) for code in in_scope for key in keys if (code, key) in counts]
    result = []
    for code, key in wanted:
        segments, transcripts, rows = counts.get((code, key), (set(), set(), 0))
        result.append(Frequency(code, codes[code].group, codes[code].label, key,
                                len(segments), len(transcripts), rows))
    return result


def _keyer(project: Project, selection: CodingFilter, by: str | None):
    if by in (None, "coder"):
        return lambda tid: None
    if by == "transcript":
        return lambda tid: tid
    if by.startswith("attr:") and by[5:]:
        name = by[5:]
        if name not in attribute_names(project):
            raise QualcodeError(f"no transcript has the attribute {name!r} "
                                f"(attributes: {', '.join(attribute_names(project)) or 'none'})")
        values = {tid: attribute_text(a.get(name))
                  for tid, a in transcript_attributes(project, selection).items()}
        return values.__getitem__
    raise QualcodeError(f"--by must be coder, transcript or attr:NAME, not {by!r}")


# -- cross-tabs --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dimension:
    """One side of a cross-tab: a code group (values are code ids) or a transcript attribute
    (values are attribute values as text)."""

    kind: Literal["group", "attribute"]
    name: str
    values: tuple[str, ...]

    def label(self, value: str) -> str:
        return short(value) if self.kind == "group" else value


def dimension(project: Project, name: str, selection: CodingFilter = ALL_CODINGS
              ) -> Dimension:
    """Resolve a cross-tab argument: `attr:NAME` is an attribute; a plain NAME is the code
    group of that id if there is one, else the transcript attribute."""
    codebook = project_codebook(project)
    groups = {g.id: g for g in codebook.groups}
    attribute = name[5:] if name.startswith("attr:") else None
    if attribute is None and name in groups:
        return Dimension("group", name, tuple(c.id for c in groups[name].codes))
    attribute = attribute or name
    if attribute in attribute_names(project):
        values = {attribute_text(a.get(attribute))
                  for a in transcript_attributes(project, selection).values()}
        return Dimension("attribute", attribute,
                         tuple(sorted(values, key=lambda v: (v == NO_VALUE, v))))
    raise QualcodeError(
        f"{name!r} is neither a code group nor a transcript attribute (groups: "
        f"{', '.join(groups)}; attributes: {', '.join(attribute_names(project)) or 'none'})")


@dataclass(frozen=True)
class Cell:
    row: str
    column: str
    transcripts: int
    excerpts: int


@dataclass
class Crosstab:
    rows: Dimension
    columns: Dimension
    cells: dict[tuple[str, str], Cell]
    row_totals: dict[str, Cell]  # column "": transcripts and excerpts with the row value

    def ranking(self) -> list[tuple[str, list[Cell]]]:
        """For each row value, its non-zero columns, most transcripts first (then excerpts,
        then codebook order)."""
        order = {c: i for i, c in enumerate(self.columns.values)}
        return [
            (row, sorted((c for c in (self.cells[row, col] for col in self.columns.values)
                          if c.excerpts),
                         key=lambda c: (-c.transcripts, -c.excerpts, order[c.column])))
            for row in self.rows.values
        ]


def crosstab(project: Project, selection: CodingFilter, rows: str, columns: str) -> Crosstab:
    """Count, for every (row value, column code), the excerpts that carry both and the
    transcripts they come from. A code group side needs its code on the segment itself;
    an attribute side holds for every segment of a transcript with that value."""
    row_dim = dimension(project, rows, selection)
    col_dim = dimension(project, columns, selection)
    if col_dim.kind != "group":
        raise QualcodeError(f"the second argument must be a code group; {columns!r} is a "
                            "transcript attribute")
    values = _side_values(project, selection, row_dim)
    hits: dict[tuple[str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for segment in coded_segments(project, selection).values():
        row_values = values(segment)
        for row in row_values:
            totals = hits[row, ""]
            totals[0].add(segment.id)
            totals[1].add(segment.transcript)
            for col in col_dim.values:
                if col in segment.spans:
                    found = hits[row, col]
                    found[0].add(segment.id)
                    found[1].add(segment.transcript)

    def cell(row: str, col: str) -> Cell:
        segments, transcripts = hits.get((row, col), (set(), set()))
        return Cell(row, col, len(transcripts), len(segments))

    row_totals = {row: cell(row, "") for row in row_dim.values}
    if row_dim.kind == "attribute":
        scope = transcript_attributes(project, selection)
        for row in row_dim.values:
            with_value = sum(attribute_text(a.get(row_dim.name)) == row for a in scope.values())
            row_totals[row] = Cell(row, "", with_value, row_totals[row].excerpts)
    return Crosstab(row_dim, col_dim,
                    {(r, c): cell(r, c) for r in row_dim.values for c in col_dim.values},
                    row_totals)


def _side_values(project: Project, selection: CodingFilter, side: Dimension):
    if side.kind == "group":
        return lambda segment: [v for v in side.values if v in segment.spans]
    by_transcript = {tid: attribute_text(a.get(side.name))
                     for tid, a in transcript_attributes(project, selection).items()}
    return lambda segment: [by_transcript[segment.transcript]]


# -- co-occurrence -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    excerpts: int  # segments carrying both codes (with overlapping spans under `overlap`)
    transcripts: int
    jaccard: float  # excerpts / segments carrying either code


@dataclass
class Cooccurrence:
    codes: list[str]
    excerpts: dict[str, int]  # segments carrying each code
    pairs: list[Pair]  # pairs that co-occur at least once, most excerpts first
    overlap: bool

    def pair(self, a: str, b: str) -> Pair | None:
        for p in self.pairs:
            if {p.a, p.b} == {a, b}:
                return p
        return None


def cooccurrence(project: Project, selection: CodingFilter, *, overlap: bool = False
                 ) -> Cooccurrence:
    """Codes applied to the same segment, or with `overlap` to overlapping spans of it
    (a whole-segment coding overlaps every span), with counts and Jaccard similarity."""
    codes = _codes_in_scope(project_codebook(project), selection)
    position = {c: i for i, c in enumerate(codes)}
    carrying: dict[str, set[int]] = defaultdict(set)
    both: dict[tuple[str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for segment in coded_segments(project, selection).values():
        present = sorted((c for c in segment.spans if c in position), key=position.get)
        for code in present:
            carrying[code].add(segment.id)
        for a, b in combinations(present, 2):
            if not overlap or _overlapping(segment.spans[a], segment.spans[b]):
                found = both[a, b]
                found[0].add(segment.id)
                found[1].add(segment.transcript)
    pairs = [
        Pair(a, b, len(segs), len(tids), len(segs) / len(carrying[a] | carrying[b]))
        for (a, b), (segs, tids) in both.items()
    ]
    pairs.sort(key=lambda p: (-p.excerpts, -p.jaccard, position[p.a], position[p.b]))
    return Cooccurrence(codes, {c: len(carrying[c]) for c in codes}, pairs, overlap)


def _overlapping(spans_a: set[tuple[int, int]], spans_b: set[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in spans_a for s2, e2 in spans_b)


# -- excerpts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Excerpt:
    transcript: str
    segment: int  # the segment's ordinal
    speaker: str | None
    start: int  # offsets into the transcript text
    end: int
    text: str
    coders: tuple[str, ...]
    memos: tuple[str, ...]


def excerpts(project: Project, selection: CodingFilter, code: str, *,
             also: tuple[str, ...] = (), attributes: dict[str, str] | None = None
             ) -> list[Excerpt]:
    """The coded text behind a claim: every distinct span coded `code`, on segments that
    also carry each code in `also`, in transcripts whose attributes match (as text)."""
    codebook = project_codebook(project)
    code_id = codebook.code(code).id
    also_ids = tuple(codebook.code(c).id for c in also)
    wanted = attributes or {}
    for name in wanted:
        if name not in attribute_names(project):
            raise QualcodeError(f"no transcript has the attribute {name!r}")
    scope = {tid for tid, a in transcript_attributes(project, selection).items()
             if all(attribute_text(a.get(k)) == v for k, v in wanted.items())}
    segments = coded_segments(project, selection)
    where, params = selection.sql()
    found: dict[tuple, tuple[set, list]] = {}
    rows = project.db.execute(
        "SELECT s.id, s.transcript_id, s.ordinal, s.speaker, s.char_start, s.text, "
        f"c.span_start, c.span_end, c.coder, c.memo FROM codings c "
        f"JOIN segments s ON s.id = c.segment_id WHERE {where} AND c.code_id = ? "
        "ORDER BY s.transcript_id, s.ordinal, ifnull(c.span_start, -1), c.span_end, c.coder",
        [*params, code_id],
    )
    for sid, tid, ordinal, speaker, offset, text, start, end, coder, memo in rows:
        if tid not in scope or not all(c in segments[sid].spans for c in also_ids):
            continue
        start, end = (0, len(text)) if start is None else (start, end)
        key = (tid, ordinal, speaker, offset + start, offset + end, text[start:end])
        coders, memos = found.setdefault(key, (set(), []))
        coders.add(coder)
        if memo:
            memos.append(memo)
    return [Excerpt(*key, tuple(sorted(coders)), tuple(memos))
            for key, (coders, memos) in found.items()]


# -- the HTML report ---------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.heat{text-align:center;min-width:3.2em}.dim{color:#777}.note{color:#555;font-style:italic}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #999;margin-right:.3em}
blockquote{margin:.4em 0 .8em;padding:.3em .8em;border-left:4px solid #ccc;background:#fafafa;
white-space:pre-wrap}.bar{background:#1f77b4;height:.7em;display:inline-block}
"""


def _e(value: Any) -> str:
    return html_escape("" if value is None else str(value), quote=True)


def _heat(value: float, peak: float, text: str) -> str:
    alpha = 0 if peak <= 0 else value / peak
    colour = "#fff" if alpha > 0.6 else "#222"
    return (f'<td class="heat" style="background:rgba(31,119,180,{alpha:.2f});'
            f'color:{colour}">{_e(text)}</td>')


def _table(header: list[str], rows: list[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    return f"<table><tr>{head}</tr>{''.join(f'<tr>{r}</tr>' for r in rows)}</table>"


def html_report(project: Project, selection: CodingFilter = ALL_CODINGS, *,
                crosstabs: list[tuple[str, str]] | None = None, top: int = 3,
                generated: str = "") -> str:
    """One self-contained HTML page: inline CSS, no scripts, fonts or links to fetch.

    crosstabs: (rows, columns) pairs; default every pair of code groups in codebook order.
    The agreement section appears when two or more coders (consensus aside) have codings.
    """
    codebook = project_codebook(project)
    if crosstabs is None:
        crosstabs = list(combinations([g.id for g in codebook.groups], 2))
    counts = project.db.execute(
        "SELECT (SELECT count(*) FROM transcripts), (SELECT count(*) FROM segments), "
        "(SELECT count(*) FROM codings), (SELECT count(DISTINCT coder) FROM codings)"
    ).fetchone()
    parts = [
        f"<h1>{_e(codebook.title)}</h1>",
        f'<p class="dim">{counts[0]} transcripts, {counts[1]} segments, {counts[2]} codings '
        f"by {counts[3]} coders. Counted: {_e(selection.rule)}. {_e(generated)}</p>",
        _codebook_section(codebook),
        _frequency_section(frequencies(project, selection)),
        "<h2>Cross-tabs</h2><p class=\"note\">Cells: transcripts (excerpts).</p>",
        *(_crosstab_section(crosstab(project, selection, r, c)) for r, c in crosstabs),
        _cooccurrence_section(cooccurrence(project, selection)),
        _agreement_section(project),
        _excerpt_section(project, selection, codebook, top),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(codebook.title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _codebook_section(codebook: Codebook) -> str:
    out = ["<h2>Codebook</h2>"]
    for group in codebook.groups:
        out.append(f"<h3>{_e(group.label)} <span class=\"dim\">{_e(group.id)}</span></h3>")
        if group.description:
            out.append(f"<p>{_e(group.description)}</p>")
        rows = []
        for code in group.codes:
            swatch = (f'<span class="swatch" style="background:{_e(code.colour)}"></span>'
                      if code.colour else "")
            examples = "<br>".join(f"&ldquo;{_e(x)}&rdquo;" for x in code.examples)
            rows.append(f"<td>{swatch}{_e(code.id)}</td><td>{_e(code.label)}</td>"
                        f"<td>{_e(code.definition)}</td><td>{_e(code.use_when)}</td>"
                        f"<td>{_e(code.do_not_use_when)}</td><td>{examples}</td>")
        out.append(_table(["code", "label", "definition", "use when", "do not use when",
                           "examples"], rows))
    return "\n".join(out)


def _frequency_section(rows: list[Frequency]) -> str:
    peak = max((r.excerpts for r in rows), default=0) or 1
    body = [
        f"<td>{_e(r.code)}</td><td>{_e(r.label)}</td><td class=\"n\">{r.excerpts}</td>"
        f"<td class=\"n\">{r.transcripts}</td><td class=\"n\">{r.codings}</td>"
        f'<td><span class="bar" style="width:{10 * r.excerpts / peak:.1f}em"></span></td>'
        for r in rows
    ]
    return "<h2>Frequencies</h2>" + _table(
        ["code", "label", "excerpts", "transcripts", "codings", ""], body)


def _crosstab_section(table: Crosstab) -> str:
    peak = max((c.transcripts for c in table.cells.values()), default=0)
    header = [f"{table.rows.name} \\ {table.columns.name}",
              *(table.columns.label(c) for c in table.columns.values), ROW_TOTAL]
    body = []
    for row in table.rows.values:
        cells = "".join(_heat(table.cells[row, c].transcripts, peak,
                              f"{table.cells[row, c].transcripts} ({table.cells[row, c].excerpts})")
                        for c in table.columns.values)
        total = table.row_totals[row]
        body.append(f"<th>{_e(table.rows.label(row))}</th>{cells}"
                    f"<td class=\"n\">{total.transcripts} ({total.excerpts})</td>")
    ranked = "".join(
        f"<li><b>{_e(table.rows.label(row))}</b>: "
        f"{_e(ranking_text(table, cells))}</li>"
        for row, cells in table.ranking() if cells
    )
    return (f"<h3>{_e(table.rows.name)} &times; {_e(table.columns.name)}</h3>"
            + _table(header, body) + (f"<ul>{ranked}</ul>" if ranked else ""))


def ranking_text(table: Crosstab, cells: list[Cell]) -> str:
    """`iterators (4 transcripts, 7 excerpts) > amplifiers (2, 3)`; `=` joins ties."""
    text = ""
    for i, c in enumerate(cells):
        counts = (f"{plural(c.transcripts, 'transcript')}, {plural(c.excerpts, 'excerpt')}"
                  if i == 0
                  else f"{c.transcripts}, {c.excerpts}")
        if i:
            prev = cells[i - 1]
            tie = (prev.transcripts, prev.excerpts) == (c.transcripts, c.excerpts)
            text += " = " if tie else " > "
        text += f"{table.columns.label(c.column)} ({counts})"
    return text


def _cooccurrence_section(result: Cooccurrence) -> str:
    codes = [c for c in result.codes if result.excerpts[c]]
    if not codes:
        return "<h2>Co-occurrence</h2><p class=\"note\">No codings yet.</p>"
    rows = []
    for a in codes:
        cells = []
        for b in codes:
            if a == b:
                cells.append(f'<td class="heat dim">{result.excerpts[a]}</td>')
                continue
            pair = result.pair(a, b)
            cells.append(_heat(pair.jaccard if pair else 0, 1,
                               f"{pair.excerpts} ({pair.jaccard:.2f})" if pair else ""))
        rows.append(f"<th>{_e(a)}</th>{''.join(cells)}")
    return ("<h2>Co-occurrence</h2><p class=\"note\">Segments carrying both codes (Jaccard); "
            "the diagonal is each code's segments.</p>" + _table(["", *codes], rows))


AGREEMENT_COLUMNS = {"n_units": "units", "percent_agreement": "agreement",
                     "cohen_kappa": "Cohen's κ", "fleiss_kappa": "Fleiss' κ",
                     "krippendorff_alpha": "Krippendorff's α", "alpha_ci95": "α 95% CI",
                     "gwet_ac1": "Gwet's AC1", "band": "reading"}


def agreement_rows(project: Project) -> tuple[list[dict[str, Any]], str]:
    """Agreement per code and over all codes (segment units, from `qualcode.reliability`),
    as table rows keyed like AGREEMENT_COLUMNS plus `code`, and a line saying whose; no rows
    and the reason when it cannot be computed."""
    try:
        report = reliability(project, Scope())
    except QualcodeError as e:
        return [], str(e)
    rows = [{"code": r.code, **figures(r.agreement, report.coders)} for r in report.codes]
    rows.append({"code": "all codes", **figures(report.overall, report.coders)})
    return rows, (f"Coders {', '.join(report.coders)}; {report.n_units} segments that they "
                  "marked done; participant turns only.")


def _agreement_section(project: Project) -> str:
    coders = {r[0] for r in project.db.execute(
        "SELECT DISTINCT coder FROM codings WHERE provenance != ?", [CONSENSUS])}
    if len(coders) < 2:
        return ""
    rows, note = agreement_rows(project)
    if not rows:
        return f'<h2>Agreement</h2><p class="note">Not computed: {_e(note)}</p>'
    body = ["".join([f"<td>{_e(row['code'])}</td>",
                     *(f'<td class="n">{_e(_fmt(row[k]))}</td>' for k in AGREEMENT_COLUMNS)])
            for row in rows]
    return (f'<h2>Agreement</h2><p class="note">{_e(note)}</p>'
            + _table(["code", *AGREEMENT_COLUMNS.values()], body))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "–".join(f"{v:.2f}" for v in value)
    return "" if value is None else str(value)


def _excerpt_section(project: Project, selection: CodingFilter, codebook: Codebook,
                     top: int) -> str:
    """Per code, the excerpts most coders agree on (then in transcript order)."""
    out = [f"<h2>Top excerpts per code</h2><p class=\"note\">Up to {top} per code, those "
           "applied by the most coders first.</p>"]
    for code in _codes_in_scope(codebook, selection):
        found = excerpts(project, selection, code)
        if not found:
            continue
        best = sorted(found, key=lambda x: -len(x.coders))[:top]
        out.append(f"<h3>{_e(code)} <span class=\"dim\">{_e(codebook.code(code).label)} "
                   f"&middot; {len(found)} excerpts</span></h3>")
        for x in best:
            out.append(f"<p class=\"dim\">{_e(x.transcript)} #{x.segment} "
                       f"{_e(x.speaker or '')} &middot; {_e(', '.join(x.coders))}</p>"
                       f"<blockquote>{_e(x.text)}</blockquote>")
    return "\n".join(out)
