using System.Linq;

namespace Microsoft.ML.Pruning.Data;

/// <summary>Column lookup on <see cref="SchemaShape"/>, whose own lookup is internal to ML.NET.</summary>
internal static class SchemaShapeExtensions
{
    public static bool TryFind(this SchemaShape shape, string name, out SchemaShape.Column column)
    {
        foreach (var candidate in shape.Reverse()) // later columns hide earlier ones of the same name
        {
            if (candidate.Name == name)
            {
                column = candidate;
                return true;
            }
        }
        column = default;
        return false;
    }
}
