"""Agreement statistics: published worked examples, reference implementations, undefined cases."""

from __future__ import annotations

import warnings
from dataclasses import replace
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from qualcode.agreement import (
    MISSING,
    Statistic,
    agreement,
    alpha,
    alpha_interval,
    code_agreement,
    explain,
    jaccard_distance,
    masi_distance,
    pooled_agreement,
)
from qualcode.reliability import FIGURES

nan = np.nan
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1..5, missing data.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)


def labels_from_table(table: np.ndarray) -> np.ndarray:
    """`labels[coder, unit, 1]` for two coders from a contingency table (rows: coder A)."""
    pairs = [(a, b) for (a, b), n in np.ndenumerate(table) for _ in range(n)]
    return np.array(pairs).T[:, :, None]


def labels_from_distribution(table: np.ndarray) -> np.ndarray:
    """`labels[rater, subject, 1]` from a subjects x categories table of rater counts."""
    rows = [np.repeat(np.arange(table.shape[1]), counts) for counts in table]
    return np.array(rows).T[:, :, None]


def value(statistic: Statistic) -> float:
    assert statistic.value is not None, statistic.reason
    return statistic.value


def same(ours: Statistic, reference: float) -> bool:
    """Ours equals the reference to 1e-9, or both are undefined (None / NaN)."""
    if ours.value is None or np.isnan(reference):
        return ours.value is None and np.isnan(reference) and bool(ours.reason)
    return abs(ours.value - reference) < 1e-9


