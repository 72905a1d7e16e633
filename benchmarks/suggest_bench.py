"""Suggestion speed on a synthetic project: full retrain time and per-segment latency.

    python benchmarks/suggest_bench.py [--segments 5000] [--no-baseline]

Builds a throwaway project with the default codebook and N coded participant segments
(synthetic text: English function words, made-up filler words, and per code its keywords
plus made-up words only its coders use), then times:

* training from scratch (features and cold-start scores of every participant turn, every
  classifier and its calibration); a full retrain, which reuses those as the coder app does
  between codings (best of three); and a retrain in a new process, as `qualcode suggest`
  after new codings, which reads them from the project's cache folder;
* `Suggester.suggest` on segments it has not seen (cold start + learned model + reasons),
  median and 95th percentile, next to cold start alone;
* the baseline, run in the same process: scikit-learn's TfidfVectorizer (the same word and
  character n-grams) and one LogisticRegression per code, uncalibrated.

Targets: full retrain under 2 s, one segment's suggestions under 20 ms at the 95th percentile.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS

from qualcode.codebook import default_codebook_path, project_codebook
from qualcode.project import init_project
from qualcode.store import Project, now
from qualcode.suggest import Suggester
from qualcode.suggest.cache import train_if_enough
from qualcode.suggest.data import labeled_examples
from qualcode.suggest.suggester import forget_models

CODER = "bench"
SEGMENTS_PER_TRANSCRIPT = 50
SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


class Corpus:
    """Deterministic synthetic interview text for a codebook's codes."""

    def __init__(self, code_keywords: dict[str, list[str]], seed: int):
        self.rng = random.Random(seed)
        self.codes = list(code_keywords)
        self.keywords = code_keywords
        self.stop = sorted(STOP_WORDS)
        self.filler = [self._word() for _ in range(3000)]
        self.filler_cumulative = list(np.cumsum([1 / (i + 1) for i in range(len(self.filler))]))
        self.own = {c: [self._word() for _ in range(30)] for c in self.codes}
        self.code_weights = [1 / (i % 7 + 1) for i in range(len(self.codes))]

    def _word(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(1, 4)))

    def segment(self) -> tuple[str, list[str]]:
        """(text, codes) of one participant turn."""
        rng = self.rng
        codes = [] if rng.random() < 0.15 else sorted(set(
            rng.choices(self.codes, self.code_weights, k=rng.randint(1, 3))))
        words = []
        for _ in range(int(min(400, max(12, rng.lognormvariate(4.3, 0.6))))):
            draw = rng.random()
            if codes and draw < 0.08:
                code = rng.choice(codes)
                pool = self.keywords[code] if rng.random() < 0.3 else self.own[code]
                words.append(rng.choice(pool))
            elif draw < 0.5:
                words.append(rng.choice(self.stop))
            else:
                words.append(rng.choices(self.filler, cum_weights=self.filler_cumulative)[0])
        sentences = [" ".join(words[i:i + 15]) for i in range(0, len(words), 15)]
        return ". ".join(s[:1].upper() + s[1:] for s in sentences) + ".", codes


