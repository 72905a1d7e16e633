"""The optional trained-pipeline detector, with a small pipeline the test builds itself."""

from __future__ import annotations

import pytest
import spacy

from qualcode.anonymize import Anonymizer, Detector
from qualcode.errors import QualcodeError
from qualcode.parsers import Turn


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """A blank English pipeline whose entity ruler knows two lower-case names (which no
    built-in rule would catch) and one codebook word (which must be kept anyway)."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": [{"LOWER": "quentin"}, {"LOWER": "abernathy"}]},
        {"label": "ORG", "pattern": "veltmoor"},
        {"label": "ORG", "pattern": "Iterator"},
    ])
    path = tmp_path_factory.mktemp("nlp") / "tiny_pipeline"
    nlp.to_disk(path)
    return str(path)


def test_pipeline_entities_are_replaced(pipeline):
    text = "then quentin abernathy moved to veltmoor as an Iterator."
    detection = Detector(nlp_model=pipeline, allow=["Iterator"]).detect(text)
    assert [(text[s.start:s.end], s.kind, s.detector) for s in detection.spans] == [
        ("quentin abernathy", "PERSON", "ner"), ("veltmoor", "ORG", "ner")]


def test_the_pipeline_is_optional(pipeline):
    text = "then quentin abernathy moved to veltmoor."
    assert Detector().detect(text).spans == []


def test_anonymizer_uses_the_pipeline(pipeline):
    turns = [Turn("P", "I asked quentin abernathy.", 1)]
    result = Anonymizer(nlp_model=pipeline).anonymize_turns(turns)
    assert result.turns[0].text == "I asked [PERSON_1]."
    assert result.replacements[0].detector == "ner"


def test_a_missing_pipeline_is_a_clear_error():
    with pytest.raises(QualcodeError, match="not installed"):
        Detector(nlp_model="xx_no_such_pipeline_sm")
