#!/usr/bin/env bash
# The README's test command. Installs the test data the suite reads where it can (Debian/Ubuntu, as root or
# with password-less sudo), then runs every test project. Elsewhere the tests that need those data report
# themselves Inconclusive (shown as skipped) with the reason; they never pass silently.
set -uo pipefail
cd "$(dirname "$0")/.."

packages=(libonnx-testdata python3-onnx)
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="-"; fi
    if [ "$sudo" != "-" ]; then
      echo "Installing test data packages: ${missing[*]}"
      $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || echo "warning: could not install ${missing[*]}; the tests that need them will be skipped (Inconclusive)."
    else
      echo "note: ${missing[*]} not installed and no root; the tests that need them will be skipped (Inconclusive)."
    fi
  fi
fi

results="artifacts/test-results"
rm -rf "$results"
dotnet test Microsoft.ML.Pruning.sln -c Release --results-directory "$results" --logger "trx" "$@"
status=$?

# One closing line over all test projects, in the plain 'N passed, N failed' form CI reads.
summarize() {
  passed=0; failed=0; skipped=0
  for f in "$results"/*.trx; do
    [ -f "$f" ] || continue
    line=$(grep -o '<Counters [^>]*' "$f" | head -n 1)
    get() { echo "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    total=$(get total); p=$(get passed); fl=$(get failed); nx=$(get notExecuted); inc=$(get inconclusive)
    passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0})); skipped=$((skipped + ${nx:-0} + ${inc:-0}))
    : "${total:=0}"
  done
  echo "Tests: $passed passed, $failed failed, $skipped skipped"
}
summarize
if [ "$status" -eq 0 ] && [ -z "$(ls "$results"/*.trx 2>/dev/null)" ]; then
  echo "error: no test results were written" >&2
  status=1
fi
exit "$status"
