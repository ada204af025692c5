using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>An independent SAML implementation the interop tests sign with.</summary>
public enum Signer
{
    /// <summary>auth0 samlp (with the saml module and xml-crypto 2.x): tests/interop/node/sign-samlp.js.</summary>
    Samlp,
    /// <summary>samlify (xml-crypto 6.x): tests/interop/node/sign-samlify.js.</summary>
    Samlify,
    /// <summary>xmlsec1 (libxmlsec1, OpenSSL) filling the template of <see cref="EntraResponseTemplate"/>.</summary>
    Xmlsec1,
}

/// <summary>A peer this machine lacks. The tests fail rather than skip: CI installs every peer and must run them.</summary>
public sealed class InteropPeerMissingException(string message) : Exception(message);

/// <summary>What xml-crypto made of each signature of a message (tests/interop/node/verify-xmlcrypto.js).</summary>
internal sealed record XmlCryptoVerdict(bool Valid, IReadOnlyList<XmlCryptoSignature> Signatures);

internal sealed record XmlCryptoSignature(string? Signs, string? Reference, bool Valid, string? Error);

/// <summary>
/// Runs the interop peers: the node signers and verifier in tests/interop/node and the Debian xmlsec1 binary. Each
/// signer returns the base64 SAMLResponse an identity provider would post. Peers are installed by
/// .ci/install-saml-peers; when one is missing, <see cref="InteropPeerMissingException"/> says so.
/// </summary>
internal sealed class InteropPeers
{
    private const string InstallHint = "Run 'bash .ci/install-saml-peers' from the repository root (as root, or with xmlsec1 and Node.js >= 18 installed) to install the SAML interop peers.";
    private const string AssertionIdAttribute = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion";
    private const string ResponseIdAttribute = "urn:oasis:names:tc:SAML:2.0:protocol:Response";

    /// <summary>Generous: a cold node start with these modules takes well under a second.</summary>

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string? _searchPath;
    private readonly TimeProvider _time;

    public InteropPeers(string repositoryRoot, string? searchPath, TimeProvider time)
    {
        RepositoryRoot = repositoryRoot;
        _searchPath = searchPath;
        _time = time;
    }

    public string RepositoryRoot { get; }

    public string NodePeersDirectory => Path.Combine(RepositoryRoot, "tests", "interop", "node");

    /// <summary>The peers of the repository these tests were built from, found on this process's PATH, on the real clock.</summary>
    public static InteropPeers ForThisRepository() =>
        new(PeerProcess.FindRepositoryRoot(AppContext.BaseDirectory), Environment.GetEnvironmentVariable("PATH"), TimeProvider.System);

    public Task<string> SignAsync(Signer signer, PeerRequest request, CancellationToken cancellationToken = default) => signer switch
    {
        Signer.Samlp => RunNodeSignerAsync("sign-samlp.js", request, cancellationToken),
        Signer.Samlify => RunNodeSignerAsync("sign-samlify.js", request, cancellationToken),
        Signer.Xmlsec1 => SignWithXmlsec1Async(request, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(signer), signer, null),
    };

