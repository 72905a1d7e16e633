"""Text normalization shared by the cold-start scorer and the learned model.

Cold start runs spaCy: a trained English pipeline when one is installed, otherwise a blank
English pipeline with lookup lemmas (from the `spacy-lookups-data` package). A last component
writes a match key into every token's `norm_`: the lower-cased lemma passed through `stem`, a
conservative inflection stripper. Keywords and segments go through the same pipeline, so
"experiments", "experimenting" and "experiment" meet on one key whichever lemmatizer is
present. Nothing is ever downloaded.

The learned model does not run spaCy (training must stay fast); `words` is a regular-expression
tokenizer that keeps pseudonym labels (`[PERSON_3]`) as one token per kind.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import spacy
from spacy.attrs import LEMMA, LOWER, NORM
from spacy.language import Language
from spacy.tokens import Doc

# A trained pipeline is used when installed; the small ones are fast enough per segment.
TRAINED_PIPELINES = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg")
_DOUBLED = frozenset("bdgmnprt")
_VOWELS = frozenset("aeiouy")
_TOKEN = re.compile(r"\[[a-z]+_\d+\]|[^\W_]+(?:['’][^\W_]+)*")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Strip English inflection from a lower-case word: plural and verb endings, -ing, -ed
    and a final e, undoubling a final consonant ("running" -> "run", "iterated" -> "iterat").
    Applied to keywords and text alike, so only consistency matters, not real lemmas."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith(("xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWELS & set(base):
            word = base
            if len(word) > 3 and word[-1] == word[-2] and word[-1] in _DOUBLED:
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


_KEYS: dict[int, int] = {}  # hash of a lemma or lower-case form -> hash of its match key


@Language.component("qualcode_match_keys")
def _match_keys(doc: Doc) -> Doc:
    """Write each token's match key (stemmed lower-case lemma) into `token.norm_`, through
    arrays of string hashes (creating a Python object per token would cost more)."""
    strings = doc.vocab.strings
    keys = []
    for lemma, lower in doc.to_array([LEMMA, LOWER]).tolist():
        source = lemma or lower
        key = _KEYS.get(source)
        if key is None:
            key = _KEYS[source] = strings.add(stem(strings[source].lower()))
        keys.append(key)
    doc.from_array([NORM], np.array(keys, dtype=np.uint64).reshape(-1, 1))
    return doc


def _trained_pipeline() -> Language | None:
    installed = set(spacy.util.get_installed_models())
    for name in TRAINED_PIPELINES:
        if name in installed:
            return spacy.load(name, exclude=["parser", "ner", "senter", "textcat"])
    return None


def _blank_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The spaCy pipeline for cold start, loaded once per process."""
    nlp = _trained_pipeline() or _blank_pipeline()
    nlp.add_pipe("qualcode_match_keys", last=True)
    return nlp


def pipeline_name() -> str:
    """Which lemmatizer cold start runs on, for reports."""
    nlp = load_nlp()
    if nlp.meta.get("name", "") != "pipeline":
        return f"{nlp.meta['lang']}_{nlp.meta['name']}"
    return "blank English + lookup lemmas"


def words(text: str) -> list[str]:
    """Lower-case word tokens for the learned model; a pseudonym label becomes `[person]`."""
    return [t if t[0] != "[" else t[: t.index("_")] + "]" for t in _TOKEN.findall(text.lower())]
