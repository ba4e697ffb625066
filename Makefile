# The two commands of the README are `make demo` and `make test`. Each installs missing Debian packages,
# configures and builds in build/, then runs.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-sanitize bench format format-check clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null

build: deps $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@./$(BUILD_DIR)/bin/skr-harness demo

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Google Benchmark of each stage against its floor (bench/floor.h), in a Release build of its own;
# the JSON goes to build-bench/bench.json (BENCHMARKS.md says how to read it).
BENCH_BUILD_DIR ?= build-bench
bench: deps
	@cmake -S . -B $(BENCH_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target skr_bench
	@TSS2_LOG=all+NONE ./$(BENCH_BUILD_DIR)/bin/skr_bench --benchmark_out=$(BENCH_BUILD_DIR)/bench.json \
	  --benchmark_out_format=json $(BENCH_FLAGS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer, in their own build directory.
test-sanitize: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -DSKR_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(BENCH_BUILD_DIR)
