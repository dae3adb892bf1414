# One-command set-up: each target creates .venv and installs what it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test explore-properties docs build bench calibrate profiles pharmacology pharmacology-system-terms pharmacology-former-priors pharmacology-lab-grouped docs-predictions sensitivity vendor clean

# The explore page's browser test drives Debian's Chromium (Playwright's own browser
# download is not reachable here); installed once, as root, where it is missing.
CHROMIUM := /usr/bin/chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test extras include the amici extra: pip compiles AMICI from source (no wheel exists;
# 2-5 min on 2 cores) with the C++ compiler and CMake it finds; it brings its own OpenBLAS
# (scipy-openblas64) and swig >= 4.5 from PyPI, so no Debian package is needed.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed $(VENV)/.installed-docs

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed       ## simulate the bundled model and write report/
	MPLBACKEND=Agg $(BIN)/jakstat report --out report
	@echo "open report/index.md"

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: $(VENV)/.installed-test $(CHROMIUM) ## the whole suite, tests/ and notebooks/ (what CI runs)
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

explore-properties: $(VENV)/.installed-test ## the property tests with fresh random conditions, 5x more of them (make test draws the same ones every run)
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --hypothesis-profile=explore $$(grep -l "@given" tests/*.py)

# MkDocs 1.6 and a plugin print a notice about MkDocs 2 on every build; these silence it
docs: $(VENV)/.installed-docs  ## the documentation site into site/ (mkdocs.yml; warnings are errors; about 10 s)
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict
	@echo "serve it: $(BIN)/python -m http.server -d site (then open http://localhost:8000)"

build: $(VENV)/.installed      ## regenerate models/jakstat.xml from the Antimony source
	$(BIN)/jakstat build

ENGINE ?= roadrunner

calibrate: $(VENV)/.installed-test ## the full calibration against data/petab (about 50 min on 2 cores; ENGINE=amici: on AMICI with exact Jacobians, about 21 min)
	MPLBACKEND=Agg nice $(BIN)/jakstat calibrate all --store --n-jobs 2 --out docs/calibration --force --engine $(ENGINE)
	$(MAKE) docs-predictions

# Sobotta's parameters in order of their weight for the IC50 predictions (receptor block first): with
# --budget-minutes, the profiles left when the budget is spent are the least relevant (docs/uncertainty.md 5).
SOBOTTA_ORDER := kcat_IL6R,kact_receptor,IL6R_total,Kd_IL6_IL6R,IL6ST_total,kint_active,kdeg_receptor,kon_SOCS3,kdeg_SOCS,kdeg_SOCS_complex,v_tx_SOCS3,K_tx,kdeg_mRNA,kcat_SHP2,kcat_TCPTP,kdeph_cyt,kimp_dimer,kimp_basal,kexp

profiles: $(VENV)/.installed-test ## profile likelihoods of the calibrated parameters and the ensembles the API uses (about 75 min on one core; finished profiles are reused; ENGINE=amici: exact Jacobians)
	MPLBACKEND=Agg nice $(BIN)/jakstat profiles Raia_CancerResearch2011 --max-nfev 10 --store -j 1 --out docs/calibration --force --engine $(ENGINE)
	MPLBACKEND=Agg nice $(BIN)/jakstat profiles Boehm_JProteomeRes2014 --max-nfev 10 --store -j 1 --out docs/calibration --force --engine $(ENGINE)
	MPLBACKEND=Agg nice $(BIN)/jakstat profiles Bachmann_MSB2011 --max-nfev 6 --store -j 1 --out docs/calibration --force --engine $(ENGINE)
	MPLBACKEND=Agg nice $(BIN)/jakstat profiles Sobotta_Frontiers2017 --max-nfev 6 --budget-minutes 55 \
		--parameters $(SOBOTTA_ORDER) --store -j 1 --out docs/calibration --force --engine $(ENGINE)
	$(MAKE) docs-predictions

pharmacology: $(VENV)/.installed-test ## fit the drug-potency posterior to data/pharmacology, store it, validate and cross-validate, then the predictions the docs quote (a few minutes; folds checkpointed)
	@# exit 1 says the cross-validation missed a target (printed, and a result to store); exit 2 and up are failures.
	@# Stopping at 1 left the docs' predictions of the previous posterior behind.
	MPLBACKEND=Agg $(BIN)/jakstat validate pharmacology --refit --store --cross-validate --force --out docs/pharmacology \
		|| [ $$? -eq 1 ]
	$(MAKE) docs-predictions

docs-predictions: $(VENV)/.installed-test ## the model's predictions docs/dosing.md and docs/pharmacology.md quote, from the present model, posterior and PK tables, into docs/predictions.json (about 2 min)
	MPLBACKEND=Agg $(BIN)/python tools/docs/predictions.py

pharmacology-system-terms: $(VENV)/.installed-test ## cross-validate the potency model with assay-system terms as they were tested, under the former priors on tau and sigma (about 5 min)
	MPLBACKEND=Agg $(BIN)/python -c "import pandas as pd; from jakstat_sbml.potency.crossval import cross_validate; \
		from jakstat_sbml.potency.posterior import FORMER_VARIANCE_SCALES; \
		cv = cross_validate(system_terms=True, variance_scales=FORMER_VARIANCE_SCALES, \
		                    checkpoint='docs/pharmacology/checkpoints'); \
		cv.to_frame().to_csv('docs/pharmacology/cross_validation_system_terms.csv', index=False); \
		pd.DataFrame([cv.summary()]).to_csv('docs/pharmacology/cross_validation_system_terms_summary.csv', index=False)"

pharmacology-lab-grouped: $(VENV)/.installed-test ## cross-validate the shipped potency model with each laboratory's sources left out together (crossval.LAB_GROUPS; about 4 min)
	MPLBACKEND=Agg $(BIN)/python -c "import pandas as pd; from jakstat_sbml.potency.crossval import LAB_GROUPS, cross_validate; \
		cv = cross_validate(groups=LAB_GROUPS, checkpoint='docs/pharmacology/checkpoints'); \
		cv.to_frame().to_csv('docs/pharmacology/cross_validation_lab_grouped.csv', index=False); \
		pd.DataFrame([cv.summary()]).to_csv('docs/pharmacology/cross_validation_lab_grouped_summary.csv', index=False)"

pharmacology-former-priors: $(VENV)/.installed-test ## cross-validate the potency model with its former priors on tau and sigma, HalfNormal(0.3) and (0.2), as make pharmacology does the shipped one (about 5 min)
	MPLBACKEND=Agg $(BIN)/python -c "import pandas as pd; from jakstat_sbml.potency.crossval import cross_validate; \
		from jakstat_sbml.potency.posterior import FORMER_VARIANCE_SCALES; \
		cv = cross_validate(variance_scales=FORMER_VARIANCE_SCALES, checkpoint='docs/pharmacology/checkpoints'); \
		cv.to_frame().to_csv('docs/pharmacology/cross_validation_former_priors.csv', index=False); \
		pd.DataFrame([cv.summary()]).to_csv('docs/pharmacology/cross_validation_former_priors_summary.csv', index=False)"

bench: $(VENV)/.installed-test ## speed, as ratios against other ways of doing the same work
	MPLBACKEND=Agg $(BIN)/python benchmarks/run.py

# The stored results ran with ENGINE=amici (their exposure predictions on RoadRunner: AMICI had no dosing events yet).
sensitivity: $(VENV)/.installed-test ## global sensitivity of the headline predictions: Morris over all, a finer Morris of the two quoted IC50s, Sobol over its top 8 (ENGINE=amici: about 1 h on 1 core; resumable)
	MPLBACKEND=Agg nice $(BIN)/jakstat sensitivity headline --n 10 -j 2 --force --chunk-size 32 --engine $(ENGINE) \
		--checkpoint docs/uncertainty/checkpoints --out docs/uncertainty/morris
	MPLBACKEND=Agg nice $(BIN)/jakstat sensitivity ic50:ruxolitinib:IL6 ic50:tofacitinib:IL2 --n 40 -j 2 --force \
		--chunk-size 64 --engine $(ENGINE) --checkpoint docs/uncertainty/checkpoints --out docs/uncertainty/morris_ic50
	MPLBACKEND=Agg nice $(BIN)/jakstat sensitivity ic50:ruxolitinib:IL6 ic50:tofacitinib:IL2 --method sobol \
		--n 1024 --top 8 --morris docs/uncertainty/morris_ic50/sensitivity_indices.csv -j 2 --force --chunk-size 256 \
		--engine $(ENGINE) --checkpoint docs/uncertainty/checkpoints --out docs/uncertainty/sobol

SBGN_STYLE := node_modules/cytoscape-sbgn-stylesheet

vendor:                        ## refresh the cytoscape.js and SBGN stylesheet inlined into `jakstat explore` pages, at package.json's versions
	npm ci --no-audit --no-fund
	cp node_modules/cytoscape/dist/cytoscape.min.js src/jakstat_sbml/explore/vendor/cytoscape.min.js
	cp node_modules/cytoscape/LICENSE src/jakstat_sbml/explore/vendor/cytoscape.LICENSE
	# the package's browser bundle as published, with a header naming it and without its 160 kB inline source map
	{ printf '/* cytoscape-sbgn-stylesheet %s (npm), build/bundle.js without its source map; MIT, see cytoscape-sbgn-stylesheet.LICENSE */\n' \
	    "$$(node -p 'require("./$(SBGN_STYLE)/package.json").version')"; \
	  grep -v '^//# sourceMappingURL=' $(SBGN_STYLE)/build/bundle.js; } > src/jakstat_sbml/explore/vendor/cytoscape-sbgn-stylesheet.js
	cp $(SBGN_STYLE)/LICENSE src/jakstat_sbml/explore/vendor/cytoscape-sbgn-stylesheet.LICENSE

clean:
	rm -rf $(VENV) report site .pytest_cache
