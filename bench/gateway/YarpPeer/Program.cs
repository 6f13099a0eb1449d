// The yardstick for bench/gateway/run.sh: YARP as its documentation sets it up, nothing else in the
// pipeline. The cluster (3 destinations, PowerOfTwoChoices) comes from appsettings.json; run.sh overrides
// the destination addresses and the listen url on the command line:
//   dotnet YarpPeer.dll --urls http://127.0.0.1:18200 \
//     --ReverseProxy:Clusters:sims:Destinations:sim-a:Address=http://127.0.0.1:18101/ ...
// With --CaBundle=/path/ca.pem (the HTTPS-upstream run), HTTPS destinations whose certificate chains to a CA in
// that PEM file are trusted too, checked the same way the gateway checks Router:UpstreamCaBundle.
// appsettings.json is read from next to the dll, whatever the working directory.
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var proxy = builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
if (builder.Configuration["CaBundle"] is { Length: > 0 } caBundle)
{
    var bundle = new X509Certificate2Collection();
    bundle.ImportFromPemFile(caBundle);
    proxy.ConfigureHttpClient((_, handler) => handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(bundle);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    });
}

var app = builder.Build();
app.MapReverseProxy();
app.Run();