def build_project(folder: Path, n_segments: int, corpus: Corpus) -> Project:
    """A project with `n_segments` coded participant turns (and as many interviewer turns),
    written straight into the store in bulk."""
    project = init_project(folder, default_codebook_path()).project
    version = project.codebook_version
    n_transcripts = -(-n_segments // SEGMENTS_PER_TRANSCRIPT)
    segment_id = 0
    with project.transaction():
        for t in range(n_transcripts):
            tid = f"bench-{t:03d}"
            segments, codings, reviews, text = [], [], [], ""
            count = min(SEGMENTS_PER_TRANSCRIPT, n_segments - t * SEGMENTS_PER_TRANSCRIPT)
            for _ in range(count):
                for role, (said, codes) in (("interviewer", ("And what happened then?", [])),
                                            ("participant", corpus.segment())):
                    segment_id += 1
                    start = len(text)
                    text += said + "\n\n"
                    segments.append({
                        "id": segment_id, "transcript_id": tid, "ordinal": len(segments) + 1,
                        "turn": len(segments) + 1, "part": 1, "speaker": role, "role": role,
                        "text": said, "char_start": start, "char_end": start + len(said),
                        "timestamp": None})
                    if role == "participant":
                        reviews.append({"segment_id": segment_id, "coder": CODER,
                                        "reviewed_at": now()})
                        codings.extend({
                            "segment_id": segment_id, "code_id": code, "coder": CODER,
                            "provenance": "imported", "codebook_version": version,
                            "created_at": now()} for code in codes)
            project.db["transcripts"].insert({
                "id": tid, "title": tid, "source_name": f"{tid}.txt",
                "source_hash": hashlib.sha256(text.encode()).hexdigest(), "format": "text",
                "encoding": "utf-8", "text": text, "attributes": "{}", "anonymized": 1,
                "imported_at": now()})
            project.db["segments"].insert_all(segments)
            project.db["codings"].insert_all(codings)
            project.db["reviews"].insert_all(reviews)
        project.log("bench.build", {"segments": n_segments}, coder=CODER)
    return project


def timed(function, *args):
    """(result, wall seconds, CPU seconds of the whole process, all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def latencies(function, texts: list[str]) -> tuple[float, float]:
    """(median, 95th percentile) in milliseconds of function(text) over texts."""
    times = []
    for text in texts:
        start = time.perf_counter()
        function(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), float(np.percentile(times, 95))


def baseline_train(texts: list[str], labels: np.ndarray) -> None:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    x = sparse.hstack([
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(texts),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                        sublinear_tf=True).fit_transform(texts)], format="csr")
    for column in labels.T:
        if 0 < column.sum() < len(column):
            LogisticRegression(solver="liblinear", class_weight="balanced").fit(x, column)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bench"
        probe = init_project(Path(tmp) / "probe", default_codebook_path())
        codebook = probe.codebook
        probe.project.close()
        corpus = Corpus({c.id: c.keywords or [c.label.lower()] for c in codebook.codes},
                        args.seed)
        project, build_s, _ = timed(build_project, folder, args.segments, corpus)
        unseen = [corpus.segment()[0] for _ in range(300)]
        codebook = project_codebook(project)

        examples, load_s, _ = timed(labeled_examples, project, CODER)
        model, scratch_s, scratch_cpu = timed(train_if_enough, examples, codebook, project)
        retrains = [timed(train_if_enough, examples, codebook, project) for _ in range(3)]
        _, retrain_s, retrain_cpu = min(retrains, key=lambda r: r[1])
        forget_models()
        _, new_process_s, new_process_cpu = timed(train_if_enough, examples, codebook, project)
        suggester, _, _ = timed(Suggester.for_project, project, CODER)
        forget_models()
        _, disk_s, _ = timed(Suggester.for_project, project, CODER)
        cold = Suggester(codebook)
        cold.suggest(unseen[0])
        suggester.suggest(unseen[0])
        learned_ms = latencies(lambda t: suggester.suggest(t, top=9), unseen[1:])
        cold_ms = latencies(lambda t: cold.suggest(t, top=9), unseen[1:])
        results = {
            "segments": len(examples), "codes": len(codebook.codes),
            "features": int(model.featurizer.n_columns),
            "classifiers": int((model.stack[:, 0] != 0).sum()),
            "cpu_threads": os.cpu_count(),
            "build_project_s": round(build_s, 2), "load_examples_s": round(load_s, 3),
            "train_from_scratch_s": round(scratch_s, 3),
            "train_from_scratch_cpu_s": round(scratch_cpu, 3),
            "full_retrain_s": round(retrain_s, 3), "full_retrain_cpu_s": round(retrain_cpu, 3),
            "retrain_in_new_process_s": round(new_process_s, 3),
            "retrain_in_new_process_cpu_s": round(new_process_cpu, 3),
            "load_cached_model_s": round(disk_s, 3),
            "suggest_ms_median": round(learned_ms[0], 2),
            "suggest_ms_p95": round(learned_ms[1], 2),
            "cold_start_ms_median": round(cold_ms[0], 2),
            "cold_start_ms_p95": round(cold_ms[1], 2),
        }
        if not args.no_baseline:
            labels = np.array([[c.id in e.codes for c in codebook.codes] for e in examples])
            _, baseline_s, _ = timed(baseline_train, [e.text for e in examples], labels)
            results["baseline_sklearn_train_s"] = round(baseline_s, 3)
            results["from_scratch_vs_baseline"] = round(scratch_s / baseline_s, 3)
        results["suggest_p95_vs_cold_start"] = round(learned_ms[1] / cold_ms[1], 2)
        results["targets_met"] = {
            "full_retrain_under_2s": results["full_retrain_s"] < 2.0,
            "suggest_p95_under_20ms": results["suggest_ms_p95"] < 20.0,
        }
        project.close()
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
