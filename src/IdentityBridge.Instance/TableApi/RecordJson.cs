using System.Text.Json;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.TableApi;

/// <summary>
/// Writes records as the Table API does: every value a string, references as <c>{"link","value"}</c> objects,
/// display values and <c>all</c> as <c>{"display_value","value"}</c> (spec/servicenow.md 1.3).
/// </summary>
internal sealed class RecordJson
{
    private readonly TableRegistry _registry;
    private readonly TableDefinition _table;
    private readonly TableRequest _request;
    private readonly string _baseUrl;
    private readonly List<(string Path, ColumnDefinition Column)> _fields = [];

    public RecordJson(TableRegistry registry, TableDefinition table, TableRequest request, string baseUrl)
    {
        _registry = registry;
        _table = table;
        _request = request;
        _baseUrl = baseUrl;
        if (request.Fields is null)
        {
            foreach (var column in table.Columns) _fields.Add((column.Name, column));
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in request.Fields)
                if (seen.Add(path) && registry.Resolve(table, path) is { } resolved)
                    _fields.Add((path, resolved.Column));
        }
    }

    public void Write(Utf8JsonWriter writer, RecordRow row)
    {
        writer.WriteStartObject();
        foreach (var (path, column) in _fields)
        {
            var value = row.Values.GetValueOrDefault(path) ?? "";
            var isReference = column.Type == ColumnType.Reference && value.Length > 0;
            var display = isReference ? row.DisplayValues.GetValueOrDefault(path) ?? "" : value;
            switch (_request.Display)
            {
                case DisplayMode.Raw when isReference && !_request.ExcludeReferenceLink:
                    writer.WriteStartObject(path);
                    writer.WriteString("link", Link(column, value));
                    writer.WriteString("value", value);
                    writer.WriteEndObject();
                    break;
                case DisplayMode.Raw:
                    writer.WriteString(path, value);
                    break;
                case DisplayMode.Display when isReference && !_request.ExcludeReferenceLink:
                    writer.WriteStartObject(path);
                    writer.WriteString("display_value", display);
                    writer.WriteString("link", Link(column, value));
                    writer.WriteEndObject();
                    break;
                case DisplayMode.Display:
                    writer.WriteString(path, display);
                    break;
                default:
                    writer.WriteStartObject(path);
                    writer.WriteString("display_value", display);
                    writer.WriteString("value", value);
                    if (isReference && !_request.ExcludeReferenceLink) writer.WriteString("link", Link(column, value));
                    writer.WriteEndObject();
                    break;
            }
        }
        writer.WriteEndObject();
    }

    private string Link(ColumnDefinition column, string sysId) => $"{_baseUrl}/api/now/table/{column.ReferenceTable}/{sysId}";

    /// <summary>The fields to read from the store: the requested paths, or every column.</summary>
    public IReadOnlyList<string>? StoreFields => _request.Fields is null ? null : _fields.Select(f => f.Path).ToList();

    public bool NeedsDisplayValues => _request.Display != DisplayMode.Raw;

    public TableDefinition Table => _table;
    public TableRegistry Registry => _registry;
}
