using Router.Actors.Directory;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Registry;

/// <summary>
/// The one id rule for endpoint ids and model group names (DefinitionValidator.IdPattern), which start-up configuration
/// and admin writes share, and the environment check an admin write makes like start-up does.
/// </summary>
public class DefinitionValidatorIdTests
{
    private static EndpointDefinition Endpoint(string id) => new(id, "gpt-4o", "http://127.0.0.1:9/v1");

    [Theory]
    [InlineData("a")]
    [InlineData("azure-eu")]
    [InlineData("sim_fast.2")]
    [InlineData("9lives")]
    [InlineData("ollama:llama3.1")]
    public void Ids_in_the_documented_set_are_accepted(string id)
    {
        DefinitionValidator.Validate(Endpoint(id)).Should().BeEmpty();
        DefinitionValidator.Validate(new ModelGroupDefinition(id, "round-robin", null, null), new StrategyRegistry()).Should().BeEmpty();
    }

    [Fact]
    public void A_group_name_may_hold_a_slash_as_model_names_do_but_an_endpoint_id_may_not()
    {
        DefinitionValidator.GroupNameProblem("meta-llama/Llama-3.1-8B-Instruct").Should().BeNull();
        DefinitionValidator.IdProblem("meta-llama/Llama-3.1-8B-Instruct").Should().Contain("is not a valid id");
    }

    [Theory]
    [InlineData("bad id/../x")]
    [InlineData("../etc")]
    [InlineData(".hidden")]
    [InlineData("-flag")]
    [InlineData("a?b")]
    [InlineData("a%2Fb")]
    [InlineData("tab\tid")]
    [InlineData("é")]
    public void Ids_outside_it_are_refused_for_endpoints_and_groups(string id)
    {
        DefinitionValidator.Validate(Endpoint(id)).Should().ContainSingle().Which.Should().Contain("is not a valid id");
        DefinitionValidator.Validate(new ModelGroupDefinition(id, "round-robin", null, null), new StrategyRegistry())
            .Should().ContainSingle().Which.Should().Contain("is not a valid name");
    }

    [Fact]
    public void Length_is_limited_to_128_characters()
    {
        DefinitionValidator.IsValidId(new string('a', 128)).Should().BeTrue();
        DefinitionValidator.IsValidId(new string('a', 129)).Should().BeFalse();
    }

    [Fact]
    public void Control_characters_are_escaped_in_the_message()
    {
        DefinitionValidator.IdProblem("a\nb").Should().Contain("'a\\u000ab'").And.NotContain("\n");
    }

    [Fact]
    public void Variables_the_environment_lacks_are_named_without_their_values()
    {
        var endpoint = Endpoint("e") with { ApiKeyEnv = "KEY_VAR", HeadersFromEnv = new Dictionary<string, string> { ["X-Org"] = "ORG_VAR" } };
        var environment = new Dictionary<string, string> { ["KEY_VAR"] = "sk-secret" };

        DefinitionValidator.MissingVariables(endpoint, environment.GetValueOrDefault).Should().ContainSingle()
            .Which.Should().Contain("'ORG_VAR'").And.NotContain("sk-secret");
        DefinitionValidator.MissingVariables(endpoint, _ => null).Should().HaveCount(2);
        DefinitionValidator.MissingVariables(endpoint, _ => "set").Should().BeEmpty();
    }
}
