"""All detectors together: text in, spans to replace and candidates to review out.

Detection runs over a batch of texts (the transcripts of one import) in two passes. The
first runs every detector on every text. The second builds one table of the names found
(their full forms, and for a person the first name and surname alone, for an organization
its distinctive head) and replaces each of them wherever it recurs in the batch, so a name
found once in one transcript is caught in all of them. Names pseudonymized by earlier imports
are recognised through `known`, a lookup of normalized surfaces (the project answers it from
keyed hashes, never from stored names).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from qualcode.anonymize.casing import capital_share, ordinary_word
from qualcode.anonymize.fuzzy import FuzzyMatcher
from qualcode.anonymize.gazetteer import Gazetteer, gazetteer
from qualcode.anonymize.lexicon import (
    NAME_CONNECTORS,
    ORG_SUFFIXES,
    ROLE_WORDS,
    SMALL_WORDS,
    TITLES,
    common_words,
    default_allow_list,
    geography,
)
from qualcode.anonymize.names import RUN, ProperNameDetector, initials
from qualcode.anonymize.patterns import find_patterns
from qualcode.anonymize.roster import Roster, RosterEntry, RosterMatcher
from qualcode.anonymize.second_look import (
    SecondLook,
    leftovers,
    queued_words,
    settle,
    settle_queued,
    shipped_look,
)
from qualcode.anonymize.spans import Candidate, Coverage, Span, resolve
from qualcode.anonymize.text import (
    APOSTROPHES,
    LOWER,
    lowercase_vocabulary,
    normalize,
    starts_sentence,
    unwrap,
    without_underscores,
)
from qualcode.anonymize.trie import trie_pattern

DETECTORS = ("roster", "fuzzy", "pattern", "proper_name", "learned", "ner")

# known(normalized surface) -> (kind, pseudonym label) for a name the project already has;
# it should be quick for repeated surfaces (the project's lookup caches its answers).
KnownLookup = Callable[[str], "tuple[str, str] | None"]


@dataclass
class Detection:
    """What detection found in one text: spans to replace, candidates to review."""

    spans: list[Span] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


class Detector:
    """The combined detectors, configured once and applied to many texts.

    roster: known names; allow: extra words to keep (e.g. the codebook's labels);
    nlp_model: name or path of an installed spaCy pipeline whose entities are used too;
    detectors: which of DETECTORS run (all but "ner" unless a model is named);
    second_look: the models of the "learned" detector (those qualcode ships by default).
    """

    def __init__(self, roster: Roster | None = None, allow: Iterable[str] = (),
                 nlp_model: str | None = None, detectors: Iterable[str] | None = None,
                 known: KnownLookup | None = None, second_look: SecondLook | None = None):
        self.allow = default_allow_list() | frozenset(_allow_list(allow))
        self.roster = RosterMatcher(roster or Roster())
        self.enabled = set(detectors or DETECTORS) - ({"ner"} if nlp_model is None else set())
        self.fuzzy = FuzzyMatcher(self.roster, self.allow)
        self.names = ProperNameDetector(self.allow)
        self.nlp = _load_pipeline(nlp_model) if nlp_model and "ner" in self.enabled else None
        self.known = known
        self.second_look = (second_look or shipped_look()) if "learned" in self.enabled else None

    def detect(self, text: str) -> Detection:
        """Detection in one text on its own."""
        return self.detect_all([text])[0]

    def detect_all(self, texts: Sequence[str], names: Sequence[str] = ()) -> list[Detection]:
        """Detection in a batch of texts, with names found in one replaced in all. `names`
        are more people's names to find, with their first names and surnames alone (the
        speakers of a transcript)."""
        texts = [unwrap(text) for text in texts]
        patterns = [find_patterns(text) if "pattern" in self.enabled else [] for text in texts]
        texts = [without_underscores(text) for text in texts]
        vocabulary = lowercase_vocabulary(
            _blank(t, p) for t, p in zip(texts, patterns, strict=True))
        speakers = RosterMatcher(Roster([RosterEntry(n, "PERSON") for n in names])) if (
            names) else None
        runs = [list(RUN.finditer(text)) for text in texts]
        first = [self._first_pass(text, found, vocabulary, speakers, text_runs)
                 for text, found, text_runs in zip(texts, patterns, runs, strict=True)]
        _promote_recurring(texts, first)
        _name_sites(texts, first, runs, self.allow)
        table = _NameTable(first, texts, vocabulary, self.allow)
        results = []
        for text, detection, text_runs in zip(texts, first, runs, strict=True):
            linked = [table.link(text, s) for s in detection.spans]
            # A known longer form may take over a shorter guess ("Sustainability Center"
            # in a heading, where the text names the "Global Change & Sustainability Center"),
            # but not an allowed phrase ("Christmas Eve", though Eve Quist is a name).
            sure = self.names.allowed_phrases(text)
            for span in linked:
                if span.detector != "proper_name":
                    sure.add(span.start, span.end)
            found = table.find(text, sure, text_runs)
            spans = resolve(linked + found + table.find_lower_case(
                text, Coverage(linked + found)))
            results.append(Detection(_merge(text, spans), detection.candidates))
        for result in results:
            result.candidates = _open(result.candidates, result.spans)
        if self.second_look is not None:
            self._look_again(self.second_look, texts, runs, results, vocabulary)
        return results

    def _look_again(self, look: SecondLook, texts: Sequence[str], runs: list[list[re.Match]],
                    results: list[Detection], vocabulary: set[str]) -> None:
        """The learned look at the runs the rules kept and the words they queued."""
        found = leftovers(texts, runs, [r.spans for r in results],
                          [r.candidates for r in results], vocabulary, self.names)
        queued = queued_words(texts, runs, [r.spans for r in results],
                              [r.candidates for r in results], vocabulary, self.names)
        for text, result, text_found, text_queued in zip(texts, results, found, queued,
                                                         strict=True):
            spans, candidates = settle(text, text_found, look.kept)
            result.spans = sorted(result.spans + spans + settle_queued(
                text, text_queued, look.queued), key=lambda s: s.start)
            result.candidates = sorted(_open(result.candidates, result.spans) + candidates,
                                       key=lambda c: c.start)

    def _first_pass(self, text: str, patterns: list[Span], vocabulary: set[str],
                    speakers: RosterMatcher | None, runs: list[re.Match]) -> Detection:
        spans = list(patterns)
        if "roster" in self.enabled:
            spans += self.roster.find(text)
        if speakers is not None:
            spans += [replace(s, detector="speaker") for s in speakers.find(text)
                      if not self._longer_name(text, s, runs)
                      and not _ordinary_in_lower_case(text[s.start:s.end])]
        spans = resolve(spans)
        if self.known is not None:
            spans = resolve(spans + self._find_known(text, Coverage(spans), runs))
        if "fuzzy" in self.enabled:
            spans = resolve(spans + self.fuzzy.find(text, spans, vocabulary))
        if self.nlp is not None:
            spans = resolve(spans + [s for s in _entities(self.nlp, text)
                                     if normalize(text[s.start:s.end]) not in self.allow])
        candidates: list[Candidate] = []
        if "proper_name" in self.enabled:
            found, candidates = self.names.find(text, Coverage(spans), vocabulary, runs)
            spans = resolve(spans + found)
        return Detection(spans, candidates)

    def _longer_name(self, text: str, span: Span, runs: list[re.Match]) -> bool:
        """Whether a speaker's name is the start of a longer name, another person's: the
        speaker "Ben" in "Ben Golub" (the rest of the run is a name, not "Ben Thanks")."""
        for run in runs:
            if run.start() <= span.start and span.end < run.end():
                rest = text[span.end:run.end()].split()
                word = rest[0].lower() if rest else ""
                return bool(word) and word not in self.allow and word not in common_words()
            if run.start() > span.start:
                break
        return False

    def _find_known(self, text: str, covered: Coverage, runs: list[re.Match]) -> list[Span]:
        """Runs of capitalized words, or parts of them, that the project already knows."""
        known = _Known(self.known)
        common = common_words()
        spans = []
        for start, end in _word_ngrams(runs, covered, 4, known):
            surface = text[start:end]
            if surface.lower() in common and starts_sentence(text, start):
                continue  # "Hope that helps", though someone is called Hope
            kind, label = known.hit(surface)
            spans.append(Span(start, end, kind, "known", 0.9, label))
        taken = Coverage(spans)
        for start, end in _lower_case_ngrams(text, 4):
            if not covered.hits(start, end) and not taken.hits(start, end) and (
                    _written_as_name(surface := text[start:end])) and surface in known:
                kind, label = known.hit(surface)
                spans.append(Span(start, end, kind, "known", 0.6, label))
                taken.add(start, end)
        return spans


def _ordinary_in_lower_case(surface: str) -> bool:
    """A speaker's name written in lower case as an English word: "residency" is no mention
    of the speaker "Residency", nor "long" of "Dana Long"."""
    return surface.islower() and all(
        w in common_words() or ordinary_word(w) for w in surface.split())


RECURRING = ("rare capitalized word", "surname-like word")
# The name of a site in a web or mail address: "twelve" of "https://www.twelve.co/".
_SITE = re.compile(r"(?:^|[/@.])([a-z0-9-]{4,})\.[a-z]{2,6}(?:\.[a-z]{2})?(?=[/:?#]|$)")
_NOT_LETTERS = re.compile(r"[\s.&'\u2019-]")


def _letters(text: str) -> str:
    """What a name spells, as a site name would write it: "Talk Python" -> "talkpython"."""
    return _NOT_LETTERS.sub("", text.lower())


def _name_sites(texts: Sequence[str], detections: list[Detection], runs: list[list[re.Match]],
                allow: frozenset[str]) -> None:
    """Capitalized words that spell the name of a site the batch links to are that
    organization's name ("Twelve" beside twelve.co, "Talk Python" beside talkpython.fm),
    unless the allow-list keeps them (a link to github.com leaves "GitHub" a tool)."""
    common = common_words()
    sites = {m.group(1) for text, detection in zip(texts, detections, strict=True)
             for s in detection.spans if s.kind in ("URL", "EMAIL")
             for m in [_SITE.search(text[s.start:s.end].lower().split("@")[-1])] if m}
    sites = {_letters(site) for site in sites} - allow
    if not sites:
        return
    for text, detection, text_runs in zip(texts, detections, runs, strict=True):
        letters = _letters(_blank(text, detection.spans))
        if not any(site in letters for site in sites):
            continue
        covered = Coverage(detection.spans)
        found = [Span(start, end, "ORG", "proper_name", 0.75, normalize(text[start:end]))
                 for start, end in _word_ngrams(text_runs, covered, 4, _Site(sites))
                 # a common word's capital at a sentence start says nothing
                 if not (text[start:end].lower() in common and starts_sentence(text, start))]
        if found:
            detection.spans = resolve(detection.spans + found)


class _Site:
    """Membership of written forms whose letters spell one of `sites`."""

    def __init__(self, sites: set[str]):
        self.sites = sites

    def __contains__(self, surface: str) -> bool:
        return _letters(surface) in self.sites


def _promote_recurring(texts: Sequence[str], detections: list[Detection]) -> None:
    """A rare word of four letters or more written with a capital in the middle of a
    sentence twice or more in the batch, and never in lower case, is a proper name: replace
    it instead of queueing it ("VP Eng" twice is an abbreviation, so not shorter words)."""
    seen: Counter[str] = Counter(text[c.start:c.end]
                                 for text, detection in zip(texts, detections, strict=True)
                                 for c in detection.candidates if c.reason in RECURRING)
    for text, detection in zip(texts, detections, strict=True):
        promoted = [c for c in detection.candidates if c.reason in RECURRING
                    and c.end - c.start >= 4 and seen[text[c.start:c.end]] >= 2]
        if promoted:
            gone = set(promoted)
            detection.candidates = [c for c in detection.candidates if c not in gone]
            detection.spans = resolve(detection.spans + [
                Span(c.start, c.end, c.kind if c.reason == "surname-like word" else "ORG",
                     "proper_name", 0.6, normalize(text[c.start:c.end])) for c in promoted])


class _Known:
    """The project's known names as a table `_word_ngrams` can test surfaces against."""

    def __init__(self, lookup: Callable[[str], tuple[str, str] | None]):
        self.lookup = lookup

    def __contains__(self, surface: str) -> bool:
        return self.lookup(normalize(surface)) is not None

    def hit(self, surface: str) -> tuple[str, str]:
        return self.lookup(normalize(surface))


