using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>
/// A multiclass SparseMlp's PredictedLabel is a key of the label's own key type with the label's key values, and
/// Score's slots are named after text classes, as ML.NET's own trainers do, so MapKeyToValue and the evaluator
/// speak the user's labels; all of it survives saving and loading.
/// </summary>
[TestClass]
public sealed class SparseMlpPredictedLabelTests
{
    private static readonly string[] Animals = ["cat", "dog", "bird"];

    private static SparseMlpOptions Small(string label = "Label") => new()
    {
        LabelColumnName = label, HiddenLayers = [16], Epochs = 15, BatchSize = 32, LearningRate = 0.01,
    };

    [TestMethod]
    public void SparseMlp_StringLabels_MapKeyToValueGivesTheStrings()
    {
        var ml = new MLContext(1);
        var (train, test) = AnimalData(ml);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(train);

        var scored = ml.Transforms.Conversion.MapKeyToValue("PredictedAnimal", "PredictedLabel").Fit(model.Transform(test)).Transform(model.Transform(test));

        string[] predicted = scored.GetColumn<string>("PredictedAnimal").ToArray();
        string[] actual = scored.GetColumn<string>("Animal").ToArray();
        CollectionAssert.IsSubsetOf(predicted.Distinct().ToArray(), Animals);
        double accuracy = predicted.Zip(actual).Count(p => p.First == p.Second) / (double)actual.Length;
        Assert.IsGreaterThan(0.9, accuracy, $"accuracy {accuracy}");
    }

    [TestMethod]
    public void SparseMlp_StringLabels_PredictedLabelHasTheLabelsKeyTypeAndValues()
    {
        var ml = new MLContext(1);
        var (train, test) = AnimalData(ml);
        var scored = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(train).Transform(test);

        Assert.AreEqual(train.Schema["Label"].Type, scored.Schema["PredictedLabel"].Type);
        CollectionAssert.AreEqual(KeyValues(train.Schema["Label"]), KeyValues(scored.Schema["PredictedLabel"]));
        CollectionAssert.AreEqual(KeyValues(train.Schema["Label"]), SlotNames(scored.Schema["Score"]));
    }

    [TestMethod]
    public void SparseMlp_StringLabels_AnnotatedLikeMLNetsOwnTrainer()
    {
        var ml = new MLContext(1);
        var (train, test) = AnimalData(ml);
        var ours = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(train).Transform(test).Schema;
        var theirs = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train).Transform(test).Schema;

