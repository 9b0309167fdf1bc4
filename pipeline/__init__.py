"""mlpipe: TFX-style ML pipelines on Beam, recorded in ML Metadata."""
import os

# tensorflow-transform and TFMA need Keras 2; this must be set before TensorFlow
# is imported anywhere in the process.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# ML Metadata's C++ code logs its errors to stderr through glog, read when the
# library loads; mlpipe reports them itself, in one line (set it to 0 to see them).
os.environ.setdefault("GLOG_minloglevel", "3")

__version__ = "0.1.0"
