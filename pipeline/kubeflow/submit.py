"""Uploads a compiled pipeline to a Kubeflow Pipelines endpoint and starts a run."""
from __future__ import annotations

import os
from typing import Mapping


class SubmitError(Exception):
    """The package is unreadable or the endpoint cannot be reached or refuses it."""


def submit(package_path: str, host: str, arguments: Mapping[str, str],
           experiment: str = "mlpipe", run_name: str | None = None) -> str:
    """Starts a run of the compiled pipeline; returns the KFP run id."""
    if not os.path.isfile(package_path):
        raise SubmitError(f"{package_path}: no such compiled pipeline; create it with "
                          f"`mlpipe compile --target kubeflow -o {package_path}`")
    import kfp

    try:
        client = kfp.Client(host=host)
        run = client.create_run_from_pipeline_package(
            package_path, arguments=dict(arguments), experiment_name=experiment, run_name=run_name)
    except Exception as error:  # the kfp client raises many kinds; all mean "not submitted"
        raise SubmitError(f"could not submit {package_path} to {host}: {type(error).__name__}: "
                          f"{str(error).splitlines()[0] if str(error) else ''} "
                          f"(is the Kubeflow Pipelines API reachable at that address?)") from None
    return run.run_id
