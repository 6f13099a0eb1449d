using Router.Actors.Directory;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Registry;

/// <summary>The provider settings of an endpoint, as checked before the registry writes it (admin API and configuration).</summary>
public class DefinitionValidatorProviderTests
{
    private static readonly EndpointDefinition Azure = new("azure", "gpt-4o", "https://r.openai.azure.com/openai/deployments/d",
        ApiKeyEnv: "AZURE_KEY", Auth: UpstreamAuth.ApiKey, ApiVersion: "2024-10-21",
        HeadersFromEnv: new Dictionary<string, string> { ["OpenAI-Organization"] = "ORG" });

    [Fact]
    public void A_complete_provider_definition_is_valid() => DefinitionValidator.Validate(Azure).Should().BeEmpty();

    [Theory]
    [InlineData("bearer")]
    [InlineData("API-KEY")]
    [InlineData("none")]
    [InlineData(null)]
    public void Known_auth_styles_are_accepted_in_any_case(string? auth) =>
        DefinitionValidator.Validate(Azure with { Auth = auth }).Should().BeEmpty();

    [Fact]
    public void An_unknown_auth_style_is_named() =>
        DefinitionValidator.Validate(Azure with { Auth = "basic" }).Should().ContainSingle().Which.Should().Contain("unknown auth style 'basic'");

    [Theory]
    [InlineData("")]
    [InlineData("2024-10-21&evil=1")]
    [InlineData("2024 10 21")]
    public void An_api_version_that_is_not_a_plain_value_is_refused(string version) =>
        DefinitionValidator.Validate(Azure with { ApiVersion = version }).Should().ContainSingle().Which.Should().Contain("api version");

    [Fact]
    public void A_query_in_the_url_is_refused_in_favour_of_ApiVersion() =>
        DefinitionValidator.Validate(Azure with { Url = Azure.Url + "?api-version=2024-10-21" }).Should().ContainSingle().Which.Should().Contain("has a query");

    [Theory]
    [InlineData("Host")]
    [InlineData("authorization")]
    [InlineData("api-key")]
    [InlineData("Content-Length")]
    [InlineData("Bad Header")]
    [InlineData("x:y")]
    public void Extra_headers_cannot_be_invalid_or_set_what_the_gateway_sets(string header) =>
        DefinitionValidator.Validate(Azure with { HeadersFromEnv = new Dictionary<string, string> { [header] = "VAR" } })
            .Should().ContainSingle().Which.Should().Contain($"'{header}'");

    [Fact]
    public void An_extra_header_needs_a_variable_name() =>
        DefinitionValidator.Validate(Azure with { HeadersFromEnv = new Dictionary<string, string> { ["x-tenant"] = " " } })
            .Should().ContainSingle().Which.Should().Contain("names no environment variable");
}
