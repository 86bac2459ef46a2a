"""`Dataset` compares by identity (`eq=False`): the generated `__eq__` compared DataFrames (and raised on
two different table objects), called two datasets equal when only `meta` differed, and left them
unhashable. A page's header relies on every new dataset being a change."""
from __future__ import annotations

import pytest

from kamlab.data import Dataset


def test_equality_is_identity(small):
    same_tables = small.replace()
    assert small == small
    assert same_tables is not small and same_tables != small  # used to compare the DataFrames
    assert small.replace(meta={**small.meta, "scenario": "x"}) != small  # meta used to be ignored
    assert small.replace(accounts=small.accounts.copy()) != small  # used to raise ValueError


def test_a_dataset_can_be_hashed(small):
    other = small.replace()
    assert hash(small) == hash(small) and len({small, small, other}) == 2
    assert {small: 1}[small] == 1


def test_still_frozen(small):
    with pytest.raises(AttributeError):
        small.meta = {}


def test_a_trait_announces_every_new_dataset(sample):
    """A page's state holds the dataset in a traitlets trait, which announces a change only when the new
    value is not == the old one: every new dataset is a change, with no shallow copies of its tables."""
    import traitlets

    from kamlab import scenarios

    class State(traitlets.HasTraits):
        dataset = traitlets.Instance(Dataset)

    state, seen = State(dataset=sample), []
    state.observe(lambda ch: seen.append(ch["new"]), names="dataset")
    state.dataset = scenarios.apply(sample, "baseline")
    state.dataset = scenarios.apply(state.dataset, "baseline")
    state.dataset = state.dataset  # the same object is no change
    assert len(seen) == 2 and seen[0] is not seen[1]
