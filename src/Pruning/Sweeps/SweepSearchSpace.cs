using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Turns a trial's parameter values into complete <see cref="PruningOptions"/>: the base options serialized to a JSON object
/// (<see cref="SweepJson.Options"/>, <c>"$method"</c> first), <see cref="SweepParameter.Method"/> applied first (the estimator's
/// options type replaced, shared properties kept, the others dropped), then each option path set from its text, then
/// <see cref="SweepParameter.FineTuneEpochs"/> (0: no fine-tuning) and <see cref="SweepParameter.LayerAllocation"/> (needs the final
/// sparsity), and the result deserialized and validated. <see cref="ValidateEveryValue"/> applies every value of every parameter
/// before the sweep starts, so an invalid one fails naming the parameter and the value.
/// </summary>
internal sealed class SweepSearchSpace
{
    private static readonly string[] Discriminators = ["magnitude", "coordinate-descent", "lasso", "admm"];
    private const string DiscriminatorProperty = "$method";

    private readonly SweepOptions _options;
    private readonly JsonObject _base;
    private readonly string _modelPath;

    /// <param name="options">The sweep's options (parameters checked for shape by <see cref="SweepOptionsValidator"/>).</param>
    /// <param name="modelPath">The model path every trial's options carry (the base options' or the sweep folder's copy).</param>
    public SweepSearchSpace(SweepOptions options, string modelPath)
    {
        _options = options;
        _modelPath = modelPath;
        _base = ToJson(options.BaseOptions!);
        Dimensions = [.. options.Parameters.Select(p => new SearchDimension(p))];
    }

    /// <summary>The model path every trial's options carry.</summary>
    public string ModelPath => _modelPath;

    /// <summary>The parameters, in the order of <see cref="SweepOptions.Parameters"/>.</summary>
    public IReadOnlyList<SearchDimension> Dimensions { get; }

    /// <summary>
    /// The complete options of a trial: <paramref name="values"/> (by parameter name) applied to the base options, the model path
    /// and <paramref name="seed"/> set, validated.
    /// </summary>
    /// <exception cref="ArgumentException">A value cannot apply; the message names the parameter and the value.</exception>
    public PruningOptions Apply(IReadOnlyDictionary<string, string> values, int seed)
    {
        var options = Build(values, out _);
        options.Seed = seed;
        Check(options, values, culprit: null);
        return options;
    }

    /// <summary>
    /// Applies each value of each parameter (the choices, or a range's grid points) to the base options, with each method of a
    /// <see cref="SweepParameter.Method"/> parameter, and validates the result; the first failure throws naming the parameter and value.
    /// </summary>
    public void ValidateEveryValue()
    {
        var method = Dimensions.FirstOrDefault(d => d.Name == SweepParameter.Method);
        IReadOnlyList<string?> methods = method is null ? new string?[] { null } : [.. method.Choices];
        // Sensitivity-guided allocation depends on the sparsity: it is checked at each sparsity value too.
        var sparsity = Dimensions.FirstOrDefault(d => d.Name == SweepParameter.Sparsity);
        // The methods first: a bad method is then blamed on Method, not on the parameter validated with it.
        foreach (var dimension in Dimensions.OrderBy(d => d.Name == SweepParameter.Method ? 0 : 1))
        {
            IReadOnlyList<string?> sparsities = dimension.Name == SweepParameter.LayerAllocation && sparsity is not null ? [.. ValuesToCheck(sparsity)] : [null];
            foreach (string value in ValuesToCheck(dimension))
            foreach (string? s in sparsities)
            {
                bool appliedSomewhere = false;
                foreach (string? m in methods)
                {
                    var values = new Dictionary<string, string>(StringComparer.Ordinal) { [dimension.Name] = value };
                    if (m is not null) values[SweepParameter.Method] = m;
                    if (s is not null) values[SweepParameter.Sparsity] = s;
                    if (dimension.Name == SweepParameter.Method && m != value) continue;
                    PruningOptions options;
                    try { options = Build(values, out var skipped, culprit: dimension.Name); if (skipped.Contains(dimension.Name)) continue; }
                    catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
                    {
                        throw Named(dimension.Name, value, e);
                    }
                    options.Seed = _options.Seed;
                    Check(options, values, dimension.Name);
                    appliedSomewhere = true;
                }
                if (!appliedSomewhere)
                    throw new ArgumentException(
                        $"{nameof(SweepOptions)}.{nameof(SweepOptions.Parameters)}: '{dimension.Name}' is not an option of {(method is null ? "the base options" : "any method of the search space")} " +
                        $"(option paths are the C# property names, dotted: Sparsity, Granularity, FineTune.Epochs, Structured.RoundTo).", nameof(SweepOptions.Parameters));
            }
        }
    }

