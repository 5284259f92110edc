// QuickStart: train a LeNet-300-100 in ML.NET, prune it by magnitude at several sparsities, write compact ONNX
// files and score them through ML.NET. Runs on the embedded Fashion-MNIST subset; --full uses the whole set from
// Debian's dataset-fashion-mnist package.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Pruning;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Trainers;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool full = false;
int epochs = 5;
string output = Path.Combine(Environment.CurrentDirectory, "quickstart-output");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--full": full = true; break;
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out epochs) && epochs > 0: i++; break;
        case "--output" when i + 1 < args.Length: output = Path.GetFullPath(args[++i]); break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: QuickStart [--full] [--epochs N] [--output DIR]");
            return 2;
    }
}

string folder = full ? FashionMnist.DebianFolder : FashionMnist.EmbeddedFolder;
if (full && !Directory.Exists(folder))
{
    Console.Error.WriteLine($"--full needs the full Fashion-MNIST in {folder}: apt-get install dataset-fashion-mnist");
    return 1;
}
var total = Stopwatch.StartNew();
var ml = new MLContext(seed: 1);
var (train, test) = FashionMnist.Load(ml, folder);
Console.WriteLine($"Fashion-MNIST from {folder}: {train.GetRowCount()} training rows, {test.GetRowCount()} test rows.");

// 1. Train a dense LeNet-300-100 inside ML.NET (TorchSharp under the hood).
var watch = Stopwatch.StartNew();
var dense = ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { Epochs = epochs }).Fit(train);
double denseAccuracy = ml.MulticlassClassification.Evaluate(dense.Transform(test)).MicroAccuracy;
Console.WriteLine($"Dense LeNet-300-100: {epochs} epochs in {watch.Elapsed.TotalSeconds:F1} s, test accuracy {denseAccuracy:P2}.");
Directory.CreateDirectory(output);
string densePath = Path.Combine(output, "lenet-dense.onnx");
dense.SaveOnnx(densePath);

// 2. Prune the exported ONNX model by magnitude (one global threshold) and score each result through ML.NET;
//    then the same with one epoch of fine-tuning, masks fixed.
Console.WriteLine();
Console.WriteLine("| sparsity | test accuracy | ONNX bytes | vs dense | prune time | + 1 fine-tune epoch |");
Console.WriteLine("|---------:|--------------:|-----------:|---------:|-----------:|--------------------:|");
long denseBytes = new FileInfo(densePath).Length;
Console.WriteLine($"| {0,8:P0} | {denseAccuracy,13:P2} | {denseBytes,10:N0} | {1,8:P1} | {"-",10} | {"-",19} |");
var model = OnnxModel.Load(densePath);
string[] outputs = ["Score", "PredictedLabel"], inputs = ["Features"];
foreach (double sparsity in new[] { 0.5, 0.8, 0.9, 0.95 })
{
    var pruned = ml.Pruning().Magnitude(model, outputs, inputs, sparsity, PruningScope.Global).Fit(train);
    double accuracy = ml.MulticlassClassification.Evaluate(pruned.Transform(test)).MicroAccuracy;
    string path = Path.Combine(output, $"lenet-magnitude-{sparsity * 100:F0}.onnx");
    pruned.SaveOnnx(path);
    long bytes = new FileInfo(path).Length;
    var tuned = ml.Pruning().Magnitude(new MagnitudePruningOptions
    {
        Model = model, OutputColumnNames = outputs, InputColumnNames = inputs, Sparsity = sparsity, Scope = PruningScope.Global,
        FineTune = new FineTuneOptions { Epochs = 1 },
    }).Fit(train);
    double tunedAccuracy = ml.MulticlassClassification.Evaluate(tuned.Transform(test)).MicroAccuracy;
    Console.WriteLine($"| {sparsity,8:P0} | {accuracy,13:P2} | {bytes,10:N0} | {(double)bytes / denseBytes,8:P1} | {pruned.Report.Elapsed.TotalSeconds,8:F2} s | {tunedAccuracy,19:P2} |");
}

// 3. Or train sparse from the start: SparseMlp with a gradual (cubic) sparsity ramp to 90 %.
watch.Restart();
var sparse = ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { Epochs = epochs, Sparsity = 0.9 }).Fit(train);
double sparseAccuracy = ml.MulticlassClassification.Evaluate(sparse.Transform(test)).MicroAccuracy;
string sparsePath = Path.Combine(output, "lenet-sparsemlp-90.onnx");
sparse.SaveOnnx(sparsePath);
Console.WriteLine();
Console.WriteLine($"SparseMlp trained to {sparse.Report.Sparsity:P0} sparsity over {epochs} epochs in {watch.Elapsed.TotalSeconds:F1} s: " +
    $"test accuracy {sparseAccuracy:P2}, {new FileInfo(sparsePath).Length:N0} bytes.");
Console.WriteLine();
Console.WriteLine(sparse.Report);
Console.WriteLine();
Console.WriteLine($"Compact ONNX files are in {output}. Total time {total.Elapsed.TotalSeconds:F0} s.");
return 0;
