namespace IdentityBridge.Storage.Schema;

/// <summary>One column of a table, as a row of ServiceNow's <c>sys_dictionary</c> describes it.</summary>
public sealed record ColumnDefinition
{
    public required string Name { get; init; }
    public required ColumnType Type { get; init; }
    public string? Label { get; init; }
    /// <summary>For references: the table referred to.</summary>
    public string? ReferenceTable { get; init; }
    public int MaxLength { get; init; } = 255;
    public bool Mandatory { get; init; }
    /// <summary>Set by the system only (the sys_ audit columns, calculated columns); client writes are ignored.</summary>
    public bool ReadOnly { get; init; }
    public string? DefaultValue { get; init; }
    public IReadOnlyList<string> Choices { get; init; } = [];
    /// <summary>A value computed from the other values of the row on every write (sys_user.name).</summary>
    public Func<IReadOnlyDictionary<string, string?>, string?>? Calculation { get; init; }
    /// <summary>Added at run time through sys_dictionary (a <c>u_</c> column).</summary>
    public bool Custom { get; init; }

    public string DisplayLabel => Label ?? Name;

    public static ColumnDefinition String(string name, string? label = null, int maxLength = 255) =>
        new() { Name = name, Type = ColumnType.String, Label = label, MaxLength = maxLength };

    public static ColumnDefinition Boolean(string name, string? label = null, bool defaultValue = false) =>
        new() { Name = name, Type = ColumnType.Boolean, Label = label, DefaultValue = defaultValue ? "true" : "false" };

    public static ColumnDefinition Integer(string name, string? label = null, long? defaultValue = null) =>
        new() { Name = name, Type = ColumnType.Integer, Label = label, DefaultValue = defaultValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public static ColumnDefinition DateTime(string name, string? label = null) =>
        new() { Name = name, Type = ColumnType.GlideDateTime, Label = label };

    public static ColumnDefinition Reference(string name, string table, string? label = null) =>
        new() { Name = name, Type = ColumnType.Reference, ReferenceTable = table, Label = label, MaxLength = 32 };

    public static ColumnDefinition Choice(string name, IReadOnlyList<string> choices, string? label = null, string? defaultValue = null) =>
        new() { Name = name, Type = ColumnType.Choice, Choices = choices, Label = label, DefaultValue = defaultValue, MaxLength = 40 };

    public static ColumnDefinition Password(string name, string? label = null) =>
        new() { Name = name, Type = ColumnType.Password, Label = label };
}
