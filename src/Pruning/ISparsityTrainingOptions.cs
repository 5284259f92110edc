namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of a method that learns its sparsity by training on the data's labels before the masks are fixed (<c>Lasso</c>,
/// <c>Admm</c>): the pipeline reads that training's rows, labels, validation rows and teacher the way fine-tuning reads them.
/// </summary>
internal interface ISparsityTrainingOptions
{
    /// <summary>The sparsity-learning training run (rows, label column, optimizer, epochs, distillation).</summary>
    FineTuneOptions Training { get; }

    /// <summary>The method's name in messages ("Lasso", "ADMM").</summary>
    string MethodName { get; }
}
