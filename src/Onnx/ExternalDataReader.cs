using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Reads tensors stored as ONNX external data (<c>data_location: EXTERNAL</c> with <c>location</c>,
/// <c>offset</c>, <c>length</c>, <c>checksum</c> entries) into <c>raw_data</c>, so the in-memory model is
/// self-contained. Every location must resolve, symbolic links included, to a file inside the model's folder.
/// </summary>
internal static class ExternalDataReader
{
    private const int MaxSymbolicLinkHops = 40;

    /// <summary>Inlines every external tensor of <paramref name="model"/>, read relative to <paramref name="modelPath"/>'s folder.</summary>
    public static void Inline(ModelProto model, string modelPath)
    {
        string folder = Path.GetDirectoryName(modelPath) ?? throw new InvalidDataException($"ONNX file '{modelPath}' has no folder.");
        string? realFolder = null;
        string source = $"ONNX file '{modelPath}'";
        GraphWalker.ForEachTensor(model, source, (tensor, in position) =>
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External) return;
            realFolder ??= RealPath(folder);
            Inline(tensor, position.ToPlace(), folder, realFolder);
        });
    }

    private static void Inline(TensorProto tensor, Place context, string folder, string realFolder)
    {
        string? location = null, offsetText = null, lengthText = null, checksum = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offsetText = entry.Value; break;
                case "length": lengthText = entry.Value; break;
                case "checksum": checksum = entry.Value; break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw Fail(tensor, context, "is stored externally but has no 'location' entry");
        if (tensor.HasRawData || tensor.FloatData.Count + tensor.Int32Data.Count + tensor.StringData.Count + tensor.Int64Data.Count
                + tensor.DoubleData.Count + tensor.Uint64Data.Count > 0)
            throw Fail(tensor, context, $"is stored externally at '{location}' and also holds values inline; only one is allowed");

        // Reject before touching the file system: rooted paths (also Windows drive and UNC forms, whatever the OS)
        // and anything that normalizes to outside the folder.
        if (location.Contains('\0'))
            throw Fail(tensor, context, "has an external data location containing a NUL character");
        if (Path.IsPathRooted(location) || location[0] is '/' or '\\' || (location.Length > 1 && location[1] == ':'))
            throw Fail(tensor, context, $"has external data location '{location}', an absolute path; locations must be relative to the model's folder");
        string path = Path.GetFullPath(Path.Combine(folder, location)); // folds '..' segments
        if (!IsInside(path, folder))
            throw Fail(tensor, context, $"has external data location '{location}', which leaves the model's folder '{folder}'");
        if (!File.Exists(path))
            throw Fail(tensor, context, $"has external data location '{location}', but '{path}' does not exist or is not a file");
        string realPath = RealPath(path);
        if (!IsInside(realPath, realFolder))
            throw Fail(tensor, context, $"has external data location '{location}', which resolves through a symbolic link to '{realPath}', outside the model's folder '{folder}'");

        byte[] data;
        try
        {
            using var stream = new FileStream(realPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            long fileLength = stream.Length;
            long offset = ParseNonNegative(offsetText, "offset", tensor, context) ?? 0;
            if (offset > fileLength)
                throw Fail(tensor, context, $"has external data offset {offset}, beyond the end of '{location}' ({fileLength} bytes)");
            long length = ParseNonNegative(lengthText, "length", tensor, context) ?? fileLength - offset;
            if (length > fileLength - offset)
                throw Fail(tensor, context, $"has external data offset {offset} and length {length}, beyond the end of '{location}' ({fileLength} bytes)");
            // Compare with what the dims promise before allocating anything.
            long? expected;
            try { expected = OnnxElementType.RawDataLength(tensor.DataType, TensorValidator.ElementCount(tensor, context)); }
            catch (OverflowException) { throw Fail(tensor, context, $"has dims {TensorValidator.Dims(tensor)} whose byte size overflows 64 bits"); }
            if (expected is long bytes && bytes != length)
                throw Fail(tensor, context,
                    $"has {length} bytes of external data in '{location}'; dims {TensorValidator.Dims(tensor)} × {OnnxElementType.Name(tensor.DataType)} require {bytes}");
            if (length > Array.MaxLength)
                throw Fail(tensor, context, $"has {length} bytes of external data, more than one array can hold");
            data = new byte[length];
            stream.Seek(offset, SeekOrigin.Begin);
            stream.ReadExactly(data);
            if (checksum is not null) VerifyChecksum(tensor, context, location, checksum, data, stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Tensor '{tensor.Name}' ({context}): external data file '{location}' could not be read: {ex.Message}", ex);
        }

        tensor.RawData = UnsafeByteOperations.UnsafeWrap(data);
        tensor.ExternalData.Clear();
        tensor.ClearDataLocation();
    }

    /// <summary>
    /// The spec calls <c>checksum</c> "the SHA1 digest of the file"; producers differ on whether that means the
    /// tensor's bytes or the whole file, so either is accepted.
    /// </summary>
    private static void VerifyChecksum(TensorProto tensor, Place context, string location, string checksum, byte[] data, FileStream stream)
    {
        if (Matches(SHA1.HashData(data))) return;
        stream.Seek(0, SeekOrigin.Begin);
        if (Matches(SHA1.HashData(stream))) return;
        throw Fail(tensor, context, $"has external data checksum '{checksum}' that matches neither the SHA-1 of its bytes nor of '{location}'");

        bool Matches(byte[] hash) => string.Equals(Convert.ToHexString(hash), checksum.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    private static long? ParseNonNegative(string? text, string key, TensorProto tensor, Place context)
    {
        if (text is null) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw Fail(tensor, context, $"has external data {key} '{text}', which is not a non-negative integer");
        return value;
    }

    private static bool IsInside(string path, string folder)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        string prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, comparison) && path.Length > prefix.Length;
    }

    /// <summary>The path with every symbolic link along it resolved (like POSIX realpath, for existing parts).</summary>
    internal static string RealPath(string fullPath)
    {
        int hops = 0;
        return RealPath(Path.GetFullPath(fullPath), ref hops);
    }

    private static string RealPath(string fullPath, ref int hops)
    {
        string root = Path.GetPathRoot(fullPath) ?? "";
        string current = root;
        foreach (string part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is not null)
            {
                if (++hops > MaxSymbolicLinkHops)
                    throw new InvalidDataException($"Path '{fullPath}' passes more than {MaxSymbolicLinkHops} symbolic links.");
                next = RealPath(Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target)), ref hops);
            }
            current = next;
        }
        return current;
    }

    private static InvalidDataException Fail(TensorProto tensor, Place context, string problem) =>
        new($"Tensor '{tensor.Name}' ({context}) {problem}.");
}
