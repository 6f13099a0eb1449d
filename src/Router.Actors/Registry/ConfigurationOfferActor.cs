using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Registry;

namespace Router.Actors.Registry;

/// <summary>
/// One per gateway: offers the node's configuration (groups and endpoints) to the registry singleton when the node
/// starts, again every few seconds until the registry answers (the singleton may be starting or moving), then logs
/// what the registry did with it and stops. Offers are idempotent, so a repeated one changes nothing.
/// </summary>
internal sealed class ConfigurationOfferActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(3);
    private readonly IActorRef _registry;
    private readonly OfferConfiguration _offer;
    private readonly RegistryLog _log;

    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }

    public ConfigurationOfferActor(RouterRuntime runtime, IActorRef registry)
    {
        _registry = registry;
        _log = new RegistryLog(Context);
        _offer = new OfferConfiguration(Cluster.Get(Context.System).SelfAddress.ToString(), runtime.Options.Groups, runtime.Options.Endpoints);
        Receive<Retry>(_ => _registry.Tell(_offer));
        Receive<ConfigurationOffered>(OnOffered);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _registry.Tell(_offer);
        Timers.StartPeriodicTimer("retry", Retry.Instance, RetryInterval);
    }

    private void OnOffered(ConfigurationOffered offered)
    {
        Timers.CancelAll();
        _log.Info(offered.Applied.Count == 0 && offered.Warnings.Count == 0
            ? $"This node's configuration is in the registry ({offered.Registry})"
            : $"This node's configuration was offered to the registry ({offered.Registry}): {offered.Applied.Count} entr(ies) applied, {offered.Warnings.Count} not");
        foreach (var line in offered.Applied) _log.Info($"Registry: {line}");
        foreach (var line in offered.Warnings) _log.Warning($"Registry: {line}");
        Context.Stop(Self);
    }
}
