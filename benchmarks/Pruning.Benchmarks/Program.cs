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
