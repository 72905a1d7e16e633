"""Recall and precision of the anonymization detectors on a labelled test set.

The test set is a folder of transcripts in which every identifying mention is marked
`[[surface|category]]` (see tests/data/anonymize/README.md), plus `roster.yaml`. The marks
are stripped, the detectors run over all transcripts as one import would, and each gold
mention counts as caught when every word of it that could identify anyone (everything but
titles, connectors and organization words such as "Institute") lies inside a replacement.
A replacement counts as correct when it overlaps a gold mention.

    python benchmarks/anonymize_eval.py                       # the bundled test set
    python benchmarks/anonymize_eval.py --data DIR --errors   # another set; list the misses

Any folder marked up the same way can be evaluated, e.g. published interview text that
someone else has labelled. By default the detectors read each file's text as it is. With
`--as-import` each file goes the way `qualcode import` takes it: the parser splits it into
speaker turns, a label that names someone gives way to a role or pseudonym (a gold mention
inside it counts as caught), and the speakers' names are searched for in the text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.anonymize import Anonymizer, Detector, load_roster
from qualcode.anonymize.detector import Detection
from qualcode.anonymize.lexicon import NAME_CONNECTORS, ORG_SUFFIXES, TITLES
from qualcode.anonymize.spans import Span
from qualcode.parsers import Turn, parse_bytes

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "tests" / "data" / "anonymize"
MARK = re.compile(r"\[\[([^\[\]|]+)\|([a-z-]+)\]\]")  # may span a line break
# Words of a name that say nothing about who or what it is: what is left of "Simon and
# Garfunkel" or "Manning, Maxwell and Moore" once the names in it are replaced.
NEUTRAL = ORG_SUFFIXES | NAME_CONNECTORS | TITLES | {
    "the", "a", "an", "and", "or", "in", "at", "on", "by", "&", "+", "-", "'s", "\u2019s"}
POSSESSIVE = re.compile(r"['\u2019]s$")
TARGETS = {  # category group -> (recall target, precision target or None)
    "roster names, exact form": (1.0, None),
    "roster misspellings": (0.97, None),
    "unknown persons and orgs": (0.90, 0.85),
    "emails, URLs, phones, handles": (1.0, None),
}
# What finds the names no roster lists: the rules and the learned second look, and on import
# the speakers' labels and their names in the text.
UNKNOWN_NAME_DETECTORS = ("proper_name", "learned", "speaker label", "speaker")
GROUPS = {
    "roster names, exact form": ("roster-person", "roster-org", "roster-place",
                                 "roster-project"),
    "roster misspellings": ("typo-person", "typo-org", "typo-project"),
    "unknown persons and orgs": ("person", "org"),
    "emails, URLs, phones, handles": ("email", "url", "phone", "handle"),
}


@dataclass
class Gold:
    start: int
    end: int
    category: str


def parse(marked: str) -> tuple[str, list[Gold]]:
    """The plain text and the gold mentions of a marked-up transcript."""
    parts, gold, position, cursor = [], [], 0, 0
    for m in MARK.finditer(marked):
        parts.append(marked[cursor:m.start()])
        position += m.start() - cursor
        surface = m.group(1)
        gold.append(Gold(position, position + len(surface), m.group(2)))
        parts.append(surface)
        position += len(surface)
        cursor = m.end()
    parts.append(marked[cursor:])
    return "".join(parts), gold


def detect_as_imported(texts: list[str], files: list[Path], anonymizer: Anonymizer
                       ) -> list[Detection]:
    """What an import replaces in each text, at offsets into the text: the parser's turns go
    through the anonymizer as one batch; a speaker label it replaces counts as a span."""
    transcripts = [parse_bytes(text.encode("utf-8"), f"{path.stem}.txt").turns
                   for text, path in zip(texts, files, strict=True)]
    joined, detections = anonymizer.detect_batch(transcripts)
    results = []
    for text, turns, batch_text, detection in zip(texts, transcripts, joined, detections,
                                                  strict=True):
        where = TurnMap(text, turns)
        spans = [replace(s, start=where.position(s.start), end=where.position(s.end, end=True))
                 for s in detection.spans]
        spans += [Span(a, b, "PERSON", "speaker label", 1.0, label)
                  for a, b, label in where.labels if anonymizer.replaces_speaker(label)]
        candidates = [replace(c, start=where.position(c.start),
                              end=where.position(c.end, end=True))
                      for c in detection.candidates]
        assert len(batch_text) == where.length
        results.append(Detection(spans, candidates))
    return results


class TurnMap:
    """Where the text of the turns that the parser read from a file lies in the file's text.
    The anonymizer sees the turns joined by a blank line; each line of a turn is a stripped
    line of the file, its first one without the speaker label."""

    def __init__(self, text: str, turns: list[Turn]):
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.pieces: list[tuple[int, int, int]] = []  # (in joined text, in file, length)
        self.labels: list[tuple[int, int, str]] = []  # a speaker label's place in the file
        offset = 0
        for turn in turns:
            cursor = line_starts[turn.line - 1]
            first = True
            for line in turn.text.split("\n"):
                if line:
                    at = text.find(line, cursor)
                    if at < 0:
                        raise ValueError(f"turn text not found in the file: {line[:40]!r}")
                    if first and turn.speaker:
                        label = text.find(turn.speaker.strip(), cursor, at)
                        if label >= 0:
                            self.labels.append((label, label + len(turn.speaker.strip()),
                                                turn.speaker))
                    self.pieces.append((offset, at, len(line)))
                    cursor = at + len(line)
                    first = False
                offset += len(line) + 1
            offset += len("\n\n") - 1
        self.length = offset - 2 if turns else 0

    def position(self, joined: int, end: bool = False) -> int:
        """The file offset of an offset into the joined turns (`end`: of a span's end)."""
        for start, at, length in self.pieces:
            if start <= joined < start + length or (end and start < joined <= start + length):
                return at + joined - start
        raise ValueError(f"offset {joined} is between turns")


def identifying_words(text: str, g: Gold) -> list[tuple[int, int]]:
    """Where the words of a mention are that must be replaced for it to count as caught: all
    but neutral words, and without a possessive ending ("Trader Joe's" is caught when the
    replacement reads "[ORG_1]'s")."""
    words = [(g.start + m.start(), g.start + m.end())
             for m in re.finditer(r"[\w'\u2019.@+()/:-]+", text[g.start:g.end])]
    words = [(a, b - 2) if POSSESSIVE.search(text, a, b) and b - a > 2 else (a, b)
             for a, b in words]
    return [(a, b) for a, b in words if text[a:b].lower().strip(".") not in NEUTRAL] or words


def covered(a: int, b: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= a and b <= e for s, e in ranges)


def evaluate(data: Path, roster: Path | None, show_errors: bool, typos: int = 0,
             as_import: bool = False) -> dict:
    files = sorted(p for p in (data / "gold").iterdir() if p.is_file())
    parsed = [parse(p.read_text(encoding="utf-8")) for p in files]
    texts = [text for text, _ in parsed]
    loaded = load_roster(roster) if roster else None
    started = time.perf_counter()
    if as_import:
        detections = detect_as_imported(texts, files, Anonymizer(roster=loaded,
                                                                 allow=codebook_words()))
    else:
        detections = Detector(loaded, allow=codebook_words()).detect_all(texts)
    seconds = time.perf_counter() - started

    caught, queued, total = Counter(), Counter(), Counter()
    by_kind, by_detector = defaultdict(Counter), defaultdict(Counter)
    errors = []
    for path, (text, gold), detection in zip(files, parsed, detections, strict=True):
        spans = [(s.start, s.end) for s in detection.spans]
        queue = [(c.start, c.end) for c in detection.candidates]
        for g in gold:
            total[g.category] += 1
            words = identifying_words(text, g)
            if all(covered(a, b, spans) for a, b in words):
                caught[g.category] += 1
            else:
                in_queue = all(covered(a, b, spans + queue) for a, b in words)
                queued[g.category] += in_queue
                errors.append((path.name, "queued" if in_queue else "missed", g.category,
                               text[g.start:g.end], context(text, g.start, g.end)))
        for s in detection.spans:
            hit = any(s.start < g.end and g.start < s.end for g in gold)
            for table, key in ((by_kind, s.kind), (by_detector, s.detector)):
                table[key]["tp" if hit else "fp"] += 1
            if not hit:
                errors.append((path.name, "false positive", f"{s.kind}/{s.detector}",
                               text[s.start:s.end], context(text, s.start, s.end)))

    words = sum(len(t.split()) for t in texts)
    report = {
        "files": len(files), "words": words, "seconds": round(seconds, 3),
        "recall": {c: {"gold": total[c], "caught": caught[c], "queued": queued[c],
                       "recall": ratio(caught[c], total[c])} for c in sorted(total)},
        "precision_by_kind": {k: {**v, "precision": ratio(v["tp"], v["tp"] + v["fp"])}
                              for k, v in sorted(by_kind.items())},
        "precision_by_detector": {k: {**v, "precision": ratio(v["tp"], v["tp"] + v["fp"])}
                                  for k, v in sorted(by_detector.items())},
        "targets": {},
    }
    for group, categories in GROUPS.items():
        n = sum(total[c] for c in categories)
        if not n:
            continue
        recall = ratio(sum(caught[c] for c in categories), n)
        recall_target, precision_target = TARGETS[group]
        row = {"recall": recall, "recall_target": recall_target,
               "met": recall is not None and recall >= recall_target}
        if precision_target is not None:
            unknown = sum((by_detector[d] for d in UNKNOWN_NAME_DETECTORS), Counter())
            precision = ratio(unknown["tp"], unknown["tp"] + unknown["fp"])
            row.update(precision=precision, precision_target=precision_target,
                       met=row["met"] and precision is not None and precision >= precision_target)
        report["targets"][group] = row
    if show_errors:
        report["errors"] = errors
    if roster is not None and typos:
        report["misspellings"] = misspellings(roster, typos)
        rows = [r for k, r in report["misspellings"].items() if k in TYPO_TARGET_ROWS]
        recall = ratio(sum(r["caught"] for r in rows), sum(r["variants"] for r in rows))
        report["targets"]["generated misspellings"] = {
            "recall": recall, "recall_target": 0.97, "met": recall is not None and recall >= 0.97}
    return report


def misspellings(roster_path: Path, per_name: int, seed: int = 7) -> dict:
    """Recall on roster names misspelled at random by one and by two edits (substitution,
    insertion, deletion or a swap of neighbours), each in a sentence of its own, by the
    length of the name. Variants that are themselves English words or first names are
    counted apart: the fuzzy matcher leaves those alone on purpose."""
    import random

    from qualcode.anonymize.gazetteer import gazetteer
    from qualcode.anonymize.lexicon import common_words
    from qualcode.anonymize.roster import surfaces

    rng = random.Random(seed)
    roster = load_roster(roster_path)
    names = sorted({s.text for s in surfaces(roster) if s.form in ("full", "first", "last")
                    and " " not in s.text and "." not in s.text and len(s.text) >= 4})
    words = common_words() | gazetteer().first_names
    variants: list[tuple[str, int, str]] = []  # (variant, edits, group)
    for name in names:
        band = "4 letters" if len(name) == 4 else "5 letters" if len(name) == 5 else "6+ letters"
        for edits in (1, 2):
            made: set[str] = set()
            for _ in range(per_name * 20):
                if len(made) == per_name:
                    break
                variant = name
                for _ in range(edits):
                    variant = _edit(variant, rng)
                if variant.lower() != name.lower() and variant not in made:
                    made.add(variant)
                    group = "real word" if variant.lower() in words else band
                    variants.append((variant, edits, group))
    sentences = [f"Yesterday I spoke with {v} about the new plan." for v, _, _ in variants]
    detections = Detector(roster, allow=codebook_words()).detect_all(sentences)
    rows: dict[str, dict] = {}
    for (variant, edits, group), detection in zip(variants, detections, strict=True):
        key = f"{edits} edit{'s' if edits > 1 else ''}, {group}"
        row = rows.setdefault(key, {"variants": 0, "caught": 0})
        row["variants"] += 1
        row["caught"] += any(s.start <= 23 and s.end >= 23 + len(variant)
                             for s in detection.spans)
    for row in rows.values():
        row["recall"] = ratio(row["caught"], row["variants"])
    return dict(sorted(rows.items()))


# Generated misspellings the target applies to: one edit in a name of four letters or more,
# two in a name of six or more (two edits in "Dana" leave half of it: "Dya" is no misspelling).
TYPO_TARGET_ROWS = ("1 edit, 4 letters", "1 edit, 5 letters", "1 edit, 6+ letters",
                    "2 edits, 6+ letters")


def _edit(word: str, rng) -> str:
    """`word` with one random edit, capitalized as names are (Ambrose-Delgado)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = word.lower()
    i = rng.randrange(len(word))
    op = rng.choice(("substitute", "insert", "delete", "swap"))
    if op == "substitute":
        new = word[:i] + rng.choice(letters) + word[i + 1:]
    elif op == "insert":
        new = word[:i] + rng.choice(letters) + word[i:]
    elif op == "delete" and len(word) > 3:
        new = word[:i] + word[i + 1:]
    elif i + 1 < len(word):
        new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    else:
        new = word
    return "-".join(part[:1].upper() + part[1:] for part in new.split("-"))


def codebook_words() -> list[str]:
    """The default codebook's labels: words anonymization must keep."""
    from qualcode.codebook import default_codebook_path, load_codebook

    codebook = load_codebook(default_codebook_path())
    return [code.label for code in codebook.codes] + [g.label for g in codebook.groups]


def context(text: str, start: int, end: int, width: int = 40) -> str:
    return (text[max(0, start - width):start] + "<<" + text[start:end] + ">>"
            + text[end:end + width]).replace("\n", " ")


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def print_report(report: dict) -> None:
    print(f"{report['files']} transcripts, {report['words']} words, "
          f"detection {report['seconds']} s\n")
    print(f"{'category':<16}{'gold':>6}{'caught':>8}{'queued':>8}{'recall':>9}")
    for category, row in report["recall"].items():
        print(f"{category:<16}{row['gold']:>6}{row['caught']:>8}{row['queued']:>8}"
              f"{percent(row['recall']):>9}")
    for title, key in (("kind", "precision_by_kind"), ("detector", "precision_by_detector")):
        print(f"\n{'replaced, by ' + title:<24}{'right':>7}{'wrong':>7}{'precision':>11}")
        for name, row in report[key].items():
            right, wrong = row.get("tp", 0), row.get("fp", 0)
            print(f"{name:<24}{right:>7}{wrong:>7}{percent(row['precision']):>11}")
    if "misspellings" in report:
        print(f"\n{'generated misspellings':<26}{'variants':>9}{'caught':>8}{'recall':>9}")
        for key, row in report["misspellings"].items():
            print(f"{key:<26}{row['variants']:>9}{row['caught']:>8}{percent(row['recall']):>9}"
                  + ("" if key in TYPO_TARGET_ROWS else "  (no target)"))
    print("\ntargets")
    for group, row in report["targets"].items():
        line = f"  {group:<32} recall {percent(row['recall'])} (>= {percent(row['recall_target'])})"
        if "precision" in row:
            line += (f", precision {percent(row['precision'])} "
                     f"(>= {percent(row['precision_target'])})")
        print(line + ("  met" if row["met"] else "  NOT MET"))
    for file, what, category, surface, around in report.get("errors", []):
        print(f"{file}: {what} [{category}] {surface!r}: {around}")


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder with gold/ and roster.yaml (default: the bundled set)")
    parser.add_argument("--roster", type=Path, help="roster file (default: DATA/roster.yaml)")
    parser.add_argument("--errors", action="store_true", help="list misses and false positives")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--typos", type=int, default=20, metavar="N",
                        help="also test N random one-edit and N two-edit misspellings of "
                        "each roster name (default 20; 0 skips)")
    parser.add_argument("--as-import", action="store_true",
                        help="read each file as `qualcode import` does: speaker turns, "
                        "speaker labels replaced, speakers' names searched for")
    args = parser.parse_args(argv)
    roster = args.roster or (args.data / "roster.yaml")
    report = evaluate(args.data, roster if roster.is_file() else None, args.errors, args.typos,
                      as_import=args.as_import)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)
    return 0 if all(row["met"] for row in report["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
