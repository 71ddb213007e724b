# htq - build, run, test.  See README.md.
#
#   make            build bin/htq-fcgi, bin/htqctl, bin/htq-verify,
#                   bin/htq-witness
#   make run        install missing packages, build, init demo data, serve
#   make test       the whole suite (unit, fuzz corpus replay, regress)
#   make test SAN=1 the same under -fsanitize=address,undefined
#   make bench      wrk and micro benchmarks, printed as ratios
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each
#   make web        npm ci (when the lockfile changed) and build/www: the
#                   pages plus content-hashed assets that scripts/run.sh serves
#   make install    the built programs, web files and systemd units under
#                   DESTDIR/PREFIX (README "Installing as a service");
#                   make uninstall removes them

CC	?= cc
PKGS	= libsodium jansson lmdb
WARN	= -Wall -Wextra -Werror
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Layers (README "Layers"): each folder is compiled seeing its own headers
# and those of the folders below it, never one above, so an include of a
# higher layer does not build; 'make layers' also refuses any include
# that names a path.  audit/ stands alone: the verifier sees no other.
INC_audit	= -Iaudit
INC_store	= -Icore/store $(INC_audit)
INC_domain	= -Icore/domain $(INC_store)
INC_publish	= -Icore/publish $(INC_domain)
INC_ctl		= -Icore/ctl $(INC_publish)
INC_fcgi	= -Ifcgi $(INC_publish)
INC_tests	= -Ifcgi -Icore/ctl $(INC_publish)
# libqrencode draws the badges' QR codes (server and htqctl only)
LDLIBS_ALL = -lfcgi -llmdb -lsodium -ljansson -lqrencode -lz -lpthread
LDLIBS_VERIFY = -lsodium -ljansson -lpthread

ifeq ($(FUZZ),1)
CC	= clang
CFLAGS	+= -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
VARIANT	= fuzz
BIN	= bin/fuzz
else ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
VARIANT	= san
BIN	= bin/san
else
VARIANT	= rel
BIN	= bin
endif
OBJ	= build/$(VARIANT)

# Sources.  Each folder is a library; the mains are named here.
CTL_SRC		= $(wildcard core/ctl/*.c)
CORE_SRC	= $(wildcard core/store/*.c core/domain/*.c core/publish/*.c)
AUDIT_MAIN	= audit/verify_main.c audit/monitor.c
WITNESS_MAIN	= audit/witness_main.c
AUDIT_STORE	= $(wildcard audit/store*.c)
AUDIT_PURE	= $(filter-out $(AUDIT_MAIN) $(WITNESS_MAIN) $(AUDIT_STORE), $(wildcard audit/*.c))
FCGI_MAIN	= fcgi/main.c
FCGI_SRC	= $(filter-out $(FCGI_MAIN), $(wildcard fcgi/*.c))

o = $(patsubst %.c,$(OBJ)/%.o,$(1))
LIB_CORE	= $(call o,$(CORE_SRC))
LIB_AUDIT	= $(call o,$(AUDIT_PURE) $(AUDIT_STORE))
LIB_AUDIT_PURE	= $(call o,$(AUDIT_PURE))
LIB_FCGI	= $(call o,$(FCGI_SRC)) $(OBJ)/gen/openapi.o

PROGS	= $(BIN)/htq-fcgi $(BIN)/htqctl $(if $(wildcard $(AUDIT_MAIN)),$(BIN)/htq-verify) \
	  $(if $(wildcard $(WITNESS_MAIN)),$(BIN)/htq-witness)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS	= $(patsubst tests/unit/%.c,$(BIN)/tests/%,$(UNIT_SRC))
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOLS	= $(patsubst tests/tools/%.c,$(BIN)/tests/%,$(TOOL_SRC))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
REPLAYS	= $(patsubst tests/fuzz/%.c,$(BIN)/tests/replay_%,$(FUZZ_SRC))

all: $(PROGS) web

$(OBJ)/audit/%.o: INC = $(INC_audit)
$(OBJ)/core/store/%.o: INC = $(INC_store)
$(OBJ)/core/domain/%.o: INC = $(INC_domain)
$(OBJ)/core/publish/%.o: INC = $(INC_publish)
$(OBJ)/core/ctl/%.o: INC = $(INC_ctl)
$(OBJ)/fcgi/%.o $(OBJ)/gen/%.o: INC = $(INC_fcgi)
$(OBJ)/tests/%.o: INC = $(INC_tests)
$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -MMD -MP -c -o $@ $<

# GET /api/v1/openapi.json serves schemas/openapi.json, compiled in.
$(OBJ)/gen/openapi.c: schemas/openapi.json
	@mkdir -p $(dir $@)
	@{ echo '/* generated from schemas/openapi.json by the Makefile */'; \
	  echo '#include <stddef.h>'; \
	  echo 'extern const char fcx_openapi_json[];'; \
	  echo 'extern const size_t fcx_openapi_len;'; \
	  echo 'const char fcx_openapi_json[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; \
	  echo 'const size_t fcx_openapi_len = sizeof(fcx_openapi_json) - 1;'; } > $@
$(OBJ)/gen/openapi.o: $(OBJ)/gen/openapi.c
	$(CC) $(CFLAGS) $(INC) -c -o $@ $<

$(BIN)/htq-fcgi: $(call o,$(FCGI_MAIN)) $(LIB_FCGI) $(LIB_CORE) $(LIB_AUDIT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BIN)/htqctl: $(call o,$(CTL_SRC)) $(LIB_CORE) $(LIB_AUDIT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# The auditor's verifier builds from audit/ alone (its objects are
# compiled with -Iaudit only) and links only libsodium and Jansson.
$(OBJ)/audit-alone/%.o: audit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_audit) -MMD -MP -c -o $@ $<
$(BIN)/htq-verify: $(patsubst audit/%.c,$(OBJ)/audit-alone/%.o,$(AUDIT_MAIN) $(AUDIT_PURE))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_VERIFY)
# The witness (C2SP tlog-witness) likewise: audit/ alone, no LMDB/FastCGI.
$(BIN)/htq-witness: $(patsubst audit/%.c,$(OBJ)/audit-alone/%.o,$(WITNESS_MAIN) $(AUDIT_PURE))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_VERIFY)

