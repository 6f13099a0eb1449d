using Router.AdminApi;
using Router.Messages.Endpoints;

namespace Router.Node.Admin;

/// <summary>
/// Between the wire records (Router.Messages, Akka messages) and the admin API's DTOs (Router.AdminApi, no Akka): the
/// same members under the same names, so the JSON an admin sees is the JSON the wire record would give
/// (AdminDtoMappingTests holds both to that).
/// </summary>
internal static class AdminDtoMapping
{
    public static EndpointDefinitionDto ToDto(this EndpointDefinition d) => new(
        d.Id, d.ModelGroup, d.Url, d.ApiKeyEnv, d.UpstreamModel, d.Weight, d.MaxInFlight, d.Rpm, d.Tpm, d.Order, d.Tags,
        d.ContextWindow, d.InputCostPer1KTokens, d.OutputCostPer1KTokens, d.Drained, d.Auth, d.ApiVersion, d.HeadersFromEnv,
        d.Fencing.ToDto());

    public static EndpointDefinition ToWire(this EndpointDefinitionDto d) => new(
        d.Id, d.ModelGroup, d.Url, d.ApiKeyEnv, d.UpstreamModel, d.Weight, d.MaxInFlight, d.Rpm, d.Tpm, d.Order, d.Tags,
        d.ContextWindow, d.InputCostPer1KTokens, d.OutputCostPer1KTokens, d.Drained, d.Auth, d.ApiVersion, d.HeadersFromEnv,
        d.Fencing.ToWire());

    public static EndpointSnapshotDto ToDto(this EndpointSnapshot s) => new(
        s.EndpointId, s.Incarnation, s.Sequence, s.TakenAt, s.InFlight, s.PeakInFlight, s.Latency.ToDto(), s.TimeToFirstToken.ToDto(),
        s.LastSampleAt, s.RequestsLastMinute, s.TokensLastMinute, s.Circuit.ToDto(), s.CooldownUntil, s.ConsecutiveFailures, s.Drained,
        s.TotalRequests, s.TotalFailures, s.ProviderRemainingRequests, s.ProviderRemainingTokens, s.ProviderLimitRequests,
        s.ProviderLimitTokens, s.InFlightByHolder, s.LatestDeadlineByHolder);

    public static WindowStatsDto ToDto(this WindowStats w) => new(w.Samples, w.MeanMs, w.P50Ms, w.P95Ms);

    public static CircuitStateDto ToDto(this CircuitState state) => state switch
    {
        CircuitState.Closed => CircuitStateDto.Closed,
        CircuitState.Open => CircuitStateDto.Open,
        CircuitState.HalfOpen => CircuitStateDto.HalfOpen,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "no admin API form: add it to CircuitStateDto"),
    };

    public static LeaseFencingDto ToDto(this LeaseFencing fencing) => fencing switch
    {
        LeaseFencing.Available => LeaseFencingDto.Available,
        LeaseFencing.Strict => LeaseFencingDto.Strict,
        _ => throw new ArgumentOutOfRangeException(nameof(fencing), fencing, "no admin API form: add it to LeaseFencingDto"),
    };

    public static LeaseFencing ToWire(this LeaseFencingDto fencing) => fencing switch
    {
        LeaseFencingDto.Available => LeaseFencing.Available,
        LeaseFencingDto.Strict => LeaseFencing.Strict,
        // A number outside the enum in a request body (the JSON converter takes numbers too): refused like any bad value.
        _ => throw AdminException.BadRequest($"fencing must be one of {string.Join(", ", Enum.GetNames<LeaseFencingDto>())}, got {(int)fencing}"),
    };
}