class _NameTable:
    """The names found in a batch, with their parts, matched again everywhere."""

    def __init__(self, detections: list[Detection], texts: Sequence[str], vocabulary: set[str],
                 allow: frozenset[str] = frozenset()):
        common = common_words()
        gaz = gazetteer()
        forms: dict[str, tuple[str, str, float]] = {}  # written form -> (entity, kind, conf)
        parts: dict[str, set[tuple[str, str]]] = {}
        # Parts of a person's name that are ordinary words too ("Bill" of "Bill Noble").
        loose: dict[str, set[tuple[str, str]]] = {}
        # The particles before a surname ("van der" of "Anouk van der Berg"), which go with
        # it where it recurs alone.
        self.particles: dict[str, str] = {}
        labels = {m.group(1) or m.group(2)
                  for text in texts for m in _INITIALS_LABEL.finditer(text)}
        # Initials a transcript defines ("MD - Mira Dolan") are hers, though "MD" is a word.
        defined = {m.group(1) for text in texts for m in _INITIALS_DEFINED.finditer(text)}
        for text, detection in zip(texts, detections, strict=True):
            for span in detection.spans:
                written = text[span.start:span.end]
                words = written.split()
                sure_person = span.kind == "PERSON" and span.confidence >= 0.8 and (
                    len(words) <= 3 and not any(w.lower() in NAME_CONNECTORS for w in words))
                if sure_person and (letters := initials(words)) in labels and (
                        letters in defined or (letters.lower() not in allow
                                               and letters.lower() not in common)):
                    parts.setdefault(letters, set()).add((span.entity, span.kind))
                if span.detector not in ("proper_name", "ner", "fuzzy"):
                    continue
                if len(words) == 1 and written.lower() in common and not written.isupper():
                    # "Bill, you were there" names him, but not "Bill me" elsewhere; a
                    # company "called What" is no "What" at a sentence's start.
                    if written.lower() not in SMALL_WORDS:
                        loose.setdefault(written, set()).add((span.entity, span.kind))
                    continue
                forms.setdefault(written, (span.entity, span.kind, 0.8))
                if span.kind == "PERSON" and len(words) >= 2 or span.confidence <= 0.6:
                    pieces = [words[0], words[-1]]  # a guessed kind: its words may be names
                    if span.kind == "PERSON" and (particles := _particles(words)):
                        self.particles[words[-1]] = particles
                    if _allowed_alone(words[-1], allow, gaz):
                        pieces.pop()  # "Slack" of "Ines Slack" stays the tool elsewhere
                    if words[0].lower().replace(".", "") in geography() or (
                            span.kind != "PERSON" and _allowed_alone(words[0], allow, gaz)):
                        pieces.remove(words[0])  # "Nevada" of "Nevada Evening", the state
                elif span.kind in ("ORG", "PROJECT") and len(words) >= 2:
                    head = " ".join(w for w in words if w.lower().rstrip(".") not in ORG_SUFFIXES
                                    and w.lower() not in NAME_CONNECTORS)
                    # "Python" of "Python Software Foundation" stays the language.
                    pieces = [head] if head.lower() not in allow else []
                else:
                    pieces = []
                for piece in pieces:
                    lower = piece.lower()
                    if len(piece) < 3 or lower in SMALL_WORDS:
                        continue  # not "The" of a name that took a heading's word
                    if lower not in common and lower not in vocabulary:
                        parts.setdefault(piece, set()).add((span.entity, span.kind))
                    elif sure_person:
                        loose.setdefault(piece, set()).add((span.entity, span.kind))
                for acronym in {initials(words), initials(words, small_words=True)} if (
                        span.kind in ("ORG", "PROJECT")) else ():
                    if len(acronym) >= 2 and acronym.lower() not in allow and (
                            acronym.lower() not in common):
                        parts.setdefault(acronym, set()).add((span.entity, span.kind))
        for piece, owners in parts.items():
            if piece not in forms or forms[piece][0] == normalize(piece):
                entity, kind = sorted(owners)[0]
                forms[piece] = (entity, kind, 0.75 if len(owners) == 1 else 0.5)
        # An ordinary word is that person's name only where its capital means something, in
        # mid-sentence, and only when one person has it ("in Bill's lab", not "Bill me").
        # Said alone, the word names the one person whose fuller name has it, if any.
        owners = {piece: {o for o in found if o[0] != normalize(piece)} or found
                  for piece, found in loose.items()}
        self.mid_sentence = {piece for piece in loose
                             if piece not in forms and len(owners[piece]) == 1}
        for piece in self.mid_sentence:
            entity, kind = next(iter(owners[piece]))
            forms[piece] = (entity, kind, 0.75)
        self.forms = forms
        self._lookup = {v: f for f in forms for v in (f, f.upper())}
        # A person's initials with dots ("J.B." of "J.B. Ellison") before a word in lower
        # case are no run of capitalized words, so they are looked for on their own.
        dotted = [f for f, (_, kind, _) in forms.items()
                  if kind == "PERSON" and _DOTTED_INITIALS.fullmatch(f)]
        self._dotted = re.compile(
            rf"(?<![\w.])(?:{'|'.join(map(re.escape, dotted))})(?!\w)") if dotted else None
        self._longest = max((len(f.split()) for f in forms), default=0)
        # The same name in lower case, as captions and chat write it ("jesse thorn" after
        # "Jesse Thorn"), where a word of it is one English writes with a capital.
        self._lower_forms = {f.lower(): f for f in forms
                             if _written_as_name(f) and f.lower() not in allow}
        self._lower = re.compile(
            rf"(?<![\w@./#-])(?:{trie_pattern(self._lower_forms)})(?![\w@-])"
        ) if self._lower_forms else None

    def link(self, text: str, span: Span) -> Span:
        """A span found on its own ("Albrecht") tied to the fuller name it is part of."""
        form = self.forms.get(text[span.start:span.end])
        if span.detector in ("proper_name", "ner") and form and form[0] != span.entity and (
                form[1] == span.kind):
            return replace(span, entity=form[0])
        return span

    def find_lower_case(self, text: str, covered: Coverage) -> list[Span]:
        """Every recurrence of a name in the table written all in lower case."""
        if self._lower is None:
            return []
        spans = []
        for m in self._lower.finditer(text):
            if not covered.hits(m.start(), m.end()):
                entity, kind, confidence = self.forms[self._lower_forms[m.group()]]
                spans.append(Span(m.start(), m.end(), kind, "proper_name",
                                  min(confidence, 0.6), entity))
        return spans

    def find(self, text: str, covered: Coverage, runs: list[re.Match]) -> list[Span]:
        """Every recurrence of a name in the table: runs of capitalized words (`runs`), or
        their parts, looked up longest first."""
        if not self._lookup:
            return []
        spans = []
        for start, end in _word_ngrams(runs, covered, self._longest, self._lookup):
            form = self._lookup[text[start:end]]
            if form in self.mid_sentence and starts_sentence(text, start) and (
                    text[end:end + 1] != ","):
                continue  # "Bill me later", but "Bill, you were there" calls him
            entity, kind, confidence = self.forms[form]
            particles = self.particles.get(form)
            if particles and text[max(0, start - len(particles) - 1):start].lower() == (
                    f"{particles.lower()} "):
                start -= len(particles) + 1  # "van der Berg", not "van der [PERSON_1]"
            spans.append(Span(start, end, kind, "proper_name", confidence, entity))
        if self._dotted is not None:
            found = Coverage(spans)
            for m in self._dotted.finditer(text):
                if not covered.hits(m.start(), m.end()) and not found.hits(m.start(), m.end()):
                    entity, kind, confidence = self.forms[m.group()]
                    spans.append(Span(m.start(), m.end(), kind, "proper_name", confidence,
                                      entity))
        return spans


