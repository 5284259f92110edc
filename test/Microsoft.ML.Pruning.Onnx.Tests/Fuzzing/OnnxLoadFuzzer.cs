using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.Pruning.Onnx.Tests.Fuzzing;

/// <summary>
/// A seeded mutation fuzzer of <see cref="OnnxModel.Load(ReadOnlySpan{byte})"/> and <see cref="OnnxModel.Load(string)"/>
/// over a corpus (ONNX's backend-suite models, <see cref="HostileModels"/>, models with external data). For every input
/// it checks the loader's contract for untrusted files:
/// <list type="bullet">
/// <item>only documented exceptions: <see cref="InvalidDataException"/> (from a path, external data problems included);</item>
/// <item>allocation on the loading thread at most <see cref="FuzzOptions.AllocationFactor"/> × (input + external data) + <see cref="FuzzOptions.AllocationSlack"/>;</item>
/// <item>wall time at most <see cref="FuzzOptions.TimeBudget"/>;</item>
/// <item>an accepted model writes bytes that load back to an equal model.</item>
/// </list>
/// Mutations are byte-level (flips, interesting values, inserts, deletes, duplicated ranges, splices, truncation) and
/// structural on the wire tree (<see cref="WireNode"/>: a field repeated up to thousands of times, a value grown to
/// hundreds of KB, a message nested in itself, fields moved between models), one to three per input. The run is
/// deterministic for a seed and corpus; it stops after <see cref="FuzzOptions.MaxInputs"/> inputs or
/// <see cref="FuzzOptions.MaxDuration"/>, whichever comes first.
/// </summary>
public sealed partial class OnnxLoadFuzzer
{
    private readonly FuzzOptions _options;
    private readonly List<(string Name, byte[] Bytes)> _corpus;
    private readonly List<WireNode>?[] _trees;
    private readonly Random _random;

    public OnnxLoadFuzzer(IEnumerable<(string Name, byte[] Bytes)> corpus, FuzzOptions options)
    {
        _options = options;
        _corpus = corpus.ToList();
        if (_corpus.Count == 0) throw new ArgumentException("The corpus is empty.", nameof(corpus));
        _trees = new List<WireNode>?[_corpus.Count];
        _random = new Random(options.Seed);
    }

