using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.TableApi;

/// <summary>An error as ServiceNow's REST APIs send it: <c>{"error":{"message","detail"},"status":"failure"}</c>.</summary>
public sealed record ApiError(int Status, string Message, string? Detail)
{
    public static ApiError NotFound { get; } =
        new(StatusCodes.Status404NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");

    public static ApiError InvalidTable(string table) => new(StatusCodes.Status400BadRequest, "Invalid table " + table, null);

    public static ApiError AclDenied(string operation) =>
        new(StatusCodes.Status403Forbidden, "Operation Failed", $"ACL Exception {operation} Failed due to security constraints");

    public static ApiError BadRequest(string message, string? detail = null) => new(StatusCodes.Status400BadRequest, message, detail);
}

internal static class ApiResponse
{
    public const string JsonContentType = "application/json;charset=UTF-8";

    // ServiceNow writes text as UTF-8, not as \u escapes; a JSON API body is never read as HTML, so nothing needs
    // escaping beyond what JSON itself requires.
    public static readonly JsonWriterOptions WriterOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.ContentType = JsonContentType;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await using var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        if (error.Detail is null) writer.WriteNull("detail");
        else writer.WriteString("detail", error.Detail);
        writer.WriteEndObject();
        writer.WriteString("status", "failure");
        writer.WriteEndObject();
        await writer.FlushAsync();
    }
}
