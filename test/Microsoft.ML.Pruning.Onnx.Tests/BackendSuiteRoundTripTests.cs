using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class BackendSuiteRoundTripTests
{
    /// <summary>
    /// Models of the suite our validator may reject, each with the reason. Empty: every model that parses
    /// must load. A real model failing a rule means the rule is wrong, so add entries only with a reason.
    /// </summary>
    private static readonly Dictionary<string, string> JustifiedRejections = new(StringComparer.Ordinal);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void BackendSuite_EveryParsableModel_LoadsAndRoundTripsEqual()
    {
        var paths = OnnxTestData.ModelPaths();
        var watch = Stopwatch.StartNew();
        int tested = 0, unparsable = 0, justified = 0, byteIdentical = 0;
        var failures = new List<string>();
        foreach (string path in paths)
        {
            string id = Path.GetRelativePath(OnnxTestData.Root, Path.GetDirectoryName(path)!);
            byte[] original = File.ReadAllBytes(path);
            ModelProto parsed;
            try { parsed = ModelProto.Parser.ParseFrom(original); }
            catch (InvalidProtocolBufferException) { unparsable++; continue; }

            OnnxModel model;
            try { model = OnnxModel.Load(path); }
            catch (InvalidDataException ex)
            {
                if (JustifiedRejections.ContainsKey(id)) justified++;
                else failures.Add($"{id}: rejected: {ex.Message}");
                continue;
            }
            tested++;
            byte[] written = model.ToBytes();
            var reloaded = OnnxModel.Load(written);
            if (!reloaded.Proto.Equals(model.Proto) || !model.Proto.Equals(parsed))
                failures.Add($"{id}: the model changed in a load → write → load round trip");
            if (written.AsSpan().SequenceEqual(original)) byteIdentical++;
        }
        string summary = $"libonnx-testdata: {paths.Count} models, {tested} loaded and round-tripped ({byteIdentical} byte-identical), " +
                         $"{unparsable} skipped as unparsable, {justified} rejected with a listed reason, {failures.Count} failures, {watch.Elapsed.TotalSeconds:F1} s";
        Console.WriteLine(summary);
        TestContext.WriteLine(summary);
        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures.Take(30)));
        Assert.IsGreaterThan(0, tested, "no model of the suite was tested");
    }
}
