"""Reliability on a project: agreement per code, per group, overall and per coder pair; the
disagreements; and their reconciliation into consensus codings.

`reliability_data` reads the store into `present[coder, unit, code]` and `reviewed[coder,
unit]` arrays; `reliability` hands them to `qualcode.agreement`. A unit is

* `segment` (default): a segment, coded if the coder applied the code anywhere in it;
* `sentence`: a sentence of a segment, coded if one of the coder's codings (a whole segment
  or a span) overlaps it;
* `character`: a character of a segment, coded if a coding covers it, as NVivo's coding
  comparison counts. Characters coded alike are merged into weighted runs; a bootstrap over
  characters would treat neighbours as independent, so no interval is given for them.

A coder reviewed a unit when they marked its segment done. Kappa, percent agreement, AC1 and
Brennan-Prediger compare the units every compared coder reviewed; alpha uses every unit two
or more of them reviewed. Only participant turns count unless `all_speakers`.

Reconciliation records decisions as codings by a consensus coder (default `consensus`) with
provenance 'consensus', through `qualcode.coding`, and marks the segment done for that coder:
its codings are then one more coding of the project, undoable like any other.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

import numpy as np

from qualcode.agreement import (
    MISSING,
    Agreement,
    Explanation,
    Interval,
    Statistic,
    agreement,
    alpha,
    alpha_interval,
    explain,
    pooled_agreement,
    present_labels,
)
from qualcode.codebook import Code, Codebook, Group, project_codebook
from qualcode.coding import (
    FileProblems,
    LineProblem,
    apply_code,
    remove_code,
    set_done,
    set_segment_memo,
)
from qualcode.errors import QualcodeError
from qualcode.export import CONSENSUS
from qualcode.store import Project, resolve_transcript_id

UNITS = ("segment", "sentence", "character")
CONSENSUS_CODER = "consensus"
MODEL_CODER = "model"
BOTH, NEITHER = "both", "neither"
MODEL_FOLDS = 5  # the model predicts each fold of segments trained without that fold
# A sentence ends at . ! ? or … (with any closing quotes or brackets) followed by space.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")


@dataclass(frozen=True)
class Scope:
    """Which coders, codes, segments and units a reliability check reads.

    coders None means every coder who reviewed a segment in scope, consensus coders aside.
    """

    coders: tuple[str, ...] | None = None
    codes: tuple[str, ...] = ()  # code references (ids, suffixes or labels)
    group: str | None = None
    transcript: str | None = None
    unit: str = "segment"
    all_speakers: bool = False
    with_model: bool = False


@dataclass(frozen=True)
class Unit:
    """One unit of analysis: a segment, or a sentence or run of characters inside one."""

    segment_id: int
    transcript_id: str
    ordinal: int
    start: int  # offsets in the segment text, end excluded
    end: int


@dataclass
class ReliabilityData:
    """The arrays the statistics read, and what their axes mean."""

    unit: str
    coders: list[str]
    codes: list[Code]
    units: list[Unit]
    present: np.ndarray  # [coder, unit, code] bool: the coder applied the code to the unit
    reviewed: np.ndarray  # [coder, unit] bool: the coder marked the unit's segment done
    weights: np.ndarray | None  # characters per unit for character units, else None


@dataclass
class CodeReliability:
    code: str
    group: str
    label: str
    agreement: Agreement


@dataclass
class GroupReliability:
    group: str
    label: str
    exclusive: bool
    method: str  # how the group is compared, in words
    agreement: Agreement


@dataclass
class PairReliability:
    coders: tuple[str, str]
    agreement: Agreement  # every code in scope pooled


@dataclass
class Report:
    unit: str
    coders: list[str]
    n_units: int  # units in scope that at least one compared coder reviewed
    codes: list[CodeReliability]
    groups: list[GroupReliability]
    overall: Agreement  # every code in scope pooled: each (unit, code) pair one decision
    pairs: list[PairReliability]


# --- building the arrays --------------------------------------------------------------------


def reliability_data(project: Project, scope: Scope) -> ReliabilityData:
    """Read the store into unit x coder x code arrays for `scope`."""
    if scope.unit not in UNITS:
        raise QualcodeError(f"--unit must be one of {', '.join(UNITS)}, not {scope.unit!r}")
    codebook = project_codebook(project)
    codes = scope_codes(codebook, scope)
    segments = _segments(project, scope)
    coders = _coders(project, scope, segments)
    reviews = _reviews(project, coders, segments)
    codings = _codings(project, coders, codes, segments)
    if scope.with_model:
        coders, reviews, codings = _add_model(project, coders, codes, segments, reviews, codings)
    units = _units(scope.unit, segments, coders, reviews, codings)
    present, reviewed = _arrays(units, segments, coders, codes, reviews, codings)
    weights = np.array([u.end - u.start for u in units], dtype=np.int64)
    return ReliabilityData(
        unit=scope.unit,
        coders=coders,
        codes=codes,
        units=units,
        present=present,
        reviewed=reviewed,
        weights=weights if scope.unit == "character" else None,
    )


def _units(
    unit: str,
    segments: dict[int, tuple[str, int, str]],
    coders: Sequence[str],
    reviews: set[tuple[int, str]],
    codings: Spans,
) -> list[Unit]:
    """The units of every segment at least one coder reviewed, in transcript order."""
    units = []
    for segment_id, (transcript_id, ordinal, text) in segments.items():
        if not any((segment_id, coder) in reviews for coder in coders):
            continue
        coded = [
            _whole(span, len(text))
            for spans in codings.get(segment_id, {}).values()
            for span in spans
        ]
        for start, end in _unit_spans(unit, text, coded):
            units.append(Unit(segment_id, transcript_id, ordinal, start, end))
    return units


def _arrays(
    units: Sequence[Unit],
    segments: dict[int, tuple[str, int, str]],
    coders: Sequence[str],
    codes: Sequence[Code],
    reviews: set[tuple[int, str]],
    codings: Spans,
) -> tuple[np.ndarray, np.ndarray]:
    """`present[coder, unit, code]`: a coding overlaps the unit; `reviewed[coder, unit]`."""
    present = np.zeros((len(coders), len(units), len(codes)), dtype=bool)
    reviewed = np.zeros((len(coders), len(units)), dtype=bool)
    code_index = {code.id: k for k, code in enumerate(codes)}
    coder_index = {coder: c for c, coder in enumerate(coders)}
    for u, unit in enumerate(units):
        for coder, c in coder_index.items():
            reviewed[c, u] = (unit.segment_id, coder) in reviews
        length = len(segments[unit.segment_id][2])
        for (coder, code_id), spans in codings.get(unit.segment_id, {}).items():
            if any(_overlaps(_whole(span, length), unit) for span in spans):
                present[coder_index[coder], u, code_index[code_id]] = True
    return present, reviewed


def scope_codes(codebook: Codebook, scope: Scope) -> list[Code]:
    """The codes in scope, in codebook order: the named codes, one group's, or all."""
    if scope.codes:
        wanted = {codebook.code(ref).id for ref in scope.codes}
        return [code for code in codebook.codes if code.id in wanted]
    if scope.group is not None:
        return list(codebook.group(scope.group.strip().lower()).codes)
    return list(codebook.codes)


