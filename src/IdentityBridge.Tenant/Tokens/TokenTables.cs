using IdentityBridge.Storage.Schema;
using static IdentityBridge.Storage.Schema.ColumnDefinition;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// The tables of the token service: app registrations with their granted application permissions, their client
/// secrets (hashed) and the tenant's token-signing keys. Keys live in the store, not in a file, so that every node of
/// a tenant on PostgreSQL signs and validates with the same keys.
/// </summary>
public static class TokenTables
{
    public const string Application = "graph_application";
    public const string ClientSecret = "graph_client_secret";
    public const string SigningKey = "graph_signing_key";

    public static IReadOnlyList<TableDefinition> All { get; } =
    [
        // sys_id is the appId without dashes, so a lookup by client_id is a primary-key read.
        new(Application, "App registration", "display_name",
        [
            String("app_id", "Application (client) ID", 36),
            String("display_name", "Display name", 256),
            // Granted application permissions (Graph's app role values), space-separated.
            String("permissions", "Granted application permissions", 8000),
            String("service_principal_id", "Service principal object ID", 36),
        ], [IndexDefinition.UniqueOn("app_id")]),
        new(ClientSecret, "Client secret", "display_name",
        [
            String("key_id", "Secret ID", 36),
            Reference("application", Application, "Application"),
            String("display_name", "Description", 256),
            Password("hash", "Secret value"),
            String("hint", "Hint", 3),
            DateTime("start_date_time", "Start"),
            DateTime("end_date_time", "Expires"),
        ], [IndexDefinition.UniqueOn("key_id"), IndexDefinition.On("application")]),
        new(SigningKey, "Token signing key", "kid",
        [
            String("kid", "Key ID", 64),
            String("certificate", "Certificate (PEM)", 8000),
            String("private_key", "Private key (PKCS#8 PEM)", 8000),
        ], [IndexDefinition.UniqueOn("kid")]),
    ];
}
