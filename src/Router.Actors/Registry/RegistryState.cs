using Router.Actors.Directory;
using Router.Actors.Strategies;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Registry;

/// <summary>
/// The registry's model, in two layers. The <em>configuration</em> layer is the union of the gateways'
/// configurations the registry has been offered (<see cref="Offer"/>); it is never journaled, so a full restart
/// re-reads configuration files. The <em>runtime</em> layer is what admins changed (<see cref="IRegistryEvent"/>s,
/// journaled): a saved definition wins over the configuration's for the same id, and a removal hides the
/// configuration's entry (a later configuration never brings it back implicitly). <see cref="Groups"/> and
/// <see cref="Endpoints"/> are the result, what the replicated directory holds. <see cref="Decide"/> turns a command
/// into the event to persist or the reasons it is refused, so a refused command changes nothing.
/// </summary>
public sealed class RegistryState
{
    private readonly Dictionary<string, ModelGroupDefinition> _configuredGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EndpointDefinition> _configuredEndpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelGroupDefinition> _runtimeGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EndpointDefinition> _runtimeEndpoints = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelGroupDefinition> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EndpointDefinition> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Starts from one configuration (the registry's own node's), before any journal event.</summary>
    public RegistryState(IEnumerable<ModelGroupDefinition> groups, IEnumerable<EndpointDefinition> endpoints)
    {
        foreach (var group in groups) _configuredGroups[group.Name] = group;
        foreach (var endpoint in endpoints) _configuredEndpoints[endpoint.Id] = endpoint;
        Rebuild();
    }

    /// <summary>Every model group as the directory should hold it.</summary>
    public IReadOnlyDictionary<string, ModelGroupDefinition> Groups => _groups;

    /// <summary>Every endpoint as the directory should hold it.</summary>
    public IReadOnlyDictionary<string, EndpointDefinition> Endpoints => _endpoints;

    /// <summary>The configuration layer (replicated too, so a registry that moves knows which entries admins changed).</summary>
    public IReadOnlyDictionary<string, ModelGroupDefinition> ConfiguredGroups => _configuredGroups;

    public IReadOnlyDictionary<string, EndpointDefinition> ConfiguredEndpoints => _configuredEndpoints;

    /// <summary>How many entries runtime changes decide (saved groups and endpoints, removed configuration endpoints).</summary>
    public int RuntimeChanges => _runtimeGroups.Count + _runtimeEndpoints.Count + _removed.Count;

    public void Apply(IRegistryEvent e)
    {
        switch (e)
        {
            case EndpointSaved saved:
                _runtimeEndpoints[saved.Endpoint.Id] = saved.Endpoint;
                _removed.Remove(saved.Endpoint.Id);
                _endpoints[saved.Endpoint.Id] = saved.Endpoint;
                break;
            case EndpointDeleted deleted:
                _runtimeEndpoints.Remove(deleted.EndpointId);
                _removed.Add(deleted.EndpointId);
                _endpoints.Remove(deleted.EndpointId);
                break;
            case GroupSaved group:
                _runtimeGroups[group.Group.Name] = group.Group;
                _groups[group.Group.Name] = group.Group;
                break;
        }
    }

