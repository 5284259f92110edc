using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>How ADMM's penalty ρ changes from round to round (<see cref="AdmmSettings.RhoSchedule"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdmmRhoSchedule>))]
public enum AdmmRhoSchedule
{
    /// <summary><see cref="AdmmSettings.Rho"/> in every round.</summary>
    Constant = 0,

    /// <summary>
    /// ρ is multiplied by <see cref="AdmmSettings.RhoFactor"/> after every round, up to <see cref="AdmmSettings.RhoMax"/>: a
    /// growing ρ pulls the weights ever closer to their sparse projection, so the final hard pruning loses little.
    /// </summary>
    Multiply = 1,
}
