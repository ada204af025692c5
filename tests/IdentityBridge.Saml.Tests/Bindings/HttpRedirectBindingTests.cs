using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Bindings;

public sealed class HttpRedirectBindingTests
{
    private const string Idp = "https://login.example.test/tenant/saml2";
    private const string SigAlgSha256 = "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256";

    private static readonly HttpRedirectBinding Binding = new();
    private static readonly X509Certificate2[] Trusted = [TestCertificates.PublicOnly(TestCertificates.Sender)];

    private static string RequestXml(string id = "SNC0123456789abcdef0123456789abcdef") => new AuthnRequest
    {
        Id = id,
        IssueInstant = new DateTimeOffset(2026, 11, 26, 14, 30, 0, TimeSpan.Zero),
        Destination = Idp,
        AssertionConsumerServiceUrl = "https://inst.example.test/navpage.do",
        ProviderName = "https://inst.example.test/navpage.do",
        Issuer = "https://inst.example.test",
        NameIdPolicy = new NameIdPolicy { Format = SamlNames.NameIdUnspecified, AllowCreate = true },
    }.ToXml();

    private static string QueryOf(string url) => url[(url.IndexOf('?') + 1)..];

    private static string Signed(string xml, string? relayState = null, string algorithm = SamlNames.RsaSha256) =>
        Binding.EncodeQuery(SamlMessageKind.Request, xml, relayState, new RedirectSigning { Certificate = TestCertificates.Sender, Algorithm = algorithm });

    /// <summary>The raw value of one parameter of a query this binding wrote.</summary>
    private static string RawValue(string query, string name) =>
        query.Split('&').Single(p => p.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    private static string Deflated(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflater = new DeflateStream(output, CompressionLevel.Optimal))
            deflater.Write(data);
        return Uri.EscapeDataString(Convert.ToBase64String(output.ToArray()));
    }

    private static RedirectMessage Decoded(string query)
    {
        var result = Binding.Decode(query);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value;
    }

    [Fact]
    public void unsigned_request_round_trips_with_its_relay_state()
    {
        var xml = RequestXml();
        var url = Binding.BuildUrl(Idp, SamlMessageKind.Request, xml, "https://inst.example.test/navpage.do");

        Assert.StartsWith(Idp + "?SAMLRequest=", url);
        var message = Decoded(QueryOf(url));
        Assert.Equal(SamlMessageKind.Request, message.Kind);
        Assert.Equal(xml, Encoding.UTF8.GetString(message.Xml));
        Assert.Equal("https://inst.example.test/navpage.do", message.RelayState);
        Assert.Null(message.Signature);
        Assert.Equal(BindingCodes.SignatureMissing, Binding.VerifySignature(message, Trusted).Code);
    }

    [Fact]
    public void message_is_raw_deflate_without_a_zlib_header()
    {
        var query = Binding.EncodeQuery(SamlMessageKind.Request, RequestXml());
        var compressed = Convert.FromBase64String(Uri.UnescapeDataString(RawValue(query, "SAMLRequest")));

        using var inflater = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var reader = new StreamReader(inflater, Encoding.UTF8);
        Assert.Equal(RequestXml(), reader.ReadToEnd());
    }

    [Fact]
    public void decoded_request_parses_as_an_authn_request()
    {
        var message = Decoded(Binding.EncodeQuery(SamlMessageKind.Request, RequestXml("_abc")));

        var request = AuthnRequest.Parse(SafeXml.Load(message.Xml));
        Assert.Equal("_abc", request.Id);
        Assert.Equal("https://inst.example.test", request.Issuer);
    }

    [Fact]
    public void response_uses_the_saml_response_parameter()
    {
        var message = Decoded(Binding.EncodeQuery(SamlMessageKind.Response, "<x/>"));

        Assert.Equal(SamlMessageKind.Response, message.Kind);
        Assert.Equal("<x/>", Encoding.UTF8.GetString(message.Xml));
    }

    [Fact]
    public void destination_query_is_kept_and_saml_parameters_follow_it()
    {
        var url = Binding.BuildUrl("https://idp.example.test/sso?glide_sso_id=abc", SamlMessageKind.Request, RequestXml(), "r");

        Assert.StartsWith("https://idp.example.test/sso?glide_sso_id=abc&SAMLRequest=", url);
        Assert.Equal("r", Decoded(QueryOf(url)).RelayState);
    }