    /// <summary>The backend suite's models under <paramref name="root"/> (sorted), the hostile models at 16 KB, and small models with external data.</summary>
    public static List<(string Name, byte[] Bytes)> DefaultCorpus(string root)
    {
        var corpus = new List<(string, byte[])>();
        foreach (string suite in new[] { "node", "pytorch-converted", "pytorch-operator", "simple" })
        {
            string folder = Path.Combine(root, suite);
            if (!Directory.Exists(folder)) continue;
            foreach (string path in Directory.EnumerateFiles(folder, "model.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                corpus.Add((Path.GetRelativePath(root, Path.GetDirectoryName(path)!), File.ReadAllBytes(path)));
        }
        foreach (var (name, bytes) in HostileModels.All(16 * 1024)) corpus.Add(($"hostile: {name}", bytes));
        foreach (string location in Sandbox.Entries) corpus.Add(($"external data at '{location}'", HostileModels.ExternalWeight(location)));
        return corpus;
    }

    /// <summary>Runs until the input count or the time is reached; <paramref name="progress"/> gets a line every 10,000 inputs.</summary>
    public FuzzReport Run(Action<string>? progress = null)
    {
        var report = new FuzzReport { Seed = _options.Seed };
        var watch = Stopwatch.StartNew();
        using var sandbox = new Sandbox();
        for (int n = 0; n < _options.MaxInputs && watch.Elapsed < _options.MaxDuration; n++)
        {
            int source = _random.Next(_corpus.Count);
            var (input, mutations) = Mutate(source);
            // One input in eight is loaded from a file in a folder with data files, a pipe, a folder and a link loop beside it.
            bool fromFile = _random.Next(8) == 0;
            Check(report, input, $"{_corpus[source].Name} + {mutations}", fromFile ? sandbox : null);
            if (progress is not null && (n + 1) % 10_000 == 0)
                progress($"{n + 1:N0} inputs, {watch.Elapsed.TotalSeconds:F0} s: {report.Summary()}");
        }
        report.Elapsed = watch.Elapsed;
        return report;
    }

    private void Check(FuzzReport report, byte[] input, string what, Sandbox? sandbox)
    {
        LoadCost cost;
        long budgetBytes = input.Length;
        if (sandbox is null) cost = LoadCost.Measure(() => OnnxModel.Load(input));
        else
        {
            string path = sandbox.Write(input);
            budgetBytes += sandbox.DataBytes;
            cost = LoadCost.Measure(() => OnnxModel.Load(path));
        }
        report.Inputs++;
        report.Record(cost, input.Length, budgetBytes, what);

        string via = sandbox is null ? "bytes" : "file";
        if (cost.Error is not null and not InvalidDataException)
            report.Fail(new FuzzFinding("undocumented exception", what, via, input, cost));
        if (cost.AllocatedBytes > _options.AllocationFactor * budgetBytes + _options.AllocationSlack)
            report.Fail(new FuzzFinding($"allocated more than {_options.AllocationFactor}× + {_options.AllocationSlack:N0} bytes", what, via, input, cost));
        if (cost.Elapsed > _options.TimeBudget)
            report.Fail(new FuzzFinding($"took longer than {_options.TimeBudget.TotalSeconds:F0} s", what, via, input, cost));
        if (cost.Model is { } model)
        {
            report.Loaded++;
            try
            {
                if (!OnnxModel.Load(model.ToBytes()).Proto.Equals(model.Proto))
                    report.Fail(new FuzzFinding("round trip changed the model", what, via, input, cost));
            }
            catch (Exception ex)
            {
                report.Fail(new FuzzFinding($"its own bytes did not load again: {ex.GetType().Name}: {LoadCost.Shorten(ex.Message)}", what, via, input, cost));
            }
        }
    }

    private (byte[] Input, string Mutations) Mutate(int source)
    {
        byte[] bytes = _corpus[source].Bytes;
        var names = new List<string>();
        int count = 1 + _random.Next(3);
        for (int i = 0; i < count; i++)
        {
            bool structural = _random.Next(2) == 0;
            string name;
            (bytes, name) = structural ? MutateTree(bytes, source, i == 0) : MutateBytes(bytes);
            names.Add(name);
            if (bytes.Length > _options.MaxInputBytes) bytes = bytes[.._options.MaxInputBytes];
        }
        return (bytes, string.Join(" + ", names));
    }

    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0A, 0x12, 0x1A, 0x3A, 0x7F, 0x80, 0xFF];

    private (byte[], string) MutateBytes(byte[] input)
    {
        var bytes = new List<byte>(input);
        int Position(bool end = false) => bytes.Count == 0 ? 0 : _random.Next(bytes.Count + (end ? 1 : 0));
        switch (_random.Next(8))
        {
            case 0:
                for (int k = 1 + _random.Next(4); k > 0 && bytes.Count > 0; k--) bytes[Position()] ^= (byte)(1 << _random.Next(8));
                return ([.. bytes], "flip bits");
            case 1:
                for (int k = 1 + _random.Next(4); k > 0 && bytes.Count > 0; k--) bytes[Position()] = Interesting[_random.Next(Interesting.Length)];
                return ([.. bytes], "interesting bytes");
            case 2:
            {
                var insert = new byte[1 + _random.Next(16)];
                _random.NextBytes(insert);
                bytes.InsertRange(Position(end: true), insert);
                return ([.. bytes], "insert random bytes");
            }
            case 3:
            {
                if (bytes.Count == 0) return ([.. bytes], "delete (empty)");
                int at = Position(), length = Math.Min(bytes.Count - at, 1 + _random.Next(64));
                bytes.RemoveRange(at, length);
                return ([.. bytes], "delete bytes");
            }
            case 4:
            {
                // A range repeated many times: repeated fields when it is a field, garbage otherwise.
                if (bytes.Count == 0) return ([.. bytes], "duplicate (empty)");
                int at = Position(), length = Math.Min(bytes.Count - at, 1 + _random.Next(256));
                int times = Math.Min(RepeatCount(), _options.MaxInputBytes / Math.Max(1, length));
                var range = bytes.GetRange(at, length);
                var repeated = new List<byte>(length * times);
                for (int k = 0; k < times; k++) repeated.AddRange(range);
                bytes.InsertRange(at, repeated);
                return ([.. bytes], $"duplicate {length} bytes ×{times}");
            }
            case 5:
            {
                var other = _corpus[_random.Next(_corpus.Count)].Bytes;
                if (other.Length == 0) return ([.. bytes], "splice (empty)");
                int from = _random.Next(other.Length), length = Math.Min(other.Length - from, 1 + _random.Next(512));
                bytes.InsertRange(Position(end: true), other.AsSpan(from, length).ToArray());
                return ([.. bytes], "splice bytes");
            }
            case 6:
            {
                // An extreme varint (a huge length or value) in place of one byte.
                byte[][] varints = [[0xFF, 0xFF, 0xFF, 0xFF, 0x07], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0xFF, 0xFF, 0x03]];
                if (bytes.Count == 0) return ([.. bytes], "varint (empty)");
                int at = Position();
                bytes.RemoveAt(at);
                bytes.InsertRange(at, varints[_random.Next(varints.Length)]);
                return ([.. bytes], "extreme varint");
            }
            default:
                return (bytes.Count == 0 ? [] : [.. bytes.GetRange(0, _random.Next(bytes.Count))], "truncate");
        }
    }

