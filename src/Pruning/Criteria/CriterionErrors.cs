using System;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>The errors criteria share.</summary>
internal static class CriterionErrors
{
    public static InvalidOperationException Missing(string criterion, string what, string layer) =>
        new($"Criterion '{criterion}' needs {what} for layer '{layer}', and none were computed.");
}
