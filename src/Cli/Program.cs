namespace Microsoft.ML.Pruning.Cli;

/// <summary>The <c>ml-prune</c> executable: the console's streams handed to <see cref="MlPruneCli.Run(string[])"/>.</summary>
internal static class Program
{
    private static int Main(string[] args) => MlPruneCli.Run(args);
}
