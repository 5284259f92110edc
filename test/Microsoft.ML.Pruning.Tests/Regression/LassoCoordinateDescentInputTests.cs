using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Regression;

/// <summary>Options validation and bad data for <c>LassoCoordinateDescent</c>.</summary>
[TestClass]
public sealed class LassoCoordinateDescentInputTests
{
    private static LassoCoordinateDescentTrainer Trainer(MLContext ml, LassoCoordinateDescentOptions options) =>
        ml.Regression.Trainers.LassoCoordinateDescent(options);

    [TestMethod]
    [DataRow(nameof(LassoCoordinateDescentOptions.Alpha), 0.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.Alpha), -1.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.Alpha), double.NaN)]
    [DataRow(nameof(LassoCoordinateDescentOptions.Alpha), double.PositiveInfinity)]
    [DataRow(nameof(LassoCoordinateDescentOptions.L1Ratio), 0.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.L1Ratio), 1.5)]
    [DataRow(nameof(LassoCoordinateDescentOptions.L1Ratio), double.NaN)]
    [DataRow(nameof(LassoCoordinateDescentOptions.PathLength), 1.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.PathRatio), 0.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.PathRatio), 1.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.Tolerance), 0.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.Tolerance), double.PositiveInfinity)]
    [DataRow(nameof(LassoCoordinateDescentOptions.MaxIterations), 0.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.NumberOfFolds), 1.0)]
    [DataRow(nameof(LassoCoordinateDescentOptions.Selection), 7.0)]
    public void Options_OutOfRange_ThrowNamingTheOption(string option, double value)
    {
        var options = new LassoCoordinateDescentOptions();
        var property = typeof(LassoCoordinateDescentOptions).GetProperty(option)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, type.IsEnum ? Enum.ToObject(type, (int)value) : Convert.ChangeType(value, type));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(new MLContext(1), options));
        Assert.AreEqual(option, ex.ParamName);
    }

    [TestMethod]
    public void Options_EmptyColumnName_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Trainer(new MLContext(1), new LassoCoordinateDescentOptions { LabelColumnName = "" }));
        Assert.AreEqual(nameof(LassoCoordinateDescentOptions.LabelColumnName), ex.ParamName);
    }

    [TestMethod]
    public void Options_FeatureColumnNamedScore_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(new MLContext(1), new LassoCoordinateDescentOptions { FeatureColumnName = "Score" }));
        Assert.AreEqual(nameof(LassoCoordinateDescentOptions.FeatureColumnName), ex.ParamName);
    }

    [TestMethod]
    public void Options_EditedAfterTheTrainerIsMade_DoNotChangeIt()
    {
        var ml = new MLContext(1);
        var options = new LassoCoordinateDescentOptions { Alpha = 0.05 };
        var trainer = Trainer(ml, options);
        options.Alpha = 100;
        Assert.AreEqual(0.05, trainer.Fit(LassoRegressionData.Training(ml)).Model.Alpha);
    }

    [TestMethod]
    public void Fit_NaNFeature_NamesColumnRowAndSlot()
    {
        var ml = new MLContext(1);
        var rows = LassoRegressionData.Rows(20, 7);
        rows[3].Features[2] = float.NaN;
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(ml, new() { Alpha = 0.1 }).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(ex.Message, "Column 'Features' has a NaN (missing) value at row 3, slot 2");
    }

    [TestMethod]
    public void Fit_InfiniteLabel_NamesColumnAndRow()
    {
        var ml = new MLContext(1);
        var rows = LassoRegressionData.Rows(20, 7);
        rows[5].Label = float.NegativeInfinity;
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(ml, new()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(ex.Message, "Column 'Label' has a −∞ value at row 5");
    }

    [TestMethod]
    public void Fit_NoRows_Throws()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() =>
            Trainer(ml, new() { Alpha = 0.1 }).Fit(ml.Data.LoadFromEnumerable(Array.Empty<LassoRegressionData.Row>())));
        StringAssert.Contains(ex.Message, "no rows");
    }

    [TestMethod]
    public void Fit_FewerRowsThanFolds_SaysSo()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer(ml, new()).Fit(ml.Data.LoadFromEnumerable(LassoRegressionData.Rows(4, 7))));
        StringAssert.Contains(ex.Message, "5-fold cross-validation needs at least 5 rows; the training data has 4");
    }

    private sealed class DoubleLabelRow
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public double Label { get; set; }
    }

    private sealed class VariableFeaturesRow
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    private sealed class ScalarFeatureRow
    {
        public float Features { get; set; }

        public float Label { get; set; }
    }

    [TestMethod]
    public void Fit_LabelNotSingle_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new DoubleLabelRow { Features = [1, 2], Label = 1 } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml, new() { Alpha = 0.1 }).Fit(data));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Label': expected Single, got Double");
    }

    [TestMethod]
    public void Fit_FeaturesOfVaryingSize_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VariableFeaturesRow { Features = [1, 2], Label = 1 } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml, new() { Alpha = 0.1 }).Fit(data));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Features': expected known-size vector of Single, got Vector<Single>");
    }

    [TestMethod]
    public void Fit_ScalarFeatures_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new ScalarFeatureRow { Features = 1, Label = 1 } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml, new() { Alpha = 0.1 }).Fit(data));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Features'");
    }

    [TestMethod]
    public void GetOutputSchema_LabelNotSingle_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new DoubleLabelRow { Features = [1, 2], Label = 1 } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Trainer(ml, new()).GetOutputSchema(Transforms.EstimatorWorkout.ShapeOf(data.Schema)));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Label'");
    }
}
