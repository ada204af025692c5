using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>A SAML service provider built on a library we did not write, which judges what an identity provider posts.</summary>
public enum IndependentServiceProvider
{
    /// <summary>@node-saml/node-saml (the SAML core of passport-saml): tests/interop/node/sp-node-saml.js.</summary>
    NodeSaml,
    /// <summary>OneLogin's python3-saml in strict mode: tests/interop/python/sp_onelogin.py.</summary>
    OneLogin,
    /// <summary>pysaml2's Saml2Client, trusting the identity provider through its metadata: tests/interop/python/sp_pysaml2.py.</summary>
    PySaml2,
}

/// <summary>
/// Whom a service provider trusts: the identity provider's entity id (the Issuer it accepts) and either its signing
/// certificate or its metadata document. pysaml2 takes metadata only; the others use the metadata when it is given.
/// </summary>
public sealed record IdpTrust
{
    public required string EntityId { get; init; }

    /// <summary>The signing certificate as PEM, when trust is given by certificate.</summary>
    public string? CertificatePem { get; init; }

    /// <summary>The identity provider's metadata XML, when trust is given by metadata (as an admin imports it).</summary>
    public string? MetadataXml { get; init; }

    public static IdpTrust FromCertificate(string entityId, string certificatePem) =>
        new() { EntityId = entityId, CertificatePem = certificatePem };

    public static IdpTrust FromMetadata(string entityId, string metadataXml) =>
        new() { EntityId = entityId, MetadataXml = metadataXml };
}

/// <summary>
/// Who the service provider is and what it expects of a response.
/// </summary>
/// <param name="EntityId">The SP entity id: the Audience the assertion must name.</param>
/// <param name="AcsUrl">The Assertion Consumer Service URL the response is posted to: its Destination and Recipient.</param>
public sealed record SpSettings(string EntityId, string AcsUrl)
{
    /// <summary>The ID of the AuthnRequest the response must answer; null for an unsolicited (IdP-initiated) response.</summary>
    public string? RequestId { get; init; }

    /// <summary>Entra signs the assertion by default, so a service provider wants that unless told otherwise.</summary>
    public bool WantAssertionsSigned { get; init; } = true;

    public bool WantResponseSigned { get; init; }

    /// <summary>
    /// The time the service provider takes as now, for responses issued on a fixed test clock. Only the python
    /// service providers can be told: node-saml reads the system clock, so responses for it must be issued at the
    /// real time (it refuses a "now" more than a minute away from the real clock).
    /// </summary>
    public DateTimeOffset? Now { get; init; }
}

/// <summary>What an independent service provider made of a response: accepted with the sign-in it read, or refused with its reason.</summary>
public sealed record SpVerdict(
    bool Ok,
    string? NameId,
    string? NameIdFormat,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes,
    string? Error)
{
    /// <summary>The single value of a claim, or null when the claim is absent.</summary>
    public string? Claim(string name) => Attributes.TryGetValue(name, out var values) ? values.SingleOrDefault() : null;

    public override string ToString() => Ok
        ? $"accepted: NameID {NameId} ({NameIdFormat}), claims {string.Join("; ", Attributes.Select(a => $"{a.Key}=[{string.Join(", ", a.Value)}]"))}"
        : $"refused: {Error}";
}

/// <summary>A service provider this machine lacks. The tests fail rather than skip: CI installs every one and must run them.</summary>
public sealed class IndependentServiceProviderMissingException(string message) : Exception(message);

/// <summary>
/// Runs the independent service providers of tests/interop on one base64 SAMLResponse each: every run writes the
/// config (and the metadata, when trust is by metadata) to a temporary directory, pipes the response to the script
/// and reads its JSON verdict. A refusal is a verdict; a broken call (the script's exit code 2) or a missing library
/// throws, so a harness problem never passes for a refusal. Installed by .ci/install-saml-peers.
/// </summary>
public static class IndependentServiceProviders
{
    private const string InstallHint = "Run 'bash .ci/install-saml-peers' from the repository root as root (it installs Node.js, xmlsec1, python3-onelogin-saml2, python3-pysaml2 and the npm packages).";

    /// <summary>Debian's python, where apt puts the SAML modules; a python3 earlier on PATH (e.g. pyenv's) lacks them.</summary>
    private const string DebianPython = "/usr/bin/python3";

    /// <summary>Generous: pysaml2 starts xmlsec1 per signature and a cold start takes a second or two.</summary>

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly Lazy<string> RepositoryRoot = new(() => PeerProcess.FindRepositoryRoot(AppContext.BaseDirectory));

