using IdentityBridge.Storage.Schema;
using static IdentityBridge.Storage.Schema.ColumnDefinition;

namespace IdentityBridge.Instance.Tables;

/// <summary>
/// The tables of Multi-Provider SSO (spec/servicenow.md 5.1 and 5.2): certificates, identity-provider records, and
/// the state a SAML service provider keeps between requests (sessions, sent requests, consumed assertions).
/// </summary>
/// <remarks>
/// Our own columns, beyond ServiceNow's:
/// <list type="bullet">
/// <item><c>sys_certificate</c>: <c>valid_from</c>, <c>expires</c>, <c>subject</c>, <c>issuer</c>,
/// <c>serial_number</c> (hex), <c>sha1_fingerprint</c> and <c>sha256_fingerprint</c> (hex, upper case, no
/// separators) are derived from <c>pem_certificate</c> on every write; values a client sends for them are ignored.</item>
/// <item><c>saml2_update1_properties</c>: <c>allow_sha1</c> (RSA-SHA1 and SHA-1 digests refused unless set),
/// <c>user_attribute_map</c> (one <c>claim URI=sys_user field</c> per line, for just-in-time users),
/// <c>last_test_result</c> and <c>last_test_on</c> (written by Test Connection only). <c>x509_cert</c> is a
/// comma-separated list of sys_certificate sys_ids, in place of ServiceNow's related list.
/// <c>metadata_refreshed_on</c> is written by the metadata import and refresh only; <c>metadata_xml</c> is accepted
/// on writes (metadata to import) and never stored.</item>
/// <item><c>multisso_request_parameter</c>: <c>takes</c> counts the responses that claimed a request (single use).</item>
/// </list>
/// The storage layer has no table inheritance: every saml2_update1_properties record has a row in sso_properties
/// with the same sys_id and <c>sys_class_name=saml2_update1_properties</c>, kept in step by a business rule.
/// </remarks>
public static class SsoTables
{
    public const string Certificate = "sys_certificate";
    public const string IdentityProvider = "sso_properties";
    public const string Saml = "saml2_update1_properties";
    public const string Session = "sys_user_session";
    public const string Request = "multisso_request_parameter";
    public const string Replay = "saml2_assertion_replay";
    /// <summary>The instance's own SAML signing key (ServiceNow's "SAML 2.0 SP Keystore"); never readable through the API.</summary>
    public const string ServiceProviderKey = "saml2_sp_keystore";

    public const string Sha256RsaUri = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string PasswordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

    /// <summary>
    /// Entra's default claims (spec/servicenow.md 6) mapped onto sys_user. The NameID fills the record's user_field;
    /// these fill the rest of a user created or updated at sign-in.
    /// </summary>
    public const string DefaultAttributeMap =
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname=first_name\n" +
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname=last_name\n" +
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress=email\n" +
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name=user_name";

    /// <summary>The columns sso_properties holds for every kind of identity provider.</summary>
    public static IReadOnlyList<ColumnDefinition> ParentColumns { get; } =
    [
        String("name", "Name", 100),
        Boolean("active", "Active"),
        Boolean("default", "Default"),
        Boolean("is_primary", "Auto Redirect IdP"),
        Boolean("show_as_login_option", "Show as login option", defaultValue: true),
        String("user_field", "User Field", 80) with { DefaultValue = "email" },
        String("sys_class_name", "Class", 80) with { DefaultValue = IdentityProvider },
    ];