    /// <summary>
    /// Merges a gateway's configuration: what the registry does not hold is added; an entry that came from
    /// configuration is updated; an entry admins changed keeps their version (a warning names both); an endpoint
    /// admins removed is not brought back; nothing is removed because this configuration lacks it.
    /// </summary>
    public OfferOutcome Offer(OfferConfiguration offer)
    {
        var outcome = new OfferOutcome();
        var from = $"from the configuration of {offer.Node}";
        foreach (var group in offer.Groups)
        {
            _configuredGroups.TryGetValue(group.Name, out var configured);
            _configuredGroups[group.Name] = group;
            if (configured is null || Definitions.Differences(configured, group).Count > 0) outcome.ConfiguredGroups.Add(group);
            if (_runtimeGroups.TryGetValue(group.Name, out var runtime))
            {
                var differences = Definitions.Differences(runtime, group);
                if (differences.Count > 0)
                    outcome.Warnings.Add($"model group '{group.Name}': the configuration of {offer.Node} says {Definitions.Describe(differences, d => d.Right)}; " +
                                         $"the registry keeps its runtime version ({Definitions.Describe(differences, d => d.Left)}); change it with routerctl if the configuration should win");
            }
            else if (!_groups.TryGetValue(group.Name, out var current))
            {
                _groups[group.Name] = group;
                outcome.Groups.Add(group);
                outcome.Applied.Add($"model group '{group.Name}' added {from}");
            }
            else if (Definitions.Differences(current, group) is { Count: > 0 } differences)
            {
                _groups[group.Name] = group;
                outcome.Groups.Add(group);
                outcome.Applied.Add($"model group '{group.Name}' updated {from}: {Definitions.Describe(differences, d => $"{d.Left} -> {d.Right}")}");
            }
        }

        foreach (var endpoint in offer.Endpoints)
        {
            _configuredEndpoints.TryGetValue(endpoint.Id, out var configured);
            _configuredEndpoints[endpoint.Id] = endpoint;
            if (configured is null || Definitions.Differences(configured, endpoint).Count > 0) outcome.ConfiguredEndpoints.Add(endpoint);
            if (_removed.Contains(endpoint.Id))
            {
                outcome.Warnings.Add($"endpoint '{endpoint.Id}' is in the configuration of {offer.Node} but was removed at runtime; it stays removed " +
                                     $"(routerctl ... router endpoint add {endpoint.ModelGroup} {endpoint.Id} <url> brings it back)");
            }
            else if (_runtimeEndpoints.TryGetValue(endpoint.Id, out var runtime))
            {
                var differences = Definitions.Differences(runtime, endpoint, nameof(EndpointDefinition.Drained));
                if (differences.Count > 0)
                    outcome.Warnings.Add($"endpoint '{endpoint.Id}': the configuration of {offer.Node} says {Definitions.Describe(differences, d => d.Right)}; " +
                                         $"the registry keeps its runtime version ({Definitions.Describe(differences, d => d.Left)}); change it with routerctl if the configuration should win");
            }
            else if (!_endpoints.TryGetValue(endpoint.Id, out var current))
            {
                _endpoints[endpoint.Id] = endpoint;
                outcome.Endpoints.Add(endpoint);
                outcome.Applied.Add($"endpoint '{endpoint.Id}' added {from}");
            }
            else if (Definitions.Differences(current, endpoint) is { Count: > 0 } differences)
            {
                _endpoints[endpoint.Id] = endpoint;
                outcome.Endpoints.Add(endpoint);
                outcome.Applied.Add($"endpoint '{endpoint.Id}' updated {from}: {Definitions.Describe(differences, d => $"{d.Left} -> {d.Right}")}");
            }
        }
        return outcome;
    }