# One binary per unit test file; each links every library.
$(BIN)/tests/test_%: $(OBJ)/tests/unit/test_%.o $(LIB_FCGI) $(LIB_CORE) $(LIB_AUDIT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# test_report runs a wave of several weeks on its own clock: every time()
# in the code it links reads the test's (tests/unit/test_report.c).
$(BIN)/tests/test_report: LDFLAGS += -Wl,--wrap=time

# Test and benchmark helper programs (crash-test writer, micro benchmarks).
$(BIN)/tests/%: $(OBJ)/tests/tools/%.o $(LIB_FCGI) $(LIB_CORE) $(LIB_AUDIT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# Fuzz targets built with a plain main() that replays the seed corpus.
$(BIN)/tests/replay_%: $(OBJ)/tests/fuzz/%.o $(OBJ)/tests/fuzz/replay.o $(LIB_FCGI) $(LIB_CORE) $(LIB_AUDIT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# libFuzzer binaries (make fuzz builds these with FUZZ=1).
$(BIN)/fuzz_%: $(OBJ)/tests/fuzz/fuzz_%.o $(LIB_FCGI) $(LIB_CORE) $(LIB_AUDIT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)
FUZZERS	= $(patsubst tests/fuzz/%.c,$(BIN)/%,$(FUZZ_SRC))
fuzzers: $(FUZZERS)

tests: layers $(PROGS) $(UNITS) $(REPLAYS) $(TOOLS) web

# No source includes a header by a path ("../publish/publish.h"): with
# the include paths above, that is what keeps a layer from reaching up.
layers:
	@! grep -rnE '^#[[:space:]]*include[[:space:]]+"[^"]*/' core fcgi audit \
	    || { echo "layers: include a header by its name, not a path" >&2; exit 1; }

# The web side: npm packages pinned by web/package-lock.json (installed only
# when node_modules is missing or the lockfile changed), then build/www:
# web/'s pages and our JS/CSS plus govuk-frontend and @noble/ed25519, with
# content-hashed asset names (scripts/web-assets.mjs), and the standalone
# verifier build/www/htq-verifier.html (scripts/standalone-verifier.mjs: one
# self-contained file; the publisher writes the instance's policy into its
# copy, public/htq-verifier.html).  No CDN.
WEB_NPM	= web/node_modules/.htq-npm-ci
WEB_SRC	= $(shell find web -path web/node_modules -prune -o -type f -print 2>/dev/null)
web: build/www.stamp

$(WEB_NPM): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm missing: run scripts/deps.sh build" >&2; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build/www.stamp: $(WEB_NPM) $(WEB_SRC) scripts/web-assets.mjs scripts/portal-pages.mjs \
    scripts/standalone-verifier.mjs scripts/verifier.html scripts/verifier.js
	@mkdir -p build
	@rm -rf build/pages
	node scripts/portal-pages.mjs build/pages
	node scripts/web-assets.mjs web build/www build/pages
	node scripts/standalone-verifier.mjs build/www/htq-verifier.html
	@touch $@

deps:
	@scripts/deps.sh build

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

test: 
	@scripts/deps.sh build test
	@$(MAKE) --no-print-directory tests
	@BIN=$(BIN) tests/run.sh

bench:
	@scripts/deps.sh build bench
	@$(MAKE) --no-print-directory tests
	@BIN=$(BIN) tests/bench/run.sh

FUZZ_SECONDS ?= 30
fuzz:
	@scripts/deps.sh build fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# Installing (README "Installing as a service"): built files only, FHS
# paths.  Programs in $(PREFIX)/bin; what scripts/run.sh --prepare reads
# (itself, the nginx templates, limits.h, the catalogue, the web files)
# in $(PREFIX)/share/htq, in the layout run.sh expects around itself;
# the units (dist/systemd/, @NAME@ paths filled in) and the accounts
# (dist/sysusers.d/) under $(PREFIX)/lib; a sample $(SYSCONFDIR)/htq/htq.env,
# never overwritten.  The data directory, /var/lib/htq, is the units'
# StateDirectory: systemd creates it.
PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
NGINX_BIN	?= /usr/sbin/nginx
BINDIR		= $(PREFIX)/bin
SHAREDIR	= $(PREFIX)/share/htq
UNITDIR		= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	= $(PREFIX)/lib/sysusers.d
SYSTEMD_IN	= $(wildcard dist/systemd/*.in)
SYSTEMD_UNITS	= $(patsubst dist/systemd/%.in,%,$(SYSTEMD_IN))
INSTALL_PROGS	= $(notdir $(PROGS))

install: all
	install -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/scripts \
	    $(DESTDIR)$(SHAREDIR)/nginx $(DESTDIR)$(SHAREDIR)/core/store \
	    $(DESTDIR)$(SHAREDIR)/data $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/htq
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 755 scripts/run.sh $(DESTDIR)$(SHAREDIR)/scripts/run.sh
	install -m 644 nginx/htq.conf.in nginx/htq-tls.conf.example \
	    $(DESTDIR)$(SHAREDIR)/nginx/
	install -m 644 core/store/limits.h $(DESTDIR)$(SHAREDIR)/core/store/
	install -m 644 data/standards.json $(DESTDIR)$(SHAREDIR)/data/
	rm -rf $(DESTDIR)$(SHAREDIR)/www.new
	cp -R build/www $(DESTDIR)$(SHAREDIR)/www.new
	chmod -R u=rwX,go=rX $(DESTDIR)$(SHAREDIR)/www.new
	rm -rf $(DESTDIR)$(SHAREDIR)/www
	mv $(DESTDIR)$(SHAREDIR)/www.new $(DESTDIR)$(SHAREDIR)/www
	@set -e; for u in $(SYSTEMD_UNITS); do \
	    echo "render dist/systemd/$$u.in > $(DESTDIR)$(UNITDIR)/$$u"; \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SHAREDIR@|$(SHAREDIR)|g' \
	        -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@NGINX@|$(NGINX_BIN)|g' \
	        dist/systemd/$$u.in > $(DESTDIR)$(UNITDIR)/$$u.new; \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$u.new; \
	    mv $(DESTDIR)$(UNITDIR)/$$u.new $(DESTDIR)$(UNITDIR)/$$u; \
	done
	install -m 644 dist/sysusers.d/htq.conf $(DESTDIR)$(SYSUSERSDIR)/htq.conf
	install -m 644 dist/htq.env $(DESTDIR)$(SYSCONFDIR)/htq/htq.env.example
	@[ -e $(DESTDIR)$(SYSCONFDIR)/htq/htq.env ] || \
	    install -v -m 644 dist/htq.env $(DESTDIR)$(SYSCONFDIR)/htq/htq.env

# Removes what install put there, but the settings ($(SYSCONFDIR)/htq/htq.env)
# and the data (/var/lib/htq): an operator's, kept.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INSTALL_PROGS)) \
	    $(addprefix $(DESTDIR)$(UNITDIR)/,$(SYSTEMD_UNITS)) \
	    $(DESTDIR)$(SYSUSERSDIR)/htq.conf \
	    $(DESTDIR)$(SYSCONFDIR)/htq/htq.env.example
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build bin tests/fuzz/out

.SECONDARY:
.PHONY: all deps run test tests bench fuzz fuzzers clean web layers install uninstall
-include $(shell find build -name '*.d' 2>/dev/null)
