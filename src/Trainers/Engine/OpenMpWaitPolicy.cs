using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// Makes libtorch's OpenMP threads sleep, rather than spin, while they wait for work. Runs once, when this assembly
/// loads, which is before any of its code starts libtorch.
/// </summary>
/// <remarks>
/// <para>
/// The CPU libtorch TorchSharp ships uses GNU OpenMP (libgomp). By default a libgomp thread that finishes its part
/// of a parallel region spins for a while before it sleeps. On a quiet machine that saves a wake-up; on a machine
/// where another process holds a core, the spinning thread takes the core from the thread everyone waits for, and
/// each of the thousands of small parallel regions of a training step waits out a scheduler time slice. A 2-epoch
/// LeNet-300-100 fine-tune then runs many times slower than quiet beside other busy processes; with the passive
/// policy it does not (BENCHMARKS.md, section busy-machine, has the numbers).
/// </para>
/// <para>
/// libgomp reads <c>OMP_WAIT_POLICY</c> from the process environment once, when it loads, and .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the C environment on Linux or
/// macOS; so the variable is set with the C library's <c>setenv</c>, and only when neither <c>OMP_WAIT_POLICY</c>
/// nor <c>GOMP_SPINCOUNT</c> was set by the user (theirs wins). If libtorch was already loaded by other code in
/// the process, this has no effect: set <c>OMP_WAIT_POLICY=PASSIVE</c> before starting the process instead.
/// On Windows libtorch uses another OpenMP runtime; nothing is changed there.
/// </para>
/// </remarks>
internal static class OpenMpWaitPolicy
{
    /// <summary>What was done at load: "set", "user" (the user's own setting kept) or "unsupported" (not Linux/macOS, or no setenv).</summary>
    public static string Outcome { get; private set; } = "not run";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "libgomp reads its wait policy once, when libtorch loads; only an initializer that runs before any engine code can set it.")]
    internal static void SetPassiveUnlessUserChose()
    {
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { Length: > 0 })
        {
            Outcome = "user";
            return;
        }
        Outcome = TrySetenv("OMP_WAIT_POLICY", "PASSIVE") ? "set" : "unsupported";
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetenvFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>The C library's <c>setenv(name, value, 0)</c>: does not replace a value set meanwhile.</summary>
    private static bool TrySetenv(string name, string value)
    {
        string? library = OperatingSystem.IsLinux() ? "libc.so.6" : OperatingSystem.IsMacOS() ? "/usr/lib/libSystem.B.dylib" : null;
        if (library is null || !NativeLibrary.TryLoad(library, out var handle)) return false;
        try
        {
            if (!NativeLibrary.TryGetExport(handle, "setenv", out var address)) return false;
            var setenv = Marshal.GetDelegateForFunctionPointer<SetenvFunction>(address);
            return setenv(name, value, 0) == 0;
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }
}
