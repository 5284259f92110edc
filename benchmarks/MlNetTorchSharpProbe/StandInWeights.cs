using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using TorchSharp;

namespace Microsoft.ML.Pruning.Benchmarks.MlNetTorchSharpProbe;

/// <summary>
/// Writes a randomly initialised weights file with the layout a Microsoft.ML.TorchSharp trainer loads, to
/// <c>TempFilePath/mlnet/NAME</c>, where the trainer looks before it downloads. The modules are the trainer's own
/// internal types, built by reflection with the options the trainer holds, and saved with TorchSharp's
/// <c>Module.save</c>, which is the format the trainers read with <c>Module.load</c>.
/// </summary>
internal static class StandInWeights
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private static Assembly MlTorchSharp => typeof(Microsoft.ML.TorchSharp.TorchSharpCatalog).Assembly;

    /// <summary>TextClassification, SentenceSimilarity and NamedEntityRecognition load the NAS-BERT encoder.</summary>
    public static void NasBert(object trainer, string folder, string file)
    {
        var options = Field(trainer, "BertOptions");
        var (pad, symbols) = RobertaVocabulary();
        using var model = New("ModelForPrediction", options, pad, symbols, 2);
        Save(Encoder(model), folder, file);
    }

    /// <summary>QuestionAnswer loads the RoBERTa encoder.</summary>
    public static void Roberta(object trainer, string folder, string file)
    {
        using var model = New("RobertaModelForQA", Field(trainer, "Option"));
        Save(Encoder(model), folder, file);
    }

    /// <summary>ObjectDetection loads a whole AutoFormerV2 with the sizes its trainer fixes.</summary>
    public static void AutoFormer(int classes, string folder, string file)
    {
        using var model = New("AutoFormerV2", classes, new List<int> { 64, 128, 256, 448 }, new List<int> { 2, 2, 6, 2 },
            new List<int> { 2, 4, 8, 14 }, torch.CPU);
        Save(model, folder, file);
    }

    private static torch.nn.Module Encoder(torch.nn.Module model)
        => (torch.nn.Module)model.GetType().GetMethod("GetEncoder", Any)!.Invoke(model, null)!;

    private static (int Pad, int Symbols) RobertaVocabulary()
    {
        var extensions = MlTorchSharp.GetType("Microsoft.ML.TorchSharp.Extensions.TokenizerExtensions", throwOnError: true)!;
        var tokenizer = extensions.GetMethod("GetInstance", Any)!.Invoke(null, [null])!;
        var vocabulary = extensions.GetMethod("RobertaModel", Any)!.Invoke(null, [tokenizer])!;
        int Property(string name) => (int)vocabulary.GetType().GetProperty(name, Any)!.GetValue(vocabulary)!;
        return (Property("PadIndex"), Property("SymbolsCount"));
    }

    private static object Field(object instance, string name)
    {
        for (var type = instance.GetType(); type is not null; type = type.BaseType)
            if (type.GetField(name, Any | BindingFlags.DeclaredOnly) is { } field)
                return field.GetValue(instance)!;
        throw new MissingFieldException(instance.GetType().FullName, name);
    }

    private static torch.nn.Module New(string typeName, params object[] arguments)
    {
        var type = MlTorchSharp.GetTypes().Single(t => t.Name == typeName);
        return (torch.nn.Module)Activator.CreateInstance(type, Any, null, arguments, null)!;
    }

    private static void Save(torch.nn.Module module, string folder, string file)
    {
        var path = Path.Combine(folder, "mlnet", file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        module.save(path);
        Console.WriteLine($"  stand-in {file}: {module.parameters().Sum(p => p.numel())} parameters, {new FileInfo(path).Length} bytes");
    }
}
