# Entry points (see README.md). `make demo` and `make test` build first; both assume the
# packages from scripts/install-deps.sh are installed.
BUILD ?= build
JOBS ?= $(shell nproc)
ODEC = $(BUILD)/tools/odec/odec

.PHONY: all build demo test clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	bash examples/demo.sh $(ODEC)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD)
