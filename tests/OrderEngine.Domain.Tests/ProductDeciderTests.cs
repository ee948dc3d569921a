using OrderEngine.Domain.Products;

namespace OrderEngine.Domain.Tests;

public class ProductDeciderTests
{
    private static readonly DateTimeOffset T = TestTime.T0;
    private static readonly Dimensions Box = new(30, 20, 10);

    private static PutProduct Put(string name = "Mug", decimal? kg = 0.4m, Dimensions? dims = null, bool returnable = true, string? hs = null) =>
        new("MUG-1", name, kg, dims ?? Box, returnable, hs);

    [Fact]
    public void The_first_definition_is_revision_one_and_returnable_by_default()
    {
        var d = ProductDecider.Decide(ProductState.Initial("MUG-1"), new PutProduct("MUG-1", " Mug ", 0.4m, Box), T);
        var e = Assert.IsType<ProductDefined>(Assert.Single(d.Events));
        Assert.Equal(new ProductDefined("MUG-1", "Mug", 0.4m, Box, true, null, 1, T), e);
    }

    [Fact]
    public void Repeating_the_same_definition_changes_nothing()
    {
        var state = ProductDecider.Fold(ProductState.Initial("MUG-1"), ProductDecider.Decide(ProductState.Initial("MUG-1"), Put(), T).Events);
        var again = ProductDecider.Decide(state, Put(), T.AddMinutes(1));
        Assert.False(again.IsRejected);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void A_changed_definition_is_the_next_revision()
    {
        var state = ProductDecider.Fold(ProductState.Initial("MUG-1"), ProductDecider.Decide(ProductState.Initial("MUG-1"), Put(), T).Events);
        var changed = ProductDecider.Decide(state, Put(kg: 0.5m, returnable: false), T.AddMinutes(1));
        var e = Assert.IsType<ProductDefined>(Assert.Single(changed.Events));
        Assert.Equal(2, e.Revision);
        Assert.False(ProductDecider.Evolve(state, e).Current!.Returnable);
    }

    [Fact]
    public void An_invalid_definition_names_every_bad_field_and_changes_nothing()
    {
        var d = ProductDecider.Decide(ProductState.Initial("MUG-1"),
            new PutProduct("MUG-1", "", -1m, new Dimensions(0, 10.25m, 20_000), true, "12ab"), T);
        Assert.True(d.IsRejected);
        Assert.Empty(d.Events);
        Assert.Equal(ProductRejectionCode.Invalid, d.Rejection!.Code);
        Assert.Equal(["dimensions.heightCm", "dimensions.lengthCm", "dimensions.widthCm", "hsCode", "name", "weightKg"],
            d.Rejection.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Missing_weight_and_dimensions_are_refused_by_name()
    {
        var d = ProductDecider.Decide(ProductState.Initial("MUG-1"), new PutProduct("MUG-1", "Mug", null, null), T);
        Assert.Equal(["dimensions", "weightKg"], d.Rejection!.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Weight_is_kept_to_grams()
    {
        var d = ProductDecider.Decide(ProductState.Initial("MUG-1"), Put(kg: 0.0004m), T);
        Assert.Equal("weightKg", Assert.Single(d.Rejection!.Errors).Field);
    }
}
