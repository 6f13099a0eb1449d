namespace Router.Actors.Leasing;

/// <summary>A count of this node's requests on one endpoint, changed by the <see cref="LeaseBook"/> and read by routers.</summary>
public sealed class HeldCount
{
    private int _value;

    public int Value => Volatile.Read(ref _value);

    internal void Changed(int delta) => Interlocked.Add(ref _value, delta);
}
