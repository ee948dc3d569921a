using System.Diagnostics;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Engine.Tests.Telemetry;

/// <summary>The envelope that carries a command's trace context to its entity: routed like the command, serialized with it.</summary>
public sealed class TracedCommandTests() : TestKit(TestConfig.WithTestJournal.WithFallback(ConfigurationFactory.ParseString("""
    akka.actor.serializers.orderengine-traced = "OrderEngine.Engine.Telemetry.TracedCommandSerializer, OrderEngine.Engine"
    akka.actor.serialization-bindings {
      "OrderEngine.Engine.Telemetry.TracedCommand, OrderEngine.Engine" = orderengine-traced
    }
    """)))
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static readonly ConfirmPayment Payment = new("o-traced", 12.5m, "EUR", "psp-1");

    [Fact]
    public void A_traced_command_survives_serialization_with_its_command_and_trace_context()
    {
        var traced = new TracedCommand(Payment, TraceParent, "vendor=1");
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(traced);
        Assert.IsType<TracedCommandSerializer>(serializer);

        var bytes = serializer.ToBinary(traced);
        var back = (TracedCommand)serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, traced));

        Assert.Equal(Payment, back.Message);
        Assert.Equal(TraceParent, back.TraceParent);
        Assert.Equal("vendor=1", back.TraceState);
        Assert.Equal(ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c"), back.Parent.TraceId);
        Assert.Equal(ActivitySpanId.CreateFromString("b7ad6b7169203331"), back.Parent.SpanId);
    }

    [Fact]
    public void A_traced_command_goes_to_the_same_entity_and_shard_as_the_command_inside()
    {
        var extractor = new OrderMessageExtractor(100);
        var traced = new TracedCommand(Payment, TraceParent, null);

        Assert.Equal(extractor.EntityId(Payment), extractor.EntityId(traced));
        Assert.Equal(extractor.ShardId(extractor.EntityId(Payment)!, Payment), extractor.ShardId(extractor.EntityId(traced)!, traced));
        // The entity gets the envelope and unwraps it itself.
        Assert.Same(traced, extractor.EntityMessage(traced));
    }

    [Fact]
    public void Without_a_recorded_span_a_command_is_sent_as_it_is()
    {
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            Assert.Same(Payment, TracedCommand.Wrap(Payment));
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    [Fact]
    public void Only_order_commands_are_wrapped_even_while_spans_are_recorded()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OrderEngineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var span = OrderEngineTelemetry.Source.StartActivity("test");
        Assert.NotNull(span);

        var wrapped = Assert.IsType<TracedCommand>(TracedCommand.Wrap(Payment));
        Assert.Equal(span!.TraceId, wrapped.Parent.TraceId);
        Assert.Equal(span.SpanId, wrapped.Parent.SpanId);
        var query = new GetOrder("o-traced");
        Assert.Same(query, TracedCommand.Wrap(query));
    }
}
