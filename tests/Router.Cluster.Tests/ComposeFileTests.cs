using Microsoft.Extensions.Configuration;
using Router.Actors.Strategies;
using Router.Node.Configuration;
using YamlDotNet.RepresentationModel;

namespace Router.Cluster.Tests;

/// <summary>
/// There is no Docker engine on our machines, so docker-compose.yml is checked here: its services, ports and
/// seed nodes must agree with deploy/cluster.json, the node's configuration keys, and the Dockerfile.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly YamlMappingNode Services = LoadServices();
    private static readonly NodeOptions Config = LoadClusterConfig();
    private static readonly string[] Gateways = ["gateway-1", "gateway-2", "gateway-3"];

    [Fact]
    public void Compose_has_three_gateways_three_simulators_and_postgres()
    {
        Services.Children.Keys.Select(k => k.ToString()).Should().BeEquivalentTo(
            ["postgres", "gateway-1", "gateway-2", "gateway-3", "sim-a", "sim-b", "sim-c"]);
    }

    [Fact]
    public void Each_gateway_advertises_its_service_name_and_maps_the_configured_gateway_and_admin_ports()
    {
        var gatewayPort = new Uri(Config.Gateway.Urls).Port;
        var adminPort = new Uri(Config.Admin.Urls).Port;
        foreach (var name in Gateways)
        {
            var service = Service(name);
            Environment(service)["Cluster__PublicHostname"].Should().Be(name, "other nodes reach it by its service name");
            Environment(service).Should().ContainKey("Admin__Token");
            var containerPorts = Sequence(service, "ports").Select(p => int.Parse(p.Split(':')[1])).ToList();
            containerPorts.Should().BeEquivalentTo([gatewayPort, adminPort]);
        }
    }

    [Fact]
    public void Seed_nodes_name_gateway_services_on_the_cluster_port()
    {
        Config.Cluster.SeedNodes.Should().NotBeEmpty();
        foreach (var seed in Config.Cluster.SeedNodes)
        {
            var hostPort = seed["akka.tcp://llm-router@".Length..].Split(':');
            Gateways.Should().Contain(hostPort[0]);
            int.Parse(hostPort[1]).Should().Be(Config.Cluster.Port);
        }
        Config.Cluster.Hostname.Should().Be("0.0.0.0", "in a container the node binds every interface and advertises its service name");
    }

    [Fact]
    public void Endpoint_urls_point_at_simulator_services_on_the_port_they_listen_on()
    {
        var endpoints = Config.ModelGroups.Values.SelectMany(g => g.Endpoints).ToList();
        endpoints.Should().NotBeEmpty();
        foreach (var (id, endpoint) in endpoints)
        {
            var url = new Uri(endpoint.Url);
            var command = Sequence(Service(url.Host), "command");
            command.Should().Contain($"http://0.0.0.0:{url.Port}", $"{id} calls {url.Host} on the port its simulator listens on");
            url.AbsolutePath.Should().Be("/v1");
        }
    }

    [Fact]
    public void The_registry_uses_the_compose_postgres_service_with_its_credentials()
    {
        Config.Registry.Provider.Should().Be("postgresql");
        var connection = Config.Registry.ConnectionString.Split(';').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        connection["Host"].Should().Be("postgres");
        var postgres = Environment(Service("postgres"));
        connection["Username"].Should().Be(postgres["POSTGRES_USER"]);
        connection["Password"].Should().Be(postgres["POSTGRES_PASSWORD"]);
        connection["Database"].Should().Be(postgres["POSTGRES_DB"]);
    }

    [Fact]
    public void The_cluster_configuration_is_valid_for_a_node()
    {
        var problems = NodeOptionsValidator.Validate(Config, new StrategyRegistry(), _ => null);
        problems.Should().BeEmpty();
    }

    [Fact]
    public void The_dockerfile_ships_the_cluster_configuration_the_entrypoint_uses()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "Dockerfile"));
        dockerfile.Should().Contain("COPY deploy/cluster.json /app/config/cluster.json");
        dockerfile.Should().Contain("\"--config\", \"/app/config/cluster.json\"");
        dockerfile.Should().Contain("/app/simulator");
        foreach (var sim in new[] { "sim-a", "sim-b", "sim-c" })
            Sequence(Service(sim), "entrypoint").Should().Contain("/app/simulator/Router.Simulator.dll");
    }

    private static YamlMappingNode LoadServices()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepoPaths.Root, "docker-compose.yml"));
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return (YamlMappingNode)root.Children[new YamlScalarNode("services")];
    }

    private static NodeOptions LoadClusterConfig() =>
        NodeConfiguration.Bind(new ConfigurationBuilder().AddJsonFile(RepoPaths.ClusterConfig).Build());

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services.Children[new YamlScalarNode(name)];

    /// <summary>Resolves YAML merge keys (&lt;&lt;: *anchor) the way compose does, for one level.</summary>
    private static YamlNode? Get(YamlMappingNode service, string key)
    {
        if (service.Children.TryGetValue(new YamlScalarNode(key), out var value)) return value;
        return service.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode parent ? Get(parent, key) : null;
    }

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)Get(service, "environment")!).Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString());

    private static List<string> Sequence(YamlMappingNode service, string key) =>
        ((YamlSequenceNode)Get(service, key)!).Children.Select(c => c.ToString()).ToList();
}
