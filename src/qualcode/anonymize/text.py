"""Character classes and small text helpers shared by the detectors.

Python's `re` has no \\p{Lu}, so the upper- and lower-case letter classes are built once from
the Latin, Greek and Cyrillic blocks, which covers the names a Latin-script transcript spells.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from qualcode.anonymize.casing import capital_share, name_word


def _char_class(predicate) -> str:
    chars = [chr(c) for c in range(0x41, 0x530) if predicate(chr(c))]
    chars += [chr(c) for c in range(0x1E00, 0x1F00) if predicate(chr(c))]
    return "".join(re.escape(c) for c in chars)


UPPER = _char_class(str.isupper)
LOWER = _char_class(str.islower)
APOSTROPHES = "'\u2019"

# A capitalized word: Title-case (with inner hyphens or apostrophes: Jean-Luc, O'Neill,
# L'erin, D'arcy), CamelCase (McAllister, DeepWidget, WidgetAI, RocketX; not SaaS or IoT),
# an acronym run into a word (FPInnovations, JBKnowledge; not FPGAs), an acronym of two or
# more capitals (NWL, NGOs) or one with an ampersand (AT&T, S&P), or a brand that opens
# with one lower-case letter (eBay, iHeartRadio).
CAP_WORD = (
    rf"(?:(?:(?:[{UPPER}][{APOSTROPHES}])?[{UPPER}][{LOWER}]+|[DLO][{APOSTROPHES}][{LOWER}]{{2,}})"
    rf"(?:-[{UPPER}]?[{LOWER}]+|[{APOSTROPHES}][{UPPER}][{LOWER}]+|[{UPPER}][{LOWER}]+)*"
    rf"(?:[{UPPER}]{{2,}}(?![{LOWER}])|(?<=[{LOWER}]{{3}})[{UPPER}](?![{UPPER}{LOWER}]))?"
    rf"|[{UPPER}]{{2,}}(?=[{UPPER}][{LOWER}]{{2}})[{UPPER}][{LOWER}]+(?:[{UPPER}][{LOWER}]+)*"
    rf"|[{UPPER}]{{1,3}}&[{UPPER}]{{1,3}}(?![\w&])"
    rf"|[{UPPER}]{{2,}}(?:-(?:[{UPPER}]{{2,}}|[{UPPER}][{LOWER}]+)(?![\w-]))*(?:s\b)?"
    rf"|[{LOWER}][{UPPER}][{LOWER}]+(?:[{UPPER}][{LOWER}]+)*)"
)

# Characters after which the next word starts a sentence (or a quote, list item, label).
_SENTENCE_BREAK = set(".!?:;\"\u201c\u201d\u2018\n*#>\u2022\u2013\u2014-|")


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence, so its capital letter says nothing."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_BREAK


@lru_cache(maxsize=1 << 16)
def normalize(surface: str) -> str:
    """The form under which two mentions count as the same name: case-folded, accents and
    dots removed, possessive dropped, spaces collapsed ("Dr. Zoë O'Neill's" ~ "zoe o'neill")."""
    decomposed = unicodedata.normalize("NFKD", surface)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("\u2019", "'").replace(".", " ")
    plain = re.sub(r"'s?$", "", plain.strip())
    return " ".join(plain.casefold().split())


def lowercase_vocabulary(texts) -> set[str]:
    """The words that `texts` use in lower case: a capitalized word whose lower-case form is
    used elsewhere in the corpus is an ordinary word, not a name. Not so for a word English
    does not know: a coined or rare name that a caption writes in lower case ("tavrin") is
    still a name. Nor for a word English writes with a capital (see casing.name_word) that
    the corpus, too, mostly capitalizes in mid-sentence, more than twice as often as not:
    "marriott hotel" in one caption does not make "Marriott" a word."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for text in texts:
        lower.update(_LOWER_WORD.findall(text))
        capital.update(w.lower() for w in _MID_SENTENCE_CAPITAL.findall(text))
    return {word for word, n in lower.items()
            if not name_word(word) or capital_share(word) is not None and 2 * n >= capital[word]}


# Not a file's or a site's name ("lauren.jpg", "shovels.dev"): that is no ordinary use.
_LOWER_WORD = re.compile(rf"(?<![\w{APOSTROPHES}./])[{LOWER}][{LOWER}]+(?![\w{APOSTROPHES}]|\.\w)")
_MID_SENTENCE_CAPITAL = re.compile(
    rf"(?<=[{LOWER},] )[{UPPER}][{LOWER}]+(?![\w{APOSTROPHES}]|\.\w)")


# A line that opens with markup, a number or a timestamp, or with a speaker's label.
_LINE_OPENS_BLOCK = re.compile(
    r"[\s*#>|\-\u2022\u2013\u2014\[\d]|[^\s:]{1,25}(?: [^\s:]{1,25}){0,3}:\s")
_WRAPPED_LINE = 40  # a line at least this long that runs on is part of a wrapped paragraph


def unwrap(text: str) -> str:
    """`text` with the line breaks of hard-wrapped paragraphs turned into spaces, so that a
    name broken across lines ("the Technical\\nUniversity of Munich") reads as one. The length
    is unchanged, so positions in the result are positions in `text`. A break stays where the
    next line opens a block (a list item, a heading, a timestamp, a speaker's label) or where
    the line before is short (a heading, a label on its own line)."""
    if "\n" not in text:
        return text
    pieces, line_start = [], 0
    i = text.find("\n")
    while i >= 0:
        if (i - line_start >= _WRAPPED_LINE and text[line_start] not in "#|"
                and i + 1 < len(text) and not _LINE_OPENS_BLOCK.match(text, i + 1)):
            pieces.append(f"{text[line_start:i]} ")
        else:
            pieces.append(text[line_start:i + 1])
        line_start = i + 1
        i = text.find("\n", line_start)
    pieces.append(text[line_start:])
    return "".join(pieces)


def without_underscores(text: str) -> str:
    """`text` with its underscores turned into spaces, for finding names: markdown's emphasis
    ("_Halvard Quist_") and file names ("mara_dunst.mp3") join a name to its neighbours.
    Emails, URLs and handles keep theirs: they are found in `text` before. The length is
    unchanged."""
    return text.replace("_", " ")
