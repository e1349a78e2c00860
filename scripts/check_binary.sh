#!/usr/bin/env bash
# Checks what a built `hiring` binary needs at run time: no libpq, Kerberos, LDAP or OpenSSL
# shared library (libpq and OpenSSL are compiled in, see hiring-adapters' `bundled` feature),
# and, when a size is given, that it is no bigger than that many MB.
#
#   scripts/check_binary.sh path/to/hiring [max-MB]
set -euo pipefail

binary="${1:?usage: scripts/check_binary.sh path/to/hiring [max-MB]}"
max_mb="${2:-}"

libraries="$(ldd "$binary")"
forbidden='libpq|libkrb5|libgssapi|libk5crypto|libldap|liblber|libsasl|libssl|libcrypto'
if grep -Eq "$forbidden" <<<"$libraries"; then
    echo "$binary loads libraries it should have compiled in:" >&2
    grep -E "$forbidden" <<<"$libraries" >&2
    exit 1
fi
echo "$binary loads: $(awk '{print $1}' <<<"$libraries" | tr '\n' ' ')"

if [ -n "$max_mb" ]; then
    bytes="$(stat -c %s "$binary")"
    if [ "$bytes" -gt $((max_mb * 1024 * 1024)) ]; then
        echo "$binary is $((bytes / 1024 / 1024)) MB, over $max_mb MB" >&2
        exit 1
    fi
    echo "$binary is $((bytes / 1024 / 1024)) MB (at most $max_mb)"
fi
