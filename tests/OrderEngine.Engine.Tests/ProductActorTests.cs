using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Products;
using OrderEngine.Engine.Products;

namespace OrderEngine.Engine.Tests;

public sealed class ProductActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly Dimensions Box = new(30, 20, 10);

    private IActorRef Product(string sku) => Sys.ActorOf(ProductActor.Props(sku, TimeSpan.FromMinutes(10), TimeProvider.System));

    private static Task<IProductReply> Ask(IActorRef product, IProductMessage message) => product.Ask<IProductReply>(message, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_definition_survives_a_restart_and_its_repeat_is_not_a_new_revision()
    {
        var product = Product("MUG-1");
        Assert.IsType<ProductAccepted>(await Ask(product, new PutProduct("MUG-1", "Mug", 0.4m, Box)));
        var changed = Assert.IsType<ProductAccepted>(await Ask(product, new PutProduct("MUG-1", "Mug", 0.5m, Box, Returnable: false)));
        Assert.Equal(2, changed.View.Revision);

        await product.GracefulStop(TimeSpan.FromSeconds(5));
        product = Product("MUG-1");

        var recovered = Assert.IsType<ProductAccepted>(await Ask(product, new GetProduct("MUG-1")));
        Assert.Equal(changed.View, recovered.View);
        var repeat = Assert.IsType<ProductAccepted>(await Ask(product, new PutProduct("MUG-1", "Mug", 0.5m, Box, Returnable: false)));
        Assert.Equal(2, repeat.View.Revision);
        Assert.Equal(changed.View.UpdatedAt, repeat.View.UpdatedAt);
    }

    [Fact]
    public async Task An_unknown_product_is_not_found_and_an_invalid_one_changes_nothing()
    {
        var product = Product("MUG-2");
        var unknown = Assert.IsType<ProductRefused>(await Ask(product, new GetProduct("MUG-2")));
        Assert.Equal(ProductRejectionCode.NotFound, unknown.Rejection.Code);

        var invalid = Assert.IsType<ProductRefused>(await Ask(product, new PutProduct("MUG-2", "Mug", 0m, Box)));
        Assert.Equal("weightKg", Assert.Single(invalid.Rejection.Errors).Field);

        await product.GracefulStop(TimeSpan.FromSeconds(5));
        product = Product("MUG-2");
        Assert.Equal(ProductRejectionCode.NotFound, Assert.IsType<ProductRefused>(await Ask(product, new GetProduct("MUG-2"))).Rejection.Code);
    }
}
