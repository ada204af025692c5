namespace IdentityBridge.Testing.Backends;

/// <summary>The databases a store runs on; store tests run once on each.</summary>
public enum Backend
{
    Sqlite,
    Postgres,
}
