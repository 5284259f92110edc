using System;
using System.IO;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>Writes files so that a reader sees either the old file or the whole new one, never a part.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> via a temporary file and a rename.</summary>
    /// <param name="path">Destination.</param>
    /// <param name="bytes">Content.</param>
    /// <param name="protectedPath">A file that must never be overwritten (the input model), or null.</param>
    public static void Write(string path, ReadOnlySpan<byte> bytes, string? protectedPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (protectedPath is not null && PathsEqual(fullPath, Path.GetFullPath(protectedPath)))
            throw new InvalidOperationException($"Refusing to overwrite the input model '{fullPath}'; choose another output path.");
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(a, b, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
