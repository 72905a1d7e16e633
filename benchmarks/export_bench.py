"""CSV export speed and memory: 1,000,000 codings (the target: under 10 s, flat memory).

    python benchmarks/export_bench.py                    # 1,000,000 codings (and 100,000)
    python benchmarks/export_bench.py --codings 200000

Builds a synthetic coded project straight through the store schema (invented text, two
coders, a tenth of the codings on spans, some memos and formula-like cells), then times,
each in a fresh process so that each peak memory figure is that run's own:

  idle       open the project and import the exporter: the memory floor
  baseline   the same SQL (join, order, columns as stored) into a bare `csv.writer` loop
  export     `qualcode.export.write_csv`: code labels, attributes, formula protection

and prints wall and CPU seconds (CPU time is the fairer figure on a busy machine), codings
per second, peak memory above the idle floor, and the export's time as a ratio of the
baseline. A run at a tenth of the size shows the memory is
flat: the exporter iterates the cursor and never holds the rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import random
import resource
import tempfile
import time
from pathlib import Path

from qualcode.project import init_project
from qualcode.store import Project, now

CODERS = ("ana", "ben")
WORDS = ("we need people who run fast experiments and funding is rarely the constraint "
         "mentorship research taste matters more than publication counts café naïve").split()
SEGMENTS_PER_TRANSCRIPT = 1000


def build(folder: Path, codings: int, seed: int = 7) -> Path:
    """A project with `codings` codings: each segment gets 5 codes from each of 2 coders."""
    rng = random.Random(seed)
    project = init_project(folder).project
    code_ids = [r[0] for r in project.db.execute("SELECT id FROM codes ORDER BY position")]
    version = project.codebook_version
    segments_needed = codings // (5 * len(CODERS))
    stamp = now()
    with project.transaction():
        segment_id = 0
        for t in range((segments_needed + SEGMENTS_PER_TRANSCRIPT - 1)
                       // SEGMENTS_PER_TRANSCRIPT):
            tid = f"t{t:04d}"
            texts = [(("=" if rng.random() < 0.01 else "") + " ".join(rng.choices(WORDS, k=18)))
                     for _ in range(min(SEGMENTS_PER_TRANSCRIPT, segments_needed - segment_id))]
            text, rows, offset = "\n\n".join(texts), [], 0
            for ordinal, said in enumerate(texts, 1):
                rows.append((tid, ordinal, ordinal, 1, "Participant", "participant", said,
                             offset, offset + len(said)))
                offset += len(said) + 2
            project.db.execute(
                "INSERT INTO transcripts (id, title, source_name, source_hash, format, "
                "encoding, text, attributes, anonymized, imported_at) "
                "VALUES (?, ?, ?, ?, 'txt', 'utf-8', ?, ?, 1, ?)",
                [tid, tid, f"{tid}.txt", tid, text,
                 json.dumps({"org_type": rng.choice(["small_org", "scaling_lab"]),
                             "fte": rng.randint(2, 40)}), stamp])
            project.db.conn.executemany(
                "INSERT INTO segments (transcript_id, ordinal, turn, part, speaker, role, text, "
                "char_start, char_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            first = project.db.execute("SELECT min(id) FROM segments WHERE transcript_id = ?",
                                       [tid]).fetchone()[0]
            project.db.conn.executemany(
                "INSERT INTO codings (segment_id, code_id, coder, span_start, span_end, memo, "
                "provenance, confidence, codebook_version, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'manual', NULL, ?, ?)",
                ((first + i, code, coder, *((0, 20) if rng.random() < 0.1 else (None, None)),
                  "-see memo" if rng.random() < 0.02 else None, version, stamp)
                 for i in range(len(texts)) for coder in CODERS
                 for code in rng.sample(code_ids, 5)))
            segment_id += len(texts)
    project.close()
    return folder


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(stage: str, folder: str, out: str, queue: multiprocessing.Queue) -> None:
    from qualcode.export import LONG_COLUMNS, long_query, write_csv

    project = Project.open(Path(folder))
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with open(out, "w", encoding="utf-8", newline="") as stream:
        if stage == "baseline":
            writer = csv.writer(stream)
            for row in project.db.conn.execute(long_query(LONG_COLUMNS, "1")):
                writer.writerow(row)
                rows += 1
        elif stage == "export":
            rows = write_csv(project, stream)
    queue.put((rows, time.perf_counter() - started, time.process_time() - cpu, _peak_mb()))


def measure(stage: str, folder: Path, out: Path) -> tuple[int, float, float, float]:
    """(rows, wall seconds, CPU seconds, peak MB) of one stage in a fresh process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run, args=(stage, str(folder), str(out), queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def report(folder: Path, codings: int) -> None:
    out = folder / "out.csv"
    idle = measure("idle", folder, out)[3]
    print(f"{codings:,} codings; idle process peak {idle:.0f} MB")
    results = {stage: measure(stage, folder, out) for stage in ("baseline", "export")}
    for stage, (rows, wall, cpu, peak) in results.items():
        assert rows == codings, (stage, rows, codings)
        print(f"  {stage:<9} wall {wall:6.2f} s  cpu {cpu:6.2f} s  {codings / wall:9,.0f} "
              f"codings/s  peak {peak:5.0f} MB (+{peak - idle:.1f} over idle)")
    (_, base_wall, base_cpu, _), (_, wall, cpu, _) = results.values()
    print(f"  export / baseline: wall {wall / base_wall:.2f}, cpu {cpu / base_cpu:.2f}; "
          f"csv {out.stat().st_size / 2**20:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for codings in (args.codings // 10, args.codings):
            started = time.perf_counter()
            folder = build(Path(tmp) / f"p{codings}", codings)
            print(f"built a project with {codings:,} codings in "
                  f"{time.perf_counter() - started:.1f} s")
            report(folder, codings)


if __name__ == "__main__":
    main()
