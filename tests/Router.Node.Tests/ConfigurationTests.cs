using Router.Node.Configuration;

namespace Router.Node.Tests;

/// <summary>A node refuses to start on a bad configuration and names the key to fix.</summary>
public sealed class ConfigurationTests
{
    /// <summary>A complete, valid configuration (nothing is started: CreateAsync only builds).</summary>
    private static Dictionary<string, string?> ValidConfig() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Gateway:Urls"] = "http://127.0.0.1:0",
        ["Cluster:Port"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Admin:Urls"] = "http://127.0.0.1:0",
        ["Registry:Provider"] = "memory",
        ["ModelGroups:g:Strategy"] = "round-robin",
        ["ModelGroups:g:Endpoints:e:Url"] = "http://127.0.0.1:9/v1",
        ["ModelGroups:h:Endpoints:f:Url"] = "http://127.0.0.1:9/v1",
    };

    [Fact]
    public async Task Valid_configuration_builds_a_node()
    {
        await using var node = await GatewayNodes.CreateAsync(ValidConfig());

        node.Settings.ModelGroups.Keys.Should().BeEquivalentTo(["g", "h"]);
        node.Settings.Router.Retries.Should().Be(2, "unset keys keep their defaults");
    }

    [Theory]
    [InlineData("Router:Retries", "-1", "Router:Retries")]
    [InlineData("Router:Retries", "abc", "Router:Retries")]
    [InlineData("Router:FailureThreshold", "0", "Router:FailureThreshold")]
    [InlineData("Router:FirstTokenTimeoutSeconds", "0", "Router:FirstTokenTimeoutSeconds")]
    [InlineData("Router:ActivityBatchMilliseconds", "0", "Router:ActivityBatchMilliseconds")]
    [InlineData("Router:SpareIdleSeconds", "0", "Router:SpareIdleSeconds")]
    [InlineData("Router:LocalGrants", "sometimes", "Router:LocalGrants")]
    [InlineData("Gateway:MaxRequestBodyBytes", "0", "Gateway:MaxRequestBodyBytes")]
    [InlineData("Gateway:ApiKeys:0", " ", "Gateway:ApiKeys:0")]
    [InlineData("Cluster:Port", "70000", "Cluster:Port")]
    [InlineData("Cluster:SeedNodes:0", "localhost:4053", "Cluster:SeedNodes:0")]
    [InlineData("ModelGroups:g:Strategy", "fastest-please", "ModelGroups:g:Strategy")]
    [InlineData("ModelGroups:g:Endpoints:e:Url", "not a url", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:Url", "ftp://example.com/v1", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:Weight", "-1", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:MaxInFlight", "0", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:Url", "sim://nowhere", "ModelGroups:g:Endpoints:e:Url")]
    [InlineData("ModelGroups:g:Fallbacks:0", "missing-group", "ModelGroups:g:Fallbacks")]
    [InlineData("ModelGroups:g:Fallbacks:0", "g", "ModelGroups:g:Fallbacks")]
    [InlineData("ModelGroups:h:Endpoints:e:Url", "http://127.0.0.1:9/v1", "ModelGroups:h:Endpoints:e")] // id used twice
    [InlineData("ModelGroups:g:Endpoints:e:Auth", "basic", "ModelGroups:g:Endpoints:e:Auth")]
    [InlineData("ModelGroups:g:Endpoints:e:ApiVersion", "2024-10-21&x=1", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:Url", "https://r.openai.azure.com/openai/deployments/d?api-version=1", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:HeadersFromEnv:X-Org", "ROUTER_TESTS_SURELY_UNSET_VARIABLE", "ModelGroups:g:Endpoints:e:HeadersFromEnv:X-Org")]
    [InlineData("ModelGroups:g:Endpoints:e:HeadersFromEnv:Host", "PATH", "ModelGroups:g:Endpoints:e")]
    [InlineData("ModelGroups:g:Endpoints:e:HeadersFromEnv:Bad Header", "PATH", "ModelGroups:g:Endpoints:e")]
    [InlineData("Router:UpstreamCaBundle", "/nonexistent/internal-ca.pem", "Router:UpstreamCaBundle")]
    public async Task Bad_value_is_rejected_naming_its_key(string key, string value, string namedKey)
    {
        var config = ValidConfig();
        config[key] = value;

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Message.Should().Contain(namedKey);
    }

    [Theory]
    [InlineData("memory", "is local to this process")]
    [InlineData("sqlite", "is local to this host")]
    public async Task A_registry_local_to_one_gateway_is_refused_when_the_node_joins_other_gateways(string provider, string why)
    {
        var config = ValidConfig();
        config["Registry:Provider"] = provider;
        config["Registry:ConnectionString"] = "Data Source=never-created.db";
        config["Cluster:SeedNodes:0"] = "akka.tcp://llm-router@10.0.0.7:4053";

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Message.Should().Contain($"Registry:Provider: '{provider}' {why}").And.Contain("akka.tcp://llm-router@10.0.0.7:4053")
            .And.Contain("postgresql").And.Contain("Registry:SharedFile=true").And.Contain("Registry:AllowLocal=true");
    }

    [Theory]
    [InlineData("sqlite", "Registry:SharedFile")]
    [InlineData("sqlite", "Registry:AllowLocal")]
    [InlineData("memory", "Registry:AllowLocal")]
    public void A_local_registry_in_a_cluster_of_several_gateways_is_accepted_only_by_an_explicit_key(string provider, string key)
    {
        var settings = new NodeOptions
        {
            Registry = { Provider = provider },
            Cluster = { SeedNodes = ["akka.tcp://llm-router@10.0.0.7:4053"] },
            ModelGroups = { ["g"] = new ModelGroupOptions { Endpoints = { ["e"] = new EndpointOptions { Url = "http://127.0.0.1:9/v1" } } } },
        };
        if (key == "Registry:SharedFile") settings.Registry.SharedFile = true;
        else settings.Registry.AllowLocal = true;

        NodeOptionsValidator.Validate(settings, new Router.Actors.Strategies.StrategyRegistry(), _ => null).Should().BeEmpty();
    }

    [Fact]
    public void A_single_node_and_a_shared_registry_need_no_key()
    {
        static IReadOnlyList<string> Problems(string provider, params string[] seeds) => NodeOptionsValidator.Validate(new NodeOptions
        {
            Registry = { Provider = provider, ConnectionString = "Host=db;Database=router" },
            Cluster = { Hostname = "10.0.0.5", Port = 4053, SeedNodes = seeds.ToList() },
            ModelGroups = { ["g"] = new ModelGroupOptions { Endpoints = { ["e"] = new EndpointOptions { Url = "http://127.0.0.1:9/v1" } } } },
        }, new Router.Actors.Strategies.StrategyRegistry(), _ => null);

        Problems("sqlite").Should().BeEmpty("a cluster of one");
        Problems("sqlite", "akka.tcp://llm-router@10.0.0.5:4053").Should().BeEmpty("the only seed is this node itself");
        Problems("postgresql", "akka.tcp://llm-router@10.0.0.6:4053", "akka.tcp://llm-router@10.0.0.7:4053").Should().BeEmpty();
        Problems("memory", "akka.tcp://llm-router@10.0.0.6:4053").Should().ContainSingle().Which.Should().StartWith("Registry:Provider:");
    }

    [Fact]
    public async Task Endpoint_key_variable_that_is_not_set_is_rejected_before_any_request_needs_it()
    {
        var config = ValidConfig();
        var variable = "ROUTER_NODE_TESTS_UNSET_" + Guid.NewGuid().ToString("N");
        config["ModelGroups:g:Endpoints:e:ApiKeyEnv"] = variable;

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Message.Should().Contain("ModelGroups:g:Endpoints:e:ApiKeyEnv").And.Contain(variable);
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var config = ValidConfig();
        config["Router:Retries"] = "-1";
        config["ModelGroups:g:Strategy"] = "nope";
        config["Cluster:ShardCount"] = "0";

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Problems.Should().HaveCount(3);
        error.Message.Should().Contain("Router:Retries").And.Contain("ModelGroups:g:Strategy").And.Contain("Cluster:ShardCount");
    }

    [Fact]
    public async Task No_model_group_at_all_is_rejected()
    {
        var config = ValidConfig();
        foreach (var key in config.Keys.Where(k => k.StartsWith("ModelGroups:", StringComparison.Ordinal)).ToList()) config.Remove(key);

        var create = () => GatewayNodes.CreateAsync(config);

        (await create.Should().ThrowAsync<NodeConfigurationException>()).Which.Message.Should().Contain("ModelGroups");
    }

    [Theory]
    [InlineData("Weight", "heavy")]
    [InlineData("MaxInFlight", "many")]
    [InlineData("ContextWindow", "128k")]
    public async Task Unconvertible_endpoint_value_is_rejected_naming_its_key(string property, string value)
    {
        var config = ValidConfig();
        config[$"ModelGroups:g:Endpoints:e:{property}"] = value;

        var create = () => GatewayNodes.CreateAsync(config);

        // Today CreateAsync succeeds and group 'g' has no endpoint 'e' at all.
        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Message.Should().Contain($"ModelGroups:g:Endpoints:e:{property}");
    }

    [Theory]
    [InlineData("Router:RequestTimeoutSeconds", "1e300")] // today: OverflowException from CreateAsync
    [InlineData("Router:CooldownSeconds", "1e300")] // today: OverflowException from CreateAsync
    [InlineData("Router:RequestTimeoutSeconds", "5000000")] // today: starts, then CancelAfter throws on every request (500)
    [InlineData("Router:FirstTokenTimeoutSeconds", "5000000")] // today: starts, then every streaming request is a 500
    public async Task Duration_too_long_to_use_is_rejected_naming_its_key(string key, string value)
    {
        var config = ValidConfig();
        config[key] = value;

        var create = () => GatewayNodes.CreateAsync(config);

        (await create.Should().ThrowAsync<NodeConfigurationException>()).Which.Message.Should().Contain(key);
    }

    [Fact]
    public async Task Missing_context_window_fallback_group_is_reported_under_its_own_key()
    {
        var config = ValidConfig();
        config["ModelGroups:g:ContextWindowFallbacks:0"] = "missing-group";

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Message.Should().Contain("ModelGroups:g:ContextWindowFallbacks");
    }
}
