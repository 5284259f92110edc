namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// The members of pruning options that JSON leaves out (held-out IDataViews of fine-tuning and of Lasso/ADMM training), put back
/// on a copy that went through JSON: the one place the sweep, its re-fit and the sensitivity analysis restore them, so a trial and
/// its re-fit train on the same rows. Runners out of this process get no held-out rows (an IDataView does not travel).
/// </summary>
internal static class UnserializedOptions
{
    /// <summary>Copies <paramref name="from"/>'s held-out rows into <paramref name="target"/>'s settings of the same kind, where both have them.</summary>
    public static void Restore(PruningOptions target, PruningOptions from)
    {
        if (target.FineTune is { } fineTune) fineTune.ValidationData = from.FineTune?.ValidationData;
        if (target is ISparsityTrainingOptions sparse && from is ISparsityTrainingOptions fromSparse)
            sparse.Training.ValidationData = fromSparse.Training.ValidationData;
    }
}
