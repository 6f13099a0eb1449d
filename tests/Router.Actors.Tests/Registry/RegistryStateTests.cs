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
        { new RegisterEndpoint(Configured with { Url = "http://10.0.0.9:8000/v1" }), "already exists" },
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

    [Fact]
    public void A_retried_write_whose_change_is_already_in_effect_is_accepted_and_writes_nothing()
    {
        var state = NewState();

        // The same registration again (its first answer was lost): accepted, and nothing to persist.
        var (again, message) = state.Decide(new RegisterEndpoint(Configured), Strategies);
        again.Should().NotBeNull(message);
        state.Unchanged(again!).Should().BeTrue();

        var (drain, _) = state.Decide(new DrainEndpoint("a"), Strategies);
        state.Unchanged(drain!).Should().BeFalse("the first drain changes the endpoint");
        state.Apply(drain!);
        var (drainAgain, _) = state.Decide(new DrainEndpoint("a"), Strategies);
        state.Unchanged(drainAgain!).Should().BeTrue("a retried drain finds it drained");

        var (weight, _) = state.Decide(new UpdateEndpoint("a", Weight: 3), Strategies);
        state.Apply(weight!);
        var (weightAgain, _) = state.Decide(new UpdateEndpoint("a", Weight: 3), Strategies);
        state.Unchanged(weightAgain!).Should().BeTrue();
        state.Unchanged(state.Decide(new UpdateEndpoint("a", Weight: 4), Strategies).Event!).Should().BeFalse();
    }

    private static OfferConfiguration Offer(params EndpointDefinition[] endpoints) =>
        new("akka.tcp://llm-router@10.0.0.9:4053", [new ModelGroupDefinition("chat")], endpoints);

    [Fact]
    public void A_configuration_offer_adds_what_the_registry_lacks_and_says_so()
    {
        var state = NewState();
        var added = new EndpointDefinition("n", "chat", "http://10.0.0.3:8000/v1");

        var outcome = state.Offer(Offer(Configured, added));

        state.Endpoints["n"].Should().Be(added);
        outcome.Endpoints.Should().Equal(added);
        outcome.Applied.Should().ContainSingle().Which.Should().Be("endpoint 'n' added from the configuration of akka.tcp://llm-router@10.0.0.9:4053");
        outcome.Warnings.Should().BeEmpty();
        state.RuntimeChanges.Should().Be(0, "configuration is never a runtime change");
    }

    [Fact]
    public void A_runtime_change_wins_over_a_differing_configuration_with_a_warning_naming_both()
    {
        var state = NewState();
        state.Apply(new EndpointSaved(Configured with { MaxInFlight = 2, Drained = true }));

        var outcome = state.Offer(Offer(Configured with { MaxInFlight = 10 }));

        state.Endpoints["a"].MaxInFlight.Should().Be(2);
        state.Endpoints["a"].Drained.Should().BeTrue();
        outcome.Endpoints.Should().BeEmpty();
        outcome.Warnings.Should().ContainSingle().Which.Should()
            .Contain("endpoint 'a'").And.Contain("says MaxInFlight 10").And.Contain("keeps its runtime version (MaxInFlight 2)")
            .And.NotContain("Drained", "draining is runtime state, not configuration");
    }

    [Fact]
    public void An_endpoint_removed_at_runtime_is_not_brought_back_by_configuration_and_nothing_is_removed_implicitly()
    {
        var state = NewState();
        var other = new EndpointDefinition("b", "chat", "http://10.0.0.2:8000/v1");
        state.Offer(Offer(Configured, other));
        state.Apply(new EndpointDeleted("a"));

        var outcome = state.Offer(Offer(Configured)); // lists a (removed at runtime), lacks b

        state.Endpoints.Keys.Should().BeEquivalentTo(["b"]);
        outcome.Warnings.Should().ContainSingle().Which.Should().Contain("endpoint 'a'").And.Contain("removed at runtime");
    }

    [Fact]
    public void An_entry_that_came_from_configuration_is_updated_by_a_newer_configuration_visibly()
    {
        var state = NewState();
        var outcome = state.Offer(Offer(Configured with { Weight = 3 }));

        state.Endpoints["a"].Weight.Should().Be(3);
        outcome.Applied.Should().ContainSingle().Which.Should().Contain("endpoint 'a' updated").And.Contain("Weight 1 -> 3");
    }

    [Fact]
    public void A_new_incarnation_adopts_the_directory_over_its_stale_journal_and_returns_the_corrections()
    {
        // This incarnation's journal: a weight change and a runtime endpoint the directory never had.
        var state = NewState();
        var journalOnly = new EndpointDefinition("j", "chat", "http://10.0.0.7:8000/v1");
        state.Apply(new EndpointSaved(Configured with { Weight = 5 }));
        state.Apply(new EndpointSaved(journalOnly));

        // The directory as the previous incarnation left it: a's cap changed, b added from another node's
        // configuration, c (configured) removed at runtime.
        var b = new EndpointDefinition("b", "chat", "http://10.0.0.2:8000/v1");
        var c = new EndpointDefinition("c", "chat", "http://10.0.0.4:8000/v1");
        var live = Configured with { MaxInFlight = 2 };
        var groups = new Dictionary<string, ModelGroupDefinition> { ["chat"] = new("chat") };
        var events = state.Adopt(groups, new Dictionary<string, EndpointDefinition> { ["a"] = live, ["b"] = b },
            groups, new Dictionary<string, EndpointDefinition> { ["a"] = Configured, ["b"] = b, ["c"] = c });

        state.Endpoints.Should().BeEquivalentTo(new Dictionary<string, EndpointDefinition> { ["a"] = live, ["b"] = b, ["j"] = journalOnly });
        events.Should().Equal(new EndpointSaved(live), new EndpointDeleted("c"));
        state.Offer(Offer(c)).Warnings.Should().ContainSingle().Which.Should().Contain("removed at runtime");
    }
}
