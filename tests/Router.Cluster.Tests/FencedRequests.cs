using System.Text;

namespace Router.Cluster.Tests;

/// <summary>One chat completion to <see cref="ProcessCluster.FencedModel"/> through a node: its status, or 0 if the
/// connection failed or the gateway cut the response.</summary>
public static class FencedRequests
{
    public static async Task<int> SendAsync(HttpClient http, NodeProcess node, string tag)
    {
        try
        {
            using var response = await http.PostAsync(node.GatewayUrl + "/v1/chat/completions", new StringContent(
                $$"""{"model":"{{ProcessCluster.FencedModel}}","messages":[{"role":"user","content":"{{tag}}"}]}""", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsStringAsync(); // a response cut by the gateway surfaces here
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return 0;
        }
    }
}
