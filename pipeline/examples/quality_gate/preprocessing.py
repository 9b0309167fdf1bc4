"""Transform's module file for the gated penguin pipeline: the penguin features."""
from pipeline.examples.penguin.preprocessing import preprocessing_fn  # noqa: F401
