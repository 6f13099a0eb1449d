using System.Text.Json;
using Router.AdminApi;
using static Router.Cli.Define;

namespace Router.Cli.Palettes;

/// <summary><c>cluster</c>: Akka.NET cluster membership, as seen by the node the CLI talks to.</summary>
internal static class ClusterPalette
{
    public static Palette Create() => new("cluster", "cluster membership, as seen by the node",
    [
        new("cluster", "show", "members: address, status, roles, reachability, leader and self", [], [], ctx => ctx.QueryAsync<ClusterView>("/admin/cluster", WriteMembers)),
        new("cluster", "status", "one line: self status, members up, unreachable, leader", [], [], ctx => ctx.QueryAsync<ClusterView>("/admin/cluster", WriteStatus)),
        new("cluster", "leader", "the leader's address", [], [], ctx => ctx.QueryAsync<ClusterView>("/admin/cluster", (view, o) => o.WriteLine(view.Leader ?? "(none)"))),
        new("cluster", "leave", "make a member leave gracefully (default: this node)",
            [OptionalArg("address", "member address, e.g. akka.tcp://llm-router@10.0.0.5:4053")], [],
            ctx => ctx.CommandAsync(HttpMethod.Post, "/admin/cluster/leave", new AddressRequest(ctx.Argument("address")))),
        new("cluster", "down", "mark a member as down",
            [Arg("address", "member address, e.g. akka.tcp://llm-router@10.0.0.5:4053")], [],
            ctx => ctx.CommandAsync(HttpMethod.Post, "/admin/cluster/down", new AddressRequest(ctx.RequiredArgument("address")))),
        new("cluster", "down-unreachable", "mark every unreachable member as down", [], [],
            ctx => ctx.CommandAsync(HttpMethod.Post, "/admin/cluster/down-unreachable")),
        new("cluster", "join", "make this node join the cluster at an address",
            [Arg("address", "seed address, e.g. akka.tcp://llm-router@10.0.0.5:4053")], [],
            ctx => ctx.CommandAsync(HttpMethod.Post, "/admin/cluster/join", new AddressRequest(ctx.RequiredArgument("address")))),
        new("cluster", "tail", "print membership events as they happen, until Ctrl-C", [], [], TailAsync),
    ]);

    private static void WriteMembers(ClusterView view, Output output)
    {
        var unreachable = Unreachable(view);
        var table = Output.Table("ADDRESS", "STATUS", "ROLES", "REACHABLE", "UP#>", "");
        foreach (var member in view.Members ?? [])
        {
            var notes = new List<string>();
            if (member.Address == view.Leader)
            {
                notes.Add("leader");
            }

            if (member.Address == view.Self)
            {
                notes.Add("self");
            }

            table.Row(member.Address, member.Status, Format.List(member.Roles), Format.YesNo(!unreachable.Contains(member.Address)),
                Format.Number(member.UpNumber), string.Join(", ", notes));
        }

        output.Write(table);
        output.WriteLine();
        output.WriteLine($"self:   {view.Self}");
        output.WriteLine($"leader: {view.Leader ?? "(none)"}");
        foreach (var address in unreachable.Where(a => view.Members?.All(m => m.Address != a) ?? true))
        {
            output.WriteLine($"unreachable (not a member): {address}");
        }

        WriteIncident(view, output);
    }

    /// <summary>Who cannot reach whom, and what the split-brain resolver will do about it (from the node's view).</summary>
    private static void WriteIncident(ClusterView view, Output output)
    {
        foreach (var member in view.UnreachableMembers ?? [])
        {
            var by = member.ObservedBy is null ? "unknown observers" : member.ObservedBy.Count == 0 ? "no recorded observer" : string.Join(", ", member.ObservedBy);
            var since = member.UnreachableSince is { } at ? $" since {Format.Time(at)}" : "";
            output.WriteLine($"unreachable: {member.Address} ({member.Status}, {Format.List(member.Roles)}){since}, observed by {by}");
        }

        if (view.Resolver is not { } resolver)
        {
            return;
        }

        var scope = resolver.Role is null ? "every member counts" : $"only {resolver.Role} members count";
        output.WriteLine($"resolver: {resolver.Strategy} ({scope}), stable-after {Format.Seconds(resolver.StableAfterSeconds)}: {resolver.State}" +
                         (resolver.State == "waiting" ? $", decides in about {Format.Seconds(resolver.DecisionInSeconds)}" : ""));
        if (resolver.Decision is not null)
        {
            output.WriteLine($"  decision: {resolver.Decision}; carried out by the leader {resolver.DecidedBy ?? "(none)"}");
            output.WriteLine($"  will down: {Format.List(resolver.WillDown)}");
        }

        if (resolver.Downing.Count > 0)
        {
            output.WriteLine($"  marked down, being removed: {string.Join(", ", resolver.Downing)}");
        }
    }

    private static void WriteStatus(ClusterView view, Output output)
    {
        var members = view.Members ?? [];
        var self = members.FirstOrDefault(m => m.Address == view.Self)?.Status ?? "not a member";
        var up = members.Count(m => string.Equals(m.Status, "up", StringComparison.OrdinalIgnoreCase));
        var deciding = view.Resolver is { State: "waiting" or "due" } r ? $", resolver {r.State}{(r.State == "waiting" ? $" ({Format.Seconds(r.DecisionInSeconds)})" : "")}" : "";
        output.WriteLine($"self {self}, {up} of {Format.Plural(members.Count, "member")} up, {Unreachable(view).Count} unreachable, leader {view.Leader ?? "(none)"}{deciding}");
    }

    private static HashSet<string> Unreachable(ClusterView view) =>
        [.. (view.Unreachable ?? []).Concat((view.Members ?? []).Where(m => !m.Reachable).Select(m => m.Address))];

    private static async Task<int> TailAsync(CommandContext ctx)
    {
        try
        {
            using var stream = await ctx.Api.OpenStreamAsync("/admin/cluster/events", ctx.Cancellation);
            if (!ctx.Json)
            {
                ctx.Error.WriteLine($"following cluster events from {ctx.Api.BaseUri.GetLeftPart(UriPartial.Authority)} (Ctrl-C to stop)");
            }

            while (await stream.ReadLineAsync(ctx.Cancellation) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                ctx.Out.WriteLine(ctx.Json ? line : Describe(line));
                await ctx.Out.Writer.FlushAsync(CancellationToken.None);
            }

            if (!ctx.Json)
            {
                ctx.Error.WriteLine("the node ended the event stream");
            }
        }
        catch (OperationCanceledException) when (ctx.Cancellation.IsCancellationRequested)
        {
            // Ctrl-C is how a tail ends.
        }

        return ExitCodes.Success;
    }

    private static string Describe(string line)
    {
        try
        {
            var e = JsonSerializer.Deserialize<MemberEventView>(line, AdminJson.Read);
            return e is null ? line : $"{Format.Time(e.At)}  {e.Event,-20}  {e.Address}  {e.Status}";
        }
        catch (JsonException)
        {
            return line;
        }
    }
}
