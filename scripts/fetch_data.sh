#!/usr/bin/env bash
# Fills the SpikeLab data directory and checks every file against the sha256 manifest.
#
#   scripts/fetch_data.sh DATA_DIR MANIFEST [MIRROR]     copy from MIRROR if given, else download
#   scripts/fetch_data.sh --verify-only DATA_DIR MANIFEST
#
# MANIFEST is in sha256sum format ("<sha256>  <path relative to DATA_DIR>"). Files already present with the right
# checksum are skipped, so the script is idempotent. A file is written to a temporary name, checked, then
# renamed into place: a failed or interrupted run never leaves a bad file under the final name.
# Downloads need curl, unzip and gzip; the OpenWebText sample is rebuilt from Megatron-DeepSpeed's test fixture
# with python3 (standard library only). Usually invoked as `make data` (mk/data.mk). See docs/DATA.md.
set -euo pipefail

VERIFY_ONLY=0
if [ "${1:-}" = "--verify-only" ]; then VERIFY_ONLY=1; shift; fi
DATA_DIR=${1:?usage: fetch_data.sh [--verify-only] DATA_DIR MANIFEST [MIRROR]}
MANIFEST=${2:?usage: fetch_data.sh [--verify-only] DATA_DIR MANIFEST [MIRROR]}
MIRROR=${3:-}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[ -f "$MANIFEST" ] || { echo "make data: ERROR: manifest $MANIFEST not found" >&2; exit 2; }
if [ -n "$MIRROR" ] && [ ! -d "$MIRROR" ]; then
    echo "make data: ERROR: DATA_MIRROR=$MIRROR is not a directory (it must have the layout webtext/..., wikitext-2/raw/wiki.test.raw, lambada/lambada_test.jsonl)" >&2
    exit 2
fi

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- canonical sources -------------------------------------------------------------------------------------
GH=https://raw.githubusercontent.com
LAMBADA_URL=https://openaipublic.blob.core.windows.net/gpt-2/data/lambada_test.jsonl
WIKITEXT_ZIP_URLS="https://wikitext.smerity.com/wikitext-2-raw-v1.zip https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-raw-v1.zip"
C4_EN_URL=$GH/Diffusion-bachelor/diffusion-data-constraint-rare-events/3305ae85ae51f4882f291ff894d49946af655a11/data/c4_sample.jsonl
C4_OLMO_URL=$GH/allenai/OLMo/06c867c36986328ac31e3877faca286dba0925c3/test_fixtures/c4-sample.00000-of-00001.json.gz
C4_NEWS_URL=$GH/DameBr1An/Watermarked-LLM/ff4960924bbb5a3fbb16d648390ed06c11609f17/c4-train.00000-of-00512.json
WEBTEXT_URL=$GH/littlemoon0210/LLM4EDA_pj1/3fb6608af4351abd4fab005eebf069459df60aaf/data/webtext.train.jsonl
MEGATRON=$GH/bigscience-workshop/Megatron-DeepSpeed/8387ae17c4704f6579f88a84500b535d19d7fbbf/tests/data/gpt2
OWT_BIN_SHA=bd6cae4cbc03040e8b86c834d4f03bea1e33aec1a6245a66c469b7f51fc82254
OWT_IDX_SHA=6c66639d39299e15605f39283e4b08849cf1ea4172c0abce900849a5762c8e5c

