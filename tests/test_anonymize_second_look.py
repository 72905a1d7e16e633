"""The learned second look: which runs it scores, what it replaces, and what ships."""

from __future__ import annotations

import re

from qualcode.anonymize import DETECTORS, Detector
from qualcode.anonymize.names import RUN, ProperNameDetector
from qualcode.anonymize.second_look import (
    REVIEW_REASON,
    Leftover,
    Model,
    leftovers,
    settle,
    shipped_model,
)
from qualcode.anonymize.spans import Candidate, Span

RULES_ONLY = [d for d in DETECTORS if d != "learned"]
# Scores about 0.99 after "on", 0.5 after "with", 0.01 elsewhere.
AFTER_ON = Model(intercept=-5.0, weights={"word before=on": 10.0, "word before=with": 5.0},
                 threshold=0.9, review=0.4)


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
    detection = Detector(second_look=AFTER_ON).detect(text)
    assert [(text[s.start:s.end], s.detector) for s in detection.spans] == [
        ("Driftwood Signal", "learned")]
    assert [(text[c.start:c.end], c.reason) for c in detection.candidates] == [
        ("Quiet Telegram", REVIEW_REASON)]


def test_the_shipped_model_catches_a_band_named_in_ordinary_words():
    text = "The new album by Driftwood Signal is out now."
    spans = Detector().detect(text).spans
    assert [(text[s.start:s.end], s.kind, s.detector) for s in spans] == [
        ("Driftwood Signal", "ORG", "learned")]


def test_the_shipped_model_keeps_allowed_words_and_ordinary_sentence_openers():
    text = "Honestly, Iterators did most of it. Connectors on Mondays. Anyway it worked."
    assert Detector(allow=["Iterator", "Connector"]).detect(text).spans == []


def test_the_shipped_weights_hold_feature_names_only_never_stretches_of_text():
    model = shipped_model()
    assert 0 < model.review < model.threshold < 1 and model.weights
    context = re.compile(r"word (?:before|after)=[\w'\u2019^$]+")
    for name in model.weights:
        if name.startswith("word "):
            assert context.fullmatch(name), name  # one word, as the training kept it
