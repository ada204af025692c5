using System.Data.Common;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage.Dialects;

/// <summary>
/// What differs between the SQL of SQLite and PostgreSQL. Everything else in the store is generated once, in
/// one place, from table definitions.
/// </summary>
public abstract class SqlDialect
{
    public abstract string Name { get; }

    public static string Quote(string identifier) => "\"" + identifier + "\"";

    public abstract string SqlType(ColumnDefinition column);

    /// <summary>
    /// Strings compare case-insensitively, as on ServiceNow's databases. SQLite declares text columns
    /// <c>COLLATE NOCASE</c>, so a plain comparison already ignores case and uses the index;
    /// PostgreSQL compares <c>lower()</c> of both sides against expression indexes.
    /// </summary>
    public abstract string Fold(string expression);

    /// <summary>The indexed expression for a column (folded for case-insensitive text).</summary>
    public string IndexExpression(ColumnDefinition column) =>
        IsFolded(column) ? Fold(Quote(column.Name)) : Quote(column.Name);

    public static bool IsFolded(ColumnDefinition column) =>
        column.Type is ColumnType.String or ColumnType.Choice;

    public abstract string IsDistinctFrom(string left, string right);

    /// <summary>
    /// True when the values differ in any way, case included: whether a write changes a record is decided on exact
    /// values, as <see cref="Store.UpdateAsync"/> decides it, not under the column's case-insensitive collation.
    /// </summary>
    internal virtual string DiffersExactly(string left, string right) => IsDistinctFrom(left, right);

    /// <summary>True where the database allows one writer at a time, so the store queues writes itself.</summary>
    public abstract bool SingleWriter { get; }

    /// <summary>
    /// True where the store should keep connections open with their statements prepared (SQLite, whose provider
    /// prepares every command anew); false where the provider pools and prepares itself (Npgsql).
    /// </summary>
    public abstract bool KeepsConnections { get; }

    public abstract DbConnection CreateConnection();

    public abstract Task OpenAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract bool IsUniqueViolation(Exception exception);

    public abstract Task<IReadOnlySet<string>> ExistingColumnsAsync(DbConnection connection, string table,
        CancellationToken cancellationToken);

    /// <summary>The order used when the client gives none, so that pages are stable.</summary>
    public abstract string DefaultOrder(string alias);

    public abstract string BeginWrite { get; }

    /// <summary>
    /// The clause that makes a subquery of a conditional update lock the rows it picks, so that a row changed by a
    /// concurrent writer is checked again in its new version. Empty where writers are serialised anyway (SQLite).
    /// </summary>
    internal virtual string LockRowsOf(string alias) => "";

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
