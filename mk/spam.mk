# The spam paper (Huang et al., SPAM): one executable per figure or table, sharing runs through
# the run cache (runs/). `make spam SCALE=ci|default|large`.
PAPERS += spam
SPAM_FIGURES = spam-gss spam-table spam-loss

.PHONY: spam $(SPAM_FIGURES)
spam: $(SPAM_FIGURES)
	$(SPIKELAB) report

$(SPAM_FIGURES): build data
	SCALE=$(SCALE) .build/release/$@