def _segments(project: Project, scope: Scope) -> dict[int, tuple[str, int, str]]:
    """Segments in scope: id -> (transcript id, ordinal, text), in transcript order."""
    sql, params = "SELECT id, transcript_id, ordinal, text FROM segments WHERE 1", []
    if not scope.all_speakers:
        sql += " AND role = 'participant'"
    if scope.transcript is not None:
        sql += " AND transcript_id = ?"
        params.append(resolve_transcript_id(project, scope.transcript))
    sql += " ORDER BY transcript_id, ordinal"
    return {row[0]: row[1:] for row in project.db.execute(sql, params)}


def _coders(project: Project, scope: Scope, segments: dict[int, tuple]) -> list[str]:
    """The coders compared: as given (checked), or every reviewer in scope but consensus."""
    reviewers = _reviewers(project, segments)
    if scope.coders is not None:
        coders = list(dict.fromkeys(c.strip() for c in scope.coders if c.strip()))
        known = reviewers | _coding_coders(project)
        unknown = [c for c in coders if c not in known]
        if unknown:
            raise QualcodeError(
                f"no coder {', '.join(map(repr, unknown))} in this project "
                f"(coders: {', '.join(sorted(known)) or 'none yet'})"
            )
    else:
        consensus = _consensus_coders(project)
        coders = sorted(reviewers - consensus)
    if len(coders) + scope.with_model < 2:
        raise QualcodeError(
            "agreement needs two or more coders who marked segments done in scope "
            f"(found: {', '.join(coders) or 'none'}); name them with --coders a,b"
        )
    return coders


