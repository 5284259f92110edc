using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

/// <summary>Breaks real models of ONNX's backend suite in known ways; the validator must notice every time.</summary>
[TestClass]
public sealed class BackendSuiteMutationTests
{
    [TestMethod]
    public void BackendSuite_ConsumerMovedBeforeItsProducer_Rejected()
    {
        int mutated = 0;
        foreach (string path in OnnxTestData.ModelPaths())
        {
            var proto = OnnxModel.Load(path).Proto;
            var nodes = proto.Graph.Node;
            var (consumer, producer) = FirstDataEdge(nodes);
            if (consumer < 0) continue;
            var node = nodes[consumer];
            nodes.RemoveAt(consumer);
            nodes.Insert(producer, node);

            var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxModel.FromProto(proto), path);
            Assert.Contains($"#{producer})", ex.Message, path);
            mutated++;
        }
        Console.WriteLine($"{mutated} backend-suite models reordered and rejected");
        Assert.IsGreaterThan(50, mutated);
    }

    [TestMethod]
    public void BackendSuite_InitializerRawDataCut_RejectedNamingTensor()
    {
        int mutated = 0;
        foreach (string path in OnnxTestData.ModelPaths())
        {
            var proto = OnnxModel.Load(path).Proto;
            var tensor = proto.Graph.Initializer.FirstOrDefault(t => t.HasRawData && t.RawData.Length > 1);
            if (tensor is null) continue;
            tensor.RawData = Google.Protobuf.ByteString.CopyFrom(tensor.RawData.Span[..^1]);

            var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxModel.FromProto(proto), path);
            Assert.Contains($"'{tensor.Name}'", ex.Message, path);
            mutated++;
        }
        Console.WriteLine($"{mutated} backend-suite initializers cut short and rejected");
        Assert.IsGreaterThan(10, mutated);
    }

    [TestMethod]
    public void BackendSuite_CompactThenDensify_ValidAndValuesUnchanged()
    {
        int models = 0, converted = 0;
        foreach (string path in OnnxTestData.ModelPaths())
        {
            var model = OnnxModel.Load(path);
            var original = model.Graph.Initializer
                .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float)
                .ToDictionary(t => t.Name, OnnxTensor.ToFloatArray);
            int count = model.Compact();
            long compactBytes = model.ToBytes().LongLength;
            var reloaded = OnnxModel.Load(model.ToBytes());
            Assert.AreEqual(count, reloaded.Densify(), path);
            foreach (var (name, values) in original)
                CollectionAssert.AreEqual(values, OnnxTensor.ToFloatArray(reloaded.GetInitializer(name)), $"{path}: {name}");
            if (count > 0) Assert.IsLessThan(reloaded.ToBytes().LongLength, compactBytes, path);
            converted += count;
            models++;
        }
        Console.WriteLine($"Compact converted {converted} initializers across {models} backend-suite models");
    }

    /// <summary>The first node reading an output of an earlier node: (its index, the producer's index), or (-1, -1).</summary>
    private static (int Consumer, int Producer) FirstDataEdge(Google.Protobuf.Collections.RepeatedField<NodeProto> nodes)
    {
        for (int i = 1; i < nodes.Count; i++)
            for (int j = 0; j < i; j++)
                if (nodes[j].Output.Any(o => o.Length > 0 && nodes[i].Input.Contains(o)))
                    return (i, j);
        return (-1, -1);
    }
}
