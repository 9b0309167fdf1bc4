"""Trainer's module file for the gated penguin pipeline: the penguin classifier."""
from pipeline.examples.penguin.model import run_fn  # noqa: F401
