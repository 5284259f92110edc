using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>The engine against ONNX's own backend node tests, for every test whose operators it supports.</summary>
[TestClass]
public sealed partial class OnnxNodeSuiteTests
{
    /// <summary>Tests of these operators must run (not be skipped) wherever the suite is installed.</summary>
    [GeneratedRegex(@"^test_(gemm_.*|matmul_.*|relu|leakyrelu.*|sigmoid.*|tanh.*|softmax.*|logsoftmax.*|flatten.*|reshape.*|transpose.*|identity|dropout_default.*|add.*|sub.*|mul.*|div.*|constant" +
        @"|basic_conv_.*|conv_with_.*|convtranspose.*|batchnorm_.*|maxpool_.*|averagepool_.*|globalaveragepool.*|globalmaxpool.*|constant_pad|edge_pad|reflect_pad" +
        @"|concat_.*|split_.*|slice.*|gather_[0-9].*|gather_negative_indices|unsqueeze_.*|squeeze.*|shape.*|size.*|cast_(DOUBLE_to_FLOAT|FLOAT_to_DOUBLE)" +
        @"|expand_.*|where_.*|equal.*|less.*|greater.*|not_.*|and.*|or.*|xor.*|constantofshape_.*|range_(float_type_positive_delta|int32_type_negative_delta)" +
        @"|reduce_(mean|sum|max|min)_.*|layer_normalization_.*|erf|pow(_example|_bcast_.*|_types_(float|int|int32_.*|int64_.*|float32_int(32|64)))?|sqrt.*|exp.*|log|log_example|neg.*|reciprocal.*" +
        @"|clip.*|hardsigmoid.*|hardswish.*|elu.*|selu.*|softplus.*|prelu_.*|abs)$")]
    private static partial Regex ExpectedToRun();