    /// <summary>
    /// The values <see cref="ValidateEveryValue"/> applies: the choices, or the range's grid points and, for a continuous range, one
    /// value between them that is not a whole number (so a continuous range over a whole-number option fails here, not in a trial).
    /// </summary>
    private IEnumerable<string> ValuesToCheck(SearchDimension dimension)
    {
        if (dimension.IsCategorical) return dimension.Choices;
        var grid = dimension.GridValues(Math.Max(2, _options.GridPointsPerRange));
        if (dimension.IsInteger || dimension.Minimum == dimension.Maximum) return grid;
        double inside = dimension.FromSearchSpace(dimension.SearchMinimum + 0.381966 * (dimension.SearchMaximum - dimension.SearchMinimum));
        return [.. grid, dimension.Format(inside)];
    }

    /// <summary>Validates complete options, turning the option's message into one that names the parameter and the value.</summary>
    private static void Check(PruningOptions options, IReadOnlyDictionary<string, string> values, string? culprit)
    {
        string Values() => culprit is null ? string.Join(", ", values.Select(kv => $"{kv.Key} = {kv.Value}"))
            : $"'{culprit}' = '{values[culprit]}'" + (culprit != SweepParameter.Method && values.TryGetValue(SweepParameter.Method, out string? m) ? $" (with {SweepParameter.Method} '{m}')" : "");
        try
        {
            options.Validate();
            if (options is PruneOptions prune && !PruningCriteria.Names.Contains(prune.Criterion, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentOutOfRangeException(nameof(PruneOptions.Criterion), prune.Criterion,
                    $"Unknown criterion '{prune.Criterion}'. Known: {string.Join(", ", PruningCriteria.Names)}; methods: {string.Join(", ", Discriminators)}.");
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentOutOfRangeException(e.ParamName, e.ActualValue, $"{nameof(SweepOptions)}.{nameof(SweepOptions.Parameters)} {Values()}: {OwnMessage(e)}");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{nameof(SweepOptions)}.{nameof(SweepOptions.Parameters)} {Values()}: {OwnMessage(e)}", e.ParamName, e);
        }
    }

    /// <summary>The exception's message without the " (Parameter 'x')" and "Actual value was" lines .NET appends (the new exception adds them again).</summary>
    private static string OwnMessage(ArgumentException e)
    {
        string message = e.Message;
        int at = e.ParamName is null ? -1 : message.IndexOf($" (Parameter '{e.ParamName}')", StringComparison.Ordinal);
        return at >= 0 ? message[..at] : message;
    }

    private static ArgumentException Named(string parameter, string value, Exception e) =>
        new($"{nameof(SweepOptions)}.{nameof(SweepOptions.Parameters)} '{parameter}' = '{value}': {e.Message}", nameof(SweepOptions.Parameters), e);

    /// <summary>
    /// The options of <paramref name="values"/>, unvalidated. <paramref name="skipped"/> lists parameters whose option path the
    /// trial's method does not have (a method-specific option in a sweep over methods). Failures name <paramref name="culprit"/>
    /// when given, else the parameter being applied.
    /// </summary>
    private PruningOptions Build(IReadOnlyDictionary<string, string> values, out List<string> skipped, string? culprit = null)
    {
        skipped = [];
        var json = (JsonObject)_base.DeepClone();
        if (values.TryGetValue(SweepParameter.Method, out string? method)) json = WithMethod(json, method);
        foreach (var (name, value) in values)
        {
            if (name is SweepParameter.Method or SweepParameter.FineTuneEpochs or SweepParameter.LayerAllocation) continue;
            try
            {
                if (!SetPath(json, name, value)) skipped.Add(name);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw Named(culprit ?? name, values[culprit ?? name], e);
            }
        }
        if (values.TryGetValue(SweepParameter.FineTuneEpochs, out string? epochs)) SetFineTuneEpochs(json, epochs);
        json.Remove(nameof(PruningOptions.ModelPath));
        json = Reordered(json, json[DiscriminatorProperty]!.GetValue<string>());
        json[nameof(PruningOptions.ModelPath)] = _modelPath;
        PruningOptions options;
        try
        {
            options = JsonSerializer.Deserialize<PruningOptions>(json, SweepJson.Options) ?? throw new JsonException("null options");
        }
        catch (JsonException e)
        {
            string who = culprit ?? values.Keys.FirstOrDefault() ?? nameof(SweepOptions.BaseOptions);
            throw Named(who, values.TryGetValue(who, out var v) ? v : "", e);
        }
        options.Model = null;
        // Held-out rows of the base options are not serialized; an in-process trial keeps them.
        UnserializedOptions.Restore(options, _options.BaseOptions!);
        if (values.TryGetValue(SweepParameter.LayerAllocation, out string? allocation)) ApplyLayerAllocation(options, allocation);
        return options;
    }

    /// <summary>The base options as a JSON object, <c>"$method"</c> first.</summary>
    internal static JsonObject ToJson(PruningOptions options) =>
        JsonSerializer.SerializeToNode(options, typeof(PruningOptions), SweepJson.Options)!.AsObject();

    /// <summary>
    /// <paramref name="json"/> as the options of <paramref name="method"/>: one of the estimators' discriminators, or a criterion
    /// name for <see cref="PruneOptions"/>. Shared properties are kept, the others dropped, the new type's own take their defaults.
    /// </summary>
    private static JsonObject WithMethod(JsonObject json, string method)
    {
        string? discriminator = Discriminators.FirstOrDefault(d => string.Equals(d, method, StringComparison.OrdinalIgnoreCase));
        PruningOptions template = discriminator switch
        {
            "magnitude" => new MagnitudePruningOptions(),
            "coordinate-descent" => new CoordinateDescentPruningOptions(),
            "lasso" => new LassoPruningOptions(),
            "admm" => new AdmmPruningOptions(),
            _ => new PruneOptions(),
        };
        var target = ToJson(template);
        var merged = new JsonObject();
        foreach (var (name, defaultValue) in target)
            merged[name] = name != DiscriminatorProperty && json.TryGetPropertyValue(name, out var kept) ? kept?.DeepClone() : defaultValue?.DeepClone();
        if (discriminator is null) merged[nameof(PruneOptions.Criterion)] = method;
        return merged;
    }

    /// <summary>A copy of <paramref name="json"/> with the discriminator first (System.Text.Json reads it only there).</summary>
    private static JsonObject Reordered(JsonObject json, string discriminator)
    {
        var result = new JsonObject { [DiscriminatorProperty] = discriminator };
        foreach (var (name, value) in json)
            if (name != DiscriminatorProperty) result[name] = value?.DeepClone();
        return result;
    }

    /// <summary>
    /// Sets the dotted <paramref name="path"/> to <paramref name="text"/>, typed like the value it replaces (number, true/false,
    /// string or enum name). False when the options have no such property (the trial's method lacks it).
    /// </summary>
    /// <exception cref="InvalidOperationException">A part of the path is null or not an object.</exception>
    /// <exception cref="FormatException">The text is not of the option's type.</exception>
    private static bool SetPath(JsonObject root, string path, string text)
    {
        string[] parts = path.Split('.');
        JsonObject node = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (!node.TryGetPropertyValue(parts[i], out var child)) return false;
            if (child is not JsonObject next)
                throw new InvalidOperationException(child is null
                    ? $"'{string.Join('.', parts[..(i + 1)])}' is null in the base options; set it there for the sweep to vary '{path}'."
                    : $"'{string.Join('.', parts[..(i + 1)])}' is not an object of options.");
            node = next;
        }
        string last = parts[^1];
        if (!node.TryGetPropertyValue(last, out var existing)) return false;
        node[last] = Typed(existing, text);
        return true;
    }

    /// <summary>The JSON value of <paramref name="text"/> for a property whose current value is <paramref name="existing"/>.</summary>
    private static JsonNode? Typed(JsonNode? existing, string text)
    {
        switch (existing?.GetValueKind())
        {
            case JsonValueKind.Number:
                if (!SearchDimension.TryParse(text, out double number)) throw new FormatException($"'{text}' is not a number.");
                return Number(number);
            case JsonValueKind.True or JsonValueKind.False:
                if (!bool.TryParse(text, out bool flag)) throw new FormatException($"'{text}' is not true or false.");
                return JsonValue.Create(flag);
            case JsonValueKind.String:
                return JsonValue.Create(text);
            case JsonValueKind.Object or JsonValueKind.Array:
                throw new InvalidOperationException("the option is an object or a list, not a single value; vary one of its members by a dotted path.");
            default: // null: the text decides
                if (text == "null") return null;
                if (bool.TryParse(text, out bool b)) return JsonValue.Create(b);
                if (SearchDimension.TryParse(text, out double n)) return Number(n);
                return JsonValue.Create(text);
        }
    }

    private static JsonNode Number(double value) =>
        value == Math.Round(value) && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);

