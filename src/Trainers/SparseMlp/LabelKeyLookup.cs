using System;
using System.Collections.Generic;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// The classes of a key label as a lookup table for ML.NET's <c>MapValue</c>: row i maps the network's class
/// index i (column <see cref="IndexColumn"/>, UInt32) to key i + 1 of the label's own key type, with the label's
/// KeyValues annotation (column <see cref="KeyColumn"/>). Mapping the predicted index through it gives
/// PredictedLabel the label's key type and values, as ML.NET's trainers do, so <c>MapKeyToValue</c> gives back
/// the user's labels ("cat", 7, 2.5…, whatever their type). ML.NET saves the table with the model.
/// </summary>
internal sealed class LabelKeyLookup : IDataView
{
    public const string IndexColumn = "Index";
    public const string KeyColumn = "Label";
    public const string KeyValuesKind = "KeyValues";

    private readonly int _classes;

    /// <param name="keyType">The label's key type; its count is the number of classes.</param>
    /// <param name="labelAnnotations">The label column's annotations; only KeyValues is kept.</param>
    public LabelKeyLookup(KeyDataViewType keyType, DataViewSchema.Annotations labelAnnotations)
    {
        ArgumentNullException.ThrowIfNull(keyType);
        ArgumentNullException.ThrowIfNull(labelAnnotations);
        if (keyType.Count == 0 || keyType.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "The label's key type must have a known count of classes.");
        _classes = (int)keyType.Count;
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add(labelAnnotations, kind => kind == KeyValuesKind);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(IndexColumn, NumberDataViewType.UInt32);
        schema.AddColumn(KeyColumn, keyType, keyValues.ToAnnotations());
        Schema = schema.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _classes;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private sealed class Cursor(LabelKeyLookup lookup) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => lookup.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext()
        {
            if (_position < lookup._classes)
                _position++;
            return _position < lookup._classes;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (typeof(TValue) != typeof(uint))
                throw new InvalidOperationException($"Column '{column.Name}' holds UInt32 values, not {typeof(TValue).Name}.");
            // Key values are 1-based; 0 is the missing key.
            uint offset = column.Index == Schema[KeyColumn].Index ? 1u : 0u;
            ValueGetter<uint> getter = (ref uint value) => value = checked((uint)_position + offset);
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);
    }
}
