namespace Router.Node.Admin;

/// <summary>An admin command that cannot be done; <see cref="Status"/> is the HTTP status the API answers with.</summary>
public sealed class AdminException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static AdminException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    public static AdminException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
