"""The learned second look: which runs it scores, what it replaces, and what ships."""

from __future__ import annotations

import re

from qualcode.anonymize import DETECTORS, Detector
from qualcode.anonymize.names import RUN, ProperNameDetector
from qualcode.anonymize.second_look import (
    REVIEW_REASON,
    Leftover,
    Model,
    SecondLook,
    leftovers,
    queued_words,
    settle,
    settle_queued,
    shipped_look,
)
from qualcode.anonymize.spans import Candidate, Span

RULES_ONLY = [d for d in DETECTORS if d != "learned"]
# Scores about 0.99 after "on", 0.5 after "with", 0.01 elsewhere.
AFTER_ON = Model(intercept=-5.0, weights={"word before=on": 10.0, "word before=with": 5.0},
                 threshold=0.9, review=0.4)
# Scores about 0.99 for a queued acronym after "on", 0.01 for anything else queued.
ACRONYM_ON = Model(intercept=-5.0, weights={"word before=on": 5.0, "queued=acronym": 5.0},
                   threshold=0.9, review=0.0)
NEVER = Model(intercept=-10.0, weights={}, threshold=0.9, review=0.0)


def found(text: str, spans=(), candidates=(), allow=frozenset()) -> list[Leftover]:
    return leftovers([text], [list(RUN.finditer(text))], [list(spans)], [list(candidates)],
                     set(), ProperNameDetector(frozenset(allow)))[0]


def test_leftovers_are_the_runs_no_rule_replaced_queued_or_kept():
    text = ("Anyway, Dana Quillby plays with Iterators and Harbor Static on Fridays, "
            "and streams on Twitch.")
    dana = Span(8, 20, "PERSON", "proper_name", 0.9, "dana quillby")
    queued = Candidate(text.index("Twitch"), text.index("Twitch") + 6, "ORG",
                       "rare capitalized word")
    runs = found(text, [dana], [queued], allow={"iterator", "friday"})
    # "Anyway" opens the sentence, "Iterators" and "Fridays" are allowed words (plurals),
    # "Twitch" waits in the review queue
    assert [text[r.start:r.end] for r in runs] == ["Harbor Static"]
    features = runs[0].features
    assert features["word before=and"] == 1 and features["word after=on"] == 1
    assert features["words=2"] == 1 and features["sentence start"] == 0


def test_a_run_listed_with_a_name_says_so():
    text = "We speak with Quillmoot, Brass Kettle and Tavrinbury Cycles, and the Copper Kite crew."
    tavrinbury = Span(text.index("Tavrinbury"), text.index(", and the"), "ORG", "proper_name",
                    0.9, "tavrinbury cycles")
    beside = {text[r.start:r.end]: r.features["beside a name"] for r in found(text, [tavrinbury])}
    assert beside == {"Quillmoot": 0, "Brass Kettle": 1, "Copper Kite": 0}


def test_generic_units_and_allowed_phrases_are_no_leftovers():
    text = "So the Research Group met about Research taste during World War II."
    runs = found(text, allow={"research taste", "world war ii"})
    assert [text[r.start:r.end] for r in runs] == []


def test_a_run_is_replaced_above_the_threshold_queued_a_little_below_it_else_kept():
    text = "We heard it on Driftwood Signal, with Tall Grass and by Low Orchard."
    spans, candidates = settle(text, found(text), AFTER_ON)
    assert [(text[s.start:s.end], s.kind, s.detector) for s in spans] == [
        ("Driftwood Signal", "ORG", "learned")]
    assert spans[0].confidence > 0.99 and spans[0].entity == "driftwood signal"
    assert [(text[c.start:c.end], c.kind, c.reason) for c in candidates] == [
        ("Tall Grass", "ORG", REVIEW_REASON)]


