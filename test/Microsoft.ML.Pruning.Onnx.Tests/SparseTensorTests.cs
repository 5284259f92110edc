using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class SparseTensorTests
{
    private static readonly float[] Values = [0f, 1.5f, 0f, 0f, -0f, 2f, 0f, 0f, 0f, 3f, 0f, 0f];

    [TestMethod]
    public void FromDense_ThenToDense_RoundTripsExactly()
    {
        var dense = OnnxTensor.FromFloats("W", Values, [3, 4]);
        dense.DocString = "weights";

        var back = OnnxSparseTensor.ToDense(OnnxSparseTensor.FromDense(dense));

        Assert.IsTrue(back.Equals(dense), "the dense tensor changed in a sparse round trip");
    }

    [TestMethod]
    public void FromDense_KeepsNegativeZeroAndUsesInt64LinearIndices()
    {
        var sparse = OnnxSparseTensor.FromDense(OnnxTensor.FromFloats("W", Values, [3, 4]));

        Assert.AreEqual("W", sparse.Values.Name);
        Assert.AreEqual("W_indices", sparse.Indices.Name);
        Assert.AreEqual((int)TensorProto.Types.DataType.Int64, sparse.Indices.DataType);
        CollectionAssert.AreEqual(new long[] { 3, 4 }, sparse.Dims);
        CollectionAssert.AreEqual(new long[] { 1, 4, 5, 9 }, OnnxTensor.ToInt64Array(sparse.Indices));
        CollectionAssert.AreEqual(new[] { 1.5f, -0f, 2f, 3f }, OnnxTensor.ToFloatArray(sparse.Values));
        Assert.IsTrue(float.IsNegative(OnnxTensor.ToFloatArray(sparse.Values)[1]));
    }

    [TestMethod]
    public void FromDense_TypedFloatData_ReadsIt()
    {
        var dense = new TensorProto { Name = "t", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 4 }, FloatData = { 0f, 5f, 0f, 6f } };

        var sparse = OnnxSparseTensor.FromDense(dense);

        CollectionAssert.AreEqual(new long[] { 1, 3 }, OnnxTensor.ToInt64Array(sparse.Indices));
        CollectionAssert.AreEqual(new[] { 0f, 5f, 0f, 6f }, OnnxTensor.ToFloatArray(OnnxSparseTensor.ToDense(sparse)));
    }

    [TestMethod]
    public void FromDense_AllZeros_HasNoValuesAndExpandsBack()
    {
        var sparse = OnnxSparseTensor.FromDense(OnnxTensor.FromFloats("z", new float[6], [2, 3]));

        Assert.AreEqual(0L, sparse.Values.Dims[0]);
        Assert.IsFalse(sparse.Values.HasRawData);
        CollectionAssert.AreEqual(new float[6], OnnxTensor.ToFloatArray(OnnxSparseTensor.ToDense(sparse)));
    }

    [TestMethod]
    public void FromDense_Scalar_ThrowsArgument()
    {
        Assert.ThrowsExactly<System.ArgumentException>(() => OnnxSparseTensor.FromDense(OnnxTensor.FromFloats("s", [1f], [])));
    }

    [TestMethod]
    public void ToDense_Int32CoordinateIndices_Expands()
    {
        var sparse = Sparse([7f, 8f], [3, 4], Int32Indices([0, 1, 2, 3], 2, 2));

        var dense = OnnxTensor.ToFloatArray(OnnxSparseTensor.ToDense(sparse));

        Assert.AreEqual(7f, dense[1]);
        Assert.AreEqual(8f, dense[11]);
        Assert.AreEqual(15f, System.Linq.Enumerable.Sum(dense));
    }

    [TestMethod]
    public void ToDense_Int64CoordinateIndices_Expands()
    {
        var sparse = Sparse([7f], [3, 4], OnnxTensor.FromInt64s("i", [2, 1], [1, 2]));

        Assert.AreEqual(7f, OnnxTensor.ToFloatArray(OnnxSparseTensor.ToDense(sparse))[9]);
    }

    [TestMethod]
    public void ToDense_LinearIndexOutOfBounds_ThrowsNamingTensor()
    {
        var sparse = Sparse([1f, 2f], [3, 4], OnnxTensor.FromInt64s("i", [3, 12], [2]));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxSparseTensor.ToDense(sparse));
        Assert.Contains("'W'", ex.Message);
        Assert.Contains("linear index 12", ex.Message);
    }

    [TestMethod]
    public void ToDense_CoordinateOutOfBounds_Throws()
    {
        var sparse = Sparse([1f], [3, 4], OnnxTensor.FromInt64s("i", [0, 4], [1, 2]));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxSparseTensor.ToDense(sparse));
        Assert.Contains("outside dimension 4", ex.Message);
    }

    [TestMethod]
    public void ToDense_UnsortedIndices_Throws()
    {
        var sparse = Sparse([1f, 2f], [3, 4], OnnxTensor.FromInt64s("i", [5, 2], [2]));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxSparseTensor.ToDense(sparse));
        Assert.Contains("strictly ascending", ex.Message);
    }

    [TestMethod]
    public void ToDense_DuplicateIndices_Throws()
    {
        var sparse = Sparse([1f, 2f], [3, 4], OnnxTensor.FromInt64s("i", [5, 5], [2]));

        Assert.ThrowsExactly<InvalidDataException>(() => OnnxSparseTensor.ToDense(sparse));
    }

    [TestMethod]
    public void ToDense_IndicesOfWrongShape_Throws()
    {
        var sparse = Sparse([1f, 2f], [3, 4], OnnxTensor.FromInt64s("i", [1, 2, 3], [3]));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OnnxSparseTensor.ToDense(sparse));
        Assert.Contains("[2] (linear) or [2, 2] (coordinates)", ex.Message);
    }

    [TestMethod]
    public void ToDense_FloatIndices_Throws()
    {
        var sparse = Sparse([1f], [3, 4], OnnxTensor.FromFloats("i", [1f], [1]));

        Assert.ThrowsExactly<InvalidDataException>(() => OnnxSparseTensor.ToDense(sparse));
    }

    [TestMethod]
    public void SerializedSize_MostlyZeroTensor_SparseIsSmaller()
    {
        var values = new float[1000];
        values[17] = 1f;
        var dense = OnnxTensor.FromFloats("W", values, [1000]);

        Assert.IsLessThan(OnnxSparseTensor.SerializedSize(dense) / 10, OnnxSparseTensor.SerializedSize(OnnxSparseTensor.FromDense(dense)));
        Assert.AreEqual(dense.CalculateSize() + 3, OnnxSparseTensor.SerializedSize(dense)); // tag + 2-byte length
    }

    private static SparseTensorProto Sparse(float[] values, long[] dims, TensorProto indices)
    {
        var sparse = new SparseTensorProto { Values = OnnxTensor.FromFloats("W", values, [values.Length]), Indices = indices };
        sparse.Dims.Add(dims);
        return sparse;
    }

    private static TensorProto Int32Indices(int[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = "i", DataType = (int)TensorProto.Types.DataType.Int32 };
        tensor.Dims.Add(dims);
        tensor.Int32Data.Add(values);
        return tensor;
    }
}
