"""First names and surnames, read from the person data that Faker (MIT licence) ships for
some eighty locales.

Loaded on first use (about a quarter of a second) and cached for the process. Only names
written in Latin letters are kept, since that is how a transcript spells them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache

from qualcode.anonymize.casing import ordinary_word
from qualcode.anonymize.lexicon import common_words

# Latin letters only: the Greek and Cyrillic lists would never match a Latin transcript.
_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+(?:-[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+)?")
_FIRST = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
          "first_romanized_names")
_LAST = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")


@dataclass(frozen=True)
class Gazetteer:
    """Lower-case name sets. `first_names` excludes ordinary English words ("Will", "Grace"
    are in `ambiguous_first_names` instead), so a hit in it is good evidence on its own;
    `surnames` leaves them out ("Hell", "Cash")."""

    first_names: frozenset[str]
    ambiguous_first_names: frozenset[str]
    surnames: frozenset[str]


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer built from every Faker person provider."""
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute, target in [(a, first) for a in _FIRST] + [(a, last) for a in _LAST]:
            values = getattr(provider, attribute, None)
            if isinstance(values, (list, tuple, dict)):
                target.update(v.lower() for v in values if _NAME.fullmatch(v))
    # Names that are ordinary words too ("Cash", "Hell", "Joy"): common in our word lists,
    # or written in lower case far more often than with a capital.
    common = common_words() | {w for w in first | last if ordinary_word(w)}
    return Gazetteer(
        first_names=frozenset(first - common),
        ambiguous_first_names=frozenset(first & common),
        surnames=frozenset(last - common),
    )
