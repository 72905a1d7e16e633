"""The learned model: linear classifiers on TF-IDF features, stacked on the cold start.

Per code with a handful of coded examples (MIN_POSITIVES), one-vs-rest: a class-balanced
logistic regression (liblinear) on the features of `features.py`, fitted on every positive
and a sample of the negatives. Its decision value z and the cold-start logit l are combined
and calibrated in one step, on out-of-fold values (folds grouped by transcript when there
are several):

    p = sigmoid(a * z + c * l + b)

fitted on Platt's smoothed targets with a penalty pulling (a, c, b) towards a fit pooled over
all codes, itself pulled towards (0, 1, 0), the cold start unchanged (shrinkage, as in a
hierarchical model). With few coded examples the codebook keeps the say; as examples
accumulate the data decide how far to trust each source, for the codebook as a whole and
then code by code. A code without a classifier still gets (c, b) fitted (z = 0): coders who
rarely apply it lower its cold-start score. In an exclusive group the probabilities are
renormalized to sum to at most 1 (`suggester.py`). All fits run in a thread pool (liblinear
releases the GIL).

The model is plain arrays, saved with numpy and no pickle, so a cached model in a project
folder cannot run code when loaded.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

from qualcode.codebook import Codebook
from qualcode.suggest.features import Featurizer

C = 4.0  # inverse regularization of the logistic regressions
TOLERANCE = 0.1  # liblinear's stopping tolerance: ranking settles long before the optimum
FOLDS = 3  # out-of-fold scores for calibration, from this many folds on small projects
HOLDOUT_FROM = 1000  # examples from which one fold in HOLDOUT_FOLDS is held out instead
HOLDOUT_FOLDS = 4
MIN_POSITIVES = 5  # coded examples of a code before it gets a classifier of its own
NEGATIVES_PER_POSITIVE = 5  # a classifier sees every positive and at most this many
MIN_NEGATIVES = 1000  # negatives per positive, but never fewer than this many negatives
PRIOR = np.array([0.0, 1.0, 0.0])  # (a, c, b): the cold start as it is
PRIOR_STRENGTH = 4.0  # L2 penalty of the pooled fit towards PRIOR, in units of log loss
CODE_STRENGTH = 8.0  # L2 penalty of each code's fit towards the pooled one


@dataclass
class Example:
    """One segment as one coder left it: its text and the codes applied (maybe none)."""

    segment_id: int
    transcript_id: str
    text: str
    codes: frozenset[str]


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class LearnedModel:
    """Per code (codebook order): classifier weights (`coef` column, zero where no
    classifier was fitted) and the stacking parameters (a, c, b) in `stack` rows."""

    featurizer: Featurizer
    code_ids: list[str]
    positives: np.ndarray  # per code: training examples that have it
    n_examples: int
    coef: np.ndarray  # features x codes
    intercept: np.ndarray
    stack: np.ndarray  # codes x 3

    def probabilities(self, features: sparse.csr_matrix, cold: np.ndarray) -> np.ndarray:
        """Rows x codes: calibrated probabilities, given the texts' features and their
        cold-start probabilities (same shape as the result)."""
        z = np.asarray(features @ self.coef) + self.intercept
        s = self.stack[:, 0] * z + self.stack[:, 1] * logit(cold) + self.stack[:, 2]
        return 1 / (1 + np.exp(-np.clip(s, -30, 30)))

    def explain(self, text: str, features: sparse.csr_matrix, code_ids: Sequence[str],
                top: int = 3) -> dict[str, list[str]]:
        """Per code, the words and bigrams of `text` (with `features`, its row) that push
        the code's score up most."""
        index = {c: i for i, c in enumerate(self.code_ids)}
        wanted = [c for c in code_ids if self.stack[index[c], 0] > 0 and self.positives[index[c]]]
        terms = self.featurizer.terms(text)
        if not wanted or not terms:
            return {}
        x = np.zeros(features.shape[1], dtype=np.float32)
        x[features.indices] = features.data
        columns = [cols for _, cols in terms]
        flat = np.concatenate(columns)
        by_term = sparse.csr_matrix((x[flat], flat, np.cumsum([0, *map(len, columns)])),
                                    shape=(len(terms), len(x)))
        contributions = np.asarray(by_term @ self.coef)[:, [index[c] for c in wanted]]
        result = {}
        for k, code in enumerate(wanted):
            best = np.argsort(-contributions[:, k], kind="stable")[:top]
            result[code] = [terms[i][0] for i in best if contributions[i, k] > 0]
        return result

    # -- storage without pickle -----------------------------------------------------------

    def save(self, path: Path) -> None:
        save_arrays(path, {
            **self.featurizer.arrays(), "code_ids": np.array(self.code_ids, dtype=str),
            "positives": self.positives, "n_examples": np.array(self.n_examples),
            "coef": self.coef, "intercept": self.intercept, "stack": self.stack,
        })

    @classmethod
    def load(cls, path: Path) -> LearnedModel:
        with np.load(path, allow_pickle=False) as a:
            return cls(Featurizer.from_arrays(a), a["code_ids"].tolist(), a["positives"],
                       int(a["n_examples"]), a["coef"], a["intercept"], a["stack"])


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays to an .npz file atomically (a reader never sees half a file)."""
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(temporary, **arrays)
    os.replace(temporary, path)


# -- training ---------------------------------------------------------------------------------

def _fit(x: sparse.csr_matrix, labels: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """(coefficients, intercept) of a class-balanced logistic regression on the examples
    `rows`: every positive and a sample of the negatives (balancing makes the sample an
    unbiased stand-in for all of them)."""
    positives = rows[labels[rows]]
    negatives = rows[~labels[rows]]
    keep = max(NEGATIVES_PER_POSITIVE * len(positives), MIN_NEGATIVES)
    if len(negatives) > keep:
        negatives = np.random.default_rng(0).choice(negatives, keep, replace=False)
    rows = np.sort(np.concatenate([positives, negatives]))
    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", dual=True,
                               tol=TOLERANCE, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[rows], labels[rows])
    return model.coef_[0], float(model.intercept_[0])


def _folds(examples: Sequence[Example]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test splits, by transcript when there are several: all folds of a small
    project, one held-out fold of a large one (calibration has only three parameters)."""
    groups = [e.transcript_id for e in examples]
    n_groups = len(set(groups))
    large = len(examples) >= HOLDOUT_FROM
    n_splits = HOLDOUT_FOLDS if large else FOLDS
    if n_groups >= 2:
        splits = GroupKFold(n_splits=min(n_splits, n_groups)).split(
            np.zeros(len(groups)), groups=groups)
    else:
        splits = KFold(n_splits=min(n_splits, len(groups)), shuffle=True,
                       random_state=0).split(np.zeros(len(groups)))
    splits = list(splits)
    return splits[:1] if large else splits


