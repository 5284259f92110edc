using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// Float64 matrices in NumPy's .npy format (version 1.0, little-endian, C order): enough to hand a problem to a
/// python peer and read its answer back.
/// </summary>
internal static partial class NumpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes <paramref name="values"/> (rows × columns, row-major) as a '&lt;f8' .npy file.</summary>
    public static void Write(string path, double[] values, int rows, int columns)
    {
        if ((long)rows * columns != values.Length)
            throw new ArgumentException($"{values.Length} values are not {rows} × {columns}.", nameof(values));
        string dictionary = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by '\n' to a multiple of 64.
        int unpadded = Magic.Length + 4 + dictionary.Length + 1;
        string header = dictionary + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        using var file = new BinaryWriter(File.Create(path));
        file.Write(Magic);
        file.Write((byte)1);
        file.Write((byte)0);
        file.Write(checked((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        var buffer = new byte[8];
        foreach (double v in values)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
            file.Write(buffer);
        }
    }

    /// <summary>Reads a 2-D '&lt;f8' C-order .npy file (as <c>np.save</c> writes one), row-major.</summary>
    /// <exception cref="InvalidDataException">Not such a file.</exception>
    public static double[] Read(string path, out int rows, out int columns)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not a .npy file.");
        int headerLength, offset;
        if (bytes[6] == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else { headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8))); offset = 12; }
        string header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        var match = HeaderPattern().Match(header);
        if (!header.Contains("'descr': '<f8'", StringComparison.Ordinal) || !header.Contains("'fortran_order': False", StringComparison.Ordinal) || !match.Success)
            throw new InvalidDataException($"'{path}' is not a 2-D little-endian float64 C-order array: {header.Trim()}");
        rows = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        columns = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        int start = offset + headerLength;
        long count = (long)rows * columns;
        if (bytes.Length - start != count * 8)
            throw new InvalidDataException($"'{path}' holds {bytes.Length - start} data bytes; {rows} × {columns} doubles need {count * 8}.");
        var values = new double[count];
        for (long i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan((int)(start + i * 8)));
        return values;
    }

    [GeneratedRegex(@"'shape': \((\d+), (\d+)\)")]
    private static partial Regex HeaderPattern();
}
