# sckd — set-up, build, tests, demo. `make setup && make demo` on a fresh Debian 12; `make test`.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
BIN := .build/release/sckd
APT_PACKAGES := pkg-config time ffmpeg libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libdnnl-dev libv4l-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup deps apt-deps python-deps build release test test-swift test-python test-camera soak-camera test-tsan test-cluster fuzz demo samples train-teacher clean

setup: deps release

deps: apt-deps python-deps

# Installs only what is missing, so repeated runs (and CI) cost seconds.
apt-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# The CPU build of PyTorch (never the default wheel: it drags in gigabytes of CUDA).
python-deps:
	@$(PYTHON) -c "import torch, numpy, scipy, PIL, safetensors, pytest, onnx, onnxruntime, yaml" 2>/dev/null || { \
	  $(PYTHON) -m pip install -q torch==2.13.0+cpu 2>/dev/null || \
	  $(PYTHON) -m pip install -q torch==2.13.0+cpu --index-url https://download.pytorch.org/whl/cpu; \
	  $(PYTHON) -m pip install -q -r Training/requirements.txt -r Benchmarks/requirements.txt -r Cluster/requirements.txt; }

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

test: test-swift test-python

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --disable-swift-testing

test-python:
	cd Training && $(PYTHON) -m pytest -q tests
	$(PYTHON) -m pytest -q Benchmarks/tests Cluster/tests

# The pipeline's threads under ThreadSanitizer (a build of its own in .build-tsan).
test-tsan:
	$(SWIFT) build --build-tests --sanitize=thread --build-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --build-path .build-tsan --disable-swift-testing --filter SCKDPipelineTests

# libFuzzer on the safetensors reader, the picture readers and demux+decode, FUZZ_SECONDS each;
# corpora and any crashing input under .cache/fuzz.
FUZZ_SECONDS ?= 60
fuzz:
	cd Fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
	bash Fuzz/run.sh $(FUZZ_SECONDS)

# sckd camera against a real kernel's virtual camera (vivid) under qemu; downloads Debian's
# kernel package once into .cache/vivid.
test-camera: release
	bash Tests/vivid/run.sh

# Ten minutes of sckd camera with ldfc-net-rt at 640x480 on the vivid camera: memory and drops.
SOAK_SECONDS ?= 600
soak-camera: release
	SOAK_SECONDS=$(SOAK_SECONDS) bash Tests/vivid/run.sh

# A one-node Slurm cluster on this machine (Debian's slurm-wlm and munge, installed if missing)
# enhances a clip as a job array and joins it; then a killed task is re-run alone.
test-cluster: release
	@missing=$$(for p in slurm-wlm munge; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	bash Cluster/slurm/test-cluster.sh

# Enhances the bundled night clip and scores it against its ground truth.
demo: release
	@mkdir -p out
	@echo "\$$ $(BIN) enhance Samples/night-coffee.mp4 -o out/night-coffee-enhanced.mp4 -y"
	@$(BIN) enhance Samples/night-coffee.mp4 -o out/night-coffee-enhanced.mp4 -y
	@echo -n "input    vs ground truth: " && $(PYTHON) Samples/video_psnr.py Samples/night-coffee.mp4 Samples/night-coffee-gt.mp4
	@echo -n "enhanced vs ground truth: " && $(PYTHON) Samples/video_psnr.py out/night-coffee-enhanced.mp4 Samples/night-coffee-gt.mp4
	@echo "watch it: ffplay out/night-coffee-enhanced.mp4"

# Regenerates Samples/ from scikit-image's public-domain photos (needs `pip install scikit-image`).
samples:
	$(PYTHON) Samples/make_samples.py

train-teacher:
	cd Training && $(PYTHON) train.py configs/teacher-g-s.py

clean:
	rm -rf .build .build-tsan Fuzz/.build out
