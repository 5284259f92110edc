#!/usr/bin/env dotnet
// The SweepResNet18 notebook (SweepResNet18.ipynb) as a .NET file-based app, built against this repository's sources:
//   cd samples/Notebooks && dotnet run SweepResNet18.cs        (SWEEP_NOTEBOOK_QUICK=1 for the tiny settings of the test)
// It must stay equal to the notebook's code cells without the lines marked "// notebook only" (it writes the plots as PNG
// files and does not display them); test SweepNotebookTests checks that.
#:project ../../src/Trainers/Microsoft.ML.Pruning.Trainers.csproj
#:project ../../src/Plots/Microsoft.ML.Pruning.Plots.csproj
#:package TorchSharp-cpu
#:package Microsoft.ML.DnnImageFeaturizer.ResNet18
// ML.NET generates code at run time; file-based apps default to Native AOT settings that forbid it.
#:property PublishAot=false
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Plots;
using Microsoft.ML.Pruning.Sweeps;

bool quick = Environment.GetEnvironmentVariable("SWEEP_NOTEBOOK_QUICK") == "1";
int imageCount = quick ? 8 : 48;                                    // images for calibration, and as many for measuring fidelity
double[] sensitivitySparsities = quick ? [0.25, 0.5] : [0.25, 0.5, 0.75];
// Channel groups are named by their first convolution's weight; empty analyses every group.
string[] sensitivityLayers = quick ? ["Parameter86", "Parameter68", "Parameter50", "Parameter32"] : [];
int trials = quick ? 2 : 16;
int latencyRepeats = quick ? 3 : 20;
int latencyBatch = quick ? 2 : 8;                                   // latency is measured at batch 1 and at this batch
string outputFolder = Environment.GetEnvironmentVariable("SWEEP_NOTEBOOK_OUTPUT") ?? Path.Combine(Path.GetTempPath(), "sweep-resnet18");
Directory.CreateDirectory(outputFolder);

// Plots are written as PNG files (and, in the notebook, shown inline).
void Show(PruningPlot plot, string name)
{
    string png = Path.Combine(outputFolder, name + ".png");
    plot.SavePng(png, 640, 400);
    Console.WriteLine($"plot: {png}");
}

string nugetPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
string modelsFolder = Path.Combine(nugetPackages, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels");
string modelPath = Path.Combine(modelsFolder, "ResNet18Onnx", "ResNet18.onnx");
const string Input = "Input247", Features = "Pooling395_Output_0";
const int Side = 224;
float[] meanImage = OnnxTensor.ToFloatArray(
    OnnxModel.Load(Path.Combine(modelsFolder, "ResNetPrepOnnx", "ResNetPreprocess.onnx")).GetInitializer("MeanImage"));

var ml = new MLContext(seed: 1);
byte[] pictures;
using (var gzip = new GZipStream(File.OpenRead(Path.Combine("..", "Data", "FashionMnistSubset", "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress))
using (var buffer = new MemoryStream())
{
    gzip.CopyTo(buffer);
    pictures = buffer.ToArray();
}

IDataView Images(int first, int count)
{
    float[] Image(int index)
    {
        var image = new float[3 * Side * Side];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < Side; y++)
                for (int x = 0; x < Side; x++)
                {
                    int at = c * Side * Side + y * Side + x;
                    image[at] = pictures[16 + index * 784 + y * 28 / Side * 28 + x * 28 / Side] - meanImage[at];
                }
        return image;
    }
    var rows = Enumerable.Range(first, count).Select(i => new { Input247 = Image(i) }).ToArray();
    var schema = SchemaDefinition.Create(rows[0].GetType());
    schema[Input].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * Side * Side);
    return ml.Data.LoadFromEnumerable(rows, schema);
}

var calibration = Images(0, imageCount);
var validation = Images(imageCount, imageCount);
Console.WriteLine($"{modelPath}: {new FileInfo(modelPath).Length:N0} bytes; {imageCount} calibration and {imageCount} validation images");

PruneOptions ChannelPruning() => new()
{
    ModelPath = modelPath,
    InputColumnNames = [Input],
    OutputColumnNames = [Features],
    Criterion = "magnitude-l2",
    Granularity = PruningGranularity.Channel,
    Scope = PruningScope.Layer,
    CalibrationRows = imageCount,
    Structured = new StructuredOptions { VerifyRows = 2 },
    Seed = 1,
};
var fidelity = SweepMetric.Fidelity(Features);

var sensitivity = ml.Pruning().Sensitivity(new SensitivityOptions
{
    BaseOptions = ChannelPruning(),
    Sparsities = new List<double>(sensitivitySparsities),
    Layers = new List<string>(sensitivityLayers),
    Metric = fidelity,
}).Analyze(calibration, validation);
Console.WriteLine(sensitivity);
Show(PruningPlots.Sensitivity(sensitivity), "sensitivity");

var sweepOptions = new SweepOptions
{
    BaseOptions = ChannelPruning(),
    Parameters =
    {
        // The sensitivity allocation reaches at most the largest analysed sparsity: stay below it.
        SweepParameter.Range(SweepParameter.Sparsity, 0.02, 0.9 * sensitivitySparsities.Max()),
        SweepParameter.Choice(SweepParameter.LayerAllocation, "uniform", "sensitivity"),
    },
    Sensitivity = sensitivity,
    Metric = fidelity,
    Objective = SweepObjective.Minimize(SweepQuantity.LatencyBatch1, SweepConstraint.AtLeast(SweepQuantity.Metric, 0.7)),
    Strategy = quick ? SweepStrategy.Random : SweepStrategy.Tpe,
    StartupTrials = 6,
    MaxTrials = trials,
    LatencyBatchSize = latencyBatch,
    LatencyRepeats = latencyRepeats,
    LatencyWarmup = 1,
    Directory = Path.Combine(outputFolder, "sweep"),
    KeepTrialModels = false,
};
var result = ml.Pruning().Sweep(sweepOptions).Run(calibration, validation);
Console.WriteLine(result);
foreach (var trial in result.Trials)
{
    string values = string.Join(", ", trial.Parameters.Select(p => $"{p.Key} = {p.Value}"));
    Console.WriteLine($"trial {trial.Id} ({values}): " + (trial.Measurement is { } m
        ? $"fidelity {m.Metric:F4}, {m.LatencyBatch1Milliseconds:F1} ms at batch 1, {m.Bytes:N0} bytes{(trial.Feasible ? "" : " (misses the constraint)")}"
        : $"failed: {trial.Error}"));
}

Show(PruningPlots.ParetoFront(result, SweepQuantity.LatencyBatch1), "pareto-latency");
Show(PruningPlots.ParetoFront(result, SweepQuantity.Bytes), "pareto-bytes");
Show(PruningPlots.MetricVsSparsity(result), "fidelity-vs-sparsity");

if (result.Chosen is { } chosen)
{
    Show(PruningPlots.LayerSparsity(chosen.Report), "chosen-layers");
    string chosenPath = Path.Combine(outputFolder, "resnet18-chosen.onnx");
    chosen.SaveOnnx(chosenPath);
    Console.WriteLine($"chosen model: {chosenPath}: {new FileInfo(chosenPath).Length:N0} bytes (dense: {new FileInfo(modelPath).Length:N0})");
}
string reportFolder = Path.Combine(outputFolder, "report");
SweepMarkdownReport.Write(result, reportFolder, sensitivity);
Console.WriteLine($"report: {Path.Combine(reportFolder, "summary.md")}");
