"""TF Serving's REST predict API over a model whose signature takes serialized
tf.Examples (as every mlpipe Trainer exports `serving_default`):

    POST /v1/models/penguin:predict
    {"instances": [{"b64": "<serialized tf.Example, base64>"}, ...]}
or, as a convenience, the features themselves (each becomes a tf.Example):
    {"instances": [{"island": "Biscoe", "bill_length_mm": 39.1, ...}, ...]}
-> {"predictions": [[0.98, 0.01, 0.01], ...]}

Errors are TF Serving's shape, {"error": "..."}, with HTTP 400."""
from __future__ import annotations

import base64
import json
from typing import Any

SIGNATURE = "serving_default"


class BadRequest(Exception):
    """The request is malformed or the model rejects its values (HTTP 400)."""


def _feature(name: str, value: Any):
    import tensorflow as tf

    values = value if isinstance(value, list) else [value]
    if all(isinstance(v, bool) or isinstance(v, int) for v in values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    if all(isinstance(v, str) for v in values):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode() for v in values]))
    raise BadRequest(f"feature {name!r}: values must all be numbers or all strings, got {value!r}")


def serialized_examples(body: bytes) -> tuple[list[bytes], str]:
    """The request's instances as serialized tf.Examples, and the signature asked for."""
    import tensorflow as tf

    try:
        request = json.loads(body or b"{}")
    except ValueError as error:
        raise BadRequest(f"JSON Parse error: {error}") from None
    instances = request.get("instances") if isinstance(request, dict) else None
    if not isinstance(instances, list) or not instances:
        raise BadRequest('Missing or empty "instances": expected {"instances": [...]}')
    examples = []
    for instance in instances:
        if not isinstance(instance, dict):
            raise BadRequest(f"an instance must be an object ({{\"b64\": ...}} or features), "
                             f"got {instance!r}")
        if set(instance) == {"b64"}:
            try:
                examples.append(base64.b64decode(instance["b64"], validate=True))
            except (ValueError, TypeError) as error:
                raise BadRequest(f"b64 value is not base64: {error}") from None
            continue
        features = {name: _feature(name, value) for name, value in instance.items()}
        examples.append(tf.train.Example(features=tf.train.Features(feature=features))
                        .SerializeToString())
    return examples, str(request.get("signature_name") or SIGNATURE)


def _first_cause(message: str) -> str:
    """The line of a TensorFlow error that names the problem ("Key: body_mass_g ...
    Data types don't match"), not "Graph execution error:" or the stack."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    telling = [line for line in lines if not line.startswith(("Graph execution error",
                                                               "Detected at node", "<stack",
                                                               "[["))]
    return (telling or lines or ["the model rejected the request"])[0]


def predict(signatures: Any, examples: list[bytes], signature_name: str) -> dict:
    """{"predictions": [...]} from the model; BadRequest if it rejects the examples."""
    import tensorflow as tf

    if signature_name not in signatures:
        raise BadRequest(f"Serving signature name: \"{signature_name}\" not found in signature def")
    signature = signatures[signature_name]
    [input_name] = signature.structured_input_signature[1]
    try:
        outputs = signature(**{input_name: tf.constant(examples)})
    except (tf.errors.InvalidArgumentError, ValueError) as error:
        raise BadRequest(_first_cause(getattr(error, "message", str(error)))) from None
    values = {name: tensor.numpy().tolist() for name, tensor in outputs.items()}
    if len(values) == 1:
        return {"predictions": next(iter(values.values()))}
    return {"predictions": [dict(zip(values, row)) for row in zip(*values.values())]}


def predicted_classes(predictions: list) -> list[int]:
    """The class each prediction picks: the largest score of a vector, or score >= 0.5
    of a single one; -1 where neither applies (several named outputs)."""
    picked = []
    for row in predictions:
        while isinstance(row, list) and len(row) == 1:
            row = row[0]
        if isinstance(row, list) and row and all(isinstance(v, (int, float)) for v in row):
            picked.append(max(range(len(row)), key=row.__getitem__))
        elif isinstance(row, (int, float)):
            picked.append(int(row >= 0.5))
        else:
            picked.append(-1)
    return picked
