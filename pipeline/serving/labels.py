"""The labels of served versions (TF Serving's `version_labels`)."""
from __future__ import annotations

import enum


class Label(enum.Enum):
    """What a served version is for: all traffic (stable) or a share of it (canary)."""

    STABLE = "stable"
    CANARY = "canary"
