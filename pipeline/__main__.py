"""`python -m pipeline ...` is `mlpipe ...`."""
import sys

from pipeline.cli import main

sys.exit(main())
