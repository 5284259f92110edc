using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>
/// The workout every estimator and trainer goes through (after ML.NET's TestEstimatorCore): fit, the output
/// schema has the promised columns and agrees with GetOutputSchema, invalid input throws the right exception,
/// and save → load through mlContext.Model gives the same outputs.
/// </summary>
internal static class EstimatorWorkout
{
    public static TTransformer Run<TTransformer>(MLContext ml, IEstimator<TTransformer> estimator, IDataView data,
        string[] outputColumns, IDataView? invalidInput = null, Type? invalidInputException = null)
        where TTransformer : class, ITransformer
    {
        var transformer = estimator.Fit(data);
        var scored = transformer.Transform(data);
        var shape = estimator.GetOutputSchema(ShapeOf(data.Schema));
        foreach (string column in outputColumns)
        {
            Assert.IsNotNull(scored.Schema.GetColumnOrNull(column), $"output column '{column}' missing");
            Assert.IsTrue(shape.Any(c => c.Name == column), $"GetOutputSchema does not announce '{column}'");
        }

        if (invalidInput is not null)
        {
            Exception? thrown = null;
            try { estimator.Fit(invalidInput); }
            catch (Exception ex) { thrown = ex; }
            Assert.IsNotNull(thrown, "invalid input must throw");
            if (invalidInputException is not null)
                Assert.IsInstanceOfType(thrown, invalidInputException, thrown.ToString());
        }

        string path = Path.Combine(Path.GetTempPath(), $"workout-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(transformer, data.Schema, path);
            var loaded = ml.Model.Load(path, out var schema);
            Assert.AreEqual(data.Schema.Count, schema.Count, "saved input schema");
            var reScored = loaded.Transform(data);
            foreach (string column in outputColumns)
                AssertSameColumn(scored, reScored, column);
        }
        finally
        {
            File.Delete(path);
        }
        return transformer;
    }

    private static void AssertSameColumn(IDataView expected, IDataView actual, string column)
    {
        Assert.AreEqual(expected.Schema[column].Type.ToString(), actual.Schema[column].Type.ToString(), $"type of '{column}' after reload");
        var a = Values(expected, column);
        var b = Values(actual, column);
        CollectionAssert.AreEqual(a, b, $"values of '{column}' after reload");
    }

    /// <summary>SchemaShape.Create is internal to ML.NET; tests reach it by reflection to call GetOutputSchema.</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [schema])!;

    private static string[] Values(IDataView data, string column)
    {
        var col = data.Schema[column];
        var type = col.Type is VectorDataViewType v ? v.ItemType : col.Type;
        if (type == NumberDataViewType.Single) return Read<float>(data, col, f => f.ToString("R"));
        if (type is KeyDataViewType || type == NumberDataViewType.UInt32) return Read<uint>(data, col, u => u.ToString());
        if (type == BooleanDataViewType.Instance) return Read<bool>(data, col, b => b.ToString());
        throw new AssertFailedException($"no comparison for column '{column}' of type {col.Type}");
    }

    private static string[] Read<T>(IDataView data, DataViewSchema.Column column, Func<T, string> format)
    {
        var values = new System.Collections.Generic.List<string>();
        using var cursor = data.GetRowCursor([column]);
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                values.Add(string.Join(",", buffer.DenseValues().Select(format)));
            }
        }
        else
        {
            var getter = cursor.GetGetter<T>(column);
            T value = default!;
            while (cursor.MoveNext())
            {
                getter(ref value);
                values.Add(format(value));
            }
        }
        return values.ToArray();
    }
}
