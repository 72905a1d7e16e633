"""What keeps retraining fast: a project's participant turns featurized and scored by cold
start once (until segments or the codebook change), and trained models stamped with the
fingerprint they were trained at (`data.fingerprint`). Both are kept in memory and in the
project folder (`.qualcode-cache/`, plain numpy arrays, no pickle: loading one cannot run
code). The cache holds words of the (anonymized) segments, like the database beside it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from qualcode.codebook import Codebook
from qualcode.store import Project
from qualcode.suggest.coldstart import ColdStart
from qualcode.suggest.data import PARTICIPANT
from qualcode.suggest.features import Featurizer
from qualcode.suggest.learned import Example, LearnedModel, save_arrays, train

MIN_EXAMPLES = 10  # coded segments before a learned model is trained
CACHE_FOLDER = ".qualcode-cache"
MODEL_FORMAT = "suggest-2"

_corpora: dict[str, Corpus] = {}
_lock = threading.Lock()


@dataclass
class Corpus:
    """A project's participant turns: their features, and their cold-start probabilities
    per codebook, computed once and shared by every retrain and evaluation fold; kept in
    memory and in the project's cache folder until the segments change."""

    featurizer: Featurizer
    matrix: sparse.csr_matrix
    segment_ids: list[int]
    texts: list[str]
    stamp: str
    path: Path
    colds: dict[str, np.ndarray] = field(default_factory=dict)  # codebook hash -> rows x codes

    @property
    def rows(self) -> dict[int, int]:
        return {sid: row for row, sid in enumerate(self.segment_ids)}

    @classmethod
    def of(cls, project: Project) -> Corpus:
        key = str(project.db_path.resolve())
        rows = project.db.execute("SELECT id, text FROM segments WHERE role = ? ORDER BY id",
                                  [PARTICIPANT]).fetchall()
        digest = hashlib.sha256()
        for sid, text in rows:
            digest.update(f"{sid}\0{text}\0".encode())
        stamp = digest.hexdigest()
        with _lock:
            known = _corpora.get(key)
        if known is not None and known.stamp == stamp:
            return known
        path = project.folder / CACHE_FOLDER / "corpus.npz"
        ids, texts = [sid for sid, _ in rows], [text for _, text in rows]
        corpus = cls._load(path, stamp, ids, texts)
        if corpus is None:
            corpus = cls(*Featurizer.fit(texts), ids, texts, stamp, path)
            corpus._save()
        with _lock:
            _corpora[key] = corpus
        return corpus

    @classmethod
    def _load(cls, path: Path, stamp: str, ids: list[int], texts: list[str]) -> Corpus | None:
        try:
            with np.load(path, allow_pickle=False) as a:
                if str(a["stamp"]) != stamp:
                    return None
                matrix = sparse.csr_matrix((a["data"], a["indices"], a["indptr"]),
                                           shape=tuple(a["shape"]))
                colds = {k[5:]: a[k] for k in a.files if k.startswith("cold_")}
                return cls(Featurizer.from_arrays(a), matrix, ids, texts, stamp, path, colds)
        except (OSError, ValueError, KeyError):
            return None

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(exist_ok=True)
            save_arrays(self.path, {
                **self.featurizer.arrays(), "stamp": np.array(self.stamp),
                "data": self.matrix.data, "indices": self.matrix.indices,
                "indptr": self.matrix.indptr, "shape": np.array(self.matrix.shape),
                **{f"cold_{k}": v for k, v in self.colds.items()},
            })
        except OSError:
            pass  # a read-only project folder: computed again next time

    def cold(self, codebook: Codebook) -> np.ndarray:
        """Rows x codes: cold-start probabilities of every turn."""
        key = codebook.content_hash()[:16]
        if key not in self.colds:
            self.colds = {key: ColdStart.of(codebook).probabilities(self.texts)}
            self._save()
        return self.colds[key]

    def select(self, examples: Sequence[Example],
               codebook: Codebook) -> tuple[Featurizer, sparse.csr_matrix, np.ndarray]:
        """The featurizer, the examples' feature rows and their cold-start probabilities."""
        index = self.rows
        if all(e.segment_id in index for e in examples):
            rows = [index[e.segment_id] for e in examples]
            return self.featurizer, self.matrix[rows], self.cold(codebook)[rows]
        texts = [e.text for e in examples]
        return (self.featurizer, self.featurizer.transform(texts),
                ColdStart.of(codebook).probabilities(texts))


def forget_corpora() -> None:
    with _lock:
        _corpora.clear()


def train_if_enough(examples: Sequence[Example], codebook: Codebook,
                    project: Project | None = None) -> LearnedModel | None:
    """A learned model once there are MIN_EXAMPLES coded segments with at least one code,
    on the project's cached corpus when a project is given."""
    if len(examples) < MIN_EXAMPLES or not any(e.codes for e in examples):
        return None
    if project is None:
        cold = ColdStart.of(codebook).probabilities([e.text for e in examples])
        return train(examples, codebook, cold)
    featurizer, matrix, cold = Corpus.of(project).select(examples, codebook)
    return train(examples, codebook, cold, (featurizer, matrix))


def model_path(project: Project, coder: str | None) -> Path:
    name = "all" if coder is None else (
        re.sub(r"[^A-Za-z0-9_-]", "_", coder)[:40] + "-"
        + hashlib.sha256(coder.encode()).hexdigest()[:8])
    return project.folder / CACHE_FOLDER / f"suggest-{name}.npz"


def read_model(path: Path, stamp: str) -> LearnedModel | None:
    """The model cached at `path` if it was trained at `stamp`."""
    try:
        if path.with_suffix(".stamp").read_text(encoding="utf-8") != stamp:
            return None
        return LearnedModel.load(path)
    except (OSError, ValueError, KeyError):
        return None


def write_model(path: Path, stamp: str, model: LearnedModel) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        model.save(path)
        path.with_suffix(".stamp").write_text(stamp, encoding="utf-8")
    except OSError:
        pass  # a read-only project folder: the model is simply trained again next time
