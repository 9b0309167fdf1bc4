"""mlpipe: TFX-style ML pipelines (ExampleGen to Pusher) on Beam and Kubeflow, in ML Metadata.

Install with the pinned constraints, or pip will backtrack for a long time:
    pip install -c constraints.txt -e '.[test]'
"""
from setuptools import find_packages, setup

setup(
    name="mlpipe",
    version="0.1.0",
    description="TFX-style ML pipelines on Apache Beam and Kubeflow, recorded in ML Metadata",
    python_requires=">=3.11.5,<3.12",
    packages=find_packages(include=["pipeline", "pipeline.*", "components", "components.*"]),
    install_requires=[
        "tensorflow==2.16.2",
        "tf-keras==2.16.0",
        "tensorflow-data-validation==1.16.1",
        "tensorflow-transform==1.16.0",
        "tensorflow-model-analysis==0.47.1",
        "tfx-bsl==1.16.1",
        "tensorflow-metadata==1.16.1",
        "ml-metadata==1.16.0",
        "apache-beam[gcp]==2.61.0",
        "protobuf>=4.25,<4.26",
        "pyarrow==10.0.1",
        "numpy==1.26.4",
        "pandas==1.5.3",
        "tensorflow-serving-api==2.16.1",
        "kfp==2.13.0",
        "kfp-pipeline-spec==0.6.0",
        "palmerpenguins==0.1.6",
        "tornado==6.6.1",  # mlpipe serve
    ],
    # gcp-storage-emulator and cryptography: the fake gs:// bucket of tests/support/fake_gcs.
    extras_require={"test": ["pytest", "kubernetes-validate", "PyYAML", "gcp-storage-emulator",
                             "cryptography"]},
    entry_points={"console_scripts": ["mlpipe=pipeline.cli:main"]},
)
