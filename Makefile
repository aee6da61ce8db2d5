# Thin wrapper over meson so that a fresh Debian 12 machine needs two
# commands: `make run` and `make test`. Each installs what is missing first.

BUILDDIR ?= build
# LP_NUM_THREADS=0: see tests/headless-run.
XVFB     := LP_NUM_THREADS=0 dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp"
SHOT     ?= $(BUILDDIR)/atrium-demo.png

.PHONY: all deps setup build run test bench install clean report packages

all: build

deps:
	@./scripts/install-deps

$(BUILDDIR)/build.ninja:
	@$(MAKE) --no-print-directory deps
	meson setup $(BUILDDIR)

setup: $(BUILDDIR)/build.ninja

build: setup
	meson compile -C $(BUILDDIR)

# With a display the demo opens in a window; without one it runs under Xvfb,
# saves a screenshot and prints where.
# The web process extension comes from the build tree (README, "How it works").
run: build
	@export ATRIUM_WEB_EXTENSIONS_DIR=$(abspath $(BUILDDIR))/shell/extension; \
	if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  $(BUILDDIR)/app/atrium $(ARGS); \
	else \
	  $(XVFB) $(BUILDDIR)/app/atrium --screenshot $(SHOT) $(ARGS); \
	fi

# Each test gets an X server and a D-Bus session of its own (tests/headless-run).
test: build
	meson test -C $(BUILDDIR) --print-errorlogs $(TESTARGS); \
	  status=$$?; ./scripts/test-summary $(BUILDDIR); exit $$status

bench: build
	$(XVFB) meson test -C $(BUILDDIR) --benchmark --verbose

# Tests, every benchmark and the performance report (REPORT.md/.html under
# $(BUILDDIR)/bench/report); REPORTARGS=--quick for fewer rounds.
report: build
	BUILDDIR=$(BUILDDIR) ./scripts/integration.sh $(REPORTARGS)

# The Debian packages built from a clean copy of HEAD, checked with lintian,
# unpacked into a throwaway root and used there to build and run
# examples/hello-c (scripts/check-packages). Not part of `test`: it builds
# everything again. PACKAGESARGS=--check also runs the unit suite in the
# package build.
packages: deps
	./scripts/check-packages $(PACKAGESARGS)

install: build
	meson install -C $(BUILDDIR)

clean:
	rm -rf $(BUILDDIR)
