#!/usr/bin/env dotnet
// The QuickStart notebook (QuickStart.ipynb) as a .NET file-based app, built against this repository's sources:
//   cd samples/Notebooks && dotnet run QuickStart.cs
// It must stay equal to the notebook's code cells; test NotebookTests checks that.
#:project ../../src/Trainers/Microsoft.ML.Pruning.Trainers.csproj
#:package TorchSharp-cpu
// ML.NET generates code at run time; file-based apps default to Native AOT settings that forbid it.
#:property PublishAot=false
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers;

var ml = new MLContext(seed: 1);
string dataFolder = Path.GetFullPath(Path.Combine("..", "Data", "FashionMnistSubset"));

IDataView ReadSplit(string split)
{
    byte[] Unzip(string file)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(dataFolder, file)), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }
    byte[] images = Unzip($"{split}-images-idx3-ubyte.gz"), labels = Unzip($"{split}-labels-idx1-ubyte.gz");
    int count = images[4] << 24 | images[5] << 16 | images[6] << 8 | images[7];
    var rows = Enumerable.Range(0, count).Select(i => new
    {
        Features = Enumerable.Range(0, 784).Select(p => images[16 + i * 784 + p] / 255f).ToArray(),
        Class = (uint)labels[8 + i],
    }).ToArray();
    var schema = SchemaDefinition.Create(rows[0].GetType());
    schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 784);
    return ml.Data.LoadFromEnumerable(rows, schema);
}

var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Class",
    keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
var trainRaw = ReadSplit("train");
var labelMap = toKey.Fit(trainRaw);
var train = ml.Data.Cache(labelMap.Transform(trainRaw));
var test = ml.Data.Cache(labelMap.Transform(ReadSplit("t10k")));
Console.WriteLine($"{train.GetRowCount()} training rows, {test.GetRowCount()} test rows");

var dense = ml.MulticlassClassification.Trainers
    .SparseMlp(new SparseMlpOptions { HiddenLayers = [300, 100], Epochs = 3 })
    .Fit(train);
Console.WriteLine($"dense accuracy: {ml.MulticlassClassification.Evaluate(dense.Transform(test)).MicroAccuracy:P2}");

var pruned = ml.Pruning().Magnitude(new MagnitudePruningOptions
{
    Model = dense.Model,
    OutputColumnNames = ["Score", "PredictedLabel"],
    InputColumnNames = ["Features"],
    Sparsity = 0.9,
    Scope = PruningScope.Global,
    FineTune = new FineTuneOptions { Epochs = 1 },
}).Fit(train);
Console.WriteLine($"pruned accuracy: {ml.MulticlassClassification.Evaluate(pruned.Transform(test)).MicroAccuracy:P2}");
Console.WriteLine(pruned.Report);

string output = Path.Combine(Path.GetTempPath(), "lenet-pruned-90.onnx");
pruned.SaveOnnx(output);
Console.WriteLine($"{output}: {new FileInfo(output).Length:N0} bytes (dense: {pruned.Report.DenseBytes:N0})");
