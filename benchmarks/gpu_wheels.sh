#!/usr/bin/env bash
# Download, on a machine with PyPI, the wheels that benchmarks/gpu_check.sh installs on the GPU
# machine (Python 3.12, x86-64, no network): the project's dependencies that its image lacks.
# They go to .whl/ (git-ignored; carry it to the GPU machine). The image already has torch,
# transformers, accelerate, sentencepiece, tokenizers, pytest, hypothesis, regex, lxml,
# charset-normalizer, markdown-it-py, psutil, tqdm, sacrebleu and absl-py. Not carried: gradio (its wheel alone is
# near the 64 MiB a device call may carry; the page's tests are skipped there) and
# nvidia-cublas-cu12 (hundreds of MiB; without it CTranslate2 cannot run on a CUDA 13 machine,
# which is what engine="auto" must survive).
#
#     bash benchmarks/gpu_wheels.sh            # into .whl/
#     bash benchmarks/gpu_wheels.sh DIR        # elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-.whl}
python=${PYTHON:-python3}
wheels=(
    ctranslate2==4.8.5
    sentence-splitter==1.4
    sacremoses==0.2.0
    python-docx==1.2.0
    beautifulsoup4==4.15.0
    soupsieve==4.1.3
    import-linter==2.17
    grimp==3.20
    py3langid==0.4.0
    nltk==3.10.4
    limits==5.8.0
    deprecated==1.3.1
)
mkdir -p "$dest"
"$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$dest" "${wheels[@]}"
# published as source only: pure-Python wheels built here run there as well
"$python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$dest" srt==3.5.3 rouge-score==0.1.2
du -ch "$dest"/*.whl | tail -1
