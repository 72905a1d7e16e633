"""Proper names that no roster lists: rules over runs of capitalized words.

A run of capitalized words ("Ines Albrecht", "Halcyon Institute", "Dr. Brandt") is a name
candidate. The rules that settle it, in order:

- ordinary words drop out: common English, the allow-list (codebook words, tech terms,
  calendar, geography), words used in lower case elsewhere in the corpus; a sentence's first
  word says nothing by its capital, nor does it when it has an ending names rarely have
  (-ly, -ing, -tion);
- a title (Dr., Prof.) makes a person; an organization word (Labs, Institute, University of)
  makes an organization. When every other word is ordinary, an institution word still does
  ("Center for Open Minds", "New York Gazette", kept whole though "New York" alone is
  allowed), but a generic unit or a role does not ("the Research Group", "Department of
  Computer Science", "Head of Research"): those become review candidates or stay;
- a first name from the gazetteer, or a first name followed by a surname, makes a person,
  even when the surname is an allowed word ("Ines Slack", "Tobin Welsh");
- a department or office named by a government portfolio ("Department of Transportation")
  is an organization, and so is a university with its campus ("University of X at Y"), a
  local government ("City of X"), an institution that a possessive opens ("King's College
  London"), and an organization with the place or people words that open it and the place
  that ends it ("American Eagle", "KPMG Australia") or the ordinary words joined to it by
  "and" ("Food and Agriculture Organization");
- the words around settle the rest: "my colleague X", "X said", "X and I", "people like X",
  "X, a researcher" (person), "at X", "joined X", "funded by X", "companies like X", "the X
  team", "X, a startup" (organization), "based in X", "moved to X", "in X" (place). Where an
  employer goes ("I worked at Happy Door") even ordinary words with capitals make an
  organization. A name coordinated with a settled one ("Ines and X", "Zentrova, X") shares
  its kind; a possessive ("X's team") makes a name; a capital inside a word ("DeepWidget")
  makes an organization, a Mc/Mac/O' prefix a person;
- a show's title where a title goes ("welcome to X", "episode 12 of X", "a podcast called
  X", "the X podcast") is an organization, whole, with its small words ("Teaching in Higher
  Ed"), and an institution of two things keeps both ("Center for Security and Emerging
  Technology");
- an event or a prize ("the Halvard Cup", "Quill Con") is no name, though the organization
  that holds it may be ("a Quillport Association of Realtors Expo"); nor is a post ("the
  Dean of the Faculty", "Cruise Director"), the title of a work after the word for it ("the
  film Tin Harbor"), or a pronoun that a heading or a run-together page capitalized;
- several capitalized words that nothing else settles make an organization, with a low
  confidence;
- an acronym or a rare capitalized word that nothing settles becomes a review candidate
  (the detector replaces it after all when it recurs in the batch).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from qualcode.anonymize.casing import capital_share, name_word, ordinary_word
from qualcode.anonymize.gazetteer import Gazetteer, gazetteer
from qualcode.anonymize.lexicon import (
    DEPARTMENTS,
    EMPLOYERS,
    EVENT_WORDS,
    FOUNDERS,
    GOVERNMENT_UNITS,
    INSTITUTION_WORDS,
    LANGUAGES_AND_PEOPLES,
    NAME_CONNECTORS,
    NON_NAME_ENDINGS,
    ORG_AFTER,
    ORG_BEFORE,
    ORG_BEFORE_PAIRS,
    ORG_HEADS,
    ORG_NOUNS,
    ORG_SUFFIXES,
    ORG_WHEN_ORDINARY,
    PERSON_AFTER,
    PERSON_BEFORE,
    PERSON_NOUNS,
    PLACE_BEFORE,
    PLACE_VERBS,
    PORTFOLIOS,
    PROJECT_WORDS,
    PRONOUNS,
    ROLE_WORDS,
    SELF_INTRODUCTIONS,
    SMALL_WORDS,
    TITLE_BEFORE,
    TITLES,
    common_words,
    geography,
    state_codes,
)
from qualcode.anonymize.spans import Candidate, Coverage, Span
from qualcode.anonymize.text import (
    APOSTROPHES,
    CAP_WORD,
    LOWER,
    UPPER,
    normalize,
    starts_sentence,
)
from qualcode.anonymize.trie import trie_pattern

_TITLE_ABBR = r"(?:Dr|Prof|Mr|Mrs|Ms|Mx)\."
# Initials: "J." or "J.P." before a name, or a lone capital other than "I" and "A"
# ("Y Combinator").
_INITIAL = rf"(?:(?:[{UPPER}]\.)+|[B-HJ-Z])(?= [{UPPER}])"
# "St." in a name ("Mirela St. Ouellin", "St. Odile's Abbey"), not a street's at a sentence's end
# ("on Oak St. The house").
_SAINT = rf"St\.(?= (?!(?:{'|'.join(w.capitalize() for w in sorted(SMALL_WORDS))})\b)[{UPPER}])"
_TOKEN = rf"(?:{_TITLE_ABBR}|{_INITIAL}|{_SAINT}|{CAP_WORD})"
# "the" joins only after "of", "for" or "&" ("College of the Arts"); two particles join a
# surname ("Anouk van der Berg", "Rosa de la Cruz").
_PARTICLE = "|".join(re.escape(c) for c in sorted(NAME_CONNECTORS - {"of", "for", "&"},
                                                   key=len, reverse=True))
_CONNECTOR = rf"(?:of|for|&) the|(?:{_PARTICLE}) (?:{_PARTICLE})|" + "|".join(
    re.escape(c) for c in sorted(NAME_CONNECTORS, key=len, reverse=True))
RUN = re.compile(
    rf"(?<![\w{APOSTROPHES}@.#])(?<![{UPPER}{LOWER}]-)"  # not after "ex-", but after "---"
    rf"{_TOKEN}(?:(?: (?:{_CONNECTOR}) | ){_TOKEN})*(?![\w@])"
    rf"(?![{APOSTROPHES}](?!s\b)\w)"  # not the "Don" of "Don't"
)
_PIECE = re.compile(rf"{_TOKEN}|\S+")
_WORD = re.compile(r"[\w'\u2019-]+")
_INITIALS_BEFORE_NAME = re.compile(rf"(?:[{UPPER}]\.)+")
_ACRONYM = re.compile(rf"[{UPPER}]{{2,}}s?")
_TOWN_BEFORE = re.compile(rf"{CAP_WORD}, $")
# A state as newspapers shorten it after a town ("Tampa, Fla."); the postal codes are apart.
_STATE_ABBREVIATIONS = frozenset("""
Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo Mont
Neb Nev Okla Ore Pa Penn Tenn Tex Vt Va Wash Wis Wisc Wyo
""".split())
# Letters after a person's name: ", RMR, CRR, CRC" up to the next word.
_CREDENTIALS = re.compile(r"((?:, [A-Z][A-Za-z]{1,4}\b)+)(?=[,.;:)]|\s|$)")
_STATE_AFTER = re.compile(r"[.;:)\-\u2013\u2014]|\s*$|\s*\n| \d")
# An acronym that stands alone where an organization goes, not before a noun it qualifies
# ("the VHS tape", "to GPS locations"): "the ACLU, ...", "I went to UCLA and ...".
_ACRONYM_BEFORE = re.compile(r"\b(?:[Tt]he|[Tt]o|[Ww]ith|[Aa]t|[Ff]or|[Jj]oined|[Bb]y) $")
_ACRONYM_AFTER = re.compile(
    r"[,.;:)!?]|\s+(?:and|or|is|was|has|had|in|where|which|who|that)\b")
_POSSESSIVES = ("'s", "\u2019s")
# What joins two names of a pair or a list: "X and Y", "X's, Y", "X, & Y", "X, Y".
BETWEEN_NAMES = re.compile(r"(?:['\u2019]s)?(?:,? (?:and|or|&) |, )")
_AND_BETWEEN_NAMES = re.compile(r"(?:['\u2019]s)?,? (?:and|or|&) ")
_POST_BEFORE = re.compile(
    r"\b(?:[Tt]he|[Aa]n?|[Aa]ssociate|[Aa]ssistant|[Vv]ice|[Dd]eputy|[Aa]cting) $")
# North American radio and television stations are named by four call letters, starting
# with K or W ("KLIF", "WDRC"); in talk of broadcasting they are a station, not an acronym.
_CALL_SIGN = re.compile(r"[KW][A-Z]{2}[A-HJ-Z]")  # not "WWII"
_BROADCASTING = re.compile(r"\b(?:[Rr]adio|[Ss]tations?|FM|AM|[Bb]roadcast\w*|DJs?|[Oo]n[- ]air"
                           r"|[Tt]elevision|TV)\b")
_ACRONYM_DEFINED = re.compile(r" \(([A-Z]{2,})s?\)")
_QUOTES = "\"\u201c\u2018'"
# A capital inside a word after lower-case letters, as brands write them ("XtremeAg",
# "eVantor"), not a surname's prefix ("McKenna", "DeLuca", "LeCharles").
_CAMEL = re.compile(rf"(?!(?:Mc|Mac|De|Di|Da|La|Le|Van|Von)[{UPPER}])[{UPPER}][{LOWER}]+"
                    rf"[{UPPER}][\w]*|[{LOWER}][{UPPER}][{LOWER}]+\w*"
                    rf"|[{UPPER}]{{2,}}[{UPPER}][{LOWER}]{{2,}}\w*")
_SURNAME_PREFIX = re.compile(rf"(?:Mc|Mac|O[{APOSTROPHES}])[{UPPER}][{LOWER}]")

# A show's title: capitalized words with the short words that titles leave in lower case
# between them ("Teaching in Higher Ed", "In Defense of Plants").
_TITLE_SMALL = "of|in|the|to|and|for|a|an|on|with|at|from|by|or|is|&"
_TITLE = rf"{CAP_WORD}(?:(?: (?:{_TITLE_SMALL}))* {CAP_WORD})*"
_TITLE_CUE = "|".join(sorted((r"\s+".join(p) for p in TITLE_BEFORE), key=len, reverse=True))
# Where a show's title goes: after a cue ("welcome to X", "episode 405 of the X", "a podcast
# called X"), before "podcast" ("the X podcast"), and, in lower case, between "welcome to
# the" and "podcast" ("welcome to the ladybug podcast").
_CUED_SHOW = re.compile(
    rf"(?i:\b(?:{_TITLE_CUE}|welcome\s+back\s+to|episode\s+(?:number\s+)?\d+\s+of"
    rf"|(?:podcast|show)\s+(?:called|named))(?:\s+(?:the|this\s+episode\s+of(?:\s+the)?))?\s+)"
    rf"[{_QUOTES}]?({_TITLE})(?![\w@])")
_NAMED_SHOW = re.compile(
    rf"(?<![\w{APOSTROPHES}.-])({_TITLE})"
    rf"(?= (?:podcast|show|magazine|newsletter|episode|series)\b)")
_LOWER_SHOW = re.compile(
    rf"(?i:\bwelcome\s+(?:back\s+)?to\s+the\s+)([{LOWER}]+(?: [{LOWER}]+){{0,2}})"
    rf"(?= podcast\b)")
# The title of a book, a film, an album or a game, which names no one though its words are
# capitalized: after the word for the work in lower case ("the film Tin Harbor", "his book
# Salt the Orchard", "a novel titled Another Harbor"; not "Film School"), to the last
# capitalized word that "of", "for", "the", "a", "an", "in", "on", "to" or "&" joins ("The
# Autobiography of Miss Quarnby").
_WORKS = ("book", "film", "movie", "album", "song", "novel", "memoir", "documentary",
          "musical", "game", "exhibit", "exhibition", "titled", "entitled")
_WORK_TITLE = re.compile(
    rf"\b(?:{'|'.join(_WORKS)}),? [{_QUOTES}]?"
    rf"({CAP_WORD}(?:(?: (?:of|for|the|a|an|in|on|to|&))* {CAP_WORD})*)(?![\w@])")
_SHOW_CUES = ("welcome", "this is", "host", "episode", "listening to", "called", "named",
              "podcast", "show", "magazine", "newsletter", "series")
# An institution named "of" or "for" two things or more ("Center for Security and Emerging
# Technology", "Center for Land, Water, & the Environment"): the run stops at "and", the
# name does not.
_HEADS = "|".join(sorted(w.capitalize()
                         for w in ORG_HEADS & (INSTITUTION_WORDS | GOVERNMENT_UNITS)))
_NAME_WORDS = rf"{CAP_WORD}(?: {CAP_WORD})*"
_OPENING_INSTITUTIONS = ORG_HEADS & INSTITUTION_WORDS  # not "the Age of Podcast Journalism"
_NAME_SUFFIX = re.compile(
    rf"(?<=[JS]r)\.|,? (?:Jr|Sr)\.?(?![\w{APOSTROPHES}])| ([{UPPER}])\.(?=\s)")
# A nickname in quotes or brackets between a first name and a surname: "Archie “Bix”
# Quarnby", "Margaret (Mims) Tollivan".
_NICKNAME = re.compile(
    rf" (?:\"[^\"\n]{{1,25}}\"|“[^”\n]{{1,25}}”|‘[^’\n]{{1,25}}’"
    rf"|'[^'\n]{{1,25}}'|\([{UPPER}][^)\n]{{0,24}}\)) ({CAP_WORD})(?![\w{APOSTROPHES}-])")
_POSSESSIVE_HEADS = ("College", "University", "Hospital", "School", "Church", "Academy",
                     "Books", "Bookshop", "Bookstore", "Shop", "Store", "Diner", "Cafe",
                     "Caf\u00e9", "Bakery", "Restaurant", "Pub", "Guild")
_POSSESSIVE_HEAD = re.compile(  # a quick look before the whole pattern below
    rf"[{APOSTROPHES}]s (?:\S+ )?(?:{'|'.join(_POSSESSIVE_HEADS)})")
_POSSESSIVE_INSTITUTION = re.compile(
    rf"(?<![\w{APOSTROPHES}-])(?:(?:St\.?|Saint) )?{CAP_WORD}[{APOSTROPHES}]s "
    rf"(?:{CAP_WORD} )?(?:{'|'.join(_POSSESSIVE_HEADS)})"
    rf"(?: (?:of|for) (?:the )?{_NAME_WORDS}| {CAP_WORD})?(?![\w{APOSTROPHES}])")
_AND = r",? (?:and|&) (?:the )?"
_PAIR_BEFORE = re.compile(rf"(?<![\w{APOSTROPHES}-])({_NAME_WORDS}) (?:and|&) $")
_WORDS_BEFORE = re.compile(rf"(?<![\w{APOSTROPHES}.-])((?:{CAP_WORD} ){{1,3}})$")
_WORDS_AFTER = re.compile(rf" ((?:{CAP_WORD})(?: {CAP_WORD}){{0,2}})(?![\w{APOSTROPHES}-])")
_JOINED = re.compile(rf"\b(?:{_HEADS}) (?:of|for) (?:the )?{_NAME_WORDS}"
                     rf"(?:, {_NAME_WORDS})*{_AND}{_NAME_WORDS}(?!\w| (?:of|for) )")
# A trade union's local: "Local 3" (the union or city that opens its name, "Teamsters
# Local 952", "New York Local 3", joins it in `_marked_organizations`).
_UNION_LOCAL = re.compile(rf"(?<![\w{APOSTROPHES}.-])Local \d+(?![\w{APOSTROPHES}-])")
# A company's stock exchange and ticker: "(NASDAQ:TXN)", "NYSE: IBM".
_EXCHANGES = ("NASDAQ", "Nasdaq", "NYSE", "AMEX", "TSX", "ASX", "LSE", "OTC")
_TICKER = re.compile(rf"\b({'|'.join(_EXCHANGES)}|TSXV|OTCQB|OTCQX) ?: ?"
                     r"([A-Z]{1,5}(?:\.[A-Z])?)(?![\w-])")
# A former employer: "an ex-Navy officer", "ex-Cadence CEO".
_FORMER_EMPLOYER = re.compile(rf"\b[Ee]x-({CAP_WORD})(?![\w{APOSTROPHES}-])")
# A university named with its campus: "University of Illinois at Chicago".
_CAMPUS = re.compile(rf"\bUniversity of {_NAME_WORDS} at ({_NAME_WORDS})(?![\w@])")
# A first name said to the person it names: at the head of a sentence, before a question or
# a request ("Mark, what made you...", "So, Will, tell me"), or closing one ("..., Mark?").
_ADDRESS_OPENING = re.compile(r"(?:^|[.!?:;\n\"\u201c]\s*)(?:(?:[A-Z]\w*,? ){1,2})?$")
_ADDRESS_AFTER = re.compile(
    r", (?:what|how|why|when|where|who|which|can|could|would|will|do|did|does|are|is|were|was"
    r"|have|has|tell|talk|walk|describe|thank|thanks|welcome|let|let's|you|you're|you've|your"
    r"|i'd|i'm|please|go ahead)\b")
_ADDRESS_CLOSING = re.compile(r"[?!.][\"'\u201d\u2019)]*(?:\s|$)")
_NOT_ADDRESSED = frozenset(("true", "sure", "fair", "right"))  # "True, you could argue..."
# The end of a sentence: not that of a title ("Dr. Quist").
_SENTENCE_END = re.compile(r"(\w+)[.!?][\"'\u201d\u2019)]*\s")
# A lower-case word just after or just before a name.
_LOWER_AFTER = re.compile(rf" ([{LOWER}]{{3,}})\b(?![{APOSTROPHES}-])")
_LOWER_BEFORE = re.compile(rf"(?<![\w{APOSTROPHES}-])([{LOWER}]{{3,}}) $")
# Words that describe a podcast rather than name it ("welcome to the weekly podcast").
_SHOW_WORDS = frozenset("new weekly daily monthly official latest first last next best our my "
                        "your this".split())


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str
    lower: str
    connector: bool


class ProperNameDetector:
    """Finds person, organization and place names by the rules in the module docstring."""

    def __init__(self, allow: frozenset[str]):
        self.allow = allow
        self.common = common_words()
        self.gaz: Gazetteer = gazetteer()
        self._phrase_list = [p for p in allow if " " in p]
        self._phrases = re.compile(
            rf"(?<![\w-])(?:{trie_pattern(self._phrase_list)})(?![\w-])", re.IGNORECASE)

    def allowed_phrases(self, text: str, lowered: str | None = None) -> Coverage:
        """Where `text` has a phrase of the allow-list ("Research taste", "World War II")."""
        phrases = Coverage()
        lowered = text.lower() if lowered is None else lowered
        if any(phrase in lowered for phrase in self._phrase_list):
            for m in self._phrases.finditer(text):
                phrases.add(m.start(), m.end())
        return phrases

    def find(self, text: str, covered: Coverage, vocabulary: set[str],
             runs: list[re.Match] | None = None) -> tuple[list[Span], list[Candidate]]:
        """Names and review candidates in `text` outside the `covered` ranges (`runs`: the
        text's runs of capitalized words, when already found)."""
        spans: list[Span] = []
        candidates: list[Candidate] = []
        lowered = text.lower()
        phrases = self.allowed_phrases(text, lowered)
        for run in RUN.finditer(text) if runs is None else runs:
            word = run.group()
            if " " not in word and word.lower() in EMPLOYERS and self._as_organization(
                    text, run, spans) and not covered.hits(run.start(), run.end()):
                spans.append(Span(run.start(), run.end(), "ORG", "proper_name", 0.6,
                                  normalize(word)))
                continue
            if " " not in word and self._addressed(text, run) and not covered.hits(
                    run.start(), run.end()):
                spans.append(Span(run.start(), run.end(), "PERSON", "proper_name", 0.8,
                                  normalize(word)))
                continue
            if " " not in word and self._plain(word.lower(), text, run.start(), vocabulary):
                continue
            for tokens in self._pieces(text, run, covered, phrases):
                self._settle(text, tokens, vocabulary, spans, candidates, dropping=False)
        if (" and " in text or " & " in text) and spans:
            _join_institutions(text, spans)
            _join_pairs(text, spans, lambda w: ordinary_word(w) or self.allowed(w.lower()))
        if " at " in text and "University of " in text:
            _join_campus(text, spans)
        _join_place_words(text, spans)
        if "Local " in text or "x-" in text or any(e in text for e in _EXCHANGES):
            self._marked_organizations(text, covered, spans)
        if _POSSESSIVE_HEAD.search(text):
            _join_possessive_institutions(text, spans)
        spans[:] = [self._lower_case_neighbour(text, s) for s in spans]
        _join_name_suffixes(text, spans)
        if any(cue in lowered for cue in _SHOW_CUES):
            self._shows(text, lowered, covered, spans, candidates)
        works = _works(text)
        spans[:] = [s for s in spans if not works.hits(s.start, s.end)]
        candidates[:] = [c for c in candidates if not works.hits(c.start, c.end)]
        return spans, candidates

    def _marked_organizations(self, text: str, covered: Coverage, spans: list[Span]) -> None:
        """Organizations that a number, a prefix or an exchange marks, though their words
        are ordinary or allowed: a union's local ("New York Local 3"), a former employer
        ("ex-Navy") and a listed company's ticker with its exchange ("NASDAQ:TXN")."""
        for m in _TICKER.finditer(text):
            for group in (1, 2):
                if not covered.hits(*m.span(group)):
                    _one_organization(text, spans, *m.span(group), 0.75)
        for m in _UNION_LOCAL.finditer(text) if "Local " in text else ():
            before = _WORDS_BEFORE.search(text, max(0, m.start() - 60), m.start())
            opening = before.group(1).split() if before else []
            if opening and starts_sentence(text, before.start()) and (
                    opening[0].lower() in self.common or ordinary_word(opening[0])) and (
                    " ".join(opening[:2]).lower() not in geography()):
                opening.pop(0)  # "Retired Teamsters Local 952", "Her Local 3"
            while opening and opening[0].lower() in ROLE_WORDS:
                opening.pop(0)
            start = m.start() - len(" ".join(opening)) - (1 if opening else 0)
            if not covered.hits(start, m.end()):
                _one_organization(text, spans, start, m.end(), 0.75)
        for m in _FORMER_EMPLOYER.finditer(text) if "x-" in text else ():
            lower = m.group(1).lower()
            if not (covered.hits(*m.span(1)) or self.allowed(lower) or lower in ROLE_WORDS
                    or lower.rstrip(".") in TITLES):
                _one_organization(text, spans, *m.span(1), 0.6)

    def _addressed(self, text: str, run: re.Match) -> bool:
        """Whether a first name, even one that is a word, is said to its bearer: "Mark, what
        made you...", "Okay, Will, tell me", "What made you choose it, Joy?"."""
        lower = run.group().lower()
        if not self._first_name(lower) or self.allowed(lower) or lower in _NOT_ADDRESSED:
            return False
        if _ADDRESS_AFTER.match(text, run.end()):
            return bool(_ADDRESS_OPENING.search(text, max(0, run.start() - 40), run.start()))
        return text[max(0, run.start() - 2):run.start()] == ", " and bool(
            _ADDRESS_CLOSING.match(text, run.end()))

    def _lower_case_neighbour(self, text: str, span: Span) -> Span:
        """A one-word name with the rest of a person's name beside it in lower case, as
        speech-to-text writes it: a first name before it ("nancy Redland"), or a surname
        English has no word for after a first name ("Ariana radowsky")."""
        if " " in text[span.start:span.end] or span.kind == "PLACE":
            return span
        if span.kind == "PERSON" and span.confidence >= 0.8 and (
                m := _LOWER_AFTER.match(text, span.end)):
            word = m.group(1)
            if word not in self.common and capital_share(word) is None:
                end = m.end()
                return replace(span, end=end, entity=normalize(text[span.start:end]))
        if m := _LOWER_BEFORE.search(text, max(0, span.start - 30), span.start):
            word = m.group(1)
            if word in self.gaz.first_names and name_word(word) and not ordinary_word(
                    text[span.start:span.end]):
                start = m.start(1)
                return replace(span, start=start, kind="PERSON",
                               confidence=max(span.confidence, 0.8),
                               entity=normalize(text[start:span.end]))
        return span

    def _shows(self, text: str, lowered: str, covered: Coverage, spans: list[Span],
               candidates: list[Candidate]) -> None:
        """Titles of shows and podcasts where a title goes, as organizations: whole, though
        their words are ordinary or in lower case, in place of the pieces the runs gave. A
        person's name there stays a person ("welcome to the Tavrin Nash podcast"), unless
        only guessed from a surname-like word ("the My Climate Journey podcast"), and so does
        a longer name that the title is part of."""
        found = [m.span(1) for m in _CUED_SHOW.finditer(text)]
        found += [m.span(1) for m in _NAMED_SHOW.finditer(text)]
        if "podcast" in lowered:
            found += [m.span(1) for m in _LOWER_SHOW.finditer(text)
                      if not any(w in self.common or w in _SHOW_WORDS
                                 for w in m.group(1).split())]
        for start, end in found:
            title = text[start:end]
            words = [w.lower() for w in title.split() if w[:1].isupper()]
            if covered.hits(start, end) or self._phrases.fullmatch(title) or (
                    words and all(self.allowed(w) for w in words)) or (
                    " " not in title and self._plain_title(title.lower())) or (
                    starts_sentence(text, start) and not text.endswith(tuple(_QUOTES), 0, start)
                    and all(w in self.common for w in words)):
                continue
            overlapping = [s for s in spans if s.start < end and start < s.end]
            if any(s.start < start or s.end > end or (s.kind == "PERSON" and s.confidence >= 0.8)
                   for s in overlapping):
                continue  # part of a longer name ("Y Combinator"), or a person's
            spans[:] = [s for s in spans if s not in overlapping]
            candidates[:] = [c for c in candidates if not (c.start < end and start < c.end)]
            spans.append(Span(start, end, "ORG", "proper_name", 0.75, normalize(title)))

    def _plain_title(self, lower: str) -> bool:
        """Whether a one-word title is a word that opens a sentence ("This episode", "In
        episode 71"), not a title."""
        return lower in self.common or lower in SMALL_WORDS or lower in _SHOW_WORDS

    def _as_organization(self, text: str, run: re.Match, spans: list[Span]) -> bool:
        """Whether a service the allow-list keeps as a tool ("a Zoom call") is named as
        an organization here ("I worked at GitHub", "Docker's founders", "all of GitHub")."""
        before = _words_before(text, run.start())
        after = _words_after(text, run.end())
        return (_employer_context(text, run.start(), spans)
                or _cue(before, after, text, run.end()) == "ORG"
                or text[run.end():run.end() + 2] in _POSSESSIVES
                or (before[-1:] == ["of"] and not starts_sentence(text, run.start())))

    def _pieces(self, text: str, run: re.Match, covered: Coverage, phrases: Coverage
                ) -> list[list[_Token]]:
        """The run cut at claimed text, at allowed words and phrases and at "of the" after
        a person's name ("Ines of the Halden team", "Ines Quist of the Halden Party"),
        trimmed of connectors. An institution's name stays whole: "New York Times",
        "Chinese Communist Party" and "College of the Arts" are names though "New York" and
        "Chinese" alone are allowed; so does an organization's where an employer goes ("a
        researcher at the Governance of AI Program")."""
        pieces: list[list[_Token]] = [[]]
        found = list(_PIECE.finditer(run.group()))
        lowers = [m.group().lower() for m in found]
        whole = _institution(lowers) or _names_a_title(text, run.start()) or (
            _called(_words_before(text, run.start()))) or (
            len(lowers) > 1 and lowers[-1] in ORG_SUFFIXES
            and _employer_context(text, run.start(), []))
        # Words [0, kept) stay one piece: all of them, or an institution that the run
        # opens with and that no other organization word follows ("Utah State University"
        # in "the Utah State University Aviation job fair").
        kept = len(found) if whole else next(
            (k for k in range(len(found) - 1, 1, -1)
             if lowers[k - 1] in _OPENING_INSTITUTIONS and _institution(lowers[:k])
             and not any(w in ORG_HEADS or w in ORG_SUFFIXES for w in lowers[k:])), 0)
        for i, m in enumerate(found):
            start, end = run.start() + m.start(), run.start() + m.end()
            word = m.group()
            lower = word.lower()
            # A particle that opens a run with a capital starts the name ("Del Close",
            # "Van Halen"); elsewhere it joins one ("Anouk van Berg").
            connector = lower in NAME_CONNECTORS and not (
                i == 0 and word[0].isupper() and lower not in ("of", "for", "&"))
            token = _Token(start, end, word, lower, connector or word == "the")
            if 0 < kept == i:
                pieces.append([])
            if covered.hits(start, end) or (
                    word == "the" and any(self._first_name(found[j].group().lower())
                                          for j in range(max(0, i - 3), i - 1))
            ) or i >= kept and (phrases.hits(start, end) or (
                    not token.connector and self.allowed(lower) and not (
                        self._first_name(lower) and i + 1 < len(found)
                        and not self.allowed(found[i + 1].group().lower()))
                    and not (i > 0 and lower in self.gaz.surnames  # "John Holland"
                             and self._forename(found[i - 1].group().lower()))
                    and not self._allowed_surname([f.group() for f in found], i))):
                pieces.append([])
            else:
                pieces[-1].append(token)
        result = []
        for piece in pieces:
            while piece and piece[0].connector:
                piece.pop(0)
            while piece and piece[-1].connector:
                piece.pop()
            if piece:
                result.append(piece)
        return result

    def _plain(self, lower: str, text: str, start: int, vocabulary: set[str]) -> bool:
        """A lone word that is surely not a name: allowed, or an ordinary word that starts a
        sentence (the common case, settled without building tokens)."""
        if lower in self.allow:
            return True
        return (lower in self.common or lower in vocabulary) and starts_sentence(text, start)

    def _plain_word(self, lower: str, vocabulary: set[str]) -> bool:
        """A word English or the corpus writes in lower case, even one that is also a
        surname ("cruise", "fleet"), but not a first name English writes with a capital
        ("Odile")."""
        return lower in self.common or ordinary_word(lower) or (
            lower in vocabulary and lower not in self.gaz.first_names)

    def _first_name(self, lower: str) -> bool:
        """A first name, even one that is also a word or a place ("Jordan", "Georgia")."""
        return lower in self.gaz.first_names or lower in self.gaz.ambiguous_first_names

    def _forename(self, lower: str) -> bool:
        """A word that can stand before a surname: a first name, or a rare word that is
        neither common nor allowed ("Tavrin Nash")."""
        return self._first_name(lower) or (lower not in self.common and not self.allowed(lower)
                                           and lower not in NAME_CONNECTORS)

    def keeps(self, text: str, start: int, end: int, spans: list[Span]) -> bool:
        """Whether the rules keep a run of capitalized words on purpose, wherever it stands:
        allowed words and titles ("Iterators", "Drs."), a town's state ("Fla."), ordinary
        words shouted in capitals ("CLICK HERE"), an event ("Quill Con"), the title of a work
        ("the album New Gold Harbor"), letters after a name (`spans`: "Lisa Quist, RMR"), a
        pronoun ("That's why")."""
        lower = text[start:end].lower()
        words = [w for w in lower.split() if w not in SMALL_WORDS]
        return lower in PRONOUNS or all(
            self.allowed(w) or w.rstrip(".") in TITLES for w in words) or (
            _town_state(text, start, end)) or _shouted(text[start:end].split(), self.common) or (
            bool(words) and words[-1] in EVENT_WORDS) or _works(text).hits(start, end) or (
            _ACRONYM.fullmatch(text[start:end]) is not None
            and _credential(text, start, end, spans, self.allow))

    def allowed(self, lower: str) -> bool:
        """An allowed word, its plural, or a compound of allowed words ("us-china")."""
        if lower in self.allow or (lower.endswith("s") and lower[:-1] in self.allow
                                   and lower not in self.gaz.first_names):
            return True  # "Carlos" is no plural
        parts = lower.split("-")
        return len(parts) > 1 and all(part and self.allowed(part) for part in parts)

    def _ordinary(self, token: _Token, vocabulary: set[str], by_form: bool = False) -> bool:
        """A common word, one used in lower case in the corpus (an acronym only when common:
        "iusd" in a file name does not make "IUSD" a word), or (`by_form`, for a word whose
        capital says nothing) one with an ending names rarely have ("Interestingly")."""
        lower = token.lower
        if lower in self.gaz.first_names or lower in self.gaz.surnames:
            return False  # in lower case elsewhere, it is the name misspelled ("ines quarnby")
        used = () if token.text.isupper() and len(lower) > 1 else vocabulary
        one = singular(lower)
        return (lower in self.common or lower in used
                or (one is not None and (one in self.common or one in used))
                or (by_form and lower.endswith(NON_NAME_ENDINGS)
                    and lower not in self.gaz.first_names and lower not in self.gaz.surnames))

    def _settle(self, text: str, tokens: list[_Token], vocabulary: set[str],
                spans: list[Span], candidates: list[Candidate], dropping: bool) -> None:
        """Classify one piece; a sentence's ordinary first words ("So", "Early Days At")
        are dropped first, but not the words an institution's name needs ("The Center for
        Open Minds", "The Daily Tribune")."""
        while tokens and (tokens[0].connector or (
                (dropping or starts_sentence(text, tokens[0].start))
                and self._ordinary(tokens[0], vocabulary, by_form=True)
                and not self._needed(tokens) and not self._full_name(tokens, vocabulary))):
            tokens, dropping = tokens[1:], True
        titled = False
        while tokens and tokens[0].lower.rstrip(".") in TITLES:
            titled = True
            tokens = tokens[1:]
        if titled and tokens and tokens[0].connector:
            return  # a post, not a title: "Professor of Astronomy"
        words = [t for t in tokens if not t.connector and not _is_initial(t.text)]
        if not words or all(w.lower in PRONOUNS for w in words):
            return
        if words[-1].lower in EVENT_WORDS:
            # An event or a prize names no one, but the organization that holds it may:
            # "the NWSU Championships", "a Quillport Association of Realtors Expo".
            host = self._trim(tokens[:-1], vocabulary)
            if host and (_institution([t.lower for t in host]) or (
                    len(host) == 1 and _ACRONYM.fullmatch(host[0].text))):
                self._settle(text, host, vocabulary, spans, candidates, dropping=False)
            return
        if len(words) > 1 and words[-1] is tokens[-1] and words[-1].lower in ROLE_WORDS and all(
                _ACRONYM.fullmatch(w.text) for w in words[:-1]):
            # "QSU Provost", "NQB Director": the employer's letters, then a post
            start, end = tokens[0].start, words[-2].end
            spans.append(Span(start, end, "ORG", "proper_name", 0.6, normalize(text[start:end])))
            return
        kind, confidence, reason = self._classify(text, tokens, words, titled, vocabulary, spans)
        if reason == "loose run":
            core = self._trim(tokens, vocabulary)
            if core != tokens:
                self._settle(text, core, vocabulary, spans, candidates, dropping=False)
                return
            reason = ""
        start, end = tokens[0].start, tokens[-1].end
        if kind and confidence:
            entity = normalize(text[start:end])
            spans.append(Span(start, end, kind, "proper_name", confidence, entity))
        elif kind:
            candidates.append(Candidate(start, end, kind, reason))

    @staticmethod
    def _needed(tokens: list[_Token]) -> bool:
        """Whether the first word is one without which the rest is no institution ("The
        Daily Tribune", "City of Gary", "New York Times") or company ("Park Seed Co.")."""
        if len(tokens) >= 2 and tokens[-1].lower.rstrip(".") in ORG_SUFFIXES and (
                tokens[0].lower not in SMALL_WORDS and not any(t.connector for t in tokens)):
            return True  # "Park Seed Co." is all its words, not "Members of the X Party"
        return _org_head(tokens[:2]) or (
            tokens[0].lower not in SMALL_WORDS and _institution([t.lower for t in tokens])
            and (not _institution([t.lower for t in tokens[1:]])
                 or f"{tokens[0].lower} {tokens[1].lower}" in geography()))

    def _full_name(self, tokens: list[_Token], vocabulary: set[str]) -> bool:
        """Whether the piece is a first name and a surname, with a middle name between or
        not, though the first name is also a word: a known surname ("Ken Gallagher", "Guy
        Tavrin Nash") or a word English writes only as a name, with particles before it or
        not ("Bill Quarnby", "Bill de Quarnby")."""
        named = [t for t in tokens if not t.connector]
        if len(named) not in (2, 3) or named[0] is not tokens[0] or any(
                t.lower in ("of", "for", "&", "the") for t in tokens) or not self._first_name(
                tokens[0].lower) or any(t.lower in self.common for t in named[1:-1]):
            return False
        last = named[-1]
        return last.lower in self.gaz.surnames or (
            last.text[1:].islower() and name_word(last.text) and last.lower not in self.common
            and last.lower not in vocabulary and not self.allowed(last.lower)
            and last.lower.rstrip(".") not in ORG_SUFFIXES and last.lower not in geography())

    def _allowed_surname(self, words: list[str], i: int) -> bool:
        """Whether the allowed word `words[i]` is the surname of the first name before it in
        a run of two ("Tobin August", "Tobin Welsh", "Ines Slack"), and no place name."""
        if i != 1 or len(words) != 2:
            return False
        first, word = words[0].lower(), words[1]
        return (first in self.gaz.first_names and first not in self.common
                and not self.allowed(first) and word[:1].isupper() and word[1:].islower()
                and word.lower() not in geography())

    def _trim(self, tokens: list[_Token], vocabulary: set[str]) -> list[_Token]:
        """The run without ordinary words or connectors at either end."""
        def loose(token: _Token) -> bool:
            return token.connector or self._ordinary(token, vocabulary)

        start, end = 0, len(tokens)
        while start < end and loose(tokens[start]):
            start += 1
        while end > start and loose(tokens[end - 1]):
            end -= 1
        return tokens[start:end]

    def _classify(self, text: str, tokens: list[_Token], words: list[_Token], titled: bool,
                  vocabulary: set[str], spans: list[Span]) -> tuple[str, float, str]:
        """(kind, confidence, reason): confidence 0 means a review candidate of that kind,
        an empty kind means not a name."""
        gaz = self.gaz
        lowers = [w.lower for w in words]
        ordinary = [self._ordinary(w, vocabulary, by_form=len(words) > 1) for w in words]
        initial = starts_sentence(text, tokens[0].start)
        before = _words_before(text, tokens[0].start)
        after = _words_after(text, tokens[-1].end)
        if titled or (before and before[-1].rstrip(".") in TITLES):
            return "PERSON", 0.95, ""
        if lowers[-1] in ROLE_WORDS and _post(text, tokens) and (len(words) == 1 or (
                not self._first_name(lowers[0]) and not _institution([t.lower for t in tokens])
                and all(ordinary[i] or (not w.text.isupper()
                                        and self._plain_word(w.lower, vocabulary))
                        for i, w in enumerate(words[:-1])))):
            # "the Dean of the Faculty", "Cruise Director": a post; not "Art Dean", "QSU
            # Provost" or "QU Office of the President"
            return "", 0, ""
        if len(tokens) == 1 and _town_state(text, tokens[0].start, tokens[0].end):
            return "", 0, ""  # "Brooklyn, NY.", "Tampa, Fla.": a town's state, not "Joe, AL"
        if _shouted([w.text for w in words], self.common):
            return "", 0, ""  # "THIS COPY MAY NOT BE IN ITS FINAL FORM"
        if len(words) == 1 and _ACRONYM.fullmatch(words[0].text) and _credential(
                text, tokens[0].start, tokens[0].end, spans, self.allow):
            return "", 0, ""  # "Lisa Quist, RMR, CRR": letters after a name
        if len(words) >= 2 and not all(ordinary):
            if lowers[0] in PROJECT_WORDS and not ordinary[1]:
                return "PROJECT", 0.85, ""
            if lowers[-1].rstrip(".") in ORG_SUFFIXES or _org_head(tokens):
                return "ORG", 0.9, ""
        elif len(words) >= 2 and (lowers[-1].rstrip(".") in ORG_SUFFIXES or _org_head(tokens)):
            if _institution([t.lower for t in tokens]) or (
                    _coordinated_kind(text, tokens[0].start, spans) == "ORG") or (
                    _described(after) in ORG_NOUNS) or _called(before) or (
                    not initial and _employer_context(text, tokens[0].start, spans)):
                return "ORG", 0.6, ""  # "interning at The Beach House Studios"
            if _place_words_before(text, tokens[0].start) or _defines_acronym(
                    text, tokens[0].start, tokens[-1].end):
                return "ORG", 0.6, ""  # "the American Geophysical Union", "the Group (TG)"
            return "ORG", 0, "organization named in ordinary words"
        letters = tokens[0].text.replace(".", "")
        if _INITIALS_BEFORE_NAME.fullmatch(tokens[0].text) and len(tokens) == 2 and not (
                ordinary[-1] or lowers[-1] in ORG_SUFFIXES or letters.lower() in self.allow
                or letters in state_codes()):
            return "PERSON", 0.8, ""  # "J.B. Ellerby", "K. Osei"; not "U.S. Steel"
        first = lowers[0]
        cue = _cue(before, after, text, tokens[-1].end)
        if all(ordinary):
            if len(words) == 1 and cue == "PERSON" and not initial and (
                    first in gaz.first_names or first in gaz.ambiguous_first_names):
                return "PERSON", 0.75, ""
            # Ordinary words with capitals mid-sentence where an employer goes, or named
            # as one: "I worked at Hugging Face", "Teespring and Spring", "a startup called
            # Open Door".
            if not initial and (len(words) > 1 or first not in DEPARTMENTS) and (
                    _employer_context(text, tokens[0].start, spans)
                    or _names_a_title(text, tokens[0].start) or _called(before)):
                return "ORG", 0.6, ""
            if (len(words) == 1 and not initial and self._first_name(first)
                    and _coordinated_kind(text, tokens[0].start, spans) == "PERSON"):
                return "PERSON", 0.7, ""  # "Joe and Bill"
            return "", 0, ""
        strong_first = first in gaz.first_names and not ordinary[0]
        weak_first = first in gaz.ambiguous_first_names or (
            first in gaz.first_names and ordinary[0])
        if len(words) >= 2 and first in geography() and all(ordinary[1:]):
            return "ORG", 0.6, ""  # "he coached at Nevada Evening": no person
        if len(words) >= 2:
            if strong_first or (weak_first and not ordinary[1]):
                return "PERSON", 0.9, ""
            if lowers[-1] in gaz.surnames and not any(ordinary):
                return "PERSON", 0.8, ""
        elif strong_first:
            return "PERSON", 0.8 if initial else 0.85, ""
        if cue:
            return cue, 0.75, ""
        coordinated = _coordinated_kind(text, tokens[0].start, spans)
        if coordinated:
            return coordinated, 0.7, ""
        if len(words) >= 2:
            if any(w in gaz.surnames or w in gaz.first_names for w in lowers):
                return "PERSON", 0.7, ""
            # Mid-sentence, the whole run is the name ("the Open Philanthropy Project");
            # at a sentence start its ordinary ends may be the sentence's own words.
            loose = initial and not _institution([t.lower for t in tokens])
            return "ORG", 0.6, "loose run" if loose else ""
        word = words[0].text
        if weak_first:
            return "PERSON", 0, "first name that is also a word"
        if _ACRONYM.fullmatch(word):
            if _initials_label(text, word, tokens[-1].end) and not self.allowed(first) and (
                    first not in self.common):
                return "PERSON", 0.7, ""  # "... from Everledger. LK: Good, good."
            if text[tokens[-1].end:tokens[-1].end + 2] in _POSSESSIVES:
                return "ORG", 0.65, ""  # "KVQ's new program"
            if not word.endswith("s") and _ACRONYM_BEFORE.search(
                    text, max(0, tokens[0].start - 10), tokens[0].start) and (
                    _ACRONYM_AFTER.match(text, tokens[-1].end)):
                return "ORG", 0.6, ""  # "the ACLU, ...", "I went to UCLA."
            if _CALL_SIGN.fullmatch(word) and _BROADCASTING.search(
                    text, max(0, tokens[0].start - 2000), tokens[-1].end + 2000):
                return "ORG", 0.6, ""  # "the WDRC opening": a station's call letters
            return "ORG", 0, "acronym"
        if _speaker_label(text, tokens[0].start, tokens[-1].end,
                          first in gaz.first_names) and not any(
                self._ordinary(w, vocabulary, by_form=True) for w in words) and (
                not ordinary_word(first) or self._first_name(first) or first in gaz.surnames):
            return "PERSON", 0.7, ""  # "Baker:", but not "Keywords:" line after line
        if ordinary_word(first):
            return "", 0, ""  # "Hell, yeah", "Cash App": English writes them in lower case
        if _CAMEL.fullmatch(word):
            return "ORG", 0.6, ""  # "DeepWidget", "WidgetAI": how brands are written
        if initial and first not in gaz.surnames:
            if word.isalpha() and len(word) > 3 and capital_share(word) is None:
                return "PERSON", 0.6, ""  # "Wiedner will soon add": a word English lacks
            return "", 0, ""
        surname = first in gaz.surnames or first in gaz.first_names
        if text[tokens[-1].end:tokens[-1].end + 2] in _POSSESSIVES and not initial:
            return ("PERSON" if surname else "ORG"), 0.65, ""
        if not initial and name_word(first):
            return ("PERSON" if surname else "ORG"), 0.6, ""  # "Gallagher", "Quillfeather"
        if first in gaz.surnames:
            return "PERSON", 0, "surname-like word"
        if _SURNAME_PREFIX.match(word):
            return "PERSON", 0.7, ""
        if any(c.isupper() for c in word[1:]):
            return "ORG", 0.6, ""  # "IHeart", "DeLuca": a capital inside, as brands have
        return "PERSON", 0, "rare capitalized word"


def _post(text: str, tokens: list[_Token]) -> bool:
    """Whether a run that ends in a role word names a post, not a person: other words open
    it ("Associate Dean"), "of" follows it, or an article or a rank comes before it ("the
    Dean of the Faculty", "a Provost", "Vice Provost")."""
    return len(tokens) > 1 or text.startswith(" of ", tokens[-1].end) or bool(
        _POST_BEFORE.search(text, max(0, tokens[0].start - 10), tokens[0].start))


@lru_cache(maxsize=4)
def _works(text: str) -> Coverage:
    """Where titles of books, films, albums and games stand in `text` (kept for the text's
    runs that are weighed one by one); not one that opens with a first name, which may be
    the person who did something with the work ("the book Ines Quarnby wrote")."""
    works = Coverage()
    first_names = gazetteer().first_names
    for m in _WORK_TITLE.finditer(text) if any(work in text for work in _WORKS) else ():
        if m.group(1).split()[0].lower() not in first_names:
            works.add(*m.span(1))
    return works


def _one_organization(text: str, spans: list[Span], start: int, end: int,
                      confidence: float) -> None:
    """One organization over [start, end), in place of the spans its words were taken for."""
    spans[:] = [s for s in spans if not (s.start < end and start < s.end)]
    spans.append(Span(start, end, "ORG", "proper_name", confidence,
                      normalize(text[start:end])))


def _join_institutions(text: str, spans: list[Span]) -> None:
    """Extend an organization found up to "and" or a comma over the rest of its name (see
    _JOINED), when the rest is made of ordinary words: not "University of Halden and Tobias"."""
    for m in _JOINED.finditer(text):
        head = [s for s in spans if s.kind == "ORG" and s.start <= m.start() < s.end < m.end()]
        joined = re.split(rf"{_AND}|, ", text[head[0].end:m.end()])[1:] if head else []
        if joined and all(ordinary_word(w.lower()) for part in joined for w in part.split()):
            _one_organization(text, spans, head[0].start, m.end(), head[0].confidence)


def _join_campus(text: str, spans: list[Span]) -> None:
    """Extend a university found up to "at" over its campus ("University of Texas at
    Arlington"), in place of whatever the campus's name was taken for."""
    for m in _CAMPUS.finditer(text):
        head = [s for s in spans
                if s.kind == "ORG" and s.start <= m.start() < s.end == m.start(1) - 4]
        if head:
            _one_organization(text, spans, head[0].start, m.end(1), head[0].confidence)


def _join_name_suffixes(text: str, spans: list[Span]) -> None:
    """Extend a person's name over what completes it after: "Jr." or "Sr." ("Tavrin Nash,
    Jr."), the initial of a surname after a first name alone ("Frank J."), and a nickname
    in quotes with the surname after it ("John “Bix” Quarnby")."""
    def completion(span: Span) -> re.Match | None:
        name = text[span.start:span.end]
        if (m := _NAME_SUFFIX.match(text, span.end)) and not (m.group(1) and " " in name):
            return m
        if " " not in name and (m := _NICKNAME.match(text, span.end)) and (
                m.group(1).lower() not in common_words()):
            return m
        return None

    grown, tails = [], []
    for span in spans:
        if span.kind == "PERSON" and (m := completion(span)):
            tails.append((span.end, m.end()))
            span = replace(span, end=m.end(), entity=normalize(text[span.start:m.end()]))
        grown.append(span)
    # What the completion was taken for on its own ("Jr" or the surname alone) gives way.
    spans[:] = [s for s in grown if not any(a <= s.start and s.end <= b for a, b in tails)]


def _join_possessive_institutions(text: str, spans: list[Span]) -> None:
    """One organization, in place of the names its words were taken for, where a possessive
    opens the name of an institution or a shop: "King's College London", "St Mary's
    Hospital", "Odile's Hat Shop"; not where it closes one ("Halden State University's
    College of Veterinary Medicine")."""
    for m in _POSSESSIVE_INSTITUTION.finditer(text):
        if not any(s.kind == "ORG" and s.start < m.start() < s.end for s in spans):
            _one_organization(text, spans, m.start(), m.end(), 0.9)


def _place_words_before(text: str, start: int) -> int:
    """How many characters of place or people words ("New York", "American") end just
    before `start`, with the space after them; 0 if none."""
    if m := _WORDS_BEFORE.search(text, max(0, start - 50), start):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            lower = " ".join(words[-n:]).lower()
            if lower in geography() or lower in LANGUAGES_AND_PEOPLES:
                return len(" ".join(words[-n:])) + 1
    return 0


def _join_place_words(text: str, spans: list[Span]) -> None:
    """Extend an organization over the place or people words that open its name and the
    place that ends it, which the allow-list keeps when they stand alone: "American Eagle",
    "Oregon State University", "KPMG Australia"; and a one-word person over the place that
    follows it, a surname or the rest of an organization ("Sierra Nevada", "Beth Israel")."""
    for i, span in enumerate(spans):
        person = span.kind == "PERSON" and " " not in text[span.start:span.end]
        if span.kind != "ORG" and not person:
            continue
        start = span.start - (0 if person else _place_words_before(text, span.start))
        end = span.end
        if m := _WORDS_AFTER.match(text, end):
            words = m.group(1).split()
            for n in range(len(words), 0, -1):
                if " ".join(words[:n]).lower() in geography():
                    end += len(" ".join(words[:n])) + 1
                    break
        if (start, end) != (span.start, span.end):
            spans[i] = replace(span, start=start, end=end, entity=normalize(text[start:end]))


def _join_pairs(text: str, spans: list[Span], plain: Callable[[str], bool]) -> None:
    """Extend an organization named by its last word over the `plain` words (ordinary or
    allowed) joined to it by "and" before it, in place of what they were taken for: "the
    Science and Technology Museum", "Bread and Puppet Theater", "Food and Agriculture
    Organization"; not "Tobias and Halden University"."""
    for span in list(spans):
        last = text[span.start:span.end].split()[-1].lower().rstrip(".")
        if span.kind != "ORG" or (last not in INSTITUTION_WORDS and last not in ORG_SUFFIXES) or (
                not any(s is span for s in spans)):
            continue
        m = _PAIR_BEFORE.search(text, max(0, span.start - 60), span.start)
        if m and all(plain(w) for w in m.group(1).split()):
            start = m.start(1)
            joined = replace(span, start=start, entity=normalize(text[start:span.end]))
            spans[:] = [joined if s is span else s for s in spans
                        if s is span or not (s.start < span.start and start < s.end)]


def singular(word: str) -> str | None:
    """The singular of a regular English plural ("processes", "teams"), or None."""
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return None


def _speaker_label(text: str, start: int, end: int, first_name: bool) -> bool:
    """Whether words open a line before a colon as a speaker's name does where the parser
    left the label in the text ("Tobi: yes"): a first name, or a label that opens another
    line too (not "Summary:" once)."""
    if not ((start == 0 or text[start - 1] == "\n") and text[end:end + 1] == ":"):
        return False
    label = f"{text[start:end]}:"
    return first_name or text.count(f"\n{label}") + text.startswith(label) >= 2


def initials(words: list[str], small_words: bool = False) -> str:
    """An organization's acronym from its name ("Center for Open Minds" -> "COM", or "CFOM"
    with its `small_words`): the initials of its capitalized words, when it has two or more
    and no acronym of its own."""
    capitalized = [w for w in words if w[:1].isupper() and w.lower() not in NAME_CONNECTORS]
    if len(capitalized) < 2 or any(w.isupper() and len(w) > 1 for w in capitalized):
        return ""
    return "".join(w[0].upper() for w in (words if small_words else capitalized))


def _defines_acronym(text: str, start: int, end: int) -> bool:
    """Whether the name is followed by its own acronym in brackets, with or without its
    small words: "English Tourist Board (ETB)", "History of Geology Group (HOGG)"."""
    m = _ACRONYM_DEFINED.match(text, end)
    if not m:
        return False
    words = text[start:end].split()
    return m.group(1) in (initials(words), initials(words, small_words=True))


def _initials_label(text: str, word: str, end: int) -> bool:
    """Whether an acronym of two or three capitals is a speaker's initials used as a label:
    "ST:" twice or more in running text (a web page that lost the line breaks), or "ST -"
    opening two lines or more."""
    if len(word) > 3:
        return False
    if text[end:end + 1] == ":":
        return text.count(f"{word}:") >= 2
    dashed = re.compile(rf"^{word} [-\u2013\u2014] ", re.MULTILINE)
    return bool(dashed.match(text, end - len(word))) and len(dashed.findall(text)) >= 2


def _employer_context(text: str, start: int, spans: list[Span]) -> bool:
    """Whether the words before `start` are where an employer's name goes ("worked at X",
    "founder of X", "Teespring and X"): strong enough to make a name of ordinary words. A
    comma alone is not ("on Apple, Thanks so much")."""
    before = _words_before(text, start)
    if not before:
        return False
    return (before[-1] in ORG_WHEN_ORDINARY or tuple(before[-2:]) in ORG_BEFORE_PAIRS
            or (len(before) >= 2 and before[-1] == "of" and before[-2] in FOUNDERS)
            or _coordinated_kind(text, start, spans, comma=False) == "ORG"
            or _affiliation(text, start, spans))


def _affiliation(text: str, start: int, spans: list[Span]) -> bool:
    """Whether a person's full name and "of the" come just before `start` ("Alison Quist of
    the Politics of Food"), as a person's organization is given in news and show notes."""
    if not spans or text[max(0, start - 8):start] != " of the ":
        return False
    person = spans[-1]
    return (person.kind == "PERSON" and person.end == start - 8
            and " " in text[person.start:person.end])


def _follows(before: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether the words before a name end with one of `phrases`."""
    return any(tuple(before[-len(p):]) == p for p in phrases)


def _names_a_title(text: str, start: int) -> bool:
    """Whether the words before `start` introduce the title of a show or a venue ("welcome to
    X", "this is X", "host of X"), which may be made of ordinary words ("Breaking Banks")."""
    return not starts_sentence(text, start) and _follows(_words_before(text, start),
                                                         TITLE_BEFORE)


def _institution(lowers: list[str]) -> bool:
    """Whether a run of words (lower case) names an institution by its own words: two words
    or more ending in, or headed by, an institution word ("Halcyon Party", "Institute for
    Advanced Study"), and not a role ("Head of Research")."""
    words = [w.rstrip(".") for w in lowers if w not in NAME_CONNECTORS]
    if len(words) < 2 or lowers[0] in ROLE_WORDS:
        return False
    return words[-1] in INSTITUTION_WORDS or any(
        a in INSTITUTION_WORDS and b in ("of", "for")
        for a, b in zip(lowers, lowers[1:], strict=False)) or any(
        a in GOVERNMENT_UNITS and b == "of" and c in PORTFOLIOS
        for a, b, c in zip(lowers, lowers[1:], lowers[2:], strict=False))


def _org_head(tokens: list[_Token]) -> bool:
    """An organization word followed by "of" or "for" ("Institute of Machine Ethics")."""
    return any(a.lower in ORG_HEADS and b.lower in ("of", "for")
               for a, b in zip(tokens, tokens[1:], strict=False))


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word.endswith(".")


def _words_before(text: str, start: int, count: int = 3) -> list[str]:
    """The words just before `start` in its line and sentence, without articles."""
    window = text[max(0, start - 40):start]
    if "\n" in window:
        window = window[window.rindex("\n") + 1:]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)
            if m.group(1).lower() not in TITLES]
    if ends:
        window = window[ends[-1]:]
    words = [w.lower() for w in _WORD.findall(window)]
    while words and words[-1] in ("the", "a", "an"):
        words.pop()
    return words[-count:]


def _words_after(text: str, end: int, count: int = 2) -> list[str]:
    window = text[end:end + 30]
    if "\n" in window:
        window = window[:window.index("\n")]
    return [w.lower() for w in _WORD.findall(window)[:count]]


def _cue(before: list[str], after: list[str], text: str, end: int) -> str:
    """The kind the surrounding words give a name, or ''."""
    last = before[-1] if before else ""
    pair = tuple(before[-2:])
    if _called(before):
        return "ORG"  # "a startup called X"
    if last in ("called", "named") and len(before) >= 2:
        if before[-2] in PERSON_NOUNS or before[-2] in ("guy", "woman", "man"):
            return "PERSON"
    if len(before) >= 2 and last in ("like", "including") or pair == ("such", "as"):
        noun = before[-2] if last != "as" else (before[-3] if len(before) >= 3 else "")
        if noun in ORG_NOUNS:
            return "ORG"
        if noun in PERSON_NOUNS:
            return "PERSON"
    described = _described(after)
    if (last in PERSON_BEFORE or (after and after[0] in PERSON_AFTER)
            or after[:2] == ["and", "i"] or described in PERSON_NOUNS
            or _follows(before, SELF_INTRODUCTIONS)):
        return "PERSON"
    if len(before) >= 2 and before[-2] in PLACE_VERBS and last in PLACE_BEFORE:
        return "PLACE"
    if (last in ORG_BEFORE or pair in ORG_BEFORE_PAIRS or (after and after[0] in ORG_AFTER)
            or described in ORG_NOUNS or (last == "of" and pair[0] in FOUNDERS)):
        return "ORG"
    if last == "in" and text[end:end + 1] not in APOSTROPHES:
        return "PLACE"
    return ""


def _described(after: list[str]) -> str:
    """The noun a name is described by in apposition ("X, a startup"), or ''."""
    return after[1] if len(after) == 2 and after[0] in ("a", "an") else ""


def _called(before: list[str]) -> bool:
    """Whether the words before a name say an organization is named ("a nonprofit called
    X", "a place called X")."""
    return len(before) >= 2 and before[-1] in ("called", "named") and (
        before[-2] in ORG_NOUNS or before[-2] == "place")


def _shouted(words: list[str], common: frozenset[str]) -> bool:
    """Whether words in capitals are ordinary English shouted ("RUSH TRANSCRIPT", "CHECK
    IT"), not an acronym's letters ("USC MSW", "NH PBS")."""
    return len(words) >= 2 and all(w.isupper() and (
        w.lower() in SMALL_WORDS or w.lower() in common or (len(w) > 3 and ordinary_word(w)))
        for w in words)


def _town_state(text: str, start: int, end: int) -> bool:
    """Whether a word is the state of the town before it, as a postal code or as newspapers
    shorten it ("Brooklyn, NY.", "Tampa, Fla."), not a name ("Joe, AL and Bill")."""
    word = text[start:end]
    state = word in state_codes() or (word in _STATE_ABBREVIATIONS and text[end:end + 1] == ".")
    return state and bool(_TOWN_BEFORE.search(text, max(0, start - 40), start)
                          and _STATE_AFTER.match(text, end))


def _credential(text: str, start: int, end: int, spans: list[Span], allow: frozenset[str]
                ) -> bool:
    """Whether an acronym is one of the letters after a person's name, degrees and
    certifications in a comma-separated list of two or more ("Lisa Quist, RMR, CRR",
    "Ann Reyes, BSN, RN"), not the one acronym of an employer ("Ann Reyes, NWSU")."""
    person = next((s for s in reversed(spans) if s.end <= start), None)
    if person is None or person.kind != "PERSON":
        return False
    m = _CREDENTIALS.match(text, person.end)
    if not m or not (m.start(1) <= start and end <= m.end()):
        return False
    letters = m.group().strip(", ").split(", ")
    return len(letters) >= 2 or letters[0].lower() in allow


def _coordinated_kind(text: str, start: int, spans: list[Span], comma: bool = True) -> str:
    """The kind of a name just before, joined by "and", "or" or "&" ("Ines and X"), or
    (`comma`) by a comma alone ("Zentrova, X")."""
    if not spans:
        return ""
    previous = spans[-1]
    joined = BETWEEN_NAMES if comma else _AND_BETWEEN_NAMES
    return previous.kind if joined.fullmatch(text, previous.end, start) else ""
