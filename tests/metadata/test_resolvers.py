"""What the serving model's resolvers find in the store of two real penguin runs:
the Model that Pusher copied, the evaluation beside the blessing it went out on,
and the statistics of the data that trained it, each checked against the events
of the executions themselves."""
from __future__ import annotations

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata import resolvers


def _ports(store, execution_id: int, kind: int) -> dict[str, int]:
    return {e.path.steps[0].key: e.artifact_id
            for e in store.raw.get_events_by_execution_ids([execution_id]) if e.type == kind}


def _producer(store, artifact_id: int) -> int:
    return min(e.execution_id for e in store.raw.get_events_by_artifact_ids([artifact_id])
               if e.type == pb.Event.OUTPUT)


def test_the_serving_model_its_evaluation_and_statistics_are_those_of_its_push(penguin_runs):
    store = penguin_runs.store()
    served = resolvers.serving_push(store, "penguin")
    pusher_inputs = _ports(store, _producer(store, served.id), pb.Event.INPUT)
    model = resolvers.serving_model_source(store, "penguin")
    assert model.id == pusher_inputs["model"] and model.TYPE_NAME == "Model"
    evaluator_outputs = _ports(store, _producer(store, pusher_inputs["model_blessing"]),
                               pb.Event.OUTPUT)
    evaluation = resolvers.serving_model_evaluation(store, "penguin")
    assert evaluation.id == evaluator_outputs["evaluation"]
    assert evaluation.metrics["sparse_categorical_accuracy"] >= 0.9
    statistics = resolvers.serving_model_statistics(store, "penguin")
    assert statistics.TYPE_NAME == "ExampleStatistics"


def test_nothing_resolves_for_a_pipeline_that_never_pushed(penguin_runs):
    store = penguin_runs.store()
    for resolve in resolvers.RESOLVERS.values():
        assert resolve(store, "never-ran") is None
