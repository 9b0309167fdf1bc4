"""Beam's signature inspection, remembered while inside `cached_signatures()`: the same
answers as Beam's, read once per function, renewed when the defaults change, holding
nothing alive, and Beam's own function back outside."""
from __future__ import annotations

import gc
import inspect
import weakref

import apache_beam as beam
from apache_beam.runners.common import MethodWrapper
from apache_beam.transforms import core, ptransform, userstate
from apache_beam.transforms import util as beam_util
from apache_beam.typehints import decorators

from pipeline.dsl.beam_signatures import cached_signatures

BEAM_GET_SIGNATURE = decorators.get_signature
IMPORTERS = (decorators, core, ptransform, beam_util)


class _Counted(beam.DoFn):
    COUNT = userstate.CombiningValueStateSpec("count", combine_fn=sum)

    def process(self, element, count=beam.DoFn.StateParam(COUNT),
                window=beam.DoFn.WindowParam):
        yield element


def _described(dofn: beam.DoFn) -> dict[str, tuple[list[str], list[object]]]:
    """What Beam's MethodWrapper reads of each method: argument names and defaults."""
    names = [name for name in dir(dofn) if inspect.ismethod(getattr(dofn, name, None))]
    wrappers = {name: MethodWrapper(dofn, name) for name in names}
    return {name: (w.args, [repr(d) for d in w.defaults]) for name, w in wrappers.items()}


def test_beam_reads_the_same_arguments_and_state_specs_as_without_the_memo():
    dofn = _Counted()
    expected = (_described(dofn), userstate.get_dofn_specs(dofn))
    with cached_signatures():
        first = (_described(dofn), userstate.get_dofn_specs(dofn))
        again = (_described(_Counted()), userstate.get_dofn_specs(_Counted()))
    assert first == expected and again == expected
    assert [spec.name for spec in expected[1][0]] == ["count"]


def test_each_function_is_read_once_and_a_bound_method_once_for_all_instances():
    def process(element, side=None):
        return element

    with cached_signatures():
        assert decorators.get_signature(process) is core.get_signature(process)
        assert str(decorators.get_signature(process)) == "(element, side=None)"
        one, other = _Counted(), _Counted()
        assert decorators.get_signature(one.process) is decorators.get_signature(other.process)
        assert "self" not in decorators.get_signature(one.process).parameters
    assert decorators.get_signature(process) is not decorators.get_signature(process)


def test_changed_defaults_are_read_again():
    def process(element, flag=1):
        return element

    with cached_signatures():
        before = decorators.get_signature(process)
        process.__defaults__ = (2,)
        after = decorators.get_signature(process)
    assert before.parameters["flag"].default == 1
    assert after.parameters["flag"].default == 2


def test_the_memo_keeps_no_function_alive():
    def make() -> object:
        def process(element):
            return element
        return process

    function = make()
    alive = weakref.ref(function)
    with cached_signatures():
        decorators.get_signature(function)
        del function
        gc.collect()
        assert alive() is None


def test_unhashable_callables_are_read_every_time():
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, element):
            return element

    with cached_signatures():
        assert str(decorators.get_signature(Unhashable())) == "(element)"


def test_beam_has_its_own_function_back_outside():
    with cached_signatures():
        with cached_signatures():
            pass
        assert decorators.get_signature is not BEAM_GET_SIGNATURE
    assert all(module.get_signature is BEAM_GET_SIGNATURE for module in IMPORTERS)
