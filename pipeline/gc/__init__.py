"""`mlpipe gc`: removes what no recorded artifact owns, and old artifacts' files."""
