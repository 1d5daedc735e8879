#!/usr/bin/env bash
# The GPU check, in one call of under 8 minutes on one H100/H200: the whole test suite with the
# default device (auto = cuda there), then the GPU benchmark (bench_translate.py --device cuda).
#
# Run from the repository root on the GPU machine, with the wheels of benchmarks/gpu_wheels.sh in
# .whl/ (made beforehand on a machine with PyPI):
#
#     bash benchmarks/gpu_wheels.sh                     # here, once
#     bash benchmarks/gpu_check.sh                      # there; with the device tool:
#         run(command="bash benchmarks/gpu_check.sh", carry=[".whl"], timeout_s=540)
#
# Logs and the benchmark's table go to $OUT (the device tool's result folder) or
# test-output/gpu-check/. The page's tests need gradio, which is not carried (see gpu_wheels.sh):
# without it they are left out, and the log says so. Exits non-zero when the tests or the
# benchmark failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-test-output/gpu-check}
mkdir -p "$out"
python=${PYTHON:-python3}
started=$SECONDS

if compgen -G ".whl/*.whl" >/dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/translator-site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/translator-site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false

{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    "$python" - <<'EOF'
import ctypes, importlib.metadata as md, torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
for name in ("transformers", "ctranslate2", "accelerate"):
    try:
        print(name, md.version(name))
    except md.PackageNotFoundError:
        print(name, "missing")
for library in ("libcublas.so.12", "libcublas.so.13"):
    try:
        ctypes.CDLL(library)
        print(library, "loads")
    except OSError:
        print(library, "does not load")
EOF
} 2>&1 | tee "$out/machine.txt"

skip=()
if ! "$python" -c "import gradio" 2>/dev/null; then
    echo "gradio is not installed here: tests/test_ui.py and tests/test_browser.py are left out"
    skip=(--ignore=tests/test_ui.py --ignore=tests/test_browser.py)
fi
timeout 300 "$python" -m pytest -q -p no:cacheprovider --durations=10 "${skip[@]}" 2>&1 | tee "$out/tests.log"
tests=${PIPESTATUS[0]}
echo "tests: exit $tests after $((SECONDS - started)) s"

left=$((470 - (SECONDS - started)))
if ((left < 90)); then
    echo "benchmark skipped: only $left s left of the 8 minutes"
    bench=1
else
    timeout "$left" "$python" benchmarks/bench_translate.py --device cuda --out "$out/bench.md" 2>&1 | tee "$out/bench.log"
    bench=${PIPESTATUS[0]}
fi
echo "gpu_check: tests exit $tests, benchmark exit $bench, $((SECONDS - started)) s in all"
[[ $tests == 0 && $bench == 0 ]]
