"""Identifiers with a shape: emails, URLs, phone numbers, @handles and street addresses."""

from __future__ import annotations

import re

from qualcode.anonymize.lexicon import STREET_SUFFIXES
from qualcode.anonymize.spans import Coverage, Span
from qualcode.anonymize.text import LOWER, UPPER

_TLDS = ("com|org|net|edu|gov|io|ai|co|uk|us|de|fr|nl|ca|au|eu|ch|se|no|dk|fi|es|it|pl|be|at|"
         "jp|cn|in|info|dev|app|xyz|me|tech|org\\.uk|ac\\.uk|co\\.uk")

# Emails, URLs and street addresses are searched for only near the characters they cannot
# do without ("@", "www.", ".org", "Street"), found first by quick literal searches; phone
# numbers and handles open with a character class, which the regex engine skips to quickly.
EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]++(?:@|\s?\[at\]\s?|\s?\(at\)\s?)[\w-]+"
    r"(?:(?:\.|\s?\[dot\]\s?)[\w-]+)*(?:\.|\s?\[dot\]\s?)[A-Za-z]{2,}\b"
)
_EMAIL_SIGN = re.compile(r"@|\[at\]|\(at\)")
URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"')\]]+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9-]++\.)+(?:{_TLDS})(?:/[^\s<>\"')\]]*)?(?![\w@-])"
)
_URL_SIGN = re.compile(rf"https?://|HTTPS?://|www\.|WWW\.|\.(?:{_TLDS})(?![A-Za-z0-9-])")
HANDLE = re.compile(r"@(?<![\w@.]@)[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
PHONE = re.compile(
    r"[+(\d](?<![\w+][+(\d])"
    r"(?:(?<=\+)(?:\d{8,14}|\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{2,8}){0,4})"
    r"|(?<=\()\d{1,5}\)[ .-]?\d{2,5}(?:[ .-]\d{2,8}){1,4}"
    r"|(?<=\d)\d{1,4}(?:[ .-]\d{2,8}){1,4})"
    r"(?![\w-])"
)
_STREET = "|".join(STREET_SUFFIXES)
ADDRESS = re.compile(
    rf"(?<!\w)\d{{1,5}}[A-Za-z]?,?[ \t]+(?:[{UPPER}][{LOWER}]+[ \t]+){{1,3}}(?:{_STREET})\b\.?"
    rf"|(?<!\w)(?:[{UPPER}][{LOWER}]+[ \t]+){{1,2}}(?:{_STREET})[ \t]+\d{{1,5}}[a-z]?\b"
)
_STREET_SIGN = re.compile(rf"(?:{_STREET})\b")
_TRAILING = ".,;:!?"
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d\s?[-\u2013]\s?(?:(?:19|20)?\d\d)")
_YEARS = re.compile(r"(?:(?:19|20)\d\d[\s,.-]+)+(?:19|20)\d\d")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def find_patterns(text: str) -> list[Span]:
    """Every email, URL, @handle, phone number and street address in `text`."""
    spans: list[Span] = []
    taken = Coverage()

    def add(start: int, end: int, kind: str) -> None:
        if not taken.hits(start, end):
            taken.add(start, end)
            spans.append(Span(start, end, kind, "pattern", 1.0, kind))

    for m in _near(text, _EMAIL_SIGN, EMAIL, 80, 120, taken):
        add(m.start(), m.end(), "EMAIL")
    for m in _near(text, _URL_SIGN, URL, 100, 300, taken):
        end = m.end()
        while end > m.start() and text[end - 1] in _TRAILING:
            end -= 1
        add(m.start(), end, "URL")
    for m in HANDLE.finditer(text):
        add(m.start(), m.end(), "HANDLE")
    for m in PHONE.finditer(text):
        if _is_phone(m.group()):
            add(m.start(), m.end(), "PHONE")
    for m in _near(text, _STREET_SIGN, ADDRESS, 80, 20, taken):
        add(m.start(), m.end(), "ADDRESS")
    spans.sort(key=lambda s: s.start)
    return spans


def _near(text: str, sign: re.Pattern, pattern: re.Pattern, back: int, ahead: int,
          taken: Coverage) -> list[re.Match]:
    """Matches of `pattern` that contain a match of `sign`, searched for only in a window
    around each sign outside `taken` (look-behinds still see the text before the window)."""
    found: dict[int, re.Match] = {}
    for s in sign.finditer(text):
        if taken.hits(s.start(), s.end()):
            continue
        end = min(len(text), s.end() + ahead)
        for m in pattern.finditer(text, max(0, s.start() - back), end):
            if m.start() <= s.start() and s.end() <= m.end() and (
                    m.end() < end or end == len(text)):
                found.setdefault(m.start(), m)
    return [found[start] for start in sorted(found)]


def _is_phone(candidate: str) -> bool:
    """Digit groups that read as a phone number, not a date, a year range or a count."""
    digits = sum(c.isdigit() for c in candidate)
    if any(p.fullmatch(candidate) for p in (_YEAR_RANGE, _DATE, _YEARS)):
        return False
    if candidate.startswith("+") or "(" in candidate:
        return 7 <= digits <= 15
    return 10 <= digits <= 15 or bool(re.fullmatch(r"\d{3}[.-]\d{4}", candidate))
