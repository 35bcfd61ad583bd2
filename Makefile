# Entry points (see README.md). `make demo` and `make test` build first; both assume the
# packages from scripts/install-deps.sh are installed.
BUILD ?= build
JOBS ?= $(shell nproc)
ODEC = $(BUILD)/tools/odec/odec

ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
UNIT_TESTS = $(addprefix test_,$(notdir $(patsubst %/,%,$(wildcard tests/unit/*/))))
# A finding stops the run and fails it; LSan ignores only LLVM's and Clang's own caches.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all build demo test sanitize fuzz clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	bash examples/demo.sh $(ODEC)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The unit tests built with -fsanitize=address,undefined in $(ASAN_BUILD) (only what they
# need: no benchmarks, no examples) and run with LeakSanitizer on; any report fails.
sanitize:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DODEC_SANITIZE=ON \
	  -DODEC_BUILD_BENCH=OFF -DODEC_BUILD_PYTHON=OFF \
	  -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target odec $(UNIT_TESTS)
	set -e; for t in $(UNIT_TESTS); do echo "== $$t (ASan+UBSan)"; \
	  $(SANITIZER_ENV) $(ASAN_BUILD)/tests/$$t --gtest_brief=1; done

# The libFuzzer harness over parse, check, lower and derive (tests/fuzz/README.md), run for
# FUZZ_SECONDS on the seed corpus from examples/ and tests/golden/.
fuzz:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DODEC_FUZZ=ON \
	  -DODEC_BUILD_TESTS=OFF -DODEC_BUILD_BENCH=OFF -DODEC_BUILD_PYTHON=OFF \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_frontend
	bash tests/fuzz/run.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_frontend $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
