"""Code suggestions: cold start from the codebook, learned models from codings, evaluation.

`Suggester.for_project(project, coder)` ranks the codebook's codes for a segment with
calibrated probabilities; `uncertainty_order` orders a transcript for active learning;
`predict_codes` lets the model be scored as one more coder; `evaluate` cross-validates the
suggestions against a coder's own codings. Nothing here writes a coding.
"""

from qualcode.suggest.evaluation import Evaluation, evaluate
from qualcode.suggest.suggester import (
    Suggester,
    Suggestion,
    predict_codes,
    uncertainty_order,
)

__all__ = ["Evaluation", "Suggester", "Suggestion", "evaluate", "predict_codes",
           "uncertainty_order"]
