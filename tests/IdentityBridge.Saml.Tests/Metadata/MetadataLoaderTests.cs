using System.Net;
using System.Net.Sockets;
using System.Text;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Metadata;

public sealed class MetadataLoaderTests
{
    private const string MetadataPath = "/5b0c1a9e-7d2f-4e3a-8b6c-1f2e3d4c5b6a/federationmetadata/2007-06/federationmetadata.xml?appid=0f9e8d7c-6b5a-4f3e-2d1c-0b9a8f7e6d5c";

    private static HttpClient Client(TimeSpan? timeout = null) => new() { Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task app_federation_metadata_is_fetched_and_read_from_the_url()
    {
        var current = TestCertificates.RsaSigner("current");
        var next = TestCertificates.SelfSigned("next");
        var tenant = new EntraFederationMetadata { TenantId = "5b0c1a9e-7d2f-4e3a-8b6c-1f2e3d4c5b6a", SigningCertificates = [current, next], DocumentSigner = current };
        await using var server = LoopbackHttpServer.Answering(200, tenant.Build());
        using var client = Client();

        var metadata = await new MetadataLoader().LoadAsync(client, server.Url(MetadataPath), tenant.EntityId, CancellationToken.None);

        Assert.Equal($"GET {MetadataPath} HTTP/1.1", await server.FirstRequest);
        Assert.Equal(tenant.EntityId, metadata.EntityId);
        Assert.Equal([current.Thumbprint, next.Thumbprint], metadata.RequireIdentityProvider().SigningCertificates.Select(c => c.Thumbprint));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    public async Task an_error_status_is_reported_with_the_url_and_the_status(int status)
    {
        await using var server = LoopbackHttpServer.Answering(status, "<html>nothing here</html>", "text/html");
        using var client = Client();
        var url = server.Url(MetadataPath);

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, url, null, CancellationToken.None));

        Assert.Equal(MetadataCodes.HttpStatus, error.Code);
        Assert.Contains(url.ToString(), error.Message);
        Assert.Contains($"HTTP {status}", error.Message);
    }

