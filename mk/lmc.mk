# The lmc paper (Sugiura, Kurita, Oda): one executable per figure or table, sharing runs through
# the run cache (runs/). `make lmc SCALE=ci|default|large`.
PAPERS += lmc
LMC_FIGURES = lmc-lr-sweep lmc-table1 lmc-fig4 lmc-fig11 lmc-fig12-15 lmc-fig16-19 lmc-knobs lmc-spike-map

.PHONY: lmc $(LMC_FIGURES)
lmc: $(LMC_FIGURES)
	$(SPIKELAB) report

$(LMC_FIGURES): build data
	SCALE=$(SCALE) .build/release/$@
