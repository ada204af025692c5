using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Provisioning.Tests.World;

/// <summary>
/// A real HTTP server on loopback that forwards every request to an instance and can be told to misbehave as a
/// real instance or the network before it does: answer an error always, throttle the next requests with
/// Retry-After, hold answers back, or forward a request and then drop the connection instead of answering (the
/// instance applied it; the client never hears so). It counts what it receives, so tests assert request counts.
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _forward;
    private readonly ConcurrentQueue<ProxiedRequest> _seen = new();
    private readonly object _lock = new();
    private HttpStatusCode? _alwaysAnswer;
    private string? _answerBody;
    private string _answerType = "application/json;charset=UTF-8";
    private int _throttleLeft;
    private HttpStatusCode _nextStatus = HttpStatusCode.TooManyRequests;
    private int _retryAfterSeconds;
    private TimeSpan _delay;
    private string? _dropMethod;

    private FaultyProxy(WebApplication app, HttpClient forward)
    {
        _app = app;
        _forward = forward;
    }

    /// <summary>The proxy's address, such as <c>http://127.0.0.1:41235</c>; give it to the connector as the instance URL.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<ProxiedRequest> Received => _seen.ToList();

    public int Requests => _seen.Count;

    /// <summary>How many requests with this method were received.</summary>
    public int Count(HttpMethod method) => _seen.Count(r => r.Method == method.Method);

    /// <summary>How many requests reached the instance.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    private int _forwarded;

    public static async Task<FaultyProxy> StartAsync(string instanceBaseUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var forward = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri(instanceBaseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };
        var proxy = new FaultyProxy(app, forward);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return proxy;
    }

    /// <summary>
    /// Answers every request with <paramref name="status"/> without forwarding it: ServiceNow's error envelope, or
    /// <paramref name="body"/> of <paramref name="contentType"/> (a sign-in page, a load balancer's error page).
    /// </summary>
    public void AlwaysAnswer(HttpStatusCode status, string? body = null, string contentType = "application/json;charset=UTF-8")
    {
        lock (_lock) (_alwaysAnswer, _answerBody, _answerType) = (status, body, contentType);
    }

    /// <summary>Answers the next <paramref name="count"/> Table API requests with 429 and <c>Retry-After: seconds</c>.</summary>
    public void Throttle(int count, int retryAfterSeconds)
    {
        lock (_lock) (_throttleLeft, _retryAfterSeconds, _nextStatus) = (count, retryAfterSeconds, HttpStatusCode.TooManyRequests);
    }

    /// <summary>Answers the next <paramref name="count"/> Table API requests with <paramref name="status"/> (ServiceNow's envelope).</summary>
    public void AnswerNext(int count, HttpStatusCode status)
    {
        lock (_lock) (_throttleLeft, _retryAfterSeconds, _nextStatus) = (count, 0, status);
    }

    /// <summary>Holds every answer back for <paramref name="delay"/> before forwarding.</summary>
    public void DelayAnswers(TimeSpan delay)
    {
        lock (_lock) _delay = delay;
    }

    /// <summary>Forwards the next request with this method, then drops the connection instead of answering.</summary>
    public void DropNextAnswerTo(HttpMethod method)
    {
        lock (_lock) _dropMethod = method.Method;
    }

    /// <summary>Forwards everything faithfully again.</summary>
    public void Heal()
    {
        lock (_lock) (_alwaysAnswer, _answerBody, _throttleLeft, _delay, _dropMethod) = (null, null, 0, TimeSpan.Zero, null);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var received = new MemoryStream();
        await request.Body.CopyToAsync(received, context.RequestAborted);
        var bytes = received.ToArray();
        _seen.Enqueue(new ProxiedRequest(request.Method, Uri.UnescapeDataString($"{request.Path}{request.QueryString}"),
            System.Text.Encoding.UTF8.GetString(bytes)));
        HttpStatusCode? answer;
        string? answerBody;
        string answerType;
        int retryAfter;
        TimeSpan delay;
        bool drop;
        lock (_lock)
        {
            (answer, answerBody, answerType) = (_alwaysAnswer, _answerBody, _answerType);
            retryAfter = 0;
            if (answer is null && _throttleLeft > 0 && request.Path.StartsWithSegments("/api"))
            {
                _throttleLeft--;
                (answer, answerBody, answerType) = (_nextStatus, null, "application/json;charset=UTF-8");
                retryAfter = _retryAfterSeconds;
            }
            delay = _delay;
            drop = answer is null && _dropMethod == request.Method;
            if (drop) _dropMethod = null;
        }
        if (delay > TimeSpan.Zero) await Task.Delay(delay, context.RequestAborted);
        if (answer is { } status)
        {
            context.Response.StatusCode = (int)status;
            if (retryAfter > 0) context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = answerType;
            await context.Response.WriteAsync(answerBody ??
                $$"""{"error":{"message":"{{status switch
                {
                    HttpStatusCode.TooManyRequests => "Rate limit exceeded",
                    HttpStatusCode.Unauthorized => "User Not Authenticated",
                    _ => "Proxy fault",
                }}}","detail":"answered by the test proxy"},"status":"failure"}""");
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (bytes.Length > 0) forward.Content = new ByteArrayContent(bytes);
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name)) continue;
            if (!forward.Headers.TryAddWithoutValidation(name, values.ToArray()))
                forward.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        using var response = await _forward.SendAsync(forward, context.RequestAborted);
        Interlocked.Increment(ref _forwarded);
        var content = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (drop)
        {
            // The instance has done the work; the client only sees its connection end without an answer.
            context.Abort();
            return;
        }
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (!HopByHop.Contains(name)) context.Response.Headers[name] = values.ToArray();
        await context.Response.Body.WriteAsync(content, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}

/// <summary>A request as the proxy received it: its method, its path and query (unescaped), and its body.</summary>
public sealed record ProxiedRequest(string Method, string PathAndQuery, string Body);