def test_a_run_opening_with_a_first_name_is_a_person_unless_it_names_an_organization():
    text = "We relied on Marisol Quintero, then on Marisol Foundation."
    kinds = {text[s.start:s.end]: s.kind for s in settle(text, found(text), AFTER_ON)[0]}
    assert kinds == {"Marisol Quintero": "PERSON", "Marisol Foundation": "ORG"}


def test_the_detector_replaces_what_the_model_takes_for_a_name_and_queues_near_misses():
    text = "You can hear it on Driftwood Signal, or with Quiet Telegram."
    assert Detector(detectors=RULES_ONLY).detect(text).spans == []
    detection = Detector(second_look=SecondLook(AFTER_ON, NEVER)).detect(text)
    assert [(text[s.start:s.end], s.detector) for s in detection.spans] == [
        ("Driftwood Signal", "learned")]
    assert [(text[c.start:c.end], c.reason) for c in detection.candidates] == [
        ("Quiet Telegram", REVIEW_REASON)]


def test_a_queued_word_is_replaced_when_the_queue_model_takes_it_for_a_name():
    text = "We heard it on KQVX, and later read WQLM too."
    rules = Detector(detectors=RULES_ONLY).detect(text)
    assert [(text[c.start:c.end], c.reason) for c in rules.candidates] == [
        ("KQVX", "acronym"), ("WQLM", "acronym")]
    found = queued_words([text], [list(RUN.finditer(text))], [rules.spans], [rules.candidates],
                         set(), ProperNameDetector(frozenset()))[0]
    assert found[0].features["queued=acronym"] == 1
    spans = settle_queued(text, found, ACRONYM_ON)
    assert [(text[s.start:s.end], s.kind, s.detector) for s in spans] == [
        ("KQVX", "ORG", "learned")]
    detection = Detector(second_look=SecondLook(NEVER, ACRONYM_ON)).detect(text)
    assert [text[s.start:s.end] for s in detection.spans] == ["KQVX"]
    assert [text[c.start:c.end] for c in detection.candidates] == ["WQLM"]  # still queued


def test_a_queued_role_in_ordinary_words_is_not_scored():
    text = "She is our Head of Research."
    rules = Detector(detectors=RULES_ONLY).detect(text)
    assert [text[c.start:c.end] for c in rules.candidates] == ["Head of Research"]
    assert queued_words([text], [list(RUN.finditer(text))], [rules.spans], [rules.candidates],
                        set(), ProperNameDetector(frozenset()))[0] == []


def test_the_shipped_model_catches_a_band_named_in_ordinary_words():
    text = "The new album by Driftwood Signal is out now."
    spans = Detector().detect(text).spans
    assert [(text[s.start:s.end], s.kind, s.detector) for s in spans] == [
        ("Driftwood Signal", "ORG", "learned")]


def test_the_shipped_model_keeps_allowed_words_and_ordinary_sentence_openers():
    text = "Honestly, Iterators did most of it. Connectors on Mondays. Anyway it worked."
    assert Detector(allow=["Iterator", "Connector"]).detect(text).spans == []


def test_the_shipped_model_replaces_a_station_named_by_its_call_letters():
    text = "Later that week she talked to KQVX about the race."
    spans = Detector().detect(text).spans
    assert [(text[s.start:s.end], s.kind, s.detector) for s in spans] == [
        ("KQVX", "ORG", "learned")]


def test_the_shipped_model_keeps_common_acronyms():
    text = "They sent the DNA results at 9 ET, a 38 MB file, and the EP came out in May."
    assert Detector().detect(text).spans == []


def test_the_shipped_weights_hold_feature_names_only_never_stretches_of_text():
    look = shipped_look()
    assert 0 < look.kept.review < look.kept.threshold < 1 and look.kept.weights
    assert look.queued.review == 0 < look.queued.threshold < 1 and look.queued.weights
    context = re.compile(r"word (?:before|after)=[\w'\u2019^$]+")
    for name in [*look.kept.weights, *look.queued.weights]:
        if name.startswith("word "):
            assert context.fullmatch(name), name  # one word, as the training kept it
