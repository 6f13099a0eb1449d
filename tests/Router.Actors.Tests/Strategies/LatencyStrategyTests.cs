using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class LatencyStrategyTests
{
    private static readonly StrategySettings Settings = StrategySettings.Default with
    {
        LatencyBuffer = 0.1,
        LatencyReprobeAfter = TimeSpan.FromSeconds(10),
    };

    private readonly LatencyStrategy _strategy = new();

    [Fact]
    public void Name_is_latency() => _strategy.Name.Should().Be("latency");

    [Fact]
    public void Avoids_the_slow_endpoint()
    {
        EndpointCandidate[] candidates = [Make("slow", latencyMs: 500), Make("fast", latencyMs: 50)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(1), settings: Settings), 1_000);

        tally["fast"].Should().Be(1_000);
    }

    [Fact]
    public void An_unsampled_endpoint_is_tried_first()
    {
        EndpointCandidate[] candidates = [Make("fast", latencyMs: 10), Make("new-1"), Make("new-2")];

        _strategy.PickCandidate(candidates, Context(settings: Settings)).Id.Should().Be("new-1");
    }

    [Fact]
    public void Picks_at_random_among_those_within_the_buffer()
    {
        EndpointCandidate[] candidates = [Make("best", latencyMs: 50), Make("near", latencyMs: 54), Make("far", latencyMs: 56)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(2), settings: Settings), 1_000);

        tally["far"].Should().Be(0, "56ms is above 50ms x 1.1");
        tally["best"].Should().BeInRange(400, 600);
        tally["near"].Should().BeInRange(400, 600);
    }

    [Fact]
    public void Endpoints_within_the_fastest_ones_own_spread_share_the_load()
    {
        // The fastest measures 10 ms on average, its samples spreading from 10 (p50) to 13 ms (p95): 11.5 and 12.5 ms
        // are beyond the 10% buffer but inside that noise; 14 ms is beyond both.
        EndpointCandidate[] candidates =
        [
            Make("best").WithSnapshot(s => s with { Latency = new(50, 10, 10, 13), LastSampleAt = Now }),
            Make("noisy-1").WithSnapshot(s => s with { Latency = new(50, 11.5, 11, 14), LastSampleAt = Now }),
            Make("noisy-2").WithSnapshot(s => s with { Latency = new(50, 12.5, 12, 16), LastSampleAt = Now }),
            Make("slower").WithSnapshot(s => s with { Latency = new(50, 14, 14, 15), LastSampleAt = Now }),
        ];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(5), settings: Settings), 3_000);

        tally["slower"].Should().Be(0);
        tally["best"].Should().BeInRange(850, 1150);
        tally["noisy-1"].Should().BeInRange(850, 1150);
        tally["noisy-2"].Should().BeInRange(850, 1150);
    }

    [Fact]
    public void A_stale_slow_endpoint_is_reprobed_once_per_window_and_recovers_when_fast_again()
    {
        // "slow" took 500ms and then lost all its traffic, so its last sample ages; "fast" keeps getting samples.
        var slow = Make("slow", latencyMs: 500, lastSampleAt: Now - TimeSpan.FromSeconds(30));
        var random = new SeededRandomSource(3);
        var slowPicks = new List<TimeSpan>();

        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(35); elapsed += TimeSpan.FromMilliseconds(100))
        {
            var now = Now + elapsed;
            var fast = Make("fast", latencyMs: 50, lastSampleAt: now);
            if (_strategy.PickCandidate([slow, fast], Context(random, settings: Settings, now: now)).Id == "slow")
                slowPicks.Add(elapsed);
        }

        // One probe at once (30s stale), then one per 10s window while its sample stays stale.
        slowPicks.Should().Equal(TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));

        // The probe's sample lands: slow is now fast and fresh, so it shares the traffic again.
        var later = Now + TimeSpan.FromSeconds(36);
        var recovered = slow.WithSnapshot(s => s with { Latency = Stats(48), LastSampleAt = later });
        var tally = Tally(_strategy, [recovered, Make("fast", latencyMs: 50, lastSampleAt: later)],
            Context(random, settings: Settings, now: later), 1_000);
        tally["slow"].Should().BeInRange(400, 600);
    }

    [Fact]
    public void A_probe_with_a_still_slow_answer_does_not_bring_traffic_back()
    {
        var later = Now + TimeSpan.FromSeconds(1);
        EndpointCandidate[] candidates = [Make("slow", latencyMs: 700, lastSampleAt: later), Make("fast", latencyMs: 50, lastSampleAt: later)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(4), settings: Settings, now: later), 500);

        tally["slow"].Should().Be(0);
    }

    [Fact]
    public void The_stalest_endpoint_is_reprobed_first()
    {
        EndpointCandidate[] candidates =
        [
            Make("stale", latencyMs: 300, lastSampleAt: Now - TimeSpan.FromSeconds(20)),
            Make("stalest", latencyMs: 400, lastSampleAt: Now - TimeSpan.FromSeconds(60)),
            Make("fast", latencyMs: 50),
        ];
        var context = Context(new SeededRandomSource(5), settings: Settings);

        Sequence(_strategy, candidates, context, 4).Should().Equal("stalest", "stale", "fast", "fast");
    }

    [Fact]
    public void A_zero_reprobe_window_disables_reprobing()
    {
        EndpointCandidate[] candidates = [Make("slow", latencyMs: 500, lastSampleAt: Now - TimeSpan.FromHours(1)), Make("fast", latencyMs: 50)];
        var settings = Settings with { LatencyReprobeAfter = TimeSpan.Zero };

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(6), settings: settings), 100);

        tally["slow"].Should().Be(0);
    }

    [Fact]
    public void Streaming_requests_rank_by_time_to_first_token()
    {
        EndpointCandidate[] candidates = [Make("quick-total", latencyMs: 100, ttftMs: 900), Make("quick-first-token", latencyMs: 900, ttftMs: 100)];

        var streamed = Tally(_strategy, candidates, Context(new SeededRandomSource(7), stream: true, settings: Settings), 200);
        var whole = Tally(_strategy, candidates, Context(new SeededRandomSource(7), stream: false, settings: Settings), 200);

        streamed["quick-first-token"].Should().Be(200);
        whole["quick-total"].Should().Be(200);
    }

    [Fact]
    public void Streaming_falls_back_to_latency_without_time_to_first_token_samples()
    {
        EndpointCandidate[] candidates = [Make("slow", latencyMs: 500), Make("fast", latencyMs: 50)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(8), stream: true, settings: Settings), 200);

        tally["fast"].Should().Be(200);
    }
}