    private (byte[], string) MutateTree(byte[] input, int source, bool first)
    {
        var tree = first ? Tree(source) : WireNode.Read(input);
        if (tree is null || tree.Count == 0) return MutateBytes(input);
        var all = WireNode.All(tree);
        var (parent, index) = all[_random.Next(all.Count)];
        var node = parent[index];
        long size = WireNode.Size(tree);
        string name;
        switch (_random.Next(6))
        {
            case 0:
            case 1:
            {
                // The same field again and again: singular fields merge (oneof members quadratically, before the guard).
                long one = WireNode.Size([node]);
                int times = (int)Math.Min(RepeatCount(), Math.Max(1, (_options.MaxInputBytes - size) / Math.Max(1, one)));
                for (int k = 0; k < times; k++) parent.Insert(index + 1, node.Clone());
                name = $"repeat field {node.Number} ×{times}";
                break;
            }
            case 2:
            {
                // A long value: names that every description of the things inside would repeat.
                if (node.WireType != 2 || node.Children is not null) goto case 0;
                int length = (int)Math.Min(1 << (8 + _random.Next(12)), Math.Max(1, _options.MaxInputBytes - size));
                node.Value = Encoding.ASCII.GetBytes(new string((char)('a' + _random.Next(26)), length));
                name = $"grow field {node.Number} to {length} bytes";
                break;
            }
            case 3:
            {
                // A message inside itself, several levels: deep nesting.
                if (node.Children is null) goto case 0;
                int levels = 1 + _random.Next(40);
                var nested = node;
                for (int k = 0; k < levels && WireNode.Size(tree) < _options.MaxInputBytes / 2; k++)
                {
                    var copy = nested.Clone();
                    nested.Children!.Add(copy);
                    nested = copy;
                }
                name = $"nest field {node.Number} {levels} deep";
                break;
            }
            case 4:
            {
                // A field from another model, placed into this message (a different type, often).
                var otherTree = Tree(_random.Next(_corpus.Count));
                if (otherTree is null || otherTree.Count == 0) goto case 0;
                var otherAll = WireNode.All(otherTree);
                var (otherParent, otherIndex) = otherAll[_random.Next(otherAll.Count)];
                parent.Insert(index, otherParent[otherIndex].Clone());
                name = $"move in field {otherParent[otherIndex].Number}";
                break;
            }
            default:
                parent.RemoveAt(index);
                name = $"remove field {node.Number}";
                break;
        }
        return (WireNode.Write(tree), name);
    }

    /// <summary>2, 10, 100, 1,000 or 10,000 (capped by the input size limit by the caller).</summary>
    private int RepeatCount() => _random.Next(5) switch { 0 => 2, 1 => 10, 2 => 100, 3 => 1_000, _ => 10_000 };

    /// <summary>A fresh copy of a corpus entry's wire tree (read once).</summary>
    private List<WireNode>? Tree(int source)
    {
        _trees[source] ??= WireNode.Read(_corpus[source].Bytes) ?? [];
        return _trees[source]!.ConvertAll(n => n.Clone());
    }

    /// <summary>
    /// A folder the file-loaded inputs are written to, with what external data locations may name beside them: a
    /// data file, a named pipe (Unix), a folder and a symbolic link loop.
    /// </summary>
    private sealed partial class Sandbox : IDisposable
    {
        public static readonly string[] Entries = ["w.bin", "pipe.bin", "dir", "loop.bin"];

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "onnx-fuzz-" + Guid.NewGuid().ToString("N"));

        public Sandbox()
        {
            Directory.CreateDirectory(_folder);
            var data = new byte[4096];
            new Random(1).NextBytes(data);
            File.WriteAllBytes(Path.Combine(_folder, "w.bin"), data);
            DataBytes = data.Length;
            Directory.CreateDirectory(Path.Combine(_folder, "dir"));
            File.CreateSymbolicLink(Path.Combine(_folder, "loop.bin"), "loop2.bin");
            File.CreateSymbolicLink(Path.Combine(_folder, "loop2.bin"), "loop.bin");
            if (!OperatingSystem.IsWindows()) _ = MkFifo(Path.Combine(_folder, "pipe.bin"), 0x1B6);
        }

