"""What the learned model learns from: the segments a coder has coded, and their codes.

A (segment, coder) pair is an example when the coder applied a code to the segment (anywhere
in it) or marked it reviewed: a reviewed segment without codes teaches "no code here". Codings
made elsewhere may come without such reviews (a CSV listing only coded segments): in a
transcript where a coder has codings but no reviewed-and-uncoded segment, every segment up to
the coder's last coded one counts as looked at. By default only participant turns are used,
as they are what gets coded.
"""

from __future__ import annotations

from collections import defaultdict

from qualcode.store import Project
from qualcode.suggest.learned import Example

PARTICIPANT = "participant"


def labeled_examples(project: Project, coder: str | None = None,
                     role: str | None = PARTICIPANT) -> list[Example]:
    """Examples from one coder's codings and reviews, or every coder's (one example per
    segment and coder), in transcript order."""
    where, args = ("WHERE coder = ?", [coder]) if coder is not None else ("", [])
    segments = {row[0]: row[1:] for row in project.db.execute(
        "SELECT id, transcript_id, ordinal, role, text FROM segments")}
    labels: dict[tuple[int, str], set[str]] = {}
    last_coded: dict[tuple[str, str], int] = {}
    for segment_id, who, code_id in project.db.execute(
            f"SELECT segment_id, coder, code_id FROM codings {where}", args):
        labels.setdefault((segment_id, who), set()).add(code_id)
        transcript_id, ordinal = segments[segment_id][:2]
        last_coded[(transcript_id, who)] = max(last_coded.get((transcript_id, who), 0), ordinal)
    said_nothing = set()
    for segment_id, who in project.db.execute(f"SELECT segment_id, coder FROM reviews {where}",
                                              args):
        if not labels.setdefault((segment_id, who), set()):
            said_nothing.add((segments[segment_id][0], who))
    unreviewed: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (transcript_id, who), last in last_coded.items():
        if (transcript_id, who) not in said_nothing:
            unreviewed[transcript_id].append((who, last))
    for segment_id, (transcript_id, ordinal, _, _) in segments.items():
        for who, last in unreviewed.get(transcript_id, ()):
            if ordinal <= last:
                labels.setdefault((segment_id, who), set())
    keyed = sorted(
        ((segments[sid][0], segments[sid][1], who), sid, codes)
        for (sid, who), codes in labels.items()
        if role is None or segments[sid][2] == role
    )
    return [Example(sid, key[0], segments[sid][3], frozenset(codes))
            for key, sid, codes in keyed]


def fingerprint(project: Project, coder: str | None) -> str:
    """Changes whenever codings, reviews, transcripts or the codebook change: every change
    appends to the event log, whose ids only grow."""
    last_event = project.db.execute("SELECT ifnull(max(id), 0) FROM events").fetchone()[0]
    return f"{last_event}:{project.codebook_version}:{coder or ''}"
