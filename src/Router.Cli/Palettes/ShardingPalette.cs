using Router.AdminApi;

namespace Router.Cli.Palettes;

/// <summary><c>sharding</c>: where the endpoint entities live.</summary>
internal static class ShardingPalette
{
    public static Palette Create() => new("sharding", "cluster sharding of the endpoint entities",
    [
        new("sharding", "regions", "shard regions: address, shards, entities, and totals", [], [], ctx => ctx.QueryAsync<ShardingView>("/admin/sharding", WriteRegions)),
        new("sharding", "stats", "totals and balance: shards and entities per region", [], [], ctx => ctx.QueryAsync<ShardingView>("/admin/sharding", WriteStats)),
    ]);

    private static void WriteRegions(ShardingView view, Output output)
    {
        var regions = view.Regions ?? [];

        // Nodes that report which endpoints live where (RegionView.EndpointIds) get an extra column.
        var withIds = regions.Any(r => r.EndpointIds is not null);
        var table = withIds ? Output.Table("ADDRESS", "SHARDS>", "ENTITIES>", "ENDPOINT IDS") : Output.Table("ADDRESS", "SHARDS>", "ENTITIES>");
        foreach (var region in regions)
        {
            // A region that did not answer (named in notAnswered, which routerctl warns about) has no counts.
            string[] cells = region.Answered
                ? [region.Address, Format.Number(region.Shards), Format.Number(region.Entities)]
                : [region.Address, Format.None, Format.None];
            table.Row(withIds ? [.. cells, Format.List(region.EndpointIds)] : cells);
        }

        string[] total = ["total", Format.Number(view.TotalShards), Format.Number(view.TotalEntities)];
        table.Row(withIds ? [.. total, ""] : total);
        output.WriteLine($"type: {view.TypeName}");
        output.Write(table);
    }

    private static void WriteStats(ShardingView view, Output output)
    {
        var regions = view.Regions ?? [];
        Format.KeyValues(output,
        [
            ("type", view.TypeName),
            ("regions", Format.Number(regions.Count)),
            ("shards", Format.Number(view.TotalShards) + Spread(regions.Where(r => r.Answered).Select(r => r.Shards).ToList())),
            ("entities", Format.Number(view.TotalEntities) + Spread(regions.Where(r => r.Answered).Select(r => r.Entities).ToList())),
        ]);
    }

    private static string Spread(List<int> perRegion) =>
        perRegion.Count == 0 ? "" : $" (per region: min {perRegion.Min()}, max {perRegion.Max()}, mean {Format.Number(Math.Round(perRegion.Average(), 1))})";
}