        /// <summary>Bytes of the data files, which a loaded model may read in addition to its own.</summary>
        public long DataBytes { get; }

        public string Write(byte[] model)
        {
            string path = Path.Combine(_folder, "model.onnx");
            File.WriteAllBytes(path, model);
            return path;
        }

        public void Dispose()
        {
            try { Directory.Delete(_folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int MkFifo(string path, uint mode);
    }
}

/// <summary>Bounds and length of a fuzz run.</summary>
public sealed record FuzzOptions
{
    public int Seed { get; init; } = 1;
    public int MaxInputs { get; init; } = 100_000;
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromHours(2);
    public int MaxInputBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Allocation allowed per byte of input (plus its external data). Protobuf's object model sets the floor: an
    /// empty message costs 2 bytes in a file and a few hundred bytes of objects (the message and one container per
    /// repeated field), so files of nothing but empty messages cost that ratio however carefully they are loaded:
    /// 128× for empty nodes, 231× for empty tensors (TensorProto has nine repeated fields), measured by
    /// UntrustedInputCostTests (the hostile files of issue 13 stay below 64×). The factor is twice that floor.
    /// </summary>
    public long AllocationFactor { get; init; } = 512;

    /// <summary>Allocation allowed whatever the size: buffers, the exception and its stack trace, first-call JIT work.</summary>
    public long AllocationSlack { get; init; } = 1 << 20;

    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>One broken promise, with the input that broke it.</summary>
public sealed record FuzzFinding(string Problem, string Input, string Via, byte[] Bytes, LoadCost Cost)
{
    public override string ToString() => $"{Problem}: {Input} ({Bytes.Length:N0} bytes, from {Via}): {Cost}";
}

/// <summary>What a run saw: counts, the largest time and allocation ratio (with their inputs), and findings.</summary>
public sealed class FuzzReport
{
    /// <summary>Findings kept (the first 20; the count goes on).</summary>
    private const int KeptFindings = 20;

    /// <summary>Inputs smaller than this are left out of the largest ratio, where the fixed slack would dominate.</summary>
    public const int RatioMinimumBytes = 4096;

    public int Seed { get; init; }
    public int Inputs { get; set; }
    public int Loaded { get; set; }
    public int FindingCount { get; private set; }
    public List<FuzzFinding> Findings { get; } = [];
    public TimeSpan Elapsed { get; set; }
    public TimeSpan LargestTime { get; private set; }
    public string LargestTimeInput { get; private set; } = "";
    public long LargestTimeInputBytes { get; private set; }
    public double LargestRatio { get; private set; }
    public string LargestRatioInput { get; private set; } = "";
    public long LargestRatioInputBytes { get; private set; }
    public long LargestAllocation { get; private set; }
    public long LargestInput { get; private set; }

    internal void Record(LoadCost cost, long inputBytes, long budgetBytes, string what)
    {
        LargestInput = Math.Max(LargestInput, inputBytes);
        LargestAllocation = Math.Max(LargestAllocation, cost.AllocatedBytes);
        if (cost.Elapsed > LargestTime) (LargestTime, LargestTimeInput, LargestTimeInputBytes) = (cost.Elapsed, what, inputBytes);
        double ratio = cost.Ratio(budgetBytes);
        if (inputBytes >= RatioMinimumBytes && ratio > LargestRatio) (LargestRatio, LargestRatioInput, LargestRatioInputBytes) = (ratio, what, inputBytes);
    }

    internal void Fail(FuzzFinding finding)
    {
        FindingCount++;
        if (Findings.Count < KeptFindings) Findings.Add(finding);
    }

    public string Summary() =>
        $"{Inputs:N0} inputs ({Loaded:N0} loaded, {Inputs - Loaded:N0} rejected), {FindingCount} findings; " +
        $"largest time {LargestTime.TotalMilliseconds:F0} ms ({LargestTimeInputBytes:N0}-byte input: {LargestTimeInput}); " +
        $"largest allocation ratio {LargestRatio:F1}× ({LargestRatioInputBytes:N0}-byte input: {LargestRatioInput}); " +
        $"largest allocation {LargestAllocation:N0} bytes; largest input {LargestInput:N0} bytes";
}
