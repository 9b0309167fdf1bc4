"""mlpipe: TFX-style ML pipelines (ExampleGen to Pusher) on Beam and Kubeflow, in ML Metadata.

Install with the pinned constraints, or pip will backtrack for a long time:
    pip install -c constraints.txt -e '.[test]'
"""
from setuptools import find_packages, setup

S3 = ["tensorflow-io==0.37.1", "apache-beam[aws]==2.61.0"]

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
    # s3: s3:// roots, data and serving folders (AWS, MinIO): TensorFlow's S3 file system
    # and Beam's. Tests: gcp-storage-emulator and cryptography for the fake gs:// bucket of
    # tests/support/fake_gcs; moto's S3 server (with flask) for tests/support/s3_server.
    extras_require={"s3": S3,
                    "test": ["pytest", "kubernetes-validate", "PyYAML", "gcp-storage-emulator",
                             "cryptography", "moto[s3]==5.2.5", "flask", "flask-cors", *S3]},
    entry_points={"console_scripts": ["mlpipe=pipeline.cli:console_main"]},
)
