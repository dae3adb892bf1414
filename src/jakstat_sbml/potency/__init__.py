"""Drug potency with the uncertainty it really has.

- :mod:`.measurements`: the measured tables of data/pharmacology (cellular IC50s across
  assays, protein binding, assay-matrix constants), read and checked;
- :mod:`.free_drug`: free drug in an assay as a model (whole blood, medium with serum,
  serum-free) with uncertain inputs;
- :mod:`.reference`: the mechanistic model's IC50 for each measured row, simulated once
  at reference potency (exact under the potency factor);
- :mod:`.posterior`: the statistical model of potency across sources, fitted by MCMC;
- :mod:`.crossval`: leave-one-source-out cross-validation of its predictive intervals;
- :mod:`.same_assay`: two drugs measured in one assay, whose IC50 ratio tests one drug's
  potency relative to the other's (a one-source drug's only test; held-out pairs);
- :mod:`.ex_vivo`: plasma EC50s from blood of dosed people, stimulated ex vivo (clinical
  pharmacodynamics, never fitted), against the potency model's prediction.
"""
