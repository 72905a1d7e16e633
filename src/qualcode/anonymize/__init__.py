"""Pseudonymization of transcripts before anything is stored.

For an import (see qualcode.ingest):

    anon = Anonymizer.for_project(project, roster=path_or_None, nlp_model=None,
                                  key_path=None, speaker_style="role")
    result = anon.anonymize_turns(turns)      # AnonymizedTurns: .turns, .replacements, .candidates
    title = anon.anonymize_text(title)
    ...                                       # insert the transcript and its segments, then,
    anon.save(transcript_id, result, turn_starts)   # in the same transaction

Without a project (a dry run, the benchmarks), `Anonymizer(roster=...)` keeps pseudonyms in
memory, and `Detector(...).detect(text)` gives the raw spans and review candidates.
Review and reports on stored transcripts are in `qualcode.anonymize.review`.
"""

from qualcode.anonymize.anonymizer import (
    SPEAKER_STYLES,
    AnonymizedTurns,
    Anonymizer,
    KeptCandidate,
    Replacement,
)
from qualcode.anonymize.detector import DETECTORS, Detection, Detector
from qualcode.anonymize.roster import Roster, RosterEntry, load_roster
from qualcode.anonymize.spans import KINDS, Candidate, Span

__all__ = [
    "DETECTORS", "KINDS", "SPEAKER_STYLES", "AnonymizedTurns", "Anonymizer", "Candidate",
    "Detection", "Detector", "KeptCandidate", "Replacement", "Roster", "RosterEntry", "Span",
    "load_roster",
]
