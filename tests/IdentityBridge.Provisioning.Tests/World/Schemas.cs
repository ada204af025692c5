using System.Text.Json.Nodes;
using IdentityBridge.Expressions.Schema;

namespace IdentityBridge.Provisioning.Tests.World;

/// <summary>Variations of the shipped ServiceNow schema, as an admin would edit them in the portal.</summary>
public static class Schemas
{
    private static JsonObject Default() => JsonNode.Parse(DefaultSchemas.ServiceNowJson)!.AsObject();

    private static JsonObject UserMapping(JsonObject schema) =>
        schema["synchronizationRules"]![0]!["objectMappings"]!.AsArray().Select(m => m!.AsObject())
            .Single(m => (string?)m["sourceObjectName"] == "User");

    /// <summary>The default schema with one scoping filter of one clause on the user mapping.</summary>
    public static string WithUserScope(string attribute, string op, string value)
    {
        var schema = Default();
        UserMapping(schema)["scope"]!["groups"] = new JsonArray(new JsonObject
        {
            ["clauses"] = new JsonArray(new JsonObject
            {
                ["operatorName"] = op,
                ["sourceOperandName"] = attribute,
                ["targetOperand"] = new JsonObject { ["values"] = new JsonArray(value) },
            }),
        });
        return schema.ToJsonString();
    }

    /// <summary>The default schema with the user mapping's matching moved from user_name to another target attribute.</summary>
    public static string MatchingOn(string targetAttribute)
    {
        var schema = Default();
        foreach (var mapping in UserMapping(schema)["attributeMappings"]!.AsArray().Select(m => m!.AsObject()))
            mapping["matchingPriority"] = (string?)mapping["targetAttributeName"] == targetAttribute ? 1 : 0;
        return schema.ToJsonString();
    }

    /// <summary>The default schema with one user attribute mapping changed by <paramref name="edit"/>.</summary>
    public static string WithUserMapping(string targetAttribute, Action<JsonObject> edit)
    {
        var schema = Default();
        edit(UserMapping(schema)["attributeMappings"]!.AsArray().Select(m => m!.AsObject())
            .Single(m => (string?)m["targetAttributeName"] == targetAttribute));
        return schema.ToJsonString();
    }

    /// <summary>Applies several edits to the default schema's user mappings, by target attribute.</summary>
    public static string WithUserMappings(params (string Target, Action<JsonObject> Edit)[] edits)
    {
        var schema = Default();
        foreach (var (target, edit) in edits)
            edit(UserMapping(schema)["attributeMappings"]!.AsArray().Select(m => m!.AsObject())
                .Single(m => (string?)m["targetAttributeName"] == target));
        return schema.ToJsonString();
    }

    /// <summary>The default schema with the group mapping switched off.</summary>
    public static string UsersOnly()
    {
        var schema = Default();
        foreach (var mapping in schema["synchronizationRules"]![0]!["objectMappings"]!.AsArray().Select(m => m!.AsObject()))
            if ((string?)mapping["sourceObjectName"] == "Group") mapping["enabled"] = false;
        return schema.ToJsonString();
    }
}