    [Theory]
    [InlineData(SamlNames.RsaSha256)]
    [InlineData(SamlNames.RsaSha384)]
    [InlineData(SamlNames.RsaSha512)]
    public void signed_request_round_trips_and_verifies(string algorithm)
    {
        var url = Binding.BuildUrl(Idp, SamlMessageKind.Request, RequestXml(), "state-1",
            new RedirectSigning { Certificate = TestCertificates.Sender, Algorithm = algorithm });

        var message = Decoded(QueryOf(url));
        Assert.Equal(algorithm, message.SigAlg);
        var verified = Binding.VerifySignature(message, Trusted);
        Assert.True(verified.Succeeded, verified.Error?.Message);
        Assert.Equal(TestCertificates.Sender.Thumbprint, verified.Value.Thumbprint);
    }

    [Fact]
    public void signed_parameters_are_in_binding_order_and_signature_covers_them_exactly()
    {
        var query = Signed(RequestXml(), "state-1");

        var names = query.Split('&').Select(p => p[..p.IndexOf('=')]).ToArray();
        Assert.Equal(["SAMLRequest", "RelayState", "SigAlg", "Signature"], names);
        var octets = query[..query.IndexOf("&Signature=", StringComparison.Ordinal)];
        using var key = TestCertificates.Sender.GetRSAPublicKey()!;
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(octets),
            Convert.FromBase64String(Uri.UnescapeDataString(RawValue(query, "Signature"))), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void signed_request_without_relay_state_leaves_it_out_of_the_signed_octets()
    {
        var message = Decoded(Signed(RequestXml()));

        Assert.Null(message.RelayState);
        Assert.True(Binding.VerifySignature(message, Trusted).Succeeded);
    }

    [Fact]
    public void tampered_saml_request_fails_verification()
    {
        var query = Signed(RequestXml("_original"), "state-1");
        var forged = query.Replace(RawValue(query, "SAMLRequest"), RawValue(Signed(RequestXml("_forged")), "SAMLRequest"), StringComparison.Ordinal);

        var message = Decoded(forged);
        Assert.Contains("_forged", Encoding.UTF8.GetString(message.Xml));
        Assert.Equal(BindingCodes.SignatureInvalid, Binding.VerifySignature(message, Trusted).Code);
    }

    [Fact]
    public void tampered_relay_state_fails_verification()
    {
        var forged = Signed(RequestXml(), "https://inst.example.test/home").Replace("RelayState=https", "RelayState=http", StringComparison.Ordinal);

        Assert.Equal(BindingCodes.SignatureInvalid, Binding.VerifySignature(Decoded(forged), Trusted).Code);
    }

    [Fact]
    public void relay_state_added_to_a_message_signed_without_one_fails_verification()
    {
        var query = Signed(RequestXml());
        var forged = query.Replace("&SigAlg=", "&RelayState=https%3A%2F%2Fevil.example&SigAlg=", StringComparison.Ordinal);

        Assert.Equal(BindingCodes.SignatureInvalid, Binding.VerifySignature(Decoded(forged), Trusted).Code);
    }

    [Fact]
    public void tampered_sig_alg_fails_verification()
    {
        var forged = Signed(RequestXml(), "s").Replace("rsa-sha256", "rsa-sha512", StringComparison.Ordinal);

        Assert.Equal(BindingCodes.SignatureInvalid, Binding.VerifySignature(Decoded(forged), Trusted).Code);
    }

    [Fact]
    public void signature_without_sig_alg_is_reported_missing()
    {
        var query = Signed(RequestXml(), "s");
        var stripped = query.Replace("&SigAlg=" + RawValue(query, "SigAlg"), "", StringComparison.Ordinal);

        var result = Binding.VerifySignature(Decoded(stripped), Trusted);
        Assert.Equal(BindingCodes.SignatureMissing, result.Code);
        Assert.Contains("SigAlg", result.Error!.Message);
    }

    /// <summary>
    /// Sustainsys CVE-2026-134822: RelayState with encoded '=' and '&amp;' (ServiceNow's own test-connection
    /// RelayState has both) and a sender whose encoder writes lower-case hex. The signature covers the bytes as sent,
    /// so it must verify as long as they are untouched.
    /// </summary>
    [Theory]
    [InlineData("https%3a%2f%2finst.example.test%2fnavpage.doSNCRSEPsysparm_saml_tc%3dtrue%26glide_sso_id%3dabc%26exit_name%3dMultiSSOv2",
        "https://inst.example.test/navpage.doSNCRSEPsysparm_saml_tc=true&glide_sso_id=abc&exit_name=MultiSSOv2")]
    [InlineData("a%3Db%26c%3dd", "a=b&c=d")]
    [InlineData("key=value==", "key=value==")]
    [InlineData("two+words%20and%7e%7E", "two words and~~")]
    [InlineData("%e2%82%ac%E2%82%AC", "€€")]
    public void relay_state_with_unusual_encoding_verifies_when_untouched(string rawRelayState, string expected)
    {
        var encodedRequest = RawValue(Binding.EncodeQuery(SamlMessageKind.Request, RequestXml()), "SAMLRequest");
        var octets = $"SAMLRequest={encodedRequest}&RelayState={rawRelayState}&SigAlg={SigAlgSha256.ToLowerInvariant()}";
        var query = octets + "&Signature=" + Uri.EscapeDataString(TestCertificates.SignToBase64(TestCertificates.Sender, octets, HashAlgorithmName.SHA256));

        var message = Decoded(query);
        Assert.Equal(expected, message.RelayState);
        Assert.Equal(SamlNames.RsaSha256, message.SigAlg);
        var verified = Binding.VerifySignature(message, Trusted);
        Assert.True(verified.Succeeded, verified.Error?.Message);
    }

    [Fact]
    public void relay_state_re_encoded_differently_fails_verification()
    {
        // The sender signed lower-case escapes; a proxy that normalised them to upper case changed the signed bytes.
        var encodedRequest = RawValue(Binding.EncodeQuery(SamlMessageKind.Request, RequestXml()), "SAMLRequest");
        var octets = $"SAMLRequest={encodedRequest}&RelayState=a%3db&SigAlg={SigAlgSha256}";
        var signature = Uri.EscapeDataString(TestCertificates.SignToBase64(TestCertificates.Sender, octets, HashAlgorithmName.SHA256));
        var query = octets.Replace("a%3db", "a%3Db", StringComparison.Ordinal) + "&Signature=" + signature;

        var message = Decoded(query);
        Assert.Equal("a=b", message.RelayState);
        Assert.Equal(BindingCodes.SignatureInvalid, Binding.VerifySignature(message, Trusted).Code);
    }

    [Fact]
    public void query_with_leading_question_mark_and_other_parameters_decodes()
    {
        var query = "?glide_sso_id=abc&" + Signed(RequestXml(), "s") + "&extra=1";

        Assert.True(Binding.VerifySignature(Decoded(query), Trusted).Succeeded);
    }

    [Theory]
    [InlineData("SAMLRequest")]
    [InlineData("RelayState")]
    [InlineData("SigAlg")]
    [InlineData("Signature")]
    public void duplicate_saml_parameter_is_refused(string name)
    {
        var query = Signed(RequestXml(), "s");
        var smuggled = query + "&" + name + "=" + RawValue(query, name);

        Assert.Equal(BindingCodes.DuplicateParameter, Binding.Decode(smuggled).Code);
    }

    [Fact]
    public void second_relay_state_placed_first_is_refused()
    {
        var query = "RelayState=https%3A%2F%2Fevil.example&" + Signed(RequestXml(), "good");

        Assert.Equal(BindingCodes.DuplicateParameter, Binding.Decode(query).Code);
    }

    [Theory]
    [InlineData("relaystate=x")]
    [InlineData("RELAYSTATE=x")]
    [InlineData("Relay%53tate=x")]
    [InlineData("samlresponse=x")]
    public void saml_parameter_in_another_spelling_is_refused(string extra)
    {
        var result = Binding.Decode(Signed(RequestXml(), "s") + "&" + extra);

        Assert.Equal(BindingCodes.MalformedParameters, result.Code);
    }

    [Fact]
    public void saml_parameter_without_a_value_is_refused()
    {
        Assert.Equal(BindingCodes.MalformedParameters, Binding.Decode(Signed(RequestXml()) + "&RelayState").Code);
    }

    [Fact]
    public void request_and_response_together_are_refused()
    {
        var request = Binding.EncodeQuery(SamlMessageKind.Request, RequestXml());
        var response = Binding.EncodeQuery(SamlMessageKind.Response, "<x/>");

        Assert.Equal(BindingCodes.AmbiguousMessage, Binding.Decode(request + "&" + response).Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("RelayState=abc&glide_sso_id=1")]
    public void query_without_a_message_is_refused(string? query)
    {
        Assert.Equal(BindingCodes.MessageMissing, Binding.Decode(query).Code);
    }

    [Fact]
    public void sha1_signature_is_refused_unless_allowed()
    {
        var message = Decoded(Signed(RequestXml(), "s", SamlNames.RsaSha1));

        var refused = Binding.VerifySignature(message, Trusted);
        Assert.Equal(BindingCodes.AlgorithmForbidden, refused.Code);
        Assert.Contains("SHA-1", refused.Error!.Message);
        Assert.True(Binding.VerifySignature(message, Trusted, allowSha1: true).Succeeded);
    }

    [Theory]
    [InlineData("http://www.w3.org/2000/09/xmldsig#hmac-sha1")]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")]
    [InlineData("http://www.w3.org/2000/09/xmldsig#dsa-sha1")]
    [InlineData("none")]
    public void signature_algorithm_outside_the_allow_list_is_refused(string algorithm)
    {
        var encodedRequest = RawValue(Binding.EncodeQuery(SamlMessageKind.Request, RequestXml()), "SAMLRequest");
        var octets = $"SAMLRequest={encodedRequest}&SigAlg={Uri.EscapeDataString(algorithm)}";
        var query = octets + "&Signature=" + Uri.EscapeDataString(TestCertificates.SignToBase64(TestCertificates.Sender, octets, HashAlgorithmName.SHA256));

        Assert.Equal(BindingCodes.AlgorithmForbidden, Binding.VerifySignature(Decoded(query), Trusted, allowSha1: true).Code);
    }

    [Fact]
    public void signature_by_an_untrusted_key_is_refused()
    {
        var query = Binding.EncodeQuery(SamlMessageKind.Request, RequestXml(), "s", new RedirectSigning { Certificate = TestCertificates.Other });

        Assert.Equal(BindingCodes.SignatureInvalid, Binding.VerifySignature(Decoded(query), Trusted).Code);
    }

    [Fact]
    public void any_trusted_certificate_may_verify_during_rollover()
    {
        var trusted = new[] { TestCertificates.PublicOnly(TestCertificates.Other), TestCertificates.PublicOnly(TestCertificates.Sender) };

        var verified = Binding.VerifySignature(Decoded(Signed(RequestXml(), "s")), trusted);
        Assert.Equal(TestCertificates.Sender.Thumbprint, verified.Value?.Thumbprint);
    }

    [Fact]
    public void verification_with_no_trusted_certificate_fails_closed()
    {
        Assert.Equal(BindingCodes.NoCertificate, Binding.VerifySignature(Decoded(Signed(RequestXml(), "s")), []).Code);
    }

    [Fact]
    public void decompression_bomb_is_refused_with_the_size_code()
    {
        var bomb = "SAMLRequest=" + Deflated(new byte[50 * 1024 * 1024]);
        var binding = new HttpRedirectBinding(new HttpRedirectBindingOptions { MaxEncodedLength = 1024 * 1024, MaxInflatedBytes = 128 * 1024 });

        var result = binding.Decode(bomb);
        Assert.Equal(BindingCodes.TooLarge, result.Code);
        Assert.Contains("inflat", result.Error!.Message);
    }

    [Fact]
    public void decompression_bomb_is_stopped_at_the_cap_without_inflating_it_all()
    {
        using var deflated = new MemoryStream();
        using (var deflater = new DeflateStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
            deflater.Write(new byte[50 * 1024 * 1024]);
        var compressed = new CountingStream(deflated.ToArray());

        var result = RawDeflate.Inflate(compressed, 128 * 1024);

        Assert.Equal(BindingCodes.TooLarge, result.Code);
        // 50 MB of zeros is about 50 KB deflated; reaching the 128 KB cap takes a small fraction of it.
        Assert.True(compressed.BytesRead < compressed.Length / 2, $"read {compressed.BytesRead} of {compressed.Length} compressed bytes");
    }

    [Fact]
    public void message_exactly_at_the_inflate_cap_is_accepted()
    {
        var xml = "<x>" + new string('a', 993) + "</x>";
        var binding = new HttpRedirectBinding(new HttpRedirectBindingOptions { MaxInflatedBytes = 1000 });

        Assert.True(binding.Decode("SAMLRequest=" + Deflated(Encoding.UTF8.GetBytes(xml))).Succeeded);
        Assert.Equal(BindingCodes.TooLarge, binding.Decode("SAMLRequest=" + Deflated(Encoding.UTF8.GetBytes(xml + " "))).Code);
    }

    [Fact]
    public void oversize_query_is_refused_before_it_is_parsed()
    {
        var binding = new HttpRedirectBinding(new HttpRedirectBindingOptions { MaxEncodedLength = 100 });
        var oversize = "SAMLRequest=" + new string('A', 100);

        Assert.Equal(BindingCodes.TooLarge, binding.Decode(oversize).Code);
        // Even a query that is malformed in every other way gets the size code: the cap is checked first.
        Assert.Equal(BindingCodes.TooLarge, binding.Decode(oversize + "&SAMLRequest=%zz&SAMLResponse=").Code);
    }

    [Fact]
    public void default_cap_refuses_a_query_of_a_megabyte()
    {
        Assert.Equal(BindingCodes.TooLarge, Binding.Decode("SAMLRequest=" + new string('A', 1024 * 1024)).Code);
    }

    [Theory]
    [InlineData("abc!")]
    [InlineData("YWJj%20ZA%3D%3D")]
    [InlineData("YWJjZA")]
    [InlineData("YWJjZB%3D%3D")]
    [InlineData("YW=jZA%3D%3D")]
    [InlineData("YWJjZA-_")]
    [InlineData("")]
    public void invalid_base64_gives_a_code(string rawValue)
    {
        Assert.Equal(BindingCodes.InvalidBase64, Binding.Decode("SAMLRequest=" + rawValue).Code);
    }

    [Fact]
    public void invalid_base64_signature_gives_a_code()
    {
        Assert.Equal(BindingCodes.InvalidBase64, Binding.Decode(Signed(RequestXml()) + "x").Code);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x03, 0x00 })]
    public void invalid_deflate_data_gives_a_code(byte[] data)
    {
        var query = "SAMLRequest=" + Uri.EscapeDataString(Convert.ToBase64String(data));

        Assert.Equal(BindingCodes.InvalidDeflate, Binding.Decode(query).Code);
    }

    [Fact]
    public void zlib_wrapped_message_is_not_mistaken_for_raw_deflate()
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal))
            zlib.Write(Encoding.UTF8.GetBytes(RequestXml()));
        var query = "SAMLRequest=" + Uri.EscapeDataString(Convert.ToBase64String(output.ToArray()));

        Assert.Equal(BindingCodes.InvalidDeflate, Binding.Decode(query).Code);
    }

    [Theory]
    [InlineData("RelayState=%zz")]
    [InlineData("RelayState=%4")]
    [InlineData("RelayState=%ff%fe")]
    [InlineData("RelayState=%C3%28")]
    [InlineData("SigAlg=%G1")]
    public void broken_percent_encoding_gives_a_code(string parameter)
    {
        var query = Binding.EncodeQuery(SamlMessageKind.Request, RequestXml()) + "&" + parameter;

        Assert.Equal(BindingCodes.InvalidEncoding, Binding.Decode(query).Code);
    }

    [Fact]
    public void arbitrary_input_never_throws()
    {
        var random = new Random(20261126);
        var alphabet = "SAMLRequestRelaySigAlgnature=&%+/09azAZ-_.~\u00e9\u0000 ";
        var valid = Signed(RequestXml(), "s");
        for (var i = 0; i < 2000; i++)
        {
            var query = i % 2 == 0
                ? new string(Enumerable.Range(0, random.Next(0, 200)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray())
                : valid.Remove(random.Next(valid.Length), 1).Insert(random.Next(valid.Length - 1), alphabet[random.Next(alphabet.Length)].ToString());

            var result = Binding.Decode(query);
            if (!result.Succeeded)
            {
                Assert.False(string.IsNullOrEmpty(result.Code));
                continue;
            }
            var verified = Binding.VerifySignature(result.Value, Trusted);
            Assert.True(verified.Succeeded || !string.IsNullOrEmpty(verified.Code));
        }
    }

    /// <summary>A read-only stream over bytes that counts how many of them were read.</summary>
    private sealed class CountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            var read = base.Read(buffer);
            BytesRead += read;
            return read;
        }
    }
}
