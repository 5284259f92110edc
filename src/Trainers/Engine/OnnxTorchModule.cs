using System;
using System.Buffers;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// Executes an <see cref="OnnxModel"/> as a differentiable TorchSharp module, so the graph's own initializers
/// can be trained and written back. Every FLOAT initializer is a <see cref="Parameter"/>, except the running
/// mean and variance of BatchNormalization nodes, which are module state (buffers, as in PyTorch: no gradient, not
/// in <c>parameters()</c>, updated in place in training mode, written back by <see cref="WriteBack"/>); other
/// initializers and Constant nodes are buffers. Pruning masks are buffers too: the forward pass uses <c>weight · mask</c>,
/// so pruned weights get zero gradient, and <see cref="ApplyMasks"/> keeps them exactly zero after each step.
/// </summary>
/// <remarks>
/// The module starts in training mode, like every torch module: call <c>eval()</c> for inference so Dropout is
/// the identity and BatchNormalization uses its running statistics (in training mode it normalizes with the
/// batch's statistics and updates the running ones). The graph is compiled once: nodes become delegates reading and writing an array of values by
/// index, and each intermediate tensor is released right after its last reader.
/// </remarks>
/// <example>
/// <code>
/// var model = OnnxModel.Load("mlp.onnx");
/// using var module = new OnnxTorchModule(model, TorchDevice.Resolve(mlContext.GpuDeviceId, mlContext.FallbackToCpu));
/// module.SetMask("fc1.weight", mask);
/// using var adam = torch.optim.Adam(module.parameters(), lr: 1e-3, weight_decay: 1e-4);
/// foreach (var (x, y) in batches)
/// {
///     using var scope = torch.NewDisposeScope();
///     adam.zero_grad();
///     torch.nn.functional.cross_entropy(module.forward(x), y).backward();
///     adam.step();
///     module.ApplyMasks();
/// }
/// module.WriteBack(model);
/// </code>
/// </example>
public sealed class OnnxTorchModule : nn.Module<Tensor, Tensor>
{
    private readonly CompiledGraph _graph;
    private readonly string[] _inputNames;
    private readonly int[] _inputSlots;
    private readonly HashSet<string> _inputNameSet;
    private readonly bool[] _outputNeedsAlias;

    private readonly string[] _parameterNames;
    private readonly string[] _parameterComponents;
    private readonly Dictionary<string, int> _parameterIndex;
    private readonly int[] _parameterSlots;
    private readonly Parameter[] _trainables;

    private readonly string[] _stateNames;
    private readonly string[] _stateComponents;
    private readonly Dictionary<string, int> _stateIndex;
    private readonly int[] _stateSlots;
    private readonly Tensor[] _state;

    private readonly string[] _constantComponents;
    private readonly int[] _constantSlots;
    private readonly Tensor[] _constants;

    private readonly string[] _maskComponents;
    private readonly Tensor?[] _masks;

    private bool _training;


