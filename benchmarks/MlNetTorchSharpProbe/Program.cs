// Microsoft.ML.TorchSharp 0.23.1 beside this repository's TorchSharp 0.107 engine, in one process:
//
//   dotnet run --project benchmarks/MlNetTorchSharpProbe -c Release [-- --stand-in] [--only NAME] [--cache DIR]
//
// Without --stand-in each trainer asks for its pretrained weights (aka.ms/mlnet-resources/models/...), which an offline
// machine cannot fetch. With --stand-in the probe first writes a randomly initialised file of the exact layout each
// trainer loads to where ML.NET looks before downloading (MLContext.TempFilePath/mlnet/NAME), so Fit runs the trainer's
// own TorchSharp code offline: the weights are meaningless, the point is whether that code runs on TorchSharp 0.107.
// The QuestionAnswer stand-in is RoBERTa-base sized (124M parameters, ~500 MB in --cache; default: a temporary folder).
// It prints what happened, one check after another, and judges nothing (exit code 0 unless an argument is wrong).
// docs/ARCHITECTURE.md ("Microsoft.ML.TorchSharp: what we found") records its output and the decision taken from it.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Benchmarks.MlNetTorchSharpProbe;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.ML.TorchSharp;
using TorchSharp;

bool standIn = false;
string? only = null;
string cache = Path.Combine(Path.GetTempPath(), "mlnet-torchsharp-probe");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--stand-in": standIn = true; break;
        case "--only": only = args[++i]; break;
        case "--cache": cache = args[++i]; break;
        default: Console.Error.WriteLine($"Unknown option '{args[i]}'."); return 2;
    }
}

var mlTorchSharp = typeof(TorchSharpCatalog).Assembly;
Console.WriteLine($"Microsoft.ML.TorchSharp {Informational(mlTorchSharp)}, compiled against TorchSharp "
    + mlTorchSharp.GetReferencedAssemblies().Single(a => a.Name == "TorchSharp").Version);
Console.WriteLine($"TorchSharp loaded: {Informational(typeof(torch).Assembly)}; libtorch {torch.__version__}");
Console.WriteLine($"Weights folder: {Path.Combine(cache, "mlnet")}{(standIn ? " (stand-in weights)" : "")}");

// The root cause of most failures below, in TorchSharp alone: since 0.104 Linear.weight is the module's own Parameter
// (0.102 returned a new wrapper on each get) and since 0.100.6 the in-place init functions return their argument, so
// disposing what torch.nn.init.*_ returns, as Microsoft.ML.TorchSharp's ModelUtils.Init* do, disposes the weight.
using (var linear = torch.nn.Linear(2, 2))
{
    var returned = torch.nn.init.xavier_uniform_(linear.weight);
    Console.WriteLine($"torch.nn.init.xavier_uniform_(linear.weight) returns linear.weight itself: {ReferenceEquals(returned, linear.weight)}");
}

var ml = new MLContext(seed: 1) { TempFilePath = cache };
OurEngine(ml, "before");

