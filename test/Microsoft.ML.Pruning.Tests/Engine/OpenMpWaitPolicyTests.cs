using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Engine;

[TestClass]
public sealed class OpenMpWaitPolicyTests
{
    [TestMethod]
    public void TrainersAssembly_Loaded_CEnvironmentAsksLibgompToSleep()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("The wait policy is set through glibc's setenv on Linux (and macOS); this test reads it back with glibc's getenv.");
        RuntimeHelpers.RunModuleConstructor(typeof(OnnxTorchModule).Module.ModuleHandle);
        string? user = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? spin = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        if (!string.IsNullOrEmpty(user) || !string.IsNullOrEmpty(spin))
        {
            Assert.AreEqual("user", OpenMpWaitPolicy.Outcome, "A wait policy or spin count the user set must be kept.");
            Assert.AreEqual(user ?? "", CGetenv("OMP_WAIT_POLICY") ?? "");
            return;
        }
        Assert.AreEqual("set", OpenMpWaitPolicy.Outcome);
        // What libgomp reads when libtorch loads: the C environment, which Environment.SetEnvironmentVariable does not reach.
        Assert.AreEqual("PASSIVE", CGetenv("OMP_WAIT_POLICY"));
    }

    private static string? CGetenv(string name) => Marshal.PtrToStringUTF8(getenv(name));

    [DllImport("libc.so.6", CharSet = CharSet.Ansi)]
    private static extern IntPtr getenv(string name);
}
