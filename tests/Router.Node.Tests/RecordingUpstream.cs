using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Router.Node.Tests;

/// <summary>What an upstream received: method, path, query, Host and every header.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string Host, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A plain Kestrel upstream on loopback (HTTP, or HTTPS with a given certificate) that records every request it gets
/// and answers with <see cref="Respond"/> (by default a small OpenAI chat completion).
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private RecordingUpstream(WebApplication app, int port, bool https)
    {
        _app = app;
        Port = port;
        Https = https;
    }

    public int Port { get; }
    public bool Https { get; }

    /// <summary>Answers each request; the default is a chat completion with usage.</summary>
    public Func<HttpContext, RecordedRequest, Task> Respond { get; set; } = ChatCompletion;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();
    public RecordedRequest Last => _requests.Last();

    /// <summary>Starts on 127.0.0.1 with a free port; with <paramref name="certificate"/> it speaks HTTPS only.</summary>
    public static async Task<RecordingUpstream> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null) listen.UseHttps(certificate);
        }));
        builder.Services.AddRoutingCore();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        RecordingUpstream? self = null;
        app.Run(async context =>
        {
            var request = context.Request;
            var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
            var recorded = new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.Headers.Host.ToString(),
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
            self!._requests.Enqueue(recorded);
            await self.Respond(context, recorded);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new RecordingUpstream(app, new Uri(address).Port, certificate is not null);
        return self;
    }

    public static Task ChatCompletion(HttpContext context, RecordedRequest request)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}
            """);
    }

    /// <summary>An upstream that answers <paramref name="status"/> with every request header it got, in its body and in a header.</summary>
    public static Func<HttpContext, RecordedRequest, Task> EchoHeaders(int status) => (context, request) =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-echo-authorization"] = request.Header("Authorization") ?? request.Header("api-key") ?? "";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { message = "echo", type = "invalid_request_error", code = "echo", headers = request.Headers } }));
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A CA and a server certificate it issued for CN/SAN localhost, made in the test; the CA is exported as PEM.</summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Router Tests Internal CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        using var issued = serverRequest.Create(Ca, now.AddDays(-1), now.AddDays(6), RandomNumberGenerator.GetBytes(12));
        using var withKey = issued.CopyWithPrivateKey(serverKey);
        // Through PKCS#12, so the key is usable by SslStream on every platform.
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        CaBundlePath = Path.Combine(Path.GetTempPath(), $"router-tests-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaBundlePath, Ca.ExportCertificatePem(), Encoding.ASCII);
    }

    public X509Certificate2 Ca { get; }
    public X509Certificate2 Server { get; }

    /// <summary>A PEM file holding only the CA's certificate (what Router:UpstreamCaBundle names).</summary>
    public string CaBundlePath { get; }

    public void Dispose()
    {
        File.Delete(CaBundlePath);
        Server.Dispose();
        Ca.Dispose();
    }
}
