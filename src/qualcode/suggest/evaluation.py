"""How far to trust the suggestions: cross-validation against a coder's own codings.

Folds are whole transcripts (no transcript is in both training and test). Every test segment
is scored by the suggester trained on the other folds (learned model stacked on cold start)
and, as a baseline, by cold start alone; a code counts as predicted at the suggester's
THRESHOLD. Reported per code: precision, recall, F1; overall: micro precision/recall/F1,
macro F1, the top-1 and top-3 hit rates (the share of coded segments whose best, or one of
three best, suggestions is a code the coder applied) and the share of segments the coder
left uncoded that the suggester leaves uncoded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.model_selection import GroupKFold

from qualcode.codebook import project_codebook
from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.suggest.cache import Corpus, train_if_enough
from qualcode.suggest.data import labeled_examples
from qualcode.suggest.suggester import THRESHOLD, Suggester
from qualcode.suggest.text import pipeline_name


@dataclass
class CodeScore:
    code_id: str
    support: int  # test segments the coder gave this code
    predicted: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass
class MethodScore:
    method: str
    precision: float | None
    recall: float | None
    f1: float | None
    macro_f1: float | None  # over codes the coder used
    top1: float | None
    top3: float | None
    uncoded_kept: float | None  # share of uncoded segments left without a suggestion
    codes: list[CodeScore]


@dataclass
class Evaluation:
    coder: str | None
    folds: int
    segments: int  # (segment, coder) examples
    transcripts: int
    coded: int  # examples with at least one code
    threshold: float
    lemmatizer: str
    learned: MethodScore
    cold_start: MethodScore

    def as_dict(self) -> dict:
        return asdict(self)


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator else None


def score(method: str, code_ids: list[str], scores: np.ndarray, chosen: np.ndarray,
          truth: np.ndarray) -> MethodScore:
    """Compare predictions (`chosen`, ranked by `scores`) with the coder's codes."""
    tp = (chosen & truth).sum(axis=0)
    fp = (chosen & ~truth).sum(axis=0)
    fn = (~chosen & truth).sum(axis=0)
    codes = [CodeScore(code, int(truth[:, i].sum()), int(chosen[:, i].sum()),
                       _ratio(tp[i], tp[i] + fp[i]), _ratio(tp[i], tp[i] + fn[i]),
                       _ratio(2 * tp[i], 2 * tp[i] + fp[i] + fn[i]))
             for i, code in enumerate(code_ids)]
    coded = truth.any(axis=1)
    ranking = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    hits = np.take_along_axis(truth, ranking, axis=1)
    used = [c.f1 for c in codes if c.support and c.f1 is not None]
    return MethodScore(
        method=method,
        precision=_ratio(tp.sum(), tp.sum() + fp.sum()),
        recall=_ratio(tp.sum(), tp.sum() + fn.sum()),
        f1=_ratio(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum()),
        macro_f1=float(np.mean(used)) if used else None,
        top1=_ratio(hits[coded, 0].sum(), coded.sum()),
        top3=_ratio(hits[coded].any(axis=1).sum(), coded.sum()),
        uncoded_kept=_ratio((~chosen[~coded].any(axis=1)).sum(), (~coded).sum()),
        codes=codes,
    )


def evaluate(project: Project, coder: str | None = None, folds: int = 5) -> Evaluation:
    """Cross-validate the suggestions against `coder`'s codings (everyone's when None)."""
    codebook = project_codebook(project)
    code_ids = [c.id for c in codebook.codes]
    examples = labeled_examples(project, coder)
    groups = [e.transcript_id for e in examples]
    n_transcripts = len(set(groups))
    who = f"coder {coder!r}" if coder else "any coder"
    if n_transcripts < 2:
        raise QualcodeError(f"{who} has coded {n_transcripts} transcript(s); evaluation holds "
                            "out whole transcripts, so it needs codings in at least two")
    if folds < 2:
        raise QualcodeError("--folds must be at least 2")
    folds = min(folds, n_transcripts)
    texts = [e.text for e in examples]
    truth = np.array([[c in e.codes for c in code_ids] for e in examples], dtype=bool)
    _, _, cold = Corpus.of(project).select(examples, codebook)
    scores = np.empty_like(cold)
    for train_rows, test_rows in GroupKFold(n_splits=folds).split(texts, groups=groups):
        model = train_if_enough([examples[i] for i in train_rows], codebook, project)
        scores[test_rows] = Suggester(codebook, model).scores([texts[i] for i in test_rows],
                                                              cold[test_rows])
    baseline = Suggester(codebook)
    return Evaluation(
        coder=coder, folds=folds, segments=len(examples), transcripts=n_transcripts,
        coded=int(truth.any(axis=1).sum()), threshold=THRESHOLD, lemmatizer=pipeline_name(),
        learned=score("learned", code_ids, scores, baseline.chosen(scores), truth),
        cold_start=score("cold start", code_ids, cold, baseline.chosen(cold), truth),
    )