# A word of a name says the name in lower case when English writes it with a capital at
# least this often ("jesse" 0.95, "bungie" 0.80; not "provost" 0.57 or "instagram" 0.53).
_NAME_IN_LOWER_CASE = 0.75
_LETTERS3 = re.compile(r"[^\W\d_]{3,}")
_LOWER = rf"[{LOWER}][{LOWER}{APOSTROPHES}-]*"  # a word in lower case
_LOWER_CASE_WORD = re.compile(rf"(?<![\w@./#-]){_LOWER}(?![\w@])")
_LOWER_WORDS_BEFORE = re.compile(rf"(?:(?<![\w@./#-]){_LOWER} )*\Z")
_LOWER_WORDS_AFTER = re.compile(rf"(?: {_LOWER}(?![\w@]))*")
_PUNCTUATION = "\"'()[]{}<>.,;:!?*_\u2018\u2019\u201c\u201d"


def _particles(words: list[str]) -> str:
    """The particles between a person's other names and the surname ("van der" of "Anouk van
    der Berg"), or ""."""
    end = len(words) - 1
    start = end
    while start > 1 and words[start - 1].lower() in NAME_CONNECTORS:
        start -= 1
    return " ".join(words[start:end])


_DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.){2,}")


def _written_as_name(form: str) -> bool:
    """Whether a name's lower-case form is still that name: one of its words, not written
    in capitals, is one that English nearly always writes with a capital, or does not know
    ("Marriott", "Jesse", "Bungie"). Common words, roles and titles do not count ("Will",
    "Scale", "Dean", "Provost"), nor do acronyms ("NASA")."""
    return len(form) >= 4 and any(_names_in_lower_case(w) for w in _LETTERS3.findall(form))


