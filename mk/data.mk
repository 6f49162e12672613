# Data for SpikeLab (issue 3). Included by the top-level Makefile.
#
#   make data                                 download from the canonical public URLs, check sha256
#   make data DATA_MIRROR=../shared/data      copy from a local mirror with the same layout (CI), check sha256
#   make data-verify                          only check what is in $(DATA_DIR) against the manifest
#
# DATA_DIR defaults to $SPIKELAB_DATA, else ./data (git-ignored). Idempotent: files already present with the
# right sha256 are left alone. Exits non-zero, naming the file, on any missing source or checksum mismatch.
# See docs/DATA.md.

DATA_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
DATA_DIR ?= $(or $(SPIKELAB_DATA),data)
DATA_MIRROR ?=
DATA_MANIFEST ?= $(DATA_MK_DIR)/../experiments/data/manifest.sha256

.PHONY: data data-verify

data:
	@bash $(DATA_MK_DIR)/../scripts/fetch_data.sh "$(DATA_DIR)" "$(DATA_MANIFEST)" "$(DATA_MIRROR)"

data-verify:
	@bash $(DATA_MK_DIR)/../scripts/fetch_data.sh --verify-only "$(DATA_DIR)" "$(DATA_MANIFEST)"
