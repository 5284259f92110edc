using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>One test of ONNX's backend node suite: a one-node model and its reference inputs and outputs.</summary>
internal sealed record OnnxNodeTestCase(
    string Name, OnnxModel Model, IReadOnlyList<(TensorProto[] Inputs, TensorProto[] Outputs)> DataSets, bool IsRandomDropout)
{
    /// <summary>Graph inputs (initializers excluded), in the order the input_N.pb files follow.</summary>
    public string[] InputNames { get; } = GraphInputs(Model);

    public string[] OutputNames { get; } = [.. Model.Graph.Output.Select(o => o.Name)];

    private static string[] GraphInputs(OnnxModel model)
    {
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        return [.. model.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n))];
    }
}

/// <summary>
/// The tests of one folder of ONNX's backend suite (Debian package libonnx-testdata) whose operators the engine
/// supports, and the supported-operator tests it cannot run, each with the reason. Two folders share the layout
/// (a folder per test with model.onnx and test_data_set_*/input_N.pb, output_N.pb): <c>node</c>, one-node models
/// per operator, and <c>pytorch-converted</c>, PyTorch modules (Conv2d, BatchNorm2d, MaxPool3d…) exported by
/// torch.onnx. A test enrolls itself as soon as the engine supports all its operators.
/// </summary>
internal sealed class OnnxNodeTestData
{
    public const string DefaultRoot = "/usr/share/libonnx-testdata/data/node";

    public const string DefaultPyTorchConvertedRoot = "/usr/share/libonnx-testdata/data/pytorch-converted";

    private static readonly Lazy<OnnxNodeTestData?> Cached = new(() => Directory.Exists(Root) ? new OnnxNodeTestData(Root) : null);

    private static readonly Lazy<OnnxNodeTestData?> CachedPyTorchConverted =
        new(() => Directory.Exists(PyTorchConvertedRoot) ? new OnnxNodeTestData(PyTorchConvertedRoot) : null);

    private OnnxNodeTestData(string root)
    {
        var runnable = new List<OnnxNodeTestCase>();
        var skipped = new List<(string, string)>();
        int unsupported = 0, total = 0;
        var supported = OnnxTorchModule.SupportedOperators.ToHashSet(StringComparer.Ordinal);
        foreach (string folder in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(folder);
            string modelPath = Path.Combine(folder, "model.onnx");
            if (!File.Exists(modelPath)) continue;
            total++;
            ModelProto proto;
            using (var stream = File.OpenRead(modelPath)) proto = ModelProto.Parser.ParseFrom(stream);
            var nodes = proto.Graph.Node;
            if (nodes.Any(n => n.Domain is not ("" or "ai.onnx") || !supported.Contains(n.OpType)))
            {
                unsupported++;
                continue;
            }
            string? reason = SkipReason(proto);
            if (reason is not null)
            {
                skipped.Add((name, reason));
                continue;
            }
            OnnxModel model;
            try
            {
                model = OnnxModel.Load(modelPath);
            }
            catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
            {
                skipped.Add((name, $"OnnxModel.Load rejected the model: {ex.Message}"));
                continue;
            }
            var dataSets = Directory.GetDirectories(folder, "test_data_set_*").Order(StringComparer.Ordinal)
                .Select(d => (ReadAll(d, "input_"), ReadAll(d, "output_"))).ToList();
            if (dataSets.Count == 0)
            {
                skipped.Add((name, "no test_data_set folder"));
                continue;
            }
            bool random = nodes.Any(n => n.OpType == "Dropout" && n.Input.Count > 2 && n.Input[2].Length > 0)
                && dataSets.Any(d => IsRandomDropoutData(d.Item1));
            runnable.Add(new OnnxNodeTestCase(name, model, dataSets, random));
        }
        Runnable = runnable;
        Skipped = skipped;
        UnsupportedOpCount = unsupported;
        Total = total;
    }

    /// <summary>Where the suite is read from: $PRUNING_ONNX_NODE_TESTS, else the Debian package's folder.</summary>
    public static string Root => Environment.GetEnvironmentVariable("PRUNING_ONNX_NODE_TESTS") is { Length: > 0 } custom ? custom : DefaultRoot;

    /// <summary>Where the PyTorch-converted models are read from: $PRUNING_ONNX_PYTORCH_CONVERTED_TESTS, else the Debian package's folder.</summary>
    public static string PyTorchConvertedRoot =>
        Environment.GetEnvironmentVariable("PRUNING_ONNX_PYTORCH_CONVERTED_TESTS") is { Length: > 0 } custom ? custom : DefaultPyTorchConvertedRoot;

    public IReadOnlyList<OnnxNodeTestCase> Runnable { get; }

    public IReadOnlyList<(string Name, string Reason)> Skipped { get; }

    public int UnsupportedOpCount { get; }

    public int Total { get; }

    /// <summary>The suite, or Assert.Inconclusive with the install hint when it is not installed.</summary>
    public static OnnxNodeTestData LoadOrInconclusive()
    {
        var data = Cached.Value;
        if (data is null)
            Assert.Inconclusive(
                $"ONNX backend node tests not found at '{Root}'. Install them with 'sudo apt-get install libonnx-testdata' " +
                "(Debian/Ubuntu; build/test.sh does it when it can) or point PRUNING_ONNX_NODE_TESTS at an onnx/backend/test/data/node folder.");
        return data!;
    }

    /// <summary>The PyTorch-converted models, or Assert.Inconclusive with the install hint when they are not installed.</summary>
    public static OnnxNodeTestData LoadPyTorchConvertedOrInconclusive()
    {
        var data = CachedPyTorchConverted.Value;
        if (data is null)
            Assert.Inconclusive(
                $"ONNX backend pytorch-converted tests not found at '{PyTorchConvertedRoot}'. Install them with 'sudo apt-get install libonnx-testdata' " +
                "or point PRUNING_ONNX_PYTORCH_CONVERTED_TESTS at an onnx/backend/test/data/pytorch-converted folder.");
        return data!;
    }

    public static Tensor ToTorch(TensorProto proto) => TensorProtoConversion.ToTorch(proto);

    private static string? SkipReason(ModelProto proto)
    {
        foreach (var value in proto.Graph.Input.Concat(proto.Graph.Output))
        {
            if (value.Type?.TensorType is not { } tensor)
                return $"'{value.Name}' is a {value.Type?.ValueCase.ToString() ?? "untyped"} value, not a tensor";
            if (!TensorProtoConversion.IsSupported(tensor.ElemType))
                return $"'{value.Name}' has element type {OnnxElementType.Name(tensor.ElemType)}";
        }
        return null;
    }

    /// <summary>Training-mode Dropout with a non-zero ratio draws its mask at random: checked structurally, not against the file.</summary>
    private static bool IsRandomDropoutData(TensorProto[] inputs)
    {
        if (inputs.Length < 3) return false;
        bool training = inputs[2].HasRawData ? inputs[2].RawData[0] != 0 : inputs[2].Int32Data.FirstOrDefault() != 0;
        float ratio = OnnxTensor.ToFloatArray(inputs[1])[0];
        return training && ratio > 0;
    }

    private static TensorProto[] ReadAll(string folder, string prefix)
    {
        var result = new List<TensorProto>();
        for (int i = 0; ; i++)
        {
            string path = Path.Combine(folder, $"{prefix}{i}.pb");
            if (!File.Exists(path)) return [.. result];
            result.Add(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)));
        }
    }
}