def _reviewers(project: Project, segments: dict[int, tuple]) -> set[str]:
    return {
        coder
        for coder, segment_id in project.db.execute("SELECT coder, segment_id FROM reviews")
        if segment_id in segments
    }


def _coding_coders(project: Project) -> set[str]:
    return {row[0] for row in project.db.execute("SELECT DISTINCT coder FROM codings")}


def _consensus_coders(project: Project) -> set[str]:
    """The default consensus coder and any coder with consensus codings."""
    rows = project.db.execute(
        "SELECT DISTINCT coder FROM codings WHERE provenance = ?", [CONSENSUS]
    )
    return {CONSENSUS_CODER} | {row[0] for row in rows}


def _reviews(
    project: Project, coders: Sequence[str], segments: dict[int, tuple]
) -> set[tuple[int, str]]:
    wanted = set(coders)
    return {
        (segment_id, coder)
        for segment_id, coder in project.db.execute("SELECT segment_id, coder FROM reviews")
        if coder in wanted and segment_id in segments
    }


Spans = dict[int, dict[tuple[str, str], list[tuple[int, int] | None]]]


def _codings(
    project: Project, coders: Sequence[str], codes: Sequence[Code], segments: dict[int, tuple]
) -> Spans:
    """segment id -> (coder, code id) -> spans (None for the whole segment)."""
    wanted_coders, wanted_codes = set(coders), {code.id for code in codes}
    found: Spans = defaultdict(lambda: defaultdict(list))
    for segment_id, coder, code_id, start, end in project.db.execute(
        "SELECT segment_id, coder, code_id, span_start, span_end FROM codings"
    ):
        if segment_id in segments and coder in wanted_coders and code_id in wanted_codes:
            found[segment_id][coder, code_id].append(None if start is None else (start, end))
    return found


def _add_model(
    project: Project,
    coders: list[str],
    codes: Sequence[Code],
    segments: dict[int, tuple],
    reviews: set[tuple[int, str]],
    codings: Spans,
) -> tuple[list[str], set[tuple[int, str]], Spans]:
    """The suggestion model as one more coder: it 'reviews' every segment a coder reviewed.

    Each fold of segments is predicted by a model trained without that fold (cross-fitting),
    so the model never sees the codings it is compared with.
    """
    from qualcode.suggest import predict_codes

    if MODEL_CODER in coders:
        raise QualcodeError(f"a coder is named {MODEL_CODER!r}: --with-model needs that name")
    ids = sorted({segment_id for segment_id, _ in reviews})
    wanted = {code.id for code in codes}
    for fold in range(MODEL_FOLDS):
        for segment_id, predicted in predict_codes(project, ids[fold::MODEL_FOLDS]).items():
            reviews.add((segment_id, MODEL_CODER))
            for code_id in predicted & wanted:
                codings[segment_id][MODEL_CODER, code_id].append(None)
    return [*coders, MODEL_CODER], reviews, codings


def _whole(span: tuple[int, int] | None, length: int) -> tuple[int, int]:
    return (0, length) if span is None else span


def _overlaps(span: tuple[int, int], unit: Unit) -> bool:
    return span[0] < unit.end and unit.start < span[1]


