"""The eight standard components, and DriftValidator, DecayValidator and RetrainTrigger.
Importing this package imports no TensorFlow: executors are loaded only when a
component runs."""
from components.decay_validator.component import DecayValidator
from components.drift_validator.component import DriftValidator
from components.evaluator.component import Evaluator, MetricThreshold, ServingLimits
from components.example_gen.component import ExampleGen
from components.example_validator.component import ExampleValidator
from components.pusher.component import Pusher
from components.retrain_trigger.component import RetrainPolicy, RetrainTrigger
from components.schema_gen.component import SchemaGen
from components.statistics_gen.component import StatisticsGen
from components.trainer.component import Trainer
from components.transform.component import Transform

__all__ = ["DecayValidator", "DriftValidator", "Evaluator", "MetricThreshold", "ExampleGen", "ExampleValidator",
           "Pusher", "RetrainPolicy", "RetrainTrigger", "SchemaGen", "ServingLimits", "StatisticsGen", "Trainer",
           "Transform"]