    public static Task<SpVerdict> JudgeAsync(IndependentServiceProvider provider, string base64Response, IdpTrust trust, SpSettings sp,
        CancellationToken cancellationToken = default) => provider switch
    {
        IndependentServiceProvider.NodeSaml => NodeSamlAsync(base64Response, trust, sp, cancellationToken),
        IndependentServiceProvider.OneLogin => OneLoginAsync(base64Response, trust, sp, cancellationToken),
        IndependentServiceProvider.PySaml2 => PySaml2Async(base64Response, trust, sp, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    /// <summary>@node-saml/node-saml's validatePostResponseAsync, with the response issued at the real time.</summary>
    public static Task<SpVerdict> NodeSamlAsync(string base64Response, IdpTrust trust, SpSettings sp, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(RepositoryRoot.Value, "tests", "interop", "node");
        if (!File.Exists(Path.Combine(directory, "node_modules", "@node-saml", "node-saml", "package.json")))
            throw new IndependentServiceProviderMissingException($"@node-saml/node-saml is not installed in {directory}/node_modules. {InstallHint}");
        return RunAsync(FindOnPath("node"), Path.Combine(directory, "sp-node-saml.js"), base64Response, trust, sp, cancellationToken);
    }

    /// <summary>python3-saml's OneLogin_Saml2_Response.is_valid in strict mode.</summary>
    public static Task<SpVerdict> OneLoginAsync(string base64Response, IdpTrust trust, SpSettings sp, CancellationToken cancellationToken = default) =>
        RunAsync(RequirePython(), PythonScript("sp_onelogin.py"), base64Response, trust, sp, cancellationToken);

    /// <summary>pysaml2's Saml2Client.parse_authn_request_response over HTTP-POST, trusting the identity provider's metadata.</summary>
    public static Task<SpVerdict> PySaml2Async(string base64Response, IdpTrust trust, SpSettings sp, CancellationToken cancellationToken = default)
    {
        if (trust.MetadataXml is null)
            throw new ArgumentException("pysaml2 trusts an identity provider only through its metadata: give IdpTrust.FromMetadata.", nameof(trust));
        return RunAsync(RequirePython(), PythonScript("sp_pysaml2.py"), base64Response, trust, sp, cancellationToken);
    }

    private static string PythonScript(string name) => Path.Combine(RepositoryRoot.Value, "tests", "interop", "python", name);

    private static string RequirePython() => File.Exists(DebianPython)
        ? DebianPython
        : throw new IndependentServiceProviderMissingException($"{DebianPython} is missing. {InstallHint}");

    private static async Task<SpVerdict> RunAsync(string interpreter, string script, string base64Response, IdpTrust trust, SpSettings sp,
        CancellationToken cancellationToken)
    {
        if (!File.Exists(script))
            throw new IndependentServiceProviderMissingException($"The service provider script {script} is missing from the repository.");
        var directory = Directory.CreateTempSubdirectory("identitybridge-sp-");
        try
        {
            var utf8 = new UTF8Encoding(false);
            string? metadataFile = null;
            if (trust.MetadataXml is not null)
            {
                metadataFile = Path.Combine(directory.FullName, "idp-metadata.xml");
                await File.WriteAllTextAsync(metadataFile, trust.MetadataXml, utf8, cancellationToken);
            }
            var config = new
            {
                idpEntityId = trust.EntityId,
                idpCert = metadataFile is null ? trust.CertificatePem : null,
                idpMetadataFile = metadataFile,
                spEntityId = sp.EntityId,
                acsUrl = sp.AcsUrl,
                requestId = sp.RequestId,
                wantAssertionsSigned = sp.WantAssertionsSigned,
                wantResponseSigned = sp.WantResponseSigned,
                now = sp.Now?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            };
            var configFile = Path.Combine(directory.FullName, "sp.json");
            await File.WriteAllTextAsync(configFile, JsonSerializer.Serialize(config, Json), utf8, cancellationToken);

            // No __pycache__ folders in the repository's tests/interop/python.
            var run = await PeerProcess.RunAsync(interpreter, [script, configFile], Path.GetDirectoryName(script)!, base64Response, cancellationToken,
                new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
            var name = Path.GetFileName(script);
            if (run.ExitCode == 2)
                throw new InvalidOperationException($"{name} was called wrongly: {run.StandardError.Trim()}");
            if (run.ExitCode != 0)
            {
                var error = run.StandardError.Trim();
                if (error.Contains("ModuleNotFoundError", StringComparison.Ordinal) || error.Contains("Cannot find module", StringComparison.Ordinal))
                    throw new IndependentServiceProviderMissingException($"{name} cannot load its SAML library: {error}\n{InstallHint}");
                throw new InvalidOperationException($"{name} exited with {run.ExitCode}: {error}");
            }
            return JsonSerializer.Deserialize<SpVerdict>(run.StandardOutput, Json)
                   ?? throw new InvalidOperationException($"{name} printed no verdict: {run.StandardOutput}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string FindOnPath(string executable) =>
        PeerProcess.FindOnPath(executable, Environment.GetEnvironmentVariable("PATH"))
        ?? throw new IndependentServiceProviderMissingException($"'{executable}' is not on the PATH. {InstallHint}");
}