@lru_cache(maxsize=1 << 16)
def _names_in_lower_case(word: str) -> bool:
    """Whether `word` in lower case still says a name (see `_written_as_name`)."""
    lower = word.lower()
    share = capital_share(word)
    return not word.isupper() and (share is None or share >= _NAME_IN_LOWER_CASE) and (
        lower not in common_words() and lower not in ROLE_WORDS and lower not in TITLES)


def _lower_case_ngrams(text: str, longest: int) -> Iterator[tuple[int, int]]:
    """Stretches of up to `longest` lower-case words apart by single spaces, longest first,
    around each word that English writes with a capital: where a name known from another
    transcript may stand in lower case. Such words are rare, so they are looked for first."""
    tokens = {token.strip(_PUNCTUATION) for token in set(text.split())}
    telling = {w for w in tokens if w.isalpha() and w.islower() and _names_in_lower_case(w)}
    if not telling:
        return
    for m in re.finditer(rf"(?<![\w@./#-])(?:{trie_pattern(telling)})(?![\w@])", text):
        before = _LOWER_WORDS_BEFORE.search(text, max(0, m.start() - 120), m.start())
        words = [(before.start() + w.start(), before.start() + w.end())
                 for w in _LOWER_CASE_WORD.finditer(before.group())]
        words = words[max(0, len(words) - longest + 1):]
        own = len(words)
        words.append(m.span())
        after = _LOWER_WORDS_AFTER.match(text, m.end())
        words += [(m.end() + w.start(), m.end() + w.end())
                  for w in _LOWER_CASE_WORD.finditer(after.group())][:longest - 1]
        windows = [(i, j) for i in range(own + 1) for j in range(own + 1, len(words) + 1)
                   if j - i <= longest]
        for i, j in sorted(windows, key=lambda w: (w[0] - w[1], w[0])):
            yield words[i][0], words[j - 1][1]


