"""Builders for test data: transcripts and segments written straight into a project's store,
without the importer, so that tests of later steps depend only on the schema."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from qualcode.store import Project, Segment, now

# Two short, invented interviews; speaker "Interviewer" gets the interviewer role.
SAMPLE = {
    "int-01": [
        ("Interviewer", "What kind of people does your team need most?"),
        ("Participant", "We mostly need people who run many fast experiments."),
        ("Interviewer", "And money?"),
        ("Participant", "Funding is not the constraint for us, people are."),
    ],
    "int-02": [
        ("Interviewer", "How do you find new researchers?"),
        ("Participant", "Work tests tell us more than publication counts."),
        ("Participant", "Someone who sees the whole agenda is rare."),
    ],
}


def add_transcript(project: Project, transcript_id: str, turns: Sequence[tuple[str, str]],
                   attributes: dict[str, str] | None = None) -> list[Segment]:
    """Store a transcript with one segment per (speaker, text) turn; returns its segments."""
    text = ""
    rows = []
    for ordinal, (speaker, said) in enumerate(turns, start=1):
        text += f"{speaker}: "
        rows.append({
            "transcript_id": transcript_id, "ordinal": ordinal, "turn": ordinal, "part": 1,
            "speaker": speaker,
            "role": "interviewer" if speaker == "Interviewer" else "participant",
            "text": said, "char_start": len(text), "char_end": len(text) + len(said),
            "timestamp": None,
        })
        text += said + "\n\n"
    with project.transaction():
        project.db["transcripts"].insert({
            "id": transcript_id, "title": transcript_id, "source_name": f"{transcript_id}.txt",
            "source_hash": hashlib.sha256(f"{transcript_id}\n{text}".encode()).hexdigest(),
            "format": "text", "encoding": "utf-8", "text": text,
            "attributes": json.dumps(attributes or {}), "anonymized": 1, "imported_at": now(),
        })
        project.db["segments"].insert_all(rows)
    return project.segments(transcript_id)


def add_sample(project: Project) -> dict[str, list[Segment]]:
    """Store the SAMPLE interviews; returns their segments by transcript id."""
    return {tid: add_transcript(project, tid, turns) for tid, turns in SAMPLE.items()}
