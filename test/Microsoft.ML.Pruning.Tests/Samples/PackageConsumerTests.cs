using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Samples;

/// <summary>
/// The packed packages are how a user's own app gets the library: the three libraries are packed to a folder feed,
/// and fresh console apps outside the repository (no Directory.Build.*, no central package management, their own
/// nuget.config) restore from it, build and run with exactly the references README.md tells a user to add.
/// </summary>
[TestClass]
public sealed class PackageConsumerTests
{
    private static readonly string[] PackedProjects =
    [
        "src/Onnx/Microsoft.ML.Pruning.Onnx.csproj",
        "src/Pruning/Microsoft.ML.Pruning.csproj",
        "src/Trainers/Microsoft.ML.Pruning.Trainers.csproj",
    ];

    private static readonly string[] PackedIds = ["Microsoft.ML.Pruning.Onnx", "Microsoft.ML.Pruning", "Microsoft.ML.Pruning.Trainers"];

    private static readonly object PackLock = new();

    /// <summary>The temporary folder holding the feed, the pack's build output and the apps; null until packed.</summary>
    private static string? _root;

    /// <summary>Unique per run, so the global NuGet cache never serves a copy packed by an earlier run.</summary>
    private static string _version = "";

    /// <summary>Why the pack failed (its output), so every test that needs the packages reports it; null if it did not.</summary>
    private static string? _packFailure;

    /// <summary>The global packages folders the apps restored into, for the clean-up of this run's packages.</summary>
    private static readonly HashSet<string> PackageFolders = [];

    public TestContext TestContext { get; set; } = null!;

    private static string Feed => Path.Combine(_root!, "feed");

