using System;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests.Helpers;

/// <summary>Asserts that loading fails with <see cref="InvalidDataException"/> and a message naming the culprit.</summary>
internal static class AssertInvalid
{
    public static InvalidDataException Model(ModelProto model, params string[] fragments) =>
        Bytes(model.ToByteArray(), fragments);

    public static InvalidDataException Bytes(byte[] bytes, params string[] fragments) =>
        Check(() => OnnxModel.Load(bytes), fragments);

    public static InvalidDataException File(string path, params string[] fragments) =>
        Check(() => OnnxModel.Load(path), fragments);

    public static InvalidDataException Check(Action load, params string[] fragments)
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(load);
        foreach (string fragment in fragments)
            Assert.Contains(fragment, ex.Message, $"The message should name '{fragment}': {ex.Message}");
        return ex;
    }
}