def _allow_list(phrases: Iterable[str]) -> set[str]:
    """The words and phrases to keep, in lower case, from `phrases` (codebook labels, words
    reviewers kept): each whole, and the words of a longer one that English does not use
    as ordinary words ("ML" of "ML engineering"). "Organization" of "Organization type"
    needs no keeping, and kept, it would cut "World Trade Organization" short."""
    words = {" ".join(phrase.lower().split()) for phrase in phrases}
    for phrase in list(words):
        words.update(w for w in re.findall(r"[\w'-]+", phrase)
                     if w not in common_words() and not ordinary_word(w))
    return words


def _allowed_alone(surname: str, allow: frozenset[str], gaz: Gazetteer) -> bool:
    """Whether a person's surname is an allowed word that, alone, means that word ("August",
    "Welsh", "Slack"), not a surname the gazetteer knows ("Holland")."""
    lower = surname.lower()
    return lower in allow and lower not in gaz.surnames


# A person's initials as the label of what they say ("VG: Good morning", or at a line's
# start without a colon: "VG Right, okay.", "VG - Victor Geminiani", "VG – Yes") or
# beside their name ("Victor Geminiani (VG)").
_INITIALS_LABEL = re.compile(
    r"(?<![\w(])\(?([A-Z]{2,3})(?::|\))|^([A-Z]{2,3}) (?=[A-Z]|\.\.\.|[-\u2013\u2014] )",
    re.MULTILINE)
