# Figure pipeline (issue 4). Included by the top-level Makefile.
#
#   make figures            every implemented paper's figures at $(SCALE), then figures/REPORT.md
#   make report             figures/REPORT.md from the figures/*/*.json already there
#   make check              SCALE=ci figures of every paper (into .build/figures-ci), then compare their numbers with experiments/expected/ci
#   make expected           SCALE=ci figures of every paper (into .build/figures-ci), then rewrite experiments/expected/ci from them
#   make check SCALE=default  the default scale (into .build/figures-default), compared with results/default
#   make publish            the default-scale figures, then results/default (JSON, PNG, REPORT.md, STAMP.md);
#                           PAPERS=lmc publishes one paper
#
# SCALE (ci | default | large; default: default) is exported to the figure executables. Runs are
# cached in runs/<config hash>/ ($SPIKELAB_RUNS), so a second `make figures` retrains nothing, and
# `make -j2` is safe: two figures needing one run wait on its lock.
#
# Each paper adds its target to PAPERS from its own mk/<paper>.mk, with one executable per figure
# (Sources/Figures/<paper>-<name>/main.swift), e.g.
#   PAPERS += lmc
#   LMC_FIGURES = lmc-lr-sweep lmc-table1 lmc-fig4 ...
#   lmc: $(LMC_FIGURES)
#   $(LMC_FIGURES): build data
#   	SCALE=$(SCALE) .build/release/$@
# (PAPERS is read after every mk/*.mk is included, so the include order does not matter.)

PAPERS   ?=
SPIKELAB ?= $(BIN)/spikelab
EXPECTED ?= experiments/expected
export SCALE

.PHONY: figures report check expected publish
.SECONDEXPANSION:

# `report` waits for the papers when both are goals (make -j figures), but `make report` alone does not run them.
figures: $$(PAPERS) report

report: build $$(if $$(filter figures,$$(MAKECMDGOALS)),$$(PAPERS))
	$(SPIKELAB) report

# The ci figures of check and expected go to their own folder, so they never overwrite the
# default-scale figures in figures/.
CHECK_FIGURES ?= .build/figures-ci

# `make check` compares the ci scale with experiments/expected/ci. `make check SCALE=default`
# (SCALE given on the command line or in the environment) re-runs the default scale into
# .build/figures-default, reusing cached runs, and compares it with the published results/default
# (the papers published there, or those named in PAPERS).
CHECK_SCALE = $(if $(filter command line environment,$(origin SCALE)),$(SCALE),ci)
RESULTS ?= results
PUBLISHED_PAPERS = $(if $(filter command line,$(origin PAPERS)),$(PAPERS),$(filter $(PAPERS),$(notdir $(wildcard $(RESULTS)/default/*))))

check: build
ifeq ($(CHECK_SCALE),default)
	@test -n "$(strip $(PUBLISHED_PAPERS))" || { echo "make check SCALE=default: nothing published in $(RESULTS)/default (make publish writes it)" >&2; exit 1; }
	$(MAKE) --no-print-directory SCALE=default SPIKELAB_FIGURES=.build/figures-default $(PUBLISHED_PAPERS)
	$(SPIKELAB) check --scale default --figures .build/figures-default --expected $(RESULTS) --papers "$(PUBLISHED_PAPERS)"
else
	$(if $(strip $(PAPERS)),$(MAKE) --no-print-directory SCALE=ci SPIKELAB_FIGURES=$(CHECK_FIGURES) $(PAPERS))
	$(SPIKELAB) check --scale ci --figures $(CHECK_FIGURES) --expected $(EXPECTED)
endif

# results/default (issue 14): the default-scale figures (cached runs reused), then every figure's
# JSON and PNG, a stamp per paper with the commit and numerics that made them, and REPORT.md.
# `make publish PAPERS=spam` publishes one paper and leaves the others' published files alone.
publish: build
	$(MAKE) --no-print-directory SCALE=default figures
	$(SPIKELAB) publish --figures $${SPIKELAB_FIGURES:-figures} --results $(RESULTS) --commit $$(git rev-parse HEAD) $$(test -z "$$(git status --porcelain)" || echo --dirty) --papers $(PAPERS)

expected: build
	$(if $(strip $(PAPERS)),$(MAKE) --no-print-directory SCALE=ci SPIKELAB_FIGURES=$(CHECK_FIGURES) $(PAPERS))
	$(SPIKELAB) check --update --scale ci --figures $(CHECK_FIGURES) --expected $(EXPECTED)
