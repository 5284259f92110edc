using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Cli;
using Microsoft.ML.Pruning.Tests.Transforms;

namespace Microsoft.ML.Pruning.Tests.Cli;

/// <summary>A temp folder with the tiny MLP of the transform tests as model.onnx and its Gaussian-blob rows as CSV; runs the tool in-process.</summary>
internal sealed class CliFixture : IDisposable
{
    public CliFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "ml-prune-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        ModelPath = Path.Combine(Folder, "model.onnx");
        TestData.Mlp(7, 32).Save(ModelPath);
        CsvPath = WriteCsv("train.csv", TestData.Rows(120, 1), ',');
    }

    public string Folder { get; }

    /// <summary>8 features → 32 → 3 classes, Score and PredictedLabel outputs.</summary>
    public string ModelPath { get; }

    /// <summary>Header f0..f7,Label (class index), 120 rows.</summary>
    public string CsvPath { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Rows as a table with a header f0…fN and Label (the class index), and a text column the loader must skip.</summary>
    public string WriteCsv(string name, TestData.Row[] rows, char separator, int? featureCount = null)
    {
        int features = featureCount ?? TestData.FeatureCount;
        var text = new StringBuilder();
        text.AppendLine(string.Join(separator, Enumerable.Range(0, features).Select(f => $"f{f}").Append("Label").Append("Comment")));
        foreach (var row in rows)
            text.AppendLine(string.Join(separator, row.Features.Take(features).Select(v => v.ToString("R", CultureInfo.InvariantCulture))
                .Append(row.Class.ToString(CultureInfo.InvariantCulture)).Append("row text")));
        string path = PathOf(name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>Runs <c>ml-prune args</c> in this process with captured stdout and stderr.</summary>
    public static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int exit = MlPruneCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
