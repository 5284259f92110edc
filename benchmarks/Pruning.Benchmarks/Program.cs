// Benchmarks of Microsoft.ML.Pruning. Each subcommand prints one markdown section of BENCHMARKS.md (progress goes
// to stderr); benchmarks/run-all.sh runs them all and regenerates BENCHMARKS.md.
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Benchmarks;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

const string Usage = """
    Usage: Pruning.Benchmarks <benchmark> [--option value ...] [--markdown FILE]

      magnitude-50m  [--repetitions 5] [--width 4096] [--hidden-layers 3] [--sparsity 0.9] [--folder DIR]
                     Load + write of a ≈50M-parameter MLP vs. load + global magnitude pruning + write.
      lenet          [--epochs 10] [--sparsities 0.5,0.8,0.9,0.95] [--data DIR] [--output DIR]
                     [--python /usr/bin/python3] [--peer benchmarks/peer/torch_prune.py]
                     LeNet-300-100 on full Fashion-MNIST: one-shot, fine-tuned and gradual pruning vs torch.nn.utils.prune.
      criteria       [--epochs 10] [--fine-tune-epochs 2] [--sparsities 0.5,0.8,0.9,0.95] [--criteria magnitude,random,taylor,fisher,wanda]
                     [--neuron-criteria random,magnitude,...,gsap] [--neuron-fraction 0.5] [--calibration-rows 1024] [--data DIR]
                     Every criterion one-shot and + fine-tuning, global and layer scope, vs torch.nn.utils.prune (L1, random) and torch Taylor.
      fine-tune-seeds [--seeds 1,2,...,10] [--sparsities 0,0.5,0.8,0.9,0.95] [--fine-tune-epochs 2] [--data DIR]
                     Magnitude + fine-tuning vs torch.nn.utils.prune + fine-tuning, once per seed on both sides.
      fine-tune-replay [--seed 1] [--sparsities 0,0.5,0.9] [--fine-tune-epochs 2] [--data DIR]
                     Our fine-tuning and torch's on the same batches (our loop's recorded order): weights and predictions compared.
      throughput     [--epochs 2] [--rounds 10] [--warmup-epochs 1] [--data DIR]
                     Training samples/s: the ONNX engine vs a hand-built TorchSharp Sequential.
      busy-machine   [--repetitions 3] [--epochs 2] [--competitors 0,1,2] [--spin-counts 10000,...] [--data DIR]
                     The 2-epoch LeNet-300-100 fine-tune quiet and beside busy-loop processes, libgomp's default wait policy vs the library's.
      lenet5         [--dense-epochs 10] [--fine-tune-epochs 2] [--sparsity 0.8] [--seed 1] [--data DIR] [--output DIR]
                     [--cache DIR] [--python /usr/bin/python3] [--peer benchmarks/peer/real_models.py]
                     LeNet-5 trained and exported by PyTorch: global magnitude + fine-tuning vs torch.nn.utils.prune + the same batches.
      engine-throughput [--models lenet5,resnet] [--lenet5-epochs 10] [--resnet-epochs 5] [--batch 128] [--block 20] [--blocks 20]
                     [--warmup 20] [--peer-blocks 5] [--seed 1] [--data DIR] [--output DIR] [--cache DIR] [--python ...] [--peer ...]
                     Training samples/s on PyTorch-exported CNNs: the engine vs a hand-built TorchSharp module vs PyTorch.
      minilm         [--sparsity 0.5] [--scope layer|global] [--train-lines 2000] [--held-out-lines 500] [--max-tokens 64]
                     [--epochs 1] [--batch 16] [--learning-rate 1e-4] [--seed 1] [--text /usr/share/games/fortunes]
                     all-MiniLM-L6-v2: MatMul weights pruned, distilled from the dense model; cosine to the dense embeddings.
      resnet18       [--batch-sizes 1,8] [--repetitions 10] [--warmup 2] [--seed 1] [--model FILE]
                     ML.NET's ResNet18 featurizer: engine forward and forward + backward per image vs ONNX Runtime forward.
      lasso-solver   [--problems lenet,synthetic] [--calibration-rows 1024] [--outputs 300] [--epochs 10 (0: seeded weight, no training)]
                     [--samples 5000] [--features 2000] [--targets 20] [--correlation 0.5] [--density 0.25] [--tolerance 1e-6]
                     [--repeats 3] [--solver-threads 2] [--seed 1] [--data DIR] [--output DIR] [--python /usr/bin/python3] [--peer benchmarks/peer/lasso_peer.py]
                     The Gram-form coordinate-descent Lasso vs scikit-learn's Lasso (precompute=True and G given) on identical .npy inputs.
      coordinate-descent [--dense-epochs 10] [--sparsities 0.5,0.7,0.8,0.9] [--calibration-rows 1024] [--ridge 1e-3] [--data DIR]
                     [--output DIR] [--python /usr/bin/python3] [--peer benchmarks/peer/ridge_refit.py]
                     LeNet-300-100 one-shot per layer: CoordinateDescent (sequential, parallel), magnitude, wanda vs a numpy magnitude + ridge refit.
      sparse-training [--dense-epochs 10] [--fine-tune-epochs 2] [--sparsities 0.9,0.95] [--lasso-epochs 1] [--lasso-path-steps 16] [--admm-epochs 4] [--rho 0.01]
                     [--rho-factor 1.3] [--admm-steps-per-round 100 (0: a round per epoch)] [--neuron-fraction 0.5] [--timing-repetitions 5]
                     [--train-rows 60000 (fewer: a smoke run)] [--data DIR] [--output DIR] [--python /usr/bin/python3] [--peer benchmarks/peer/torch_prune.py]
                     LeNet-300-100: Lasso and ADMM + fine-tuning vs magnitude and torch.nn.utils.prune + fine-tuning and the dense model as many
                     epochs; group Lasso neurons vs random and L2-norm neurons; seconds per epoch with the regularizer hooks.
      coordinate-descent-lenet5 [--sparsities 0.7] [--calibration-rows 1024] [--max-conv-positions 64] [--dense-epochs 10] [--seed 1]
                     [--data DIR] [--cache DIR] [--python /usr/bin/python3] [--peer benchmarks/peer/real_models.py]
                     lenet5's PyTorch-exported LeNet-5 one-shot per layer: CoordinateDescent (sequential, parallel) vs magnitude.
      coordinate-descent-minilm [--sparsity 0.5] [--calibration-lines 512] [--held-out-lines 500] [--max-tokens 64] [--layers 36]
                     [--modes sequential,parallel] [--feed padded|by-length] [--max-iterations 10000] [--tolerance 1e-4] [--seed 1] [--text DIR]
                     all-MiniLM-L6-v2's MatMul weights one-shot: CoordinateDescent vs magnitude, cosine to the dense embeddings on held-out lines.
      structured     [--parts lenet,resnet18,minilm,testdata] [--repeats 20] [--warmup 3] [--ort-threads 2] [--seed 1] [--data DIR] [--output DIR]
                     lenet:    [--lenet-epochs 10] [--lenet-fine-tune-epochs 2] [--lenet-neuron-fraction 0.5] [--train-rows 60000] [--lenet-latency-batch 32]
                     resnet18: [--resnet-channel-fraction 0.5] [--probe-train-images 2000] [--probe-test-images 1000] [--resnet-fine-tune-images 1000]
                               [--resnet-fine-tune-epochs 1] [--resnet-batch 16] [--resnet-learning-rate 1e-4] [--resnet-verify-rows 16] [--resnet-freeze-normalization 1]
                               [--resnet-latency-batch 32] [--python /usr/bin/python3] [--resnet-peer benchmarks/peer/resnet_width.py]
                     minilm:   [--head-fractions 0,0.25,0.5] [--ffn-fractions 0.25,0.5,0.75] [--minilm-fine-tune-epochs 0] [--train-lines 1000]
                               [--held-out-lines 500] [--max-tokens 64] [--latency-tokens 128] [--minilm-latency-batch 32] [--minilm-batch 16]
                               [--minilm-learning-rate 1e-4] [--minilm-verify-rows 16] [--minilm-refit 1] [--text /usr/share/games/fortunes]
                     testdata: [--testdata /usr/share/libonnx-testdata/data/pytorch-converted] [--testdata-fraction 0.3] [--testdata-rows 16]
                     Structured pruning (issue 11), measured on the written files: parameters, bytes, MACs, ONNX Runtime latency at batch 1 and 32,
                     accuracy / linear-probe accuracy / cosine to dense; ResNet18 vs torchvision's layout at half width; an SVG curve for MiniLM.
      sweep          [--trials 40] [--runner local|orleans|both] [--silos 2] [--dense-epochs 10] [--train-rows 50000] [--validation-rows 10000]
                     [--calibration-rows 1024] [--latency-batch 32] [--repeats 20] [--warmup 3] [--ort-threads 2] [--seed 1] [--data DIR] [--output DIR]
                     LeNet-300-100: a TPE sweep (magnitude, wanda, coordinate-descent, lasso; 50-95 %; 0-2 fine-tune epochs) for the most accurate
                     model with a file <= 15 % of dense, chosen on held-out training rows; vs the best hand-picked configuration of BENCHMARKS.md;
                     wall time with the local runner and an Orleans cluster of in-process silos; plots under benchmarks/results/plots/.
      sensitivity    [--models lenet,lenet5] [--sparsities 0.5,0.7,0.8,0.9,0.95,0.98,0.99] [--totals 0.8,0.9,0.95] [--fine-tune-epochs 1]
                     [--dense-epochs 10] [--lenet5-epochs 10] [--train-rows 50000] [--validation-rows 10000] [--seed 1] [--data DIR] [--output DIR]
                     [--cache DIR] [--python /usr/bin/python3] [--peer benchmarks/peer/real_models.py]
                     Sensitivity-guided per-layer sparsities vs the same sparsity in every layer at the same total (magnitude, one-shot and
                     + fine-tuning) on LeNet-300-100 and lenet5's PyTorch LeNet-5; sensitivity curves under benchmarks/results/plots/.
      Smoke runs (< 2 minutes each, the first lenet5 one + ~40 s of PyTorch training; not measurements):
        coordinate-descent-lenet5 --dense-epochs 1 --calibration-rows 512 --cache /tmp/cd-smoke
        coordinate-descent-minilm --calibration-lines 64 --held-out-lines 32 --layers 2 --modes sequential
        structured --parts lenet,testdata --lenet-epochs 1 --lenet-fine-tune-epochs 1 --train-rows 2000 --repeats 3 --warmup 1
        sweep --trials 3 --train-rows 2000 --validation-rows 1000 --dense-epochs 1 --repeats 3 --warmup 1
        sensitivity --models lenet --sparsities 0.5,0.9 --totals 0.8 --train-rows 2000 --validation-rows 1000 --dense-epochs 1

    The section is printed to stdout and, with --markdown, written to FILE.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var arguments = BenchmarkArguments.Parse(args[0], args[1..]);
    string? markdown = arguments.OptionalString("markdown");
    // Load the engine assembly before TorchSharp starts libtorch, so its OpenMP wait policy (OpenMpWaitPolicy) applies here too.
    System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(Microsoft.ML.Pruning.Trainers.Engine.OnnxTorchModule).Module.ModuleHandle);
    TorchSharp.torch.set_num_threads(arguments.Int("threads", 2));
    string section = args[0] switch
    {
        "magnitude-50m" => LargeMagnitudeBenchmark.Run(arguments),
        "lenet" => LeNetBenchmark.Run(arguments),
        "criteria" => CriteriaBenchmark.Run(arguments),
        "fine-tune-seeds" => FineTuneSeedsBenchmark.Run(arguments),
        "fine-tune-replay" => FineTuneReplayBenchmark.Run(arguments),
        "throughput" => ThroughputBenchmark.Run(arguments),
        "busy-machine" => BusyMachineBenchmark.Run(arguments),
        "busy-machine-child" => BusyMachineBenchmark.Child(arguments),
        "lenet5" => LeNet5Benchmark.Run(arguments),
        "engine-throughput" => EngineThroughputBenchmark.Run(arguments),
        "minilm" => MiniLmBenchmark.Run(arguments),
        "resnet18" => ResNet18Benchmark.Run(arguments),
        "lasso-solver" => LassoSolverBenchmark.Run(arguments),
        "coordinate-descent" => CoordinateDescentBenchmark.Run(arguments),
        "sparse-training" => SparseTrainingBenchmark.Run(arguments),
        "coordinate-descent-lenet5" => CoordinateDescentLeNet5Benchmark.Run(arguments),
        "coordinate-descent-minilm" => CoordinateDescentMiniLmBenchmark.Run(arguments),
        "structured" => StructuredBenchmark.Run(arguments),
        "sweep" => SweepBenchmark.Run(arguments),
        "sensitivity" => SensitivityBenchmark.Run(arguments),
        _ => throw new ArgumentException($"Unknown benchmark '{args[0]}'."),
    };
    Console.WriteLine(section);
    if (markdown is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdown))!);
        File.WriteAllText(markdown, section.TrimEnd() + Environment.NewLine);
    }
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}
