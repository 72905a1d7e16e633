"""The suggester: one calibrated probability per code, from the codebook alone at first and
from the coders' own practice as codings accumulate (`learned.py` says how the two combine).

Suggestions are only ever returned, never stored: applying one is the coder's keystroke
(`qualcode.coding.apply_code(..., provenance="suggestion", confidence=score)`). Suggesters
are kept in memory per project and coder; a live one retrains itself after a few changes.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from qualcode.codebook import Codebook, project_codebook
from qualcode.store import Project, Segment
from qualcode.suggest.cache import (
    MODEL_FORMAT,
    forget_corpora,
    model_path,
    read_model,
    train_if_enough,
    write_model,
)
from qualcode.suggest.coldstart import ColdResult, ColdStart
from qualcode.suggest.data import PARTICIPANT, fingerprint, labeled_examples
from qualcode.suggest.learned import LearnedModel

THRESHOLD = 0.3  # calibrated, rare codes: F1 is best near half the attainable F1
MIN_SCORE = 0.1  # suggestions below this are not shown
RETRAIN_AFTER = 3  # changes (events) after which a live suggester retrains
CHECK_EVERY_S = 1.0  # how often a live suggester looks for changes
_TEXT_CACHE = 512

_suggesters: dict[tuple[str, str | None], Suggester] = {}
_lock = threading.Lock()


@dataclass
class Suggestion:
    code_id: str
    score: float
    reason: str


@dataclass
class _Scored:
    """What scoring one text leaves behind for its suggestions and their reasons."""

    scores: np.ndarray
    cold: ColdResult
    features: sparse.csr_matrix | None


def _text(item: str | Segment) -> str:
    return item if isinstance(item, str) else item.text


class Suggester:
    """Ranks a codebook's codes for a segment with calibrated probabilities."""

    def __init__(self, codebook: Codebook, model: LearnedModel | None = None):
        self.codebook = codebook
        self.code_ids = [c.id for c in codebook.codes]
        self.cold = ColdStart.of(codebook)
        self.model = model
        index = {c: i for i, c in enumerate(self.code_ids)}
        self.exclusive = [[index[c.id] for c in g.codes] for g in codebook.groups if g.exclusive]
        self._cache: OrderedDict[str, _Scored] = OrderedDict()
        self.project: Project | None = None
        self.coder: str | None = None
        self.fingerprint = ""
        self._checked = 0.0

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def for_project(cls, project: Project, coder: str | None = None) -> Suggester:
        """The suggester for a project's codebook and codings (one coder's, or everyone's):
        from memory, from the project's cache folder, or trained now."""
        key = (str(project.db_path.resolve()), coder)
        current = fingerprint(project, coder)
        with _lock:
            known = _suggesters.get(key)
        if known is not None and known.fingerprint == current:
            known.project = project
            return known
        codebook = project_codebook(project)
        path = model_path(project, coder)
        stamp = f"{MODEL_FORMAT}:{codebook.content_hash()}:{current}"
        model = read_model(path, stamp)
        if model is None:
            model = train_if_enough(labeled_examples(project, coder), codebook, project)
            if model is not None:
                write_model(path, stamp, model)
        suggester = cls(codebook, model)
        suggester.project, suggester.coder, suggester.fingerprint = project, coder, current
        suggester._checked = time.monotonic()
        with _lock:
            _suggesters[key] = suggester
        return suggester

    def refresh(self) -> bool:
        """Retrain if the project changed enough since this suggester was built (checked at
        most once a second); True when it did. Called by `suggest` and `uncertainty`."""
        if self.project is None or time.monotonic() - self._checked < CHECK_EVERY_S:
            return False
        self._checked = time.monotonic()
        current = fingerprint(self.project, self.coder)
        if current == self.fingerprint:
            return False
        old_event, old_version, _ = self.fingerprint.split(":", 2)
        new_event, new_version, _ = current.split(":", 2)
        if old_version == new_version and int(new_event) - int(old_event) < RETRAIN_AFTER:
            return False
        vars(self).update(vars(Suggester.for_project(self.project, self.coder)))
        return True

    # -- scoring ------------------------------------------------------------------------------

    def _scores(self, text: str) -> _Scored:
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        cold = self.cold.score(text)
        features = None
        scores = cold.probabilities
        if self.model is not None:
            features = self.model.featurizer.transform([text])
            scores = self._combine(features, scores[None, :])[0]
        scored = _Scored(scores, cold, features)
        self._cache[text] = scored
        if len(self._cache) > _TEXT_CACHE:
            self._cache.popitem(last=False)
        return scored

    def scores(self, texts: Sequence[str], cold: np.ndarray) -> np.ndarray:
        """Texts x codes: the probabilities of many texts, given their cold-start ones."""
        if self.model is None:
            return cold
        return self._combine(self.model.featurizer.transform(texts), cold)

    def _combine(self, features: sparse.csr_matrix, cold: np.ndarray) -> np.ndarray:
        scores = self.model.probabilities(features, cold)
        for group in self.exclusive:
            scores[:, group] /= np.maximum(scores[:, group].sum(axis=1, keepdims=True), 1)
        return scores

    def chosen(self, scores: np.ndarray) -> np.ndarray:
        """Texts x codes, True where the code is predicted: probability at least THRESHOLD,
        and only the likeliest such code of an exclusive group."""
        chosen = scores >= THRESHOLD
        for group in self.exclusive:
            inside = scores[:, group] * chosen[:, group]
            keep = np.zeros_like(chosen[:, group])
            keep[np.arange(len(scores)), inside.argmax(axis=1)] = inside.max(axis=1) > 0
            chosen[:, group] = keep
        return chosen

    def probabilities(self, item: str | Segment) -> dict[str, float]:
        """Every code's probability for a segment (or its text)."""
        scores = self._scores(_text(item)).scores
        return {code: float(p) for code, p in zip(self.code_ids, scores, strict=True)}

    def suggest(self, item: str | Segment, top: int = 9,
                min_score: float = MIN_SCORE) -> list[Suggestion]:
        """The `top` most likely codes for a segment (or its text), best first, each with
        its probability and why."""
        self.refresh()
        text = _text(item)
        scored = self._scores(text)
        scores = scored.scores
        ranked = [i for i in np.argsort(-scores, kind="stable")[:top] if scores[i] >= min_score]
        terms: dict[str, list[str]] = {}
        if self.model is not None:
            terms = self.model.explain(text, scored.features, [self.code_ids[i] for i in ranked])
        return [Suggestion(self.code_ids[i], round(float(scores[i]), 4),
                           self._reason(i, terms.get(self.code_ids[i], []), scored.cold))
                for i in ranked]

    def _reason(self, index: int, terms: list[str], cold: ColdResult) -> str:
        parts = []
        if terms:
            n = int(self.model.positives[index])
            parts.append(f"like {n} coded example{'s' * (n != 1)}: "
                         + ", ".join(f'"{t}"' for t in terms))
        parts.append(cold.reason(index))
        return "; ".join(p for p in parts if p) or "no keyword or definition overlap"

    def predict(self, item: str | Segment) -> set[str]:
        """The codes a coder would most likely apply: probability at least THRESHOLD, and at
        most one per exclusive group."""
        scores = self._scores(_text(item)).scores
        return {self.code_ids[i] for i in np.flatnonzero(self.chosen(scores[None, :])[0])}

    def predict_many(self, texts: Sequence[str]) -> list[set[str]]:
        """`predict` for many texts at once (spaCy and the features run in batches)."""
        chosen = self.chosen(self.scores(texts, self.cold.probabilities(texts)))
        return [{self.code_ids[i] for i in np.flatnonzero(row)} for row in chosen]

    def uncertainty(self, item: str | Segment) -> float:
        """How unsure the model is about a segment, 0 (sure) to 1: the largest binary entropy
        of any code's probability. An interviewer turn, not coded by default, scores 0."""
        self.refresh()
        if isinstance(item, Segment) and item.role != PARTICIPANT:
            return 0.0
        p = np.clip(self._scores(_text(item)).scores, 1e-12, 1 - 1e-12)
        return float(np.max(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)), initial=0.0))


