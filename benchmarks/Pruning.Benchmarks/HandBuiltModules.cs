using System;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The two networks of <c>benchmarks/peer/real_models.py</c> written by hand with TorchSharp layers, the baseline the
/// engine is held to in engine-throughput. Parameter and buffer names are the PyTorch state_dict names, which are
/// also the initializer names of the exported ONNX files, so <see cref="CopyWeightsFrom"/> fills them by name: the
/// fields are named as in the python classes (RegisterComponents names components after fields), snake_case included.
/// </summary>
internal static class HandBuiltModules
{
    /// <summary>The hand-built module of <paramref name="model"/> ("lenet5" or "resnet") holding the ONNX file's weights.</summary>
    public static nn.Module<Tensor, Tensor> Build(string model, OnnxModel weights)
    {
        nn.Module<Tensor, Tensor> module = model switch
        {
            "lenet5" => new LeNet5(),
            "resnet" => new SmallResNet(),
            _ => throw new ArgumentException($"No hand-built module for '{model}'; choose lenet5 or resnet.", nameof(model)),
        };
        CopyWeightsFrom(module, weights);
        return module;
    }

    /// <summary>
    /// Copies every parameter and buffer from the initializer of the same name (BatchNorm's num_batches_tracked,
    /// which PyTorch does not export, is left).
    /// </summary>
    /// <exception cref="InvalidOperationException">An initializer is missing or has another shape.</exception>
    public static void CopyWeightsFrom(nn.Module module, OnnxModel weights)
    {
        var names = weights.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (name, tensor) in module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers()))
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            if (!names.Contains(name))
                throw new InvalidOperationException($"The ONNX file has no initializer '{name}' for the hand-built module's {name}.");
            var proto = weights.GetInitializer(name);
            long[] shape = OnnxTensor.Shape(proto);
            if (!shape.SequenceEqual(tensor.shape))
                throw new InvalidOperationException(
                    $"Initializer '{name}' has shape [{string.Join(", ", shape)}]; the hand-built module's has [{string.Join(", ", tensor.shape)}].");
            using var source = torch.tensor(OnnxTensor.ToFloatArray(proto), shape);
            tensor.copy_(source);
        }
    }

    /// <summary>conv1 6@5x5 pad 2, relu, maxpool 2, conv2 16@5x5, relu, maxpool 2, flatten, fc1 120, relu, fc2 84, relu, fc3 10.</summary>
    private sealed class LeNet5 : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1 = nn.Conv2d(1, 6, 5, padding: 2);
        private readonly Conv2d conv2 = nn.Conv2d(6, 16, 5);
        private readonly Linear fc1 = nn.Linear(400, 120);
        private readonly Linear fc2 = nn.Linear(120, 84);
        private readonly Linear fc3 = nn.Linear(84, 10);

        public LeNet5() : base(nameof(LeNet5)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
            x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
            x = x.flatten(1);
            x = nn.functional.relu(fc1.forward(x));
            x = nn.functional.relu(fc2.forward(x));
            return fc3.forward(x).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Two 3x3 convolutions with batch norm; identity shortcut, or 1x1 conv + batch norm when the shape changes.</summary>
    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Conv2d? shortcut_conv;
        private readonly BatchNorm2d? shortcut_bn;

        // Registered one by one: the shortcut exists only when the shape changes, and a null field is no component.
        public BasicBlock(long input, long output, long stride) : base(nameof(BasicBlock))
        {
            conv1 = nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(output);
            conv2 = nn.Conv2d(output, output, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(output);
            register_module(nameof(conv1), conv1);
            register_module(nameof(bn1), bn1);
            register_module(nameof(conv2), conv2);
            register_module(nameof(bn2), bn2);
            if (stride != 1 || input != output)
            {
                shortcut_conv = nn.Conv2d(input, output, 1, stride: stride, bias: false);
                shortcut_bn = nn.BatchNorm2d(output);
                register_module(nameof(shortcut_conv), shortcut_conv);
                register_module(nameof(shortcut_bn), shortcut_bn);
            }
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var output = nn.functional.relu(bn1.forward(conv1.forward(x)));
            output = bn2.forward(conv2.forward(output));
            var shortcut = shortcut_conv is null ? x : shortcut_bn!.forward(shortcut_conv.forward(x));
            return nn.functional.relu(output + shortcut).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Depthwise 3x3 (groups = channels) + batch norm + relu, pointwise 1x1 + batch norm + relu.</summary>
    private sealed class SeparableBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d depthwise;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d pointwise;
        private readonly BatchNorm2d bn2;

        public SeparableBlock(long input, long output) : base(nameof(SeparableBlock))
        {
            depthwise = nn.Conv2d(input, input, 3, padding: 1, groups: input, bias: false);
            bn1 = nn.BatchNorm2d(input);
            pointwise = nn.Conv2d(input, output, 1, bias: false);
            bn2 = nn.BatchNorm2d(output);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            x = nn.functional.relu(bn1.forward(depthwise.forward(x)));
            return nn.functional.relu(bn2.forward(pointwise.forward(x))).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Stem conv 16 + bn + relu + maxpool 2, block1 16→16, block2 16→32 stride 2, separable 32→64, global average pool, fc 10.</summary>
    private sealed class SmallResNet : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv = nn.Conv2d(1, 16, 3, padding: 1, bias: false);
        private readonly BatchNorm2d bn = nn.BatchNorm2d(16);
        private readonly BasicBlock block1 = new(16, 16, 1);
        private readonly BasicBlock block2 = new(16, 32, 2);
        private readonly SeparableBlock separable = new(32, 64);
        private readonly Linear fc = nn.Linear(64, 10);

        public SmallResNet() : base(nameof(SmallResNet)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            x = nn.functional.max_pool2d(nn.functional.relu(bn.forward(conv.forward(x))), 2);
            x = separable.forward(block2.forward(block1.forward(x)));
            x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
            return fc.forward(x).MoveToOuterDisposeScope();
        }
    }
}
