// The yardstick for bench/gateway/run.sh: YARP as its documentation sets it up, nothing else in the
// pipeline. The cluster (3 destinations, PowerOfTwoChoices) comes from appsettings.json; run.sh overrides
// the destination addresses and the listen url on the command line:
//   dotnet YarpPeer.dll --urls http://127.0.0.1:18200 \
//     --ReverseProxy:Clusters:sims:Destinations:sim-a:Address=http://127.0.0.1:18101/ ...
// appsettings.json is read from next to the dll, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapReverseProxy();
app.Run();
