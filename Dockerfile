# One image for every component of every pipeline, locally or on Kubernetes.
#   docker build -t mlpipe:0.1.0 .
#   docker run --rm mlpipe:0.1.0 run penguin --root /tmp/penguin
# Kubeflow tasks override the command (python3 -m kfp.dsl.executor_main ...);
# other orchestrators call `mlpipe component PIPELINE --id ID --run-id RUN
# --input NAME=PATH --output NAME=PATH`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_USE_LEGACY_KERAS=1 \
    HOME=/tmp \
    MLPIPE_HOME=/tmp/mlpipe-output

WORKDIR /app

# Dependencies first (with the s3 extra: Kubeflow stores artifacts in MinIO), pinned
# by the same constraints file as the README install,
# so that this layer is rebuilt only when the pins change.
COPY constraints.txt setup.py README.md ./
RUN mkdir -p pipeline components \
 && touch pipeline/__init__.py components/__init__.py \
 && pip install -c constraints.txt '.[s3]' \
 && pip uninstall -y mlpipe

# The project itself: editable, so that pipelines find schemas/ beside the code.
COPY pipeline ./pipeline
COPY components ./components
COPY schemas ./schemas
RUN pip install --no-deps -c constraints.txt -e . \
 && python -c "import pipeline.cli, components, pipeline.kubeflow.components"

# Non-root; the root filesystem can be read-only (HOME and outputs go to /tmp or volumes).
RUN useradd --uid 1000 --create-home --home-dir /home/mlpipe --shell /usr/sbin/nologin mlpipe
USER 1000:1000

ENTRYPOINT ["mlpipe"]
CMD ["--help"]
