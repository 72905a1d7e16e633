"""Import speed and memory on a synthetic corpus (without anonymization).

    python benchmarks/import_bench.py                          # 1,000 x 10,000 words
    python benchmarks/import_bench.py --transcripts 50 --words 2000

Writes the corpus as .txt files to a temporary folder, one file at a time, then times each
stage in a fresh process (so each peak memory figure is that stage's own):

  read      read, hash and decode every file: the floor any import pays (the baseline)
  parse     + parse into turns and segment (spaCy only on turns over 300 words)
  import    + store: the real `import_files`: a helper process parses while this one
            stores, and the batch is indexed for search once, at its end
  --compare, each in one process:
  serial    the same
  per-file  the search index updated in each file's transaction, one statement per file
  triggers  the search index updated by the schema's trigger, one segment at a time
  rebuild   no index upkeep while storing, then the whole index rebuilt

and prints wall and CPU seconds (CPU time is the fairer figure on a busy machine), words per
second, peak memory and each stage's time as a ratio of the baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from qualcode import ingest
from qualcode.ingest import ImportOptions, import_files, prepare_file, segment_turns, store
from qualcode.parsers import decode, parse_bytes
from qualcode.project import init_project

SYLLABLES = ["ka", "lo", "mi", "ren", "ta", "vel", "sor", "an", "pe", "dri", "ox", "lu",
             "ne", "gar", "it", "qua", "ble", "mon", "est", "ri"]
COMMON = ("the a and to of in that it is we was for on with they you but have this be at "
          "so people research team work think really about more what just like do not "
          "experiments safety hiring need iterators mentor funding model evaluation").split()
SPEAKERS = ["Interviewer", "Wren Calloway", "Juno Marrick", "Ossian Vell", "Tilde Amsel"]


def _vocabulary(rng: random.Random) -> list[str]:
    invented = {"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(6000)}
    return COMMON * 40 + sorted(invented)


def _turn(rng: random.Random, vocab: list[str], words: int) -> str:
    sentences = []
    while words > 0:
        n = min(words, rng.randint(4, 28))
        sentence = rng.choices(vocab, k=n)
        sentence[0] = sentence[0].capitalize()
        sentences.append(" ".join(sentence) + rng.choice(".....?!"))
        words -= n
    paragraphs, size = [], rng.randint(3, 9)
    for i in range(0, len(sentences), size):
        paragraphs.append(" ".join(sentences[i:i + size]))
    return "\n\n".join(paragraphs)


def write_corpus(folder: Path, transcripts: int, words: int, seed: int = 7) -> int:
    """Write `transcripts` .txt files of about `words` words each; returns the word total.
    Answers vary in length (log-normal, median ~90 words, some over 300)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    total = 0
    for n in range(transcripts):
        participant = SPEAKERS[1 + n % (len(SPEAKERS) - 1)]
        written, minute = 0, 0
        with open(folder / f"interview_{n:05d}.txt", "w", encoding="utf-8") as f:
            while written < words:
                question = max(5, int(rng.gauss(22, 8)))
                answer = max(5, min(1500, int(rng.lognormvariate(4.5, 0.8))))
                minute += 1
                f.write(f"[00:{minute % 60:02d}:{rng.randint(0, 59):02d}] Interviewer: "
                        f"{_turn(rng, vocab, question)}\n\n")
                f.write(f"{participant}: {_turn(rng, vocab, answer)}\n\n")
                if rng.random() < 0.05:
                    f.write("Note: the participant asked to skip the next question.\n\n")
                written += question + answer
        total += written
    return total