    [Fact]
    public async Task an_endless_body_is_stopped_at_the_size_cap()
    {
        long written = 0;
        await using var server = LoopbackHttpServer.Start(async (stream, token) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), token);
            await stream.WriteAsync(Chunk("<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\">"u8), token);
            var comment = Chunk(Encoding.ASCII.GetBytes("<!--" + new string('x', 16 * 1024) + "-->"));
            while (true)
            {
                await stream.WriteAsync(comment, token);
                written += comment.Length;
            }
        });
        using var client = Client();
        var loader = new MetadataLoader(maxBytes: 64 * 1024);

        var error = await Assert.ThrowsAsync<MetadataException>(() => loader.LoadAsync(client, server.Url("/big"), null, CancellationToken.None));

        Assert.Equal(MetadataCodes.TooLarge, error.Code);
        Assert.Contains("65536", error.Message);
        // The server only stops writing when the client hangs up: it does, long before it could have buffered much.
        var hangUp = await Record.ExceptionAsync(() => server.Handled.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.IsNotType<TimeoutException>(hangUp);
        Assert.True(written < 32 * 1024 * 1024, $"The server wrote {written} bytes before the client hung up.");
    }

    [Fact]
    public async Task a_declared_length_over_the_cap_is_refused_without_reading_the_body()
    {
        await using var server = LoopbackHttpServer.Start(async (stream, token) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 10485760\r\n\r\n"u8.ToArray(), token);
            // No body follows: a client that tried to read it would wait for its timeout.
            await LoopbackHttpServer.WaitForHangUpAsync(stream, token);
        });
        using var client = Client();

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, server.Url("/big"), null, CancellationToken.None));

        Assert.Equal(MetadataCodes.TooLarge, error.Code);
        Assert.Contains("10485760", error.Message);
    }

    [Theory]
    [InlineData("""{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant not found."}""", "{\"error\":\"invalid_tenant\"")]
    [InlineData("", "the body is empty")]
    public async Task a_body_that_is_not_xml_is_reported_with_the_url_and_a_glimpse_of_it(string body, string glimpse)
    {
        await using var server = LoopbackHttpServer.Answering(200, body, "application/json");
        using var client = Client();
        var url = server.Url(MetadataPath);

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, url, null, CancellationToken.None));

        Assert.Equal(MetadataCodes.NotXml, error.Code);
        Assert.Contains(url.ToString(), error.Message);
        Assert.Contains(glimpse, error.Message);
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\" encoding=\"x-no-such-encoding\"?><EntityDescriptor/>")]
    [InlineData("<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"\xff\xfe\xfd\"/>")]
    public async Task a_body_in_an_unknown_or_broken_encoding_is_reported_not_thrown(string latin1Body)
    {
        await using var server = LoopbackHttpServer.Start((stream, token) =>
            LoopbackHttpServer.WriteResponseAsync(stream, 200, Encoding.Latin1.GetBytes(latin1Body), "application/xml", token));
        using var client = Client();

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, server.Url("/md"), null, CancellationToken.None));

        Assert.Equal(MetadataCodes.NotXml, error.Code);
    }

    [Fact]
    public async Task a_sign_in_page_instead_of_metadata_is_reported_with_the_url()
    {
        await using var server = LoopbackHttpServer.Answering(200, "<html><head><title>Sign in to your account</title></head><body/></html>", "text/html");
        using var client = Client();
        var url = server.Url("/login");

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, url, null, CancellationToken.None));

        Assert.Equal(MetadataCodes.UnexpectedRoot, error.Code);
        Assert.Contains(url.ToString(), error.Message);
    }

    [Fact]
    public async Task served_metadata_with_a_doctype_is_refused()
    {
        const string xxe = """<!DOCTYPE EntityDescriptor [<!ENTITY x SYSTEM "http://127.0.0.1:1/steal">]><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>""";
        await using var server = LoopbackHttpServer.Answering(200, xxe);
        using var client = Client();

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, server.Url("/md"), null, CancellationToken.None));

        Assert.Equal(MetadataCodes.UnsafeXml, error.Code);
        Assert.Equal(SafeXml.DoctypeCode, error.XmlCode);
    }

    [Fact]
    public async Task metadata_for_another_entity_is_reported_with_the_url()
    {
        var tenant = new EntraFederationMetadata { TenantId = "tenant-a", SigningCertificates = [TestCertificates.SelfSigned("a")] };
        await using var server = LoopbackHttpServer.Answering(200, tenant.Build());
        using var client = Client();
        var url = server.Url(MetadataPath);

        var error = await Assert.ThrowsAsync<MetadataException>(() =>
            new MetadataLoader().LoadAsync(client, url, "https://sts.windows.net/tenant-b/", CancellationToken.None));

        Assert.Equal(MetadataCodes.NoEntity, error.Code);
        Assert.Contains(url.ToString(), error.Message);
        Assert.Contains("https://sts.windows.net/tenant-a/", error.Message);
    }

    [Fact]
    public async Task a_refused_connection_is_reported_with_the_url()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}/federationmetadata.xml");
        closed.Stop();
        using var client = Client();

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, url, null, CancellationToken.None));

        Assert.Equal(MetadataCodes.FetchFailed, error.Code);
        Assert.Contains(url.ToString(), error.Message);
    }

    [Fact]
    public async Task a_server_that_never_answers_is_reported_as_a_timeout()
    {
        await using var server = LoopbackHttpServer.Start(LoopbackHttpServer.WaitForHangUpAsync);
        using var client = Client(TimeSpan.FromMilliseconds(300));
        var url = server.Url("/md");

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, url, null, CancellationToken.None));

        Assert.Equal(MetadataCodes.FetchTimeout, error.Code);
        Assert.Contains(url.ToString(), error.Message);
    }

    [Fact]
    public async Task a_server_that_stalls_in_the_body_is_reported_as_a_timeout()
    {
        await using var server = LoopbackHttpServer.Start(async (stream, token) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<"u8.ToArray(), token);
            await LoopbackHttpServer.WaitForHangUpAsync(stream, token);
        });
        using var client = Client(TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, server.Url("/md"), null, CancellationToken.None));

        Assert.Equal(MetadataCodes.FetchTimeout, error.Code);
    }

    [Fact]
    public async Task a_connection_that_breaks_in_the_body_is_reported_with_the_url()
    {
        await using var server = LoopbackHttpServer.Start((stream, token) =>
            stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<EntityDescriptor"u8.ToArray(), token).AsTask());
        using var client = Client();
        var url = server.Url("/md");

        var error = await Assert.ThrowsAsync<MetadataException>(() => new MetadataLoader().LoadAsync(client, url, null, CancellationToken.None));

        Assert.Equal(MetadataCodes.FetchFailed, error.Code);
        Assert.Contains(url.ToString(), error.Message);
    }

    [Fact]
    public async Task cancelling_the_load_cancels_rather_than_reporting_a_failure()
    {
        await using var server = LoopbackHttpServer.Start(LoopbackHttpServer.WaitForHangUpAsync);
        using var client = Client();
        using var cancellation = new CancellationTokenSource();

        var loading = new MetadataLoader().LoadAsync(client, server.Url("/md"), null, cancellation.Token);
        await server.FirstRequest;
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loading);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://idp.example/metadata.xml")]
    [InlineData("federationmetadata.xml")]
    public async Task a_url_that_is_not_http_is_refused_without_fetching(string url)
    {
        using var client = Client();

        var error = await Assert.ThrowsAsync<MetadataException>(() =>
            new MetadataLoader().LoadAsync(client, new Uri(url, UriKind.RelativeOrAbsolute), null, CancellationToken.None));

        Assert.Equal(MetadataCodes.BadUrl, error.Code);
    }

    private static byte[] Chunk(ReadOnlySpan<byte> data) =>
        [.. Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8];
}
