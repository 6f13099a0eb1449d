using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Router.Node.Gateway;

/// <summary>
/// Upstream certificate validation: the system trust store first; when <c>Router:UpstreamCaBundle</c> names a PEM
/// file, a certificate that chains to one of its certificates is trusted as well (self-hosted endpoints behind an
/// internal CA). The host name must match in every case.
/// </summary>
internal static class UpstreamTrust
{
    /// <summary>The certificates of a PEM bundle; throws when the file cannot be read or holds none.</summary>
    public static X509Certificate2Collection LoadBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        if (bundle.Count == 0) throw new InvalidDataException($"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return bundle;
    }

    public static RemoteCertificateValidationCallback Callback(X509Certificate2Collection bundle) =>
        (_, certificate, chain, errors) => Validate(bundle, certificate, chain, errors);

    private static bool Validate(X509Certificate2Collection bundle, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        // A wrong name or no certificate is never acceptable; only an unknown issuer can be fixed by the bundle.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(bundle);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // internal CAs rarely publish revocation lists
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
