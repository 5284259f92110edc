using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>
/// Captures what is written to standard error while it lives: through <see cref="Console.Error"/> (managed code) and,
/// on Linux, through file descriptor 2 itself (native libraries such as libtorch and ONNX Runtime write there
/// directly). Tests of this project run one at a time, so redirecting the process's stderr is safe.
/// </summary>
internal sealed class StandardErrorCapture : IDisposable
{
    private readonly TextWriter _previous;
    private readonly StringWriter _managed = new();
    private readonly string? _file;
    private readonly FileStream? _native;
    private int _saved = -1;
    private string? _text;

    public StandardErrorCapture()
    {
        _previous = Console.Error;
        Console.SetError(_managed);
        if (!OperatingSystem.IsLinux()) return;
        _file = Path.GetTempFileName();
        _native = new FileStream(_file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        _saved = Dup(2);
        if (_saved < 0 || Dup2((int)_native.SafeFileHandle.DangerousGetHandle(), 2) < 0)
            throw new InvalidOperationException($"Could not redirect stderr (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>Stops capturing and returns everything written (managed first, then native).</summary>
    public string Stop()
    {
        if (_text is not null) return _text;
        Console.SetError(_previous);
        string native = "";
        if (_saved >= 0)
        {
            Dup2(_saved, 2);
            Close(_saved);
            _saved = -1;
            _native!.Dispose();
            native = File.ReadAllText(_file!);
            File.Delete(_file!);
        }
        return _text = _managed.ToString() + native;
    }

    public void Dispose() => Stop();

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int oldFd, int newFd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
