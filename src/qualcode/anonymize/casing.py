"""How often English writes a word with a capital, as evidence for or against a name.

A transcript is too short to say whether "Hell" or "Gallagher" is an ordinary word; a large
corpus can. spaCy's lexeme probabilities (the `spacy-lookups-data` package, MIT licence) give
the log-probability of a million word forms, in the case they were written in. From them,
`capital_share(word)` is the share of a word's uses written Capitalized rather than in lower
case: about 0.03 for "Date", 0.2 for "Hell", 0.9 for "Seattle" or "Gallagher". A word the
corpus never saw is `None`: a coined name, a rare surname or a misheard word.

The table is read on first use (about two seconds) and cached for the process.
"""

from __future__ import annotations

import gzip
import json
import math
from functools import cache
from importlib import resources

# A word written in lower case at least this much more often than with a capital is an
# ordinary word whatever its capital says (share of capitals at most 0.25).
ORDINARY_BELOW = 0.25
# A word written with a capital at least as often as in lower case is a name.
NAME_FROM = 0.5


@cache
def _shares() -> dict[str, float]:
    path = resources.files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        probabilities: dict[str, float] = json.load(f)
    lower: dict[str, float] = {}
    capital: dict[str, float] = {}
    for form, logp in probabilities.items():
        if not form.isalpha():
            continue
        if form.islower():
            lower[form] = logp
        elif form[0].isupper() and (len(form) == 1 or form[1:].islower()):
            capital[form.lower()] = logp
    floor = min(probabilities.values())  # a form the corpus lacks: rarer than any it has
    return {word: 1 / (1 + math.exp(lower.get(word, floor) - capital.get(word, floor)))
            for word in lower.keys() | capital.keys()}


def capital_share(word: str) -> float | None:
    """The share of the uses of `word` (any case) that English writes Capitalized, or None
    for a word the corpus does not have."""
    return _shares().get(word.lower())


def ordinary_word(word: str) -> bool:
    """Whether English mostly writes `word` in lower case ("Hell", "Cash", "Applause")."""
    share = capital_share(word)
    return share is not None and share <= ORDINARY_BELOW


def name_word(word: str) -> bool:
    """Whether English mostly writes `word` with a capital, or never writes it at all
    ("Gallagher", "Seattle", "Anfisa")."""
    share = capital_share(word)
    return share is None or share >= NAME_FROM
