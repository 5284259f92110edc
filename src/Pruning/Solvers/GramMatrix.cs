using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// The Gram matrix G = XᵀX of a layer's calibration inputs X (rows × n), dense, symmetric, row-major in doubles,
/// optionally with a damping term δ·I on its diagonal. One instance is shared by every output row of the layer.
/// </summary>
/// <remarks>
/// Rows and columns are the same because G is symmetric, so <see cref="Column(int)"/> is a contiguous row:
/// the coordinate-descent update <c>q += Δ·G[:, j]</c> is one vectorized axpy. A damped matrix G + δ·I is the
/// Gram matrix of X stacked on √δ·I, so everything the solver proves for a Gram matrix (duality gap, safe
/// screening) holds for the damped one too.
/// </remarks>
internal sealed class GramMatrix
{
    private readonly double[] _values;
    private readonly int[] _zeroColumns;
    private readonly double[]? _columnSums;

    private GramMatrix(double[] values, int size, double damping, int? calibrationRows, int[] zeroColumns, double[]? columnSums = null)
    {
        _values = values;
        Size = size;
        Damping = damping;
        CalibrationRows = calibrationRows;
        _zeroColumns = zeroColumns;
        _columnSums = columnSums;
    }

    /// <summary>
    /// Σ_rows x_j per input (1ᵀX), when the calibration kept them: with them, a layer with a bias can be reconstructed with
    /// a free intercept (<see cref="Centered"/>).
    /// </summary>
    public IReadOnlyList<double>? ColumnSums => _columnSums;

    /// <summary>n, the number of inputs (columns of X, rows and columns of G).</summary>
    public int Size { get; }

    /// <summary>δ, the value added to every diagonal entry (0 when undamped).</summary>
    public double Damping { get; }

    /// <summary>How many calibration rows X had, when known.</summary>
    public int? CalibrationRows { get; }

    /// <summary>
    /// True when X had fewer rows than columns: XᵀX is then singular, the Lasso still has a solution for λ &gt; 0
    /// but least-squares refits need damping.
    /// </summary>
    public bool IsRankDeficient => CalibrationRows is int rows && rows < Size;

    /// <summary>
    /// Inputs whose column of X is all zero (G[j, j] = 0 before damping): they do not change the layer's output on
    /// the calibration data, so the solver sets their weights to 0.
    /// </summary>
    public IReadOnlyList<int> ZeroColumns => _zeroColumns;

    /// <summary>G[i, j].</summary>
    public double this[int i, int j] => _values[(i * Size) + j];

    /// <summary>Column (= row) j of G.</summary>
    public ReadOnlySpan<double> Column(int j) => _values.AsSpan(j * Size, Size);

    /// <summary>G[j, j].</summary>
    public double Diagonal(int j) => _values[(j * Size) + j];

    /// <summary>
    /// G = XᵀX from calibration rows X given row-major (rows × columns), accumulated in doubles.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Sizes that do not match.</exception>
    /// <exception cref="InvalidDataException">A NaN or infinite value in X.</exception>
    public static GramMatrix FromCalibrationRows(float[] x, int rows, int columns, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if ((long)rows * columns != x.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"X has {x.Length} values, expected rows × columns = {rows} × {columns}.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                throw new InvalidDataException($"Calibration input X has a {x[i]} value at row {i / columns}, column {i % columns}.");
            }
        }