# --- published worked examples ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_worked_example(metric, expected):
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: the
    4 x 12 reliability data with missing values gives alpha .743 (nominal), .815 (ordinal),
    .849 (interval) and .797 (ratio)."""
    assert round(value(alpha(KRIPPENDORFF_2011, metric)), 3) == expected
    assert same(
        alpha(KRIPPENDORFF_2011, metric),
        krippendorff.alpha(KRIPPENDORFF_2011, level_of_measurement=metric),
    )


def test_krippendorff_2011_coincidences():
    """The paper's coincidence matrix: n_v = 9, 13, 10, 5, 3; n = 40; o_12 = 4/3; unit 12
    (a single value) left out."""
    e = explain(KRIPPENDORFF_2011)
    assert e.values == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert e.skipped == 1 and len(e.units) == 11
    assert e.marginals.tolist() == [9, 13, 10, 5, 3]
    assert e.coincidences[0].tolist() == pytest.approx([7, 4 / 3, 1 / 3, 1 / 3, 0])
    assert e.coincidences[4].tolist() == pytest.approx([0, 0, 0, 0, 3])
    assert e.observed == pytest.approx(8 / 40)
    assert e.expected == pytest.approx(1216 / 1560)
    assert 1 - e.observed / e.expected == pytest.approx(value(e.alpha))
    text = str(e)
    assert "n = 40" in text and "alpha = 1 - Do/De = 0.743421" in text


def test_krippendorff_2011_nominal_through_the_vectorized_path():
    """The same data through `agreement` (values 1..5 as labels 0..4): alpha .743."""
    labels = np.where(np.isnan(KRIPPENDORFF_2011), MISSING, KRIPPENDORFF_2011 - 1).astype(int)
    (result,) = agreement(labels[:, :, None], 5, resamples=0)
    assert result.krippendorff_alpha.value == pytest.approx(0.743421052631579, abs=1e-12)
    assert result.n_pairable == 11
    assert result.n_units == 8  # units 2-9: all four observers coded them


# Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
# Bulletin 76(5):378-382, Table 1: 30 patients, each diagnosed by 6 psychiatrists into one of
# 5 categories (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other).
FLEISS_1971 = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
])


def test_fleiss_1971_published_kappa():
    """Fleiss (1971) Table 1 gives kappa = .430 for the 30 x 6 diagnoses (R irr's
    `kappam.fleiss(diagnoses)` prints 0.4302445)."""
    labels = (FLEISS_1971 - 1).T[:, :, None]  # [coder, unit, item], values 0..4
    (result,) = agreement(labels, 5, resamples=0)
    assert round(value(result.fleiss_kappa), 3) == 0.430
    assert value(result.fleiss_kappa) == pytest.approx(0.4302445, abs=5e-8)


def test_fleiss_kappa_worked_example():
    """Wikipedia, "Fleiss' kappa", worked example (10 subjects, 14 raters, 5 categories; a
    made-up table, not Fleiss' 1971 data): P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210."""
    table = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    (result,) = agreement(labels_from_distribution(table), 5, resamples=0)
    assert round(value(result.fleiss_kappa), 3) == 0.210
    assert round(value(result.percent_agreement), 3) == 0.378
    assert same(result.fleiss_kappa, fleiss_kappa(table))


def test_cohen_kappa_worked_example():
    """Wikipedia, "Cohen's kappa", simple example: 50 grant proposals, yes/yes 20, yes/no 5,
    no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    (result,) = agreement(labels_from_table(np.array([[15, 10], [5, 20]])), resamples=0)
    assert value(result.percent_agreement) == pytest.approx(0.7, abs=1e-12)
    assert value(result.cohen_kappa) == pytest.approx(0.4, abs=1e-12)
    assert result.applied == (25, 30)
    assert result.disagreements == 15


def test_gwet_handbook_example():
    """Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., the 3 x 3 table of two
    abstractors (irrCAC's `cont3x3abstractors`, whose vignette prints the figures): percent
    agreement 0.89, Cohen's kappa 0.7964094, Gwet's AC1 0.8493305, Brennan-Prediger 0.835,
    Krippendorff's alpha 0.7972585.

    By hand: pi = (.13, .255, .615), p_e(AC1) = (.1131 + .189975 + .236775)/2 = .269925,
    AC1 = (.89 - .269925)/(1 - .269925); BP = (.89 - 1/3)/(1 - 1/3)."""
    table = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    (result,) = agreement(labels_from_table(table), 3, resamples=0)
    assert value(result.percent_agreement) == pytest.approx(0.89, abs=1e-12)
    assert value(result.cohen_kappa) == pytest.approx(0.7964094, abs=5e-8)
    assert value(result.gwet_ac1) == pytest.approx(0.620075 / 0.730075, abs=1e-12)
    assert value(result.gwet_ac1) == pytest.approx(0.8493305, abs=5e-8)
    assert value(result.brennan_prediger) == pytest.approx(0.835, abs=1e-12)
    assert value(result.krippendorff_alpha) == pytest.approx(1 - 199 * 22 / 21594, abs=1e-12)
    assert value(result.krippendorff_alpha) == pytest.approx(0.7972585, abs=5e-8)


def test_ac1_and_brennan_prediger_binary_by_hand():
    """Two coders, one code, the Cohen example table above: pi = (.55 + .45 split) so
    p_e = 2(.55)(.45) = .495, AC1 = (.7 - .495)/(1 - .495) (Gwet 2008, eq. for q = 2);
    Brennan-Prediger = 2(.7) - 1 = .4 (Brennan & Prediger 1981, q = 2)."""
    (result,) = agreement(labels_from_table(np.array([[15, 10], [5, 20]])), resamples=0)
    assert value(result.gwet_ac1) == pytest.approx(0.205 / 0.505, abs=1e-12)
    assert value(result.brennan_prediger) == pytest.approx(0.4, abs=1e-12)


# --- against established implementations -------------------------------------------------------

reliability_data = arrays(
    np.int8,
    st.tuples(st.integers(2, 4), st.integers(1, 25)),
    elements=st.integers(-1, 3),
)


def as_float(data: np.ndarray) -> np.ndarray:
    return np.where(data == MISSING, nan, data).astype(float)


def reference_alpha(data: np.ndarray, metric) -> float:
    """krippendorff.alpha, with NaN where it refuses (one value only) or has no pairs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(krippendorff.alpha(as_float(data), level_of_measurement=metric))
        except ValueError:
            return nan


@FAST
@given(reliability_data, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_matches_krippendorff_package(data, metric):
    assert same(alpha(as_float(data), metric), reference_alpha(data, metric))


@FAST
@given(
    arrays(
        np.int8,
        st.tuples(st.integers(2, 4), st.integers(1, 25), st.integers(1, 4)),
        elements=st.integers(-1, 2),
    )
)
def test_vectorized_alpha_matches_krippendorff_per_item(labels):
    results = agreement(labels, 3, resamples=0)
    for item, result in enumerate(results):
        assert same(result.krippendorff_alpha, reference_alpha(labels[:, :, item], "nominal"))


complete_data = arrays(
    np.int8, st.tuples(st.integers(2, 5), st.integers(1, 30)), elements=st.integers(0, 2)
)


@FAST
@given(complete_data)
def test_fleiss_matches_statsmodels(data):
    (result,) = agreement(data[:, :, None], 3, resamples=0)
    table = np.stack([(data == v).sum(axis=0) for v in range(3)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert same(result.fleiss_kappa, fleiss_kappa(table))


@FAST
@given(arrays(np.int8, st.tuples(st.just(2), st.integers(1, 30)), elements=st.integers(0, 2)))
def test_cohen_matches_sklearn_and_statsmodels(data):
    (result,) = agreement(data[:, :, None], 3, resamples=0)
    table = np.zeros((3, 3), dtype=int)
    np.add.at(table, (data[0], data[1]), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert same(result.cohen_kappa, cohen_kappa_score(data[0], data[1]))
        assert same(result.cohen_kappa, cohens_kappa(table).kappa)


@FAST
@given(complete_data)
def test_mean_pairwise_cohen_matches_sklearn(data):
    (result,) = agreement(data[:, :, None], 3, resamples=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairwise = [
            cohen_kappa_score(data[a], data[b]) for a, b in combinations(range(len(data)), 2)
        ]
    assert same(result.cohen_kappa, float(np.mean(pairwise)))


@FAST
@given(complete_data)
def test_ac1_and_brennan_prediger_match_the_textbook_formulas(data):
    """Gwet (2008) AC1 and Brennan-Prediger, written unit by unit, as in Gwet's handbook."""
    r, n = data.shape
    q = 3
    counts = np.array([[np.sum(data[:, i] == k) for k in range(q)] for i in range(n)])
    pa = np.mean([sum(c * (c - 1) for c in row) / (r * (r - 1)) for row in counts])
    pi = [np.mean([row[k] / r for row in counts]) for k in range(q)]
    pe = sum(p * (1 - p) for p in pi) / (q - 1)
    (result,) = agreement(data[:, :, None], q, resamples=0)
    assert value(result.gwet_ac1) == pytest.approx((pa - pe) / (1 - pe), abs=1e-9)
    assert value(result.brennan_prediger) == pytest.approx((pa - 1 / q) / (1 - 1 / q), abs=1e-9)


@FAST
@given(
    arrays(np.int8, st.tuples(st.integers(2, 4), st.integers(1, 20)), elements=st.integers(-1, 4))
)
def test_set_alpha_matches_krippendorff_with_a_custom_distance(codes):
    """Set-valued data: value k stands for the k-th set below; the package takes the MASI
    distance as a callable over those indices."""
    sets = [frozenset(), frozenset("a"), frozenset("ab"), frozenset("b"), frozenset("bc")]
    data = [[None if k == MISSING else sets[k] for k in row] for row in codes]

    def masi(v1, v2, **_):
        return np.vectorize(lambda i, j: masi_distance(sets[int(i)], sets[int(j)]))(v1, v2)

    assert same(alpha(data, "masi"), reference_alpha(codes, masi))


# --- set distances -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"a"}, {"a"}, 0.0),  # identical: J = 1, M = 1
        ({"a"}, {"a", "b"}, 1 - 1 / 2 * 2 / 3),  # subset: J = 1/2, M = 2/3
        ({"a", "b"}, {"b", "c"}, 1 - 1 / 3 * 1 / 3),  # overlap: J = 1/3, M = 1/3
        ({"a"}, {"b"}, 1.0),  # disjoint: M = 0
        (set(), set(), 0.0),  # two empty sets are identical
        (set(), {"a"}, 1.0),
    ],
)
def test_masi_distance_by_hand(a, b, expected):
    """MASI = 1 - J*M (Passonneau 2006; nltk.metrics.distance.masi_distance semantics, with
    M's 2/3 and 1/3 exact where nltk rounds them to 0.67 and 0.33)."""
    assert masi_distance(a, b) == pytest.approx(expected, abs=1e-12)
    assert masi_distance(b, a) == pytest.approx(expected, abs=1e-12)


def test_jaccard_distance():
    assert jaccard_distance({"a", "b"}, {"b", "c"}) == pytest.approx(2 / 3)
    assert jaccard_distance(set(), set()) == 0.0


def test_set_alpha_by_hand():
    """Two coders, three units: {a}/{a}, {a}/{a,b}, {b}/{c}. n = 6, marginals {a}: 3, {a,b}: 1,
    {b}: 1, {c}: 1. Sum o*delta = 2(2/3) + 2(1) = 10/3, so Do = 5/9. Sum n_v n_w delta =
    2[3(2/3) + 3 + 3 + 2/3 + 1 + 1] = 64/3, so De = (64/3)/30 = 32/45. alpha = 1 - 25/32."""
    data = [[{"a"}, {"a"}, {"b"}], [{"a"}, {"a", "b"}, {"c"}]]
    assert value(alpha(data, "masi")) == pytest.approx(7 / 32, abs=1e-12)
    e = explain(data, "masi")
    assert e.observed == pytest.approx(5 / 9) and e.expected == pytest.approx(32 / 45)


# --- undefined statistics ----------------------------------------------------------------------


def test_code_never_applied_is_undefined_with_reasons():
    present = np.zeros((2, 10, 1), dtype=bool)
    (result,) = code_agreement(present, np.ones((2, 10), dtype=bool), resamples=100)
    assert result.cohen_kappa == Statistic(None, "no coder applied it on the 10 units compared")
    assert result.fleiss_kappa.value is None and result.fleiss_kappa.reason
    assert result.krippendorff_alpha.value is None
    assert "expected disagreement is 0" in result.krippendorff_alpha.reason
    assert result.alpha_ci is not None and result.alpha_ci.low is None
    assert result.alpha_ci.reason == result.krippendorff_alpha.reason
    assert value(result.percent_agreement) == 1.0
    assert value(result.gwet_ac1) == 1.0  # AC1 stays defined: its p_e is at most 1/q
    assert result.applied == (0, 0) and result.disagreements == 0


def test_pairwise_kappa_undefined_for_a_pair():
    present = np.zeros((3, 6, 1), dtype=bool)
    present[2, :3, 0] = True  # only the third coder ever applies the code
    (result,) = code_agreement(present, np.ones((3, 6), dtype=bool), resamples=0)
    assert result.cohen_kappa.value is None
    assert result.cohen_kappa.reason.startswith("undefined for 1 of 3 coder pairs")
    assert result.fleiss_kappa.value is not None


def test_no_complete_units_leaves_alpha_defined():
    """Coders 1 and 2 each skip a different half: no complete unit, but every unit is pairable
    with coder 3, so alpha still has data."""
    rng = np.random.default_rng(3)
    present = rng.random((3, 8, 2)) < 0.5
    reviewed = np.ones((3, 8), dtype=bool)
    reviewed[0, :4] = reviewed[1, 4:] = False
    results = code_agreement(present, reviewed, resamples=0)
    for result in results:
        assert result.n_units == 0 and result.n_pairable == 8
        for statistic in (result.percent_agreement, result.cohen_kappa, result.gwet_ac1):
            assert statistic == Statistic(None, "no unit was reviewed by all 3 coders compared")
    data = np.where(reviewed, present[:, :, 0], nan)
    assert same(
        results[0].krippendorff_alpha,
        reference_alpha(np.nan_to_num(data, nan=-1).astype(int), "nominal"),
    )


def test_alpha_without_pairable_units():
    statistic = alpha(np.array([[1.0, nan], [nan, 2.0]]))
    assert statistic == Statistic(None, "no unit has values from two or more coders")
    assert alpha_interval(np.array([[1.0, nan], [nan, 2.0]])).reason == statistic.reason


def test_constant_interval_data():
    statistic = alpha(np.array([[3.0, 3.0], [3.0, 3.0]]), "interval")
    assert statistic.value is None
    assert "every coder gave 3 on all 2 pairable units" in statistic.reason


def test_bad_labels_are_rejected():
    with pytest.raises(ValueError):
        agreement(np.array([[[2]], [[0]]]), 2)
    with pytest.raises(ValueError):
        agreement(np.zeros((1, 3, 1), dtype=int), 2)
    with pytest.raises(ValueError):
        alpha([[1, 2]], "cosine")


# --- bootstrap intervals -----------------------------------------------------------------------


def synthetic(coders=3, units=400, codes=4, seed=7):
    rng = np.random.default_rng(seed)
    truth = rng.random((units, codes)) < np.linspace(0.1, 0.4, codes)
    present = truth ^ (rng.random((coders, units, codes)) < 0.05)
    reviewed = rng.random((coders, units)) > 0.1
    return present, reviewed


def test_interval_contains_the_estimate_and_is_reproducible():
    present, reviewed = synthetic()
    first = code_agreement(present, reviewed, resamples=300, seed=1)
    again = code_agreement(present, reviewed, resamples=300, seed=1)
    other = code_agreement(present, reviewed, resamples=300, seed=2)
    for a, b, c in zip(first, again, other, strict=True):
        assert a.alpha_ci.low < value(a.krippendorff_alpha) < a.alpha_ci.high
        assert a.alpha_ci == b.alpha_ci
        assert a.alpha_ci != c.alpha_ci
        assert a.alpha_ci.resamples == 300 and a.alpha_ci.confidence == 0.95


def test_vectorized_interval_equals_the_single_variable_one():
    """One code through `code_agreement` and through `alpha_interval`: same draws, same CI."""
    present, reviewed = synthetic(codes=1)
    (result,) = code_agreement(present, reviewed, resamples=200, seed=5)
    data = np.where(reviewed, present[:, :, 0], nan)
    single = alpha_interval(data, resamples=200, seed=5)
    assert result.alpha_ci.low == pytest.approx(single.low, abs=1e-12)
    assert result.alpha_ci.high == pytest.approx(single.high, abs=1e-12)


@pytest.mark.parametrize("metric", ["ordinal", "interval", "ratio"])
def test_scaled_interval_contains_the_estimate(metric):
    rng = np.random.default_rng(11)
    truth = rng.integers(1, 6, 300)
    data = (truth + rng.integers(-1, 2, (3, 300)) * (rng.random((3, 300)) < 0.3)).astype(float)
    data[rng.random((3, 300)) < 0.1] = nan
    interval = alpha_interval(data, metric, resamples=300, seed=0)
    assert interval.low < value(alpha(data, metric)) < interval.high


def test_interval_undefined_when_resamples_lose_all_variation():
    present = np.zeros((2, 50, 1), dtype=bool)
    present[:, 0, 0] = True  # one unit carries the code: many resamples miss it
    (result,) = code_agreement(present, np.ones((2, 50), dtype=bool), resamples=200)
    assert result.krippendorff_alpha.value == pytest.approx(1.0)
    assert result.alpha_ci.low is None
    assert "resamples" in result.alpha_ci.reason


# --- weighted units and pooling ---------------------------------------------------------------


@FAST
@given(
    arrays(
        np.int8,
        st.tuples(st.integers(2, 4), st.integers(1, 12), st.integers(1, 3)),
        elements=st.integers(-1, 1),
    ),
    st.data(),
)
def test_weights_equal_repeated_units(labels, data):
    """A row with weight w counts as w identical units (runs of characters coded alike)."""
    weights = np.array(
        data.draw(st.lists(st.integers(1, 4), min_size=labels.shape[1], max_size=labels.shape[1]))
    )
    repeated = np.repeat(labels, weights, axis=1)
    for ours, expected in zip(
        agreement(labels, weights=weights, resamples=0),
        agreement(repeated, resamples=0),
        strict=True,
    ):
        assert ours.n_units == expected.n_units and ours.applied == expected.applied
        assert ours.n_pairable == expected.n_pairable
        assert ours.disagreements == expected.disagreements
        for name in FIGURES:
            a, b = getattr(ours, name), getattr(expected, name)
            assert a.reason == b.reason
            assert a.value == pytest.approx(b.value, abs=1e-12)


def test_weights_refuse_a_bootstrap():
    with pytest.raises(ValueError):
        agreement(np.zeros((2, 3, 1), dtype=int), weights=np.ones(3, dtype=int))


def test_pooled_agreement_is_the_flattened_items():
    present, reviewed = synthetic(codes=3)
    labels = np.where(reviewed[:, :, None], present, MISSING)
    pooled = pooled_agreement(labels, resamples=300, seed=4)
    (flat,) = agreement(labels.reshape(len(labels), -1, 1), resamples=0)
    assert replace(pooled, alpha_ci=None) == flat
    assert same(
        pooled.krippendorff_alpha, reference_alpha(labels.reshape(len(labels), -1), "nominal")
    )
    assert pooled.alpha_ci.low < value(pooled.krippendorff_alpha) < pooled.alpha_ci.high
