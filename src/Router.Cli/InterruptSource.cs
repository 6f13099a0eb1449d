namespace Router.Cli;

/// <summary>
/// Lets Ctrl-C (or a test) stop the command that is running without ending the process:
/// <c>cluster tail</c> ends cleanly, and the interactive shell returns to its prompt.
/// </summary>
public sealed class InterruptSource
{
    private readonly Lock gate = new();
    private CancellationTokenSource? current;

    /// <summary>Cancels the running command. False when no command is running (the caller may then end the process).</summary>
    public bool Interrupt()
    {
        lock (gate)
        {
            if (current is null)
            {
                return false;
            }

            current.Cancel();
            return true;
        }
    }

    /// <summary>True while a command is running; lets tests wait until a stream is being read.</summary>
    public bool IsRunning
    {
        get
        {
            lock (gate)
            {
                return current is not null;
            }
        }
    }

    internal CancellationToken Begin()
    {
        lock (gate)
        {
            current?.Dispose();
            current = new CancellationTokenSource();
            return current.Token;
        }
    }

    internal void End()
    {
        lock (gate)
        {
            current?.Dispose();
            current = null;
        }
    }
}