    /// <summary>
    /// Packs the three libraries once per run into a folder feed under a new temporary folder: one <c>dotnet pack</c>
    /// of a solution listing them, built there too (<c>--artifacts-path</c>) so the repository's bin/obj, which the
    /// other tests run from, are not touched.
    /// </summary>
    private void EnsurePacked()
    {
        lock (PackLock)
        {
            if (_root is null)
            {
                _version = "0.1.0-consumer." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
                _root = Path.Combine(Path.GetTempPath(), "pruning-package-consumer-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(_root);
                string solution = Path.Combine(_root, "packages.slnx");
                File.WriteAllText(solution,
                    "<Solution>\n" + string.Concat(PackedProjects.Select(p => $"  <Project Path=\"{RepositoryFiles.Path(p.Split('/'))}\" />\n")) + "</Solution>\n");
                var watch = Stopwatch.StartNew();
                var (exitCode, output) = Dotnet(_root, TestContext.CancellationToken,
                    "pack", solution, "-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(_root, "build"), $"-p:Version={_version}");
                TestContext.WriteLine($"dotnet pack of {PackedIds.Length} projects to {Feed}: {watch.Elapsed.TotalSeconds:F1} s");
                var missing = PackedIds.Where(id => !File.Exists(Path.Combine(Feed, $"{id}.{_version}.nupkg"))).ToList();
                if (exitCode != 0 || missing.Count > 0)
                    _packFailure = $"dotnet pack exited with {exitCode}; not packed: {string.Join(", ", missing)}{Environment.NewLine}{output}";
            }
            if (_packFailure is not null) Assert.Fail(_packFailure);
        }
    }

    [ClassCleanup]
    public static void DeleteFeedAndCachedPackages()
    {
        if (_root is not null && Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        // This run's packages were extracted into the global packages folder; nothing else will ever use them.
        foreach (string folder in PackageFolders)
            foreach (string id in PackedIds)
            {
                string package = Path.Combine(folder, id.ToLowerInvariant()), extracted = Path.Combine(package, _version.ToLowerInvariant());
                if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
                if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any()) Directory.Delete(package);
            }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Packages_Packed_EachDependsOnTheOneBelowAtTheSameVersion()
    {
        EnsurePacked();
        CollectionAssert.Contains(Dependencies("Microsoft.ML.Pruning"), $"Microsoft.ML.Pruning.Onnx {_version}");
        CollectionAssert.Contains(Dependencies("Microsoft.ML.Pruning.Trainers"), $"Microsoft.ML.Pruning {_version}");
        Assert.IsFalse(Dependencies("Microsoft.ML.Pruning").Any(d => d.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)),
            "Microsoft.ML.Pruning must not depend on TorchSharp");
        Assert.IsTrue(PackageFiles("Microsoft.ML.Pruning.Trainers").Contains("buildTransitive/Microsoft.ML.Pruning.Trainers.targets"),
            "the Trainers package carries the TorchSharp native fix for apps that reference it");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void PruningPackageOnly_FreshApp_PrunesOneShotWithoutTorchSharpAndFineTuneNamesTrainers()
    {
        EnsurePacked();
        string app = CreateApp("OneShotApp", OneShotProgram, ("Microsoft.ML.Pruning", _version));
        string output = RunApp(app);

        StringAssert.Contains(output, "fc1.weight");
        StringAssert.Contains(output, "one-shot sparsity: 50.0 %");
        StringAssert.Contains(output,
            "fine-tune without Microsoft.ML.Pruning.Trainers: InvalidOperationException: FineTune needs gradients, which come from the package Microsoft.ML.Pruning.Trainers");

        // Nothing of TorchSharp in the restore graph, the deps file or the output folder.
        string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.IsFalse(assets.Contains("torchsharp", StringComparison.OrdinalIgnoreCase), "TorchSharp is in the app's restore graph");
        string bin = Path.Combine(app, "bin");
        var torchFiles = Directory.EnumerateFiles(bin, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Contains("torch", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.AreEqual(0, torchFiles.Count, "TorchSharp or libtorch files in the output: " + string.Join(", ", torchFiles));
        string deps = Directory.EnumerateFiles(bin, "OneShotApp.deps.json", SearchOption.AllDirectories).Single();
        Assert.IsFalse(File.ReadAllText(deps).Contains("torch", StringComparison.OrdinalIgnoreCase), "TorchSharp in " + deps);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void TrainersAndLibTorchPackages_FreshApp_FineTunesOneEpoch()
    {
        string? libTorch = HostLibTorchPackage();
        if (libTorch is null)
            Assert.Inconclusive($"No libtorch-cpu package for {RuntimeInformation.RuntimeIdentifier} (TorchSharp ships linux-x64, win-x64 and osx-arm64).");
        EnsurePacked();
        string app = CreateApp("FineTuneApp", FineTuneProgram,
            ("Microsoft.ML.Pruning", _version), ("Microsoft.ML.Pruning.Trainers", _version), (libTorch, CentralVersion(libTorch)));
        string output = RunApp(app);

        // The Trainers package's build step (the GLIBCXX_3.4.32 fix for older Linux) is imported into the app.
        string imports = File.ReadAllText(Path.Combine(app, "obj", "FineTuneApp.csproj.nuget.g.targets"));
        StringAssert.Contains(imports, $"microsoft.ml.pruning.trainers/{_version}/buildTransitive/Microsoft.ML.Pruning.Trainers.targets");

        StringAssert.Contains(output, "fine-tuned 1 epoch");
        StringAssert.Contains(output, "fine-tuned sparsity: 50.0 %");
        double oneShot = Percent(output, "one-shot accuracy"), tuned = Percent(output, "fine-tuned accuracy");
        Assert.IsTrue(tuned > oneShot, $"one fine-tune epoch should beat one-shot pruning of an untrained net: {tuned} vs {oneShot}{Environment.NewLine}{output}");
    }

    [TestMethod]
    public void Readme_PackageSection_NamesThePackagesAndTheirVersions()
    {
        string readme = File.ReadAllText(RepositoryFiles.Path("README.md"));
        int at = readme.IndexOf("## Using the packages in your own project", StringComparison.Ordinal);
        Assert.IsTrue(at >= 0, "README.md has no section 'Using the packages in your own project'");
        int next = readme.IndexOf("\n## ", at + 1, StringComparison.Ordinal);
        string section = next < 0 ? readme[at..] : readme[at..next];
        string version = XDocument.Load(RepositoryFiles.Path("Directory.Build.props")).Descendants("Version").Single().Value;
        foreach (string id in new[] { "Microsoft.ML.Pruning", "Microsoft.ML.Pruning.Trainers" })
            StringAssert.Contains(section, $"<PackageReference Include=\"{id}\" Version=\"{version}\" />", "the version Directory.Build.props packs");
        foreach (string id in new[] { "libtorch-cpu-linux-x64", "libtorch-cpu-win-x64", "libtorch-cpu-osx-arm64", "TorchSharp-cpu" })
        {
            StringAssert.Contains(section, id);
            StringAssert.Contains(section, CentralVersion(id), $"README names {id}'s version from Directory.Packages.props");
        }
    }

    /// <summary>A console app in its own folder under the temporary root: csproj, nuget.config (feed + nuget.org), sources.</summary>
    private static string CreateApp(string name, string program, params (string Id, string Version)[] packages)
    {
        string app = Path.Combine(_root!, name);
        for (var dir = new DirectoryInfo(app).Parent; dir is not null; dir = dir.Parent)
            foreach (string file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
                if (File.Exists(Path.Combine(dir.FullName, file)))
                    Assert.Inconclusive($"{Path.Combine(dir.FullName, file)} would apply to the app; a user's fresh app needs a temp folder without one (set TMPDIR).");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {string.Concat(packages.Select(p => $"    <PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />\n"))}  </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
        File.WriteAllText(Path.Combine(app, "Tiny.cs"), TinySource);
        return app;
    }

    /// <summary><c>dotnet run</c> in the app's folder, as a user would; the output, after asserting exit code 0.</summary>
    private string RunApp(string app)
    {
        var watch = Stopwatch.StartNew();
        var (exitCode, output) = Dotnet(app, TestContext.CancellationToken, "run");
        TestContext.WriteLine($"dotnet run ({Path.GetFileName(app)}, restore + build + run): {watch.Elapsed.TotalSeconds:F1} s");
        TestContext.WriteLine(output);
        RememberPackageFolders(app);
        Assert.AreEqual(0, exitCode, output);
        return output;
    }

    private static void RememberPackageFolders(string app)
    {
        string assets = Path.Combine(app, "obj", "project.assets.json");
        if (!File.Exists(assets)) return;
        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        if (json.RootElement.TryGetProperty("packageFolders", out var folders))
            lock (PackageFolders)
                foreach (var folder in folders.EnumerateObject()) PackageFolders.Add(folder.Name);
    }

    private static (int ExitCode, string Output) Dotnet(string workingDirectory, CancellationToken cancel, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // No MSBuild nodes left running after the test; no first-run banner in the output.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            process.WaitForExitAsync(cancel).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The dependencies ("id version") of a packed package, from its nuspec (all target frameworks).</summary>
    private static List<string> Dependencies(string id)
    {
        using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(Feed, $"{id}.{_version}.nupkg"));
        using var nuspec = package.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => $"{e.Attribute("id")!.Value} {e.Attribute("version")!.Value}").Distinct().ToList();
    }

    private static List<string> PackageFiles(string id)
    {
        using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(Feed, $"{id}.{_version}.nupkg"));
        return package.Entries.Select(e => e.FullName).ToList();
    }

    /// <summary>The version Directory.Packages.props gives a package: what the repository builds and tests with.</summary>
    private static string CentralVersion(string id) =>
        XDocument.Load(RepositoryFiles.Path("Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => string.Equals(e.Attribute("Include")?.Value, id, StringComparison.OrdinalIgnoreCase)).Attribute("Version")!.Value;

    /// <summary>The host's own libtorch package, as build/TorchSharpCpu.props picks it; null where TorchSharp has none.</summary>
    private static string? HostLibTorchPackage() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 when OperatingSystem.IsLinux() => "libtorch-cpu-linux-x64",
        Architecture.X64 when OperatingSystem.IsWindows() => "libtorch-cpu-win-x64",
        Architecture.Arm64 when OperatingSystem.IsMacOS() => "libtorch-cpu-osx-arm64",
        _ => null,
    };

    private static double Percent(string output, string label)
    {
        var match = Regex.Match(output, Regex.Escape(label) + @"[^:\n]*: ([0-9.]+) %");
        Assert.IsTrue(match.Success, $"no '{label}' line in{Environment.NewLine}{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>App 1: one-shot pruning with Microsoft.ML.Pruning alone; FineTune must name the missing package.</summary>
    private const string OneShotProgram = """
        using System;
        using System.Globalization;
        using Microsoft.ML;
        using Microsoft.ML.Pruning;

        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var ml = new MLContext(seed: 1);
        var data = Tiny.Data(ml, count: 300, seed: 1);
        var model = Tiny.Mlp(seed: 7);

        var pruned = ml.Pruning().Magnitude(model, outputColumnNames: ["Score"], inputColumnNames: ["Features"], sparsity: 0.5).Fit(data);
        Console.WriteLine(pruned.Report);
        Console.WriteLine($"one-shot sparsity: {pruned.Report.Sparsity:P1}");
        Console.WriteLine($"one-shot accuracy: {Tiny.Accuracy(ml, pruned.Transform(data)):P1}");

        try
        {
            ml.Pruning().Magnitude(new MagnitudePruningOptions
            {
                Model = model, OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.5,
                FineTune = new FineTuneOptions { Epochs = 1 },
            }).Fit(data);
            Console.WriteLine("fine-tune without Microsoft.ML.Pruning.Trainers: no error");
            return 1;
        }
        catch (InvalidOperationException ex)
        {
            Console.WriteLine($"fine-tune without Microsoft.ML.Pruning.Trainers: {ex.GetType().Name}: {ex.Message}");
        }
        return 0;
        """;

    /// <summary>App 2: magnitude pruning with one fine-tune epoch (Microsoft.ML.Pruning.Trainers + libtorch).</summary>
    private const string FineTuneProgram = """
        using System;
        using System.Globalization;
        using Microsoft.ML;
        using Microsoft.ML.Pruning;

        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var ml = new MLContext(seed: 1);
        var data = Tiny.Data(ml, count: 600, seed: 1);
        var model = Tiny.Mlp(seed: 7);

        var oneShot = ml.Pruning().Magnitude(model, outputColumnNames: ["Score"], inputColumnNames: ["Features"], sparsity: 0.5).Fit(data);
        var tuned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.5,
            FineTune = new FineTuneOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01, LabelColumnName = "Label" },
        }).Fit(data);
        Console.WriteLine(tuned.Report);
        Console.WriteLine($"fine-tuned sparsity: {tuned.Report.Sparsity:P1}");
        Console.WriteLine($"one-shot accuracy: {Tiny.Accuracy(ml, oneShot.Transform(data)):P1}");
        Console.WriteLine($"fine-tuned accuracy (1 epoch): {Tiny.Accuracy(ml, tuned.Transform(data)):P1}");
        """;

    /// <summary>Both apps: an 8-16-3 MLP written as ONNX with the Onnx package's types, and Gaussian blobs to score it on.</summary>
    private const string TinySource = """
        using System;
        using System.Linq;
        using Microsoft.ML;
        using Microsoft.ML.Data;
        using Microsoft.ML.Pruning.Onnx;
        using Microsoft.ML.Pruning.Onnx.Protobuf;

        internal static class Tiny
        {
            public const int FeatureCount = 8, HiddenCount = 16, ClassCount = 3;

            public sealed class Row
            {
                [VectorType(FeatureCount)] public float[] Features { get; set; } = [];
                public uint Class { get; set; }
            }

            public sealed class Scored
            {
                public float[] Score { get; set; } = [];
                public uint Class { get; set; }
            }

            /// <summary>Class c is centred at +3 on feature c; Label is Class as a key.</summary>
            public static IDataView Data(MLContext ml, int count, int seed)
            {
                var random = new Random(seed);
                var rows = Enumerable.Range(0, count).Select(i =>
                {
                    var x = new float[FeatureCount];
                    for (int f = 0; f < FeatureCount; f++) x[f] = (float)(Gaussian(random) * 0.7 + (f == i % ClassCount ? 3 : 0));
                    return new Row { Features = x, Class = (uint)(i % ClassCount) };
                }).ToList();
                var data = ml.Data.LoadFromEnumerable(rows);
                return ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(data).Transform(data);
            }

            /// <summary>Features → Gemm → Relu → Gemm → Softmax → Score, weights uniform in ±1/√fan_in.</summary>
            public static OnnxModel Mlp(int seed)
            {
                var random = new Random(seed);
                var graph = new GraphProto { Name = "tiny" };
                graph.Input.Add(Value("Features", FeatureCount));
                graph.Output.Add(Value("Score", ClassCount));
                AddLayer(graph, random, "fc1", "Features", FeatureCount, HiddenCount, "h1");
                graph.Node.Add(Node("Relu", ["h1"], ["a1"]));
                AddLayer(graph, random, "fc2", "a1", HiddenCount, ClassCount, "logits");
                var softmax = Node("Softmax", ["logits"], ["Score"]);
                softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                graph.Node.Add(softmax);
                var model = new ModelProto { IrVersion = 8, ProducerName = "package-consumer-test", Graph = graph };
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
                return OnnxModel.FromProto(model);
            }

            public static double Accuracy(MLContext ml, IDataView scored) =>
                ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false)
                    .Average(r => Array.IndexOf(r.Score, r.Score.Max()) == r.Class ? 1.0 : 0.0);

            private static void AddLayer(GraphProto graph, Random random, string name, string input, int fanIn, int units, string output)
            {
                float bound = 1f / MathF.Sqrt(fanIn);
                float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * bound).ToArray();
                graph.Initializer.Add(OnnxTensor.FromFloats($"{name}.weight", Uniform(units * fanIn), [units, fanIn]));
                graph.Initializer.Add(OnnxTensor.FromFloats($"{name}.bias", Uniform(units), [units]));
                var gemm = Node("Gemm", [input, $"{name}.weight", $"{name}.bias"], [output]);
                gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                graph.Node.Add(gemm);
            }

            private static NodeProto Node(string op, string[] inputs, string[] outputs)
            {
                var node = new NodeProto { OpType = op, Name = outputs[0] };
                node.Input.AddRange(inputs);
                node.Output.AddRange(outputs);
                return node;
            }

            private static ValueInfoProto Value(string name, int width)
            {
                var shape = new TensorShapeProto();
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
                return new ValueInfoProto
                {
                    Name = name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
                };
            }

            private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
        }
        """;
}
