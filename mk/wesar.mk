# The wesar paper (Nishida, Nishida, Saito): one executable per figure or table, sharing runs through
# the run cache (runs/). `make wesar SCALE=ci|default|large`.
PAPERS += wesar
WESAR_FIGURES = wesar-lr-sweep wesar-table1 wesar-tables4-5 wesar-table6 wesar-fig1 wesar-fig2 wesar-table2 wesar-table3

.PHONY: wesar $(WESAR_FIGURES)
wesar: $(WESAR_FIGURES)
	$(SPIKELAB) report

$(WESAR_FIGURES): build data
	SCALE=$(SCALE) .build/release/$@
