using System;
using System.IO;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class ExternalDataTests
{
    private static readonly float[] Weights = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f];

    [TestMethod]
    public void Load_ExternalDataWithOffsetAndLength_InlinesValuesAndClearsLocation()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("data"));
        byte[] payload = RawBytes(Weights);
        File.WriteAllBytes(folder.File("data/weights.bin"), [.. new byte[16], .. payload, .. new byte[5]]);
        string path = WriteModel(folder, "data/weights.bin", offset: "16", length: payload.Length.ToString(),
            checksum: Convert.ToHexString(SHA1.HashData(payload)));

        var model = OnnxModel.Load(path);

        var w = model.GetInitializer("W");
        CollectionAssert.AreEqual(Weights, OnnxTensor.ToFloatArray(w));
        Assert.AreEqual(TensorProto.Types.DataLocation.Default, w.DataLocation);
        Assert.IsEmpty(w.ExternalData);
        // Self-contained: the bytes load without the data file.
        CollectionAssert.AreEqual(Weights, OnnxTensor.ToFloatArray(OnnxModel.Load(model.ToBytes()).GetInitializer("W")));
    }

    [TestMethod]
    public void Load_ExternalDataWithoutOffsetOrLength_ReadsWholeFile()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "w.bin");

        CollectionAssert.AreEqual(Weights, OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("W")));
    }

    [TestMethod]
    public void Load_LocationWithDotDotInsideFolder_Loads()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("sub"));
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "sub/../w.bin");

        Assert.HasCount(12, OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("W")));
    }

    [TestMethod]
    public void Load_LocationEscapingWithDotDot_ThrowsNamingTensorAndLocation()
    {
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        File.WriteAllBytes(Path.Combine(outside.Path, "w.bin"), RawBytes(Weights));
        string location = $"../{Path.GetFileName(outside.Path)}/w.bin";
        string path = WriteModel(folder, location);

        AssertInvalid.File(path, "'W'", location, "leaves the model's folder");
    }

    [TestMethod]
    public void Load_AbsoluteLocation_ThrowsNamingTensorAndLocation()
    {
        using var folder = new TempFolder();
        string target = folder.File("w.bin");
        File.WriteAllBytes(target, RawBytes(Weights));
        string path = WriteModel(folder, target);

        AssertInvalid.File(path, "'W'", target, "absolute path");
    }

    [TestMethod]
    public void Load_SymlinkResolvingOutsideFolder_ThrowsNamingTensorAndLocation()
    {
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        string secret = Path.Combine(outside.Path, "secret.bin");
        File.WriteAllBytes(secret, RawBytes(Weights));
        File.CreateSymbolicLink(folder.File("w.bin"), secret);
        string path = WriteModel(folder, "w.bin");

        AssertInvalid.File(path, "'W'", "'w.bin'", "symbolic link", "outside the model's folder");
    }

    [TestMethod]
    public void Load_SymlinkedSubfolderResolvingOutside_Throws()
    {
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        File.WriteAllBytes(Path.Combine(outside.Path, "w.bin"), RawBytes(Weights));
        Directory.CreateSymbolicLink(folder.File("linked"), outside.Path);
        string path = WriteModel(folder, "linked/w.bin");

        AssertInvalid.File(path, "'W'", "symbolic link");
    }

    [TestMethod]
    public void Load_SymlinkStayingInsideFolder_Loads()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("real.bin"), RawBytes(Weights));
        File.CreateSymbolicLink(folder.File("w.bin"), "real.bin");
        string path = WriteModel(folder, "w.bin");

        Assert.HasCount(12, OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("W")));
    }

    [TestMethod]
    public void Load_OffsetBeyondEndOfFile_ThrowsNamingTensorAndSizes()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "w.bin", offset: "1000");

        AssertInvalid.File(path, "'W'", "offset 1000", "beyond the end of 'w.bin' (48 bytes)");
    }

    [TestMethod]
    public void Load_LengthBeyondEndOfFile_Throws()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "w.bin", offset: "8", length: "48");

        AssertInvalid.File(path, "'W'", "length 48", "beyond the end");
    }

    [TestMethod]
    public void Load_ExternalDataShorterThanDims_ThrowsNamingTensor()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "w.bin", length: "40");

        AssertInvalid.File(path, "'W'", "40 bytes of external data in 'w.bin'", "require 48");
    }

    [TestMethod]
    public void Load_MissingDataFile_ThrowsNamingLocation()
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "absent.bin");

        AssertInvalid.File(path, "'W'", "'absent.bin'", "does not exist");
    }

    [TestMethod]
    public void Load_NegativeOffset_Throws()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "w.bin", offset: "-4");

        AssertInvalid.File(path, "'W'", "offset '-4'");
    }

    [TestMethod]
    public void Load_WrongChecksum_Throws()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, "w.bin", checksum: new string('0', 40));

        AssertInvalid.File(path, "'W'", "checksum");
    }

    [TestMethod]
    public void Load_ExternalDataFromBytesOrStream_ThrowsSayingLoadFromPath()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        byte[] bytes = File.ReadAllBytes(WriteModel(folder, "w.bin"));

        AssertInvalid.Bytes(bytes, "'W'", "stored externally", "OnnxModel.Load(path)");
        AssertInvalid.Check(() => OnnxModel.Load(new MemoryStream(bytes)), "'W'", "OnnxModel.Load(path)");
    }

    /// <summary>A Gemm model whose weight W [4, 3] is stored externally at <paramref name="location"/>.</summary>
    private static string WriteModel(TempFolder folder, string location, string? offset = null, string? length = null, string? checksum = null)
    {
        var model = TestModels.GemmWithWeight(Weights, 4, 3);
        var w = model.Graph.Initializer[0];
        w.ClearRawData();
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is not null) w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        if (length is not null) w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length });
        if (checksum is not null) w.ExternalData.Add(new StringStringEntryProto { Key = "checksum", Value = checksum });
        string path = folder.File("model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static byte[] RawBytes(float[] values) => OnnxTensor.FromFloats("x", values, [values.Length]).RawData.ToByteArray();
}
