"""Cold start: a probability for every code of a segment, from the codebook alone.

Three kinds of evidence, all on spaCy match keys (`text.py`):

* keywords: a code's keywords and label, found in the segment by spaCy's PhraseMatcher, or
  nearly (a transcription slip, a spelling variant) by rapidfuzz. A keyword shared by k codes
  counts 1/k for each; a phrase of n words counts 1 + (n - 1)/2. A child code inherits half
  of its parent's keyword evidence, so a segment that only shows the parent ranks the parent
  first.
* similarity: TF-IDF cosine between the segment and the code's text (label, definition, when
  to use it, examples, keywords), with IDF over the codebook's own texts.
* exclusion: TF-IDF cosine with the code's "do not use when" text, less the code's own
  keywords (an exclusion often names its own code to contrast it), lowers the score.

They add up to a logit mapped to a probability by fixed weights, chosen so that a segment
with no evidence scores about 0.04, one distinctive keyword about 0.3, and two keywords close
to the definition about 0.6. These are priors, not fitted to any project: once codings exist
the learned model (`learned.py`) takes over.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from spacy.attrs import IS_PUNCT, IS_SPACE, IS_STOP, LIKE_NUM, LOWER, NORM
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from qualcode.codebook import Code, Codebook
from qualcode.suggest.text import load_nlp

BIAS, KEYWORD_WEIGHT, SIMILARITY_WEIGHT, EXCLUSION_WEIGHT = -3.2, 3.2, 5.0, 3.0
PARENT_SHARE = 0.5
NEAR_CUTOFF = 88  # rapidfuzz ratio for a near match
NEAR_MIN_LENGTH = 6  # shorter keys only match exactly: "data" is not "date"
NEAR_DISCOUNT = 0.8
NEAR_MAX_WORDS = 3  # longer phrases only match exactly
_JOINER = re.compile(r"(?<=\w)[-–/._](?=\w)")
_built: dict[str, ColdStart] = {}
_lock = threading.Lock()


def clean(text: str) -> str:
    """Split words joined by hyphens, slashes, dots or underscores ("scaling-lab",
    "need.connectors"), in keywords and segments alike."""
    return _JOINER.sub(" ", text)


def _content_keys(doc: Doc) -> list[str]:
    """Match keys of a codebook text's content words, for its TF-IDF vector."""
    return [t.norm_ for t in doc
            if not (t.is_stop or t.is_punct or t.is_space or t.like_num) and len(t.norm_) > 2]


def _phrase_key(doc: Doc) -> str:
    return " ".join(t.norm_ for t in doc if not (t.is_punct or t.is_space))


@dataclass
class _Keyword:
    key: str
    n_words: int
    codes: list[int]
    weight: float  # per code


@dataclass
class ColdResult:
    """Cold-start scores of one segment, with what is needed to explain them."""

    probabilities: np.ndarray  # per code, codebook order
    keywords: dict[int, list[str]]  # code -> matched keyword surfaces
    vector: np.ndarray  # the segment's TF-IDF vector
    surfaces: dict[str, str]  # match key -> a surface form in the segment
    scorer: ColdStart

    def reason(self, index: int) -> str:
        parts = []
        if self.keywords.get(index):
            parts.append("keywords " + ", ".join(f'"{k}"' for k in self.keywords[index][:4]))
        shared = self.scorer.shared_words(self, index)
        if shared:
            parts.append("like its definition: " + ", ".join(shared))
        return "; ".join(parts)


class _Tfidf:
    """TF-IDF over a fixed vocabulary, sublinear term frequency, L2-normalized."""

    def __init__(self, documents: Sequence[list[str]]):
        df = Counter(key for doc in documents for key in set(doc))
        self.vocabulary = {key: i for i, key in enumerate(sorted(df))}
        n = len(documents)
        self.idf = np.array([math.log((1 + n) / (1 + df[k])) + 1 for k in self.vocabulary])

    def vector(self, keys: Iterable[str]) -> np.ndarray:
        vector = np.zeros(len(self.vocabulary))
        for key, count in Counter(keys).items():
            index = self.vocabulary.get(key)
            if index is not None:
                vector[index] = (1 + math.log(count)) * self.idf[index]
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


