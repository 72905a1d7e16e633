"""Inter-coder agreement statistics, computed with numpy for every code at once.

Two entry points, two data layouts:

* `agreement(labels, n_values)` scores many nominal items (codes) in one pass. `labels[coder,
  unit, item]` holds a value in `0..n_values-1`, or `MISSING` (-1) where the coder did not review
  the unit. Value 0 means "not applied": for a present/absent code 0 is absent and 1 present
  (`code_agreement` builds this from `present[coder, unit, code]` and `reviewed[coder, unit]`);
  for an exclusive group 0 is "no code of this group" and 1.. are its codes.
  `pooled_agreement` scores all items as one, and optional `weights[unit]` let one row stand
  for many identical units (runs of characters coded alike).
* `alpha`, `alpha_interval` and `explain` score one variable with any of Krippendorff's metrics:
  nominal, ordinal, interval or ratio values, or sets of codes compared with the MASI or Jaccard
  distance. `data[coder][unit]` is a value, or None / NaN where missing.

Which units count: percent agreement, Cohen's and Fleiss' kappa, Gwet's AC1 and Brennan-Prediger
compare the *complete* units, those every coder reviewed; Krippendorff's alpha uses every
*pairable* unit, one with values from two or more coders, as alpha allows. A figure the data leave
undefined (kappa when no coder used the code, alpha without variation) is a `Statistic` whose
value is None and whose reason says why; nothing here makes a number up.

Alpha follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability". A pairable unit u
with m_u values, n_uv of them equal to v, adds n_uv·n_uw/(m_u-1) to the coincidence o_vw and
D_u = Σ_vw n_uv·n_uw·δ_vw/(m_u-1) to the observed disagreement; with n_v = Σ_u n_uv and n = Σ n_v,

    alpha = 1 - Do/De = 1 - (n-1)·Σ_u D_u / Σ_vw n_v·n_w·δ_vw.

Both sums run over units, so a bootstrap replicate (units drawn with replacement) is a weighted
sum, draw counts @ per-unit terms: one matrix product scores every resample of every code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

Metric = Literal["nominal", "ordinal", "interval", "ratio", "masi", "jaccard"]

MISSING = -1  # label of a unit the coder did not review
NUMERIC_METRICS = ("ordinal", "interval", "ratio")
SET_METRICS = ("masi", "jaccard")
_CHUNK = 100  # bootstrap replicates per matrix product; bounds memory at _CHUNK x units floats


@dataclass(frozen=True)
class Statistic:
    """A figure, or `value=None` with the reason the data leave it undefined."""

    value: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Interval:
    """A bootstrap percentile interval, or None bounds with the reason there is none."""

    low: float | None
    high: float | None
    reason: str | None = None
    confidence: float = 0.95
    resamples: int = 1000


@dataclass(frozen=True)
class Agreement:
    """Every agreement figure for one item: a code, or an exclusive group as one variable."""

    n_units: int  # complete units: reviewed by every coder; the base of all but alpha
    n_pairable: int  # units with values from two or more coders: the base of alpha
    applied: tuple[int, ...]  # per coder: complete units given a value other than 0 (the code)
    disagreements: int  # complete units on which the coders do not all give the same value
    percent_agreement: Statistic  # share of agreeing coder pairs (two coders: of agreeing units)
    cohen_kappa: Statistic  # two coders: Cohen's kappa; more: mean over coder pairs (Light)
    fleiss_kappa: Statistic
    krippendorff_alpha: Statistic  # nominal
    alpha_ci: Interval | None  # bootstrap over units; None when no resamples were asked for
    gwet_ac1: Statistic
    brennan_prediger: Statistic


@dataclass(frozen=True)
class Explanation:
    """The worked arithmetic behind one alpha, for checking the figure by hand."""

    metric: str
    values: tuple[Any, ...]  # the distinct values, in the order of the matrices' rows
    units: tuple[tuple[int, tuple[Any, ...]], ...]  # pairable units: (index, each coder's value)
    weights: np.ndarray  # how many identical units each of `units` stands for (usually 1)
    skipped: int  # units with fewer than two values, which alpha leaves out
    coincidences: np.ndarray  # o[v, w]
    marginals: np.ndarray  # n_v = Σ_w o[v, w]
    delta: np.ndarray  # metric differences δ[v, w]
    observed: float | None  # Do = Σ o·δ / n
    expected: float | None  # De = Σ n_v·n_w·δ / (n(n-1))
    alpha: Statistic

    def __str__(self) -> str:
        return "\n".join(_explanation_lines(self))


# --- many nominal items at once -------------------------------------------------------------


def code_agreement(
    present: np.ndarray,
    reviewed: np.ndarray,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[Agreement]:
    """Agreement per code from `present[coder, unit, code]` and the `reviewed[coder, unit]` mask."""
    return agreement(
        present_labels(present, reviewed), 2, resamples=resamples, confidence=confidence, seed=seed
    )


def present_labels(present: np.ndarray, reviewed: np.ndarray) -> np.ndarray:
    """`labels[coder, unit, code]`: 1 present, 0 absent, MISSING where the unit was not reviewed."""
    labels = np.asarray(present, dtype=bool).astype(np.int8)
    labels[~np.asarray(reviewed, dtype=bool)] = MISSING
    return labels


def agreement(
    labels: np.ndarray,
    n_values: int = 2,
    *,
    weights: np.ndarray | None = None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[Agreement]:
    """Agreement per item of `labels[coder, unit, item]` (values 0..n_values-1, MISSING).

    `n_values` counts the possible values, used or not: AC1 and Brennan-Prediger depend on it.
    `weights[unit]` says how many identical units a row stands for (a run of characters coded
    alike); every count is then weighted, and a bootstrap, which must draw the units
    themselves, is refused. The alpha interval resamples units with the same draws for every
    item (seeded).
    """
    labels = _checked_labels(labels, n_values)
    if weights is not None and resamples > 0:
        raise ValueError("a bootstrap draws single units: give resamples=0 with weights")
    n_coders, _, n_items = labels.shape
    tally = _Tally.of(labels, n_values)
    complete = tally.m == n_coders  # [unit, item]
    n_complete = _total(complete, 0, weights)  # [item]
    # [coder, item, value]: complete units each coder gave each value; value 0 takes the rest
    applied = [_total(g & complete, 1, weights) for g in tally.given[1:]]
    used = np.stack([n_complete - sum(applied), *applied], axis=-1)
    totals = used.sum(axis=0)  # [item, value]: values given on complete units
    same = [
        _same_value_reason(int(np.argmax(t)), int(n), n_values)
        for t, n in zip(totals, n_complete, strict=True)
    ]

    pa = _percent_agreement(tally.squares, complete, n_complete, n_coders, weights)
    percent = _statistics(pa, [(n_complete == 0, _no_complete(n_coders))])
    kappa = _cohen_kappa(labels, used, complete, n_complete, same, weights)
    fleiss, ac1, bp = _chance_corrected(pa, totals, n_complete, n_coders, n_values, same)
    terms = tally.alpha_terms(weights)
    kalpha = terms.statistics()
    alpha_ci = terms.intervals(kalpha, resamples, confidence, seed) if resamples > 0 else None
    all_agree = tally.squares == n_coders * n_coders  # one value holds all r coders: Σ n² = r²
    disagreements = _total(complete & ~all_agree, 0, weights)
    return [
        Agreement(
            n_units=int(n_complete[i]),
            n_pairable=int(terms.n_pairable[i]),
            applied=tuple(int(a) for a in sum(applied)[:, i]),
            disagreements=int(disagreements[i]),
            percent_agreement=percent[i],
            cohen_kappa=kappa[i],
            fleiss_kappa=fleiss[i],
            krippendorff_alpha=kalpha[i],
            alpha_ci=alpha_ci[i] if alpha_ci else None,
            gwet_ac1=ac1[i],
            brennan_prediger=bp[i],
        )
        for i in range(n_items)
    ]


def pooled_agreement(
    labels: np.ndarray,
    n_values: int = 2,
    *,
    weights: np.ndarray | None = None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Agreement:
    """Every item pooled: each (unit, item) pair is one decision, e.g. all codes at once.

    The counts are those of (unit, item) pairs. The alpha interval resamples whole units with
    all their items (a cluster bootstrap), since the codes of one unit are not independent.
    """
    labels = _checked_labels(labels, n_values)
    n_coders, n_units, n_items = labels.shape
    flat = labels.reshape(n_coders, n_units * n_items, 1)
    flat_weights = None if weights is None else np.repeat(weights, n_items)
    (pooled,) = agreement(flat, n_values, weights=flat_weights, resamples=0)
    if resamples <= 0 or weights is not None:
        return pooled
    terms = _Tally.of(labels, n_values).alpha_terms(None).by_unit()
    (interval,) = terms.intervals([pooled.krippendorff_alpha], resamples, confidence, seed)
    return replace(pooled, alpha_ci=interval)


@dataclass(frozen=True)
class _Tally:
    """How many coders gave each value, per unit and item: what every statistic sums."""

    given: list[np.ndarray]  # [value][coder, unit, item]: coder gave value
    counts: np.ndarray  # [value, unit, item]; value axis first, as numpy reduces a short
    # leading axis far faster than a short trailing one
    m: np.ndarray  # [unit, item]: how many coders gave a value
    squares: np.ndarray  # [unit, item]: Σ_v n_uv², from which agreement counts derive

    @classmethod
    def of(cls, labels: np.ndarray, n_values: int) -> _Tally:
        given = [labels == v for v in range(n_values)]
        counts = np.stack([_total(g, 0) for g in given])
        return cls(given, counts, counts.sum(axis=0), (counts * counts).sum(axis=0))

    def alpha_terms(self, weights: np.ndarray | None) -> _AlphaTerms:
        """Nominal alpha's per-unit terms: D_u = (m_u² - Σ_v n_uv²)/(m_u - 1), Krippendorff's
        general D_u with δ_vw = 1 for v ≠ w, and the counts of pairable units."""
        pairable = self.m >= 2
        # A unit with one value or none has m² = Σ n², so it adds 0 without a mask.
        per_unit = (self.m * self.m - self.squares) / np.maximum(self.m - 1, 1)
        counts = self.counts * pairable
        if weights is not None:
            per_unit = per_unit * weights[:, None]
            counts = counts * weights[:, None]
        return _AlphaTerms(per_unit, counts, pairable, _total(pairable, 0, weights))


@dataclass(frozen=True)
class _AlphaTerms:
    """Per-unit sums behind nominal alpha for many items; alpha is a ratio of their totals."""

    per_unit: np.ndarray  # [unit, item]: D_u
    counts: np.ndarray  # [value, unit, item]: n_uv on pairable units, 0 elsewhere
    pairable: np.ndarray  # [unit, item]
    n_pairable: np.ndarray  # [item]

    def by_unit(self) -> _AlphaTerms:
        """All items summed within each unit: one pooled item."""
        pairable = self.pairable.any(axis=1, keepdims=True)
        return _AlphaTerms(
            self.per_unit.sum(axis=1, keepdims=True),
            self.counts.sum(axis=2, keepdims=True),
            pairable,
            pairable.sum(axis=0),
        )

    def statistics(self) -> list[Statistic]:
        marginals = self.counts.sum(axis=1).T  # [item, value]
        n_values = marginals.shape[1]
        value = _alpha_value(self.per_unit.sum(axis=0), marginals, _nominal_delta(n_values))
        same = [
            _same_value_reason(int(np.argmax(mv)), int(n), n_values)
            for mv, n in zip(marginals, self.n_pairable, strict=True)
        ]
        return _statistics(value, _alpha_reasons(self.n_pairable, marginals, same))

    def intervals(
        self, point: list[Statistic], resamples: int, confidence: float, seed: int
    ) -> list[Interval]:
        """Bootstrap intervals for every item from the same resamples of the units."""
        n_values, _, n_items = self.counts.shape
        units = self.pairable.any(axis=1)
        columns = np.concatenate([self.per_unit[units], *(c[units] for c in self.counts)], 1)
        sums = _resampled_sums(columns, resamples, seed)
        resampled = sums[:, n_items:].reshape(resamples, n_values, n_items).transpose(0, 2, 1)
        replicates = _alpha_value(sums[:, :n_items], resampled, _nominal_delta(n_values))
        return _intervals(point, replicates, confidence)


def _total(x: np.ndarray, axis: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of `x` along `axis`, each slice weighted by `weights` when given.

    Booleans are summed as bytes, several times faster than numpy's bool-to-int sum.
    """
    if weights is not None:
        return np.tensordot(x, weights, axes=([axis], [0]))
    if x.dtype == bool:
        return x.view(np.uint8).sum(axis=axis, dtype=np.int32)
    return x.sum(axis=axis)


