using Router.Actors.Directory;
using Router.Actors.Strategies;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Registry;

/// <summary>
/// The registry's model: groups and endpoints, starting from configuration and changed only by
/// <see cref="IRegistryEvent"/>s. <see cref="Decide"/> turns a command into the event to persist or the
/// reasons it is refused, so a refused command changes nothing.
/// </summary>
public sealed class RegistryState
{
    private readonly Dictionary<string, ModelGroupDefinition> _groups;
    private readonly Dictionary<string, EndpointDefinition> _endpoints;

    public RegistryState(IEnumerable<ModelGroupDefinition> groups, IEnumerable<EndpointDefinition> endpoints)
    {
        _groups = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        _endpoints = endpoints.ToDictionary(e => e.Id, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, ModelGroupDefinition> Groups => _groups;
    public IReadOnlyDictionary<string, EndpointDefinition> Endpoints => _endpoints;

    public void Apply(IRegistryEvent e)
    {
        switch (e)
        {
            case EndpointSaved saved: _endpoints[saved.Endpoint.Id] = saved.Endpoint; break;
            case EndpointDeleted deleted: _endpoints.Remove(deleted.EndpointId); break;
            case GroupSaved group: _groups[group.Group.Name] = group.Group; break;
        }
    }

    /// <returns>The event to persist and a success message, or the problems that refuse the command.</returns>
    public (IRegistryEvent? Event, string Message) Decide(IManagementCommand command, StrategyRegistry strategies) => command switch
    {
        UpsertModelGroup c => Check(DefinitionValidator.Validate(c.Group, strategies), () => new GroupSaved(c.Group),
            $"model group '{c.Group.Name}' saved (strategy {c.Group.Strategy})"),
        SetGroupStrategy c => _groups.TryGetValue(c.ModelGroup, out var group)
            ? Check(DefinitionValidator.Validate(group with { Strategy = c.Strategy }, strategies),
                () => new GroupSaved(group with { Strategy = c.Strategy }), $"model group '{c.ModelGroup}' now uses {c.Strategy}")
            : Refuse($"model group '{c.ModelGroup}' does not exist (known: {Known(_groups.Keys)})"),
        RegisterEndpoint c => Check(RegistrationProblems(c.Endpoint), () => new EndpointSaved(c.Endpoint),
            $"endpoint '{c.Endpoint.Id}' registered in '{c.Endpoint.ModelGroup}'"),
        UpdateEndpoint c => Existing(c.EndpointId, e => Check(DefinitionValidator.Validate(c), () => new EndpointSaved(e with
        {
            Weight = c.Weight ?? e.Weight,
            MaxInFlight = c.MaxInFlight ?? e.MaxInFlight,
            Rpm = c.Rpm ?? e.Rpm,
            Tpm = c.Tpm ?? e.Tpm,
            Order = c.Order ?? e.Order,
            Tags = c.Tags ?? e.Tags,
        }), $"endpoint '{c.EndpointId}' updated")),
        RemoveEndpoint c => Existing(c.EndpointId, _ => (new EndpointDeleted(c.EndpointId), $"endpoint '{c.EndpointId}' removed")),
        DrainEndpoint c => Existing(c.EndpointId, e => (new EndpointSaved(e with { Drained = true }), $"endpoint '{c.EndpointId}' draining: no new requests")),
        UndrainEndpoint c => Existing(c.EndpointId, e => (new EndpointSaved(e with { Drained = false }), $"endpoint '{c.EndpointId}' back in service")),
        _ => Refuse($"unsupported command {command.GetType().Name}"),
    };

    private List<string> RegistrationProblems(EndpointDefinition endpoint)
    {
        var problems = DefinitionValidator.Validate(endpoint).ToList();
        if (_endpoints.ContainsKey(endpoint.Id)) problems.Add($"endpoint '{endpoint.Id}' already exists");
        if (!string.IsNullOrWhiteSpace(endpoint.ModelGroup) && !_groups.ContainsKey(endpoint.ModelGroup))
            problems.Add($"model group '{endpoint.ModelGroup}' does not exist (known: {Known(_groups.Keys)})");
        return problems;
    }

    private (IRegistryEvent?, string) Existing(string endpointId, Func<EndpointDefinition, (IRegistryEvent?, string)> decide) =>
        _endpoints.TryGetValue(endpointId, out var endpoint) ? decide(endpoint) : Refuse($"endpoint '{endpointId}' does not exist");

    private static (IRegistryEvent?, string) Check(IReadOnlyList<string> problems, Func<IRegistryEvent> onValid, string message) =>
        problems.Count == 0 ? (onValid(), message) : Refuse(string.Join("; ", problems));

    private static (IRegistryEvent?, string) Refuse(string reason) => (null, reason);

    private static string Known(IEnumerable<string> names) => string.Join(", ", names.Order(StringComparer.Ordinal));
}
