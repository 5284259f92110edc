#!/usr/bin/env bash
# Runs the benchmarks and regenerates BENCHMARKS.md from their outputs.
#
#   benchmarks/run-all.sh                        # all twenty-one, in order: quickstart, magnitude-50m, lenet, criteria, fine-tune-seeds, fine-tune-replay, throughput, busy-machine,
#                                                #   lenet5, engine-throughput, minilm, resnet18, lasso-solver, coordinate-descent, coordinate-descent-lenet5,
#                                                #   coordinate-descent-minilm, sparse-training, structured, sweep, sensitivity, onnx-fuzz
#   benchmarks/run-all.sh throughput             # only some; the other sections are kept from benchmarks/results/
#   benchmarks/run-all.sh --regenerate           # runs nothing; only rebuilds BENCHMARKS.md (e.g. after editing notes.md)
#   LENET_ARGS="--epochs 12" benchmarks/run-all.sh lenet     # extra options (QUICKSTART_ARGS, MAGNITUDE_50M_ARGS, LENET_ARGS, CRITERIA_ARGS, FINE_TUNE_SEEDS_ARGS, FINE_TUNE_REPLAY_ARGS, THROUGHPUT_ARGS, BUSY_MACHINE_ARGS,
#                                                            #   LENET5_ARGS, ENGINE_THROUGHPUT_ARGS, MINILM_ARGS, RESNET18_ARGS, LASSO_SOLVER_ARGS, COORDINATE_DESCENT_ARGS,
#                                                            #   COORDINATE_DESCENT_LENET5_ARGS, COORDINATE_DESCENT_MINILM_ARGS, SPARSE_TRAINING_ARGS, STRUCTURED_ARGS, SWEEP_ARGS,
#                                                            #   SENSITIVITY_ARGS, ONNX_FUZZ_ARGS)
#
# quickstart is the README's first command (samples/QuickStart) with its output kept verbatim. onnx-fuzz is the long run of
# the OnnxModel.Load fuzzer (benchmarks/OnnxFuzz: 100,000 inputs by default, ~5-10 minutes; ONNX_FUZZ_ARGS="--inputs 1000000").
# Each benchmark writes its section to benchmarks/results/<name>.md (kept in git) and its progress to
# benchmarks/results/<name>.log (ignored). BENCHMARKS.md = benchmarks/intro.md + the sections + benchmarks/notes.md.
# lenet5 and engine-throughput train their PyTorch models once with benchmarks/peer/real_models.py (cached in
# ${TMPDIR:-/tmp}/pruning-benchmarks/real-models, re-made when the script or the epochs change; a few minutes each the first time).
# lasso-solver trains the dense LeNet-300-100 (10 epochs) for its fc1 weight, then runs benchmarks/peer/lasso_peer.py (scikit-learn).
# coordinate-descent trains the same dense network, prunes it one-shot four ways per sparsity, then runs benchmarks/peer/ridge_refit.py (numpy).
# sparse-training trains the same dense network, runs Lasso, ADMM and magnitude (+ fine-tuning) at 90 and 95 %, group Lasso / ADMM / random /
#   L2-norm neurons, the hook-cost timing, then benchmarks/peer/torch_prune.py (~10-15 minutes on 2 cores; a third of it the python peer).
# coordinate-descent-lenet5 prunes lenet5's cached PyTorch LeNet-5 (made by real_models.py if missing) one-shot at 70 %: CoordinateDescent vs magnitude.
# coordinate-descent-minilm prunes MiniLM's 36 MatMul weights to 50 % one-shot (512 calibration lines, sequential and parallel) vs magnitude; its
#   Lasso solves take long (about an hour or more on 2 cores; per-layer progress in its log). COORDINATE_DESCENT_MINILM_ARGS="--modes sequential" halves it.
# structured (issue 11) prunes whole units and measures the written files: parts lenet, resnet18, minilm, testdata (STRUCTURED_ARGS="--parts resnet18");
#   resnet18 runs benchmarks/peer/resnet_width.py (torchvision's ResNet18 at full and half width) and writes nothing to the cache; minilm also writes
#   benchmarks/results/structured-minilm.svg. About an hour on 2 cores, most of it resnet18's feature extraction and distillation and minilm's latency loop.
# sweep (issue 12) trains the dense LeNet-300-100 on the training file minus its last 10,000 rows (the validation rows the sweep chooses on), runs a
#   40-trial TPE sweep (magnitude, wanda, coordinate-descent, lasso; 50-95 %; 0-2 fine-tune epochs; file <= 15 % of dense) with the local runner and
#   on 2 in-process Orleans silos (SWEEP_ARGS="--runner local" for one), re-runs the best hand-picked configuration of BENCHMARKS.md beside the chosen
#   trial, and writes its plots to benchmarks/results/plots/. Smoke: SWEEP_ARGS="--trials 3 --train-rows 2000 --validation-rows 1000 --dense-epochs 1".
# sensitivity (issue 12) compares sensitivity-guided per-layer sparsities with uniform ones (magnitude, one-shot and + 1 epoch) at 80/90/95 % on
#   LeNet-300-100 and lenet5's cached PyTorch LeNet-5 (made by real_models.py if missing); sensitivity curves in benchmarks/results/plots/.
# lenet takes ~15 minutes on 2 cores and fine-tune-seeds ~40 (most of it the python peer); run the script in the background if your shell has a time limit:
#   nohup benchmarks/run-all.sh > /tmp/benchmarks.log 2>&1 &
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
results=$here/results
all=(quickstart magnitude-50m lenet criteria fine-tune-seeds fine-tune-replay throughput busy-machine lenet5 engine-throughput minilm resnet18 lasso-solver coordinate-descent
     coordinate-descent-lenet5 coordinate-descent-minilm sparse-training structured sweep sensitivity onnx-fuzz)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${all[@]}")