def _checked_labels(labels: np.ndarray, n_values: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 3 or labels.shape[0] < 2:
        raise ValueError("labels must be [coder, unit, item] with at least two coders")
    if n_values < 2:
        raise ValueError("n_values must be at least 2")
    if labels.size and (labels.min() < MISSING or labels.max() >= n_values):
        raise ValueError(f"labels must lie in 0..{n_values - 1}, or {MISSING} for missing")
    return labels


def _percent_agreement(
    squares: np.ndarray,
    complete: np.ndarray,
    n_complete: np.ndarray,
    n_coders: int,
    weights: np.ndarray | None,
) -> np.ndarray:
    """Share of agreeing coder pairs over complete units (Fleiss' P-bar; Gwet's p_a).

    A complete unit has Σ_v n_v(n_v - 1) = Σ_v n_v² - r agreeing ordered pairs.
    """
    agreeing_pairs = _total((squares - n_coders) * complete, 0, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        return agreeing_pairs / (n_complete * n_coders * (n_coders - 1))


def _cohen_kappa(
    labels: np.ndarray,
    used: np.ndarray,
    complete: np.ndarray,
    n_complete: np.ndarray,
    same: list[str],
    weights: np.ndarray | None,
) -> list[Statistic]:
    """Cohen's kappa for two coders; for more, the mean over every pair of coders (Light 1971).

    `used[coder, item, value]` counts the complete units each coder gave each value.
    """
    kappas, undefined = [], np.zeros(labels.shape[2], dtype=int)
    constant = used == n_complete[:, None]  # [coder, item, value]: a coder's only value
    for a, b in combinations(range(len(labels)), 2):  # a loop over coder pairs, not codes
        po = _total((labels[a] == labels[b]) & complete, 0, weights)
        with np.errstate(divide="ignore", invalid="ignore"):
            pe = (used[a] * used[b]).sum(axis=-1) / n_complete**2
            kappas.append((po / n_complete - pe) / (1 - pe))
        undefined += (constant[a] & constant[b]).any(axis=-1)
    n_pairs = len(kappas)
    pairs = [
        f"undefined for {k} of {n_pairs} coder pairs: both coders of each gave every unit the "
        "same value (e.g. neither applied the code)"
        for k in undefined
    ]
    reasons = [
        (n_complete == 0, _no_complete(len(labels))),
        (undefined > 0, same if n_pairs == 1 else pairs),
    ]
    return _statistics(np.mean(kappas, axis=0), reasons)


def _chance_corrected(
    pa: np.ndarray,
    totals: np.ndarray,
    n_complete: np.ndarray,
    n_coders: int,
    n_values: int,
    same: list[str],
) -> tuple[list[Statistic], list[Statistic], list[Statistic]]:
    """Fleiss' kappa, Gwet's AC1 and Brennan-Prediger: (p_a - p_e)/(1 - p_e), three chance models.

    Fleiss: p_e = Σ p_v², p_v the share of all values equal to v. Gwet (2008): p_e =
    Σ p_v(1 - p_v)/(q - 1) with q = n_values. Brennan and Prediger (1981): p_e = 1/q.
    `totals[item, value]` counts the values given on complete units.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        p = totals / (n_complete * n_coders)[:, None]
        pe_fleiss = (p**2).sum(axis=-1)
        pe_gwet = (p * (1 - p)).sum(axis=-1) / (n_values - 1)
        fleiss = (pa - pe_fleiss) / (1 - pe_fleiss)
        ac1 = (pa - pe_gwet) / (1 - pe_gwet)
    bp = (pa - 1 / n_values) / (1 - 1 / n_values)
    no_units = (n_complete == 0, _no_complete(n_coders))
    constant = (totals == (n_complete * n_coders)[:, None]).any(axis=-1)
    return (
        _statistics(fleiss, [no_units, (constant, same)]),
        _statistics(ac1, [no_units]),
        _statistics(bp, [no_units]),
    )


def _alpha_reasons(
    n_pairable: np.ndarray, marginals: np.ndarray, same: list[str]
) -> list[tuple[Any, Any]]:
    """Why alpha is undefined: no pairable unit, or one value only (`same` says which)."""
    constant = (marginals == marginals.sum(axis=-1, keepdims=True)).any(axis=-1)
    no_variation = [f"no variation ({r}), so expected disagreement is 0" for r in same]
    return [
        (n_pairable == 0, "no unit has values from two or more coders"),
        (constant, no_variation),
    ]


def _same_value_reason(value: int, n_units: int, n_values: int) -> str:
    """Why chance agreement is 1, in words: which value every coder gave every unit."""
    if value == 0:
        return f"no coder applied it on the {n_units} units compared"
    if n_values == 2:
        return f"every coder applied it on all {n_units} units compared"
    return f"every coder gave value {value} to all {n_units} units compared"


def _no_complete(n_coders: int) -> str:
    return f"no unit was reviewed by all {n_coders} coders compared"


def _statistics(values: np.ndarray, conditions: list[tuple[Any, Any]]) -> list[Statistic]:
    """A Statistic per item: None with the first reason whose condition holds, else the value.

    Each condition is (mask or bool, reason or per-item list of reasons).
    """
    out = []
    for i, value in enumerate(np.atleast_1d(values)):
        reason = next(
            (r if isinstance(r, str) else r[i] for mask, r in conditions if np.atleast_1d(mask)[i]),
            None,
        )
        if reason is None and not np.isfinite(value):
            reason = "not a finite number"
        out.append(Statistic(None, reason) if reason else Statistic(float(value)))
    return out


# --- one variable, any metric ---------------------------------------------------------------


def alpha(data: Any, metric: Metric = "nominal", *, weights: np.ndarray | None = None) -> Statistic:
    """Krippendorff's alpha of `data[coder][unit]` (None or NaN missing) under `metric`.

    `weights[unit]` says how many identical units each column stands for.
    """
    return _Variable.of(data, metric, weights).alpha()


def alpha_interval(
    data: Any,
    metric: Metric = "nominal",
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Bootstrap percentile interval for `alpha(data, metric)`, resampling units (seeded)."""
    variable = _Variable.of(data, metric)
    point = variable.alpha()
    if point.value is None:
        return Interval(None, None, point.reason, confidence, resamples)
    counts = variable.counts.astype(float)
    m = counts.sum(axis=1)
    n_values = counts.shape[1]
    if metric == "ordinal":  # δ depends on the marginals: resample the pair terms, not D_u
        pairs = counts[:, :, None] * counts[:, None, :] / (m - 1)[:, None, None]
        columns = np.concatenate([pairs.reshape(len(counts), -1), counts], axis=1)
        sums = _resampled_sums(columns, resamples, seed)
        marginals = sums[:, n_values**2 :]
        delta = _delta(metric, variable.values, marginals)
        observed = (sums[:, : n_values**2].reshape(-1, n_values, n_values) * delta).sum((1, 2))
    else:
        delta = _delta(metric, variable.values, counts.sum(axis=0))
        per_unit = _unit_disagreement(counts, m, delta)
        sums = _resampled_sums(np.column_stack([per_unit, counts]), resamples, seed)
        observed, marginals = sums[:, 0], sums[:, 1:]
    replicates = _alpha_value(observed, marginals, delta)
    return _intervals([point], replicates[:, None], confidence)[0]


def explain(
    data: Any, metric: Metric = "nominal", *, weights: np.ndarray | None = None
) -> Explanation:
    """The units, coincidence matrix and disagreements behind `alpha(data, metric)`."""
    variable = _Variable.of(data, metric, weights)
    counts = variable.counts.astype(float)
    scaled = counts * (variable.weights / (counts.sum(axis=1) - 1))[:, None]
    coincidences = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    marginals = variable.marginals
    delta = _delta(metric, variable.values, marginals)
    n = marginals.sum()
    observed = expected = None
    if n > 1:
        observed = float((coincidences * delta).sum() / n)
        expected = float(marginals @ delta @ marginals / (n * (n - 1)))
    codes = variable.codes[:, variable.units]
    units = tuple(
        (int(u), tuple(None if c == MISSING else variable.values[c] for c in codes[:, j]))
        for j, u in enumerate(variable.units)
    )
    return Explanation(
        metric=metric,
        values=tuple(variable.values),
        units=units,
        weights=variable.weights,
        skipped=variable.codes.shape[1] - len(units),
        coincidences=coincidences,
        marginals=marginals,
        delta=delta,
        observed=observed,
        expected=expected,
        alpha=variable.alpha(),
    )


@dataclass(frozen=True)
class _Variable:
    """One variable reduced to what alpha needs: distinct values and per-unit value counts."""

    values: list[Any]  # distinct values; sorted for numeric metrics
    codes: np.ndarray  # [coder, unit]: index into values, MISSING where no value
    units: np.ndarray  # indices of the pairable units
    counts: np.ndarray  # [pairable unit, value]: how many coders gave each value
    weights: np.ndarray  # [pairable unit]: how many identical units each stands for
    metric: Metric

    @classmethod
    def of(cls, data: Any, metric: Metric, weights: np.ndarray | None = None) -> _Variable:
        if metric not in ("nominal", *NUMERIC_METRICS, *SET_METRICS):
            raise ValueError(f"unknown metric {metric!r}")
        values, codes = _encode(data, metric)
        counts = (codes[..., None] == np.arange(len(values))).sum(axis=0)  # [unit, value]
        units = np.flatnonzero(counts.sum(axis=1) >= 2)
        weights = np.ones(codes.shape[1]) if weights is None else np.asarray(weights, float)
        return cls(values, codes, units, counts[units], weights[units], metric)

    @property
    def marginals(self) -> np.ndarray:
        """n_v: how many pairable values equal v."""
        return self.weights @ self.counts

    def alpha(self) -> Statistic:
        """Krippendorff's alpha of this variable under its metric."""
        marginals = self.marginals
        delta = _delta(self.metric, self.values, marginals)
        per_unit = _unit_disagreement(self.counts, self.counts.sum(axis=1), delta)
        value = _alpha_value(per_unit @ self.weights, marginals, delta)
        n_pairable = self.weights.sum()
        same = "no values"
        if n_pairable:
            most = _value_name(self.values[int(np.argmax(marginals))])
            same = f"every coder gave {most} on all {n_pairable:g} pairable units"
        reasons = _alpha_reasons(np.array([n_pairable]), marginals[None, :], [same])
        return _statistics(value, reasons)[0]


def _encode(data: Any, metric: Metric) -> tuple[list[Any], np.ndarray]:
    """Distinct values and `codes[coder, unit]` indices into them (MISSING where missing)."""
    if metric in NUMERIC_METRICS or _is_numeric_array(data):
        array = np.asarray(data, dtype=float)
        if array.ndim != 2:
            raise ValueError("data must be [coder][unit]")
        present = ~np.isnan(array)
        values = np.unique(array[present])
        codes = np.where(present, np.searchsorted(values, np.nan_to_num(array)), MISSING)
        return values.tolist(), codes
    rows = [[_normalized(v, metric) for v in row] for row in data]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("every coder's row must have one entry per unit")
    values = sorted({v for row in rows for v in row if v is not None}, key=_value_name)
    index = {v: i for i, v in enumerate(values)}
    codes = np.array([[MISSING if v is None else index[v] for v in row] for row in rows], dtype=int)
    return values, codes.reshape(len(rows), -1)


def _is_numeric_array(data: Any) -> bool:
    return isinstance(data, np.ndarray) and data.dtype.kind in "biuf"


def _normalized(value: Any, metric: Metric) -> Hashable | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return frozenset(value) if metric in SET_METRICS else value


# --- shared arithmetic ----------------------------------------------------------------------


def _nominal_delta(n_values: int) -> np.ndarray:
    return 1.0 - np.eye(n_values)


def _delta(metric: Metric, values: Iterable[Any], marginals: np.ndarray) -> np.ndarray:
    """Metric differences δ[..., v, w] between the distinct values (Krippendorff 2011).

    Only the ordinal metric depends on the marginals `n_v` (shape [..., V]): it is the interval
    metric applied to mid-ranks, δ_vw = (R_v - R_w)² with R_v = Σ_{g<v} n_g + n_v/2.
    """
    values = list(values)
    if metric == "nominal":
        return _nominal_delta(len(values))
    if metric in SET_METRICS:
        distance = masi_distance if metric == "masi" else jaccard_distance
        return np.array([[distance(a, b) for b in values] for a in values]).reshape(
            len(values), len(values)
        )
    if metric == "ordinal":
        ranks = np.cumsum(marginals, axis=-1) - np.asarray(marginals) / 2
        return (ranks[..., :, None] - ranks[..., None, :]) ** 2
    x = np.asarray(values, dtype=float)
    difference = x[:, None] - x[None, :]
    if metric == "interval":
        return difference**2
    total = x[:, None] + x[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total == 0, 0.0, difference / total) ** 2


def _unit_disagreement(counts: np.ndarray, m: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """D_u = Σ_vw n_uv·n_uw·δ_vw / (m_u - 1) per unit (and item); 0 for unpairable units."""
    pair_sum = np.einsum("...v,vw,...w->...", counts, delta, counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m >= 2, pair_sum / (m - 1), 0.0)


def _alpha_value(observed: Any, marginals: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """alpha = 1 - (n-1)·Σ_u D_u / Σ n_v·n_w·δ_vw; NaN where expected disagreement is 0."""
    n = marginals.sum(axis=-1)
    expected = np.einsum("...v,...vw,...w->...", marginals, delta, marginals)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * observed / expected, np.nan)


def _resampled_sums(columns: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Column sums over `resamples` bootstrap draws of the rows (units): [resample, column].

    Each chunk draws unit indices, counts them into a weights matrix and takes one product, so
    every column (every code) sees the same resampled units.
    """
    rng = np.random.default_rng(seed)
    n_units = len(columns)
    columns = np.ascontiguousarray(columns, dtype=float)
    out = np.empty((resamples, columns.shape[1]))
    # One BLAS thread: the products are small, and OpenBLAS's spinning threads slow down
    # tenfold when other processes hold the cores.
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, resamples, _CHUNK):
            size = min(_CHUNK, resamples - start)
            draws = rng.integers(0, n_units, size=(size, n_units))
            draws += (np.arange(size) * n_units)[:, None]  # one bincount for the whole chunk
            weights = np.bincount(draws.ravel(), minlength=size * n_units)
            out[start : start + size] = weights.reshape(size, n_units).astype(float) @ columns
    return out


def _intervals(point: list[Statistic], replicates: np.ndarray, confidence: float) -> list[Interval]:
    """Percentile intervals per item from `replicates[resample, item]`."""
    resamples = len(replicates)
    tail = (1 - confidence) / 2
    undefined = np.isnan(replicates).sum(axis=0)
    with np.errstate(invalid="ignore"):
        low, high = np.quantile(replicates, [tail, 1 - tail], axis=0)
    out = []
    for i, statistic in enumerate(point):
        reason = statistic.reason
        if reason is None and undefined[i]:
            reason = (
                f"alpha is undefined in {undefined[i]} of {resamples} resamples: "
                "too few units vary for a bootstrap interval"
            )
        bounds = (None, None) if reason else (float(low[i]), float(high[i]))
        out.append(Interval(*bounds, reason=reason, confidence=confidence, resamples=resamples))
    return out


# --- set distances --------------------------------------------------------------------------


def jaccard_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """1 - |a ∩ b| / |a ∪ b|; two empty sets are identical (distance 0)."""
    a, b = frozenset(a), frozenset(b)
    union = a | b
    return 1 - len(a & b) / len(union) if union else 0.0


def masi_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """MASI distance (Passonneau 2006): 1 - Jaccard·M, M = 1, 2/3, 1/3, 0 for identical sets,
    one a subset of the other, overlapping, disjoint. (nltk rounds M to 0.67 and 0.33.)
    """
    a, b = frozenset(a), frozenset(b)
    if a == b:
        return 0.0
    if a <= b or b <= a:
        monotonicity = 2 / 3
    elif a & b:
        monotonicity = 1 / 3
    else:
        return 1.0
    return 1 - (1 - jaccard_distance(a, b)) * monotonicity


# --- explanation text -----------------------------------------------------------------------


def _explanation_lines(e: Explanation) -> list[str]:
    names = [_value_name(v) for v in e.values]
    width = max([8, *(len(n) + 1 for n in names)])
    n = e.marginals.sum()
    lines = [
        f"Krippendorff's alpha, {e.metric} metric: {len(e.units)} pairable units "
        f"({e.skipped} with fewer than two values left out)",
        "",
        "Units by the values their coders gave (each adds n_v*n_w/(m-1) to o[v,w]):",
    ]
    patterns: Counter[tuple[str, ...]] = Counter()
    for (_, vs), weight in zip(e.units, e.weights, strict=True):
        patterns[tuple(sorted(names[e.values.index(v)] for v in vs if v is not None))] += weight
    for pattern, count in sorted(patterns.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {count:>6g} x  {' '.join(pattern)}")
    lines += [
        "",
        "Coincidence matrix o[v,w]:",
        " " * width + "".join(f"{x:>{width}}" for x in names),
    ]
    for name, row in zip(names, e.coincidences, strict=True):
        lines.append(f"{name:>{width}}" + "".join(f"{x:>{width}.4g}" for x in row))
    lines.append("n_v".rjust(width) + "".join(f"{x:>{width}.4g}" for x in e.marginals))
    lines.append(f"n = {n:.4g}")
    if e.observed is not None and e.expected is not None:
        observed_sum = float((e.coincidences * e.delta).sum())
        expected_sum = float(e.marginals @ e.delta @ e.marginals)
        lines += [
            "",
            f"Do = sum o[v,w]*delta[v,w] / n = {observed_sum:.6g} / {n:.6g} = {e.observed:.6g}",
            f"De = sum n_v*n_w*delta[v,w] / (n(n-1)) = {expected_sum:.6g} / {n * (n - 1):.6g}"
            f" = {e.expected:.6g}",
        ]
    if e.alpha.value is None:
        lines.append(f"alpha is undefined: {e.alpha.reason}")
    else:
        lines.append(f"alpha = 1 - Do/De = {e.alpha.value:.6g}")
    return lines


def _value_name(value: Any) -> str:
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(map(str, value))) + "}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
