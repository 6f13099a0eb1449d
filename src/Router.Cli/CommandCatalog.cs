using Router.Cli.Palettes;

namespace Router.Cli;

/// <summary>Every palette and command routerctl knows; the command tree (parser, help, completion) is generated from here.</summary>
internal sealed class CommandCatalog(IReadOnlyList<Palette> palettes)
{
    public static CommandCatalog Default { get; } = new([ClusterPalette.Create(), ShardingPalette.Create(), RouterPalette.Create()]);

    public IReadOnlyList<Palette> Palettes { get; } = palettes;

    public Palette? FindPalette(string name) =>
        Palettes.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
