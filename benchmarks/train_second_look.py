"""Fit the weights of the learned second look (src/qualcode/anonymize/second_look.json).

Each DATA folder is a labelled set as `anonymize_eval.py` reads it. The rules run over every
set as an import would, without the learned detector. Each capitalized run they leave is a
training example for the model of kept runs, each word they queue for review one for the
model of queued words; an example is a positive when it overlaps a marked person or
organization. The report scores each set with models fitted on the others (leave one set
out), so its figures are what the models do on text they have not seen (a row's runs are
replaced at that threshold; kept runs between --review and --threshold go to the review
queue, queued words below --queued-threshold stay there):

    python benchmarks/train_second_look.py --data SET1 --data SET2 ...           # report
    python benchmarks/train_second_look.py --data SET1 ... --write               # and save

Words either side of a run become features only when at least --min-count training runs
have them: the model learns "at X" and "X is", not the fragments of one text.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from anonymize_eval import codebook_words, detect_as_imported, parse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from qualcode.anonymize import DETECTORS, Anonymizer
from qualcode.anonymize.names import RUN
from qualcode.anonymize.second_look import Model, SecondLook, leftovers, queued_words
from qualcode.anonymize.text import lowercase_vocabulary, unwrap, without_underscores

OUT = Path(__file__).resolve().parent.parent / "src/qualcode/anonymize/second_look.json"
_CONTEXT = ("word before=", "word after=")


@dataclass
class Example:
    data: str
    features: dict[str, float]
    name: bool  # overlaps a marked person or organization
    marked: bool  # overlaps any mark (a place too: replacing it is no false positive)


def examples(data: Path) -> tuple[list[Example], list[Example]]:
    """The kept runs and the queued words of one labelled set, as examples."""
    files = sorted(p for p in (data / "gold").iterdir() if p.is_file())
    parsed = [parse(p.read_text(encoding="utf-8")) for p in files]
    texts = [without_underscores(unwrap(text)) for text, _ in parsed]
    rules = Anonymizer(allow=codebook_words(), detectors=[d for d in DETECTORS if d != "learned"])
    detections = detect_as_imported([text for text, _ in parsed], files, rules)
    runs = [list(RUN.finditer(text)) for text in texts]
    vocabulary = lowercase_vocabulary(texts)
    candidates = [d.candidates for d in detections]
    kept = leftovers(texts, runs, [d.spans for d in detections], candidates, vocabulary,
                     rules.detector.names)
    queued = queued_words(texts, runs, [d.spans for d in detections], candidates, vocabulary,
                          rules.detector.names)

    def as_examples(per_text: list) -> list[Example]:
        result = []
        for (_, gold), text_found in zip(parsed, per_text, strict=True):
            for found in text_found:
                hits = [g.category for g in gold if g.start < found.end and found.start < g.end]
                result.append(Example(data.name, found.features,
                                      any(c in ("person", "org") for c in hits), bool(hits)))
        return result

    return as_examples(kept), as_examples(queued)


def fit(train: list[Example], c: float, min_count: int) -> Model:
    seen = Counter(k for e in train for k in e.features if k.startswith(_CONTEXT))
    kept = [{k: v for k, v in e.features.items()
             if not k.startswith(_CONTEXT) or seen[k] >= min_count} for e in train]
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(kept)
    model = LogisticRegression(C=c, max_iter=5000).fit(x, [e.name for e in train])
    weights = {k: round(float(w), 4) for k, w in zip(vectorizer.feature_names_, model.coef_[0],
                                                      strict=True) if abs(w) >= 1e-4}
    return Model(round(float(model.intercept_[0]), 4), weights, 0.0, 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--threshold", type=float, default=0.35,
                        help="a kept run scoring at least this is replaced")
    parser.add_argument("--review", type=float, default=0.25,
                        help="a kept run scoring at least this, below --threshold, is queued "
                        "for review")
    parser.add_argument("--queued-threshold", type=float, default=0.5,
                        help="a queued word scoring at least this is replaced")
    parser.add_argument("--c", type=float, default=0.3, help="inverse regularization")
    parser.add_argument("--min-count", type=int, default=10)
    parser.add_argument("--write", action="store_true", help=f"save the model to {OUT}")
    args = parser.parse_args(argv)

    per_folder = [examples(folder) for folder in args.data]
    kept = [e for found, _ in per_folder for e in found]
    queued = [e for _, found in per_folder for e in found]
    for what, data in (("kept runs", kept), ("queued words", queued)):
        report(what, data, args)
    if args.write:
        look = SecondLook(
            replace(fit(kept, args.c, args.min_count), threshold=args.threshold,
                    review=args.review),
            replace(fit(queued, args.c, args.min_count), threshold=args.queued_threshold))
        OUT.write_text(look.to_json() + "\n", encoding="utf-8")
        print(f"wrote {OUT} ({len(look.kept.weights)} + {len(look.queued.weights)} weights, "
              f"thresholds {args.threshold} and {args.queued_threshold}, "
              f"review from {args.review})")
    return 0


def report(what: str, data: list[Example], args: argparse.Namespace) -> None:
    """Leave-one-set-out figures of the model for one kind of example."""
    scored = []
    for held_out in sorted({e.data for e in data}):
        model = fit([e for e in data if e.data != held_out], args.c, args.min_count)
        scored += [(model.score(e.features), e) for e in data if e.data == held_out]
    print(f"{len(data)} {what}, {sum(e.name for e in data)} of them persons or "
          f"organizations; leave one set out of {len(args.data)}:")
    print(f"{'threshold':>10}{'replaced':>10}{'names':>8}{'places':>8}{'wrong':>8}")
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7):
        picked = [e for score, e in scored if score >= threshold]
        names = sum(e.name for e in picked)
        places = sum(e.marked and not e.name for e in picked)
        print(f"{threshold:>10}{len(picked):>10}{names:>8}{places:>8}"
              f"{len(picked) - names - places:>8}")


if __name__ == "__main__":
    raise SystemExit(main())
