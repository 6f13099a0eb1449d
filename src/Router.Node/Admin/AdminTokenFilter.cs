using System.Security.Cryptography;
using System.Text;
using Router.AdminApi;
using Router.Node.Configuration;

namespace Router.Node.Admin;

/// <summary>Nothing is read or changed through the admin API without "Authorization: Bearer &lt;Admin:Token&gt;".</summary>
internal sealed class AdminTokenFilter(AdminOptions admin) : IEndpointFilter
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(admin.Token ?? "");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_token.Length == 0)
            return Results.Json(new AdminError("the admin API is disabled on this node: set Admin:Token (e.g. Admin__Token=...)"),
                statusCode: StatusCodes.Status401Unauthorized);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
        if (!CryptographicOperations.FixedTimeEquals(_token, presented))
            return Results.Json(new AdminError("the admin token is missing or wrong; send Authorization: Bearer <Admin:Token>"),
                statusCode: StatusCodes.Status401Unauthorized);
        return await next(context);
    }
}
