using System.Security.Cryptography;
using System.Text;
using Router.Node.Configuration;

namespace Router.Node.Gateway;

/// <summary>Checks "Authorization: Bearer key" against Gateway:ApiKeys, in constant time; open when none are configured.</summary>
internal sealed class ClientApiKeys(GatewayOptions gateway)
{
    private readonly byte[][] _keys = gateway.ApiKeys.Select(k => Encoding.UTF8.GetBytes(k)).ToArray();

    public bool Allows(HttpContext context)
    {
        if (_keys.Length == 0) return true;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        var allowed = false;
        foreach (var key in _keys) allowed |= CryptographicOperations.FixedTimeEquals(key, presented);
        return allowed;
    }
}
