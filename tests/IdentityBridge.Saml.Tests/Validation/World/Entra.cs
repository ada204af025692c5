namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>
/// The fixed names of the test world: two Entra tenants trusted as two Multi-Provider SSO records, and one
/// ServiceNow instance as the service provider (spec/saml.md 1.3, 1.9).
/// </summary>
public static class Entra
{
    public const string TenantA = "6d3f2c1a-8b4e-4f0a-9c2d-1e5b7a9f3c20";
    public const string TenantB = "b2a9e7d4-3c1f-4e8b-a6d5-9f0c2e4b7a18";
    public const string UnknownTenant = "0c9e8d7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f";

    /// <summary>Entra's issuer: sts.windows.net with the tenant and a trailing slash, compared exactly.</summary>
    public const string IssuerA = $"https://sts.windows.net/{TenantA}/";
    public const string IssuerB = $"https://sts.windows.net/{TenantB}/";
    public const string UnknownIssuer = $"https://sts.windows.net/{UnknownTenant}/";

    public const string RecordA = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    public const string RecordB = "0f9e8d7c6b5a49382716a5b4c3d2e1f0";

    /// <summary>ServiceNow's entity id as the tutorial configures it: the instance URL without a trailing slash.</summary>
    public const string Audience = "https://contoso.service-now.com";
    public const string AssertionConsumerService = "https://contoso.service-now.com/navpage.do";
    public const string OtherConsumerService = "https://contoso.service-now.com/consumer.do";

    /// <summary>The moment every default response is issued; the clock stands 30 seconds later.</summary>
    public static readonly DateTimeOffset IssueInstant = new(2026, 11, 26, 9, 30, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Now = IssueInstant.AddSeconds(30);

    /// <summary>The user the identity provider really authenticated.</summary>
    public const string LegitimateUser = "mallory@contoso.com";
    /// <summary>The identity an attacker holding Mallory's valid response tries to become.</summary>
    public const string EvilUser = "admin@contoso.com";

    public const string TenantIdClaim = "http://schemas.microsoft.com/identity/claims/tenantid";
    public const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";
    public const string DisplayNameClaim = "http://schemas.microsoft.com/identity/claims/displayname";
    public const string IdentityProviderClaim = "http://schemas.microsoft.com/identity/claims/identityprovider";
    public const string AuthnMethodsClaim = "http://schemas.microsoft.com/claims/authnmethodsreferences";
    public const string GivenNameClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
    public const string SurnameClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
    public const string EmailClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    public const string NameClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";

    public const string PasswordMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password";
    public const string MultipleAuthnMethod = "http://schemas.microsoft.com/claims/multipleauthn";

    public const string HolderOfKey = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
}
