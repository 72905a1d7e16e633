"""A learned second look at the capitalized words the rules could not settle.

The rules settle most capitalized words, but a name made of ordinary words ("the Dead",
"Reply All") or a rare brand in mid-sentence looks to them like any other capitalized word,
and they keep it silently; an acronym or a rare word they cannot place they queue for review.
This pass scores both with logistic models over generic evidence: the words' shape, how
English and the corpus write them, the single words either side, and the line they stand in.

- A run the rules kept scoring at least its model's threshold is replaced (detector
  "learned", its score as confidence, so review shows it as such); one scoring a little less
  goes to the review queue.
- A word the rules queued scoring at least the queue model's threshold is replaced the same
  way; the rest stay in the queue for the researcher to settle.

The weights (`second_look.json`) were fitted by `benchmarks/train_second_look.py` on
labelled published text, which is not part of the repository; they hold feature names and
numbers only, no text. The features are computed here, the same way for training and use.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qualcode.anonymize.casing import capital_share
from qualcode.anonymize.gazetteer import gazetteer
from qualcode.anonymize.lexicon import (
    DEPARTMENTS,
    GOVERNMENT_UNITS,
    INSTITUTION_WORDS,
    NAME_CONNECTORS,
    ORG_HEADS,
    ORG_SUFFIXES,
    PROJECT_WORDS,
    ROLE_WORDS,
    SMALL_WORDS,
    common_words,
)
from qualcode.anonymize.names import BETWEEN_NAMES, ProperNameDetector, singular
from qualcode.anonymize.spans import Candidate, Coverage, Span
from qualcode.anonymize.text import APOSTROPHES, normalize, starts_sentence

_CONTEXT_WORD = re.compile(rf"[\w{APOSTROPHES}]+")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
_GENERIC = ROLE_WORDS | GOVERNMENT_UNITS | PROJECT_WORDS | DEPARTMENTS | frozenset(
    "group groups team teams committee unit".split())
_ORG_WORDS = ORG_HEADS | {w.lower() for w in ORG_SUFFIXES} | INSTITUTION_WORDS
# Why the rules queue a person's name that may be an ordinary word (names.py).
_WORD_OR_NAME = ("first name that is also a word", "surname-like word")
_EDGE = 40  # characters either side in which the neighbouring words are looked for
_LINE = 150  # characters either side of a run that say whether its line is a heading


@dataclass(frozen=True)
class Leftover:
    """A capitalized run that no detector replaced, with the evidence about it."""

    start: int
    end: int
    features: dict[str, float]


@dataclass(frozen=True)
class QueuedWord(Leftover):
    """A word the rules queued for review (`candidate`), with the evidence about it."""

    candidate: Candidate


@dataclass(frozen=True)
class Model:
    """A logistic model: a run is a name when `score` reaches `threshold`, and worth the
    researcher's look when it reaches `review`."""

    intercept: float
    weights: dict[str, float]
    threshold: float
    review: float

    def score(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1 / (1 + math.exp(-z))

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        return cls(data["intercept"], data["weights"], data["threshold"], data["review"])

    def to_dict(self) -> dict:
        return {"intercept": self.intercept, "threshold": self.threshold,
                "review": self.review, "weights": dict(sorted(self.weights.items()))}


@dataclass(frozen=True)
class SecondLook:
    """The two models of the learned look: `kept` weighs the runs the rules kept without a
    word, `queued` the words they queued for review (its `review` is 0: all of those that
    it does not take for names stay queued)."""

    kept: Model
    queued: Model

    def to_json(self) -> str:
        return json.dumps({"kept": self.kept.to_dict(), "queued": self.queued.to_dict()},
                          indent=1)


@cache
def shipped_look() -> SecondLook:
    """The models that ship with qualcode."""
    data = json.loads(resources.files(__package__).joinpath("second_look.json").read_text())
    return SecondLook(Model.from_dict(data["kept"]), Model.from_dict(data["queued"]))


def leftovers(texts: Sequence[str], runs: Sequence[Sequence[re.Match]],
              spans: Sequence[Sequence[Span]], candidates: Sequence[Sequence[Candidate]],
              vocabulary: set[str], rules: ProperNameDetector) -> list[list[Leftover]]:
    """The capitalized runs (`RUN` matches) of each text that overlap none of its spans
    and none of its review candidates, with features; not a lone ordinary word opening a
    sentence ("So", "Anyway"), which says nothing, nor what a rule keeps on purpose (see
    `ProperNameDetector.keeps`), an allowed phrase ("World War II"), or a generic unit or
    role in ordinary words ("the Research Group")."""
    common = common_words()
    recurrence = Counter(run.group().lower() for text_runs in runs for run in text_runs)
    result = []
    for text, text_runs, found, queued in zip(texts, runs, spans, candidates, strict=True):
        covered = Coverage([*found, *queued])
        names = _Names(found)
        phrases = rules.allowed_phrases(text)
        text_leftovers = []
        for run in text_runs:
            start, end = run.span()
            if covered.hits(start, end) or phrases.hits(start, end) or rules.keeps(
                    text, start, end, names.spans):
                continue
            initial = starts_sentence(text, start)
            lower = run.group().lower()
            words = [w for w in lower.split() if w not in SMALL_WORDS]
            if initial and " " not in lower and (lower in common or lower in vocabulary) or (
                    _generic(words, vocabulary)):
                continue
            text_leftovers.append(Leftover(start, end, _features(
                text, start, end, initial, vocabulary, rules.allow, recurrence[lower], names)))
        result.append(text_leftovers)
    return result


def queued_words(texts: Sequence[str], runs: Sequence[Sequence[re.Match]],
                 spans: Sequence[Sequence[Span]], candidates: Sequence[Sequence[Candidate]],
                 vocabulary: set[str], rules: ProperNameDetector) -> list[list[QueuedWord]]:
    """The review candidates the rules made in each text ("KQVX", "Quillfeather"), with the
    features of `leftovers` and the reason the rules queued them. Not a generic unit or role
    in ordinary words ("Head of Research"), nor a person's name that is also a word ("Cash",
    "Lo"), on which the features say no more than the rules: those stay queued unscored."""
    recurrence = Counter(run.group().lower() for text_runs in runs for run in text_runs)
    result = []
    for text, found_spans, text_candidates in zip(texts, spans, candidates, strict=True):
        names = _Names(found_spans)
        found = []
        for c in text_candidates:
            lower = text[c.start:c.end].lower()
            words = [w for w in lower.split() if w not in SMALL_WORDS]
            if c.reason in _WORD_OR_NAME or _generic(words, vocabulary):
                continue
            features = _features(text, c.start, c.end, starts_sentence(text, c.start),
                                 vocabulary, rules.allow, recurrence[lower], names)
            found.append(QueuedWord(c.start, c.end, {**features, f"queued={c.reason}": 1}, c))
        result.append(found)
    return result


class _Names:
    """The people's and organizations' names found in one text, to tell whether a run is
    joined to one by a comma, "and", "or" or "&", as the items of a list are ("Quillmoot,
    Odesmere and Tavrinbury")."""

    def __init__(self, spans: Sequence[Span]):
        self.spans = sorted((s for s in spans if s.kind in ("PERSON", "ORG")),
                            key=lambda s: s.start)
        self.starts = [s.start for s in self.spans]

    def beside(self, text: str, start: int, end: int) -> bool:
        i = bisect_left(self.starts, start)
        before = self.spans[i - 1] if i > 0 else None
        after = self.spans[i] if i < len(self.spans) else None
        return bool(before and before.end <= start
                    and BETWEEN_NAMES.fullmatch(text, before.end, start)) or bool(
            after and end <= after.start and BETWEEN_NAMES.fullmatch(text, end, after.start))


def _generic(words: list[str], vocabulary: set[str]) -> bool:
    """Whether ordinary words name a generic unit or a role ("Research Group", "Team Leads")."""
    common = common_words()
    return not _GENERIC.isdisjoint(words) and all(
        any(form in common or form in vocabulary for form in (w, singular(w)) if form)
        for w in words)


REVIEW_REASON = "possible name (learned look)"


def settle(text: str, found: list[Leftover], model: Model) -> tuple[list[Span], list[Candidate]]:
    """Spans for the leftovers that `model` takes for names, and review candidates for those
    it nearly does: a person when the run opens with a first name and has no organization
    word, else an organization."""
    names = gazetteer()
    spans, candidates = [], []
    for run in found:
        confidence = model.score(run.features)
        if confidence < model.review:
            continue
        words = [w.lower() for w in text[run.start:run.end].split()]
        person = (words[0] in names.first_names or words[0] in names.ambiguous_first_names) and (
            not _ORG_WORDS.intersection(words))
        kind = "PERSON" if person else "ORG"
        if confidence >= model.threshold:
            spans.append(_learned(text, run.start, run.end, kind, confidence))
        else:
            candidates.append(Candidate(run.start, run.end, kind, REVIEW_REASON))
    return spans, candidates


def settle_queued(text: str, found: list[QueuedWord], model: Model) -> list[Span]:
    """Spans for the queued words that `model` takes for names, of the kind the rules
    guessed; the others stay queued."""
    spans = []
    for word in found:
        confidence = model.score(word.features)
        if confidence >= model.threshold:
            spans.append(_learned(text, word.start, word.end, word.candidate.kind, confidence))
    return spans


def _learned(text: str, start: int, end: int, kind: str, confidence: float) -> Span:
    """A replacement by the learned look, its score as confidence."""
    return Span(start, end, kind, "learned", round(confidence, 3), normalize(text[start:end]))


def _features(text: str, start: int, end: int, initial: bool, vocabulary: set[str],
              allow: frozenset[str], recurrence: int, found: _Names) -> dict[str, float]:
    common, names = common_words(), gazetteer()
    words = text[start:end].split()
    lowers = [w.lower().strip(".,'\u2019") for w in words]
    content = [(w, lw) for w, lw in zip(words, lowers, strict=True)
               if lw not in SMALL_WORDS] or list(zip(words, lowers, strict=True))
    f: dict[str, float] = {
        f"words={min(len(words), 3)}": 1,
        "sentence start": float(initial),
        "connector": float(any(lw in NAME_CONNECTORS or lw in ("the", "&") for lw in lowers[1:])),
        "acronym": float(any(w.isupper() and len(w) > 1 for w in words)),
        "inner capital": float(any(_INNER_CAPITAL.search(w) for w in words)),
        "digit": float(any(c.isdigit() for c in text[start:end])),
        "common share": sum(lw in vocabulary or lw in common for _, lw in content) / len(content),
        f"recurs={min(recurrence, 3)}": 1,
        "beside a name": float(found.beside(text, start, end)),
    }
    for edge, (_, lw) in (("first", content[0]), ("last", content[-1])):
        share = capital_share(lw)
        f[f"{edge} capital share=" + ("unknown" if share is None
                                      else f"{min(0.8, math.floor(share * 5) / 5):.1f}")] = 1
        f[f"{edge} length={min(len(lw), 8) // 3}"] = 1
        for name, hit in (("common", lw in common), ("in corpus", lw in vocabulary),
                          ("allowed", lw in allow), ("first name", lw in names.first_names),
                          ("ambiguous first name", lw in names.ambiguous_first_names),
                          ("surname", lw in names.surnames), ("org word", lw in _ORG_WORDS)):
            if hit:
                f[f"{edge} {name}"] = 1
    before, after = text[max(0, start - _EDGE):start], text[end:end + _EDGE]
    words_before = _CONTEXT_WORD.findall(before.lower())
    words_after = _CONTEXT_WORD.findall(after.lower())
    f["word before=" + (words_before[-1] if words_before else "^")] = 1
    f["word after=" + (words_after[0] if words_after else "$")] = 1
    mark_before, mark_after = before.rstrip()[-1:] or "^", after.lstrip()[:1] or "$"
    f["mark before=" + ("a" if mark_before.isalnum() else mark_before)] = 1
    f["mark after=" + ("a" if mark_after.isalnum() else mark_after)] = 1
    line_start = max(text.rfind("\n", 0, start) + 1, start - _LINE)
    line_end = text.find("\n", end, end + _LINE)
    line = text[line_start:line_end if line_end >= 0 else end + _LINE].split()
    capitals = sum(w[:1].isupper() for w in line) / max(1, len(line))
    f[f"line capitals={round(capitals * 4) / 4:.2f}"] = 1
    f[f"line words={min(len(line), 20) // 5}"] = 1
    return f
