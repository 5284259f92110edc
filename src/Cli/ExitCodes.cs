namespace Microsoft.ML.Pruning.Cli;

/// <summary>What <c>ml-prune</c>'s exit code says failed (also printed by <c>ml-prune --help</c>).</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The command ran but its check failed: <c>verify</c> found a difference above the tolerance, a sweep met no constraint.</summary>
    public const int NotMet = 1;

    /// <summary>Bad arguments or options: a parse error, an unknown method, a value out of range (ArgumentException).</summary>
    public const int BadArguments = 2;

    /// <summary>A bad input file: missing (FileNotFoundException), malformed or not what the model takes (InvalidDataException).</summary>
    public const int BadInput = 3;

    /// <summary>Any other failure while the work ran.</summary>
    public const int RuntimeFailure = 4;

    /// <summary>The exit codes as a help paragraph.</summary>
    public const string Description =
        "Exit codes: 0 ok; 1 verification or constraint not met; 2 bad arguments or options; 3 bad input file (missing, malformed, " +
        "or not what the model takes); 4 runtime failure. Errors go to stderr on one line naming the option or file; with --json, " +
        "stdout carries only the JSON document.";
}