def stack(z: np.ndarray, cold_logit: np.ndarray, y: np.ndarray, prior: np.ndarray,
          strength: float) -> np.ndarray:
    """(a, c, b) with sigmoid(a * z + c * cold_logit + b) fitted to y by Newton's method on
    Platt's smoothed targets (few examples never give certainty), penalized towards
    `prior` with `strength`."""
    n_pos = float(y.sum())
    target = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (len(y) - n_pos + 2))
    design = np.column_stack([z, cold_logit, np.ones_like(z)])

    def loss(params: np.ndarray) -> float:
        s = design @ params
        return float(np.sum(np.logaddexp(0, s) - target * s)
                     + strength / 2 * np.sum((params - prior) ** 2))

    params = prior.copy()
    for _ in range(50):
        prob = 1 / (1 + np.exp(-(design @ params)))
        gradient = design.T @ (prob - target) + strength * (params - prior)
        hessian = (design * (prob * (1 - prob))[:, None]).T @ design + strength * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        current, size = loss(params), 1.0
        while size > 1e-4 and loss(params - size * step) > current:
            size /= 2
        params = params - size * step
        if np.abs(size * step).max() < 1e-6:
            break
    return params


def train(examples: Sequence[Example], codebook: Codebook, cold: np.ndarray,
          features: tuple[Featurizer, sparse.csr_matrix] | None = None) -> LearnedModel:
    """Fit and calibrate a model on coded examples, given their cold-start probabilities
    (examples x codes). `features`: a featurizer and the examples' rows, when already
    computed (the project's, kept between retrains)."""
    featurizer, x = features or Featurizer.fit([e.text for e in examples])
    code_ids = [c.id for c in codebook.codes]
    labels = np.array([[c in e.codes for c in code_ids] for e in examples], dtype=bool)
    labels = labels.reshape(len(examples), len(code_ids))
    counts = labels.sum(axis=0)
    fitted = [j for j in range(len(code_ids)) if MIN_POSITIVES <= counts[j] < len(examples)]
    folds = _folds(examples)

    def run(task: tuple[int, int]) -> tuple[np.ndarray, float] | np.ndarray:
        j, f = task
        if f < 0:
            return _fit(x, labels[:, j], np.arange(len(examples)))
        train_rows, test_rows = folds[f]
        if labels[train_rows, j].all() or labels[train_rows, j].sum() < MIN_POSITIVES:
            return np.full(len(test_rows), np.nan)
        coef, intercept = _fit(x, labels[:, j], train_rows)
        return x[test_rows] @ coef + intercept

    tasks = [(j, f) for j in fitted for f in range(-1, len(folds))]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = dict(zip(tasks, pool.map(run, tasks), strict=True))
    coef = np.zeros((featurizer.n_columns, len(code_ids)), dtype=np.float32)
    intercept = np.zeros(len(code_ids))
    oof = np.zeros((len(examples), len(code_ids)))  # z = 0 where no classifier was fitted
    oof[:, fitted] = np.nan  # until its out-of-fold value is known
    for j in fitted:
        coef[:, j], intercept[j] = results[(j, -1)]
        for f, (_, test_rows) in enumerate(folds):
            oof[test_rows, j] = results[(j, f)]
    cold_logit = logit(cold)
    usable = ~np.isnan(oof)
    pooled = stack(oof[usable], cold_logit[usable], labels[usable], PRIOR, PRIOR_STRENGTH)
    stacked = np.array([stack(oof[usable[:, j], j], cold_logit[usable[:, j], j],
                              labels[usable[:, j], j], pooled, CODE_STRENGTH)
                        for j in range(len(code_ids))])
    return LearnedModel(featurizer, code_ids, counts, len(examples), coef, intercept, stacked)
