using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>What the label column of loaded data becomes.</summary>
internal enum LabelKind
{
    /// <summary>Class indices 0…C−1 of a C-class model, or text: a key; other numbers: Single.</summary>
    Auto,

    /// <summary>A key over the classes (accuracy, cross-entropy fine-tuning).</summary>
    Key,

    /// <summary>Boolean: 1/0 or true/false (AUC).</summary>
    Boolean,

    /// <summary>Single (RMSE, MAE, squared-error fine-tuning).</summary>
    Float,

    /// <summary>No label column is read.</summary>
    None,
}

/// <summary>Rows read for a model: the features (one float vector per row, as the model input takes them) and the label, if any.</summary>
/// <param name="Data">The rows as an IDataView: the model input's column (Single vector of the input's width) and the label column.</param>
/// <param name="Features">The feature vectors, row by row.</param>
/// <param name="LabelColumn">The label column's name, or null when none was read.</param>
internal sealed record CommandRows(IDataView Data, float[][] Features, string? LabelColumn);

/// <summary>
/// Loads the data every command takes: a CSV or TSV file with a header (the label column named by <c>--label</c>; every other
/// numeric column is a feature, in file order, concatenated into the model input's vector) or an image folder
/// (<c>folder/&lt;class&gt;/*.png|jpg</c>: class index by sorted folder name; images resized to the input's H×W, CHW floats in
/// [0, 1]). Images are decoded with SkiaSharp 3.119, the version ScottPlot brings, so plots and image data share one SkiaSharp.
/// </summary>
internal static class CommandData
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Loads <paramref name="path"/> for <paramref name="columns"/>' input.</summary>
    /// <param name="ml">The context the data view belongs to.</param>
    /// <param name="path">A .csv/.tsv file or an image folder.</param>
    /// <param name="option">The option that named the path, for messages (<c>--data</c>).</param>
    /// <param name="modelPath">The model, for messages.</param>
    /// <param name="columns">The model's input and outputs.</param>
    /// <param name="labelColumn">The label column's name.</param>
    /// <param name="labelRequired">Whether a CSV without that column is an error (else it is read without labels).</param>
    /// <param name="kind">What the label becomes.</param>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file does not fit the model (width, label, values); the message names the file.</exception>
    public static CommandRows Load(MLContext ml, string path, string option, string modelPath, ModelColumns columns, string labelColumn, bool labelRequired, LabelKind kind)
    {
        if (Directory.Exists(path)) return LoadImages(ml, path, modelPath, columns, labelColumn, kind);
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} '{path}' does not exist.", path);
        return LoadTable(ml, path, modelPath, columns, labelColumn, labelRequired, kind);
    }

    /// <summary>No rows, with the model input's column: what one-shot magnitude pruning is fitted on when no data is given.</summary>
    public static CommandRows Empty(MLContext ml, string modelPath, ModelColumns columns)
    {
        columns.RequireRowShape(modelPath);
        return Build(ml, modelPath, columns, [], null, null, LabelKind.None, null);
    }

    private static CommandRows LoadTable(MLContext ml, string path, string modelPath, ModelColumns columns, string labelColumn, bool labelRequired, LabelKind kind)
    {
        var lines = File.ReadLines(path).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count < 2) throw new InvalidDataException($"'{path}' needs a header line and at least one row; it has {lines.Count} non-empty line(s).");
        char separator = Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase) || lines[0].Contains('\t') ? '\t' : ',';
        string[] header = Split(lines[0], separator);
        var rows = new List<string[]>(lines.Count - 1);
        for (int i = 1; i < lines.Count; i++)
        {
            var fields = Split(lines[i], separator);
            if (fields.Length != header.Length)
                throw new InvalidDataException($"'{path}' line {i + 1} has {fields.Length} fields; the header has {header.Length}.");
            rows.Add(fields);
        }
        // The label column is never a feature, even when no label is read (verify).
        int label = Array.IndexOf(header, labelColumn);
        if (label < 0 && labelRequired && kind != LabelKind.None)
            throw new InvalidDataException($"'{path}' has no label column '{labelColumn}' (columns: {string.Join(", ", header)}); name it with --label.");
        var numeric = Enumerable.Range(0, header.Length)
            .Where(c => c != label && rows.All(r => float.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            .ToArray();
        long width = columns.RequireRowShape(modelPath).Aggregate(1L, (a, b) => a * b);
        if (numeric.Length != width)
            throw new InvalidDataException(
                $"'{path}' has {numeric.Length} numeric feature column(s) besides the label '{labelColumn}', but input '{columns.Input}' of '{modelPath}' takes {width} values per row.");
        var features = rows.Select(r => numeric.Select(c => float.Parse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        string[]? labels = label < 0 || kind == LabelKind.None ? null : [.. rows.Select(r => r[label])];
        return Build(ml, path, columns, features, labels, labels is null ? null : labelColumn, kind, classNames: null);
    }

    private static CommandRows LoadImages(MLContext ml, string folder, string modelPath, ModelColumns columns, string labelColumn, LabelKind kind)
    {
        long[] shape = columns.RequireRowShape(modelPath);
        if (shape.Length != 3 || shape[0] is not (1 or 3))
            throw new InvalidDataException($"An image folder needs an input of shape [N, C, H, W] with C 1 or 3; input '{columns.Input}' of '{modelPath}' is [N, {string.Join(", ", shape)}].");
        string[] classes = [.. Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        if (classes.Length == 0) throw new InvalidDataException($"Image folder '{folder}' has no class sub-folders (folder/<class>/*.png).");
        var features = new List<float[]>();
        var labels = new List<string>();
        for (int c = 0; c < classes.Length; c++)
        {
            foreach (string file in Directory.GetFiles(Path.Combine(folder, classes[c])).Where(IsImage).Order(StringComparer.Ordinal))
            {
                features.Add(ReadImage(file, (int)shape[0], (int)shape[1], (int)shape[2]));
                labels.Add(c.ToString(CultureInfo.InvariantCulture));
            }
        }
        if (features.Count == 0) throw new InvalidDataException($"Image folder '{folder}' has no .png or .jpg files in its class folders ({string.Join(", ", classes)}).");
        return Build(ml, folder, columns, [.. features], kind == LabelKind.None ? null : [.. labels], kind == LabelKind.None ? null : labelColumn, kind, classes);
    }

    private static bool IsImage(string file) => ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);

    /// <summary>An image as CHW floats in [0, 1], resized (bilinear) to <paramref name="height"/>×<paramref name="width"/>; one channel is luminance.</summary>
    private static float[] ReadImage(string file, int channels, int height, int width)
    {
        using var decoded = SKBitmap.Decode(file) ?? throw new InvalidDataException($"'{file}' is not an image SkiaSharp can decode.");
        using var resized = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!decoded.ScalePixels(resized, new SKSamplingOptions(SKFilterMode.Linear)))
            throw new InvalidDataException($"'{file}' could not be resized to {width}×{height}.");
        var pixels = resized.GetPixelSpan();
        int plane = height * width;
        var values = new float[channels * plane];
        for (int i = 0; i < plane; i++)
        {
            float r = pixels[4 * i] / 255f, g = pixels[4 * i + 1] / 255f, b = pixels[4 * i + 2] / 255f;
            if (channels == 1)
            {
                values[i] = 0.299f * r + 0.587f * g + 0.114f * b;
            }
            else
            {
                values[i] = r;
                values[plane + i] = g;
                values[2 * plane + i] = b;
            }
        }
        return values;
    }

    private static CommandRows Build(MLContext ml, string source, ModelColumns columns, float[][] features, string[]? labels, string? labelColumn, LabelKind kind,
        string[]? classNames)
    {
        int width = checked((int)columns.Width);
        var featureType = new VectorDataViewType(NumberDataViewType.Single, width);
        if (labels is null || labelColumn is null)
        {
            var schema = Schema<FeatureRow>(columns.Input, featureType, null, null);
            return new CommandRows(ml.Data.LoadFromEnumerable(features.Select(f => new FeatureRow { Features = f }), schema), features, null);
        }
        bool integers = labels.All(l => long.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= 0);
        bool numbers = labels.All(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        long classes = classNames?.Length ?? (integers ? labels.Max(l => long.Parse(l, CultureInfo.InvariantCulture)) + 1 : 0);
        if (kind == LabelKind.Auto)
            kind = classNames is not null || !numbers || (integers && columns.ScoreWidth is > 1 && classes <= columns.ScoreWidth) ? LabelKind.Key : LabelKind.Float;
        switch (kind)
        {
            case LabelKind.Key:
            {
                uint[] keys;
                if (integers)
                {
                    classes = Math.Max(classes, columns.ScoreWidth ?? 0);
                    keys = [.. labels.Select(l => (uint)long.Parse(l, CultureInfo.InvariantCulture))];
                }
                else
                {
                    string[] names = [.. labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
                    classes = names.Length;
                    keys = [.. labels.Select(l => (uint)Array.BinarySearch(names, l, StringComparer.Ordinal))];
                }
                var schema = Schema<KeyRow>(columns.Input, featureType, labelColumn, new KeyDataViewType(typeof(uint), (ulong)classes));
                return new CommandRows(ml.Data.LoadFromEnumerable(features.Select((f, i) => new KeyRow { Features = f, Label = keys[i] }), schema), features, labelColumn);
            }
            case LabelKind.Boolean:
            {
                var values = labels.Select((l, i) => l.Trim().ToLowerInvariant() switch
                {
                    "1" or "true" => true,
                    "0" or "false" => false,
                    _ => throw new InvalidDataException($"'{source}' row {i + 1}: label '{labelColumn}' is '{l}'; a boolean label is 1/0 or true/false."),
                }).ToArray();
                var schema = Schema<BooleanRow>(columns.Input, featureType, labelColumn, BooleanDataViewType.Instance);
                return new CommandRows(ml.Data.LoadFromEnumerable(features.Select((f, i) => new BooleanRow { Features = f, Label = values[i] }), schema), features, labelColumn);
            }
            default:
            {
                var values = labels.Select((l, i) => float.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v
                    : throw new InvalidDataException($"'{source}' row {i + 1}: label '{labelColumn}' is '{l}', not a number.")).ToArray();
                var schema = Schema<FloatRow>(columns.Input, featureType, labelColumn, NumberDataViewType.Single);
                return new CommandRows(ml.Data.LoadFromEnumerable(features.Select((f, i) => new FloatRow { Features = f, Label = values[i] }), schema), features, labelColumn);
            }
        }
    }

    private static SchemaDefinition Schema<TRow>(string input, DataViewType featureType, string? labelColumn, DataViewType? labelType)
    {
        var schema = SchemaDefinition.Create(typeof(TRow));
        var features = schema.First(c => c.MemberName == nameof(FeatureRow.Features));
        features.ColumnName = input;
        features.ColumnType = featureType;
        if (labelColumn is not null && labelType is not null)
        {
            var label = schema.First(c => c.MemberName == nameof(KeyRow.Label));
            label.ColumnName = labelColumn;
            label.ColumnType = labelType;
        }
        return schema;
    }

    /// <summary>Splits one CSV/TSV line; double quotes enclose fields with separators, "" is a quote.</summary>
    private static string[] Split(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == separator) { fields.Add(field.ToString().Trim()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString().Trim());
        return [.. fields];
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>A key label: ML.NET reads a key member of a class as the 0-based index (class c is key c + 1 in the data view).</summary>
    private sealed class KeyRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class BooleanRow
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    private sealed class FloatRow
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }
}
