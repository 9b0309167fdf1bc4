"""The operational part of the blessing: the candidate's serving figures against
the bounds of `ServingLimits`."""
from __future__ import annotations

from components.common import serving_profile, splits
from components.common.serving_profile import ServingProfile
from components.evaluator.component import EvaluatorParams, ServingLimits

from pipeline.dsl import ModelEvaluation

# Evaluation properties of the figures: "serving:p99_ms", "serving:model_size_mb", ...
PROPERTY_PREFIX = ModelEvaluation.SERVING_PREFIX
_BOUNDS = (("max_p99_latency_ms", "p99_ms", "p99 latency", "ms"),
           ("max_batch_p99_latency_ms", "batch_p99_ms", "batch p99 latency", "ms"),
           ("max_model_size_mb", "model_size_mb", "model size", "MB"))


def profile(saved_model_dir: str, examples_uri: str, params: EvaluatorParams) -> ServingProfile:
    """The candidate's figures, measured on (up to a batch of) eval examples."""
    limits = params.serving_limits
    examples = serving_profile.read_examples(splits.record_files(examples_uri, params.eval_split),
                                             limits.batch_size)
    return serving_profile.measure(saved_model_dir, examples, params.signature_name,
                                   limits.requests, limits.batch_size, limits.batch_requests)


def failures(figures: ServingProfile, limits: ServingLimits) -> list[str]:
    """A line per bound the figures pass, naming the figure and the bound."""
    found = []
    for bound_name, figure_name, label, unit in _BOUNDS:
        bound, figure = getattr(limits, bound_name), getattr(figures, figure_name)
        if bound is not None and figure > bound:
            found.append(f"{label} {figure:.3g} {unit} > {bound:g} {unit} ({bound_name})")
    return found


def passed(figures: ServingProfile, limits: ServingLimits) -> list[str]:
    """A line per bound the figures meet, for the blessing's reason."""
    return [f"{label} {getattr(figures, figure_name):.3g} {unit} <= {getattr(limits, bound_name):g}"
            for bound_name, figure_name, label, unit in _BOUNDS
            if getattr(limits, bound_name) is not None
            and getattr(figures, figure_name) <= getattr(limits, bound_name)]