def _usage() -> tuple[float, float]:
    """CPU seconds of this process and its finished children, and the peak resident memory
    in MB of this process plus its largest child (an upper bound of the two together)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime
    kib = 1024 if sys.platform == "darwin" else 1  # ru_maxrss is in bytes on macOS
    return cpu, (me.ru_maxrss + children.ru_maxrss) / kib / 1024


def _stage_read(corpus: Path, _: Path) -> None:
    for path in sorted(corpus.glob("*.txt")):
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        decode(data, path.name)


def _stage_parse(corpus: Path, _: Path) -> None:
    for path in sorted(corpus.glob("*.txt")):
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        segment_turns(parse_bytes(data, path.name).turns)


def _stage_import(corpus: Path, project_folder: Path) -> None:
    project = init_project(project_folder).project
    report = import_files(project, [corpus], ImportOptions(anonymize=False))
    assert not report.failed, report.failed[0].error


def _stage_serial(corpus: Path, project_folder: Path) -> None:
    """`import_files` in one process: what the helper process saves."""
    ingest.PARALLEL_MIN_FILES = sys.maxsize
    ingest.BATCH_INDEX_MIN_FILES = 0
    _stage_import(corpus, project_folder)


def _stage_per_file(corpus: Path, project_folder: Path) -> None:
    """One process, each file indexed for search in its own transaction."""
    ingest.PARALLEL_MIN_FILES = ingest.BATCH_INDEX_MIN_FILES = sys.maxsize
    _stage_import(corpus, project_folder)


def _stage_triggers(corpus: Path, project_folder: Path) -> None:
    """One process, each segment indexed by the schema's insert trigger, row by row."""
    def insert(db, transcript_id, segments, index=True):
        db.conn.executemany(
            "INSERT INTO segments (transcript_id, ordinal, turn, part, speaker, role, text, "
            "char_start, char_end, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(transcript_id, s.ordinal, s.turn, s.part, s.speaker, s.role, s.text,
              s.char_start, s.char_end, s.timestamp) for s in segments])

    ingest._insert_segments = insert
    _stage_per_file(corpus, project_folder)


def _stage_rebuild(corpus: Path, project_folder: Path) -> None:
    """One process, no index upkeep while storing, then one rebuild of the whole index."""
    project = init_project(project_folder).project
    db = project.db
    triggers = [row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'segments'")]
    for name in ("segments_ai", "segments_ad", "segments_au"):
        db.execute(f"DROP TRIGGER {name}")
    options = ImportOptions(anonymize=False)
    for path in sorted(corpus.glob("*.txt")):
        store(project, prepare_file(path, options), options)
    with project.transaction():
        db.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
        for sql in triggers:
            db.execute(sql)


STAGES: dict[str, Callable[[Path, Path], None]] = {
    "read": _stage_read, "parse": _stage_parse, "import": _stage_import,
    "serial": _stage_serial, "per-file": _stage_per_file, "triggers": _stage_triggers,
    "rebuild": _stage_rebuild,
}


def _run(stage: str, corpus: Path, project: Path, queue: multiprocessing.Queue) -> None:
    start, (cpu, _) = time.perf_counter(), _usage()
    STAGES[stage](corpus, project)
    seconds, (cpu_after, peak) = time.perf_counter() - start, _usage()
    queue.put((seconds, cpu_after - cpu, peak))


def run_stage(stage: str, corpus: Path, project: Path) -> tuple[float, float, float]:
    """Run one stage in a fresh process: (wall seconds, CPU seconds, peak resident MB)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run, args=(stage, corpus, project, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=10_000, help="words per transcript")
    parser.add_argument("--compare", action="store_true",
                        help="also time the import in one process, and other ways of "
                        "keeping the search index")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        start = time.perf_counter()
        words = write_corpus(corpus, args.transcripts, args.words)
        size = sum(p.stat().st_size for p in corpus.iterdir()) / 2**20
        print(f"corpus: {args.transcripts:,} transcripts, {words:,} words, {size:,.0f} MiB "
              f"(written in {time.perf_counter() - start:.1f} s)")
        stages = ["read", "parse", "import"]
        if args.compare:
            stages += ["serial", "per-file", "triggers", "rebuild"]
        baseline = None
        print(f"{'stage':8} {'wall s':>7} {'cpu s':>7} {'words/s (wall)':>15} "
              f"{'peak MB':>8} {'x read':>7}")
        for stage in stages:
            seconds, cpu, peak = run_stage(stage, corpus, Path(tmp) / f"project-{stage}")
            baseline = baseline or seconds
            db = Path(tmp) / f"project-{stage}" / "qualcode.db"
            db_size = f"  (db {db.stat().st_size / 2**20:,.0f} MiB)" if db.exists() else ""
            print(f"{stage:8} {seconds:7.2f} {cpu:7.2f} {words / seconds:>15,.0f} "
                  f"{peak:8.0f} {seconds / baseline:7.1f}{db_size}")


if __name__ == "__main__":
    main()
