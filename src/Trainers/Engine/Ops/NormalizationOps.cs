using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>BatchNormalization, every opset, with PyTorch's train/eval behaviour.</summary>
internal static class NormalizationOps
{
    /// <summary>
    /// Y = (X − mean) / √(var + ε) · scale + B per channel (per activation with <c>spatial</c> 0, before opset 9).
    /// </summary>
    /// <remarks>
    /// Which statistics: the batch's when the node says so (<c>training_mode</c> 1, opset 14+) or when the module is
    /// in training mode (<c>train()</c>) and the node is not marked <c>is_test</c> (before opset 7); else the running
    /// mean and variance inputs, as PyTorch's <c>eval()</c>. In training mode the running statistics, when they are
    /// module state (initializers read only here), are updated in place as PyTorch does: running = running·momentum +
    /// batch·(1 − momentum), ONNX's momentum convention, with the unbiased batch variance. The optional
    /// running_mean/running_var outputs follow the ONNX spec instead (population variance). saved_mean/saved_var
    /// (outputs 3 and 4 before opset 14) are not produced.
    /// </remarks>
    public static OpKernel BatchNormalization(NodeContext ctx)
    {
        double epsilon = ctx.GetFloat("epsilon", 1e-5f);
        double momentum = ctx.GetFloat("momentum", 0.9f);
        long spatial = ctx.GetInt("spatial", 1);
        if (spatial != 1 && ctx.Opset >= 9)
            throw ctx.Invalid($"attribute 'spatial' = {spatial} exists only before opset 9; this model imports opset {ctx.Opset}.");
        if (spatial is not (0 or 1)) throw ctx.Invalid($"attribute 'spatial' is {spatial}; it must be 0 or 1.");
        bool perActivation = spatial == 0;
        bool isTest = ctx.Opset < 7 && ctx.GetInt("is_test", 0) != 0;
        long trainingModeValue = ctx.GetInt("training_mode", 0);
        if (trainingModeValue is not (0 or 1)) throw ctx.Invalid($"attribute 'training_mode' is {trainingModeValue}; it must be 0 or 1.");
        bool trainingMode = ctx.Opset >= 14 && trainingModeValue == 1;
        int x = ctx.Input(0), scale = ctx.Input(1), bias = ctx.Input(2), mean = ctx.Input(3), variance = ctx.Input(4);
        int y = ctx.Output(0), runningMean = ctx.Output(1), runningVar = ctx.Output(2);
        if (ctx.Output(3) >= 0 || ctx.Output(4) >= 0)
        {
            if (ctx.Opset >= 14) throw ctx.Invalid($"has {ctx.Node.Output.Count} outputs; from opset 14 BatchNormalization has at most 3.");
            throw new NotSupportedException(
                $"{ctx.Label}: outputs 3 and 4 (saved_mean, saved_var) are not supported by the Torch engine; remove them from the node.");
        }
        if (ctx.Opset >= 14 && !trainingMode && (runningMean >= 0 || runningVar >= 0))
            throw ctx.Invalid("has running_mean/running_var outputs, which ONNX allows only with training_mode = 1.");
        bool stateInPlace = ctx.IsStateInput(3) && ctx.IsStateInput(4);
        string label = ctx.Label;

        return (s, training) =>
        {
            var input = s[x]!;
            if (input.dim() < 2)
                throw new InvalidDataException($"{label}: the input has shape [{string.Join(", ", input.shape)}]; it needs [N, C, …].");
            var runningMeanIn = s[mean]!;
            var runningVarIn = s[variance]!;
            bool batchStatistics = trainingMode || (training && !isTest);
            using var scope = NewDisposeScope();
            Tensor data = input, gamma = s[scale]!, beta = s[bias]!, mu = runningMeanIn, sigma2 = runningVarIn;
            if (perActivation)
            {
                // Per-activation statistics are per-feature statistics of [N, C·D1·…]: batch_norm over a matrix.
                data = input.reshape(input.shape[0], -1);
                gamma = gamma.reshape(-1);
                beta = beta.reshape(-1);
                mu = mu.reshape(-1);
                sigma2 = sigma2.reshape(-1);
            }

            Tensor result;
            if (!batchStatistics)
            {
                result = mu.requires_grad || sigma2.requires_grad
                    ? Normalize(data, mu, sigma2, gamma, beta, epsilon)
                    : F.batch_norm(data, mu, sigma2, gamma, beta, training: false, momentum: 0, eps: epsilon);
                if (runningMean >= 0) s[runningMean] = runningMeanIn.alias().MoveToOuterDisposeScope();
                if (runningVar >= 0) s[runningVar] = runningVarIn.alias().MoveToOuterDisposeScope();
            }
            else
            {
                if (runningMean >= 0 || runningVar >= 0)
                {
                    // ONNX's outputs, from the running statistics as they were before any in-place update below.
                    var axes = ReducedAxes(data);
                    var batchMean = data.mean(axes);
                    var batchVar = data.var(axes, unbiased: false);
                    if (runningMean >= 0)
                        s[runningMean] = Blend(mu, batchMean, momentum).reshape(runningMeanIn.shape).MoveToOuterDisposeScope();
                    if (runningVar >= 0)
                        s[runningVar] = Blend(sigma2, batchVar, momentum).reshape(runningVarIn.shape).MoveToOuterDisposeScope();
                }
                // torch updates the running statistics it is given: the state buffers themselves, or throwaway copies.
                bool update = training && stateInPlace;
                var meanTarget = update ? mu : mu.detach().clone();
                var varTarget = update ? sigma2 : sigma2.detach().clone();
                result = F.batch_norm(data, meanTarget, varTarget, gamma, beta, training: true, momentum: 1 - momentum, eps: epsilon);
            }
            s[y] = (perActivation ? result.reshape(input.shape) : result).MoveToOuterDisposeScope();
        };
    }

    /// <summary>Axes reduced for per-channel statistics of [N, C, …]: all but 1.</summary>
    private static long[] ReducedAxes(Tensor data)
    {
        var axes = new long[data.dim() - 1];
        axes[0] = 0;
        for (int i = 1; i < axes.Length; i++) axes[i] = i + 1;
        return axes;
    }

    /// <summary>running·momentum + batch·(1 − momentum).</summary>
    private static Tensor Blend(Tensor running, Tensor batch, double momentum)
    {
        var keep = momentum.ToScalar();
        var take = (1 - momentum).ToScalar();
        var result = running.mul(keep).add(batch.mul(take));
        GC.KeepAlive(keep);
        GC.KeepAlive(take);
        return result;
    }

    /// <summary>The inference formula with broadcasting, for running statistics that need gradients (torch's kernel gives them none).</summary>
    private static Tensor Normalize(Tensor data, Tensor mean, Tensor variance, Tensor scale, Tensor bias, double epsilon)
    {
        var shape = ConvOps.ChannelShape(data.shape[1], (int)data.dim() - 2);
        var eps = epsilon.ToScalar();
        var result = data.sub(mean.reshape(shape)).div(variance.reshape(shape).add(eps).sqrt()).mul(scale.reshape(shape)).add(bias.reshape(shape));
        GC.KeepAlive(eps);
        return result;
    }
}
