"""Which cytokine pathways a cell context can signal through (:func:`absent_pathways`).

A context without a cytokine's receptor (malignant T cells have no GM-CSF or EPO
receptor) gives flat zero time courses and NaN for every number of that pathway. The
report and the command line's defaults leave such pathways out, listing them once,
instead of drawing empty panels and NaN cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import catalog
from ..model import Model, check_model
from ..parallel import run
from .inputs import converted_condition, stimulus_nM
from .measures import Measure
from .support import number_text, signal_floor

T_END = 120.0  # min: the time courses the report and the screen read


def absent_pathways(model: Model, cytokines: Sequence[str] | None = None, *, t_end: float = T_END,
                    n_jobs: int = 1, client=None, progress: bool = False,
                    engine: str = "roadrunner") -> dict[str, str]:
    """The cytokines (default: all) whose pathway ``model``'s context cannot signal
    through, each with the reason: at its standard dose the cytokine never moves its
    main readout from the unstimulated level by more than the detection floor
    (:data:`SIGNAL_FLOOR`) within ``t_end`` min. Wild type, no drug. Run options as in
    :func:`jakstat_sbml.run`."""
    check_model(model)
    names = [catalog.cytokine(c).name for c in (cytokines if cytokines is not None else catalog.cytokines())]
    readouts = sorted({catalog.CYTOKINES[c].main_readout for c in names})
    conditions = [converted_condition(t_end=t_end)]
    conditions += [converted_condition(cytokines=stimulus_nM({}, catalog.CYTOKINES[c], None), t_end=t_end)
                   for c in names]
    df = run(model, conditions, readouts=readouts, n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    runs = [part for _, part in df.groupby("condition", sort=True)]
    unstimulated = runs[0]
    absent = {}
    for c, part in zip(names, runs[1:]):
        c_info = catalog.CYTOKINES[c]
        readout = c_info.main_readout
        base, stimulated = unstimulated[readout].to_numpy(), part[readout].to_numpy()
        floor = signal_floor(Measure(time=t_end), base, stimulated)
        change = float(np.max(np.abs(stimulated - base)))
        if change <= floor:
            absent[c] = (f"{c} does not drive {readout} in context {model.context!r}: its standard dose, "
                         f"{c_info.standard_dose}, moves it by at most {number_text(change)} nM in {t_end:g} min, "
                         f"below the {floor:.2g} nM detection floor (the context lacks what the pathway needs)")
    return absent