    /// <summary><see cref="SweepParameter.FineTuneEpochs"/>: 0 removes fine-tuning; more needs the base options' FineTune.</summary>
    private static void SetFineTuneEpochs(JsonObject json, string text)
    {
        const string where = $"{nameof(SweepOptions)}.{nameof(SweepOptions.Parameters)} '{SweepParameter.FineTuneEpochs}'";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epochs) || epochs < 0)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), text, $"{where} = '{text}': epochs must be a whole number, 0 or more.");
        if (epochs == 0)
        {
            json[nameof(PruningOptions.FineTune)] = null;
            return;
        }
        if (json[nameof(PruningOptions.FineTune)] is not JsonObject fineTune)
            throw new ArgumentException(
                $"{where} = '{text}' needs {nameof(SweepOptions.BaseOptions)}.{nameof(PruningOptions.FineTune)} (the fine-tuning settings other than epochs); it is null.",
                nameof(SweepOptions.Parameters));
        fineTune[nameof(FineTuneOptions.Epochs)] = epochs;
    }

    /// <summary><see cref="SweepParameter.LayerAllocation"/>: uniform leaves the options; sensitivity sets per-layer sparsities and scope Layer.</summary>
    private void ApplyLayerAllocation(PruningOptions options, string allocation)
    {
        const string where = $"{nameof(SweepOptions)}.{nameof(SweepOptions.Parameters)} '{SweepParameter.LayerAllocation}'";
        if (string.Equals(allocation, "uniform", StringComparison.OrdinalIgnoreCase)) return;
        if (!string.Equals(allocation, "sensitivity", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), allocation, $"{where} = '{allocation}': the values are uniform and sensitivity.");
        if (_options.Sensitivity is null)
            throw new ArgumentException($"{where} = '{allocation}' needs {nameof(SweepOptions)}.{nameof(SweepOptions.Sensitivity)} (a sensitivity analysis' result); it is null.",
                nameof(SweepOptions.Sensitivity));
        IReadOnlyDictionary<string, double> layers;
        try { layers = _options.Sensitivity.SuggestLayerSparsity(options.Sparsity); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), options.Sparsity, $"{where} = '{allocation}' at sparsity {options.Sparsity:R}: {e.Message}");
        }
        options.LayerSparsity = new Dictionary<string, double>(layers, StringComparer.Ordinal);
        options.Scope = PruningScope.Layer;
    }
}
