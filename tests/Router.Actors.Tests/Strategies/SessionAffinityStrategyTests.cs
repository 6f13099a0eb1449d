using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class SessionAffinityStrategyTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 1_000).Select(i => $"session-{i}").ToArray();
    private readonly SessionAffinityStrategy _strategy = new();

    [Fact]
    public void Name_is_session_affinity() => _strategy.Name.Should().Be("session-affinity");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Without_a_key_it_picks_the_least_busy(string? key)
    {
        EndpointCandidate[] candidates = [Make("a", inFlight: 3), Make("b", inFlight: 0), Make("c", inFlight: 2)];

        Tally(_strategy, candidates, Context(new SeededRandomSource(1), sessionKey: key), 100)["b"].Should().Be(100);
    }

    [Fact]
    public void The_same_key_keeps_its_endpoint_whatever_the_order_or_instance()
    {
        var candidates = Idle(5);
        var owner = _strategy.PickCandidate(candidates, Context(sessionKey: "conversation-42")).Id;

        var shuffler = new Random(42);
        for (var i = 0; i < 20; i++)
        {
            var shuffled = candidates.OrderBy(_ => shuffler.Next()).ToArray();
            new SessionAffinityStrategy().PickCandidate(shuffled, Context(sessionKey: "conversation-42")).Id.Should().Be(owner);
        }
    }

    [Fact]
    public void The_score_is_stable_across_processes()
    {
        // Pinned values (cross-checked with an independent implementation): a change here would move every
        // session in a rolling upgrade, and a switch to string.GetHashCode (randomized per process) fails.
        SessionAffinityStrategy.Score("session-1", "ep-1").Should().Be(SessionOneEpOne);
        SessionAffinityStrategy.Score("session-1", "ep-2").Should().Be(SessionOneEpTwo);
    }

    [Fact]
    public void Keys_spread_evenly_over_endpoints()
    {
        var owners = Owners(_strategy, Idle(4));

        owners.GroupBy(o => o.Value).Should().HaveCount(4)
            .And.OnlyContain(g => g.Count() > 200 && g.Count() < 300);
    }

    [Fact]
    public void Removing_an_endpoint_moves_only_the_keys_it_owned()
    {
        var all = Idle(5);
        var before = Owners(_strategy, all);
        var after = Owners(_strategy, all.Where(c => c.Id != "ep-2").ToArray());

        foreach (var key in Keys)
        {
            if (before[key] == "ep-2")
                after[key].Should().NotBe("ep-2");
            else
                after[key].Should().Be(before[key], "key {0} was not owned by the removed endpoint", key);
        }

        before.Values.Should().Contain("ep-2", "the test needs the removed endpoint to own some keys");
    }

    [Fact]
    public void Adding_an_endpoint_only_takes_keys_for_itself()
    {
        var before = Owners(_strategy, Idle(4));
        var after = Owners(_strategy, Idle(5));

        Keys.Where(k => after[k] != before[k]).Should().NotBeEmpty()
            .And.OnlyContain(k => after[k] == "ep-4");
    }

    [Fact]
    public void An_overloaded_owner_sends_the_key_to_the_next_in_its_ranking()
    {
        var candidates = Idle(4);
        foreach (var key in Keys.Take(50))
        {
            var owner = _strategy.PickCandidate(candidates, Context(sessionKey: key)).Id;
            var runnerUp = _strategy.PickCandidate(candidates.Where(c => c.Id != owner).ToArray(), Context(sessionKey: key)).Id;
            // Sum in flight 10 over 4 -> cap ceil(1.25 x 11 / 4) = 4: the owner at 10 is over it.
            var loaded = candidates.Select(c => c.Id == owner ? c.WithSnapshot(s => s with { InFlight = 10 }) : c).ToArray();

            _strategy.PickCandidate(loaded, Context(sessionKey: key)).Id.Should().Be(runnerUp);
        }
    }

    [Fact]
    public void An_owner_within_its_bound_keeps_the_key()
    {
        var candidates = Idle(3);
        var owner = _strategy.PickCandidate(candidates, Context(sessionKey: "k")).Id;
        // All at 2: sum 6 -> cap ceil(1.25 x 7 / 3) = 3, so 2 is still under it.
        var busy = candidates.Select(c => c.WithSnapshot(s => s with { InFlight = 2 })).ToArray();

        _strategy.PickCandidate(busy, Context(sessionKey: "k")).Id.Should().Be(owner);
    }

    [Fact]
    public void When_every_endpoint_is_over_the_bound_the_owner_keeps_the_key()
    {
        // A load factor below 1 can put everyone over the cap: ceil(0.5 x 21 / 2) = 6 < 10.
        var settings = StrategySettings.Default with { SessionLoadFactor = 0.5 };
        var idle = Idle(2);
        var owner = _strategy.PickCandidate(idle, Context(sessionKey: "k", settings: settings)).Id;
        var busy = idle.Select(c => c.WithSnapshot(s => s with { InFlight = 10 })).ToArray();

        _strategy.PickCandidate(busy, Context(sessionKey: "k", settings: settings)).Id.Should().Be(owner);
    }

    private const ulong SessionOneEpOne = 12199442516821024405UL;
    private const ulong SessionOneEpTwo = 7871224267406083835UL;

    private static EndpointCandidate[] Idle(int count) => Enumerable.Range(0, count).Select(i => Make($"ep-{i}")).ToArray();

    private static Dictionary<string, string> Owners(IRoutingStrategy strategy, EndpointCandidate[] candidates) =>
        Keys.ToDictionary(k => k, k => strategy.PickCandidate(candidates, Context(sessionKey: k)).Id);
}
