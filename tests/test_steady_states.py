"""The cache of unstimulated steady states is bounded: the least recently used
genotype goes first, and a genotype evicted and met again is recomputed to the
same numbers (a sampling run of random parameter variants meets each genotype
once, and without a limit kept every state)."""

import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import model as model_module
from jakstat_sbml.model import SteadyStates


@pytest.fixture
def own_model():
    return js.load_model()


def test_default_limit_holds_a_knockout_screen():
    # the knockout screen has one genotype per gene plus the wild type: it must never evict
    assert model_module.STEADY_STATES_KEPT >= len(js.genes()) + 1


def test_least_recently_used_state_is_evicted():
    cache = SteadyStates(limit=2)
    a, b, c = (np.full(3, float(i)) for i in range(3))
    cache.put(("a",), a)
    cache.put(("b",), b)
    assert cache.get(("a",)) is a  # a is now the most recently used
    cache.put(("c",), c)
    assert ("b",) not in cache and ("a",) in cache and ("c",) in cache
    assert (len(cache), cache.evictions, cache.hits) == (2, 1, 1)
    assert cache.get(("b",)) is None and cache.misses == 1
    cache.limit = 1  # lowering the limit evicts at once
    assert len(cache) == 1 and ("c",) in cache


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "8"])
def test_bad_limits_are_refused(limit):
    cache = SteadyStates(limit=3)
    with pytest.raises(js.InputError, match="limit must be a positive integer"):
        cache.limit = limit
    assert cache.limit == 3


def test_model_cache_stays_within_its_limit_and_recomputes_evicted_genotypes(own_model):
    own_model.steady_states.limit = 3
    base = own_model.parameter_values()["JAK1_total"]
    variants = [js.Condition.make(cytokines={"IL6": 2}, t_end=20, parameters={"JAK1_total": base * f})
                for f in (0.5, 0.8, 1.25, 2.0, 3.0)]
    first = [own_model.run(c).to_numpy() for c in variants]
    assert len(own_model.steady_states) == 3
    assert own_model.steady_states.evictions == 2
    assert own_model.steady_states.misses == 5
    # the first variant was evicted: recomputed, with the same result bit for bit
    np.testing.assert_array_equal(own_model.run(variants[0]).to_numpy(), first[0])
    assert own_model.steady_states.misses == 6
    # the last is still cached: a hit
    hits = own_model.steady_states.hits
    np.testing.assert_array_equal(own_model.run(variants[-1]).to_numpy(), first[-1])
    assert own_model.steady_states.hits == hits + 1
    assert len(own_model.steady_states) == 3