    /// <summary>
    /// Compiles <paramref name="model"/>'s graph. Parameters and buffers are built on the CPU, then moved to
    /// <paramref name="device"/> (CPU when null). The model is only read: later edits to it do not affect the module.
    /// </summary>
    /// <exception cref="NotSupportedException">The graph uses an operator or element type the engine does not support.</exception>
    /// <exception cref="System.IO.InvalidDataException">The graph is malformed for an op (e.g. a missing required attribute or input).</exception>
    public OnnxTorchModule(OnnxModel model, Device? device = null) : base(nameof(OnnxTorchModule))
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            using (NewDisposeScope())
            {
                _graph = GraphCompiler.Compile(model);
                var names = new ComponentNames();

                int n = _graph.Parameters.Length;
                _parameterNames = new string[n];
                _parameterComponents = new string[n];
                _parameterSlots = new int[n];
                _trainables = new Parameter[n];
                _parameterIndex = new Dictionary<string, int>(n, StringComparer.Ordinal);
                _maskComponents = new string[n];
                _masks = new Tensor?[n];
                for (int i = 0; i < n; i++)
                {
                    var (name, slot, proto) = _graph.Parameters[i];
                    _parameterNames[i] = name;
                    _parameterIndex[name] = i;
                    _parameterSlots[i] = slot;
                    _parameterComponents[i] = names.Reserve(name);
                    _maskComponents[i] = names.Reserve(name + "_mask");
                    var data = TensorProtoConversion.ToTorch(proto); // emptied by Parameter, which takes its handle
                    var parameter = new Parameter(data, requires_grad: true);
                    parameter.DetachFromDisposeScope();
                    register_parameter(_parameterComponents[i], parameter);
                    _trainables[i] = parameter;
                }

                int m = _graph.State.Length;
                _stateNames = new string[m];
                _stateComponents = new string[m];
                _stateSlots = new int[m];
                _state = new Tensor[m];
                _stateIndex = new Dictionary<string, int>(m, StringComparer.Ordinal);
                for (int i = 0; i < m; i++)
                {
                    var (name, slot, proto) = _graph.State[i];
                    _stateNames[i] = name;
                    _stateIndex[name] = i;
                    _stateSlots[i] = slot;
                    _stateComponents[i] = names.Reserve("state_" + name);
                    _state[i] = TensorProtoConversion.ToTorch(proto).DetachFromDisposeScope();
                    register_buffer(_stateComponents[i], _state[i]);
                }

                int c = _graph.Constants.Length;
                _constantComponents = new string[c];
                _constantSlots = new int[c];
                _constants = new Tensor[c];
                for (int i = 0; i < c; i++)
                {
                    var (name, slot, value) = _graph.Constants[i];
                    _constantComponents[i] = names.Reserve("const_" + name);
                    _constantSlots[i] = slot;
                    _constants[i] = value;
                    register_buffer(_constantComponents[i], value);
                }
            }

            _inputNames = new string[_graph.Inputs.Length];
            _inputSlots = new int[_graph.Inputs.Length];
            for (int i = 0; i < _inputNames.Length; i++) (_inputNames[i], _inputSlots[i]) = (_graph.Inputs[i].Name, _graph.Inputs[i].Slot);
            _inputNameSet = new HashSet<string>(_inputNames, StringComparer.Ordinal);
            _outputNeedsAlias = OutputsNeedingAlias(_graph);
            ParameterNames = Array.AsReadOnly(_parameterNames);
            StateNames = Array.AsReadOnly(_stateNames);
            InputNames = Array.AsReadOnly(_inputNames);
            OutputNames = Array.AsReadOnly(_graph.OutputNames);
            _training = base.training;

