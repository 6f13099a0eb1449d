using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Router.Node.Configuration;

namespace Router.Node.Tests;

/// <summary>
/// Strict configuration: a misspelt key, an empty group, malformed JSON or a busy port stops the node with one line that
/// says what to fix (exit code 2), instead of starting with defaults or crashing with a stack trace.
/// </summary>
public sealed partial class StrictConfigurationTests
{
    private static Dictionary<string, string?> ValidConfig() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Gateway:Urls"] = "http://127.0.0.1:0",
        ["Cluster:Port"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Admin:Urls"] = "http://127.0.0.1:0",
        ["Registry:Provider"] = "memory",
        ["ModelGroups:g:Strategy"] = "round-robin",
        ["ModelGroups:g:Endpoints:e:Url"] = "http://127.0.0.1:9/v1",
    };

    [Theory]
    [InlineData("Router:Retires", "3", "Router:Retires is not a setting; did you mean Retries?")]
    [InlineData("Router:CooldownSecs", "3", "Router:CooldownSecs is not a setting; did you mean CooldownSeconds?")]
    [InlineData("Routerr:Retries", "3", "Routerr is not a setting; did you mean Router?")]
    [InlineData("ModelGroups:g:Endpoints:e:MaxInFligth", "3", "ModelGroups:g:Endpoints:e:MaxInFligth is not a setting; did you mean MaxInFlight?")]
    [InlineData("ModelGroups:h:Endpoint:x:Url", "http://127.0.0.1:9/v1", "ModelGroups:h:Endpoint is not a setting; did you mean Endpoints?")]
    [InlineData("Registry:Provder", "memory", "Registry:Provder is not a setting; did you mean Provider?")]
    [InlineData("Simulators:s:Latency", "5", "Simulators:s:Latency is not a setting; did you mean LatencyMs?")]
    [InlineData("Cluster:SeedNodes:0:Host", "x", "Cluster:SeedNodes:0:Host is not a setting; Cluster:SeedNodes:0 is a single value, not a section")]
    [InlineData("Gateway:Zzzzzzzz", "x", "Gateway:Zzzzzzzz is not a setting (known here: ApiKeys, MaxRequestBodyBytes")]
    [InlineData("Telemetry:Enabeld", "false", "Telemetry:Enabeld is not a setting; did you mean Enabled?")]
    public async Task Unknown_key_stops_the_node_naming_it_and_the_closest_known_key(string key, string value, string expected)
    {
        var config = ValidConfig();
        config[key] = value;

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Problems.Should().ContainSingle().Which.Should().StartWith(expected);
        error.Message.Should().NotContain(Environment.NewLine, "one problem is one line");
    }