    /// <summary>
    /// A new registry incarnation found the replicated directory already written (by its previous incarnation,
    /// wherever that ran): the directory is the live truth, this incarnation's journal may be stale or empty (a
    /// memory journal, or SQLite on another host). Takes the directory's state, keeps journal entries the directory
    /// never knew, and returns the events that bring this journal in line (persist them; they are already applied).
    /// </summary>
    /// <param name="configuredGroups">The directory's configuration layer; null when it has none (written by an older version).</param>
    public IReadOnlyList<IRegistryEvent> Adopt(
        IReadOnlyDictionary<string, ModelGroupDefinition> groups, IReadOnlyDictionary<string, EndpointDefinition> endpoints,
        IReadOnlyDictionary<string, ModelGroupDefinition>? configuredGroups, IReadOnlyDictionary<string, EndpointDefinition>? configuredEndpoints)
    {
        // Without a replicated configuration layer, this node's own configuration of the entries present stands in for it.
        configuredGroups ??= _configuredGroups.Where(g => groups.ContainsKey(g.Key)).ToDictionary(g => g.Key, g => g.Value, StringComparer.Ordinal);
        configuredEndpoints ??= _configuredEndpoints.Where(e => endpoints.ContainsKey(e.Key)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

        var journalGroups = new Dictionary<string, ModelGroupDefinition>(_runtimeGroups, StringComparer.Ordinal);
        var journalEndpoints = new Dictionary<string, EndpointDefinition>(_runtimeEndpoints, StringComparer.Ordinal);
        var journalRemoved = new HashSet<string>(_removed, StringComparer.Ordinal);

        var runtimeGroups = groups.Values
            .Where(g => !configuredGroups.TryGetValue(g.Name, out var c) || Definitions.Differences(c, g).Count > 0)
            .ToDictionary(g => g.Name, StringComparer.Ordinal);
        var runtimeEndpoints = endpoints.Values
            .Where(e => !configuredEndpoints.TryGetValue(e.Id, out var c) || Definitions.Differences(c, e).Count > 0)
            .ToDictionary(e => e.Id, StringComparer.Ordinal);
        var removed = configuredEndpoints.Keys.Where(id => !endpoints.ContainsKey(id)).ToHashSet(StringComparer.Ordinal);

        var events = new List<IRegistryEvent>();
        foreach (var (name, group) in journalGroups)
        {
            if (!groups.TryGetValue(name, out var live)) runtimeGroups[name] = group; // the directory never had it: keep the journal's
            else if (!runtimeGroups.ContainsKey(name) && Definitions.Differences(group, live).Count > 0) runtimeGroups[name] = live; // stale journal
        }
        foreach (var (name, group) in runtimeGroups)
            if (!journalGroups.TryGetValue(name, out var journaled) || Definitions.Differences(journaled, group).Count > 0)
                events.Add(new GroupSaved(group));

        foreach (var (id, endpoint) in journalEndpoints)
        {
            if (!endpoints.TryGetValue(id, out var live))
            {
                if (!configuredEndpoints.ContainsKey(id)) runtimeEndpoints[id] = endpoint; // the directory never had it: keep the journal's
            }
            else if (!runtimeEndpoints.ContainsKey(id) && Definitions.Differences(endpoint, live).Count > 0) runtimeEndpoints[id] = live; // stale journal
        }
        foreach (var id in journalRemoved)
            if (endpoints.TryGetValue(id, out var live) && !runtimeEndpoints.ContainsKey(id)) runtimeEndpoints[id] = live; // re-added since
        foreach (var (id, endpoint) in runtimeEndpoints)
            if (!journalEndpoints.TryGetValue(id, out var journaled) || Definitions.Differences(journaled, endpoint).Count > 0)
                events.Add(new EndpointSaved(endpoint));
        foreach (var id in removed)
            if (!journalRemoved.Contains(id)) events.Add(new EndpointDeleted(id));

        Replace(_configuredGroups, configuredGroups);
        Replace(_configuredEndpoints, configuredEndpoints);
        Replace(_runtimeGroups, runtimeGroups);
        Replace(_runtimeEndpoints, runtimeEndpoints);
        _removed.Clear();
        _removed.UnionWith(removed);
        Rebuild();
        return events;
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

    /// <summary>True when applying <paramref name="change"/> would leave the directory as it is (a retried or repeated write).</summary>
    public bool Unchanged(IRegistryEvent change) => change switch
    {
        EndpointSaved saved => _endpoints.TryGetValue(saved.Endpoint.Id, out var current) && Definitions.Differences(current, saved.Endpoint).Count == 0,
        GroupSaved group => _groups.TryGetValue(group.Group.Name, out var current) && Definitions.Differences(current, group.Group).Count == 0,
        _ => false,
    };

    private void Rebuild()
    {
        _groups.Clear();
        foreach (var (name, group) in _configuredGroups) _groups[name] = group;
        foreach (var (name, group) in _runtimeGroups) _groups[name] = group;
        _endpoints.Clear();
        foreach (var (id, endpoint) in _configuredEndpoints)
            if (!_removed.Contains(id)) _endpoints[id] = endpoint;
        foreach (var (id, endpoint) in _runtimeEndpoints) _endpoints[id] = endpoint;
    }

    private static void Replace<T>(Dictionary<string, T> target, IEnumerable<KeyValuePair<string, T>> source)
    {
        target.Clear();
        foreach (var (key, value) in source) target[key] = value;
    }

    private List<string> RegistrationProblems(EndpointDefinition endpoint)
    {
        var problems = DefinitionValidator.Validate(endpoint).ToList();
        // The same definition again is a retry (its first answer was lost or timed out): it succeeds without a change.
        if (_endpoints.TryGetValue(endpoint.Id, out var existing) && Definitions.Differences(existing, endpoint).Count > 0)
            problems.Add($"endpoint '{endpoint.Id}' already exists");
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

/// <summary>What <see cref="RegistryState.Offer"/> changed: directory entries and configuration-layer entries to write, and what to log.</summary>
public sealed class OfferOutcome
{
    public List<ModelGroupDefinition> Groups { get; } = [];
    public List<EndpointDefinition> Endpoints { get; } = [];
    public List<ModelGroupDefinition> ConfiguredGroups { get; } = [];
    public List<EndpointDefinition> ConfiguredEndpoints { get; } = [];
    public List<string> Applied { get; } = [];
    public List<string> Warnings { get; } = [];
}