# Initials that a line defines as a name: "MD - Mira Dolan", "TK = Tom Keel".
_INITIALS_DEFINED = re.compile(r"^([A-Z]{2,3}) [-=\u2013\u2014] (?=[A-Z][a-z])", re.MULTILINE)


def _word_ngrams(runs: list[re.Match], covered: Coverage, longest: int, table
                 ) -> list[tuple[int, int]]:
    """Where runs of capitalized words, or stretches of their words (longest first, left to
    right), are keys of `table`; covered runs are skipped."""
    found = []
    for run in runs:
        group = run.group()
        if " " not in group:
            if group in table and not covered.hits(run.start(), run.end()):
                found.append((run.start(), run.end()))
            continue
        if covered.hits(run.start(), run.end()):
            continue
        words = [(run.start() + m.start(), run.start() + m.end())
                 for m in _RUN_WORD.finditer(run.group())]
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + longest), i, -1):
                start, end = words[i][0], words[j - 1][1]
                if group[start - run.start():end - run.start()] in table:
                    found.append((start, end))
                    i = j
                    break
            else:
                i += 1
    return found


_RUN_WORD = re.compile(r"[^\s']+(?:'(?!s\b)[^\s']+)*")


def _blank(text: str, spans: list[Span]) -> str:
    """`text` without its emails and URLs, whose lower-case words are no evidence of
    ordinary use ("halcyon.ai" says nothing about the word "halcyon")."""
    pieces, cursor = [], 0
    for span in spans:
        pieces += [text[cursor:span.start], " "]
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _merge(text: str, spans: list[Span]) -> list[Span]:
    """Join neighbouring spans of one entity ("Marisol" + "Okafur") into one replacement."""
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].entity == span.entity and text[merged[-1].end:span.start] == " ":
            last = merged[-1]
            detector = max(last.detector, span.detector, key=_weakness)
            merged[-1] = Span(last.start, span.end, last.kind, detector,
                              min(last.confidence, span.confidence), last.entity)
        else:
            merged.append(span)
    return merged


