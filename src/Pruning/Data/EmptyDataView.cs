using System;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// A data view with a schema and no rows: what ML.NET's ONNX scorer is fitted on, so a transformer keeps the
/// schema of the training data without keeping the data.
/// </summary>
internal sealed class EmptyDataView : IDataView
{
    public EmptyDataView(DataViewSchema schema) => Schema = schema ?? throw new ArgumentNullException(nameof(schema));

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(System.Collections.Generic.IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(System.Collections.Generic.IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(Schema)];

    private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
    {
        private bool _moved;

        public override DataViewSchema Schema { get; } = schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext()
        {
            _moved = true;
            return false;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            (ref TValue value) => throw new InvalidOperationException($"The empty data view has no rows{(_moved ? "" : " (MoveNext was not called)")}.");

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => throw new InvalidOperationException("The empty data view has no rows.");
    }
}
