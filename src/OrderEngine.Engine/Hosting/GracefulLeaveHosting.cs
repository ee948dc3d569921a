using Akka.Hosting;

namespace OrderEngine.Engine.Hosting;

/// <summary>
/// The order of a graceful stop (SIGTERM): the host first, Akka second. Akka.NET registers its own SIGTERM handler
/// (akka.coordinated-shutdown.run-by-clr-shutdown-hook), which ran the coordinated shutdown — leave, shard hand-off,
/// actor system terminated — while the web server still took requests: those in flight lost their entities and waited
/// out their ask timeout, and new ones reached a region that was gone. With the hook off, SIGTERM reaches only the
/// ASP.NET Core host: the node stops being ready and answers new API requests 503, the web server stops and lets the
/// requests in flight finish (the actor system still serves them), and only then Akka.Hosting's hosted service runs the
/// coordinated shutdown (cluster leave, shard hand-off to the other nodes, exit 0).
/// </summary>
public static class GracefulLeaveHosting
{
    public static AkkaConfigurationBuilder WithOrderEngineGracefulLeave(this AkkaConfigurationBuilder builder) =>
        builder.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
}