    [Fact]
    public async Task Keys_match_case_insensitively_like_the_binder_and_standard_sections_are_left_alone()
    {
        var config = ValidConfig();
        config["router:retries"] = "5";
        config["MODELGROUPS:g:ENDPOINTS:e:maxinflight"] = "7";
        config["Kestrel:Limits:MaxConcurrentConnections"] = "100";
        config["AllowedHosts"] = "*";
        config["telemetry:enabled"] = "false";
        config["OpenTelemetry:ServiceName"] = "router";
        config["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317";
        config["Logging:Console:FormatterName"] = "json";

        await using var node = await GatewayNodes.CreateAsync(config);

        node.Settings.Router.Retries.Should().Be(5);
        node.Settings.ModelGroups["g"].Endpoints["e"].MaxInFlight.Should().Be(7);
        node.Settings.Telemetry.Enabled.Should().BeFalse();
    }

    [Fact]
    public void Ignored_top_level_sections_are_explicit_and_none_is_a_node_section()
    {
        ConfigurationKeys.IgnoredSections.Should().Contain(["Logging", "Kestrel", "AllowedHosts", "OpenTelemetry"]);
        ConfigurationKeys.Sections.Should().Contain(["Gateway", "Cluster", "Router", "Admin", "Registry", "ModelGroups", "Simulators", "Telemetry"]);
        ConfigurationKeys.Sections.Intersect(ConfigurationKeys.IgnoredSections, StringComparer.OrdinalIgnoreCase).Should().BeEmpty();
    }

    [Fact]
    public async Task Environment_variables_are_checked_under_the_node_sections_only()
    {
        var prefix = $"ROUTER_STRICT_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "Router__Retires", "1");
        Environment.SetEnvironmentVariable(prefix + "SOME_OTHER_TOOL_SETTING", "1"); // the environment carries much else
        try
        {
            var create = () => GatewayNode.CreateAsync([], c =>
            {
                c.Sources.Clear();
                c.AddInMemoryCollection(ValidConfig());
                c.AddEnvironmentVariables(prefix);
            });

            var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
            error.Problems.Should().ContainSingle()
                .Which.Should().Be("Router:Retires is not a setting; did you mean Retries? (environment variable Router__Retires)");
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Router__Retires", null);
            Environment.SetEnvironmentVariable(prefix + "SOME_OTHER_TOOL_SETTING", null);
        }
    }

    /// <summary>The id and name rules admin writes apply (DefinitionValidator), so whatever configuration defines can be managed.</summary>
    [Theory]
    [InlineData("ModelGroups:g:Endpoints:bad id/x:Url", "http://127.0.0.1:9/v1", "ModelGroups:g:Endpoints:bad id/x: endpoint id 'bad id/x' is not a valid id")]
    [InlineData("ModelGroups:g:Endpoints:.hidden:Url", "http://127.0.0.1:9/v1", "ModelGroups:g:Endpoints:.hidden: endpoint id '.hidden' is not a valid id")]
    [InlineData("ModelGroups:a b:Endpoints:e2:Url", "http://127.0.0.1:9/v1", "ModelGroups:a b: model group 'a b' is not a valid name")]
    public async Task Ids_outside_the_documented_set_are_refused_at_start_up_as_by_admin_writes(string key, string value, string expected)
    {
        var config = ValidConfig();
        config[key] = value;

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Problems.Should().ContainSingle().Which.Should().StartWith(expected);
    }

    [Fact]
    public async Task A_group_without_endpoints_is_refused()
    {
        var config = ValidConfig();
        config["ModelGroups:empty:Strategy"] = "latency";

        var create = () => GatewayNodes.CreateAsync(config);

        var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Problems.Should().ContainSingle().Which.Should().StartWith("ModelGroups:empty:Endpoints: group 'empty' has no endpoints");
    }

    [Fact]
    public async Task Malformed_json_names_the_file_line_and_position()
    {
        var path = Path.Combine(Path.GetTempPath(), $"router-malformed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, "{\n  \"Router\": {\n    \"Retries\": 2 x\n  }\n}\n");
        try
        {
            var create = () => GatewayNode.CreateAsync(["--config", path]);

            var error = (await create.Should().ThrowAsync<NodeConfigurationException>()).Which;
            error.Problems.Should().ContainSingle().Which.Should().StartWith($"{path}: not valid JSON at line 3, position 18:");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_busy_gateway_port_is_a_configuration_error_naming_the_port_and_its_setting()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var config = ValidConfig();
        config["Gateway:Urls"] = $"http://127.0.0.1:{port}";
        await using var node = await GatewayNodes.CreateAsync(config);

        var start = () => node.StartAsync();

        var error = (await start.Should().ThrowAsync<NodeConfigurationException>()).Which;
        error.Problems.Should().ContainSingle().Which.Should()
            .StartWith($"Gateway:Urls: cannot listen on http://127.0.0.1:{port}: port {port} is already in use by another process");
    }

    /// <summary>A port taken between the start-up check and Kestrel's bind: Program turns Kestrel's error into the same line.</summary>
    [Theory]
    [InlineData("http://127.0.0.1:4000", "Gateway:Urls")]
    [InlineData("http://127.0.0.1:9110", "Admin:Urls")]
    public void A_bind_failure_in_the_race_names_the_setting_of_its_port(string url, string key)
    {
        var settings = new NodeOptions { Gateway = { Urls = "http://127.0.0.1:4000" }, Admin = { Urls = "http://127.0.0.1:9110" } };
        var failure = new IOException($"Failed to bind to address {url}: address already in use.",
            new Microsoft.AspNetCore.Connections.AddressInUseException("Address already in use"));

        Listeners.DescribeBindFailure(failure, settings).Should()
            .Be($"{key}: cannot listen on {url}: port {new Uri(url).Port} is already in use by another process; stop that process or choose another port in {key}");
        Listeners.DescribeBindFailure(new IOException("disk full"), settings).Should().BeNull("only a busy address is a configuration error");
    }

    /// <summary>The process itself: exit code 2 and one line on stderr, no stack trace (not an abort with 134).</summary>
    [Theory]
    [InlineData("malformed")]
    [InlineData("unknown-key")]
    [InlineData("busy-port")]
    public async Task The_node_process_exits_with_code_2_and_one_line(string problem)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var path = Path.Combine(Path.GetTempPath(), $"router-strict-{Guid.NewGuid():N}.json");
        var urls = problem == "busy-port" ? $"http://127.0.0.1:{port}" : "http://127.0.0.1:0";
        var json = "{ \"Gateway\": { \"Urls\": \"" + urls + "\" }, \"Admin\": { \"Urls\": \"http://127.0.0.1:0\" }, \"Cluster\": { \"Port\": 0 }, " +
                   "\"Registry\": { \"Provider\": \"memory\" }, \"ModelGroups\": { \"g\": { \"Endpoints\": { \"e\": { \"Url\": \"http://127.0.0.1:9/v1\"" +
                   (problem == "unknown-key" ? ", \"MaxInFligth\": 3" : "") + " } } } } }" + (problem == "malformed" ? "}" : "");
        await File.WriteAllTextAsync(path, json);
        try
        {
            var (exitCode, stdout, stderr) = await RunNodeAsync("--config", path);

            exitCode.Should().Be(2, stdout + stderr);
            var line = stderr.Trim();
            line.Should().NotContain("\n").And.NotContain("   at ").And.NotContain("Exception");
            line.Should().Contain(problem switch
            {
                "malformed" => $"{path}: not valid JSON at line 1",
                "unknown-key" => "ModelGroups:g:Endpoints:e:MaxInFligth is not a setting; did you mean MaxInFlight?",
                _ => $"Gateway:Urls: cannot listen on http://127.0.0.1:{port}",
            });
        }
        finally { File.Delete(path); }
    }

    /// <summary>Every JSON example in README.md and the repository's configurations use only known keys.</summary>
    [Fact]
    public void Readme_examples_and_shipped_configurations_use_only_known_keys()
    {
        var root = RepoPaths.Root;
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var blocks = JsonBlock().Matches(readme).Select(m => ("README.md", m.Groups[1].Value)).ToList();
        blocks.Should().HaveCountGreaterThanOrEqualTo(5, "the configuration example and the four provider examples");
        foreach (var file in new[] { "src/Router.Node/appsettings.json", "deploy/cluster.json" })
            blocks.Add((file, File.ReadAllText(Path.Combine(root, file))));

        foreach (var (source, json) in blocks)
        {
            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
            // A JSON block that is not a node configuration (a response body, say) has none of the node's sections.
            if (!configuration.GetChildren().Any(c => ConfigurationKeys.Sections.Contains(c.Key, StringComparer.OrdinalIgnoreCase))) continue;
            ConfigurationKeys.Check(configuration).Should().BeEmpty($"{source} should only use known keys:\n{json}");
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunNodeAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Router.Node.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the node did not exit within 60 s: " + await stdout);
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
