"""The pipeline definition language: artifacts, components, pipelines."""
from pipeline.dsl.artifact import (Artifact, DecayReport, ExampleAnomalies, Examples,
                                   ExampleStatistics, Model, ModelBlessing, ModelEvaluation,
                                   PushedModel, Schema, TransformGraph)
from pipeline.dsl.channel import (Channel, LatestBlessedModel, ServingModel,
                                  ServingModelEvaluation, ServingModelSource,
                                  ServingModelStatistics, ServingSkew)
from pipeline.dsl.component import Component, ComponentSpec
from pipeline.dsl.context import ComponentError, ExecutionContext, ExecutorOutcome
from pipeline.dsl.pipeline import Pipeline, PipelineDefinitionError

__all__ = ["Artifact", "DecayReport", "ExampleAnomalies", "Examples", "ExampleStatistics", "Model",
           "ModelBlessing", "ModelEvaluation", "PushedModel", "Schema", "TransformGraph",
           "Channel", "LatestBlessedModel", "ServingModel", "ServingModelEvaluation",
           "ServingModelSource", "ServingModelStatistics", "ServingSkew",
           "Component", "ComponentSpec", "ComponentError", "ExecutionContext", "ExecutorOutcome",
           "Pipeline", "PipelineDefinitionError"]