    /// <summary>
    /// Builds an Entra-shaped response in C# and has xmlsec1 sign its assertion, in a temporary directory that holds
    /// the private key only for the duration of the call.
    /// </summary>
    public async Task<string> SignWithXmlsec1Async(PeerRequest request, CancellationToken cancellationToken = default)
    {
        var xmlsec1 = Require("xmlsec1");
        var template = EntraResponseTemplate.Write(request, _time.GetUtcNow());
        var directory = Directory.CreateTempSubdirectory("identitybridge-xmlsec1-");
        try
        {
            var utf8 = new UTF8Encoding(false);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "key.pem"), request.Key, utf8, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "cert.pem"), request.Cert, utf8, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "template.xml"), template, utf8, cancellationToken);
            var run = await PeerProcess.RunAsync(xmlsec1,
                ["--sign", "--privkey-pem", "key.pem,cert.pem", "--id-attr:ID", AssertionIdAttribute, "--output", "out.xml", "template.xml"],
                directory.FullName, stdin: null, cancellationToken);
            if (run.ExitCode != 0)
                throw new InvalidOperationException($"xmlsec1 --sign exited with {run.ExitCode}: {run.StandardError.Trim()}\nTemplate:\n{template}");
            return Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(directory.FullName, "out.xml"), cancellationToken));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Whether xmlsec1 verifies the first signature of the message with <paramref name="certificatePem"/>'s key.
    /// xmlsec1 verifies one signature per run, the first in document order; <see cref="VerifyWithXmlCryptoAsync"/>
    /// checks all of them.
    /// </summary>
    public async Task<bool> VerifyWithXmlsec1Async(string samlResponse, string certificatePem, CancellationToken cancellationToken = default)
    {
        var xmlsec1 = Require("xmlsec1");
        var directory = Directory.CreateTempSubdirectory("identitybridge-xmlsec1-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "cert.pem"), certificatePem, new UTF8Encoding(false), cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "response.xml"), Convert.FromBase64String(samlResponse), cancellationToken);
            var run = await PeerProcess.RunAsync(xmlsec1,
                ["--verify", "--pubkey-cert-pem", "cert.pem", "--id-attr:ID", AssertionIdAttribute, "--id-attr:ID", ResponseIdAttribute, "response.xml"],
                directory.FullName, stdin: null, cancellationToken);
            return run.ExitCode == 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Checks every signature of the message with xml-crypto, trusting only <paramref name="certificatePem"/>.</summary>
    public async Task<XmlCryptoVerdict> VerifyWithXmlCryptoAsync(string samlResponse, string certificatePem, CancellationToken cancellationToken = default)
    {
        var run = await RunNodeAsync("verify-xmlcrypto.js",
            JsonSerializer.Serialize(new { samlResponse, cert = certificatePem }, Json), cancellationToken);
        // 0 valid, 2 invalid: both print a verdict. Anything else is a broken call.
        if (run.ExitCode is not (0 or 2))
            throw new InvalidOperationException($"verify-xmlcrypto.js exited with {run.ExitCode}: {run.StandardError.Trim()}");
        return JsonSerializer.Deserialize<XmlCryptoVerdict>(run.StandardOutput, Json)
               ?? throw new InvalidOperationException($"verify-xmlcrypto.js printed no verdict: {run.StandardOutput}");
    }

    private async Task<string> RunNodeSignerAsync(string script, PeerRequest request, CancellationToken cancellationToken)
    {
        var run = await RunNodeAsync(script, JsonSerializer.Serialize(request, Json), cancellationToken);
        var output = run.StandardOutput.Trim();
        if (run.ExitCode != 0 || output.Length == 0)
            throw new InvalidOperationException($"{script} exited with {run.ExitCode}: {run.StandardError.Trim()}");
        return output;
    }

    private async Task<ProcessOutput> RunNodeAsync(string script, string input, CancellationToken cancellationToken)
    {
        var node = Require("node");
        var scriptPath = Path.Combine(NodePeersDirectory, script);
        if (!File.Exists(scriptPath))
            throw new InteropPeerMissingException($"The interop script {scriptPath} is missing from the repository.");
        var modules = Path.Combine(NodePeersDirectory, "node_modules");
        foreach (var package in new[] { "samlp", "saml", "samlify", "xml-crypto", "@xmldom/xmldom" })
            if (!File.Exists(Path.Combine(modules, package, "package.json")))
                throw new InteropPeerMissingException($"The npm package {package} is not installed in {modules}. {InstallHint}");
        return await PeerProcess.RunAsync(node, [scriptPath], NodePeersDirectory, input, cancellationToken);
    }

    /// <summary>The full path of an executable on the search path.</summary>
    private string Require(string executable) =>
        PeerProcess.FindOnPath(executable, _searchPath)
        ?? throw new InteropPeerMissingException($"'{executable}' is not on the PATH. {InstallHint}");
}
