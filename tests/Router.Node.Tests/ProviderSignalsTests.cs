using Router.Node.Gateway;

namespace Router.Node.Tests;

/// <summary>Rate-limit headers as OpenAI and Azure OpenAI send them, and the gateway skipping an endpoint its provider says is used up.</summary>
public sealed class ProviderSignalsTests
{
    [Theory]
    [InlineData("1s", 1000)]
    [InlineData("6m0s", 360_000)]
    [InlineData("20ms", 20)]
    [InlineData("1h2m3.5s", 3_723_500)]
    [InlineData("0s", 0)]
    [InlineData("59.123s", 59_123)]
    [InlineData("60", 60_000)]
    [InlineData("0.5", 500)]
    public void Reset_durations_parse(string text, double expectedMs)
    {
        ProviderSignals.TryParseDuration(text, out var duration).Should().BeTrue();
        duration.TotalMilliseconds.Should().BeApproximately(expectedMs, 0.001);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5x")]
    [InlineData("-1")]
    [InlineData("1m-2s")]
    public void Nonsense_durations_are_ignored(string text) =>
        ProviderSignals.TryParseDuration(text, out _).Should().BeFalse();

    [Fact]
    public void Headers_are_read_into_the_report()
    {
        using var response = new HttpResponseMessage();
        response.Headers.Add("x-ratelimit-limit-requests", "10000");
        response.Headers.Add("x-ratelimit-remaining-requests", "9999");
        response.Headers.Add("x-ratelimit-reset-requests", "6ms");
        response.Headers.Add("x-ratelimit-limit-tokens", "2000000");
        response.Headers.Add("x-ratelimit-remaining-tokens", "1999850");
        response.Headers.Add("x-ratelimit-reset-tokens", "4m30s");

        var limits = ProviderSignals.Read(response.Headers)!;

        limits.RemainingRequests.Should().Be(9999);
        limits.RemainingTokens.Should().Be(1_999_850);
        limits.ResetRequests.Should().Be(TimeSpan.FromMilliseconds(6));
        limits.ResetTokens.Should().Be(TimeSpan.FromSeconds(270));
        limits.LimitRequests.Should().Be(10_000);
        limits.LimitTokens.Should().Be(2_000_000);
    }

    [Fact]
    public void A_response_without_the_headers_reports_nothing()
    {
        using var response = new HttpResponseMessage();
        ProviderSignals.Read(response.Headers).Should().BeNull();
    }

    [Fact]
    public async Task Once_the_provider_says_zero_requests_remain_no_request_is_sent_there_to_be_refused()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("limited", o => { o.RateLimitRequests = 3; o.RateLimitWindowMs = 600_000; })
            .Sim("spare")
            .Group("chat")
            .Endpoint("chat", "limited-1", "limited")
            .Endpoint("chat", "spare-1", "spare"));

        var served = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            served.Add(response.Endpoint());
        }

        var limited = gateway.Sim("limited").Stats;
        limited.RateLimited.Should().Be(0, "the gateway stopped sending to it when its headers said 0 remaining, before it answered 429");
        limited.TotalRequests.Should().Be(3, "its whole budget was used");
        served.Count(e => e == "spare-1").Should().Be(9);
        served.Where(e => e == "limited-1").Should().HaveCount(3);
        (await gateway.StateOf("limited-1")).ProviderRemainingRequests.Should().Be(0);
    }
}
