using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Router.Actors.Hosting;
using Router.Messages;
using Router.Messages.Endpoints;
using Router.Messages.Serialization;

namespace Router.Messages.Tests;

/// <summary>
/// Every wire message survives a round trip through the serializer that Akka itself picks for it, as
/// configured by AddRouterCluster; no message may fall back to Akka's default serializer.
/// </summary>
public sealed class RouterMessageSerializerTests : IAsyncLifetime
{
    private IHost _host = null!;
    private ActorSystem _system = null!;

    public static TheoryData<string, IRouterMessage> Messages()
    {
        var data = new TheoryData<string, IRouterMessage>();
        foreach (var message in SampleMessages.All()) data.Add(message.GetType().Name, message);
        return data;
    }

    public async Task InitializeAsync()
    {
        _host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka(RouterClusterSettings.DefaultSystemName, b =>
            {
                b.ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel);
                b.AddRouterCluster(new RouterClusterSettings { Port = 0 });
            }))
            .Build();
        await _host.StartAsync();
        _system = _host.Services.GetRequiredService<ActorSystem>();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public void Every_message_type_has_a_sample_here()
    {
        var sampled = SampleMessages.All().Select(m => m.GetType()).ToHashSet();
        RouterMessageSerializer.SupportedTypes.Should().BeEquivalentTo(sampled,
            "a message added to Router.Messages needs a sample so its round trip is tested");
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Akka_picks_the_router_serializer_and_the_message_round_trips(string name, IRouterMessage message)
    {
        var serialization = _system.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        serializer.Should().BeOfType<RouterMessageSerializer>($"{name} must not fall back to Akka's default serializer");

        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        manifest.Should().Be(WireManifestTests.Pinned[message.GetType()], "the manifest on the wire is the pinned one");
        var bytes = serializer.ToBinary(message);
        var restored = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        restored.Should().BeOfType(message.GetType());
        if (message.GetType().GetProperties().Length > 0) // a member-less message has nothing to compare but its type
            restored.Should().BeEquivalentTo(message, options => options.RespectingRuntimeTypes());
        serializer.ToBinary(restored).Should().Equal(bytes, "a second round trip must give the same bytes");
    }

    [Fact]
    public void What_the_serializer_writes_for_the_network_is_counted_per_message_type()
    {
        var message = SampleMessages.All().OfType<Router.Messages.Endpoints.AcquireLease>().First();
        var serializer = _system.Serialization.FindSerializerFor(message);
        (long Messages, long Bytes) Counted() => WireTraffic.Totals().Where(t => t.Message == nameof(Router.Messages.Endpoints.AcquireLease))
            .Select(t => (t.Messages, t.Bytes)).SingleOrDefault();

        var before = Counted();
        var bytes = serializer.ToBinary(message);
        var after = Counted();

        (after.Messages - before.Messages).Should().Be(1);
        (after.Bytes - before.Bytes).Should().Be(bytes.Length);
    }

    [Fact]
    public void A_snapshot_in_an_unknown_binary_format_fails_with_a_message_that_says_what_is_wrong()
    {
        var serializer = (RouterMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IRouterMessage));
        var act = () => serializer.FromBinary([9, 0, 0, 0, 0], nameof(Router.Messages.Endpoints.EndpointSnapshotBatch));
        act.Should().Throw<SerializationException>().WithMessage("*snapshot format 9*same Router.Messages version*");
    }

    [Fact]
    public void Lease_activity_travels_in_a_fraction_of_its_json_size_and_json_from_an_older_node_still_decodes()
    {
        var serializer = (RouterMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IRouterMessage));
        var holder = "akka.tcp://llm-router@10.0.0.5:4053#-1234567890";
        var batch = new LeaseActivityBatch(Enumerable.Range(0, 3).Select(e => new LeaseActivity($"gpt-4o-eu-{e}",
            Enumerable.Range(0, 20).Select(_ => new AcquireLease($"gpt-4o-eu-{e}", Guid.NewGuid().ToString("N"), TimeSpan.FromMinutes(10), 850, holder)).ToList(),
            Enumerable.Range(0, 20).Select(_ => new Routing.ReportOutcome($"gpt-4o-eu-{e}", Guid.NewGuid().ToString("N"), Routing.OutcomeKind.Success, 412.5, 80, 850, 120)).ToList()))
            .ToList());
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(batch, RouterJsonContext.Default.LeaseActivityBatch);

        var binary = serializer.ToBinary(batch);

        binary.Length.Should().BeLessThan(json.Length / 4, $"binary {binary.Length} B against JSON {json.Length} B for 120 entries");
        serializer.FromBinary(json, nameof(LeaseActivityBatch)).Should().BeEquivalentTo(batch, "a batch from a node that still writes JSON");
        serializer.FromBinary(binary, nameof(LeaseActivityBatch)).Should().BeEquivalentTo(batch);
        var unknown = () => serializer.FromBinary([7, 0], nameof(LeaseActivityBatch));
        unknown.Should().Throw<SerializationException>().WithMessage("*lease activity format 7*same Router.Messages version*");
    }

    [Fact]
    public void A_snapshot_keeps_each_holders_latest_lease_deadline_through_the_binary_form()
    {
        var serializer = (RouterMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IRouterMessage));
        var deadline = new DateTimeOffset(2026, 11, 25, 10, 35, 15, 123, TimeSpan.FromHours(1));
        var snapshot = SampleMessages.Snapshot with
        {
            InFlightByHolder = new Dictionary<string, int> { [Holder] = 2 },
            LatestDeadlineByHolder = new Dictionary<string, DateTimeOffset> { [Holder] = deadline },
        };

        var bytes = serializer.ToBinary(snapshot);
        var restored = (EndpointSnapshot)serializer.FromBinary(bytes, nameof(EndpointSnapshot));

        bytes[0].Should().Be(2, "a snapshot is written in the newest format");
        restored.LatestDeadlineByHolder.Should().ContainKey(Holder).WhoseValue.Should().Be(deadline);
        restored.LatestDeadlineByHolder![Holder].Offset.Should().Be(deadline.Offset);
        restored.InFlightByHolder.Should().Equal(snapshot.InFlightByHolder);
    }

    [Fact]
    public void A_snapshot_from_a_node_that_writes_format_1_still_decodes_without_deadlines()
    {
        var serializer = (RouterMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IRouterMessage));

        var restored = (EndpointSnapshot)serializer.FromBinary(Convert.FromHexString(Format1Snapshot), nameof(EndpointSnapshot));

        restored.Should().BeEquivalentTo(EndpointSnapshot.Empty("e1") with
        {
            Incarnation = 5, Sequence = 3, TakenAt = new DateTimeOffset(2026, 11, 25, 10, 30, 15, 123, TimeSpan.Zero), InFlight = 2,
            PeakInFlight = 2, InFlightByHolder = new Dictionary<string, int> { [Holder] = 2 },
        });
        restored.LatestDeadlineByHolder.Should().BeNull();
    }

    private const string Holder = "akka.tcp://llm-router@10.0.0.5:4053#1";

    /// <summary>What the format 1 codec wrote for endpoint "e1" (incarnation 5, sequence 3, 2 in flight, both held by
    /// <see cref="Holder"/>), captured before format 2 existed: an older node's gossip.</summary>
    private const string Format1Snapshot =
        "010265310500000000000000030000000000000030DA0718DF4ADF08000002000000020000000000000000000000000000000000000000000000" +
        "000000000000000000000000000000000000000000000100000025616B6B612E7463703A2F2F6C6C6D2D726F757465724031302E302E302E353A" +
        "34303533233102000000";

    [Fact]
    public void An_unknown_manifest_fails_with_a_message_that_says_what_is_wrong()
    {
        var serializer = (RouterMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IRouterMessage));
        var act = () => serializer.FromBinary("{}"u8.ToArray(), "NoSuchMessage");
        act.Should().Throw<SerializationException>().WithMessage("*NoSuchMessage*same Router.Messages version*");
    }
}
