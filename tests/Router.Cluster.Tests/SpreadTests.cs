using Xunit.Abstractions;

namespace Router.Cluster.Tests;

/// <summary>
/// least-busy through three gateway processes sharing three equal endpoints: 24 concurrent clients spread evenly at
/// the upstreams (each endpoint's share of the requests, counted by the upstreams themselves).
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class SpreadTests(ITestOutputHelper output)
{
    private const int Clients = 24;
    private const int Requests = 900;

    [Fact]
    public async Task Least_busy_spreads_24_clients_over_three_gateways_evenly_at_the_upstreams()
    {
        await using var cluster = await ProcessCluster.StartAsync();
        await using var load = new LoadGenerator(cluster.Nodes);
        load.Start(Clients, ProcessCluster.SpreadModel);
        await Eventually.Until(() => Task.FromResult(load.Results.Count >= Requests), $"{Requests} requests are answered",
            TimeSpan.FromSeconds(90), ProcessCluster.PollInterval, Eventually.TransientHttp);
        await load.StopAsync();

        var total = cluster.Spread.Sum(s => s.Stats.TotalRequests);
        var shares = cluster.Spread.Select(s => (s.Options.Name, Share: 100.0 * s.Stats.TotalRequests / total, s.Stats.MaxInFlight)).ToList();
        output.WriteLine($"SPREAD {Clients} clients over 3 gateways, {total} requests: " +
                         string.Join(", ", shares.Select(s => $"{s.Name} {s.Share:0.0}% (max in flight {s.MaxInFlight})")));
        load.Results.Should().OnlyContain(r => r.Status == 200);
        shares.Should().OnlyContain(s => s.Share >= 28 && s.Share <= 38, "each of three equal endpoints takes a third, within 5 points");
        // The goal is no upstream above 12. Measured 10-12 in ten runs on 2026-11-26 (two of them while a build
        // shared the 2-core machine) and in ten more on 2026-11-28 (four under three busy loops), since each gateway ranks
        // on its own exact count plus its share of the others' (18-21 when a gateway made up all of the others'
        // difference, 14-21 before the conditional acquire). Other gateways' counts come from snapshots, so a gateway
        // stalled by the machine ranks on older ones: one CI run on 2026-11-28, with the actor suite beside it, saw
        // 14, 13 and 12 at the three upstreams. Asserted at 14: the regressions above peaked at 18-21 (the second at 14 in
        // its best run only).
        shares.Should().OnlyContain(s => s.MaxInFlight <= 14, "the peak per upstream stays near a third of 24 clients");
    }
}
