using System.Diagnostics;
using System.Diagnostics.Metrics;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;
using Router.Messages.Routing;
using Router.Messages.Serialization;

namespace Router.Actors.Hosting;

/// <summary>
/// The routing core's own instruments (meter "LlmRouter"): routing decisions and lease acquisitions as they happen,
/// the fencing events an operator must be able to see, and per-endpoint gauges read from this node's snapshot cache
/// when an exporter collects (nothing is added to the routing path for them). Labels are bounded: model group,
/// endpoint id, outcome; never request ids or keys.
/// </summary>
public sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "LlmRouter";

    // Routing takes microseconds when the endpoint is local and milliseconds when it is remote or refuses.
    private static readonly IReadOnlyList<double> DecisionBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly Counter<long> _fenced;
    private readonly Counter<long> _reclaimedUnrenewed;
    private readonly Counter<long> _grantedLocally;
    private readonly Histogram<double> _routingDuration;
    private readonly Histogram<double> _acquireDuration;
    private readonly DirectoryView? _directory;
    private readonly SnapshotCache? _snapshots;

    /// <param name="scope">The meter's scope (as <see cref="MeterOptions.Scope"/>): lets an exporter keep this node's
    /// instruments apart from another node's in the same process. Null: a process-wide meter.</param>
    public RouterMetrics(DirectoryView? directory = null, SnapshotCache? snapshots = null, object? scope = null)
    {
        _directory = directory;
        _snapshots = snapshots;
        _meter = new Meter(new MeterOptions(MeterName) { Scope = scope });
        _fenced = _meter.CreateCounter<long>("llm_router.leases.fenced", "{lease}",
            "Leases this node revoked (and whose requests it aborted) because it could not renew them in time.");
        _reclaimedUnrenewed = _meter.CreateCounter<long>("llm_router.leases.reclaimed_unrenewed", "{lease}",
            "Leases an endpoint reclaimed because their holder stopped renewing them; a frozen holder may still be running these.");
        _grantedLocally = _meter.CreateCounter<long>("llm_router.leases.granted_locally", "{lease}",
            "Leases this node's routers granted without a round trip to the endpoint's actor on another node, by what on: " +
            "no_cap (nothing for the actor to decide), spare (a slot it lent), lent_budget (rpm/tpm budget it lent).");
        _routingDuration = _meter.CreateHistogram("llm_router.routing.duration", "s",
            "Routing decisions asked from this node: filter, rank and lease acquisition, by group and outcome (granted or why not).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecisionBuckets });
        _acquireDuration = _meter.CreateHistogram("llm_router.lease.acquire.duration", "s",
            "One lease request from this node's routers to an endpoint's actor until its answer, by endpoint and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecisionBuckets });

        _meter.CreateObservableCounter("llm_router.remote.messages", () => WireMeasurements(static t => t.Messages), "{message}",
            "Router messages this process serialized for other nodes, by message type (process-wide).");
        _meter.CreateObservableCounter("llm_router.remote.bytes", () => WireMeasurements(static t => t.Bytes), "By",
            "Bytes of router messages this process serialized for other nodes, by message type (process-wide).");

        if (directory is null || snapshots is null) return;
        // Gauges are observed on collection only, from the snapshots this node already caches for routing.
        _meter.CreateObservableGauge("llm_router.endpoint.in_flight", () => Observe(static (_, s) => s.InFlight), "{request}",
            "Leases the endpoint holds cluster-wide, as this node last heard (snapshots are pushed every 100 ms at most).");
        _meter.CreateObservableGauge("llm_router.endpoint.in_flight.limit", () => Observe(static (d, _) => d.MaxInFlight), "{request}",
            "The endpoint's MaxInFlight cap (absent when unlimited).");
        _meter.CreateObservableGauge("llm_router.endpoint.requests_per_minute", () => Observe(static (_, s) => s.RequestsLastMinute), "{request}",
            "Requests the endpoint granted in the last sliding minute (what its rpm limit counts).");
        _meter.CreateObservableGauge("llm_router.endpoint.requests_per_minute.limit", () => Observe(static (d, _) => d.Rpm), "{request}",
            "The endpoint's rpm limit (absent when unlimited).");
        _meter.CreateObservableGauge("llm_router.endpoint.tokens_per_minute", () => Observe(static (_, s) => s.TokensLastMinute), "{token}",
            "Tokens the endpoint was charged in the last sliding minute (what its tpm limit counts).");
        _meter.CreateObservableGauge("llm_router.endpoint.tokens_per_minute.limit", () => Observe(static (d, _) => d.Tpm), "{token}",
            "The endpoint's tpm limit (absent when unlimited).");
        _meter.CreateObservableGauge("llm_router.endpoint.breaker.state", () => Observe(static (_, s) => (long)s.Circuit), null,
            "The endpoint's circuit breaker: 0 closed, 1 open (cooling down), 2 half-open (one probe decides).");
        _meter.CreateObservableGauge("llm_router.endpoint.drained", () => Observe(static (d, s) => d.Drained || s.Drained ? 1 : 0), null,
            "1 while the endpoint is drained (takes no new requests).");
    }

    public void LeasesFenced(int count) => _fenced.Add(count);

    public void LeasesReclaimedUnrenewed(int count, string endpointId) =>
        _reclaimedUnrenewed.Add(count, new KeyValuePair<string, object?>("endpoint", endpointId));

    /// <summary>A router granted a lease without asking the endpoint's actor; <paramref name="on"/> says on what.</summary>
    public void GrantedLocally(string on) => _grantedLocally.Add(1, new KeyValuePair<string, object?>("on", on));

    /// <summary>A routing decision asked from this node ended (<see cref="RouterClient.RouteAsync"/>).</summary>
    public void RoutingDecided(string group, IRouteResponse answer, TimeSpan elapsed)
    {
        if (!_routingDuration.Enabled) return;
        var outcome = answer is NoEndpointAvailable none ? OutcomeOf(none.Reason) : "granted";
        _routingDuration.Record(elapsed.TotalSeconds, new TagList { { "group", group }, { "outcome", outcome } });
    }

    /// <summary>An endpoint answered (or did not answer in time) one of this node's lease requests.</summary>
    public void LeaseAnswered(string endpointId, LeaseRefusalReason? refusal, bool timedOut, TimeSpan elapsed)
    {
        if (!_acquireDuration.Enabled) return;
        var outcome = timedOut ? "timeout" : refusal is { } reason ? OutcomeOf(reason) : "granted";
        _acquireDuration.Record(elapsed.TotalSeconds, new TagList { { "endpoint", endpointId }, { "outcome", outcome } });
    }

    private IEnumerable<Measurement<long>> Observe(Func<EndpointDefinition, EndpointSnapshot, long?> value)
    {
        var endpoints = _directory!.Current.Endpoints;
        var measurements = new List<Measurement<long>>(endpoints.Count);
        foreach (var (id, definition) in endpoints)
        {
            if (value(definition, _snapshots!.Slot(id).Snapshot) is not { } v) continue;
            measurements.Add(new Measurement<long>(v, new KeyValuePair<string, object?>("group", definition.ModelGroup),
                new KeyValuePair<string, object?>("endpoint", id)));
        }
        return measurements;
    }

    private static string OutcomeOf(NoEndpointReason reason) => reason switch
    {
        NoEndpointReason.UnknownGroup => "unknown_group",
        NoEndpointReason.NoEndpoints => "no_endpoints",
        NoEndpointReason.NoMatchingTags => "no_matching_tags",
        NoEndpointReason.ContextWindowExceeded => "context_window_exceeded",
        NoEndpointReason.AllExcluded => "all_excluded",
        NoEndpointReason.AllDrained => "all_drained",
        NoEndpointReason.AllCoolingDown => "all_cooling_down",
        NoEndpointReason.AllAtCapacity => "all_at_capacity",
        NoEndpointReason.AllRateLimited => "all_rate_limited",
        NoEndpointReason.Timeout => "timeout",
        NoEndpointReason.NoQuorum => "no_quorum",
        _ => "other",
    };

    private static string OutcomeOf(LeaseRefusalReason reason) => reason switch
    {
        LeaseRefusalReason.UnknownEndpoint => "unknown_endpoint",
        LeaseRefusalReason.AtCapacity => "at_capacity",
        LeaseRefusalReason.RateLimited => "rate_limited",
        LeaseRefusalReason.TokenLimited => "token_limited",
        LeaseRefusalReason.CoolingDown => "cooling_down",
        LeaseRefusalReason.ProbeInFlight => "probe_in_flight",
        LeaseRefusalReason.Drained => "drained",
        LeaseRefusalReason.ProviderExhausted => "provider_exhausted",
        LeaseRefusalReason.NoQuorum => "no_quorum",
        LeaseRefusalReason.BusierThanAlternative => "busier_than_alternative",
        _ => "other",
    };

    private static IEnumerable<Measurement<long>> WireMeasurements(Func<(string Message, long Messages, long Bytes), long> value)
    {
        foreach (var totals in WireTraffic.Totals())
            yield return new Measurement<long>(value(totals), new KeyValuePair<string, object?>("message", totals.Message));
    }

    public void Dispose() => _meter.Dispose();
}
