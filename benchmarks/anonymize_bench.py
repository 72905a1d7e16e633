"""Speed of anonymization on a synthetic corpus, on one core.

Generates interview-like transcripts (default: 1,000 of 10,000 words) full of invented
names, organizations, emails, phone numbers and codebook words, with a 50-name roster, then
times, in this one process:

- baseline: parsing and segmenting every transcript, as an import does without anonymizing;
- anonymized: the same, plus `Anonymizer.anonymize_turns` (default detectors, pseudonyms kept
  in memory) and the title;

and prints words per second for anonymization alone and the ratio of the two, in CPU time
of this one process (so that other work on the machine does not blur them). With `--import`,
it also imports the corpus into two scratch projects (with and without `--no-anonymize`)
through `qualcode.ingest.import_files`, database writes included, timed by the wall clock.

    python benchmarks/anonymize_bench.py
    python benchmarks/anonymize_bench.py --transcripts 50 --words 4000 --import
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from qualcode.anonymize import Anonymizer, Roster, RosterEntry
from qualcode.ingest import segment_turns
from qualcode.parsers import parse_bytes

TARGET_WORDS_PER_SECOND = 100_000
ONSETS = ["Bra", "Cal", "Dor", "El", "Fen", "Gar", "Hal", "Ist", "Jor", "Kel", "Lor", "Mar",
          "Nor", "Ost", "Per", "Quen", "Ros", "Sel", "Tor", "Ul", "Ver", "Wen", "Yor", "Zan"]
CODAS = ["ric", "wyn", "ara", "ella", "ovan", "isse", "uth", "emar", "ida", "ondo", "ay", "ian"]
SURNAME_ENDS = ["worth", "brook", "ley", "mere", "stad", "ovic", "ardt", "enko", "sson", "ford",
                "holm", "ani", "etti", "quist", "adze", "ington"]
ORG_ENDS = ["Labs", "Institute", "Foundation", "Collective", "Research", "AI", "Fund", "Trust"]
FILLER = ("so I think the main thing is that we need people who can run experiments quickly "
          "and also read the results honestly which is harder than it sounds because most "
          "people want their idea to work and that makes them slow to notice when it does not "
          "and then there is the question of management which nobody talks about enough").split()
TEMPLATES = [
    "My colleague {person} thinks we need more Iterators than Connectors.",
    "When {first} joined {org} in {month}, the team was tiny.",
    "{last} said the work test mattered more than the CV.",
    "We hired an Amplifier from {uorg} who used to work with {uperson}.",
    "You can write to {email} or call {phone} if you want the details.",
    "The reading list is at {url}, and {handle} posts updates every {day}.",
    "Honestly, {first}'s view is that research taste is the bottleneck.",
    "We train on PyTorch with a few hundred GPUs, and RLHF is most of the work.",
    "Before that, {misspelled} ran the fellowship in {place} for two years.",
    "Dr. {ulast} at the University of {uplace} advised us on evaluations.",
    "The growing orgs need managers, and {org} is no exception.",
    "I talked to {uperson} about it and {ufirst} agreed with {first}.",
]


def invented_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        first = rng.choice(ONSETS) + rng.choice(CODAS)
        last = rng.choice(ONSETS) + rng.choice(SURNAME_ENDS)
        names.add(f"{first} {last}")
    return sorted(names)


def misspell(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def make_roster(rng: random.Random) -> tuple[Roster, list[str], list[str]]:
    """A 50-name roster (40 people, 10 organizations), and the people and orgs it lists."""
    people = invented_names(rng, 40)
    orgs = sorted({f"{rng.choice(ONSETS)}{rng.choice(CODAS)} {rng.choice(ORG_ENDS)}"
                   for _ in range(30)})[:10]
    entries = [RosterEntry(p, "PERSON") for p in people] + [RosterEntry(o, "ORG") for o in orgs]
    return Roster(entries), people, orgs


def make_transcript(rng: random.Random, words: int, people: list[str], orgs: list[str],
                    strangers: list[str]) -> str:
    """An interview of about `words` words, as `Speaker: text` turns."""
    participant = rng.choice(people)
    lines, count = [], 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(3, 8)):
            person, stranger = rng.choice(people), rng.choice(strangers)
            sentence = rng.choice(TEMPLATES).format(
                person=person, first=person.split()[0], last=person.split()[1],
                misspelled=misspell(person.split()[1], rng), org=rng.choice(orgs),
                uperson=stranger, ufirst=stranger.split()[0], ulast=stranger.split()[1],
                uorg=f"{stranger.split()[1]} {rng.choice(ORG_ENDS)}",
                uplace=rng.choice(ONSETS) + "mouth", place=rng.choice(ONSETS) + "ham",
                email=f"{person.split()[0].lower()}@example.org", phone="+44 20 7946 0958",
                url="https://example.org/reading", handle="@fellows_news",
                month=rng.choice(["March", "June", "October"]),
                day=rng.choice(["Monday", "Friday"]))
            filler = " ".join(rng.choices(FILLER, k=rng.randint(8, 30)))
            sentences.append(f"{sentence} And {filler}.")
        turn = " ".join(sentences)
        count += len(turn.split()) + 8
        lines.append(f"Interviewer: Could you say more about that, {participant.split()[0]}?")
        lines.append(f"{participant}: {turn}")
    return "\n\n".join(lines) + "\n"


def corpus(transcripts: int, words: int, seed: int = 1) -> tuple[Roster, list[bytes]]:
    rng = random.Random(seed)
    roster, people, orgs = make_roster(rng)
    strangers = invented_names(random.Random(seed + 1), 200)
    strangers = [s for s in strangers if s not in people]
    return roster, [make_transcript(rng, words, people, orgs, strangers).encode("utf-8")
                    for _ in range(transcripts)]


def pipeline(files: list[bytes], anonymizer: Anonymizer | None) -> tuple[float, int]:
    """CPU seconds (this process, one core) to parse (and anonymize) and segment every
    file; and the words."""
    started, words = time.process_time(), 0
    for number, data in enumerate(files):
        parsed = parse_bytes(data, f"interview-{number}.txt")
        turns = parsed.turns
        if anonymizer is not None:
            turns = anonymizer.anonymize_turns(turns).turns
            anonymizer.anonymize_text(f"interview-{number}")
        words += segment_turns(turns).words
    return time.process_time() - started, words


def imports(files: list[bytes], roster: Roster) -> tuple[float, float]:
    """Seconds to import the corpus into a scratch project, without and with anonymization."""
    import os

    from qualcode.ingest import ImportOptions, import_files
    from qualcode.project import init_project

    timings = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        os.environ["XDG_CONFIG_HOME"] = str(root / "config")
        folder = root / "raw"
        folder.mkdir()
        paths = []
        for number, data in enumerate(files):
            path = folder / f"interview-{number:04d}.txt"
            path.write_bytes(data)
            paths.append(path)
        roster_path = root / "roster.csv"
        roster_path.write_text("name,type\n" + "".join(
            f"{e.name},{e.kind}\n" for e in roster.entries), encoding="utf-8")
        for anonymize in (False, True):
            project = init_project(root / f"project-{anonymize}").project
            options = ImportOptions(anonymize=anonymize, roster=roster_path if anonymize else None)
            started = time.perf_counter()
            report = import_files(project, paths, options)
            timings.append(time.perf_counter() - started)
            assert not report.failed, report.failed[0].error
            project.close()
    return timings[0], timings[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=10_000, help="words per transcript")
    parser.add_argument("--import", dest="full_import", action="store_true",
                        help="also time real imports into scratch projects")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    roster, files = corpus(args.transcripts, args.words)
    print(f"corpus: {len(files)} transcripts, {len(roster.entries)}-name roster, "
          f"generated in {time.perf_counter() - started:.1f} s")
    anonymizer = Anonymizer(roster=roster)
    anonymizer.anonymize_turns(parse_bytes(files[0], "warm-up.txt").turns)  # load gazetteers
    baseline, words = pipeline(files, None)
    anonymized, _ = pipeline(files, Anonymizer(roster=roster))
    alone = anonymized - baseline
    rate = words / alone if alone > 0 else float("inf")
    print(f"words: {words:,}")
    print(f"parse + segment:             {baseline:8.2f} s  {words / baseline:12,.0f} words/s")
    print(f"parse + anonymize + segment: {anonymized:8.2f} s  {words / anonymized:12,.0f} words/s")
    print(f"anonymization alone:         {alone:8.2f} s  {rate:12,.0f} words/s "
          f"(target >= {TARGET_WORDS_PER_SECOND:,})")
    print(f"ratio, with / without anonymization: {anonymized / baseline:.2f}")
    if args.full_import:
        plain, private = imports(files, roster)
        print(f"import --no-anonymize: {plain:8.2f} s; import with anonymization: "
              f"{private:8.2f} s; ratio {private / plain:.2f}")
    return 0 if rate >= TARGET_WORDS_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
