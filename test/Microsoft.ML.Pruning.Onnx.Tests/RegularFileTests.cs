using System;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class RegularFileTests
{
    [TestMethod]
    public void Open_RegularFile_KindLengthAndIdentity()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), new byte[123]);

        using var file = RegularFile.Open(folder.File("w.bin"), followFinalLink: false);

        Assert.AreEqual(FileKind.Regular, file.Kind);
        Assert.AreEqual(123, file.Length);
        if (!OperatingSystem.IsWindows()) Assert.IsNotNull(file.Identity);
    }

    [TestMethod]
    public void Open_HardLinkAndOriginal_SameIdentity()
    {
        // Hard links cannot be told apart by path; by identity they are one file (which is what the external-data budget counts by).
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("a.bin"), new byte[8]);
        UnixFiles.HardLink(folder.File("a.bin"), folder.File("b.bin"));

        using var a = RegularFile.Open(folder.File("a.bin"), followFinalLink: false);
        using var b = RegularFile.Open(folder.File("b.bin"), followFinalLink: false);

        Assert.AreEqual(a.Identity, b.Identity);
    }

    [TestMethod]
    public void Open_FinalSymbolicLinkWithoutFollowing_Refused()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("O_NOFOLLOW is a Unix flag.");
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("a.bin"), new byte[8]);
        File.CreateSymbolicLink(folder.File("b.bin"), "a.bin");

        Assert.ThrowsExactly<IOException>(() => RegularFile.Open(folder.File("b.bin"), followFinalLink: false));
    }

    [TestMethod]
    public void OpenWithoutStatx_RegularFileFifoAndDirectory_SameAnswersAsStatx()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("The fstat fallback is Linux's.");
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("w.bin"), new byte[77]);
        UnixFiles.MakeFifo(folder.File("pipe"));
        Directory.CreateDirectory(folder.File("dir"));

        foreach (string name in new[] { "w.bin", "pipe", "dir" })
        {
            using var withStatx = RegularFile.Open(folder.File(name), followFinalLink: true);
            using var withFstat = RegularFile.OpenLinuxWithoutStatx(folder.File(name));
            Assert.AreEqual(withStatx.Kind, withFstat.Kind, name);
            Assert.AreEqual(withStatx.Length, withFstat.Length, name);
            Assert.AreEqual(withStatx.Identity!.Value.Inode, withFstat.Identity!.Value.Inode, name);
        }
    }
}