def _unit_spans(unit: str, text: str, coded: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The units of one segment as (start, end) offsets in its text."""
    if unit == "segment":
        return [(0, len(text))]
    if unit == "sentence":
        return sentence_spans(text)
    cuts = sorted({0, len(text), *(offset for span in coded for offset in span)})
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if a < b]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as (start, end) offsets: split after . ! ? … before whitespace; the
    whitespace between sentences belongs to none. A text without an end mark is one
    sentence."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    spans = [_stripped(text, a, b) for a, b in spans]
    return [(a, b) for a, b in spans if a < b] or [(0, len(text))]


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- the statistics -------------------------------------------------------------------------


def reliability(project: Project, scope: Scope, *, resamples: int = 1000, seed: int = 0) -> Report:
    """Agreement per code, per group, overall and per coder pair, for `scope`."""
    data = reliability_data(project, scope)
    if data.weights is not None:
        resamples = 0  # no bootstrap over characters: see CHARACTER_INTERVAL
    labels = present_labels(data.present, data.reviewed)

    def pooled(coders: list[int]) -> Agreement:
        return pooled_agreement(
            labels[coders], 2, weights=data.weights, resamples=resamples, seed=seed
        )

    per_code = agreement(labels, 2, weights=data.weights, resamples=resamples, seed=seed)
    report = Report(
        unit=data.unit,
        coders=data.coders,
        n_units=_units_in(data),
        codes=[
            CodeReliability(code.id, code.group, code.label, result)
            for code, result in zip(data.codes, per_code, strict=True)
        ],
        groups=[
            _group_reliability(data, group, resamples, seed)
            for group in _groups_in_scope(project_codebook(project), data.codes)
        ],
        overall=pooled(list(range(len(data.coders)))),
        pairs=[
            PairReliability((data.coders[a], data.coders[b]), pooled([a, b]))
            for a, b in combinations(range(len(data.coders)), 2)
        ],
    )
    return report if data.weights is None else _explain_missing_intervals(report)


CHARACTER_INTERVAL = (
    "no bootstrap interval for character units: neighbouring characters are not independent, "
    "so it would be far too narrow"
)


def _explain_missing_intervals(report: Report) -> Report:
    """Give every figure computed without an interval the reason there is none."""

    def said(result: Agreement) -> Agreement:
        if result.alpha_ci is not None:
            return result
        return replace(result, alpha_ci=Interval(None, None, CHARACTER_INTERVAL))

    return replace(
        report,
        codes=[replace(r, agreement=said(r.agreement)) for r in report.codes],
        groups=[replace(g, agreement=said(g.agreement)) for g in report.groups],
        overall=said(report.overall),
        pairs=[replace(p, agreement=said(p.agreement)) for p in report.pairs],
    )


def _units_in(data: ReliabilityData) -> int:
    counted = data.reviewed.any(axis=0)
    return int(counted.sum() if data.weights is None else data.weights[counted].sum())


def _groups_in_scope(codebook: Codebook, codes: Sequence[Code]) -> list[Group]:
    """Groups all of whose codes are in scope: only those can be compared as a whole."""
    ids = {code.id for code in codes}
    return [g for g in codebook.groups if g.codes and all(c.id in ids for c in g.codes)]


def _group_reliability(
    data: ReliabilityData, group: Group, resamples: int, seed: int
) -> GroupReliability:
    columns = [k for k, code in enumerate(data.codes) if code.group == group.id]
    present = data.present[:, :, columns]
    if group.exclusive:
        method = "nominal: each code a value, no code of the group another"
        result = _exclusive_agreement(present, data, resamples, seed)
    else:
        method = "alpha with the MASI distance between the sets of codes each coder applied"
        codes = [data.codes[k].id for k in columns]
        result = _set_agreement(present, codes, data, resamples, seed)
    return GroupReliability(group.id, group.label, group.exclusive, method, result)


def _exclusive_agreement(
    present: np.ndarray, data: ReliabilityData, resamples: int, seed: int
) -> Agreement:
    """One nominal variable: 0 for no code of the group, k for its k-th code."""
    several = (present.sum(axis=2) > 1) & data.reviewed
    labels = np.where(data.reviewed, present.argmax(axis=2) + present.any(axis=2), MISSING)
    (result,) = agreement(
        labels[:, :, None],
        present.shape[2] + 1,
        weights=data.weights,
        resamples=resamples,
        seed=seed,
    )
    if several.any():
        reason = (
            f"{int(several.any(axis=0).sum())} units carry two or more codes of this exclusive "
            "group from one coder"
        )
        return _undefined(result, reason)
    return result


def _set_agreement(
    present: np.ndarray, codes: list[str], data: ReliabilityData, resamples: int, seed: int
) -> Agreement:
    """Percent agreement and counts on exact sets; alpha with the MASI distance on sets."""
    sets = [
        [
            frozenset(c for c, on in zip(codes, row, strict=True) if on) if seen else None
            for row, seen in zip(coder_present, coder_reviewed, strict=True)
        ]
        for coder_present, coder_reviewed in zip(present, data.reviewed, strict=True)
    ]
    used = {s for row in sets for s in row if s}
    distinct = [frozenset(), *sorted(used, key=sorted)]  # 0: no code of the group
    index = {s: i for i, s in enumerate(distinct)}
    labels = np.array([[MISSING if s is None else index[s] for s in row] for row in sets])
    (exact,) = agreement(
        labels.reshape(len(sets), -1, 1),
        max(len(distinct), 2),
        weights=data.weights,
        resamples=0,
    )
    not_nominal = (
        "not defined for a non-exclusive group, where a unit can carry several codes; "
        "see alpha with the MASI distance"
    )
    masi = alpha(sets, "masi", weights=data.weights)
    interval = alpha_interval(sets, "masi", resamples=resamples, seed=seed) if resamples else None
    undefined = Statistic(None, not_nominal)
    return replace(
        exact,
        cohen_kappa=undefined,
        fleiss_kappa=undefined,
        gwet_ac1=undefined,
        brennan_prediger=undefined,
        krippendorff_alpha=masi,
        alpha_ci=interval,
    )


def _undefined(result: Agreement, reason: str) -> Agreement:
    """Every figure of `result` undefined for `reason`; the counts stay."""
    none = Statistic(None, reason)
    return replace(
        result,
        percent_agreement=none,
        cohen_kappa=none,
        fleiss_kappa=none,
        krippendorff_alpha=none,
        alpha_ci=Interval(None, None, reason),
        gwet_ac1=none,
        brennan_prediger=none,
    )


@dataclass
class CodeExplanation:
    """One code's alpha worked out by hand; `explanation.units` index into `units`."""

    code: str
    unit: str
    coders: list[str]
    units: list[Unit]
    explanation: Explanation


def explain_code(project: Project, scope: Scope, code: str) -> CodeExplanation:
    """The worked arithmetic behind one code's alpha (absent/present per unit)."""
    data = reliability_data(project, replace(scope, codes=(code,), group=None))
    values = [
        [
            ("present" if on else "absent") if seen else None
            for on, seen in zip(row, done, strict=True)
        ]
        for row, done in zip(data.present[:, :, 0], data.reviewed, strict=True)
    ]
    explanation = explain(values, weights=data.weights)
    return CodeExplanation(data.codes[0].id, data.unit, data.coders, data.units, explanation)


# --- reading the figures --------------------------------------------------------------------

RELIABLE, TENTATIVE = 0.800, 0.667  # Krippendorff (2004): rely on alpha >= .800, and on
# alpha >= .667 only for tentative conclusions


def band(value: float | None) -> str:
    """Krippendorff's reading of an alpha: reliable, tentative, unreliable or undefined."""
    if value is None:
        return "undefined"
    if value >= RELIABLE:
        return "reliable"
    return "tentative" if value >= TENTATIVE else "unreliable"


def reading(report: Report) -> str:
    """The result in plain words: how many codes fall in each band, the weakest, overall."""
    bands: dict[str, list[CodeReliability]] = defaultdict(list)
    for result in report.codes:
        bands[band(result.agreement.krippendorff_alpha.value)].append(result)
    parts = [
        f"{len(bands[name])} {name}"
        for name in ("reliable", "tentative", "unreliable")
        if bands[name]
    ]
    text = f"Of {len(report.codes)} codes, {_joined(parts) or 'none'} by alpha"
    if bands["undefined"]:
        text += f"; {len(bands['undefined'])} cannot be judged (alpha undefined)"
    judged = [r for r in report.codes if r.agreement.krippendorff_alpha.value is not None]
    if judged:
        weakest = min(judged, key=lambda r: r.agreement.krippendorff_alpha.value)
        text += (
            f". Weakest: {weakest.code} (alpha {weakest.agreement.krippendorff_alpha.value:.3f})"
        )
    overall = report.overall.krippendorff_alpha.value
    if overall is not None:
        text += f". All codes pooled: alpha {overall:.3f}, {band(overall)}"
    return text + "."


def _joined(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


FIGURES = (
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "brennan_prediger",
)


def figures(result: Agreement, coders: Sequence[str]) -> dict:
    """Every figure of an Agreement as plain JSON: numbers, or null with the reason in
    `reasons` under the same key."""
    out: dict = {
        "n_units": result.n_units,
        "n_pairable": result.n_pairable,
        "applied": dict(zip(coders, result.applied, strict=True)),
        "disagreements": result.disagreements,
    }
    reasons = {}
    for key in FIGURES:
        statistic: Statistic = getattr(result, key)
        out[key] = statistic.value
        if statistic.reason:
            reasons[key] = statistic.reason
    interval = result.alpha_ci
    out["alpha_ci95"] = (
        None if interval is None or interval.low is None else [interval.low, interval.high]
    )
    if interval is not None and interval.reason:
        reasons["alpha_ci95"] = interval.reason
    out["band"] = band(result.krippendorff_alpha.value)
    out["reasons"] = reasons
    return out


def report_json(report: Report) -> dict:
    """The whole report as JSON with stable keys."""
    coders = report.coders
    return {
        "unit": report.unit,
        "coders": coders,
        "n_units": report.n_units,
        "codes": [
            {"code": r.code, "group": r.group, "label": r.label, **figures(r.agreement, coders)}
            for r in report.codes
        ],
        "groups": [
            {
                "group": g.group,
                "label": g.label,
                "exclusive": g.exclusive,
                "method": g.method,
                **figures(g.agreement, coders),
            }
            for g in report.groups
        ],
        "overall": figures(report.overall, coders),
        "pairs": [
            {"coders": list(p.coders), **figures(p.agreement, p.coders)} for p in report.pairs
        ],
        "reading": reading(report),
    }


def comparison_json(comparison: SegmentComparison) -> dict:
    return {
        "transcript": comparison.transcript,
        "segment": comparison.ordinal,
        "speaker": comparison.speaker,
        "text": comparison.text,
        "disputed": comparison.disputed,
        "decided": comparison.decided,
        "coders": [
            {"coder": v.coder, "codes": v.codes, "memos": v.memos, "note": v.note}
            for v in comparison.coders
        ],
    }


# --- disagreements and reconciliation -------------------------------------------------------


@dataclass
class CoderCodes:
    """What one coder did on a segment, within the codes in scope."""

    coder: str
    codes: list[str]  # in codebook order
    spans: dict[str, list[tuple[int, int] | None]]  # code -> spans, None for the whole segment
    memos: dict[str, str]  # code -> the memo on that coding
    note: str | None  # the coder's memo on the segment


@dataclass
class SegmentComparison:
    """A segment every compared coder marked done, and what each of them coded on it."""

    segment_id: int
    transcript: str
    ordinal: int
    speaker: str | None
    text: str
    coders: list[CoderCodes]
    disputed: list[str]  # codes some coders applied and others did not; empty if they agree
    decided: bool  # the consensus coder has marked it done


def compare_segments(
    project: Project, scope: Scope, as_coder: str = CONSENSUS_CODER
) -> list[SegmentComparison]:
    """Every segment in scope that all compared coders marked done, in transcript order."""
    codebook = project_codebook(project)
    codes = scope_codes(codebook, scope)
    order = {code.id: k for k, code in enumerate(codes)}
    segments = _segments(project, scope)
    coders = _coders(project, replace(scope, with_model=False), segments)
    reviews = _reviews(project, [*coders, as_coder], segments)
    complete = [s for s in segments if all((s, coder) in reviews for coder in coders)]
    views = {(s, coder): CoderCodes(coder, [], {}, {}, None) for s in complete for coder in coders}
    for segment_id, coder, code_id, start, end, memo in project.db.execute(
        "SELECT segment_id, coder, code_id, span_start, span_end, memo FROM codings"
    ):
        view = views.get((segment_id, coder))
        if view is None or code_id not in order:
            continue
        view.spans.setdefault(code_id, []).append(None if start is None else (start, end))
        if memo:
            view.memos[code_id] = memo
    for segment_id, coder, text in project.db.execute(
        "SELECT CAST(target_id AS INTEGER), coder, text FROM memos WHERE target = 'segment'"
    ):
        if (segment_id, coder) in views:
            views[segment_id, coder].note = text
    details = _segment_details(project, complete)
    comparisons = []
    for segment_id in complete:
        coder_views = [views[segment_id, coder] for coder in coders]
        for view in coder_views:
            view.codes = sorted(view.spans, key=order.__getitem__)
        sets = [set(view.codes) for view in coder_views]
        disputed = set.union(*sets) - set.intersection(*sets)
        transcript, ordinal, _ = segments[segment_id]
        speaker, text = details[segment_id]
        comparisons.append(
            SegmentComparison(
                segment_id,
                transcript,
                ordinal,
                speaker,
                text,
                coder_views,
                sorted(disputed, key=order.__getitem__),
                (segment_id, as_coder) in reviews,
            )
        )
    return comparisons


def disagreements(
    project: Project, scope: Scope, as_coder: str = CONSENSUS_CODER
) -> list[SegmentComparison]:
    """The segments on which the compared coders applied different codes."""
    return [c for c in compare_segments(project, scope, as_coder) if c.disputed]


def _segment_details(project: Project, ids: list[int]) -> dict[int, tuple[str | None, str]]:
    wanted = set(ids)
    return {
        row[0]: row[1:]
        for row in project.db.execute("SELECT id, speaker, text FROM segments")
        if row[0] in wanted
    }


def choices(comparison: SegmentComparison) -> list[str]:
    """What a decision can take: one coder's codes, both (every code any coder applied) or
    neither (only the codes every coder applied)."""
    return [view.coder for view in comparison.coders] + [BOTH, NEITHER]


def chosen_codings(
    comparison: SegmentComparison, take: str
) -> dict[str, list[tuple[int, int] | None]]:
    """The codings a decision keeps: code -> spans, copied from the coders who applied it.

    A code some source applied to the whole segment stays on the whole segment.
    """
    if take not in choices(comparison):
        raise QualcodeError(f"take must be one of {', '.join(choices(comparison))}, not {take!r}")
    sources = [view for view in comparison.coders if take in (BOTH, NEITHER, view.coder)]
    agreed = set.intersection(*(set(view.codes) for view in comparison.coders))
    kept: dict[str, list[tuple[int, int] | None]] = {}
    for view in sources:
        for code, spans in view.spans.items():
            if take != NEITHER or code in agreed:
                kept.setdefault(code, []).extend(spans)
    return {code: [None] if None in spans else sorted(set(spans)) for code, spans in kept.items()}


def reconcile(
    project: Project,
    comparison: SegmentComparison,
    take: str,
    *,
    scope: Scope,
    as_coder: str = CONSENSUS_CODER,
    memo: str | None = None,
) -> list[str]:
    """Record one decision: the consensus coder's codings in scope on the segment become
    exactly those chosen (provenance 'consensus'), and the segment is marked done for that
    coder; `memo` becomes its memo on the segment. Returns the codes kept."""
    codebook = project_codebook(project)
    kept = chosen_codings(comparison, take)
    _check_exclusive(codebook, kept, take)
    in_scope = {code.id for code in scope_codes(codebook, scope)}
    with project.transaction():
        for code_id, start, end in project.db.execute(
            "SELECT code_id, span_start, span_end FROM codings WHERE segment_id = ? AND coder = ?",
            [comparison.segment_id, as_coder],
        ).fetchall():
            span = None if start is None else (start, end)
            if code_id in in_scope and span not in kept.get(code_id, []):
                remove_code(project, comparison.segment_id, code_id, as_coder, span=span)
        for code_id, spans in kept.items():
            for span in spans:
                apply_code(
                    project,
                    comparison.segment_id,
                    code_id,
                    as_coder,
                    span=span,
                    provenance=CONSENSUS,
                )
        set_done(project, comparison.segment_id, as_coder)
        if memo is not None:
            set_segment_memo(project, comparison.segment_id, as_coder, memo)
    return list(kept)


def _check_exclusive(codebook: Codebook, kept: dict[str, list], take: str) -> None:
    groups: dict[str, list[str]] = defaultdict(list)
    for code_id in kept:
        groups[codebook.code(code_id).group].append(code_id)
    for group_id, codes in groups.items():
        if codebook.group(group_id).exclusive and len(codes) > 1:
            raise QualcodeError(
                f"{take!r} would give two codes of the exclusive group {group_id} "
                f"({', '.join(codes)}): take one coder's codes instead"
            )


def reconcile_agreed(project: Project, scope: Scope, as_coder: str = CONSENSUS_CODER) -> int:
    """Copy the segments the coders agree on, not decided yet, into the consensus coding;
    returns how many."""
    agreed = [
        c for c in compare_segments(project, scope, as_coder) if not c.disputed and not c.decided
    ]
    with project.transaction():
        for comparison in agreed:
            reconcile(project, comparison, NEITHER, scope=scope, as_coder=as_coder)
    return len(agreed)


def reconcile_all(
    project: Project, scope: Scope, take: str, as_coder: str = CONSENSUS_CODER
) -> int:
    """Decide every open disagreement the same way (a coder's codes, both or neither);
    returns how many were decided."""
    pending = [d for d in disagreements(project, scope, as_coder) if not d.decided]
    with project.transaction():
        for comparison in pending:
            reconcile(project, comparison, take, scope=scope, as_coder=as_coder)
    return len(pending)


@dataclass
class Decision:
    line: int
    transcript: str
    ordinal: int
    take: str
    memo: str | None


DECISION_COLUMNS = ("transcript", "segment", "take", "memo")


def read_decisions(path: Path | str) -> list[Decision]:
    """Decisions from a CSV file with the columns transcript, segment, take and (optional)
    memo; `take` is a coder's name, both or neither."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as e:
        raise QualcodeError(f"cannot read {path}: {e.strerror}") from e
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in DECISION_COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise FileProblems(
                path,
                [
                    LineProblem(
                        1,
                        f"missing column(s) {', '.join(missing)}; "
                        f"expected {', '.join(DECISION_COLUMNS)}",
                    )
                ],
            )
        decisions, problems = [], []
        for row in reader:
            ordinal = (row.get("segment") or "").strip()
            if not ordinal.isdigit():
                problems.append(LineProblem(reader.line_num, f"segment {ordinal!r} is no number"))
                continue
            memo = (row.get("memo") or "").strip() or None
            decisions.append(
                Decision(
                    reader.line_num,
                    (row["transcript"] or "").strip(),
                    int(ordinal),
                    (row["take"] or "").strip(),
                    memo,
                )
            )
    if problems:
        raise FileProblems(path, problems)
    return decisions


def apply_decisions(
    project: Project,
    scope: Scope,
    decisions: Sequence[Decision],
    path: Path | str,
    as_coder: str = CONSENSUS_CODER,
) -> int:
    """Record decisions read from `path`, all or none: every line is checked first."""
    by_segment = {(d.transcript, d.ordinal): d for d in disagreements(project, scope, as_coder)}
    planned, problems = [], []
    for decision in decisions:
        try:
            transcript = resolve_transcript_id(project, decision.transcript)
        except QualcodeError as e:
            problems.append(LineProblem(decision.line, str(e)))
            continue
        comparison = by_segment.get((transcript, decision.ordinal))
        if comparison is None:
            problems.append(
                LineProblem(
                    decision.line,
                    f"{transcript} segment {decision.ordinal} is not a disagreement "
                    "between these coders in scope",
                )
            )
        elif decision.take not in choices(comparison):
            problems.append(
                LineProblem(decision.line, f"take must be one of {', '.join(choices(comparison))}")
            )
        else:
            planned.append((comparison, decision))
    if problems:
        raise FileProblems(path, problems)
    with project.transaction():
        for comparison, decision in planned:
            reconcile(
                project,
                comparison,
                decision.take,
                scope=scope,
                as_coder=as_coder,
                memo=decision.memo,
            )
    return len(planned)
