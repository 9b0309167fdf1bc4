"""`python -m pipeline ...` is `mlpipe ...`."""
from pipeline.cli import console_main

console_main()
