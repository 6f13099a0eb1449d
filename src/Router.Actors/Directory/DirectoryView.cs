namespace Router.Actors.Directory;

/// <summary>
/// The node-local, lock-free read side of the endpoint directory: the directory actor swaps in a new
/// <see cref="DirectorySnapshot"/> on every replicated change; routers, endpoint actors and the gateway read it.
/// </summary>
public sealed class DirectoryView
{
    private volatile DirectorySnapshot _current = DirectorySnapshot.Empty;

    public DirectorySnapshot Current => _current;

    internal void Publish(DirectorySnapshot snapshot) => _current = snapshot;
}
