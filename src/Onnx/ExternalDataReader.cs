using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Reads tensors stored as ONNX external data (<c>data_location: EXTERNAL</c> with <c>location</c>,
/// <c>offset</c>, <c>length</c>, <c>checksum</c> entries) into <c>raw_data</c>, so the in-memory model is
/// self-contained. Every location must resolve, symbolic links included, to a regular file inside the model's
/// folder, opened without blocking and checked by handle (a named pipe, device or socket is refused). Tensors
/// together read at most as many bytes of a file as it holds, and a whole-file checksum is computed once per
/// file, so the cost is bounded by the size of the external data whatever the model says.
/// </summary>
internal sealed class ExternalDataReader
{
    private const int MaxSymbolicLinkHops = 40;

    /// <summary>Longest path accepted (Linux's PATH_MAX; longer ones could not be opened anyway).</summary>
    private const int MaxPathLength = 4096;

    /// <summary>
    /// Most components a location may have ("data/w.bin" has two). Each is checked for a symbolic link with a path
    /// as long as the location, so a deep location would cost its length times its depth.
    /// </summary>
    internal const int MaxLocationComponents = 32;

    private readonly string _modelPath;
    private readonly string _folder;
    private string? _realFolder;

    /// <summary>Per external file (by device and inode where the OS has them, else by real path): bytes read so far, whole-file SHA-1 once computed.</summary>
    private readonly Dictionary<object, (long BytesRead, string? FileSha1)> _files = [];

    /// <summary>
    /// Real paths of the folders of locations resolved so far (null: through too many links), so that the folders
    /// along a location are checked for links once per load, not once per tensor.
    /// </summary>
    private readonly Dictionary<string, string?> _realDirectories = new(StringComparer.Ordinal);

    private ExternalDataReader(string modelPath, string folder)
    {
        _modelPath = modelPath;
        _folder = folder;
    }

    /// <summary>Inlines every external tensor of <paramref name="model"/>, read relative to <paramref name="modelPath"/>'s folder.</summary>
    public static void Inline(ModelProto model, string modelPath)
    {
        string folder = Path.GetDirectoryName(modelPath) ?? throw new InvalidDataException($"ONNX file '{modelPath}' has no folder.");
        var reader = new ExternalDataReader(modelPath, folder);
        GraphWalker.ForEachTensor(model, $"ONNX file '{modelPath}'", (tensor, in position) =>
        {
            if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
                reader.Inline(tensor, position.ToPlace());
        });
    }

    private string RealFolder() =>
        _realFolder ??= RealPath(_folder)
            ?? throw new InvalidDataException($"ONNX file '{_modelPath}': its folder '{_folder}' passes more than {MaxSymbolicLinkHops} symbolic links.");

    private void Inline(TensorProto tensor, Place context)
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
        string path = Path.GetFullPath(Path.Combine(_folder, location)); // folds '..' segments
        if (!IsInside(path, _folder))
            throw Fail(tensor, context, $"has external data location '{location}', which leaves the model's folder '{_folder}'");
        if (path.Length > MaxPathLength)
            throw Fail(tensor, context, $"has an external data location of {location.Length} characters; paths of at most {MaxPathLength} are accepted");
        string relative = path[(Path.EndsInDirectorySeparator(_folder) ? _folder.Length : _folder.Length + 1)..];
        int components = relative.AsSpan().Count(Path.DirectorySeparatorChar) + 1;
        if (components > MaxLocationComponents)
            throw Fail(tensor, context, $"has external data location '{location}' of {components} path components; at most {MaxLocationComponents} are accepted");

        try
        {
            string realFolder = RealFolder();
            string directory = Path.GetDirectoryName(relative) ?? "";
            if (!_realDirectories.TryGetValue(directory, out string? realDirectory))
                _realDirectories[directory] = realDirectory = directory.Length == 0 ? realFolder : RealPathUnder(realFolder, directory);
            string? realPath = realDirectory is null ? null : RealPathUnder(realDirectory, Path.GetFileName(relative));
            if (realPath is null)
                throw Fail(tensor, context, $"has external data location '{location}', which passes more than {MaxSymbolicLinkHops} symbolic links (a loop?)");
            if (!IsInside(realPath, realFolder))
                throw Fail(tensor, context, $"has external data location '{location}', which resolves through a symbolic link to '{realPath}', outside the model's folder '{_folder}'");

            // The path is resolved: a link appearing at its end now is a swap, and the open refuses it. What was
            // opened is judged by its handle, and the open does not block, whatever the path has become.
            RegularFile.Opened file;
            try { file = RegularFile.Open(realPath, followFinalLink: false); }
            catch (FileNotFoundException) { throw Fail(tensor, context, $"has external data location '{location}', but '{path}' does not exist"); }
            using (file)
            {
                if (file.Kind != FileKind.Regular)
                    throw Fail(tensor, context, $"has external data location '{location}', which is {RegularFile.Describe(file.Kind)}, not a regular file");
                ReadInto(tensor, context, location, checksum, offsetText, lengthText, file, realPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Tensor '{tensor.Name}' ({context}): external data file '{location}' could not be read: {ex.Message}", ex);
        }
    }

    private void ReadInto(TensorProto tensor, Place context, string location, string? checksum, string? offsetText, string? lengthText,
        RegularFile.Opened file, string realPath)
    {
        long fileLength = file.Length;
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

        // Each tensor becomes its own copy in memory: tensors reading the same bytes again would let a small model
        // multiply its external data. Together they may read each file's bytes once.
        object key = file.Identity is { } identity ? identity : realPath;
        var (bytesRead, fileSha1) = _files.GetValueOrDefault(key);
        if (bytesRead + length > fileLength)
            throw Fail(tensor, context,
                $"reads {length} bytes of '{location}' after other tensors read {bytesRead}, more than its {fileLength}; tensors may not share external data bytes");

        var data = new byte[length];
        if (RegularFile.ReadAt(file.Handle, data, offset) != length)
            throw Fail(tensor, context, $"has external data in '{location}' that ended before {offset + length} bytes (the file shrank while it was read)");
        if (checksum is not null && !Matches(SHA1.HashData(data), checksum))
        {
            fileSha1 ??= Convert.ToHexString(HashWholeFile(file));
            if (!Matches(fileSha1, checksum))
                throw Fail(tensor, context, $"has external data checksum '{checksum}' that matches neither the SHA-1 of its bytes nor of '{location}'");
        }
        _files[key] = (bytesRead + length, fileSha1);

        tensor.RawData = UnsafeByteOperations.UnsafeWrap(data);
        tensor.ExternalData.Clear();
        tensor.ClearDataLocation();
    }

    /// <summary>
    /// The spec calls <c>checksum</c> "the SHA1 digest of the file"; producers differ on whether that means the
    /// tensor's bytes or the whole file, so either is accepted (the whole file is hashed once per file).
    /// </summary>
    private static bool Matches(byte[] hash, string checksum) => Matches(Convert.ToHexString(hash), checksum);

    private static bool Matches(string hex, string checksum) => string.Equals(hex, checksum.Trim(), StringComparison.OrdinalIgnoreCase);

    private static byte[] HashWholeFile(RegularFile.Opened file)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var buffer = new byte[Math.Min(1 << 16, Math.Max(1, file.Length))];
        for (long position = 0; position < file.Length;)
        {
            int read = RegularFile.ReadAt(file.Handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, file.Length - position)), position);
            if (read == 0) break;
            sha1.AppendData(buffer, 0, read);
            position += read;
        }
        return sha1.GetHashAndReset();
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

    /// <summary>
    /// The path with every symbolic link along it resolved (like POSIX realpath, for existing parts), or null when
    /// that passes more than <see cref="MaxSymbolicLinkHops"/> links (a loop, or a chain the OS would refuse too).
    /// </summary>
    internal static string? RealPath(string fullPath)
    {
        int hops = 0;
        fullPath = Path.GetFullPath(fullPath);
        string root = Path.GetPathRoot(fullPath) ?? "";
        return RealPath(root, fullPath[root.Length..], ref hops);
    }

    /// <summary>
    /// <see cref="RealPath(string)"/> of <paramref name="realFolder"/>/<paramref name="relative"/>, walking only the
    /// relative part: the folder is resolved already.
    /// </summary>
    private static string? RealPathUnder(string realFolder, string relative)
    {
        int hops = 0;
        return RealPath(realFolder, relative, ref hops);
    }

    /// <summary>
    /// Resolves the components of <paramref name="rest"/> one by one below <paramref name="current"/>, a real path.
    /// Below a component that does not exist nothing can be a link: the rest is appended as it is (a link's target
    /// can be a long path, and checking each of its components costs its length).
    /// </summary>
    private static string? RealPath(string current, string rest, ref int hops)
    {
        string[] parts = rest.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string? next = Path.Combine(current, parts[i]);
            string? target = new FileInfo(next).LinkTarget;
            if (target is not null)
            {
                if (++hops > MaxSymbolicLinkHops) return null;
                string full = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target));
                string root = Path.GetPathRoot(full) ?? "";
                next = RealPath(root, full[root.Length..], ref hops);
                if (next is null) return null;
            }
            else if (i < parts.Length - 1 && !Directory.Exists(next))
                return Path.Join(next, string.Join(Path.DirectorySeparatorChar, parts, i + 1, parts.Length - i - 1));
            current = next;
        }
        return current;
    }

    private static InvalidDataException Fail(TensorProto tensor, Place context, string problem) =>
        new($"Tensor '{tensor.Name}' ({context}) {problem}.");
}
