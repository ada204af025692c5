using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage;

/// <summary>
/// One change of a <see cref="Store.WriteBatchAsync"/> batch. The batch is written in one transaction, in order, and
/// either all of it is written or none of it.
/// </summary>
public abstract record BatchWrite(TableDefinition Table)
{
    /// <summary>What the write does, for messages. Internal, so that only the kinds below exist.</summary>
    internal abstract string Kind { get; }

    /// <summary>
    /// Inserts the record with the sys_id that <see cref="Values"/> must hold or, when a record has that sys_id,
    /// updates only the columns given (as <see cref="Store.UpdateAsync"/> does, a write that changes nothing leaves
    /// <c>sys_updated_on</c> and <c>sys_mod_count</c> alone).
    /// </summary>
    public sealed record Upsert(TableDefinition Table, IReadOnlyDictionary<string, string?> Values) : BatchWrite(Table)
    {
        internal override string Kind => "upsert";
    }

    /// <summary>Deletes the record with this sys_id, if there is one.</summary>
    public sealed record Delete(TableDefinition Table, string SysId) : BatchWrite(Table)
    {
        internal override string Kind => "delete";
    }

    /// <summary>Deletes every record that matches; the query must have conditions, and every one of them must be valid.</summary>
    public sealed record DeleteWhere(TableDefinition Table, EncodedQuery Query) : BatchWrite(Table)
    {
        internal override string Kind => "delete where";
    }
}

/// <summary>
/// A write of a batch was refused (an invalid value, a unique key broken, a malformed sys_id or query), so nothing
/// of the batch was written. Batches are built by code, so a refused write is a bug in that code.
/// </summary>
public sealed class BatchWriteException : Exception
{
    internal BatchWriteException(int index, BatchWrite write, WriteError error, Exception? inner = null)
        : base($"Write {index} of the batch ({write.Kind} on {write.Table.Name}) was refused, so nothing of the batch " +
               $"was written: {error.Detail}", inner)
    {
        Index = index;
        Write = write;
        Error = error;
    }

    /// <summary>The position of the refused write in the batch.</summary>
    public int Index { get; }

    public BatchWrite Write { get; }

    public WriteError Error { get; }
}
