#!/usr/bin/env bash
# Runs the benchmarks and regenerates BENCHMARKS.md from their outputs.
#
#   benchmarks/run-all.sh                        # all three, in order: magnitude-50m, lenet, throughput
#   benchmarks/run-all.sh throughput             # only some; the other sections are kept from benchmarks/results/
#   LENET_ARGS="--epochs 12" benchmarks/run-all.sh lenet     # extra options (MAGNITUDE_50M_ARGS, LENET_ARGS, THROUGHPUT_ARGS)
#
# Each benchmark writes its section to benchmarks/results/<name>.md (kept in git) and its progress to
# benchmarks/results/<name>.log (ignored). BENCHMARKS.md = benchmarks/intro.md + the sections + benchmarks/notes.md.
# The lenet benchmark takes ~15 minutes on 2 cores; run the script in the background if your shell has a time limit:
#   nohup benchmarks/run-all.sh > /tmp/benchmarks.log 2>&1 &
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
results=$here/results
all=(magnitude-50m lenet throughput)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${all[@]}")
for name in "${selected[@]}"; do
  case " ${all[*]} " in *" $name "*) ;; *) echo "Unknown benchmark '$name'; choose from: ${all[*]}" >&2; exit 2 ;; esac
done

cd "$repo"
dotnet build benchmarks/Pruning.Benchmarks/Pruning.Benchmarks.csproj -c Release -nologo -v quiet
mkdir -p "$results"

for name in "${selected[@]}"; do
  var=$(echo "${name}_ARGS" | tr 'a-z-' 'A-Z_')
  read -r -a extra <<< "${!var:-}"
  echo "== $name ${extra[*]:-} ($(date -u '+%H:%M:%S') UTC; progress in $results/$name.log)" >&2
  # A failed run keeps the previous section.
  if dotnet run --project benchmarks/Pruning.Benchmarks -c Release --no-build -- "$name" "${extra[@]}" --markdown "$results/$name.md.new" \
      > "$results/$name.log" 2>&1; then
    mv "$results/$name.md.new" "$results/$name.md"
  else
    rm -f "$results/$name.md.new"
    echo "$name failed; see $results/$name.log" >&2
    tail -n 20 "$results/$name.log" >&2
    status=1
  fi
done

{
  cat "$here/intro.md"
  for name in "${all[@]}"; do
    [ -f "$results/$name.md" ] && { echo; cat "$results/$name.md"; }
  done
  [ -f "$here/notes.md" ] && { echo; cat "$here/notes.md"; }
} > "$repo/BENCHMARKS.md.new"
mv "$repo/BENCHMARKS.md.new" "$repo/BENCHMARKS.md"
echo "BENCHMARKS.md regenerated." >&2
exit "${status:-0}"
