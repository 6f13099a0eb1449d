# One image for the gateway node and the simulated model endpoint (docker-compose picks the entrypoint).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Router.Node -c Release -o /app/node \
 && dotnet publish src/Router.Simulator -c Release -o /app/simulator

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
COPY deploy/cluster.json /app/config/cluster.json
# 4000: OpenAI-compatible API, 9110: admin API, 4053: Akka.Remote
EXPOSE 4000 9110 4053
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/node/Router.Node.dll", "--config", "/app/config/cluster.json"]