        // Transposed to doubles once, so each entry of G is one dot product of two contiguous columns of X.
        var columnsOfX = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < columns; j++)
            {
                columnsOfX[((long)j * rows) + r] = x[((long)r * columns) + j];
            }
        }

        var values = new double[(long)columns * columns];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, columns, options, i =>
        {
            ReadOnlySpan<double> xi = columnsOfX.AsSpan(i * rows, rows);
            for (int j = i; j < columns; j++)
            {
                double dot = TensorPrimitives.Dot(xi, columnsOfX.AsSpan(j * rows, rows));
                values[(i * columns) + j] = dot;
                values[(j * columns) + i] = dot;
            }
        });
        var sums = new double[columns];
        for (int j = 0; j < columns; j++)
        {
            sums[j] = TensorPrimitives.Sum<double>(columnsOfX.AsSpan(j * rows, rows));
        }

        return new GramMatrix(values, columns, 0, rows, FindZeroColumns(values, columns), sums);
    }

    /// <summary>
    /// Wraps a Gram matrix computed elsewhere (n × n row-major; the array is taken, not copied).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not n × n.</exception>
    /// <exception cref="InvalidDataException">NaN/Inf, a negative diagonal, an asymmetric matrix, or a zero diagonal
    /// whose row is not zero (none of which a Gram matrix can have).</exception>
    public static GramMatrix FromValues(double[] values, int size, int? calibrationRows = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if ((long)size * size != values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(values), $"The Gram matrix has {values.Length} values; a square {size} × {size} matrix has {(long)size * size}.");
        }

        double largestDiagonal = 0;
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                double v = values[(i * size) + j];
                if (!double.IsFinite(v))
                {
                    throw new InvalidDataException($"The Gram matrix G has a {v} value at [{i}, {j}].");
                }
            }

            double d = values[(i * size) + i];
            if (d < 0)
            {
                throw new InvalidDataException($"The Gram matrix G has a negative diagonal G[{i}, {i}] = {d}; XᵀX has none.");
            }

            largestDiagonal = Math.Max(largestDiagonal, d);
        }

        double symmetryTolerance = 1e-9 * Math.Max(largestDiagonal, double.Epsilon);
        for (int i = 0; i < size; i++)
        {
            for (int j = i + 1; j < size; j++)
            {
                if (Math.Abs(values[(i * size) + j] - values[(j * size) + i]) > symmetryTolerance)
                {
                    throw new InvalidDataException($"The Gram matrix G is not symmetric: G[{i}, {j}] = {values[(i * size) + j]} but G[{j}, {i}] = {values[(j * size) + i]}.");
                }
            }
        }

        return new GramMatrix(values, size, 0, calibrationRows, FindZeroColumns(values, size));
    }

    /// <summary>
    /// G + δ·I as a new matrix (this one is unchanged). The damping adds to any damping already applied.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">δ negative, NaN or infinite.</exception>
    public GramMatrix WithDamping(double damping)
    {
        if (!(damping >= 0) || double.IsInfinity(damping))
        {
            throw new ArgumentOutOfRangeException(nameof(damping), damping, "Damping must be a finite value ≥ 0.");
        }

        var values = (double[])_values.Clone();
        for (int j = 0; j < Size; j++)
        {
            values[(j * Size) + j] += damping;
        }

        return new GramMatrix(values, Size, Damping + damping, CalibrationRows, _zeroColumns, _columnSums);
    }

    /// <summary>The same G with the column sums 1ᵀX of its calibration rows (the values are shared, not copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not one sum per input, or a NaN/infinite sum.</exception>
    public GramMatrix WithColumnSums(double[] columnSums)
    {
        ArgumentNullException.ThrowIfNull(columnSums);
        if (columnSums.Length != Size)
        {
            throw new ArgumentOutOfRangeException(nameof(columnSums), $"{columnSums.Length} column sums for a {Size} × {Size} Gram matrix.");
        }

        foreach (double sum in columnSums)
        {
            if (!double.IsFinite(sum))
            {
                throw new ArgumentOutOfRangeException(nameof(columnSums), sum, "A column sum is not finite.");
            }
        }

        return new GramMatrix(_values, Size, Damping, CalibrationRows, _zeroColumns, (double[])columnSums.Clone());
    }

    /// <summary>
    /// The Gram matrix of the centred inputs, Gc = XᵀX − s·sᵀ/r (s = 1ᵀX, r = calibration rows), undamped: the problem of a
    /// layer whose bias is free. min_Ŵ,b̂ ‖XWᵀ + 1bᵀ − XŴᵀ − 1b̂ᵀ‖² equals min_Ŵ ½(W − Ŵ)Gc(W − Ŵ)ᵀ summed over rows, with
    /// b̂ = b + (W − Ŵ)·s/r. Inputs that are constant on the calibration data get an exact zero row and column.
    /// </summary>
    /// <exception cref="InvalidOperationException">No column sums or no row count, or a damped matrix.</exception>
    public GramMatrix Centered()
    {
        if (_columnSums is null || CalibrationRows is not int rows || rows < 1)
        {
            throw new InvalidOperationException("Centring G needs the column sums and the number of calibration rows.");
        }

        if (Damping != 0)
        {
            throw new InvalidOperationException("Centre G before damping it.");
        }

        int n = Size;
        var values = new double[(long)n * n];
        var variance = new double[n];
        for (int j = 0; j < n; j++)
        {
            double centred = this[j, j] - (_columnSums[j] * _columnSums[j] / rows);

            // Rounding of a constant column's XᵀX − s²/r leaves noise of about 1e-15 of G_jj; anything that small is constant.
            variance[j] = centred > 1e-12 * this[j, j] ? centred : 0;
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                values[((long)i * n) + j] = variance[i] == 0 || variance[j] == 0
                    ? 0
                    : i == j ? variance[i] : this[i, j] - (_columnSums[i] * _columnSums[j] / rows);
            }
        }

        // Symmetric by construction except for rounding in the product order: average the two halves.
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double mean = 0.5 * (values[((long)i * n) + j] + values[((long)j * n) + i]);
                values[((long)i * n) + j] = mean;
                values[((long)j * n) + i] = mean;
            }
        }

        return new GramMatrix(values, n, 0, rows, FindZeroColumns(values, n), new double[n]);
    }

    /// <summary>The mean of G's diagonal before damping: the scale relative damping is measured against.</summary>
    public double MeanUndampedDiagonal()
    {
        double sum = 0;
        for (int j = 0; j < Size; j++)
        {
            sum += Diagonal(j);
        }

        return (sum / Size) - Damping;
    }

    /// <summary>result = G·v.</summary>
    public void Multiply(ReadOnlySpan<double> v, Span<double> result)
    {
        if (v.Length != Size || result.Length != Size)
        {
            throw new ArgumentOutOfRangeException(nameof(v), $"G is {Size} × {Size}; the vector has {v.Length} values and the result {result.Length}.");
        }

        for (int i = 0; i < Size; i++)
        {
            result[i] = TensorPrimitives.Dot(Column(i), v);
        }
    }

    /// <summary>vᵀ·G·v.</summary>
    public double QuadraticForm(ReadOnlySpan<double> v)
    {
        double sum = 0;
        for (int i = 0; i < Size; i++)
        {
            if (v[i] != 0)
            {
                sum += v[i] * TensorPrimitives.Dot(Column(i), v);
            }
        }

        return sum;
    }

    private static int[] FindZeroColumns(double[] values, int size)
    {
        var zero = new List<int>();
        for (int j = 0; j < size; j++)
        {
            if (values[(j * size) + j] != 0)
            {
                continue;
            }

            // For a positive semi-definite matrix a zero diagonal forces a zero row; anything else is not XᵀX.
            ReadOnlySpan<double> row = values.AsSpan(j * size, size);
            if (TensorPrimitives.MaxMagnitude(row) != 0)
            {
                throw new InvalidDataException($"The Gram matrix G has G[{j}, {j}] = 0 but a non-zero entry in row {j}; XᵀX has none.");
            }

            zero.Add(j);
        }

        return zero.ToArray();
    }
}
