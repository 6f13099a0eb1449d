using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class UsageStrategyTests
{
    private readonly UsageStrategy _strategy = new();

    [Fact]
    public void Name_is_usage() => _strategy.Name.Should().Be("usage");

    [Fact]
    public void Compares_headroom_as_a_fraction_of_the_limit()
    {
        // a has 10 requests left (10%), b only 5 but that is half its limit.
        EndpointCandidate[] candidates = [Make("a", rpm: 100, requestsLastMinute: 90), Make("b", rpm: 10, requestsLastMinute: 5)];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("b");
    }

    [Fact]
    public void Headroom_is_the_smaller_of_rpm_and_tpm()
    {
        // a: rpm 100% free but tpm 10% free -> 0.1; b: 50% of both -> 0.5.
        EndpointCandidate[] candidates =
        [
            Make("a", rpm: 100, requestsLastMinute: 0, tpm: 10_000, tokensLastMinute: 9_000),
            Make("b", rpm: 100, requestsLastMinute: 50, tpm: 10_000, tokensLastMinute: 5_000),
        ];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("b");
    }

    [Fact]
    public void An_unlimited_endpoint_has_full_headroom()
    {
        EndpointCandidate[] candidates = [Make("limited", rpm: 100, requestsLastMinute: 1), Make("unlimited", requestsLastMinute: 500)];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("unlimited");
    }

    [Fact]
    public void Usage_beyond_the_limit_counts_as_no_headroom_and_ties_go_to_fewer_in_flight()
    {
        EndpointCandidate[] candidates =
        [
            Make("over", rpm: 10, requestsLastMinute: 25, inFlight: 1),
            Make("at-limit", rpm: 10, requestsLastMinute: 10, inFlight: 3),
        ];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("over");
    }

    [Fact]
    public void Equal_headroom_goes_to_fewer_in_flight()
    {
        EndpointCandidate[] candidates =
        [
            Make("busy", rpm: 100, requestsLastMinute: 50, inFlight: 4),
            Make("idle", rpm: 200, requestsLastMinute: 100, inFlight: 0),
        ];

        Tally(_strategy, candidates, Context(new SeededRandomSource(1)), 100)["idle"].Should().Be(100);
    }

    [Fact]
    public void Complete_ties_are_broken_at_random()
    {
        EndpointCandidate[] candidates = [Make("a", rpm: 100, requestsLastMinute: 20), Make("b", rpm: 100, requestsLastMinute: 20), Make("used", rpm: 100, requestsLastMinute: 21)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(2)), 1_000);

        tally["used"].Should().Be(0);
        tally["a"].Should().BeInRange(400, 600);
        tally["b"].Should().BeInRange(400, 600);
    }

    [Fact]
    public void The_providers_remaining_figures_count_as_headroom()
    {
        // Both look idle by our own counters; the provider says a has 5 of 100 requests left, b 60 of 100.
        EndpointCandidate[] candidates =
        [
            Make("a").WithSnapshot(s => s with { ProviderRemainingRequests = 5, ProviderLimitRequests = 100 }),
            Make("b").WithSnapshot(s => s with { ProviderRemainingRequests = 60, ProviderLimitRequests = 100 }),
        ];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("b");
    }

    [Fact]
    public void A_provider_figure_without_its_limit_is_measured_against_the_configured_one()
    {
        // a: configured tpm 10k, provider says 1k tokens left (10%); b: our own count says 50% used.
        EndpointCandidate[] candidates =
        [
            Make("a", tpm: 10_000).WithSnapshot(s => s with { ProviderRemainingTokens = 1_000 }),
            Make("b", tpm: 10_000, tokensLastMinute: 5_000),
        ];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("b");
    }

    [Fact]
    public void Zero_remaining_at_the_provider_is_no_headroom()
    {
        EndpointCandidate[] candidates =
        [
            Make("exhausted", inFlight: 0).WithSnapshot(s => s with { ProviderRemainingRequests = 0 }),
            Make("used", rpm: 100, requestsLastMinute: 99, inFlight: 5),
        ];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("used");
    }
}
