using System;
using System.IO;
using System.Linq;
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

    [TestMethod]
    public void Load_ExternalDataIsNamedPipe_ThrowsNamingTensorInsteadOfBlocking()
    {
        using var folder = new TempFolder();
        string fifo = folder.File("w.bin");
        UnixFiles.MakeFifo(fifo);
        string path = WriteModel(folder, "w.bin");

        var ex = UnixFiles.WithoutBlockingOn(fifo, () => AssertInvalid.File(path, "'W'", "'w.bin'", "named pipe (FIFO)", "not a regular file"));
        Assert.Contains(path, ex.Message);
    }

    [TestMethod]
    public void Load_ModelFileIsNamedPipe_ThrowsNamingFileInsteadOfBlocking()
    {
        using var folder = new TempFolder();
        string fifo = folder.File("model.onnx");
        UnixFiles.MakeFifo(fifo);

        UnixFiles.WithoutBlockingOn(fifo, () => AssertInvalid.File(fifo, fifo, "named pipe (FIFO)", "OnnxModel.Load(Stream)"));
    }

    [TestMethod]
    public void Load_ExternalDataIsSocket_ThrowsNamingTensor()
    {
        using var folder = new TempFolder();
        using var socket = UnixFiles.BindSocket(folder.File("w.bin"));
        string path = WriteModel(folder, "w.bin");

        AssertInvalid.File(path, "'W'", "'w.bin'", path);
    }

    [TestMethod]
    public void Load_ExternalDataIsDirectory_ThrowsNamingTensor()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("w.bin"));
        string path = WriteModel(folder, "w.bin");

        AssertInvalid.File(path, "'W'", "'w.bin'", "directory", "not a regular file");
    }

    [TestMethod]
    public void Load_ExternalDataIsSymlinkLoop_ThrowsNamingTensorFileAndLoop()
    {
        using var folder = new TempFolder();
        File.CreateSymbolicLink(folder.File("a.bin"), "b.bin");
        File.CreateSymbolicLink(folder.File("b.bin"), "a.bin");
        string path = WriteModel(folder, "a.bin");

        AssertInvalid.File(path, "'W'", "'a.bin'", "symbolic links", path);
    }

    [TestMethod]
    public void Load_LocationWithTooManyComponents_ThrowsNamingLimit()
    {
        using var folder = new TempFolder();
        string location = string.Concat(Enumerable.Repeat("d/", ExternalDataReader.MaxLocationComponents)) + "w.bin";
        string path = WriteModel(folder, location);

        AssertInvalid.File(path, "'W'", $"{ExternalDataReader.MaxLocationComponents + 1} path components", $"at most {ExternalDataReader.MaxLocationComponents}");
    }

    [TestMethod]
    public void Load_LocationThroughSubfoldersAtTheLimit_Loads()
    {
        using var folder = new TempFolder();
        string directory = string.Join('/', Enumerable.Repeat("d", ExternalDataReader.MaxLocationComponents - 1));
        Directory.CreateDirectory(folder.File(directory));
        File.WriteAllBytes(folder.File(directory + "/w.bin"), RawBytes(Weights));
        string path = WriteModel(folder, directory + "/w.bin");

        Assert.HasCount(12, OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("W")));
    }

    [TestMethod]
    public void Load_LocationTooLong_ThrowsNamingLimit()
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, new string('w', 5000) + ".bin");

        AssertInvalid.File(path, "'W'", "5004 characters", "at most 4096");
    }

    [TestMethod]
    public void Load_TwoTensorsReadingTheSameBytes_ThrowsNamingSecondTensor()
    {
        // Each inlined tensor is its own copy: reading the same bytes twice would let a small model multiply its data.
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        string path = WriteTwoTensorModel(folder, ("w.bin", "0"), ("w.bin", "0"));

        AssertInvalid.File(path, "'V'", "'w.bin'", "after other tensors read 48", "may not share external data bytes");
    }

    [TestMethod]
    public void Load_ExternalDataHardLinkedFromOutsideFolder_IsReadAsDocumented()
    {
        // The documented limit (docs/SECURITY.md): a hard link is a regular file inside the folder; its path cannot tell.
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        string secret = Path.Combine(outside.Path, "secret.bin");
        File.WriteAllBytes(secret, RawBytes(Weights));
        UnixFiles.HardLink(secret, folder.File("w.bin"));
        string path = WriteModel(folder, "w.bin");

        CollectionAssert.AreEqual(Weights, OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("W")));
    }

    [TestMethod]
    public void Load_TwoTensorsReadingTheSameBytesThroughAHardLink_ThrowsNamingSecondTensor()
    {
        // The bytes-read budget counts by file identity, so another name for the same file does not reset it.
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), RawBytes(Weights));
        UnixFiles.HardLink(folder.File("w.bin"), folder.File("v.bin"));
        string path = WriteTwoTensorModel(folder, ("w.bin", "0"), ("v.bin", "0"));

        AssertInvalid.File(path, "'V'", "'v.bin'", "may not share external data bytes");
    }

    [TestMethod]
    public void Load_TwoTensorsReadingDisjointRangesOfOneFile_Loads()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), [.. RawBytes(Weights), .. RawBytes(Weights)]);
        string path = WriteTwoTensorModel(folder, ("w.bin", "0"), ("w.bin", "48"));

        var model = OnnxModel.Load(path);

        CollectionAssert.AreEqual(Weights, OnnxTensor.ToFloatArray(model.GetInitializer("V")));
    }

    [TestMethod]
    public void Load_ExternalDataWithWholeFileChecksum_Loads()
    {
        using var folder = new TempFolder();
        byte[] file = [.. RawBytes(Weights), .. RawBytes(Weights)];
        File.WriteAllBytes(folder.File("w.bin"), file);
        string checksum = Convert.ToHexString(SHA1.HashData(file));
        string path = WriteTwoTensorModel(folder, ("w.bin", "0"), ("w.bin", "48"), checksum);

        Assert.HasCount(12, OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("W")));
    }

    /// <summary>W (the Gemm weight) and V, an unused [4, 3] initializer, each stored externally at (location, offset), 48 bytes.</summary>
    private static string WriteTwoTensorModel(TempFolder folder, (string Location, string Offset) w, (string Location, string Offset) v, string? checksum = null)
    {
        var model = TestModels.GemmWithWeight(Weights, 4, 3);
        model.Graph.Initializer.Add(model.Graph.Initializer[0].Clone());
        model.Graph.Initializer[1].Name = "V";
        foreach (var (tensor, (location, offset)) in new[] { (model.Graph.Initializer[0], w), (model.Graph.Initializer[1], v) })
        {
            tensor.ClearRawData();
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "48" });
            if (checksum is not null) tensor.ExternalData.Add(new StringStringEntryProto { Key = "checksum", Value = checksum });
        }
        string path = folder.File("model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
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
