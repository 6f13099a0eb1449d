using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using Akka.Remote;
using Akka.Remote.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.AdminApi;
using Router.Node;
using Router.Simulator;
using Xunit.Abstractions;

namespace Router.Admin.Tests;

/// <summary>
/// routerctl during an incident, against three gateway nodes in this process: the oldest (A, the registry's host) is
/// cut off from B and C through Akka's throttler transport (every message between them dropped, as on a cut network).
/// Reads on either side answer within their deadline with what the node knows, marked, exit 0 with a warning line;
/// `cluster show` says who cannot reach whom and what the resolver will decide; writes fail with the reason and change
/// nothing, and land once the partition heals (a retry writes nothing more).
/// </summary>
[Collection(nameof(AdminTests))]
public sealed class IncidentTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int EndpointCount = 9;

    /// <summary>An admin read may take its deadline (2 s) plus the HTTP round trip.</summary>
    private static readonly TimeSpan ReadBudget = TimeSpan.FromSeconds(6);

    private readonly string _directory = Directory.CreateTempSubdirectory("router-incident-").FullName;
    private readonly int[] _ports = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
    private SimulatedEndpoint _upstream = null!;
    private readonly List<GatewayNode> _nodes = [];
    private GatewayNode A => _nodes[0];
    private GatewayNode B => _nodes[1];
    private GatewayNode C => _nodes[2];

    public async Task InitializeAsync()
    {
        _upstream = await SimulatedEndpoint.StartAsync(new SimulatorOptions { Name = "incident", LatencyMs = 1, TimeToFirstTokenMs = 0, TokensPerSecond = 0 });
        foreach (var port in _ports) _nodes.Add(await StartNodeAsync(port));
        await Eventually.Until(async () => (await AdminCluster.Ctl(A, "cluster", "show", "--json")).Json<ClusterView>().Members.Count(m => m.Status == "Up"),
            up => up == 3, "the three gateways are up (members up)");
        foreach (var node in _nodes) await GatewayNodes.WaitReadyAsync(node);
    }

    [Fact]
    public async Task With_the_registry_node_cut_off_reads_answer_marked_within_the_deadline_and_writes_fail_with_the_reason_then_land_after_healing()
    {
        // An endpoint's actor publishes its snapshot when it starts (then only on changes): B's exchange must be a subscriber
        // A and C know by then.
        await SnapshotTopic.WaitUntilKnownEverywhereAsync(SystemOf(B), _nodes.Select(SystemOf));
        // Every endpoint's actor is started (a listing asks each) and has pushed its snapshot to B.
        await Eventually.Until(async () =>
            (await AdminCluster.Ctl(B, "router", "endpoints", "--json")).Json<List<EndpointView>>() is { Count: EndpointCount } all
            && all.All(e => e.Freshness == SnapshotFreshness.Live), "every endpoint answers B live");
        var runtimeB = RouterRuntime.Get(SystemOf(B));
        await Eventually.Until(() => Task.FromResult(Enumerable.Range(1, EndpointCount).All(i =>
                runtimeB.Snapshots.Slot($"inc-{i}").Snapshot.TakenAt != DateTimeOffset.MinValue && runtimeB.LastKnownHome($"inc-{i}") is not null)),
            "B holds a snapshot of every endpoint");
        var sharding = (await AdminCluster.Ctl(B, "sharding", "regions", "--json")).Json<ShardingView>();
        var addressA = AddressOf(A);
        var onA = sharding.Regions.Single(r => r.Address == addressA).EndpointIds!.ToList();
        onA.Should().NotBeEmpty("9 endpoints over 100 shards and 3 gateways put some on A");

        await CutAsync(A, [B, C]);
        try
        {
            // At once, while A is merely silent (as a frozen node is) and again once B's failure detector marked it.
            var silent = await TimedCtl(B, "router", "endpoints");
            AssertPartialListing(silent, onA, SnapshotFreshness.Stale, SnapshotFreshness.Unreachable);
            await Eventually.Until(async () => (await AdminCluster.Ctl(B, "cluster", "show", "--json")).Json<ClusterView>().Unreachable.Contains(addressA),
                "B sees A unreachable");
            var marked = await TimedCtl(B, "router", "endpoints");
            AssertPartialListing(marked, onA, SnapshotFreshness.Unreachable);

            var json = await TimedCtl(B, "router", "endpoints", "--json");
            json.Result.Exit.Should().Be(0, json.Result.ToString());
            var views = json.Result.Json<List<EndpointView>>();
            views.Should().HaveCount(EndpointCount);
            views.Where(v => onA.Contains(v.Definition.Id)).Should().OnlyContain(v =>
                v.Freshness == SnapshotFreshness.Unreachable && v.Node == addressA && v.AgeSeconds != null && v.Note!.Contains("unreachable"));
            views.Where(v => !onA.Contains(v.Definition.Id)).Should().OnlyContain(v => v.Freshness == SnapshotFreshness.Live && v.Node != addressA);

            var show = await TimedCtl(B, "router", "endpoint", "show", onA[0]);
            show.Result.Exit.Should().Be(0, show.Result.ToString());
            show.Result.Output.Should().MatchRegex(@"(?m)^freshness:\s+unreachable, [0-9.]+ s old: its node .* is unreachable from this node");
            show.Result.Error.Trim().Should().Be($"warning: 1 part did not answer in time and is not counted: {onA[0]}");

            var regions = await TimedCtl(B, "sharding", "regions");
            regions.Result.Exit.Should().Be(0, regions.Result.ToString());
            regions.Result.Error.Trim().Should().Be($"warning: 1 gateway node did not answer in time and is not counted: {addressA}");

            var stats = await TimedCtl(B, "router", "stats");
            stats.Result.Exit.Should().Be(0, stats.Result.ToString());
            stats.Result.Error.Should().Contain("did not answer in time").And.Contain(addressA);

            // Who cannot reach whom, and what the resolver will do, from each side.
            await Eventually.Until(async () => (await AdminCluster.Ctl(B, "cluster", "show", "--json")).Json<ClusterView>()
                    .UnreachableMembers!.SingleOrDefault(m => m.Address == addressA)?.ObservedBy?.Count == 2,
                "B knows that both B and C observed A unreachable");
            var cluster = await TimedCtl(B, "cluster", "show", "--json");
            var viewB = cluster.Result.Json<ClusterView>();
            viewB.UnreachableMembers!.Single().ObservedBy.Should().BeEquivalentTo([AddressOf(B), AddressOf(C)]);
            viewB.UnreachableMembers!.Single().UnreachableSince.Should().NotBeNull();
            var resolver = viewB.Resolver!;
            resolver.Strategy.Should().Be("keep-majority");
            resolver.Role.Should().Be(RouterClusterSettings.GatewayRole);
            resolver.State.Should().Be("waiting", "stable-after is 120 s here");
            resolver.DecisionInSeconds.Should().BeInRange(1, 120);
            resolver.Decision.Should().StartWith("this side survives (2 of 3 gateway members");
            resolver.WillDown.Should().Equal(addressA);
            var text = await AdminCluster.Ctl(B, "cluster", "show");
            text.Output.Should().Contain($"unreachable: {addressA}").And.Contain("resolver: keep-majority (only gateway members count)")
                .And.Contain("decides in about");
            ClusterView? viewA = null;
            await Eventually.Until(async () => (viewA = (await AdminCluster.Ctl(A, "cluster", "show", "--json")).Json<ClusterView>()).Unreachable.Count == 2,
                "A sees B and C unreachable");
            viewA!.Resolver!.Decision.Should().StartWith("this side is downed (only 1 of 3 gateway members");
            viewA.Resolver.WillDown.Should().Equal(addressA);

            // Writes: B reaches a majority but not the registry (on A); A holds the registry but no majority. Neither sends.
            var drainB = await AdminCluster.Ctl(B, "router", "endpoint", "drain", "inc-1");
            drainB.Exit.Should().Be(1, drainB.ToString());
            drainB.Error.Should().Contain("registry unreachable").And.Contain(addressA).And.Contain("nothing was changed");
            var drainA = await Eventually.Until(() => AdminCluster.Ctl(A, "router", "endpoint", "drain", "inc-1"), r => r.Error.Contains("no majority"),
                "A refuses writes for want of a majority");
            drainA.Exit.Should().Be(1);
            drainA.Error.Should().Contain("nothing was changed");

            new[] { json, show, regions, stats, cluster }.Should().OnlyContain(r => r.Elapsed < ReadBudget, "every read answers within its deadline");
            output.WriteLine($"during the partition, from B: router endpoints {silent.Elapsed.TotalMilliseconds:0} ms (A silent), " +
                             $"{marked.Elapsed.TotalMilliseconds:0} ms (A marked unreachable), --json {json.Elapsed.TotalMilliseconds:0} ms; " +
                             $"endpoint show {show.Elapsed.TotalMilliseconds:0} ms; sharding regions {regions.Elapsed.TotalMilliseconds:0} ms; " +
                             $"router stats {stats.Elapsed.TotalMilliseconds:0} ms; cluster show {cluster.Elapsed.TotalMilliseconds:0} ms");
        }
        finally
        {
            await HealAsync(A, [B, C]);
        }

        await Eventually.Until(async () => (await AdminCluster.Ctl(B, "cluster", "show", "--json")).Json<ClusterView>().Unreachable.Count == 0,
            "the partition healed");
        foreach (var node in _nodes)
            (await AdminCluster.Ctl(node, "router", "endpoint", "show", "inc-1")).Output.Should().MatchRegex(@"(?m)^state:\s+active$", "the refused drains changed nothing");
        var drained = await Eventually.Until(() => AdminCluster.Ctl(B, "router", "endpoint", "drain", "inc-1"), r => r.Exit == 0,
            "the drain lands once B reaches the registry again", TimeSpan.FromSeconds(30));
        drained.Output.Should().Contain("draining");
        var retried = await AdminCluster.Ctl(B, "router", "endpoint", "drain", "inc-1");
        retried.Exit.Should().Be(0, retried.ToString());
        retried.Output.Should().Contain("already so: nothing changed");
        await Eventually.Until(async () => (await AdminCluster.Ctl(C, "router", "endpoint", "show", "inc-1")).Output.Contains("drained"),
            "every node sees the drain");
    }

    private void AssertPartialListing((CtlResult Result, TimeSpan Elapsed) read, IReadOnlyList<string> onA, params string[] marks)
    {
        var (result, elapsed) = read;
        result.Exit.Should().Be(0, "a partial answer is an answer: {0}", result);
        elapsed.Should().BeLessThan(ReadBudget, "the node answers at its read deadline with what it knows");
        var lines = result.Output.Split('\n');
        foreach (var id in onA)
            lines.Single(l => l.StartsWith(id + " ")).Should().MatchRegex($@"\((?:{string.Join("|", marks)}), [0-9.]+ s old\)", "{0} lives on A", id);
        foreach (var line in lines.Where(l => l.StartsWith("inc-") && !onA.Any(id => l.StartsWith(id + " "))))
            line.Should().NotContain(" old)", "endpoints on B and C answer live");
        result.Error.Should().StartWith($"warning: {onA.Count} part").And.Contain("did not answer in time");
        foreach (var id in onA) result.Error.Should().Contain(id);
    }

    private static async Task<(CtlResult Result, TimeSpan Elapsed)> TimedCtl(GatewayNode node, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var result = await AdminCluster.Ctl(node, args);
        return (result, watch.Elapsed);
    }

    private async Task<GatewayNode> StartNodeAsync(int akkaPort)
    {
        var config = new Dictionary<string, string?>
        {
            ["Gateway:Urls"] = "http://127.0.0.1:0",
            ["Admin:Urls"] = "http://127.0.0.1:0",
            ["Admin:Token"] = AdminCluster.Token,
            ["Cluster:Port"] = akkaPort.ToString(),
            ["Cluster:SeedNodes:0"] = $"akka.tcp://llm-router@127.0.0.1:{_ports[0]}",
            // The resolver must not down A while the test reads: its countdown is what `cluster show` reports.
            ["Cluster:SplitBrainStableAfterSeconds"] = "120",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Registry:Provider"] = "sqlite",
            ["Registry:ConnectionString"] = $"Data Source={Path.Combine(_directory, "registry.db")}",
            ["Registry:SharedFile"] = "true",
            ["ModelGroups:inc:Strategy"] = "round-robin",
        };
        for (var i = 1; i <= EndpointCount; i++) config[$"ModelGroups:inc:Endpoints:inc-{i}:Url"] = _upstream.ApiBaseUrl;
        return await GatewayNodes.StartAsync(config, akka: akka => akka.AddHocon(
            // Akka's throttler transport, to cut nodes off in-process; the addresses (seeds included) become akka.trttl.tcp://.
            $"akka.remote.dot-netty.tcp.applied-adapters = [trttl]\nakka.cluster.seed-nodes = [\"akka.trttl.tcp://llm-router@127.0.0.1:{_ports[0]}\"]",
            HoconAddMode.Prepend));
    }

    private static ActorSystem SystemOf(GatewayNode node) => GatewayNodes.SystemOf(node);

    private static string AddressOf(GatewayNode node) => Akka.Cluster.Cluster.Get(SystemOf(node)).SelfAddress.ToString();

    private static Task CutAsync(GatewayNode node, IEnumerable<GatewayNode> others) => ThrottleAsync(node, others, Blackhole.Instance);

    private static Task HealAsync(GatewayNode node, IEnumerable<GatewayNode> others) => ThrottleAsync(node, others, Unthrottled.Instance);

    private static async Task ThrottleAsync(GatewayNode node, IEnumerable<GatewayNode> others, ThrottleMode mode)
    {
        foreach (var other in others)
        {
            (await Throttle(node, other, mode)).Should().BeTrue();
            (await Throttle(other, node, mode)).Should().BeTrue();
        }
    }

    private static Task<bool> Throttle(GatewayNode from, GatewayNode to, ThrottleMode mode) =>
        ((IRemoteActorRefProvider)((ExtendedActorSystem)SystemOf(from)).Provider).Transport.ManagementCommand(
            new SetThrottle(Akka.Cluster.Cluster.Get(SystemOf(to)).SelfAddress, ThrottleTransportAdapter.Direction.Both, mode));

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
        await _upstream.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