    /// <summary>ONNX 1.12's suite (Debian 12) has 391 runnable tests of the supported operators; fewer means tests went missing.</summary>
    private const int MinimumRun = 391;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void NodeSuite_SupportedOps_MatchReferenceOutputs()
    {
        var suite = OnnxNodeTestData.LoadOrInconclusive();
        var failures = new List<string>();
        int compared = 0, structural = 0;
        foreach (var test in suite.Runnable)
        {
            try
            {
                if (test.IsRandomDropout)
                {
                    CheckRandomDropout(test);
                    structural++;
                }
                else
                {
                    foreach (var (inputs, outputs) in test.DataSets) CheckOutputs(test.Model, test, inputs, outputs);
                    compared++;
                }
            }
            catch (Exception ex) when (ex is not AssertInconclusiveException)
            {
                failures.Add($"{test.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        TestContext.WriteLine($"ONNX node suite at {OnnxNodeTestData.Root}: {suite.Total} tests, {suite.UnsupportedOpCount} use operators the engine does not support.");
        TestContext.WriteLine($"Ran {compared + structural} supported-operator tests: {compared} compared with the reference outputs, " +
            $"{structural} training-mode Dropout tests with a random mask checked structurally (outputs are 0 or x/(1-ratio), mask consistent).");
        TestContext.WriteLine($"Skipped {suite.Skipped.Count} supported-operator tests:");
        foreach (var (name, reason) in suite.Skipped) TestContext.WriteLine($"  {name}: {reason}");
        Assert.AreEqual(0, failures.Count, $"{failures.Count} node tests failed:\n{string.Join("\n", failures)}");
        Assert.IsGreaterThanOrEqualTo(MinimumRun, compared + structural, "Fewer node tests ran than the suite holds for the supported operators.");
    }

    [TestMethod]
    public void NodeSuite_ExpectedOperatorTests_AreRunNotSkipped()
    {
        var suite = OnnxNodeTestData.LoadOrInconclusive();
        var wronglySkipped = suite.Skipped.Where(s => ExpectedToRun().IsMatch(s.Name)).Select(s => $"{s.Name} ({s.Reason})").ToList();
        Assert.AreEqual(0, wronglySkipped.Count, $"Tests of supported operators were skipped: {string.Join("; ", wronglySkipped)}");
        string[] families = ["gemm_", "matmul_", "relu", "leakyrelu", "sigmoid", "tanh", "softmax_", "logsoftmax_", "flatten_", "reshape_",
            "transpose_", "identity", "dropout_default", "add", "sub", "mul", "div", "constant",
            "basic_conv_", "conv_with_", "convtranspose", "batchnorm_", "maxpool_", "maxpool_with_argmax", "averagepool_", "globalaveragepool",
            "globalmaxpool", "constant_pad", "edge_pad", "reflect_pad",
            "concat_", "split_", "slice", "gather_", "unsqueeze_", "squeeze", "shape", "size", "cast_", "expand_", "where_", "equal", "less", "greater",
            "not_", "and", "or", "xor", "constantofshape_", "range_", "reduce_mean_", "reduce_sum_", "reduce_max_", "reduce_min_", "layer_normalization_",
            "erf", "pow", "sqrt", "exp", "log", "neg", "reciprocal", "clip", "hardsigmoid", "hardswish", "elu", "selu", "softplus", "prelu_", "abs"];
        foreach (string family in families)
            Assert.IsTrue(suite.Runnable.Any(t => t.Name.StartsWith("test_" + family, StringComparison.Ordinal)), $"No test_{family}* test ran.");
    }

    [TestMethod]
    public void NodeSuite_InputsAsInitializers_GradientsAreFinite()
    {
        var suite = OnnxNodeTestData.LoadOrInconclusive();
        var failures = new List<string>();
        int differentiated = 0, parametersChecked = 0;
        var constantOnly = new List<string>();
        foreach (var test in suite.Runnable.Where(t => !t.IsRandomDropout))
        {
            try
            {
                var (inputs, outputs) = test.DataSets[0];
                var promoted = PromoteToInitializers(test, inputs);
                int checkedHere = CheckGradients(promoted, test, inputs, outputs);
                if (checkedHere < 0) constantOnly.Add(test.Name);
                else
                {
                    differentiated++;
                    parametersChecked += checkedHere;
                }
            }
            catch (Exception ex) when (ex is not AssertInconclusiveException)
            {
                failures.Add($"{test.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        TestContext.WriteLine($"Backward ran on {differentiated} node tests with inputs 2..n as initializers; {parametersChecked} FLOAT parameters had finite gradients.");
        TestContext.WriteLine($"No float output depends on a float input or parameter in: {string.Join(", ", constantOnly)}");
        Assert.AreEqual(0, failures.Count, $"{failures.Count} node tests failed:\n{string.Join("\n", failures)}");
        Assert.IsGreaterThanOrEqualTo(70, differentiated);
        Assert.IsGreaterThanOrEqualTo(30, parametersChecked);
    }

    internal static void CheckOutputs(OnnxModel model, OnnxNodeTestCase test, TensorProto[] inputs, TensorProto[] expected)
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        module.eval();
        var feed = Feed(module, test, inputs);
        var actual = module.Forward(feed);
        CompareOutputs(test, actual, expected);
    }

    private static void CompareOutputs(OnnxNodeTestCase test, Dictionary<string, Tensor> actual, TensorProto[] expected)
    {
        Assert.HasCount(expected.Length, test.OutputNames, "output_N.pb files and graph outputs differ in number");
        for (int i = 0; i < expected.Length; i++)
        {
            using var reference = OnnxNodeTestData.ToTorch(expected[i]);
            string? difference = TensorComparison.Difference(actual[test.OutputNames[i]], reference);
            if (difference is not null) Assert.Fail($"output '{test.OutputNames[i]}': {difference}");
        }
    }

    /// <summary>Feeds input_N.pb to the N-th graph input the module still needs (promoted ones are initializers now).</summary>
    private static Dictionary<string, Tensor> Feed(OnnxTorchModule module, OnnxNodeTestCase test, TensorProto[] inputs)
    {
        var feed = new Dictionary<string, Tensor>();
        for (int i = 0; i < inputs.Length; i++)
            if (module.InputNames.Contains(test.InputNames[i]))
                feed[test.InputNames[i]] = OnnxNodeTestData.ToTorch(inputs[i]);
        return feed;
    }

    /// <summary>A copy of the test's model whose inputs after the first are initializers holding the test's input values.</summary>
    private static OnnxModel PromoteToInitializers(OnnxNodeTestCase test, TensorProto[] inputs)
    {
        var proto = test.Model.Proto.Clone();
        for (int i = 1; i < inputs.Length; i++)
        {
            var initializer = inputs[i].Clone();
            initializer.Name = test.InputNames[i];
            proto.Graph.Initializer.Add(initializer);
            var input = proto.Graph.Input.First(v => v.Name == test.InputNames[i]);
            proto.Graph.Input.Remove(input);
        }
        return OnnxModel.FromProto(proto);
    }

    /// <summary>Backward of the sum of float outputs; returns how many parameters were checked, or -1 when nothing is differentiable.</summary>
    private static int CheckGradients(OnnxModel model, OnnxNodeTestCase test, TensorProto[] inputs, TensorProto[] expected)
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        module.eval();
        var feed = Feed(module, test, inputs);
        Tensor? leaf = null;
        if (feed.Count == 1 && feed.Values.Single().is_floating_point())
        {
            var key = feed.Keys.Single();
            leaf = feed[key].requires_grad_();
        }
        var outputs = module.Forward(feed);
        CompareOutputs(test, outputs, expected);

        var differentiable = outputs.Values.Where(o => o.requires_grad).ToList();
        if (differentiable.Count == 0)
        {
            Assert.IsEmpty(module.ParameterNames.Where(p => module.GetParameter(p).requires_grad && IsUsed(model, p) && !OnlyNonDifferentiableUses(model, p)).ToList(),
                "a parameter exists but no output depends on it");
            return -1;
        }
        var total = differentiable.Select(o => o.sum()).Aggregate((a, b) => a + b);
        total.backward();
        foreach (string name in module.ParameterNames.Where(p => !OnlyNonDifferentiableUses(model, p)))
        {
            var grad = module.GetParameter(name).grad;
            Assert.IsNotNull(grad, $"parameter '{name}' has no gradient");
            Assert.IsTrue(TensorComparison.AllFinite(grad), $"parameter '{name}' has a non-finite gradient");
        }
        if (leaf?.grad is { } inputGrad)
            Assert.IsTrue(TensorComparison.AllFinite(inputGrad), "the input's gradient is not finite");
        return module.ParameterNames.Count;
    }

    private static bool IsUsed(OnnxModel model, string name) => model.Graph.Node.Any(n => n.Input.Contains(name));

    /// <summary>
    /// Dropout's ratio, Pad's pads and constant_value, and Range's start, limit and delta are read as numbers, not
    /// differentiated; and no gradient reaches a FLOAT initializer when every graph output is non-float (comparisons,
    /// Pow of an integer base).
    /// </summary>
    private static bool OnlyNonDifferentiableUses(OnnxModel model, string name) =>
        !model.Graph.Output.Any(o => o.Type.TensorType.ElemType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double)
        || model.Graph.Node.Where(n => n.Input.Contains(name)).All(n => (n.OpType is "Dropout" or "Pad" && n.Input.IndexOf(name) > 0) || n.OpType == "Range");

    /// <summary>
    /// Training-mode Dropout draws its own mask, so the reference output cannot match: check that every output is 0
    /// or x/(1−ratio), that the mask says which, and that about 1−ratio of the elements are kept.
    /// </summary>
    private static void CheckRandomDropout(OnnxNodeTestCase test)
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(test.Model);
        module.eval(); // the training_mode input, not the module's mode, turns this Dropout on
        var (inputs, _) = test.DataSets[0];
        var feed = Feed(module, test, inputs);
        var outputs = module.Forward(feed);
        var x = feed[test.InputNames[0]].to(ScalarType.Float64).data<double>().ToArray();
        double ratio = OnnxTensor.ToFloatArray(inputs[1])[0];
        var y = outputs[test.OutputNames[0]].to(ScalarType.Float64).data<double>().ToArray();
        bool[]? mask = test.OutputNames.Length > 1 ? outputs[test.OutputNames[1]].data<bool>().ToArray() : null;
        int kept = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double scaled = x[i] / (1 - ratio);
            bool isKept = Math.Abs(y[i] - scaled) <= 1e-5 * Math.Abs(scaled) + 1e-6 && (y[i] != 0 || x[i] == 0);
            Assert.IsTrue(isKept || y[i] == 0, $"element {i} is {y[i]}; expected 0 or {scaled}");
            if (mask is not null && x[i] != 0) Assert.AreEqual(isKept, mask[i], $"mask disagrees with the output at element {i}");
            if (isKept) kept++;
        }
        double keptFraction = (double)kept / x.Length;
        Assert.IsTrue(Math.Abs(keptFraction - (1 - ratio)) < 0.3, $"kept {keptFraction:P0} of the elements with ratio {ratio}");
    }
}
