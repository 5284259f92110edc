using System;
using System.Globalization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// Gradual pruning schedule of Zhu &amp; Gupta (2017, "To prune, or not to prune"): sparsity rises from an
/// initial to a final value along a polynomial ramp, fast at first and slowly at the end, while training
/// recovers between pruning steps.
/// </summary>
/// <remarks>
/// <para>
/// s(t) = s_f + (s_i − s_f)·(1 − (t − t₀)/(t_end − t₀))^e, with t clamped to [t₀, t_end]: before the ramp the
/// sparsity is s_i, after it s_f. <see cref="SparsityAt"/> is the continuous ramp; masks are updated only on the
/// steps where <see cref="IsPruningStep"/> is true: every <c>frequency</c> steps from t₀, and always at t_end so
/// that the final sparsity is reached even when t_end − t₀ is not a multiple of the frequency.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var schedule = new PolynomialSparsitySchedule(initialSparsity: 0, finalSparsity: 0.9, startStep: 0, endStep: 10_000, frequency: 100);
/// for (long step = 0; step &lt; totalSteps; step++)
/// {
///     if (schedule.IsPruningStep(step))
///         masks = MaskSelector.SelectByMagnitude(layers, schedule.SparsityAt(step));
///     // ... train one step with masks applied ...
/// }
/// </code>
/// </example>
public sealed class PolynomialSparsitySchedule
{
    /// <summary>Creates a schedule.</summary>
    /// <param name="initialSparsity">Sparsity at <paramref name="startStep"/>, in [0, 1).</param>
    /// <param name="finalSparsity">Sparsity at <paramref name="endStep"/> and after, in [<paramref name="initialSparsity"/>, 1).</param>
    /// <param name="startStep">First pruning step (t₀), ≥ 0.</param>
    /// <param name="endStep">Step at which <paramref name="finalSparsity"/> is reached, &gt; <paramref name="startStep"/>.</param>
    /// <param name="frequency">Steps between pruning steps (Δt), ≥ 1.</param>
    /// <param name="exponent">Exponent of the ramp, finite and &gt; 0; 3 in the paper, 1 is linear.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range; the exception names it.</exception>
    public PolynomialSparsitySchedule(double initialSparsity, double finalSparsity, long startStep, long endStep, long frequency, double exponent = 3)
    {
        MaskSelectionOptions.ValidateSparsity(initialSparsity, nameof(initialSparsity));
        MaskSelectionOptions.ValidateSparsity(finalSparsity, nameof(finalSparsity));
        if (finalSparsity < initialSparsity)
            throw OutOfRange(nameof(finalSparsity), finalSparsity, $"must be at least {nameof(initialSparsity)} ({Format(initialSparsity)})");
        if (startStep < 0)
            throw OutOfRange(nameof(startStep), startStep, "must be non-negative");
        if (endStep <= startStep)
            throw OutOfRange(nameof(endStep), endStep, $"must be greater than {nameof(startStep)} ({startStep})");
        if (frequency < 1)
            throw OutOfRange(nameof(frequency), frequency, "must be at least 1");
        if (!(double.IsFinite(exponent) && exponent > 0))
            throw OutOfRange(nameof(exponent), exponent, "must be finite and greater than 0");

        InitialSparsity = initialSparsity;
        FinalSparsity = finalSparsity;
        StartStep = startStep;
        EndStep = endStep;
        Frequency = frequency;
        Exponent = exponent;
    }

    /// <summary>Sparsity at <see cref="StartStep"/> (s_i).</summary>
    public double InitialSparsity { get; }

    /// <summary>Sparsity at <see cref="EndStep"/> and after (s_f).</summary>
    public double FinalSparsity { get; }

    /// <summary>First pruning step (t₀).</summary>
    public long StartStep { get; }

    /// <summary>Step at which <see cref="FinalSparsity"/> is reached.</summary>
    public long EndStep { get; }

    /// <summary>Steps between pruning steps (Δt).</summary>
    public long Frequency { get; }

    /// <summary>Exponent of the ramp.</summary>
    public double Exponent { get; }

    /// <summary>Target sparsity at <paramref name="step"/>: <see cref="InitialSparsity"/> up to the start, the ramp, then <see cref="FinalSparsity"/>.</summary>
    public double SparsityAt(long step)
    {
        if (step <= StartStep)
            return InitialSparsity;
        if (step >= EndStep)
            return FinalSparsity;
        double remaining = 1.0 - (double)(step - StartStep) / (EndStep - StartStep);
        double sparsity = FinalSparsity + (InitialSparsity - FinalSparsity) * Math.Pow(remaining, Exponent);
        return Math.Clamp(sparsity, InitialSparsity, FinalSparsity);
    }

    /// <summary>Whether masks should be recomputed at <paramref name="step"/>: t₀, t₀ + Δt, t₀ + 2Δt, … up to and including <see cref="EndStep"/>.</summary>
    public bool IsPruningStep(long step) =>
        step >= StartStep && step <= EndStep && ((step - StartStep) % Frequency == 0 || step == EndStep);

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static ArgumentOutOfRangeException OutOfRange(string name, object value, string rule) =>
        new(name, value, $"{name} {rule}; got {(value is double d ? Format(d) : Convert.ToString(value, CultureInfo.InvariantCulture))}.");
}