def forget_models() -> None:
    """Drop the suggesters and corpora held in memory (the project's disk cache stays)."""
    with _lock:
        _suggesters.clear()
    forget_corpora()


def uncertainty_order(project: Project, transcript_id: str, coder: str | None) -> list[int]:
    """A transcript's segment ordinals, participant turns where the model is least sure
    first, then the interviewer turns in order."""
    suggester = Suggester.for_project(project, coder)
    segments = project.segments(transcript_id)
    participant = [s for s in segments if s.role == PARTICIPANT]
    ranked = sorted(participant, key=lambda s: (-suggester.uncertainty(s.text), s.ordinal))
    return [s.ordinal for s in ranked] + [s.ordinal for s in segments if s.role != PARTICIPANT]


def predict_codes(project: Project, segment_ids: Sequence[int],
                  exclude_from_training: Sequence[int] | None = None,
                  coder: str | None = None) -> dict[int, set[str]]:
    """The codes the model predicts for each segment, trained on the project's codings
    without the segments in `exclude_from_training` (default: the ones predicted), so that
    it can be scored as one more coder."""
    excluded = set(segment_ids if exclude_from_training is None else exclude_from_training)
    codebook = project_codebook(project)
    examples = [e for e in labeled_examples(project, coder) if e.segment_id not in excluded]
    suggester = Suggester(codebook, train_if_enough(examples, codebook, project))
    texts = dict(project.db.execute(
        "SELECT id, text FROM segments WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps([int(s) for s in segment_ids])]))
    ids = [sid for sid in segment_ids if sid in texts]
    return dict(zip(ids, suggester.predict_many([texts[sid] for sid in ids]), strict=True))