[ "${selected[*]}" = "--regenerate" ] && selected=()
for name in "${selected[@]+"${selected[@]}"}"; do
  case " ${all[*]} " in *" $name "*) ;; *) echo "Unknown benchmark '$name'; choose from: ${all[*]}" >&2; exit 2 ;; esac
done

# The QuickStart's printed output as a section: the command, when and where, then the output unedited.
quickstart_section() {
  local out=$1; shift
  local cpu os
  cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
  os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -sr)
  echo "## quickstart: the README's first command"
  echo
  echo "- Command: \`dotnet run --project samples/QuickStart -c Release${*:+ -- $*}\`"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M') UTC"
  local head; head=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no -- . ':!benchmarks/results' ':!BENCHMARKS.md' 2>/dev/null)" ]; then echo "- Commit: \`$head\` with uncommitted changes"; else echo "- Commit: \`$head\`"; fi
  echo "- Machine: ${cpu:-$(uname -m)}, nproc $(nproc), $(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo) GiB RAM, $os, .NET SDK $(dotnet --version)"
  echo
  echo "Its output, unedited (the README quotes the table from here; prune and training times vary from run to run, the"
  echo "accuracies and bytes do not):"
  echo
  echo '```'
  cat "$out"
  echo '```'
}

cd "$repo"
dotnet build benchmarks/Pruning.Benchmarks/Pruning.Benchmarks.csproj -c Release -nologo -v quiet
mkdir -p "$results"

for name in "${selected[@]+"${selected[@]}"}"; do
  var=$(echo "${name}_ARGS" | tr 'a-z-' 'A-Z_')
  read -r -a extra <<< "${!var:-}"
  echo "== $name ${extra[*]:-} ($(date -u '+%H:%M:%S') UTC; progress in $results/$name.log)" >&2
  # A failed run keeps the previous section.
  if [ "$name" = quickstart ]; then
    if dotnet build samples/QuickStart -c Release -nologo -v quiet > "$results/$name.log" 2>&1 &&
        dotnet run --project samples/QuickStart -c Release --no-build -- "${extra[@]}" --output "${TMPDIR:-/tmp}/pruning-benchmarks/quickstart" \
          > "$results/$name.out" 2>> "$results/$name.log"; then
      # The output folder is a temporary one; say where the README's command puts it.
      sed -i -e "s|${TMPDIR:-/tmp}/pruning-benchmarks/quickstart|./quickstart-output|" -e "s|$repo/||" "$results/$name.out"
      quickstart_section "$results/$name.out" "${extra[@]}" > "$results/$name.md"
      rm -f "$results/$name.out"
    else
      echo "$name failed; see $results/$name.log" >&2
      tail -n 20 "$results/$name.log" >&2
      status=1
    fi
  elif [ "$name" = onnx-fuzz ]; then
    # Its own console app (the fuzzer is the test project's, compiled in); a run with findings keeps the previous section.
    if dotnet run --project benchmarks/OnnxFuzz -c Release -- "${extra[@]}" --markdown "$results/$name.md.new" > "$results/$name.log" 2>&1; then
      mv "$results/$name.md.new" "$results/$name.md"
    else
      rm -f "$results/$name.md.new"
      echo "$name failed or found inputs that break the loader's promises; see $results/$name.log" >&2
      tail -n 20 "$results/$name.log" >&2
      status=1
    fi
  elif dotnet run --project benchmarks/Pruning.Benchmarks -c Release --no-build -- "$name" "${extra[@]}" --markdown "$results/$name.md.new" \
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
