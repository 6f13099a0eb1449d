using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Registry;

namespace Router.Actors.Registry;

/// <summary>
/// One per gateway: offers the node's configuration (groups and endpoints) to the registry singleton when the node
/// starts, again until the registry answers (the singleton may be starting or moving; 3 s, doubling up to a minute, so a
/// registry that cannot answer, e.g. an older version during a rolling deploy, is not flooded), then logs what the
/// registry did with it and stops. Offers are idempotent, so a repeated one changes nothing.
/// </summary>
internal sealed class ConfigurationOfferActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(1);
    private readonly IActorRef _registry;
    private readonly OfferConfiguration _offer;
    private readonly RegistryLog _log;
    private TimeSpan _retry = FirstRetry;

    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }

    public ConfigurationOfferActor(RouterRuntime runtime, IActorRef registry)
    {
        _registry = registry;
        _log = new RegistryLog(Context);
        _offer = new OfferConfiguration(Cluster.Get(Context.System).SelfAddress.ToString(), runtime.Options.Groups, runtime.Options.Endpoints);
        Receive<Retry>(_ => Send());
        Receive<ConfigurationOffered>(OnOffered);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Send();

    private void Send()
    {
        _registry.Tell(_offer);
        Timers.StartSingleTimer("retry", Retry.Instance, _retry);
        _retry = TimeSpan.FromTicks(Math.Min(_retry.Ticks * 2, LongestRetry.Ticks));
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
