using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// Repeats a training run that failed with a libtorch error. TorchSharp 0.107 frees the <c>Scalar</c>s it creates
/// implicitly (e.g. inside <c>Adam.step</c>) by finalizer and does not keep them alive across the native call, so a
/// garbage collection started by another thread can free one mid-call ("Expected false to be true" from
/// <c>Scalar::toFloat</c>, or "Unknown scalar type"). It is rare here; a benchmark retries rather than losing the
/// whole run, and reports every retry.
/// </summary>
internal static class TorchRetry
{
    private const int Attempts = 3;
    private static readonly List<string> s_retries = [];

    /// <summary>What was retried, for the report.</summary>
    public static IReadOnlyList<string> Retries => s_retries;

    public static T Run<T>(string what, Func<T> body)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return body();
            }
            catch (Exception e) when (attempt < Attempts && NativeError(e) is { } native)
            {
                // libtorch appends "(Could this error message be improved? ...)"; keep the error itself.
                string message = native.Message.Split('\n')[0].Split("  (Could this error")[0].Trim();
                s_retries.Add($"{what}: {message}");
                Format.Progress($"{what} failed in libtorch ({message}); retrying ({attempt}/{Attempts - 1}).");
            }
        }
    }

    /// <summary>A markdown note listing the retries, or nothing.</summary>
    public static string Note() => s_retries.Count == 0
        ? ""
        : Environment.NewLine + $"Retried after a libtorch error (TorchSharp's implicit-Scalar finalizer race; see the notes at the end): {string.Join("; ", s_retries)}" + Environment.NewLine;

    private static ExternalException? NativeError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is ExternalException native) return native;
        return null;
    }
}
