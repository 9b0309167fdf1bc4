"""What `mlpipe skew` accepts as serving data, checked before any statistics: the
files a path names, one format per check, which feature is the label, and
requests that carry the label or lack a feature."""
from __future__ import annotations

import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from pipeline.skew.serving_data import (DataFormat, ServingDataError, check_features,
                                        data_format, labels, serving_files)


def _schema(label_out_of_serving: bool) -> schema_pb2.Schema:
    schema = schema_pb2.Schema()
    for name, presence in (("species", 1.0), ("island", 1.0), ("sex", 0.8), ("note", 0.0)):
        feature = schema.feature.add(name=name, type=schema_pb2.BYTES)
        feature.presence.min_fraction = presence
        if name == "species" and label_out_of_serving:
            feature.not_in_environment.append("SERVING")
    return schema


def test_a_file_a_folder_or_a_glob(tmp_path):
    for name in ("a.csv", "b.csv", ".hidden", "_SUCCESS"):
        (tmp_path / name).write_text("x\n1\n")
    assert serving_files(str(tmp_path / "a.csv")) == [str(tmp_path / "a.csv")]
    assert serving_files(str(tmp_path)) == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    both = [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert serving_files(str(tmp_path / "*.csv")) == both
    with pytest.raises(ServingDataError, match=r"nope\*.gz: no serving data there"):
        serving_files(str(tmp_path / "nope*.gz"))


def test_one_format_per_check():
    assert data_format(["a.csv", "B.CSV"]) is DataFormat.CSV
    assert data_format(["requests-0.gz", "requests-1.tfrecord"]) is DataFormat.TFRECORD
    with pytest.raises(ServingDataError, match="a.csv is CSV but log.gz is not"):
        data_format(["a.csv", "log.gz"])


def test_the_label_comes_from_the_schema_or_the_command_line():
    assert labels(_schema(True), ()) == ("species",)
    assert labels(_schema(False), ("species",)) == ("species",)
    with pytest.raises(ServingDataError, match="pass --label NAME"):
        labels(_schema(False), ())
    with pytest.raises(ServingDataError, match="--label 'price' is not a feature"):
        labels(_schema(True), ("price",))


def test_requests_with_the_label_or_without_a_needed_feature_are_refused():
    schema = _schema(True)
    check_features({"island", "sex"}, schema, ("species",), "req.csv")  # "note" is optional
    with pytest.raises(ServingDataError, match="req.csv: holds the label 'species'; serving "
                                               "requests carry features only"):
        check_features({"species", "island", "sex"}, schema, ("species",), "req.csv")
    with pytest.raises(ServingDataError, match="req.csv: missing feature\\(s\\) 'island' the "
                                               "serving model reads; it has sex"):
        check_features({"sex"}, schema, ("species",), "req.csv")