        Assert.AreEqual(theirs["PredictedLabel"].Type, ours["PredictedLabel"].Type);
        CollectionAssert.AreEqual(KeyValues(theirs["PredictedLabel"]), KeyValues(ours["PredictedLabel"]));
        Assert.AreEqual(theirs["Score"].Type, ours["Score"].Type);
        CollectionAssert.AreEqual(SlotNames(theirs["Score"]), SlotNames(ours["Score"]));
    }

    [TestMethod]
    public void SparseMlp_StringLabels_EvaluateNamesTheClasses()
    {
        var ml = new MLContext(1);
        var (train, test) = AnimalData(ml);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(train);

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));

        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy}");
        string table = metrics.ConfusionMatrix.GetFormattedConfusionTable();
        foreach (string animal in Animals)
            StringAssert.Contains(table, animal, table);
    }

    [TestMethod]
    public void SparseMlp_StringLabels_ExportedOnnxIsTheBareNetwork()
    {
        // The slot names ride in the graph ML.NET scores, not in the file SaveOnnx writes.
        var ml = new MLContext(1);
        var (train, _) = AnimalData(ml);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(train);

        var exported = Microsoft.ML.Pruning.Onnx.OnnxModel.Load(model.CompactOnnx.Span);

        Assert.IsFalse(exported.Graph.Node.Any(n => n.OpType == "LabelEncoder"), string.Join(", ", exported.Graph.Node.Select(n => n.OpType)));
        CollectionAssert.AreEqual(new[] { "Score", "PredictedLabel" }, exported.Graph.Output.Select(o => o.Name).ToArray());
    }

    [TestMethod]
    public void SparseMlp_NumericKeyValues_MapKeyToValueGivesTheNumbers()
    {
        // Labels whose key values are not text (here Single): PredictedLabel keeps them; Score has no slot
        // names, as with ML.NET's trainers, which name slots only after text classes.
        var ml = new MLContext(1);
        float[] levels = [2.5f, 7f, 10f];
        IDataView Data(int seed) => ml.Data.LoadFromEnumerable(TestData.Rows(300, seed).Select(r => new LevelRow { Features = r.Features, Level = levels[r.Class] }));
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Level").Fit(Data(1));
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(toKey.Transform(Data(1)));

        var scored = model.Transform(toKey.Transform(Data(2)));
        var values = ml.Transforms.Conversion.MapKeyToValue("PredictedLevel", "PredictedLabel").Fit(scored).Transform(scored);

        Assert.AreEqual(NumberDataViewType.Single, values.Schema["PredictedLevel"].Type);
        float[] predicted = values.GetColumn<float>("PredictedLevel").ToArray();
        float[] actual = values.GetColumn<float>("Level").ToArray();
        CollectionAssert.IsSubsetOf(predicted.Distinct().ToArray(), levels);
        Assert.IsGreaterThan(0.9, predicted.Zip(actual).Count(p => p.First == p.Second) / (double)actual.Length);
        Assert.IsNull(scored.Schema["Score"].Annotations.Schema.GetColumnOrNull("SlotNames"));
    }

    [TestMethod]
    public void SparseMlp_KeyLabelWithoutValues_PredictedLabelIsTheSameKeyWithoutValues()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(300, 1).Select(r => new KeyRow { Features = r.Features, Label = r.Class }));
        var scored = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(data).Transform(data);

        Assert.AreEqual(data.Schema["Label"].Type, scored.Schema["PredictedLabel"].Type);
        Assert.AreEqual(0, scored.Schema["PredictedLabel"].Annotations.Schema.Count);
        Assert.IsGreaterThan(0.9, ml.MulticlassClassification.Evaluate(scored).MicroAccuracy);
    }

    [TestMethod]
    public void SparseMlp_GetOutputSchema_AnnouncesTheLabelsKeyValues()
    {
        // Score's slot names are not announced: ML.NET's ONNX scoring estimator announces no annotations; the
        // fitted transformer's schema has them (tests above).
        var ml = new MLContext(1);
        var (train, _) = AnimalData(ml);
        var shape = ml.MulticlassClassification.Trainers.SparseMlp(Small()).GetOutputSchema(EstimatorWorkout.ShapeOf(train.Schema));

        var predictedLabel = shape.Single(c => c.Name == "PredictedLabel");
        Assert.IsTrue(predictedLabel.IsKey);
        Assert.AreEqual(TextDataViewType.Instance, predictedLabel.Annotations.Single(a => a.Name == "KeyValues").ItemType);
    }

    [TestMethod]
    public void SparseMlp_SavedModel_KeepsTheLabelsInANewContext()
    {
        var ml = new MLContext(1);
        var (train, test) = AnimalData(ml);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(train);
        string path = Path.Combine(Path.GetTempPath(), $"sparsemlp-labels-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var fresh = new MLContext(2);
            fresh.ComponentCatalog.RegisterAssembly(typeof(SparseMlpTrainer).Assembly);
            var scored = fresh.Model.Load(path, out _).Transform(test);

            Assert.AreEqual(train.Schema["Label"].Type, scored.Schema["PredictedLabel"].Type);
            CollectionAssert.AreEqual(KeyValues(train.Schema["Label"]), KeyValues(scored.Schema["PredictedLabel"]));
            CollectionAssert.AreEqual(KeyValues(train.Schema["Label"]), SlotNames(scored.Schema["Score"]));
            var values = fresh.Transforms.Conversion.MapKeyToValue("PredictedAnimal", "PredictedLabel").Fit(scored).Transform(scored);
            CollectionAssert.AreEqual(
                ml.Transforms.Conversion.MapKeyToValue("PredictedAnimal", "PredictedLabel").Fit(model.Transform(test)).Transform(model.Transform(test)).GetColumn<string>("PredictedAnimal").ToArray(),
                values.GetColumn<string>("PredictedAnimal").ToArray());
            Assert.AreEqual(ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy, fresh.MulticlassClassification.Evaluate(scored).MicroAccuracy);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The generated rows with classes named "cat", "dog", "bird" and Label = MapValueToKey(Animal), in order of appearance.</summary>
    private static (IDataView Train, IDataView Test) AnimalData(MLContext ml)
    {
        IDataView Data(int seed) => ml.Data.LoadFromEnumerable(TestData.Rows(300, seed).Select(r => new AnimalRow { Features = r.Features, Animal = Animals[r.Class] }));
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Animal").Fit(Data(1));
        return (toKey.Transform(Data(1)), toKey.Transform(Data(2)));
    }

    private static string[] KeyValues(DataViewSchema.Column column) => TextAnnotation(column, "KeyValues");

    private static string[] SlotNames(DataViewSchema.Column column) => TextAnnotation(column, "SlotNames");

    private static string[] TextAnnotation(DataViewSchema.Column column, string kind)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.Annotations.GetValue(kind, ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    private sealed class AnimalRow
    {
        [VectorType(TestData.FeatureCount)]
        public float[] Features { get; set; } = [];
        public string Animal { get; set; } = "";
    }

    private sealed class LevelRow
    {
        [VectorType(TestData.FeatureCount)]
        public float[] Features { get; set; } = [];
        public float Level { get; set; }
    }

    private sealed class KeyRow
    {
        [VectorType(TestData.FeatureCount)]
        public float[] Features { get; set; } = [];
        [KeyType(TestData.ClassCount)]
        public uint Label { get; set; }
    }
}
