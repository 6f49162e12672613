# The adam paper (Molybog et al., A Theory on Adam Instability): one executable per figure, sharing
# runs through the run cache (runs/), its baseline the spike map's regime (the runs lmc trains too).
# `make adam SCALE=ci|default|large`.
PAPERS += adam
ADAM_FIGURES = adam-update-histograms adam-grad-norms adam-mitigations

.PHONY: adam $(ADAM_FIGURES)
adam: $(ADAM_FIGURES)
	$(SPIKELAB) report

$(ADAM_FIGURES): build data
	SCALE=$(SCALE) .build/release/$@
