using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class SaveSafetyTests
{
    [TestMethod]
    public void LoadSaveCompact_InputFile_BytesAndTimestampUnchanged()
    {
        using var folder = new TempFolder();
        string input = folder.File("input.onnx");
        File.WriteAllBytes(input, TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20).ToByteArray());
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(input, stamp);
        byte[] before = File.ReadAllBytes(input);

        var model = OnnxModel.Load(input);
        model.Save(folder.File("copy.onnx"));
        Assert.AreEqual(1, model.Compact());
        model.Save(folder.File("compact.onnx"));
        model.Densify();
        model.Save(new MemoryStream());

        CollectionAssert.AreEqual(before, File.ReadAllBytes(input));
        Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(input));
    }

    [TestMethod]
    public void Save_ToSourcePath_ThrowsInvalidOperation()
    {
        using var folder = new TempFolder();
        string input = folder.File("input.onnx");
        File.WriteAllBytes(input, TestModels.MatMul().ToByteArray());
        var model = OnnxModel.Load(input);

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => model.Save(input));
        Assert.Contains(input, ex.Message);
        Assert.ThrowsExactly<InvalidOperationException>(() => model.Save(Path.Combine(folder.Path, ".", "input.onnx")));
    }

    [TestMethod]
    public void Save_OverExistingFile_ReplacesItAndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        string output = folder.File("out.onnx");
        File.WriteAllText(output, "old content");
        var model = OnnxModel.FromProto(TestModels.Conv());

        model.Save(output);

        CollectionAssert.AreEqual(model.ToBytes(), File.ReadAllBytes(output));
        CollectionAssert.AreEqual(new[] { "out.onnx" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void Save_IntoMissingFolder_CreatesItAndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "nested", "out.onnx");

        OnnxModel.FromProto(TestModels.MatMul()).Save(output);

        Assert.IsTrue(OnnxModel.Load(output).Proto.Equals(TestModels.MatMul()));
        Assert.HasCount(1, Directory.GetFiles(Path.GetDirectoryName(output)!));
    }

    private static float[] NinetyPercentZeros(int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i += 10) values[i] = i + 1;
        return values;
    }
}
