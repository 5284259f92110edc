using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests.Helpers;

/// <summary>Special files (named pipes, sockets) for tests of what loading refuses; Inconclusive where the OS has none.</summary>
internal static partial class UnixFiles
{
    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    /// <summary>A hard link at <paramref name="created"/> to <paramref name="existing"/> (same file system); Inconclusive where refused.</summary>
    public static void HardLink(string existing, string created)
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("Hard links are made differently on Windows.");
        if (Link(existing, created) != 0)
            Assert.Inconclusive($"link '{created}' → '{existing}' failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    public static void MakeFifo(string path)
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("Named pipes in a folder are a Unix thing.");
        if (MkFifo(path, 0x1B6 /* 0666 */) != 0)
            Assert.Inconclusive($"mkfifo '{path}' failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>A Unix domain socket bound at <paramref name="path"/> (the file stays while it is open).</summary>
    public static Socket BindSocket(string path)
    {
        if (!Socket.OSSupportsUnixDomainSockets)
            Assert.Inconclusive("No Unix domain sockets here.");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>
    /// Runs <paramref name="load"/>, failing if it is still running after 10 s (it is blocked on the pipe); a writer
    /// then opens and closes the pipe so the blocked reader sees its end and the test run can go on.
    /// </summary>
    public static T WithoutBlockingOn<T>(string fifo, Func<T> load)
    {
        var task = Task.Run(load);
        if (!task.Wait(TimeSpan.FromSeconds(10)))
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
            Assert.Fail($"Loading blocked on the named pipe '{fifo}'.");
        }
        return task.GetAwaiter().GetResult();
    }
}
