using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Router.Node.Gateway;

/// <summary>
/// The model of a multipart/form-data request (audio transcription and translation): read from its "model" field.
/// The body itself is forwarded unchanged, with the client's content type and boundary.
/// </summary>
internal static class MultipartRequest
{
    private const int FieldLimit = 1024;

    public static async Task<(OpenAiRequest? Request, string Error)> ParseAsync(ReadOnlyMemory<byte> body, string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return (null, "This route takes multipart/form-data with a 'file' and a 'model' field.");
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return (null, "The multipart/form-data content type has no boundary.");

        string? model = null;
        (int Start, int Length)? modelAt = null;
        var stream = false;
        var payloads = 0;
        try
        {
            var bytes = MemoryMarshal.TryGetArray(body, out var segment) ? segment : new ArraySegment<byte>(body.ToArray());
            var reader = new MultipartReader(boundary, new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false));
            while (await reader.ReadNextSectionAsync() is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                if (disposition.IsFileDisposition())
                {
                    payloads++;
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name is not ("model" or "stream")) continue;
                var (value, length) = await ReadFieldAsync(section.Body, name);
                if (name == "model")
                {
                    if (model is not null) return (null, "The form has 'model' more than once.");
                    model = value;
                    if (section.BaseStreamOffset is { } offset) modelAt = ((int)offset, length);
                }
                else
                {
                    stream = value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            return (null, $"The multipart/form-data body could not be read: {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(model)) return (null, "The form must have a 'model' field.");
        return (new OpenAiRequest(model.Trim(), stream, null, payloads * OpenAiRequest.PayloadTokens) { FormModelAt = modelAt }, "");
    }

    /// <summary>The form with its model field's value replaced (an endpoint's UpstreamModel); every other byte is the client's.</summary>
    public static ReadOnlyMemory<byte> WithModel(ReadOnlyMemory<byte> body, (int Start, int Length) at, string model) =>
        RequestBody.Splice(body.Span, at.Start, at.Length, Encoding.UTF8.GetBytes(model));

    private static async Task<(string Value, int Length)> ReadFieldAsync(Stream body, string name)
    {
        var buffer = new byte[FieldLimit + 1];
        var length = 0;
        int read;
        while (length <= FieldLimit && (read = await body.ReadAsync(buffer.AsMemory(length))) > 0) length += read;
        if (length > FieldLimit) throw new FormatException($"The '{name}' field is longer than {FieldLimit} bytes.");
        if (!Utf8.IsValid(buffer.AsSpan(0, length))) throw new FormatException($"The '{name}' field is not valid UTF-8.");
        return (Encoding.UTF8.GetString(buffer, 0, length), length);
    }
}
