using System.Diagnostics.Metrics;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Hosting;

/// <summary>
/// The per-endpoint gauges are read from the node's directory and snapshot cache when collected, and a listener that
/// follows one node's scope sees that node's instruments only.
/// </summary>
public sealed class RouterMetricsTests
{
    [Fact]
    public void Endpoint_gauges_read_the_cached_snapshots_and_limits_of_every_endpoint_in_the_directory()
    {
        var directory = new DirectoryView();
        directory.Publish(new DirectorySnapshot(
            [new ModelGroupDefinition("g")],
            [
                new EndpointDefinition("capped", "g", "http://a/v1", MaxInFlight: 5, Rpm: 60, Tpm: 1000),
                new EndpointDefinition("open", "g", "http://b/v1"),
            ]));
        var cache = new SnapshotCache();
        cache.Apply(EndpointSnapshot.Empty("capped") with
        {
            Incarnation = 1, Sequence = 1, InFlight = 3, RequestsLastMinute = 42, TokensLastMinute = 900, Circuit = CircuitState.Open,
        });
        var scope = new object();
        using var metrics = new RouterMetrics(directory, cache, scope);
        using var otherNode = new RouterMetrics(directory, new SnapshotCache(), new object());
        using var recorded = new Recorded(scope);

        recorded.Collect();

        recorded.Value("llm_router.endpoint.in_flight", "capped").Should().Be(3);
        recorded.Value("llm_router.endpoint.in_flight.limit", "capped").Should().Be(5);
        recorded.Value("llm_router.endpoint.requests_per_minute", "capped").Should().Be(42);
        recorded.Value("llm_router.endpoint.requests_per_minute.limit", "capped").Should().Be(60);
        recorded.Value("llm_router.endpoint.tokens_per_minute", "capped").Should().Be(900);
        recorded.Value("llm_router.endpoint.tokens_per_minute.limit", "capped").Should().Be(1000);
        recorded.Value("llm_router.endpoint.breaker.state", "capped").Should().Be((long)CircuitState.Open);
        recorded.Value("llm_router.endpoint.in_flight", "open").Should().Be(0, "an endpoint with no snapshot yet is idle");
        recorded.Values("llm_router.endpoint.in_flight.limit", "open").Should().BeEmpty("an unlimited endpoint has no limit series");
        recorded.Values("llm_router.endpoint.in_flight", "capped").Should().ContainSingle("the other node's meter is not this node's");
    }

    [Fact]
    public void Routing_decisions_and_lease_answers_are_recorded_with_their_outcome()
    {
        var scope = new object();
        using var metrics = new RouterMetrics(scope: scope);
        using var recorded = new Recorded(scope);

        metrics.RoutingDecided("g", new NoEndpointAvailable("g", NoEndpointReason.AllAtCapacity, "busy", null), TimeSpan.FromMilliseconds(3));
        metrics.LeaseAnswered("e1", LeaseRefusalReason.RateLimited, false, TimeSpan.FromMilliseconds(1));
        metrics.LeaseAnswered("e1", null, true, TimeSpan.FromSeconds(2));

        recorded.Tags("llm_router.routing.duration").Should().ContainSingle().Which.Should().Contain(new KeyValuePair<string, object?>("outcome", "all_at_capacity"));
        recorded.Tags("llm_router.lease.acquire.duration").Select(t => t["outcome"]).Should().Equal("rate_limited", "timeout");
    }

    /// <summary>Measurements of the instruments whose meter has the given scope.</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

        public Recorded(object scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, scope)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        public void Collect() => _listener.RecordObservableInstruments();

        public IEnumerable<double> Values(string instrument, string endpoint) =>
            _measurements.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("endpoint"), endpoint)).Select(m => m.Value);

        public double Value(string instrument, string endpoint) => Values(instrument, endpoint).Should().ContainSingle().Subject;

        public IEnumerable<Dictionary<string, object?>> Tags(string instrument) =>
            _measurements.Where(m => m.Instrument == instrument).Select(m => m.Tags);

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _measurements.Add((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));

        public void Dispose() => _listener.Dispose();
    }
}