WORK=""
cleanup() { if [ -n "$WORK" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

download() {  # url out
    echo "  downloading $1"
    curl -fsSL --retry 3 --connect-timeout 30 -o "$2" "$1"
}

workdir() {
    if [ -z "$WORK" ]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/spikelab-data.XXXXXX"); fi
}

OWT_STATE=""  # "", ok or failed: the Megatron fixture is fetched and checked once per run
owt_inputs() {
    if [ -z "$OWT_STATE" ]; then
        workdir
        OWT_STATE=failed
        command -v python3 >/dev/null || { echo "  python3 is needed to rebuild the OpenWebText sample (or use DATA_MIRROR)" >&2; return 1; }
        download "$MEGATRON/meg-gpt2-openwebtext_text_document.bin" "$WORK/owt.bin" || return 1
        download "$MEGATRON/meg-gpt2-openwebtext_text_document.idx" "$WORK/owt.idx" || return 1
        download "$MEGATRON/gpt2-tiny-vocab.json" "$WORK/owt-vocab.json" || return 1
        [ "$(sha_of "$WORK/owt.bin")" = "$OWT_BIN_SHA" ] || { echo "  Megatron .bin has sha256 $(sha_of "$WORK/owt.bin"), expected $OWT_BIN_SHA" >&2; return 1; }
        [ "$(sha_of "$WORK/owt.idx")" = "$OWT_IDX_SHA" ] || { echo "  Megatron .idx has sha256 $(sha_of "$WORK/owt.idx"), expected $OWT_IDX_SHA" >&2; return 1; }
        OWT_STATE=ok
    fi
    [ "$OWT_STATE" = ok ]
}

fetch_one() {  # relative-path tmp-output
    local rel=$1 out=$2
    workdir
    case "$rel" in
        lambada/lambada_test.jsonl)
            download "$LAMBADA_URL" "$out" ;;
        wikitext-2/raw/wiki.test.raw)
            local ok=0
            for url in $WIKITEXT_ZIP_URLS; do
                if download "$url" "$WORK/wikitext-2-raw-v1.zip"; then ok=1; break; fi
            done
            [ $ok = 1 ] || return 1
            unzip -p "$WORK/wikitext-2-raw-v1.zip" wikitext-2-raw/wiki.test.raw > "$out" ;;
        webtext/c4-en/c4-en-train.00000-of-01024.first1000.jsonl)
            download "$C4_EN_URL" "$out" ;;
        webtext/c4-en/c4-en-sample.olmo-test-fixture.jsonl)
            download "$C4_OLMO_URL" "$WORK/c4-olmo.json.gz"
            gzip -dc "$WORK/c4-olmo.json.gz" > "$out" ;;
        webtext/c4-realnewslike/c4-realnewslike-train.00000-of-00512.first1000.jsonl)
            download "$C4_NEWS_URL" "$out" ;;
        webtext/gpt2-webtext/webtext.train.first1408.jsonl)
            # A byte prefix of OpenAI's webtext.train.jsonl: the first 1408 complete records.
            download "$WEBTEXT_URL" "$WORK/webtext.train.jsonl"
            head -c 3799030 "$WORK/webtext.train.jsonl" > "$out" ;;
        webtext/openwebtext/openwebtext-10k.docs0000-0499.jsonl)
            owt_inputs && python3 "$SCRIPT_DIR/openwebtext_from_megatron.py" "$WORK/owt" "$WORK/owt-vocab.json" 0 500 > "$out" ;;
        webtext/openwebtext/openwebtext-10k.docs0500-0999.jsonl)
            owt_inputs && python3 "$SCRIPT_DIR/openwebtext_from_megatron.py" "$WORK/owt" "$WORK/owt-vocab.json" 500 500 > "$out" ;;
        *)
            echo "  no download recipe for $rel" >&2; return 1 ;;
    esac
}

# ---- main loop ---------------------------------------------------------------------------------------------
failures=()
present=0
fetched=0
while read -r sha rel <&3; do
    case "$sha" in ''|\#*) continue ;; esac
    dest="$DATA_DIR/$rel"
    if [ -f "$dest" ]; then
        got=$(sha_of "$dest")
        if [ "$got" = "$sha" ]; then
            echo "ok       $rel"; present=$((present + 1)); continue
        fi
        if [ $VERIFY_ONLY = 1 ]; then
            failures+=("$dest: sha256 $got, expected $sha"); echo "BAD      $rel"; continue
        fi
        echo "mismatch $rel: present with sha256 $got, expected $sha; fetching it again"
    elif [ $VERIFY_ONLY = 1 ]; then
        failures+=("$dest: missing"); echo "MISSING  $rel"; continue
    fi
    mkdir -p "$(dirname "$dest")"
    tmp="$dest.tmp.$$"
    rm -f "$tmp"
    if [ -n "$MIRROR" ]; then
        src="$MIRROR/$rel"
        if [ ! -f "$src" ]; then
            failures+=("$rel: not in the mirror (looked for $src)"); echo "MISSING  $rel (mirror)"; continue
        fi
        cp "$src" "$tmp"
        from="$src"
    else
        if ! fetch_one "$rel" "$tmp"; then
            rm -f "$tmp"; failures+=("$rel: download failed (see the messages above; no network? use DATA_MIRROR=/path/to/copy)"); echo "FAILED   $rel"; continue
        fi
        from="download"
    fi
    chmod 644 "$tmp"
    got=$(sha_of "$tmp")
    if [ "$got" != "$sha" ]; then
        rm -f "$tmp"
        failures+=("$rel: sha256 mismatch from $from: got $got, expected $sha (not installed)")
        echo "BAD      $rel"
        continue
    fi
    mv -f "$tmp" "$dest"
    echo "fetched  $rel (from $from)"
    fetched=$((fetched + 1))
done 3< "$MANIFEST"

if [ ${#failures[@]} -gt 0 ]; then
    echo "" >&2
    echo "make data: ERROR: ${#failures[@]} file(s) not OK in $DATA_DIR:" >&2
    for f in "${failures[@]}"; do echo "  - $f" >&2; done
    if [ $VERIFY_ONLY = 1 ]; then
        echo "Fix: make data DATA_MIRROR=/path/to/mirror (e.g. ../shared/data), or make data to download. See docs/DATA.md." >&2
    else
        echo "Fix: check the mirror or the network; a mismatching source is never installed. See docs/DATA.md." >&2
    fi
    exit 1
fi
echo "make data: all $((present + fetched)) files OK in $DATA_DIR ($fetched fetched, $present already present)"
