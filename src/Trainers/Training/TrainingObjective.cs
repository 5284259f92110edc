using System;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// The loss a training run minimizes on a batch: the task's loss on the labels (cross-entropy on logits or
/// probabilities, binary cross-entropy, squared error), a distillation term towards a teacher's output, or both
/// mixed by the distillation weight. Without labels the distillation term is the loss.
/// </summary>
/// <remarks>Every constant is an explicit <see cref="Scalar"/> held for the whole run (implicit ones can be freed mid-call, see <see cref="GradientOptimizer"/>).</remarks>
internal sealed class TrainingObjective : IDisposable
{
    private const double ProbabilityFloor = 1e-7;
    private const double SumTolerance = 1e-4;
    private readonly TrainingLoss _task;
    private readonly DistillationOptions? _distillation;
    private readonly bool _labelled;
    private readonly Action<string>? _log;
    private readonly Scalar _one, _minusOne, _floor, _ceiling, _inverseTemperature, _temperatureSquared, _weight, _oneMinusWeight;
    private ScoreKind _scoreKind;

    /// <param name="settings">The run's task, score kind and distillation.</param>
    /// <param name="labelled">Whether batches carry labels.</param>
    /// <param name="hasTeacher">Whether a teacher output comes with every batch.</param>
    /// <param name="log">Where to say how an <see cref="ScoreKind.Auto"/> output was taken; may be null.</param>
    /// <exception cref="InvalidOperationException">Neither labels nor a teacher to learn from, or distillation without a teacher.</exception>
    public TrainingObjective(TrainingSettings settings, bool labelled, bool hasTeacher, Action<string>? log)
    {
        _task = settings.Loss;
        _labelled = labelled;
        _log = log;
        _scoreKind = settings.ScoreKind;
        if (settings.Distillation is not null && !hasTeacher)
            throw new InvalidOperationException("Distillation is set, but no teacher model was given to the training run (IMaskedTraining.SetTeacher).");
        if (!labelled && settings.Distillation is null)
            throw new InvalidOperationException("The training rows have no labels and no Distillation is set: there is nothing to train towards.");
        _distillation = hasTeacher ? settings.Distillation : null;
        double temperature = _distillation?.Temperature ?? 1, weight = _distillation?.Weight ?? 0;
        _one = 1.0.ToScalar();
        _minusOne = (-1.0).ToScalar();
        _floor = ProbabilityFloor.ToScalar();
        _ceiling = (1 - ProbabilityFloor).ToScalar();
        _inverseTemperature = (1 / temperature).ToScalar();
        _temperatureSquared = (temperature * temperature).ToScalar();
        _weight = weight.ToScalar();
        _oneMinusWeight = (1 - weight).ToScalar();
    }

    /// <summary>Whether <see cref="Compute"/> reads the teacher's output (not when labels alone carry the whole weight).</summary>
    public bool UsesTeacher => _distillation is { } d && (!_labelled || d.Weight > 0);

    /// <summary>Whether the output's rows are class scores (so accuracy means something).</summary>
    private bool ClassScores => _task is TrainingLoss.CrossEntropy or TrainingLoss.BinaryCrossEntropy;

    /// <summary>The loss of a batch: a scalar tensor in the caller's dispose scope.</summary>
    /// <param name="output">The trained output, batch first.</param>
    /// <param name="labels">Class indices (int64), 0/1 or values; null for unlabelled rows.</param>
    /// <param name="teacher">The teacher's output on the same inputs; null without distillation.</param>
    /// <param name="padding">The batch's padding mask ([batch, sequence], 0 at padded positions), or null: see <see cref="DistillationOptions.PaddingMaskInput"/>.</param>
    public Tensor Compute(Tensor output, Tensor? labels, Tensor? teacher, Tensor? padding = null)
    {
        ResolveScoreKind(output);
        Tensor? task = labels is null ? null : TaskLoss(output, labels);
        Tensor? distill = UsesTeacher ? DistillationLoss(output, teacher ?? throw new ArgumentNullException(nameof(teacher), "Distillation needs the teacher's output."), padding) : null;
        if (task is null) return distill ?? throw new InvalidOperationException("The batch has no labels and no teacher output.");
        if (distill is null) return task;
        return task.mul(_oneMinusWeight).add_(distill, _weight);
    }

