#!/usr/bin/env bash
# Runs every test of the solution, on SQLite and on a throwaway PostgreSQL server, and ends with one line:
# "N passed, N failed" (", N skipped" when some were). Exits non-zero when a test or the run failed.
set -uo pipefail
cd "$(dirname "$0")"

# As root, PostgreSQL is installed when missing; otherwise its tests say how to install it, or are skipped with
# IDBRIDGE_SKIP_POSTGRES=1.
if [ "$(id -u)" = 0 ] && [ "${IDBRIDGE_SKIP_POSTGRES:-}" != 1 ]; then
    .ci/install-postgres || exit 1
fi
# The SAML interop tests sign and verify with independent implementations (xmlsec1, python3-saml and pysaml2 from
# Debian; samlp, samlify and node-saml from npm):
# installed here, quickly skipped when already present. Without root, the script says what to install.
.ci/install-saml-peers || exit 1
# The end-to-end tests drive Debian's chromium through Playwright: installed here, quickly skipped when present.
.ci/install-browser || exit 1

rm -rf TestResults
dotnet test IdentityBridge.slnx --logger "trx;LogFileName=results.trx" --results-directory TestResults
status=$?

# Sum the <Counters total=".." executed=".." passed=".." failed=".." .../> of every results file (one per test
# project, see Directory.Build.targets). Errors, timeouts and aborts count as failures; skipped tests are the ones
# counted in total but not executed.
counter() { local value; value=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<< "$2"); echo "${value:-0}"; }
passed=0 failed=0 skipped=0 files=0
while IFS= read -r -d '' trx; do
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    files=$((files + 1))
    passed=$((passed + $(counter passed "$counters")))
    for outcome in failed error timeout aborted; do
        failed=$((failed + $(counter "$outcome" "$counters")))
    done
    skipped=$((skipped + $(counter total "$counters") - $(counter executed "$counters")))
done < <(find TestResults -name '*.trx' -print0 2>/dev/null)

summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then summary="$summary, $skipped skipped"; fi
echo
echo "$summary"

if [ "$status" -ne 0 ] || [ "$failed" -gt 0 ] || [ "$files" -eq 0 ]; then
    exit 1
fi
