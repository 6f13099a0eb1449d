using System.Diagnostics.Metrics;

namespace Router.Actors.Hosting;

/// <summary>The routing core's own instruments (meter "LlmRouter"): the fencing events an operator must be able to see.</summary>
public sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "LlmRouter";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _fenced;
    private readonly Counter<long> _reclaimedUnrenewed;

    public RouterMetrics()
    {
        _fenced = _meter.CreateCounter<long>("llm_router.leases.fenced", "{lease}",
            "Leases this node revoked (and whose requests it aborted) because it could not renew them in time.");
        _reclaimedUnrenewed = _meter.CreateCounter<long>("llm_router.leases.reclaimed_unrenewed", "{lease}",
            "Leases an endpoint reclaimed because their holder stopped renewing them; a frozen holder may still be running these.");
    }

    public void LeasesFenced(int count) => _fenced.Add(count);

    public void LeasesReclaimedUnrenewed(int count, string endpointId) =>
        _reclaimedUnrenewed.Add(count, new KeyValuePair<string, object?>("endpoint", endpointId));

    public void Dispose() => _meter.Dispose();
}
