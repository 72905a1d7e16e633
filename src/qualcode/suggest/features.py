"""TF-IDF features for the learned model: word unigrams and bigrams, and character n-grams.

Words are `text.words` tokens reduced by `text.stem`; character n-grams (3 to 5, inside word
boundaries) come from the lower-cased content words (not stop words), so an unseen spelling
still shares features with known ones. Counting is vectorized: a text's character n-grams
are the sum of its words', so they are computed once per distinct word and multiplied in
with a sparse product. Term
frequencies are sublinear, each block (words, characters) is L2-normalized and weighted
1/sqrt(2), so a row has unit norm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
from scipy import sparse
from spacy.lang.en.stop_words import STOP_WORDS

from qualcode.suggest.text import stem, words

CHAR_SIZES = (3, 4, 5)
MIN_DF = 2  # bigrams and character n-grams seen in one text only are dropped
CHAR_MAX_DF = 0.2  # character n-grams in many texts carry little and cost much
BLOCK_WEIGHT = 1 / math.sqrt(2)


def char_ngrams(word: str) -> list[str]:
    """Character n-grams of a content word (none for a stop word or a pseudonym)."""
    if word in STOP_WORDS or word[0] == "[":
        return []
    padded = f" {word} "
    return [padded[i:i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1)]


@dataclass
class _Tokens:
    """Texts as one flat token array: each token's text row and distinct-word id."""

    n_texts: int
    row: np.ndarray
    word_id: np.ndarray
    vocabulary: list[str]  # distinct words of these texts

    @classmethod
    def of(cls, texts: Sequence[str]) -> _Tokens:
        lists = [words(t) for t in texts]
        flat = list(chain.from_iterable(lists))
        index = {w: i for i, w in enumerate(dict.fromkeys(flat))}
        ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(len(texts)), [len(x) for x in lists])
        return cls(len(texts), rows, ids, list(index))

    def counts(self, columns: np.ndarray, rows: np.ndarray, width: int) -> sparse.csr_matrix:
        return sparse.csr_matrix((np.ones(len(columns), dtype=np.float32), (rows, columns)),
                                 shape=(self.n_texts, width))

    def word_matrix(self) -> sparse.csr_matrix:
        """Texts x distinct words, counts."""
        return self.counts(self.word_id, self.row, len(self.vocabulary))

    def bigram_codes(self, stem_ids: np.ndarray, n_stems: int) -> tuple[np.ndarray, np.ndarray]:
        """(text row, stem pair code) of each bigram of known stems."""
        sid = stem_ids[self.word_id]
        keep = (self.row[1:] == self.row[:-1]) & (sid[1:] >= 0) & (sid[:-1] >= 0)
        return self.row[1:][keep], sid[:-1][keep] * n_stems + sid[1:][keep]


def _document_frequency(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.bincount(matrix.indices, minlength=matrix.shape[1])


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    weighted = counts.tocsr(copy=True)
    weighted.sum_duplicates()
    weighted.data = (1 + np.log(weighted.data)) * idf[weighted.indices]
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(BLOCK_WEIGHT / norms) @ weighted, dtype=np.float32)


def _join(words_block: sparse.csr_matrix, chars_block: sparse.csr_matrix) -> sparse.csr_matrix:
    """The two blocks side by side, indices sorted (scikit-learn would sort a copy per fit)."""
    matrix = sparse.hstack([words_block, chars_block], format="csr")
    matrix.sort_indices()
    return matrix


