using Router.Messages.Endpoints;
using Router.Messages.Routing;
using Router.Node.Gateway;

namespace Router.Node.Tests;

/// <summary>
/// A release is reported after the client's response only where the next request's admission cannot depend on it:
/// a client that sends its next request the moment it has an answer must find a capped endpoint's slot, a rate
/// window or a provider's budget as this request left them.
/// </summary>
public sealed class ReleaseOrderTests
{
    private static readonly EndpointDefinition Uncapped = new("e-1", "group", "http://upstream/v1");

    /// <summary>What the endpoint's actor last published: its first incarnation, breaker closed.</summary>
    private static readonly EndpointSnapshot Published = EndpointSnapshot.Empty("e-1") with { Incarnation = 1 };

    [Fact]
    public void A_success_on_an_endpoint_without_limits_is_released_after_the_response() =>
        ReleaseOrder.MayFollowResponse(Uncapped, OutcomeKind.Success, null, Published).Should().BeTrue();

    [Fact]
    public void A_provider_with_requests_and_tokens_left_does_not_hold_the_response_back() =>
        ReleaseOrder.MayFollowResponse(Uncapped, OutcomeKind.Success, new ProviderRateLimits(RemainingRequests: 3, RemainingTokens: 900), Published)
            .Should().BeTrue();

    public static TheoryData<string, EndpointDefinition> LimitedEndpoints => new()
    {
        { "an in-flight cap", Uncapped with { MaxInFlight = 1 } },
        { "an rpm limit", Uncapped with { Rpm = 60 } },
        { "a tpm limit (the release corrects the tokens charged)", Uncapped with { Tpm = 10_000 } },
        { "strict fencing", Uncapped with { Fencing = LeaseFencing.Strict } },
    };

    [Theory]
    [MemberData(nameof(LimitedEndpoints))]
    public void An_endpoint_that_admits_on_what_a_release_changes_is_released_before_the_response(string limit, EndpointDefinition endpoint) =>
        ReleaseOrder.MayFollowResponse(endpoint, OutcomeKind.Success, null, Published).Should().BeFalse(limit);

    [Theory]
    [InlineData(0, null)]
    [InlineData(null, 0L)]
    public void A_provider_that_says_it_has_nothing_left_is_told_before_the_client_can_ask_again(int? requests, long? tokens) =>
        ReleaseOrder.MayFollowResponse(Uncapped, OutcomeKind.Success, new ProviderRateLimits(requests, tokens), Published).Should().BeFalse();

    [Theory]
    [InlineData(OutcomeKind.ClientError)]
    [InlineData(OutcomeKind.ServerError)]
    [InlineData(OutcomeKind.RateLimited)]
    [InlineData(OutcomeKind.Cancelled)]
    public void Anything_but_a_success_is_released_first_since_it_may_open_the_breaker_or_cool_the_endpoint(OutcomeKind outcome) =>
        ReleaseOrder.MayFollowResponse(Uncapped, outcome, null, Published).Should().BeFalse();

    [Fact]
    public void An_endpoint_the_directory_no_longer_has_is_released_first() =>
        ReleaseOrder.MayFollowResponse(null, OutcomeKind.Success, null, Published).Should().BeFalse();

    [Theory]
    [InlineData(CircuitState.HalfOpen)]
    [InlineData(CircuitState.Open)]
    public void A_success_on_an_endpoint_whose_breaker_was_not_closed_is_released_first_since_it_may_be_the_probe(CircuitState circuit) =>
        ReleaseOrder.MayFollowResponse(Uncapped, OutcomeKind.Success, null, Published with { Circuit = circuit }).Should().BeFalse();

    [Fact]
    public void An_endpoint_whose_actor_has_published_nothing_yet_is_released_first() =>
        ReleaseOrder.MayFollowResponse(Uncapped, OutcomeKind.Success, null, EndpointSnapshot.Empty("e-1")).Should().BeFalse();

    [Fact]
    public void A_drained_endpoint_is_released_first() =>
        ReleaseOrder.MayFollowResponse(Uncapped with { Drained = true }, OutcomeKind.Success, null, Published).Should().BeFalse();
}
