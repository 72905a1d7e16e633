"""One regular expression for many literal strings, shaped as a trie.

A plain alternation `a|b|c|...` makes the regex engine try every alternative at every
position; the trie shares prefixes, so the engine rejects a position after one or two
characters whatever the number of strings. This is what keeps a fifty-name roster, and the
project's table of detected names, at the speed of a single pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""


def trie_pattern(strings: Iterable[str]) -> str:
    """A regex source matching exactly the given strings, longest alternative first."""
    trie: dict = {}
    for s in strings:
        if not s:
            continue
        node = trie
        for char in s:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _node_pattern(trie) if trie else "(?!)"


def _node_pattern(node: dict) -> str:
    ends = _END in node
    branches = [re.escape(char) + _node_pattern(child)
                for char, child in sorted(node.items()) if char != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{body})?"
    return body