@dataclass
class Featurizer:
    """The fitted vocabulary and IDF; columns are word stems, kept bigrams, kept n-grams."""

    stems: list[str]
    bigram_codes: np.ndarray  # sorted stem-pair codes (first * len(stems) + second)
    chars: list[str]
    word_idf: np.ndarray  # stems, then bigrams
    char_idf: np.ndarray
    _stem_index: dict[str, int] = field(init=False, repr=False)
    _char_index: dict[str, int] = field(init=False, repr=False)
    _word_cache: dict[str, tuple[int, np.ndarray]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._stem_index = {s: i for i, s in enumerate(self.stems)}
        self._char_index = {c: i for i, c in enumerate(self.chars)}
        self._word_cache = {}

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as plain arrays, for numpy's .npz (no pickle)."""
        return {"stems": np.array(self.stems, dtype=str), "bigram_codes": self.bigram_codes,
                "chars": np.array(self.chars, dtype=str), "word_idf": self.word_idf,
                "char_idf": self.char_idf}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Featurizer:
        return cls(stems=arrays["stems"].tolist(), bigram_codes=arrays["bigram_codes"],
                   chars=arrays["chars"].tolist(), word_idf=arrays["word_idf"],
                   char_idf=arrays["char_idf"])

    @property
    def n_word_columns(self) -> int:
        return len(self.word_idf)

    @property
    def n_columns(self) -> int:
        return len(self.word_idf) + len(self.char_idf)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[Featurizer, sparse.csr_matrix]:
        """Learn the vocabulary and IDF from `texts`; returns it with their feature matrix."""
        tokens = _Tokens.of(texts)
        n = len(texts)
        stem_index: dict[str, int] = {}
        stem_ids = np.array([stem_index.setdefault(stem(w), len(stem_index))
                             for w in tokens.vocabulary], dtype=np.int64)
        unigrams = tokens.counts(stem_ids[tokens.word_id], tokens.row, len(stem_index))
        rows, codes = tokens.bigram_codes(stem_ids, len(stem_index))
        distinct, inverse = np.unique(codes, return_inverse=True)
        bigrams = tokens.counts(inverse, rows, len(distinct))
        kept = np.flatnonzero(_document_frequency(bigrams) >= MIN_DF)
        word_counts = sparse.hstack([unigrams, bigrams[:, kept]], format="csr")
        word_idf = _idf(_document_frequency(word_counts), n)

        char_index: dict[str, int] = {}
        char_rows, char_cols = [], []
        for i, word in enumerate(tokens.vocabulary):
            grams = [char_index.setdefault(g, len(char_index)) for g in char_ngrams(word)]
            char_rows.extend([i] * len(grams))
            char_cols.extend(grams)
        per_word = sparse.csr_matrix(
            (np.ones(len(char_cols), dtype=np.float32), (char_rows, char_cols)),
            shape=(len(tokens.vocabulary), len(char_index)))
        char_counts = tokens.word_matrix() @ per_word
        df = _document_frequency(char_counts)
        kept_chars = np.flatnonzero((df >= MIN_DF) & (df <= max(CHAR_MAX_DF * n, MIN_DF)))
        char_counts = char_counts[:, kept_chars]
        all_chars = list(char_index)
        featurizer = cls(stems=list(stem_index), bigram_codes=distinct[kept],
                         chars=[all_chars[i] for i in kept_chars], word_idf=word_idf,
                         char_idf=_idf(df[kept_chars], n))
        return featurizer, _join(_weigh(word_counts, word_idf),
                                 _weigh(char_counts, featurizer.char_idf))

    def _word(self, word: str) -> tuple[int, np.ndarray]:
        """(stem column or -1, character n-gram columns) of one word, cached."""
        known = self._word_cache.get(word)
        if known is None:
            columns = [self._char_index[g] for g in char_ngrams(word) if g in self._char_index]
            known = (self._stem_index.get(stem(word), -1), np.array(columns, dtype=np.int64))
            self._word_cache[word] = known
        return known

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The feature matrix of `texts` (unknown words keep their character n-grams)."""
        if len(texts) == 1:
            return self._transform_one(texts[0])
        tokens = _Tokens.of(texts)
        looked_up = [self._word(w) for w in tokens.vocabulary]
        stem_ids = np.array([s for s, _ in looked_up], dtype=np.int64)
        n_stems = len(self.stems)
        sid = stem_ids[tokens.word_id]
        bigram_rows, codes = tokens.bigram_codes(stem_ids, n_stems)
        position = np.searchsorted(self.bigram_codes, codes)
        found = position < len(self.bigram_codes)
        found[found] = self.bigram_codes[position[found]] == codes[found]
        word_counts = tokens.counts(np.concatenate([sid[sid >= 0], n_stems + position[found]]),
                                    np.concatenate([tokens.row[sid >= 0], bigram_rows[found]]),
                                    self.n_word_columns)
        char_columns = [c for _, c in looked_up]
        per_word = sparse.csr_matrix(
            (np.ones(sum(map(len, char_columns)), dtype=np.float32),
             np.concatenate([np.zeros(0, np.int64), *char_columns]),
             np.cumsum([0, *map(len, char_columns)])),
            shape=(len(looked_up), len(self.chars)))
        char_counts = tokens.word_matrix() @ per_word
        return _join(_weigh(word_counts, self.word_idf), _weigh(char_counts, self.char_idf))

    def _transform_one(self, text: str) -> sparse.csr_matrix:
        """`transform` of a single text, without the batch machinery (a suggestion's
        latency is mostly this)."""
        looked_up = [self._word(w) for w in words(text)]
        stems = np.array([s for s, _ in looked_up], dtype=np.int64)
        pairs = (stems[:-1] >= 0) & (stems[1:] >= 0)
        codes = stems[:-1][pairs] * len(self.stems) + stems[1:][pairs]
        position = np.searchsorted(self.bigram_codes, codes)
        found = position < len(self.bigram_codes)
        found[found] = self.bigram_codes[position[found]] == codes[found]
        word_columns = np.concatenate([stems[stems >= 0], len(self.stems) + position[found]])
        char_columns = np.concatenate([np.zeros(0, np.int64), *(c for _, c in looked_up)])
        blocks = []
        for offset, columns, idf in ((0, word_columns, self.word_idf),
                                     (self.n_word_columns, char_columns, self.char_idf)):
            unique, counts = np.unique(columns, return_counts=True)
            values = (1 + np.log(counts)) * idf[unique]
            norm = np.linalg.norm(values)
            blocks.append((offset + unique, values * (BLOCK_WEIGHT / norm) if norm else values))
        columns = np.concatenate([c for c, _ in blocks])
        return sparse.csr_matrix(
            (np.concatenate([v for _, v in blocks]).astype(np.float32), columns,
             [0, len(columns)]), shape=(1, self.n_columns))

    def terms(self, text: str) -> list[tuple[str, np.ndarray]]:
        """The words and bigrams of `text` as written, each with its feature columns: what an
        explanation attributes a score to. Stop words alone explain nothing."""
        tokens = words(text)
        n_stems = len(self.stems)
        terms: dict[str, np.ndarray] = {}
        for word in tokens:
            if word in STOP_WORDS:
                continue
            stem_column, char_columns = self._word(word)
            own = [stem_column] if stem_column >= 0 else []
            terms.setdefault(word, np.concatenate([own, self.n_word_columns + char_columns])
                             .astype(np.int64))
        for first, second in zip(tokens, tokens[1:], strict=False):
            a, b = self._word(first)[0], self._word(second)[0]
            if a >= 0 and b >= 0 and not (first in STOP_WORDS and second in STOP_WORDS):
                position = np.searchsorted(self.bigram_codes, a * n_stems + b)
                if position < len(self.bigram_codes) and \
                        self.bigram_codes[position] == a * n_stems + b:
                    terms.setdefault(f"{first} {second}", np.array([n_stems + position]))
        return list(terms.items())