def _weakness(detector: str) -> int:
    from qualcode.anonymize.spans import DETECTOR_PRIORITY

    return DETECTOR_PRIORITY.index(detector)


def _open(candidates: list[Candidate], spans: list[Span]) -> list[Candidate]:
    """Candidates not settled by a replacement, once each."""
    covered = Coverage(spans)
    seen: set[tuple[int, int]] = set()
    result = []
    for c in candidates:
        if not covered.hits(c.start, c.end) and (c.start, c.end) not in seen:
            seen.add((c.start, c.end))
            result.append(c)
    return result


_NER_KINDS = {"PERSON": "PERSON", "PER": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE",
              "FAC": "PLACE"}


def _load_pipeline(name: str):
    """Load an installed spaCy pipeline by package name or path; a clear error otherwise."""
    import spacy

    from qualcode.errors import QualcodeError

    try:
        return spacy.load(name)
    except OSError:
        raise QualcodeError(
            f"spaCy pipeline {name!r} is not installed (install it, or leave out --nlp-model: "
            "the built-in detectors need no model)"
        ) from None


def _entities(nlp, text: str) -> list[Span]:
    spans = []
    for ent in nlp(text).ents:
        kind = _NER_KINDS.get(ent.label_)
        if kind:
            spans.append(Span(ent.start_char, ent.end_char, kind, "ner", 0.8,
                              normalize(ent.text)))
    return spans
