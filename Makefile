# Alcove build.  `make` builds build/alcove; `make check` runs every test
# suite on SQLite and PostgreSQL; `make demo` serves a demo practice.
# Every dependency comes from a Debian package through pkg-config.

.SUFFIXES:

CC      = cc
PREFIX  ?= /usr/local
PKGS    = libmicrohttpd gnutls sqlite3 libpq libsodium inih jansson libcurl \
	  liboath libqrencode zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith \
	  -Wcast-qual -Wwrite-strings -Wundef -Wno-unused-parameter
HARDEN  = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -pthread $(WARN) \
	  -Isrc -Ibuild/gen $(PKG_CFLAGS)
CFLAGS_release = -O2 -g $(HARDEN)
CFLAGS_asan    = -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_release = -pie -Wl,-z,relro,-z,now
LDFLAGS_asan    = -fsanitize=address,undefined

SRC   := $(shell find src -name '*.c' | sort)
LIBSRC := $(filter-out src/cli/main.c,$(SRC))
HDRS  := $(shell find src -name '*.h')
TEMPLATES := $(shell find templates -name '*.html' | sort)
STATIC := $(shell find static -type f | sort)
MIGRATIONS := $(shell find src/db/migrations -name '*.sql' | sort)
POLICY_TEXTS := $(shell find data/policies -name '*.md' | sort)
NOTE_TEMPLATES := $(shell find data/templates -name '*.json' | sort)
RISK_QUESTIONS := data/risk/questions.txt
EMBED_GEN = build/gen/static_assets.c build/gen/migrations.c \
	build/gen/password_blocklist.c build/gen/policy_templates.c \
	build/gen/note_templates.c build/gen/risk_questions.c
GEN   = build/gen/templates.c $(EMBED_GEN)
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(filter-out tests/unit/testlib.c,$(wildcard tests/unit/test_*.c)))

all: build/alcove

# --- generated code --------------------------------------------------------

build/tools/%: tools/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -o $@ $<

build/gen/templates.c: build/tools/tmplc $(TEMPLATES)
	@mkdir -p $(@D)
	build/tools/tmplc -o $@ -H build/gen/templates.h -r templates $(TEMPLATES)
build/gen/templates.h: build/gen/templates.c

build/gen/static_assets.c: build/tools/embed $(STATIC)
	@mkdir -p $(@D)
	build/tools/embed -o $@ -s static_assets -p static/ $(STATIC)

build/gen/migrations.c: build/tools/embed $(MIGRATIONS)
	@mkdir -p $(@D)
	build/tools/embed -o $@ -s migrations -p src/db/migrations/ $(MIGRATIONS)

# The breached-password blocklist (data/passwords/SOURCE.md): sorted,
# lower-cased text that core/users/password_policy.c binary-searches.
build/gen/password_blocklist.c: build/tools/embed data/passwords/blocklist.txt
	@mkdir -p $(@D)
	build/tools/embed -o $@ -s password_blocklist -p data/passwords/ \
		data/passwords/blocklist.txt

# Starter policy texts (core/compliance/policy.h): KEY.md, "# Title" first.
build/gen/policy_templates.c: build/tools/embed $(POLICY_TEXTS)
	@mkdir -p $(@D)
	build/tools/embed -o $@ -s policy_templates -p data/policies/ \
		$(POLICY_TEXTS)

# Clinical-note templates (core/notes/notes.h): KEY.json.
build/gen/note_templates.c: build/tools/embed $(NOTE_TEMPLATES)
	@mkdir -p $(@D)
	build/tools/embed -o $@ -s note_templates -p data/templates/ \
		$(NOTE_TEMPLATES)

# The risk analysis questionnaire (core/compliance/risk.h).
build/gen/risk_questions.c: build/tools/embed $(RISK_QUESTIONS)
	@mkdir -p $(@D)
	build/tools/embed -o $@ -s risk_questions_file -p data/risk/ \
		$(RISK_QUESTIONS)

# --- objects: build/<variant>/obj/... for variant release and asan ----------

define variant
build/$(1)/obj/%.o: %.c $(HDRS) build/gen/templates.h
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$<"
	@$$(CC) $$(BASE_CFLAGS) $$(CFLAGS_$(1)) -c -o $$@ $$<

# Embedded data depends on nothing but its struct, not on every header.
$$(patsubst %.c,build/$(1)/obj/%.o,$$(EMBED_GEN)): build/$(1)/obj/%.o: %.c src/base/embed.h
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$<"
	@$$(CC) $$(BASE_CFLAGS) $$(CFLAGS_$(1)) -c -o $$@ $$<

OBJ_$(1) := $$(patsubst %.c,build/$(1)/obj/%.o,$$(LIBSRC) $$(GEN))

build/$(1)/libalcove.a: $$(OBJ_$(1))
	@rm -f $$@
	ar rcs $$@ $$^

build/$(1)/alcove: build/$(1)/obj/src/cli/main.o build/$(1)/libalcove.a
	$$(CC) $$(LDFLAGS_$(1)) -pthread -o $$@ $$^ $$(PKG_LIBS)

build/$(1)/tests/%: tests/unit/%.c tests/unit/testlib.c tests/unit/testlib.h build/$(1)/libalcove.a
	@mkdir -p $$(@D)
	$$(CC) $$(BASE_CFLAGS) $$(CFLAGS_$(1)) -Itests/unit -o $$@ $$< \
		tests/unit/testlib.c build/$(1)/libalcove.a $$(LDFLAGS_$(1)) \
		$$(PKG_LIBS) $$(shell pkg-config --libs cmocka)
endef
$(eval $(call variant,release))
$(eval $(call variant,asan))

# The audit verify benchmark's filler (bench/run), against the library.
build/release/bench/audit_verify: bench/audit_verify.c build/release/libalcove.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS_release) -o $@ $< build/release/libalcove.a \
		$(LDFLAGS_release) $(PKG_LIBS)

# The field-encryption cost benchmark (bench/run), against the library.
build/release/bench/field_cost: bench/field_cost.c build/release/libalcove.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS_release) -o $@ $< build/release/libalcove.a \
		$(LDFLAGS_release) $(PKG_LIBS)

build/alcove: build/release/alcove
	cp build/release/alcove $@

unit-tests: $(addprefix build/asan/tests/,$(UNIT_TESTS))
test-binaries: build/asan/alcove unit-tests build/asan/tests/icalcheck

# Test-only: checks the scheduling feed with libical
# (tests/http/schedule_feed.test.js).  Not part of the program.
build/asan/tests/icalcheck: tests/tools/icalcheck.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -O1 -g $(WARN) -o $@ $< \
		$(shell pkg-config --cflags --libs libical)

# --- the commands in the README --------------------------------------------

deps:
	scripts/install-deps

demo: deps
	$(MAKE) build/alcove
	scripts/demo

check: deps
	$(MAKE) test-binaries build/alcove
	tests/run

# SCALE=small (default: 1 practice, 2,000 patients; under 20 minutes) or
# large (100 practices, 100,000 patients; hours).  ENGINES="sqlite postgres".
SCALE ?= small
bench: deps
	$(MAKE) build/alcove build/release/bench/audit_verify \
		build/release/bench/field_cost
	SCALE=$(SCALE) bench/run

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem -Isrc src tools

install: build/alcove
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 build/alcove $(DESTDIR)$(PREFIX)/bin/alcove

clean:
	rm -rf build

.PHONY: all deps demo check bench lint install clean unit-tests test-binaries