            if (device is not null && device.type != DeviceType.CPU)
                this.to(device);
        }
        catch
        {
            Dispose();
            foreach (var constant in _graph?.Constants ?? []) constant.Value.Dispose();
            throw;
        }
    }

    /// <summary>The ONNX operators (default domain) the engine executes.</summary>
    public static IReadOnlyList<string> SupportedOperators => OnnxOperators.Names;

    /// <summary>Names of the FLOAT initializers, each trained as a <see cref="Parameter"/>, in graph order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>
    /// Names of the FLOAT initializers held as module state rather than trained: those read only as a
    /// BatchNormalization node's running mean or variance. They get no gradient and are not in <c>parameters()</c>
    /// (so optimizers and pruning never see them); training mode updates them in place and
    /// <see cref="WriteBack"/> writes them back.
    /// </summary>
    public IReadOnlyList<string> StateNames { get; }

    /// <summary>
    /// The buffer holding state initializer <paramref name="initializerName"/> (see <see cref="StateNames"/>). Moving
    /// the module replaces its buffers; get them again afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The graph has no state initializer of that name.</exception>
    public Tensor GetState(string initializerName)
    {
        ArgumentNullException.ThrowIfNull(initializerName);
        if (_stateIndex.TryGetValue(initializerName, out int i)) return _state[i];
        throw new ArgumentException(
            $"'{initializerName}' is not a state initializer of the graph (running statistics of BatchNormalization). " +
            $"State: {(_stateNames.Length == 0 ? "(none)" : string.Join(", ", _stateNames))}.", nameof(initializerName));
    }

    /// <summary>Names of the graph inputs <see cref="Forward"/> needs (initializers excluded).</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Names of the graph outputs <see cref="Forward"/> returns.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>
    /// The parameter holding initializer <paramref name="initializerName"/>. Moving the module to another device
    /// or type replaces its parameters; get them again afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The graph has no FLOAT initializer of that name.</exception>
    public Parameter GetParameter(string initializerName) => _trainables[IndexOf(initializerName)];

    /// <summary>
    /// Runs the graph. Returns every graph output by name; the caller owns the returned tensors (they are moved to
    /// the caller's dispose scope, if any). Inputs are not disposed.
    /// </summary>
    /// <exception cref="ArgumentException">An input is missing, or a name is not a graph input.</exception>
    /// <exception cref="InvalidOperationException">A node failed on these inputs (e.g. mismatched shapes).</exception>
    public Dictionary<string, Tensor> Forward(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var slots = ArrayPool<Tensor?>.Shared.Rent(_graph.SlotCount);
        try
        {
            for (int i = 0; i < _inputNames.Length; i++)
            {
                if (!inputs.TryGetValue(_inputNames[i], out var value) || value is null)
                    throw new ArgumentException(
                        $"Could not find input '{_inputNames[i]}'. The graph's inputs are: {string.Join(", ", _inputNames)}.", nameof(inputs));
                slots[_inputSlots[i]] = value;
            }
            if (inputs.Count > _inputNames.Length)
                RejectUnknownInputs(inputs);

            using var scope = NewDisposeScope();
            Run(slots);
            var outputs = _graph.OutputSlots;
            var result = new Dictionary<string, Tensor>(outputs.Length, StringComparer.Ordinal);
            for (int i = 0; i < outputs.Length; i++)
                result[_graph.OutputNames[i]] = TakeOutput(slots, i);
            return result;
        }
        finally
        {
            ArrayPool<Tensor?>.Shared.Return(slots, clearArray: true);
        }
    }

    /// <summary>Runs a graph with one input and one output; the caller owns the result.</summary>
    /// <exception cref="InvalidOperationException">The graph does not have exactly one input and one output, or a node failed.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_inputSlots.Length != 1 || _graph.OutputSlots.Length != 1)
            throw new InvalidOperationException(
                $"forward(Tensor) needs a graph with one input and one output; this one has inputs [{string.Join(", ", _inputNames)}] " +
                $"and outputs [{string.Join(", ", _graph.OutputNames)}]. Use Forward(IReadOnlyDictionary<string, Tensor>).");
        var slots = ArrayPool<Tensor?>.Shared.Rent(_graph.SlotCount);
        try
        {
            slots[_inputSlots[0]] = input;
            using var scope = NewDisposeScope();
            Run(slots);
            return TakeOutput(slots, 0);
        }
        finally
        {
            ArrayPool<Tensor?>.Shared.Return(slots, clearArray: true);
        }
    }

    /// <summary>
    /// Holds a pruning mask for initializer <paramref name="initializerName"/>: 1 keeps a weight, 0 prunes it.
    /// The mask is copied (to the parameter's device and type) and kept as a buffer, replacing any earlier one.
    /// The forward pass uses <c>weight · mask</c> from now on; call <see cref="ApplyMasks"/> to zero the pruned
    /// weights themselves.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown initializer, a shape that differs from the weight's, or values other than 0 and 1.</exception>
    public void SetMask(string initializerName, Tensor mask)
    {
        int i = IndexOf(initializerName);
        ArgumentNullException.ThrowIfNull(mask);
        var parameter = _trainables[i];
        if (!ShapeEquals(mask.shape, parameter.shape))
            throw new ArgumentException(
                $"The mask for '{initializerName}' has shape [{string.Join(", ", mask.shape)}]; the initializer has shape [{string.Join(", ", parameter.shape)}].",
                nameof(mask));
        Tensor keep;
        using (NewDisposeScope())
        using (no_grad())
        {
            keep = mask.detach().to(parameter.dtype, parameter.device).clone();
            if (keep.ne(0).logical_and(keep.ne(1)).any().item<bool>())
                throw new ArgumentException($"The mask for '{initializerName}' must hold only 0 and 1.", nameof(mask));
            keep.DetachFromDisposeScope();
        }
        ClearMask(initializerName);
        _masks[i] = keep;
        register_buffer(_maskComponents[i], keep);
    }

    /// <summary>
    /// BatchNormalization runs in inference mode even when the module trains: it normalizes with the running statistics and
    /// does not update them (Dropout and the rest still follow <c>train()</c>/<c>eval()</c>). Default false.
    /// </summary>
    public bool FreezeNormalizationStatistics { get; set; }

    /// <summary>Removes the mask of <paramref name="initializerName"/>, if any; its weights train freely again.</summary>
    public void ClearMask(string initializerName)
    {
        int i = IndexOf(initializerName);
        if (_masks[i] is null) return;
        ConditionallyRegisterBuffer(_maskComponents[i], null);
        _masks[i]!.Dispose();
        _masks[i] = null;
    }

    /// <summary>Whether <paramref name="initializerName"/> has a mask.</summary>
    public bool HasMask(string initializerName) => _masks[IndexOf(initializerName)] is not null;

    /// <summary>
    /// Sets every pruned weight to exactly +0, in place and without recording gradients. Call after each optimizer
    /// step: momentum and weight decay would otherwise move pruned weights away from zero. (A weight that is
    /// already NaN or infinite stays so; training has diverged then.)
    /// </summary>
    public void ApplyMasks()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _trainables.Length; i++)
        {
            if (_masks[i] is not { } mask) continue;
            // w·mask, then +0 turns the −0 of pruned negative weights into +0. Both are vectorized in-place ops,
            // ~30× faster than masked_fill_ with a boolean mask. In-place ops return the tensor itself: no Dispose.
            // A Scalar made here belongs to the caller's dispose scope (a cached static one would be disposed by the
            // first scope that created it), and is kept alive past the native call (TorchSharp does not).
            // (add_(Scalar) would make an implicit alpha Scalar of its own, so alpha is explicit too.)
            var zero = 0f.ToScalar();
            var one = 1f.ToScalar();
            _trainables[i].mul_(mask).add_(zero, one);
            GC.KeepAlive(zero);
            GC.KeepAlive(one);
        }
    }

    /// <summary>
    /// Writes every parameter's current values (masked entries as exactly 0) and every state tensor's (running
    /// statistics, see <see cref="StateNames"/>) into the initializer of the same name in <paramref name="target"/>,
    /// keeping each initializer's name, dims, storage field and other content. Nothing is written unless every
    /// parameter and state tensor has a matching FLOAT initializer of the same shape.
    /// </summary>
    /// <exception cref="InvalidOperationException">An initializer is missing from <paramref name="target"/>, or has another type or shape.</exception>
    public void WriteBack(OnnxModel target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var byName = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var initializer in target.Graph.Initializer) byName.TryAdd(initializer.Name, initializer);

        var destinations = new TensorProto[_trainables.Length];
        for (int i = 0; i < _trainables.Length; i++)
            destinations[i] = Destination(byName, _parameterNames[i], _trainables[i].shape, "trained parameter");
        var stateDestinations = new TensorProto[_state.Length];
        for (int i = 0; i < _state.Length; i++)
            stateDestinations[i] = Destination(byName, _stateNames[i], _state[i].shape, "state tensor");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _trainables.Length; i++)
        {
            var values = _trainables[i].detach();
            if (_masks[i] is { } mask) values = values.masked_fill(mask.eq(0), 0); // exact +0 even for non-finite weights
            values = values.to(ScalarType.Float32, CPU).contiguous();
            OnnxTensor.SetFloats(destinations[i], TensorValues.ToArray<float>(values));
        }
        for (int i = 0; i < _state.Length; i++)
            OnnxTensor.SetFloats(stateDestinations[i], TensorValues.ToArray<float>(_state[i].detach().to(ScalarType.Float32, CPU)));
    }

    private static TensorProto Destination(Dictionary<string, TensorProto> byName, string name, long[] shape, string what)
    {
        if (!byName.TryGetValue(name, out var destination))
            throw new InvalidOperationException($"The target model has no initializer '{name}' to write the trained values into.");
        if (destination.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidOperationException(
                $"Initializer '{name}' of the target model has element type {OnnxElementType.Name(destination.DataType)}; FLOAT was expected.");
        if (!ShapeEquals(OnnxTensor.Shape(destination), shape))
            throw new InvalidOperationException(
                $"Initializer '{name}' of the target model has shape [{string.Join(", ", destination.Dims)}]; the {what} has shape [{string.Join(", ", shape)}].");
        return destination;
    }

    /// <inheritdoc />
    public override void train(bool train = true)
    {
        base.train(train);
        _training = train;
    }

    /// <summary>Moving or converting the module replaces parameters and buffers; the cached arrays follow.</summary>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        for (int i = 0; i < _trainables.Length; i++)
        {
            _trainables[i] = get_parameter(_parameterComponents[i])!;
            if (_masks[i] is not null) _masks[i] = get_buffer(_maskComponents[i]);
        }
        for (int i = 0; i < _state.Length; i++)
            _state[i] = get_buffer(_stateComponents[i])!;
        for (int i = 0; i < _constants.Length; i++)
            _constants[i] = get_buffer(_constantComponents[i])!;
    }

    private void Run(Tensor?[] slots)
    {
        var parameters = _trainables;
        var masks = _masks;
        for (int i = 0; i < parameters.Length; i++)
            slots[_parameterSlots[i]] = masks[i] is { } mask ? parameters[i].mul(mask) : parameters[i];
        for (int i = 0; i < _state.Length; i++)
            slots[_stateSlots[i]] = _state[i];
        for (int i = 0; i < _constants.Length; i++)
            slots[_constantSlots[i]] = _constants[i];

        bool training = _training;
        bool frozen = FreezeNormalizationStatistics;
        var steps = _graph.Steps;
        for (int k = 0; k < steps.Length; k++)
        {
            var step = steps[k];
            try
            {
                step.Kernel(slots, training && !(frozen && step.IsNormalization));
            }
            catch (Exception ex) when (ex is ExternalException or ArgumentException)
            {
                throw new InvalidOperationException($"{step.Label} failed: {ex.Message}", ex);
            }
            foreach (int slot in step.Release)
            {
                slots[slot]!.Dispose();
                slots[slot] = null;
            }
        }
    }

    /// <summary>Graph output <paramref name="i"/>, owned by the caller's scope: a node's result is handed over, anything else aliased.</summary>
    private Tensor TakeOutput(Tensor?[] slots, int i)
    {
        var value = slots[_graph.OutputSlots[i]]!;
        return (_outputNeedsAlias[i] ? value.alias() : value).MoveToOuterDisposeScope();
    }

    private static bool[] OutputsNeedingAlias(CompiledGraph graph)
    {
        var notFresh = new HashSet<int>();
        foreach (var input in graph.Inputs) notFresh.Add(input.Slot);
        foreach (var parameter in graph.Parameters) notFresh.Add(parameter.Slot);
        foreach (var state in graph.State) notFresh.Add(state.Slot);
        foreach (var constant in graph.Constants) notFresh.Add(constant.Slot);
        var result = new bool[graph.OutputSlots.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = !notFresh.Add(graph.OutputSlots[i]); // also true for an output listed twice
        return result;
    }

    private void RejectUnknownInputs(IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var key in inputs.Keys)
        {
            if (_inputNameSet.Contains(key)) continue;
            throw new ArgumentException(
                _parameterIndex.ContainsKey(key) || _stateIndex.ContainsKey(key)
                    ? $"'{key}' is an initializer ({(_stateIndex.ContainsKey(key) ? "module state" : "a trained parameter")}) and cannot be fed as an input."
                    : $"'{key}' is not an input of the graph. The graph's inputs are: {string.Join(", ", _inputNames)}.",
                nameof(inputs));
        }
    }

    private int IndexOf(string initializerName)
    {
        ArgumentNullException.ThrowIfNull(initializerName);
        if (_parameterIndex.TryGetValue(initializerName, out int i)) return i;
        const int shown = 10;
        var known = new StringBuilder();
        for (int k = 0; k < Math.Min(shown, _parameterNames.Length); k++) known.Append(k == 0 ? "" : ", ").Append(_parameterNames[k]);
        if (_parameterNames.Length > shown) known.Append(", …");
        throw new ArgumentException(
            $"'{initializerName}' is not a FLOAT initializer of the graph. Parameters: {(known.Length == 0 ? "(none)" : known)}.",
            nameof(initializerName));
    }

    private static bool ShapeEquals(ReadOnlySpan<long> a, ReadOnlySpan<long> b) => a.SequenceEqual(b);

    /// <summary>Module component names: TorchSharp forbids '.', so names are sanitized and made unique.</summary>
    private sealed class ComponentNames
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string Reserve(string name)
        {
            var builder = new StringBuilder(name.Length);
            foreach (char ch in name) builder.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' ? ch : '_');
            string baseName = builder.Length == 0 ? "value" : builder.ToString();
            string candidate = baseName;
            for (int k = 2; !_used.Add(candidate); k++) candidate = $"{baseName}_{k}";
            return candidate;
        }
    }
}
