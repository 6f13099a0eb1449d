using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Router.Actors.Hosting;
using Router.Messages;
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
    public void An_unknown_manifest_fails_with_a_message_that_says_what_is_wrong()
    {
        var serializer = (RouterMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IRouterMessage));
        var act = () => serializer.FromBinary("{}"u8.ToArray(), "NoSuchMessage");
        act.Should().Throw<SerializationException>().WithMessage("*NoSuchMessage*same Router.Messages version*");
    }
}