    public static IReadOnlyList<TableDefinition> All { get; } =
    [
        new(Certificate, "X.509 Certificate", "name",
        [
            String("name", "Name", 100),
            String("short_description", "Short description", 1000),
            Choice("format", ["pem", "jks", "pkcs12"], "Format", "pem"),
            Choice("type", ["trust_store", "key_store"], "Type", "trust_store"),
            String("pem_certificate", "PEM Certificate", 65_000),
            Boolean("active", "Active", defaultValue: true),
            DateTime("valid_from", "Valid from"),
            DateTime("expires", "Expires"),
            String("subject", "Subject", 1000),
            String("issuer", "Issuer", 1000),
            String("serial_number", "Serial number", 100),
            String("sha1_fingerprint", "SHA-1 fingerprint", 40),
            String("sha256_fingerprint", "SHA-256 fingerprint", 64),
        ],
        [IndexDefinition.On("name")]),

        new(IdentityProvider, "Identity Provider", "name", ParentColumns, [IndexDefinition.On("name")]),

        new(Saml, "SAML2 Update1 Identity Provider", "name",
        [
            .. ParentColumns.Select(c => c.Name == "sys_class_name" ? c with { DefaultValue = Saml } : c),
            String("idp", "Identity Provider URL", 1000),
            String("idp_authnrequest_url", "Identity Provider's AuthnRequest", 1000),
            String("idp_authnrequest_binding", "Protocol binding for AuthnRequest", 200) with { DefaultValue = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" },
            String("idp_logout_url", "Identity Provider's SingleLogoutRequest", 1000),
            String("idp_logout_binding", "Protocol Binding for the IdP's SingleLogoutRequest", 200) with { DefaultValue = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" },
            String("idp_logout_response_binding", "Protocol Binding for the IdP's SingleLogoutResponse", 200),
            String("service_url", "ServiceNow Homepage", 1000),
            String("issuer", "Entity ID / Issuer", 1000),
            String("audience", "Audience URI", 1000),
            String("nameid_policy", "NameID Policy", 200) with { DefaultValue = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" },
            String("external_logout_redirect", "External logout redirect", 1000) with { DefaultValue = "external_logout_complete.do" },
            String("failed_requirement_redirect", "Failed Requirement Redirect", 1000),
            String("signing_key_alias", "Signing Key Alias", 100) with { DefaultValue = "saml2sp" },
            Boolean("encrypt_assertion", "Encrypt Assertion"),
            String("sign_algorithmuri", "Signing Signature Algorithm", 200) with { DefaultValue = Sha256RsaUri },
            Boolean("require_signed_authnrequest", "Sign AuthnRequest"),
            Boolean("require_signed_logoutrequest", "Sign LogoutRequest"),
            Boolean("sign_logout_response", "Sign Logout Response"),
            Boolean("auto_provision", "Auto Provisioning User"),
            Boolean("auto_update_user", "Update User Record Upon Each Login"),
            String("nameid_attribute", "NameID Attribute", 200),
            Boolean("createrequestedauthncontext", "Create AuthnContextClass", defaultValue: true),
            // Misspelt as ServiceNow spells it (spec/servicenow.md 5.2).
            String("authncontextcassref_method", "AuthnContextClassRef Method", 200) with { DefaultValue = PasswordProtectedTransport },
            Boolean("force_authn", "Force AuthnRequest"),
            Boolean("is_passive", "Is Passive AuthnRequest"),
            Integer("clock_skew", "Clock Skew"),
            String("idp_metadata_url", "Metadata URL", 1000),
            DateTime("metadata_refreshed_on", "Metadata refreshed on"),
            String("x509_cert", "X.509 Certificate", 4000),
            Boolean("allow_sha1", "Allow SHA-1 signatures"),
            String("user_attribute_map", "User attribute map", 4000) with { DefaultValue = DefaultAttributeMap },
            Choice("last_test_result", ["passed", "failed"], "Last Test Connection result"),
            DateTime("last_test_on", "Last Test Connection on"),
            String("last_test_log", "Last Test Connection steps", 20_000),
        ],
        // Unique: a response's Issuer selects exactly one record. Empty values (drafts) do not collide.
        [IndexDefinition.UniqueOn("idp"), IndexDefinition.On("name")]),

        // The token itself is never stored: a read of this table yields nothing that signs anyone in.
        new(Session, "User Session", "user",
        [
            String("token_hash", "Token hash", 64),
            Reference("user", InstanceTables.User, "User"),
            DateTime("created", "Created"),
            DateTime("expires", "Expires"),
            DateTime("last_access", "Last access"),
            Reference("idp", IdentityProvider, "Identity Provider"),
            String("name_id", "NameID", 1000),
            String("name_id_format", "NameID format", 255),
            String("session_index", "SessionIndex", 255),
            String("client_ip", "Client IP", 64),
        ],
        [IndexDefinition.UniqueOn("token_hash"), IndexDefinition.On("user"), IndexDefinition.On("idp", "name_id"),
         IndexDefinition.On("expires")]),

        new(Request, "MultiSSO Request Parameter", "request_id",
        [
            String("request_id", "Request ID", 100),
            Reference("idp", IdentityProvider, "Identity Provider"),
            Choice("kind", ["authn", "logout"], "Kind", "authn"),
            String("relay_state", "Relay state", 2000),
            Boolean("test_connection", "Test connection"),
            Boolean("consumed", "Consumed"),
            // How many times a response claimed the request: counted in one statement, so of concurrent claims
            // exactly one sees 1 and takes it.
            Integer("takes", "Takes", 0),
            DateTime("expires", "Expires"),
        ],
        [IndexDefinition.UniqueOn("request_id"), IndexDefinition.On("expires")]),

        new(Replay, "SAML2 Assertion Replay", "key",
        [
            String("key", "Key", 64),
            DateTime("expires", "Expires"),
        ],
        // The key's hash is the row's sys_id: the primary key makes each key single-use, and the row costs one
        // randomly placed index entry instead of two.
        [IndexDefinition.On("expires")]),

        // The private key is encrypted at rest (see ServiceProviderKeys); the table is refused to every API caller.
        new(ServiceProviderKey, "SAML 2.0 SP Keystore", "alias",
        [
            String("alias", "Alias", 100),
            String("certificate_pem", "Certificate", 8000),
            String("private_key", "Private key (encrypted)", 8000),
        ],
        [IndexDefinition.UniqueOn("alias")]),
    ];
}
