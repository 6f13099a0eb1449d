namespace Router.Messages.Registry;

/// <summary>
/// The key of an entry in the replicated directory (an endpoint id or a group name). Not a plain string because its
/// hash must be the same in every process: Distributed Data orders a map's entries by their keys' hashes when it
/// serializes the map for a digest, and .NET randomizes string hashes per process. String keys would give every node a
/// different digest of the same directory, and the nodes would gossip the whole directory to each other forever.
/// </summary>
public sealed record DirectoryEntryId(string Value) : IRouterMessage
{
    public bool Equals(DirectoryEntryId? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes and runs.</summary>
    public override int GetHashCode()
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in Value) hash = (hash ^ c) * 16777619;
            return hash;
        }
    }

    public override string ToString() => Value;
}
