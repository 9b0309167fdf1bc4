"""mlpipe: TFX-style ML pipelines on Beam, recorded in ML Metadata."""
import os

# tensorflow-transform and TFMA need Keras 2; this must be set before TensorFlow
# is imported anywhere in the process.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

__version__ = "0.1.0"
