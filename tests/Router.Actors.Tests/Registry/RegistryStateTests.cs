using Router.Actors.Registry;
using Router.Actors.Strategies;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Tests.Registry;

public class RegistryStateTests
{
    private static readonly StrategyRegistry Strategies = new();
    private static readonly EndpointDefinition Configured = new("a", "chat", "http://10.0.0.1:8000/v1", Weight: 1);

    private static RegistryState NewState() => new([new ModelGroupDefinition("chat")], [Configured]);

    [Fact]
    public void Runtime_events_replayed_over_configuration_win_for_the_same_id()
    {
        var state = NewState();
        state.Apply(new EndpointSaved(Configured with { Weight = 5 }));
        state.Apply(new EndpointSaved(new EndpointDefinition("b", "chat", "http://10.0.0.2:8000/v1")));
        state.Apply(new EndpointDeleted("b"));

        state.Endpoints["a"].Weight.Should().Be(5);
        state.Endpoints.Should().ContainSingle();
    }

    public static TheoryData<IManagementCommand, string> BadCommands() => new()
    {
        { new RegisterEndpoint(Configured), "already exists" },
        { new RegisterEndpoint(new EndpointDefinition("n", "missing-group", "http://x:1/v1")), "model group 'missing-group' does not exist" },
        { new RegisterEndpoint(new EndpointDefinition("n", "chat", "not a url")), "not an absolute http(s) url" },
        { new RegisterEndpoint(new EndpointDefinition("n", "chat", "http://x:1/v1", Weight: -1)), "weight must be 0 or more" },
        { new RegisterEndpoint(new EndpointDefinition("n", "chat", "http://x:1/v1", MaxInFlight: -3)), "max in-flight must be positive" },
        { new UpdateEndpoint("a", Rpm: 0), "rpm must be positive" },
        { new UpdateEndpoint("nope", Weight: 2), "endpoint 'nope' does not exist" },
        { new RemoveEndpoint("nope"), "endpoint 'nope' does not exist" },
        { new DrainEndpoint("nope"), "endpoint 'nope' does not exist" },
        { new SetGroupStrategy("chat", "fastest-please"), "unknown strategy 'fastest-please'" },
        { new SetGroupStrategy("nope", "latency"), "model group 'nope' does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadCommands))]
    public void Bad_input_is_refused_with_the_problem_named_and_changes_nothing(IManagementCommand command, string problem)
    {
        var state = NewState();
        var (change, message) = state.Decide(command, Strategies);

        change.Should().BeNull();
        message.Should().Contain(problem);
        state.Endpoints.Values.Should().Equal(Configured);
        state.Groups["chat"].Strategy.Should().Be("round-robin");
    }

    [Fact]
    public void Good_commands_become_events_that_carry_the_resulting_definition()
    {
        var state = NewState();
        var (weighted, _) = state.Decide(new UpdateEndpoint("a", Weight: 4, Tags: ["eu"]), Strategies);
        weighted.Should().BeEquivalentTo(new EndpointSaved(Configured with { Weight = 4, Tags = ["eu"] }));

        var (drained, message) = state.Decide(new DrainEndpoint("a"), Strategies);
        ((EndpointSaved)drained!).Endpoint.Drained.Should().BeTrue();
        message.Should().Contain("draining");

        var (strategy, _) = state.Decide(new SetGroupStrategy("chat", "least-busy"), Strategies);
        ((GroupSaved)strategy!).Group.Strategy.Should().Be("least-busy");

        state.Endpoints["a"].Should().Be(Configured, "deciding alone changes nothing; only applying the persisted event does");
    }
}
