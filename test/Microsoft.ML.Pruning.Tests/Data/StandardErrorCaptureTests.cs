using System;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>The stderr capture the bad-input tests rely on sees managed and native writes.</summary>
[TestClass]
public sealed class StandardErrorCaptureTests
{
    [DllImport("libc", EntryPoint = "write")]
    private static extern nint Write(int fd, byte[] buffer, nint count);

    [TestMethod]
    public void Capture_ManagedAndNativeWrites_AreBothSeen()
    {
        string text;
        using (var capture = new StandardErrorCapture())
        {
            Console.Error.Write("managed;");
            if (OperatingSystem.IsLinux())
            {
                var bytes = Encoding.ASCII.GetBytes("native;");
                Write(2, bytes, bytes.Length);
            }
            text = capture.Stop();
        }
        StringAssert.Contains(text, "managed;");
        if (OperatingSystem.IsLinux()) StringAssert.Contains(text, "native;");
    }
}
