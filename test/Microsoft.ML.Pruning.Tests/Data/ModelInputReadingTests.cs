using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Stages;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>How columns are matched to model inputs and read: row shapes, token padding, fixed lengths.</summary>
[TestClass]
public sealed class ModelInputReadingTests
{
    private static readonly string[] TokenInputs = ["input_ids", "attention_mask"];

    [TestMethod]
    public void Resolve_ImageColumn_TakesTheDeclaredRowShape()
    {
        var ml = new MLContext(1);
        var column = ModelInputColumns.Resolve(InputModels.Image(), DataRows.Images(ml).Schema, ["image"], "inputs").Single();
        CollectionAssert.AreEqual(new[] { 1, 4, 4 }, column.RowShape);
        Assert.AreEqual(TrainingElementType.Float, column.ElementType);
    }

    [TestMethod]
    public void Resolve_OneSymbolicDimension_IsSolvedFromTheColumnSize()
    {
        var ml = new MLContext(1);
        var column = ModelInputColumns.Resolve(InputModels.Image(["N", 1, "H", 4]), DataRows.Images(ml).Schema, ["image"], "inputs").Single();
        CollectionAssert.AreEqual(new[] { 1, 4, 4 }, column.RowShape);
    }

    [TestMethod]
    public void Resolve_TwoSymbolicDimensions_ThrowsNamingColumnAndShapes()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => ModelInputColumns.Resolve(InputModels.Image(["N", 1, "H", "W"]), DataRows.Images(ml).Schema, ["image"], "inputs"));
        StringAssert.Contains(ex.Message, "Column 'image' (Vector<Single, 16>)");
        StringAssert.Contains(ex.Message, "model input 'image' of shape [N, 1, H, W]");
        StringAssert.Contains(ex.Message, "give the shape in InputShapes['image']");
    }

    [TestMethod]
    public void Resolve_VariableSizeInt64Column_IsATokenRowOnTheSequenceAxis()
    {
        var ml = new MLContext(1);
        var columns = ModelInputColumns.Resolve(InputModels.Tokens(), DataRows.TokenView(ml, DataRows.Tokens(4)).Schema, TokenInputs, "inputs");
        Assert.IsTrue(columns.All(c => c.RowShape is null && c.ElementType == TrainingElementType.Int64 && c.LengthDimension == "sequence"));
    }

    [TestMethod]
    public void Resolve_SingleColumnForInt64Input_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new DataRows.ImageRow { Image = new float[16] } });
        var model = InputModels.Build([Node("Identity", ["image"], ["Score"])], [], [InputModels.Declared("image", TestGraphs.Int64, "N", 16)], [InputModels.Declared("Score", TestGraphs.Int64, "N", 16)]);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ModelInputColumns.Resolve(model, data.Schema, ["image"], "inputs"));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'image': expected vector of Int64 for model input 'image' (INT64 [N, 16])");
    }

    [TestMethod]
    public void Batches_TokenRows_ArePaddedWithZeroToTheLongestRowOfTheBatch()
    {
        var ml = new MLContext(1);
        var rows = new[]
        {
            new DataRows.TokenRow { InputIds = [5, 6, 7], AttentionMask = [1, 1, 1] },
            new DataRows.TokenRow { InputIds = [8, 9, 10, 11, 12], AttentionMask = [1, 1, 1, 1, 1] },
            new DataRows.TokenRow { InputIds = [13], AttentionMask = [1] },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var batches = ModelInputBatches.Create(InputModels.Tokens(), data.Schema, TokenInputs, "inputs");
        var batch = batches.Read(data, 10).Single();
        Assert.AreEqual(3, batch.Rows);
        CollectionAssert.AreEqual(new long[] { 3, 5 }, batch.Shapes[0]);
        CollectionAssert.AreEqual(new long[] { 5, 6, 7, 0, 0, 8, 9, 10, 11, 12, 13, 0, 0, 0, 0 }, (long[])batch.Values[0]);
        CollectionAssert.AreEqual(new long[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 }, (long[])batch.Values[1]);
    }

    [TestMethod]
    public void Batches_ImageColumn_IsShapedNchw()
    {
        var ml = new MLContext(1);
        var data = DataRows.Images(ml, count: 5);
        var batch = ModelInputBatches.Create(InputModels.Image(), data.Schema, ["image"], "inputs").Read(data, 5).Single();
        CollectionAssert.AreEqual(new long[] { 5, 1, 4, 4 }, batch.Shapes[0]);
    }

    [TestMethod]
    public void Read_TokenRowsWithLabels_KeepsEachRowsLength()
    {
        var ml = new MLContext(1);
        var rows = DataRows.Tokens(6);
        var data = DataRows.TokenView(ml, rows);
        var columns = ModelInputColumns.Resolve(InputModels.Tokens(), data.Schema, TokenInputs, "inputs");
        var read = TrainingDataReader.Read(data, columns, "Label", TrainingLoss.CrossEntropy, "label");
        Assert.AreEqual(6, read.RowCount);
        var ids = read.Inputs.Single(i => i.Name == "input_ids");
        Assert.IsTrue(ids.IsVariableLength);
        for (int r = 0; r < rows.Length; r++)
        {
            var (start, length) = ids.RowRange(r);
            CollectionAssert.AreEqual(rows[r].InputIds, ids.Int64s!.Skip(start).Take(length).ToArray(), $"row {r}");
        }
        var classes = rows.Select(r => r.Class).Distinct().Order().ToList(); // keys by value: index of the class among those seen
        CollectionAssert.AreEqual(rows.Select(r => (float)classes.IndexOf(r.Class)).ToArray(), read.Labels);
    }

    [TestMethod]
    public void Read_WithoutLabelColumn_HasNullLabels()
    {
        var ml = new MLContext(1);
        var data = DataRows.Images(ml, count: 7);
        var columns = ModelInputColumns.Resolve(InputModels.Image(), data.Schema, ["image"], "inputs");
        var read = TrainingDataReader.Read(data, columns, null, TrainingLoss.MeanSquaredError, "label");
        Assert.IsNull(read.Labels);
        Assert.AreEqual(7, read.RowCount);
        CollectionAssert.AreEqual(new[] { 1, 4, 4 }, read.Inputs[0].RowShape!.ToArray());
    }

    [TestMethod]
    public void Read_RowShorterThanAFixedTokenLength_ThrowsNamingColumnAndRow()
    {
        var ml = new MLContext(1);
        var rows = DataRows.Tokens(5);
        rows[0].InputIds = [1, 2, 3, 4]; rows[0].AttentionMask = [1, 1, 1, 1];
        rows[1].InputIds = [1, 2, 3]; rows[1].AttentionMask = [1, 1, 1];
        var data = DataRows.TokenView(ml, rows);
        var columns = ModelInputColumns.Resolve(InputModels.Tokens(sequence: 4), data.Schema, TokenInputs, "inputs");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => TrainingDataReader.Read(data, columns, "Label", TrainingLoss.CrossEntropy, "label"));
        StringAssert.Contains(ex.Message, "Column 'input_ids' has 3 values at row 1");
        StringAssert.Contains(ex.Message, "shape [batch, 4] takes rows of 4 values only");
    }

    [TestMethod]
    public void Read_TokenInputsSharingTheSequenceAxisWithUnequalLengths_ThrowsNamingBoth()
    {
        var ml = new MLContext(1);
        var rows = DataRows.Tokens(5);
        rows[2].AttentionMask = [.. rows[2].AttentionMask, 1];
        var data = DataRows.TokenView(ml, rows);
        var columns = ModelInputColumns.Resolve(InputModels.Tokens(), data.Schema, TokenInputs, "inputs");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => TrainingDataReader.Read(data, columns, "Label", TrainingLoss.CrossEntropy, "label"));
        StringAssert.Contains(ex.Message, "Row 2");
        StringAssert.Contains(ex.Message, "'input_ids' and 'attention_mask' share the sequence axis 'sequence'");
    }
}