class ColdStart:
    """Scores every code of a codebook for a segment, with no codings needed."""

    @classmethod
    def of(cls, codebook: Codebook) -> ColdStart:
        """The scorer of a codebook, built once per codebook content in a process."""
        key = codebook.content_hash()
        with _lock:
            if key not in _built:
                _built[key] = cls(codebook)
            return _built[key]

    def __init__(self, codebook: Codebook):
        self.nlp = load_nlp()
        self.codes: list[Code] = codebook.codes
        index = {c.id: i for i, c in enumerate(self.codes)}
        self.parents = np.array([index.get(c.parent, -1) if c.parent else -1
                                 for c in self.codes])
        self.exclusive_groups = [[index[c.id] for c in g.codes]
                                 for g in codebook.groups if g.exclusive]
        self._build_keywords()
        self._build_texts()

    def _build_keywords(self) -> None:
        found: dict[str, tuple[int, set[int]]] = {}
        self.own_keys: list[set[str]] = [set() for _ in self.codes]
        for i, code in enumerate(self.codes):
            for phrase in (code.label, *code.keywords):
                doc = self.nlp(clean(phrase))
                key = _phrase_key(doc)
                if key:
                    found.setdefault(key, (len(key.split()), set()))[1].add(i)
                    self.own_keys[i].update(key.split())
        self.keywords = {
            key: _Keyword(key, n, sorted(codes), (1 + (n - 1) / 2) / len(codes))
            for key, (n, codes) in found.items()
        }
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for key in self.keywords:
            pattern = Doc(self.nlp.vocab, words=key.split())
            for token in pattern:
                token.norm_ = token.text
            self.matcher.add(key, [pattern])
        self.near: dict[int, list[str]] = {}
        for key, keyword in self.keywords.items():
            if len(key) >= NEAR_MIN_LENGTH and keyword.n_words <= NEAR_MAX_WORDS:
                self.near.setdefault(keyword.n_words, []).append(key)

    def _build_texts(self) -> None:
        texts = [" ".join([c.label, c.definition, c.use_when, *c.examples, *c.keywords])
                 for c in self.codes]
        exclusions = [c.do_not_use_when for c in self.codes]
        docs = [_content_keys(d) for d in self.nlp.pipe(clean(t) for t in texts)]
        excluded = [[k for k in _content_keys(d) if k not in own]
                    for d, own in zip(self.nlp.pipe(clean(t) for t in exclusions),
                                      self.own_keys, strict=True)]
        self.tfidf = _Tfidf(docs + [e for e in excluded if e])
        self.vocabulary = list(self.tfidf.vocabulary)
        self.code_vectors = np.array([self.tfidf.vector(d) for d in docs])
        self.exclusion_vectors = np.array([self.tfidf.vector(d) for d in excluded])

    def score(self, text: str) -> ColdResult:
        """Probabilities for every code (codebook order) and their explanations."""
        return self._score(self.nlp(clean(text)))

    def score_many(self, texts: Iterable[str]) -> list[ColdResult]:
        return [self._score(doc) for doc in self.nlp.pipe((clean(t) for t in texts),
                                                          batch_size=256)]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Texts x codes: the cold-start probabilities of many texts."""
        return np.array([r.probabilities for r in self.score_many(texts)]).reshape(
            len(texts), len(self.codes))

    def _score(self, doc: Doc) -> ColdResult:
        strings = self.nlp.vocab.strings
        table = doc.to_array([NORM, LOWER, IS_PUNCT, IS_SPACE, IS_STOP, LIKE_NUM])
        table = table[(table[:, 2] == 0) & (table[:, 3] == 0)]
        norms = [strings[h] for h in table[:, 0].tolist()]
        lowers = [strings[h] for h in table[:, 1].tolist()]
        evidence = np.zeros(len(self.codes))
        found: dict[int, list[str]] = {}
        for key, surface, discount in self._matches(doc, norms, lowers):
            keyword = self.keywords[key]
            for code in keyword.codes:
                evidence[code] += keyword.weight * discount
                found.setdefault(code, []).append(surface)
        has_parent = self.parents >= 0
        evidence[has_parent] += PARENT_SHARE * evidence[self.parents[has_parent]]
        vector = self.tfidf.vector(
            norm for norm, stop, number in zip(norms, table[:, 4], table[:, 5], strict=True)
            if not (stop or number) and len(norm) > 2)
        similarity = self.code_vectors @ vector
        exclusion = self.exclusion_vectors @ vector
        logit = (BIAS + KEYWORD_WEIGHT * (1 - np.exp(-evidence))
                 + SIMILARITY_WEIGHT * similarity - EXCLUSION_WEIGHT * exclusion)
        probabilities = 1 / (1 + np.exp(-logit))
        for group in self.exclusive_groups:
            total = probabilities[group].sum()
            if total > 1:
                probabilities[group] /= total
        surfaces = dict(zip(reversed(norms), reversed(lowers), strict=True))
        return ColdResult(probabilities, found, vector, surfaces, self)

    def _matches(self, doc: Doc, norms: list[str],
                 lowers: list[str]) -> list[tuple[str, str, float]]:
        """(keyword key, surface text, discount) for exact and near keyword matches."""
        strings = self.nlp.vocab.strings
        matches = {}
        for match_id, start, end in self.matcher(doc):
            matches.setdefault(strings[match_id], doc[start:end].text.lower())
        found = [(key, surface, 1.0) for key, surface in matches.items()]
        for n, keys in self.near.items():
            keys = [k for k in keys if k not in matches]
            starts: dict[str, int] = {}  # span key -> where it first occurs
            for i in range(len(norms) - n + 1):
                starts.setdefault(norms[i] if n == 1 else " ".join(norms[i:i + n]), i)
            choices = [k for k in starts if len(k) >= NEAR_MIN_LENGTH - 1]
            if not choices or not keys:
                continue
            scores = process.cdist(keys, choices, scorer=fuzz.ratio, score_cutoff=NEAR_CUTOFF,
                                   dtype=np.uint8)
            for row in np.flatnonzero(scores.max(axis=1)):
                start = starts[choices[int(scores[row].argmax())]]
                found.append((keys[row], " ".join(lowers[start:start + n]), NEAR_DISCOUNT))
        return found

    def shared_words(self, result: ColdResult, code: int, top: int = 3) -> list[str]:
        """The segment words that weigh most in its similarity to a code's text."""
        present = np.flatnonzero(result.vector)
        weights = self.code_vectors[code, present] * result.vector[present]
        best = [present[i] for i in np.argsort(-weights)[:top] if weights[i] > 0]
        return [result.surfaces.get(self.vocabulary[i], self.vocabulary[i]) for i in best]
