using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Router.AdminApi;

namespace Router.Cli;

/// <summary>A response body, parsed, and as received (for <c>--json</c>).</summary>
internal sealed record AdminResponse<T>(T Value, string Raw);

/// <summary>
/// Calls one node's admin API. Maps every failure to a typed exception: no connection or no answer in
/// time -> <see cref="AdminUnreachableException"/>; 401/403 -> <see cref="AdminUnauthorizedException"/>;
/// any other error status -> <see cref="AdminCommandFailedException"/> with the server's AdminError message.
/// </summary>
internal sealed class AdminApiClient(HttpClient http, Uri baseUri, string? token, TimeSpan timeout)
{
    public Uri BaseUri { get; } = baseUri;

    public async Task<AdminResponse<T>> GetAsync<T>(string path, CancellationToken cancellation)
    {
        var raw = await SendAsync(HttpMethod.Get, path, body: null, cancellation);
        return new AdminResponse<T>(Deserialize<T>(HttpMethod.Get, path, raw), raw);
    }

    /// <summary>Sends a command; the answer is an <see cref="AdminMessage"/>.</summary>
    public async Task<AdminResponse<AdminMessage>> CommandAsync(HttpMethod method, string path, object? body, CancellationToken cancellation)
    {
        var raw = await SendAsync(method, path, body, cancellation);
        return new AdminResponse<AdminMessage>(Deserialize<AdminMessage>(method, path, raw), raw);
    }

    /// <summary>
    /// Opens a streaming GET (ndjson). The timeout applies to the response headers only; the lines then
    /// come for as long as the node sends them or until <paramref name="cancellation"/>.
    /// </summary>
    public async Task<AdminLineStream> OpenStreamAsync(string path, CancellationToken cancellation)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeoutSource.CancelAfter(timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var request = CreateRequest(HttpMethod.Get, path, body: null);
            request.Headers.Accept.Clear();
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
            if (!response.IsSuccessStatusCode)
            {
                var raw = await response.Content.ReadAsStringAsync(timeoutSource.Token);
                throw Failure(HttpMethod.Get, path, response, raw);
            }

            var stream = await response.Content.ReadAsStreamAsync(timeoutSource.Token);
            var lines = new AdminLineStream(response, new StreamReader(stream, Encoding.UTF8), BaseUri);
            response = null;
            return lines;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw NoAnswer();
        }
        catch (HttpRequestException e)
        {
            throw new AdminUnreachableException(BaseUri, Reason(e));
        }
        finally
        {
            response?.Dispose();
        }
    }

    private async Task<string> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellation)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var request = CreateRequest(method, path, body);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeoutSource.Token);
            var raw = await response.Content.ReadAsStringAsync(timeoutSource.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(method, path, response, raw);
            }

            return raw;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw NoAnswer();
        }
        catch (HttpRequestException e)
        {
            throw new AdminUnreachableException(BaseUri, Reason(e));
        }
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseUri, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(AdminJson.Serialize(body), Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static RouterCtlException Failure(HttpMethod method, string path, HttpResponseMessage response, string raw)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new AdminUnauthorizedException();
        }

        var error = TryReadError(raw);
        if (error is not null)
        {
            return new AdminCommandFailedException(error, (int)response.StatusCode);
        }

        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new AdminCommandFailedException($"{status}: the node does not serve {method} {path.Split('?')[0]} (is it running a version with this admin API?)", (int)response.StatusCode);
        }

        var detail = raw.Trim();
        if (detail.Length > 300)
        {
            detail = detail[..300] + "...";
        }

        return new AdminCommandFailedException(detail.Length == 0 ? $"{status} from {method} {path}" : $"{status} from {method} {path}: {detail}", (int)response.StatusCode);
    }

    private static string? TryReadError(string raw)
    {
        try
        {
            var error = JsonSerializer.Deserialize<AdminError>(raw, AdminJson.Read);
            return string.IsNullOrWhiteSpace(error?.Error) ? null : error.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Deserialize<T>(HttpMethod method, string path, string raw)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(raw, AdminJson.Read)
                   ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new AdminCommandFailedException($"unexpected response from {method} {path}: {e.Message}");
        }
    }

    private AdminUnreachableException NoAnswer() =>
        new(BaseUri, $"no answer within {timeout.TotalSeconds:0.###} s");

    internal static string Reason(Exception e)
    {
        // "Connection refused (127.0.0.1:9110)", "Name or service not known (node-3:9110)", ...
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException or IOException)
            {
                message = e.Message.Contains(inner.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({inner.Message})";
                break;
            }
        }

        return message.TrimEnd('.');
    }
}

/// <summary>The lines of a streaming response; a broken connection surfaces as <see cref="AdminUnreachableException"/>.</summary>
internal sealed class AdminLineStream(HttpResponseMessage response, StreamReader reader, Uri baseUri) : IDisposable
{
    /// <summary>The next line; null when the node ended the stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellation)
    {
        try
        {
            return await reader.ReadLineAsync(cancellation);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellation.IsCancellationRequested)
        {
            throw new AdminUnreachableException(baseUri, $"the event stream broke off: {AdminApiClient.Reason(e)}");
        }
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
