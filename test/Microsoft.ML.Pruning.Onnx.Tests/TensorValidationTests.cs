using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class TensorValidationTests
{
    [TestMethod]
    public void Load_RawDataShorterThanDims_ThrowsNamingTensorAndSizes()
    {
        var model = TestModels.Gemm(transB: false);
        var w = model.Graph.Initializer[0];
        w.RawData = ByteString.CopyFrom(w.RawData.Span[..40]);

        AssertInvalid.Model(model, "'W'", "40 bytes of raw_data", "require 48");
    }

    [TestMethod]
    public void Load_NegativeDim_ThrowsNamingTensorAndAxis()
    {
        var model = TestModels.Gemm(transB: false);
        model.Graph.Initializer[0].Dims[1] = -3;

        AssertInvalid.Model(model, "'W'", "negative dimension -3 at axis 1");
    }

    [TestMethod]
    public void Load_DimsOverflowingInt64_ThrowsWithoutAllocating()
    {
        var model = TestModels.Gemm(transB: false);
        var w = model.Graph.Initializer[0];
        w.Dims.Clear();
        w.Dims.Add([1L << 40, 1L << 40]);

        AssertInvalid.Model(model, "'W'", "overflows 64 bits");
    }

    [TestMethod]
    public void Load_HugeDimsWithTinyData_ThrowsWithoutAllocating()
    {
        var model = TestModels.Gemm(transB: false);
        var w = model.Graph.Initializer[0];
        w.Dims.Clear();
        w.Dims.Add([1L << 30, 1L << 30]);

        AssertInvalid.Model(model, "'W'", "48 bytes of raw_data");
    }

    [TestMethod]
    public void Load_TypedFieldCountMismatch_ThrowsNamingFieldAndCounts()
    {
        var model = TestModels.Gemm(transB: false);
        var w = model.Graph.Initializer[0];
        w.ClearRawData();
        w.FloatData.Add(new float[11]);

        AssertInvalid.Model(model, "'W'", "11 values in float_data", "require 12");
    }

    [TestMethod]
    public void Load_ValuesInWrongTypedField_ThrowsNamingField()
    {
        var model = TestModels.Gemm(transB: false);
        var w = model.Graph.Initializer[0];
        w.ClearRawData();
        w.Int64Data.Add(new long[12]);

        AssertInvalid.Model(model, "'W'", "int64_data", "float_data");
    }

    [TestMethod]
    public void Load_TwoValueFields_ThrowsAsAmbiguous()
    {
        var model = TestModels.Gemm(transB: false);
        model.Graph.Initializer[0].FloatData.Add(new float[12]);

        AssertInvalid.Model(model, "'W'", "raw_data and float_data");
    }

    [TestMethod]
    public void Load_NonEmptyTensorWithoutValues_Throws()
    {
        var model = TestModels.Gemm(transB: false);
        model.Graph.Initializer[0].ClearRawData();

        AssertInvalid.Model(model, "'W'", "no values");
    }

    [TestMethod]
    public void Load_WrongSizeTensorInNodeAttribute_ThrowsNamingNodeAndAttribute()
    {
        var value = OnnxTensor.FromFloats("c", [1f, 2f], [2]);
        value.Dims[0] = 3;
        var model = new TestModelBuilder()
            .Node("Constant", [], ["Y"], "const", new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value })
            .Output("Y", 3)
            .Build();

        AssertInvalid.Model(model, "'c'", "attribute 'value'", "node 'const'");
    }

    [TestMethod]
    public void Load_Int4TensorPackedTwoPerByte_Loads()
    {
        var int4 = new TensorProto { Name = "q", DataType = (int)TensorProto.Types.DataType.Int4, RawData = ByteString.CopyFrom(1, 2, 3) };
        int4.Dims.Add(5); // 5 four-bit values need 3 bytes
        var model = new TestModelBuilder().Initializer(int4).Build();
        model.Graph.Output.Add(new ValueInfoProto { Name = "q" });

        Assert.HasCount(1, OnnxModel.Load(model.ToByteArray()).Graph.Initializer);
    }

    [TestMethod]
    public void Load_ZeroElementTensor_Loads()
    {
        var model = new TestModelBuilder().Weight("empty", [0, 3], []).Build();
        model.Graph.Output.Add(new ValueInfoProto { Name = "empty" });

        Assert.IsFalse(OnnxModel.Load(model.ToByteArray()).Graph.Initializer[0].HasRawData);
    }
}
