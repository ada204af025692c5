using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Tenant.Tokens;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>Issuing Entra-shaped access tokens and refusing every token this tenant did not issue for Graph.</summary>
public sealed class JwtAccessTokenTests : IAsyncLifetime
{
    private TokenWorld _world = null!;

    public async Task InitializeAsync() => _world = await TokenWorld.CreateAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private TokenAuthority Authority => _world.Authority;

    private async Task<string> IssueAsync(params string[] roles)
    {
        var app = await Authority.Applications.RegisterAsync("Provisioning", roles);
        return Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;
    }

    private string Forge(object payload, object? header = null) =>
        Jwt.SignRs256(Authority.Keys.Current.PrivateKey!, header ?? new { typ = "JWT", alg = "RS256", kid = Authority.Keys.Current.Kid }, payload);

    private void AssertRejected(string token, string reason)
    {
        var (caller, problem) = Authority.Validator.Validate(token);
        Assert.Null(caller);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task issued_token_validates_to_its_application_tenant_and_roles()
    {
        var app = await Authority.Applications.RegisterAsync("Provisioning", ["User.Read.All", "Group.Read.All"]);
        var token = Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;

        var caller = await Authority.Validator.ValidateAsync(token, CancellationToken.None);

        Assert.NotNull(caller);
        Assert.Equal(app.AppId, caller.AppId);
        Assert.Equal(_world.TenantId, caller.TenantId);
        Assert.Equal(["Group.Read.All", "User.Read.All"], caller.Roles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task token_carries_the_claims_of_an_entra_v1_graph_token()
    {
        var app = await Authority.Applications.RegisterAsync("Provisioning", ["Directory.Read.All"]);
        var token = Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;

        var header = Jwt.Header(token);
        Assert.Equal("JWT", header.GetProperty("typ").GetString());
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal(Authority.Keys.Current.Kid, header.GetProperty("kid").GetString());
        var claims = Jwt.Payload(token);
        var tenant = _world.TenantId;
        Assert.Equal("https://graph.microsoft.com", claims.GetProperty("aud").GetString());
        Assert.Equal($"https://sts.windows.net/{tenant}/", claims.GetProperty("iss").GetString());
        Assert.Equal($"https://sts.windows.net/{tenant}/", claims.GetProperty("idp").GetString());
        Assert.Equal(tenant, claims.GetProperty("tid").GetString());
        Assert.Equal(app.AppId, claims.GetProperty("appid").GetString());
        Assert.Equal("1", claims.GetProperty("appidacr").GetString());
        Assert.Equal(app.AppId, claims.GetProperty("oid").GetString());
        Assert.Equal(app.AppId, claims.GetProperty("sub").GetString());
        Assert.Equal("1.0", claims.GetProperty("ver").GetString());
        Assert.Equal(["Directory.Read.All"], claims.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var iat = claims.GetProperty("iat").GetInt64();
        Assert.Equal(TokenWorld.Start.ToUnixTimeSeconds(), iat);
        Assert.Equal(iat, claims.GetProperty("nbf").GetInt64());
        Assert.Equal(iat + 3600, claims.GetProperty("exp").GetInt64());
        Assert.Matches("^[A-Za-z0-9_-]{22}$", claims.GetProperty("uti").GetString());
        Assert.StartsWith("0.", claims.GetProperty("rh").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task oid_and_sub_name_the_service_principal_when_the_app_has_one()
    {
        var principal = Guid.NewGuid().ToString();
        var app = await Authority.Applications.RegisterAsync("Provisioning", ["User.Read.All"], servicePrincipalId: principal);

        var token = Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;

        Assert.Equal(principal, Jwt.Payload(token).GetProperty("oid").GetString());
        Assert.Equal(principal, Jwt.Payload(token).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task token_with_a_changed_payload_is_rejected_as_forged()
    {
        var token = await IssueAsync("User.Read.All");
        var parts = token.Split('.');
        var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64Url.DecodeFromChars(parts[1]))!;
        claims["roles"] = JsonSerializer.SerializeToElement(new[] { "Directory.ReadWrite.All" });
        var forged = parts[0] + "." + Jwt.Part(claims) + "." + parts[2];

        AssertRejected(forged, "signature");
    }

    [Fact]
    public async Task token_with_a_flipped_signature_bit_is_rejected()
    {
        var token = await IssueAsync("User.Read.All");
        var parts = token.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 1;

        AssertRejected(parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature), "signature");
    }

    [Fact]
    public void unsigned_token_with_alg_none_is_rejected()
    {
        var claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        var token = Jwt.Part(new { typ = "JWT", alg = "none" }) + "." + Jwt.Part(claims) + ".";

        AssertRejected(token, "RS256");
    }

    [Fact]
    public void hs256_token_keyed_with_the_public_key_is_rejected()
    {
        // The classic algorithm confusion: a validator that takes "alg" from the token would check this HMAC with the
        // public key it has, which the attacker also has.
        var claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        var input = Jwt.Part(new { typ = "JWT", alg = "HS256", kid = Authority.Keys.Current.Kid }) + "." + Jwt.Part(claims);
        foreach (var secret in new[]
                 {
                     Encoding.ASCII.GetBytes(Authority.Keys.Current.Rsa.ExportSubjectPublicKeyInfoPem()),
                     Authority.Keys.Current.Rsa.ExportSubjectPublicKeyInfo(),
                     Authority.Keys.Current.Certificate.RawData,
                 })
        {
            var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input));
            AssertRejected(input + "." + Base64Url.EncodeToString(mac), "RS256");
        }
    }

    [Fact]
    public void token_signed_by_a_key_not_of_this_tenant_is_rejected()
    {
        using var stranger = RSA.Create(2048);
        var claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);

        AssertRejected(Jwt.SignRs256(stranger, new { typ = "JWT", alg = "RS256", kid = Authority.Keys.Current.Kid }, claims), "signature");
        AssertRejected(Jwt.SignRs256(stranger, new { typ = "JWT", alg = "RS256", kid = "attacker-key" }, claims), "key of this tenant");
        // A key embedded in the header is never trusted.
        var jwk = new { kty = "RSA", n = Base64Url.EncodeToString(stranger.ExportParameters(false).Modulus), e = "AQAB" };
        AssertRejected(Jwt.SignRs256(stranger, new { typ = "JWT", alg = "RS256", jwk }, claims), "key of this tenant");
    }

    [Fact]
    public async Task token_of_another_tenant_is_rejected()
    {
        await using var other = await TokenWorld.CreateAsync();
        var app = await other.Authority.Applications.RegisterAsync("Elsewhere", ["User.Read.All"]);
        var theirs = other.Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;

        AssertRejected(theirs, "key of this tenant");
        // Signed with our key but naming another tenant: a token can never move between tenants.
        var otherTenant = other.TenantId;
        AssertRejected(Forge(Jwt.Claims(otherTenant, TokenWorld.Start)), "issuer");
        var mixed = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        mixed["tid"] = otherTenant;
        AssertRejected(Forge(mixed), "another tenant");
    }

    [Fact]
    public void token_for_another_audience_is_rejected_and_graph_app_id_is_accepted()
    {
        var claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        claims["aud"] = "https://management.azure.com";
        AssertRejected(Forge(claims), "Microsoft Graph");
        claims["aud"] = "api://provisioning";
        AssertRejected(Forge(claims), "Microsoft Graph");
        claims.Remove("aud");
        AssertRejected(Forge(claims), "Microsoft Graph");

        claims["aud"] = "00000003-0000-0000-c000-000000000000";
        Assert.NotNull(Authority.Validator.Validate(Forge(claims)).Caller);
        claims["aud"] = "https://graph.microsoft.com/";
        Assert.NotNull(Authority.Validator.Validate(Forge(claims)).Caller);
    }

    [Fact]
    public async Task expired_token_is_rejected_once_the_clock_skew_has_passed()
    {
        var token = await IssueAsync("User.Read.All");

        _world.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(4));
        Assert.NotNull(Authority.Validator.Validate(token).Caller);
        _world.Clock.Advance(TimeSpan.FromMinutes(1));
        AssertRejected(token, "expired");
    }

    [Fact]
    public void token_not_valid_yet_is_rejected_beyond_the_clock_skew()
    {
        var early = Jwt.Claims(_world.TenantId, TokenWorld.Start + TimeSpan.FromMinutes(6));
        AssertRejected(Forge(early), "not valid yet");

        var slightlyEarly = Jwt.Claims(_world.TenantId, TokenWorld.Start + TimeSpan.FromMinutes(4));
        Assert.NotNull(Authority.Validator.Validate(Forge(slightlyEarly)).Caller);
    }

    [Fact]
    public void token_without_expiry_or_application_is_rejected()
    {
        var claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        claims.Remove("exp");
        AssertRejected(Forge(claims), "expiry");

        claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        claims["exp"] = "tomorrow";
        AssertRejected(Forge(claims), "expiry");

        claims = Jwt.Claims(_world.TenantId, TokenWorld.Start);
        claims.Remove("appid");
        AssertRejected(Forge(claims), "application");
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("...")]
    [InlineData("e30.e30.")]
    [InlineData("W10.W10.AAAA")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOjF9.!!!")]
    [InlineData("eyJhbGciOiJSUzI1NiIsImtpZCI6eyJhIjoxfX0.e30.AAAA")]
    public void malformed_tokens_are_rejected_without_throwing(string token)
    {
        var (caller, problem) = Authority.Validator.Validate(token);

        Assert.Null(caller);
        Assert.NotNull(problem);
    }

    [Fact]
    public void oversized_token_is_rejected()
    {
        AssertRejected(new string('a', 20_000) + ".b.c", "too long");
    }

    [Fact]
    public async Task tokens_are_issued_and_validated_concurrently()
    {
        var app = await Authority.Applications.RegisterAsync("Provisioning", ["User.Read.All"]);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() =>
        {
            var token = Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;
            return Authority.Validator.Validate(token).Caller?.AppId;
        })));

        Assert.All(results, appId => Assert.Equal(app.AppId, appId));
    }
}