    /// <summary>Rows of the batch classified right, or null when the task is not classification or the rows have no labels.</summary>
    public long? CountCorrect(Tensor output, Tensor? labels)
    {
        if (labels is null || !ClassScores) return null;
        using var scope = NewDisposeScope();
        Tensor predicted;
        if (_task == TrainingLoss.CrossEntropy)
            predicted = output.reshape(output.shape[0], -1).argmax(1);
        else
        {
            Scalar threshold = (_scoreKind == ScoreKind.Probabilities ? 0.5 : 0.0).ToScalar();
            predicted = output.reshape(-1).gt(threshold).to(labels.dtype);
            GC.KeepAlive(threshold);
        }
        return predicted.eq(labels).sum().item<long>();
    }

    /// <summary>The task's loss on a batch; the output is flattened to one value per row for binary/regression.</summary>
    private Tensor TaskLoss(Tensor output, Tensor labels)
    {
        bool probabilities = _scoreKind == ScoreKind.Probabilities;
        return _task switch
        {
            TrainingLoss.CrossEntropy when probabilities => nn.functional.nll_loss(ClampedProbabilities(output.reshape(output.shape[0], -1)).log(), labels),
            TrainingLoss.CrossEntropy => nn.functional.cross_entropy(output.reshape(output.shape[0], -1), labels),
            TrainingLoss.BinaryCrossEntropy when probabilities => nn.functional.binary_cross_entropy(ClampedProbabilities(output.reshape(-1)), labels),
            TrainingLoss.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output.reshape(-1), labels),
            TrainingLoss.MeanSquaredError => nn.functional.mse_loss(output.reshape(-1), labels),
            _ => throw new ArgumentOutOfRangeException(nameof(TrainingSettings.Loss), _task, "Unknown loss."),
        };
    }

    /// <summary>
    /// Class scores: T²·KL(teacher ‖ student) of the tempered distributions (softmax, or Bernoulli for one binary logit),
    /// mean over rows. Other outputs: the embedding loss.
    /// </summary>
    private Tensor DistillationLoss(Tensor student, Tensor teacher, Tensor? padding)
    {
        var d = _distillation!;
        switch (_task)
        {
            case TrainingLoss.CrossEntropy:
            {
                var s = Logits(student.reshape(student.shape[0], -1)).mul(_inverseTemperature).log_softmax(1);
                var t = Logits(teacher.reshape(teacher.shape[0], -1)).mul(_inverseTemperature).log_softmax(1);
                return t.exp().mul(t.add(s, _minusOne)).sum(1).mean().mul(_temperatureSquared);
            }
            case TrainingLoss.BinaryCrossEntropy:
            {
                var s = BinaryLogits(student.reshape(-1)).mul(_inverseTemperature);
                var t = BinaryLogits(teacher.reshape(-1)).mul(_inverseTemperature);
                var positive = t.sigmoid();
                var onPositive = positive.mul(nn.functional.logsigmoid(t).add(nn.functional.logsigmoid(s), _minusOne));
                var onNegative = t.neg().sigmoid().mul(nn.functional.logsigmoid(t.neg()).add(nn.functional.logsigmoid(s.neg()), _minusOne));
                return onPositive.add(onNegative, _one).mean().mul(_temperatureSquared);
            }
            default:
                bool masked = padding is not null && student.dim() >= 3 && padding.dim() == 2
                    && student.shape[0] == padding.shape[0] && student.shape[1] == padding.shape[1];
                if (d.EmbeddingLoss == EmbeddingLoss.MeanSquaredError)
                {
                    if (!masked) return nn.functional.mse_loss(student, teacher);
                    var squared = student.sub(teacher).square();
                    return MeanOverPositions(squared.reshape(squared.shape[0], squared.shape[1], -1).mean([2L]), padding!);
                }
                var distance = nn.functional.cosine_similarity(Vectors(student), Vectors(teacher), -1).neg().add_(_one, _one);
                return masked && distance.dim() == 2 ? MeanOverPositions(distance, padding!) : distance.mean();
        }
    }

    /// <summary>The mean of a [batch, sequence] loss over the positions where <paramref name="padding"/> is non-zero.</summary>
    private Tensor MeanOverPositions(Tensor perPosition, Tensor padding)
    {
        var keep = padding.ne(0).to(perPosition.dtype);
        return perPosition.mul(keep).sum().div(keep.sum().clamp_min(_one));
    }

    /// <summary>
    /// The vectors the cosine compares: along the last dimension once trailing dimensions of size 1 are dropped, so a
    /// CNN featurizer's [N, 512, 1, 1] compares each row's 512 values and a transformer's [N, S, 384] each token's 384.
    /// </summary>
    private static Tensor Vectors(Tensor output)
    {
        var shape = output.shape;
        int end = shape.Length;
        while (end > 2 && shape[end - 1] == 1) end--;
        if (end < 2 || shape[end - 1] == 1)
            throw new InvalidOperationException(
                $"Distillation's EmbeddingLoss Cosine compares vectors along the output's last dimension, but this output ([{string.Join(", ", shape)}]) " +
                "has one value per vector, whose cosine carries no gradient; use EmbeddingLoss.MeanSquaredError.");
        return end == shape.Length ? output : output.reshape(shape[..end]);
    }

    private Tensor Logits(Tensor scores) => _scoreKind == ScoreKind.Probabilities ? ClampedProbabilities(scores).log() : scores;

    private Tensor BinaryLogits(Tensor scores)
    {
        if (_scoreKind != ScoreKind.Probabilities) return scores;
        var p = ClampedProbabilities(scores);
        return p.log().add(p.neg().add_(_one, _one).log(), _minusOne);
    }

    private Tensor ClampedProbabilities(Tensor p) => p.clamp(_floor, _ceiling);

    /// <summary>
    /// <see cref="ScoreKind.Auto"/>, once, on the first batch: multiclass scores whose rows lie in [0, 1] and sum to 1 are
    /// probabilities; anything else is logits.
    /// </summary>
    private void ResolveScoreKind(Tensor output)
    {
        if (_scoreKind != ScoreKind.Auto) return;
        if (_task != TrainingLoss.CrossEntropy)
        {
            _scoreKind = ScoreKind.Logits;
            return;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = output.detach().reshape(output.shape[0], -1);
        bool inRange = rows.min().item<float>() >= 0 && rows.max().item<float>() <= 1;
        bool sumsToOne = inRange && rows.sum(1).add(_minusOne, _one).abs().max().item<float>() <= SumTolerance;
        _scoreKind = sumsToOne && rows.shape[1] > 1 ? ScoreKind.Probabilities : ScoreKind.Logits;
        _log?.Invoke(_scoreKind == ScoreKind.Probabilities
            ? "The score output's rows lie in [0, 1] and sum to 1: trained as probabilities (cross-entropy on log p). Set ScoreKind to Logits if they are not."
            : "The score output is trained as logits (softmax cross-entropy). Set ScoreKind to Probabilities if it holds probabilities.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _one.Dispose();
        _minusOne.Dispose();
        _floor.Dispose();
        _ceiling.Dispose();
        _inverseTemperature.Dispose();
        _temperatureSquared.Dispose();
        _weight.Dispose();
        _oneMinusWeight.Dispose();
    }
}