var text = ml.Data.LoadFromEnumerable(new[]
{
    new TextRow { Sentence = "good film", Sentence2 = "a fine film", Label = "pos", Similarity = 4f },
    new TextRow { Sentence = "bad film", Sentence2 = "an awful film", Label = "neg", Similarity = 3f },
    new TextRow { Sentence = "great acting", Sentence2 = "the weather", Label = "pos", Similarity = 0f },
    new TextRow { Sentence = "poor plot", Sentence2 = "dull story", Label = "neg", Similarity = 3.5f },
});
Try("TextClassification", () =>
{
    var trainer = ml.MulticlassClassification.Trainers.TextClassification(labelColumnName: "Label", sentence1ColumnName: "Sentence", maxEpochs: 1, batchSize: 2);
    if (standIn) StandInWeights.NasBert(trainer, cache, "NasBert2000000.tsm");
    return ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(text);
});
Try("SentenceSimilarity", () =>
{
    var trainer = ml.Regression.Trainers.SentenceSimilarity(labelColumnName: "Similarity", sentence1ColumnName: "Sentence", sentence2ColumnName: "Sentence2", maxEpochs: 1, batchSize: 2);
    if (standIn) StandInWeights.NasBert(trainer, cache, "NasBert2000000.tsm");
    return trainer.Fit(text);
});
Try("NamedEntityRecognition", () =>
{
    var trainer = ml.MulticlassClassification.Trainers.NamedEntityRecognition(labelColumnName: "Label", sentence1ColumnName: "Sentence", maxEpochs: 1, batchSize: 2);
    if (standIn) StandInWeights.NasBert(trainer, cache, "pretrained_NasBert_14M_encoder.tsm");
    var keys = ml.Data.LoadFromEnumerable(new[] { new KeyRow { Key = "PER" }, new KeyRow { Key = "LOC" }, new KeyRow { Key = "O" } });
    var rows = ml.Data.LoadFromEnumerable(new[]
    {
        new EntityRow { Sentence = "Alice lives in Paris", Label = ["PER", "O", "O", "LOC"] },
        new EntityRow { Sentence = "Bob visits Rome", Label = ["PER", "O", "LOC"] },
    });
    return ml.Transforms.Conversion.MapValueToKey("Label", keyData: keys).Append(trainer).Fit(rows);
});
Try("QuestionAnswer", () =>
{
    var trainer = ml.MulticlassClassification.Trainers.QuestionAnswer(maxEpochs: 1, batchSize: 2);
    if (standIn) StandInWeights.Roberta(trainer, cache, "pretrained_Roberta_encoder.tsm");
    var rows = ml.Data.LoadFromEnumerable(new[]
    {
        new AnswerRow { Context = "Paris is the capital of France.", Question = "What is the capital of France?", TrainingAnswer = "Paris", AnswerIndex = 0 },
        new AnswerRow { Context = "Rome is in Italy.", Question = "Where is Rome?", TrainingAnswer = "Italy", AnswerIndex = 11 },
    });
    return trainer.Fit(rows);
});
Try("ObjectDetection", () =>
{
    if (standIn) StandInWeights.AutoFormer(classes: 1, cache, "autoformer_11m_torchsharp.bin");
    var image = SquareImage.Write(Path.Combine(cache, "images"), "square.png");
    var rows = ml.Data.LoadFromEnumerable(new[]
    {
        new BoxRow { ImagePath = image, Labels = ["square"], Boxes = [10f, 10f, 20f, 20f] },
        new BoxRow { ImagePath = image, Labels = ["square"], Boxes = [10f, 10f, 20f, 20f] },
    });
    return ml.Transforms.Conversion.MapValueToKey("Labels")
        .Append(ml.Transforms.LoadImages("Image", Path.GetDirectoryName(image), "ImagePath"))
        .Append(ml.MulticlassClassification.Trainers.ObjectDetection(labelColumnName: "Labels", boundingBoxColumnName: "Boxes", imageColumnName: "Image", maxEpoch: 1))
        .Fit(rows);
});

// ML.NET exports a transformer to ONNX (mlContext.Model.ConvertToOnnx) only through its ICanSaveOnnx interface.
foreach (var type in mlTorchSharp.GetExportedTypes().Where(t => typeof(ITransformer).IsAssignableFrom(t) && !t.IsAbstract))
    Console.WriteLine($"{type.Name}: implements ICanSaveOnnx: {type.GetInterfaces().Any(i => i.Name == "ICanSaveOnnx")}; "
        + $"saves as: {string.Join(", ", type.GetInterfaces().Select(i => i.Name).Where(n => n.StartsWith("ICanSave", StringComparison.Ordinal)))}");

OurEngine(ml, "after");
return 0;

void Try(string name, Func<ITransformer> fit)
{
    if (only is not null && only != name) return;
    var clock = Stopwatch.StartNew();
    try
    {
        using var model = fit() as IDisposable;
        Console.WriteLine($"{name}: Fit OK ({clock.Elapsed.TotalSeconds:F1} s)");
    }
    catch (Exception e)
    {
        var inner = e is TargetInvocationException { InnerException: { } ie } ? ie : e;
        var frame = inner.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Microsoft.ML.TorchSharp", StringComparison.Ordinal));
        var message = inner.Message.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\n", " | ", StringComparison.Ordinal);
        Console.WriteLine($"{name}: {inner.GetType().FullName} after {clock.Elapsed.TotalSeconds:F1} s: {message}");
        if (frame is not null) Console.WriteLine($"    {frame}");
    }
}

static void OurEngine(MLContext ml, string when)
{
    var random = new Random(1);
    var rows = Enumerable.Range(0, 60).Select(i => new MlpRow
    {
        Label = (uint)(i % 3),
        Features = Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() + (i % 3)).ToArray(),
    }).ToList();
    var data = ml.Data.LoadFromEnumerable(rows);
    var model = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.MulticlassClassification.Trainers.SparseMlp("Label", "Features", hiddenLayers: [16], epochs: 20, learningRate: 0.02, sparsity: 0.5))
        .Fit(data);
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
    Console.WriteLine($"Microsoft.ML.Pruning.Trainers ({when}): SparseMlp Fit OK, macro accuracy {metrics.MacroAccuracy:F3}");
}

static string Informational(Assembly a) => a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version!.ToString();
